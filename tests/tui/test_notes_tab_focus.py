"""A Notes tab the counselor is not on never takes the focus when its notes arrive.

The student screen mounts its Notes pane in the background (a hidden tab) and loads its notes
in a worker. A pane whose notes arrived while nothing on the screen had the focus (the moment
the student screen opens, or with the export dialog over it) focused its table, and Textual
then switched the student screen to the Notes tab: the counselor, and a screenshot of the
export dialog, saw the notes instead of the classes. Intermittent in the suite
(test_export_error_is_shown, the export_modal snapshot)."""

from __future__ import annotations

import datetime as dt

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent, TabPane

from caseload.domain.notes import Note, NoteStatus, NoteType
from caseload.tui.widgets.notes import NotesPane

from .conftest import settle

AT = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
NOTE = Note(1, "s001", "c-rivera", dt.date(2026, 11, 10), NoteType.OTHER, (), None,
            "Called home", None, NoteStatus.OPEN, AT, AT)


class Tabs(App[None]):
    def __init__(self, initial: str) -> None:
        super().__init__()
        self.initial = initial

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=self.initial):
            with TabPane("Classes", id="tab-classes"):
                yield Static("classes")
            with TabPane("Notes", id="tab-notes"):
                yield NotesPane("s001", None)


async def notes_arrive_with_nothing_focused(app: Tabs, pilot: Pilot) -> None:
    await settle(pilot)
    app.set_focus(None)
    app.query_one(NotesPane).show_notes([NOTE])
    await settle(pilot)


async def test_notes_arriving_in_a_hidden_tab_leave_the_focus_and_the_tab_alone():
    app = Tabs("tab-classes")
    async with app.run_test() as pilot:
        await notes_arrive_with_nothing_focused(app, pilot)
        assert app.query_one(TabbedContent).active == "tab-classes"
        assert app.focused is None


async def test_notes_arriving_in_the_shown_tab_take_the_free_focus():
    app = Tabs("tab-notes")
    async with app.run_test() as pilot:
        await notes_arrive_with_nothing_focused(app, pilot)
        assert app.query_one(TabbedContent).active == "tab-notes"
        assert app.focused is not None and app.focused.id == "notes-table"
