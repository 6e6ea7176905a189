"""SVG snapshots on the fake reader, of the states the sample school does not have: the
caseload with names that carry markup and an ANSI escape (shown literally), and a student's
Notes tab with no notes. Every other screen is shot on the sample school
(test_sample_snapshots.py, test_notes_snapshots.py); the sizes and themes follow the rule in
conftest.py.

The clock is frozen (``now=``) and the as-of date fixed, so the freshness text and every
computed figure are stable. Update with ``pytest tests/tui --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from caseload.tui.app import CaseloadApp

from .conftest import THEMES, Run, settle, shots, snapshot
from .fakes import AS_OF, NOW, FakeReader


def _student(student_id: str, tab_key: str | None = None) -> Run:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        app: CaseloadApp = pilot.app  # type: ignore[assignment]
        app.home.select_student(student_id)
        await pilot.press("enter")
        await settle(pilot)
        if tab_key:
            await pilot.press(tab_key)
            await settle(pilot)

    return run


async def _caseload(pilot: Pilot) -> None:
    await settle(pilot)


SCREENS: dict[str, Run] = {
    "caseload": _caseload,
    "student_notes": _student("s001", "4"),
}


@pytest.mark.parametrize(("screen", "size", "theme"), shots(SCREENS))
def test_screen_snapshot(snap_compare, screen: str, size: str, theme: str) -> None:
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      theme=THEMES[theme])
    assert snapshot(snap_compare, app, size, SCREENS[screen])
