"""SVG snapshots of every screen, in both themes, at 80x24 and 200x60.

The clock is frozen (``now=``) and the as-of date fixed, so the freshness text and every
computed figure are stable. Update with ``pytest tests/tui --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from caseload.tui.app import DARK_THEME, LIGHT_THEME, CaseloadApp

from .conftest import settle
from .fakes import AS_OF, NOW, FakeReader

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}
THEMES = {"dark": DARK_THEME, "light": LIGHT_THEME}


def _student(student_id: str, tab_key: str | None = None) -> Callable[[Pilot], Awaitable[None]]:
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


async def _class(pilot: Pilot) -> None:
    await _student("s001")(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _help(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def _filtered(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("slash", *"ab")
    await settle(pilot)


SCREENS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "caseload": _caseload,
    "caseload_filtered": _filtered,
    "student_classes": _student("s001"),
    "student_attendance": _student("s002", "2"),
    "student_behavior": _student("s006", "3"),
    "student_notes": _student("s001", "4"),
    "class": _class,
    "help": _help,
}


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(snap_compare, screen: str, size: str, theme: str) -> None:
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      theme=THEMES[theme])
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])
