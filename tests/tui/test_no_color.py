"""Issue 12: every empty state draws under ``NO_COLOR`` in both themes.

With ``NO_COLOR`` set Textual passes every line through its monochrome filter, which reads
``segment.style.color``: a segment with no style at all crashed the app (the caseload's
"No students match" row, after a ``/`` filter that matched no one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from textual.widgets import TabbedContent

from caseload.domain.report import ClassDetail, StudentDetail
from caseload.tui.app import DARK_THEME, LIGHT_THEME, CaseloadApp
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_text, settle
from .fakes import AS_OF, NOW, FakeReader

SIZE = (100, 30)
THEMES = pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


class EmptyReader(FakeReader):
    """No one on the caseload; students without incidents, flags or weekly grades."""

    def caseload(self, counselor_id, as_of):  # type: ignore[no-untyped-def]
        super().caseload(counselor_id, as_of)
        return []

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        detail = super().student(student_id, as_of)
        report = dataclasses.replace(detail.report, flags=())
        return dataclasses.replace(detail, report=report, incidents=())

    def class_detail(self, student_id: str, class_id: str, as_of: dt.date) -> ClassDetail:
        detail = super().class_detail(student_id, class_id, as_of)
        return dataclasses.replace(detail, weekly=(), assignments=(), categories=())


class EmptyNotes:
    """A notes store with no notes (only what the TUI reads here)."""

    clock = staticmethod(lambda: NOW)

    def list(self, student_id=None, counselor_id=None, since=None, until=None,  # type: ignore[no-untyped-def]
             include_deleted=False):
        return []

    def follow_ups(self, as_of, counselor_id=None):  # type: ignore[no-untyped-def]
        return []

    def student_labels(self, student_ids):  # type: ignore[no-untyped-def]
        return {}


def make(reader: FakeReader, theme: str, *, notes: object = None) -> CaseloadApp:
    assert CaseloadApp(reader, counselor_id="c-rivera", as_of=AS_OF).no_color
    return CaseloadApp(reader, counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                       theme=theme, notes=notes)  # type: ignore[arg-type]


@THEMES
async def test_filter_matching_no_one_under_no_color(theme: str) -> None:
    app = make(FakeReader(), theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzzq")
        await settle(pilot)
        assert app.home.view == []
        assert "No students match" in screen_text(app)
        await pilot.press("t")  # the other theme draws it too
        await settle(pilot)
        assert "No students match" in screen_text(app)


@THEMES
async def test_empty_and_failed_caseload_under_no_color(theme: str) -> None:
    app = make(EmptyReader(), theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No students in this caseload" in screen_text(app)
        await pilot.press("f", "a")  # a flag filter on nobody
        await settle(pilot)
        assert "No students in this caseload" in screen_text(app)
    app = make(FakeReader(fail={"caseload"}), theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Could not load the caseload" in screen_text(app)


@THEMES
async def test_student_class_and_notes_empty_states_under_no_color(theme: str) -> None:
    app = make(EmptyReader(), theme, notes=EmptyNotes())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s001")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert "No flags" in screen_text(app)
        for tab, text in (("3", "No incidents recorded"), ("4", "No notes yet")):
            await pilot.press(tab)
            await settle(pilot)
            assert text in screen_text(app), tab
        app.screen.query_one(TabbedContent).active = "tab-classes"
        app.open_class("s001", "alg1")
        await settle(pilot)
        assert "No complete weeks of grades yet" in screen_text(app)
        assert "Assignments (0)" in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "No open follow-ups due on or before" in screen_text(app)
