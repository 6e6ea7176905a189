"""The follow-ups screen (``u``): open notes whose follow-up date is on or before the as-of date,
oldest first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from caseload.domain.notes import Note
from caseload.tui import messages
from caseload.tui.format import plural
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.safe import clean, literal
from caseload.tui.session import Session
from caseload.tui.widgets.key_table import OpenableTable
from caseload.tui.widgets.notes import first_line


class FollowUpsScreen(Screen[None]):
    """Open notes whose follow-up date is on or before the as-of date, oldest first."""

    CSS_PATH = "notes.tcss"
    AUTO_FOCUS = "#followups"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="nav.back",
                tooltip="Go back to the caseload"),
        Binding("n", "write_note", "Note", id="followups.note",
                tooltip="Write a note about the selected note's student"),
        Binding("d", "mark_done", "Done", id="followups.done",
                tooltip="Mark the selected note done (it leaves the follow-ups)"),
        Binding("r", "reload", "Reload", show=False, id="followups.reload",
                tooltip="Read the follow-ups again"),
    ]

    def __init__(self, session: Session, notes: NotesCalls) -> None:
        super().__init__(id="followups-screen")
        self.session = session
        self.notes_calls = notes
        self.notes: list[Note] = []
        self.names: dict[str, str] = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Loading…", end=""), id="followups-status")
        table = OpenableTable(id="followups")
        for label, key in (("Follow-up", "follow_up"), ("Overdue", "overdue"),
                           ("Student", "student"), ("Type", "type"), ("Contact", "contact"),
                           ("Note", "text")):
            table.add_column(label, key=key)
        yield table
        with VerticalScroll(id="followup-full"):
            yield Static(Text("", end=""), id="followup-full-text")
        yield Footer()

    def on_mount(self) -> None:
        session = self.session
        self.title = "Follow-ups"
        self.sub_title = f"{clean(session.counselor_name)} · due by {session.as_of.isoformat()}"
        self.reload()

    def reload(self) -> None:
        session = self.session
        self.sub_title = f"{clean(session.counselor_name)} · due by {session.as_of.isoformat()}"
        self.notes_calls.load_follow_ups(self)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_follow_ups_loaded(self, message: messages.FollowUpsLoaded) -> None:
        self.notes = message.notes
        self.loaded = True
        table = self.query_one("#followups", OpenableTable)
        table.clear()
        for note in message.notes:
            assert note.follow_up is not None
            overdue = (message.as_of - note.follow_up).days
            table.add_row(
                Text(note.follow_up.isoformat()),
                Text("due today" if overdue == 0 else f"{plural(overdue, 'day')}",
                     justify="right"),
                literal(message.names.get(note.student_id, note.student_id)),
                Text(note.type.words),
                Text(note.contact_date.isoformat()),
                literal(first_line(note.text, 40)),
                key=str(note.id),
            )
        self.names = message.names
        self._show_full()
        status = (
            f"{plural(len(message.notes), 'open follow-up')} due by "
            f"{message.as_of.isoformat()}, oldest first · Enter opens the student"
            if message.notes else
            f"No open follow-ups due on or before {message.as_of.isoformat()}"
        )
        self.query_one("#followups-status", Static).update(Text(status, end=""))

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group == "note-save":
            self.app.notify(f"Not saved: {message.error}", title="Notes", severity="error",
                            markup=False)
            return
        self.query_one("#followups-status", Static).update(
            literal(f"Could not load the follow-ups: {message.error}"))

    def action_write_note(self) -> None:
        note = self.selected_note
        if note is None:
            self.app.notify("No follow-up selected.", severity="warning", markup=False)
            return
        name = self.names.get(note.student_id, note.student_id)
        self.post_message(messages.WriteNote(note.student_id, name))

    def action_mark_done(self) -> None:
        note = self.selected_note
        if note is not None:
            self.notes_calls.mark_done(self, note)

    def on_note_saved(self, message: messages.NoteSaved) -> None:
        name = self.names.get(message.note.student_id, message.note.student_id)
        self.app.notify(f"Follow-up for {name} marked done", markup=False)
        self.post_message(messages.NotesChanged(message.note.student_id))

    @property
    def selected_note(self) -> Note | None:
        table = self.query_one("#followups", OpenableTable)
        row = table.cursor_row
        return self.notes[row] if self.notes and 0 <= row < len(self.notes) else None

    def _show_full(self) -> None:
        note = self.selected_note
        text = Text(end="")
        if note is not None:
            text.append_text(literal(self.names.get(note.student_id, note.student_id),
                                     style="bold"))
            text.append(f" · {note.contact_date.isoformat()} · {note.type.words}\n")
            text.append_text(literal(note.text, multiline=True))
        self.query_one("#followup-full-text", Static).update(text)

    @on(DataTable.RowHighlighted, "#followups")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_full()

    @on(DataTable.RowSelected, "#followups")
    def open_student(self, event: DataTable.RowSelected) -> None:
        event.stop()
        for note in self.notes:
            if str(note.id) == event.row_key.value:
                self.post_message(messages.OpenStudent(note.student_id))
                return
