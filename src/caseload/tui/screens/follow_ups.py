"""The follow-ups screen (``u``): open notes whose follow-up date is on or before the as-of date,
oldest first (``1``: due), or coming this week and next (``2``: upcoming). ``d`` asks what came of
the follow-up and whether to follow up again; ``z`` undoes the last done."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from caseload.domain.notes import Note, follow_up_when
from caseload.tui import messages
from caseload.tui.format import plural
from caseload.tui.keys import back_key, done_key, note_key, reload_key
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.safe import clean, literal
from caseload.tui.session import Session
from caseload.tui.textual_fixes import Header
from caseload.tui.widgets.footer import Footer
from caseload.tui.widgets.key_table import OpenableTable
from caseload.tui.widgets.notes import first_line


class FollowUpsScreen(Screen[None]):
    """Open notes whose follow-up date is on or before the as-of date, oldest first."""

    CSS_PATH = "notes.tcss"
    AUTO_FOCUS = "#followups"
    BINDINGS: ClassVar[list[BindingType]] = [
        back_key("escape,backspace", "Go back to the caseload"),
        note_key("followups.note", "Write a note about the selected note's student"),
        Binding("1", "show('due')", "Due", show=False, id="followups.due",
                tooltip="Follow-ups due on or before the as-of date, oldest first"),
        Binding("2", "show('upcoming')", "Upcoming", show=False, id="followups.upcoming",
                tooltip="Follow-ups coming this week and next, soonest first"),
        done_key("followups.done", "mark_done", "the selected follow-up"),
        Binding("z", "undo", "Undo", id="followups.undo",
                tooltip="Undo the last follow-up marked done"),
        reload_key("followups.reload", "Read the follow-ups again"),
    ]

    def __init__(self, session: Session, notes: NotesCalls) -> None:
        super().__init__(id="followups-screen")
        self.session = session
        self.notes_calls = notes
        self.notes: list[Note] = []  # the rows shown (the view's)
        self.due: list[Note] = []
        self.upcoming: list[Note] = []
        self.as_of = session.as_of
        self.view = "due"  # or "upcoming"
        self.names: dict[str, str] = {}
        self.loaded = False
        self._undo: tuple[Note, Note] | None = None  # (before, after) of the last done
        self._pending: Note | None = None  # the note being marked done

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Loading…", end=""), id="followups-status")
        table = OpenableTable(id="followups")
        for label, key in (("Follow-up", "follow_up"), ("When", "overdue"),
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
        self.due, self.upcoming, self.as_of = message.notes, message.upcoming, message.as_of
        self.names = message.names
        self.loaded = True
        self._fill()

    def action_show(self, view: str) -> None:
        if view != self.view:
            self.view = view
            self._fill()

    def _fill(self) -> None:
        as_of = self.as_of
        self.notes = self.due if self.view == "due" else self.upcoming
        table = self.query_one("#followups", OpenableTable)
        table.clear()
        for note in self.notes:
            assert note.follow_up is not None
            overdue = (as_of - note.follow_up).days
            if overdue > 0:
                # "3 days late": beside "due today" and "this week (Fri)", a bare "3 days"
                # read as three days to go
                when = f"{plural(overdue, 'day')} late"
            elif overdue == 0:
                when = "due today"
            else:
                when = f"{follow_up_when(note.follow_up, as_of)} ({note.follow_up:%a})"
            table.add_row(
                Text(note.follow_up.isoformat()),
                Text(when, justify="right"),
                literal(self.names.get(note.student_id, note.student_id)),
                Text(note.type.words),
                Text(note.contact_date.isoformat()),
                literal(first_line(note.text, 40)),
                key=str(note.id),
            )
        self._show_full()
        tabs = (f"[1] due ({len(self.due)}) · [2] upcoming this week and next "
                f"({len(self.upcoming)})")
        if self.view == "due":
            status = (
                f"{plural(len(self.due), 'open follow-up')} due by {as_of.isoformat()}, "
                "oldest first · Enter opens the student"
                if self.due else f"No open follow-ups due on or before {as_of.isoformat()}"
            )
        else:
            status = (
                f"{plural(len(self.upcoming), 'open follow-up')} after {as_of.isoformat()} "
                "this week and next, soonest first"
                if self.upcoming else "No open follow-ups this week or next"
            )
        self.query_one("#followups-status", Static).update(Text(f"{tabs}\n{status}", end=""))

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
        if note is None:
            return
        from caseload.tui.screens.done import DoneAnswer, DoneModal

        def answer(result: DoneAnswer | None) -> None:
            if result is not None:
                self._pending = note
                self.notes_calls.mark_done(self, note, outcome=result.outcome,
                                           next_follow_up=result.next_follow_up)

        name = self.names.get(note.student_id, note.student_id)
        self.app.push_screen(DoneModal(note, name, day=self.session.note_day()), answer)

    def action_undo(self) -> None:
        if self._undo is None:
            self.app.notify("Nothing to undo.", severity="warning", markup=False)
            return
        before, after = self._undo
        self._undo = None
        self.notes_calls.undo(self, before, after)

    def on_note_saved(self, message: messages.NoteSaved) -> None:
        note = message.note
        name = self.names.get(note.student_id, note.student_id)
        if message.action == "undone":
            self.app.notify(f"Undone: the follow-up for {clean(name)} is back", markup=False)
        else:
            if self._pending is not None and self._pending.id == note.id:
                self._undo = (self._pending, note)
            self._pending = None
            what = (f"next follow-up {note.follow_up.isoformat()}"
                    if message.action == "rescheduled" and note.follow_up else "marked done")
            self.app.notify(f"Follow-up for {clean(name)}: {what} · z undoes", markup=False)
        self.post_message(messages.NotesChanged(note.student_id))

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
