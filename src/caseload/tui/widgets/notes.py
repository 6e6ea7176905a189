"""The Notes tab of the student screen: the student's notes, newest contact first.

A table (date, status, follow-up, type in words, contact, flags, first line of text) over
the full text of the highlighted note, laid out for the terminal's width (``notes_layout``):
nothing is cut at its edge; the flags and first line are left out where they do not fit.
Enter (or ``E``) edits the note, ``d`` marks it done, Delete deletes it (after a
confirmation; a deleted note stays in the cache with its revisions), ``v`` shows its earlier
versions. Every store call runs in a worker (the injected
``NotesCalls``); what needs a screen (the editor, the history, the delete confirmation) is a
message the screen or the App acts on. Note text is data, shown literally.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from caseload.domain.notes import ContactOutcome, Note, NoteStatus
from caseload.domain.report import Flag, FlagCode
from caseload.tui import messages
from caseload.tui.format import DASH
from caseload.tui.keys import done_key
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.safe import literal
from caseload.tui.widgets.key_table import KeyTable, wrapped


def first_line(text: str, width: int = 60) -> str:
    """The note's first non-empty line, cut to ``width`` with an ellipsis."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    more = len(line) > width or len([p for p in text.splitlines() if p.strip()]) > 1
    if len(line) > width:
        line = line[: width - 1].rstrip()
    return f"{line}…" if more else line or DASH


def contact_words(note: Note) -> str:
    """``Phone · Left message``: how the contact was made and what came of it ('' if neither
    was recorded; a missing half is a dash)."""
    if note.method is None and note.outcome is None:
        return ""
    how = note.method.words if note.method else DASH
    result = note.outcome.words if note.outcome else DASH
    return f"{how} · {result}"


def type_words(note: Note) -> str:
    """The note's type in words, and whether it is confidential."""
    return note.type.words + (" · confidential" if note.confidential else "")


def flag_labels(codes: tuple[str, ...]) -> str:
    """``LOW FAIL3W``: the short labels of a note's flag codes (unknown codes as they are)."""
    out = []
    for code in codes:
        try:
            out.append(FlagCode(code).label)
        except ValueError:
            out.append(code)
    return " ".join(out)


def note_body(note: Note, *, style: str | None = None) -> Text:
    """A note as the Notes tab and its history show it: date · type · status (in ``style``),
    then how the contact went, the follow-up date and the flags, and the text below."""
    text = Text(end="")
    text.append(f"{note.contact_date.isoformat()} · {note.type.words} · {note.status.value}",
                style=style)
    if note.confidential:
        text.append(" · confidential: only its author may read it", style="bold")
    if contact_words(note):
        text.append(f" · {contact_words(note)}")
    if note.follow_up:
        text.append(f" · follow up {note.follow_up.isoformat()}")
    if note.flags:
        text.append(" · ")
        text.append_text(literal(flag_labels(note.flags)))
    text.append("\n")
    text.append_text(literal(note.text, multiline=True))
    return text


COLUMNS = (("Date", "date"), ("Status", "status"), ("Follow-up", "follow_up"),
           ("Type", "type"), ("Contact", "contact"), ("Flags", "flags"), ("Note", "text"))
NOTE_LINE = 48  # the note's first line, at most
NOTE_MIN = 12  # the narrowest the Note column is shown (narrower: left out, shown below)
SHARE_MIN = 8  # the narrowest the type and contact are wrapped in


def notes_layout(width: int, type_and_contact: Sequence[tuple[str, str]],
                 flags_need: int, note_need: int) -> tuple[int | None, ...]:
    """The Notes table's column widths in a table ``width`` cells wide (its scroll bar
    included), given each note's type and contact words and the widest flags and first-line
    cells; None: as wide as its widest cell. What a counselor scans for first (the dates,
    open or done, the type, how the contact went) always shows whole: from the right, the
    first line (``NOTE_MIN`` cells at least, cut with an ellipsis), then the flags, are left
    out where they do not fit, both shown whole below the table. When the type and contact
    still do not fit, they share what is left and wrap (the row as high as it needs), never
    cut at the terminal's edge: a contact cut to "In person · Meeting" reads as another
    outcome. A tuple shorter than ``COLUMNS``: the columns after it are left out."""
    date = len("0000-00-00")
    need = [date, max(len("Status"), *(len(s.value) for s in NoteStatus)), date,
            max([len("Type")] + [cell_len(kind) for kind, _ in type_and_contact]),
            max([len("Contact")] + [cell_len(contact) for _, contact in type_and_contact]),
            max(len("Flags"), flags_need), max(len("Note"), note_need)]
    usable = width - 2  # (the vertical scroll bar)

    def left(columns: int) -> int:  # for the last column, the others as wide as they need
        return usable - 2 * columns - sum(need[:columns - 1])

    if left(7) >= need[6]:
        return (None,) * 7
    if left(7) >= NOTE_MIN:
        return (None,) * 6 + (left(7),)
    if left(6) >= need[5]:
        return (None,) * 6
    room = usable - 2 * 5 - sum(need[:3])  # for the type and the contact
    if need[3] + need[4] <= room or room < 2 * SHARE_MIN:  # (narrower: as they are)
        return (None,) * 5
    contact = min(need[4], max(room // 2, room - need[3]))
    return (None, None, None, room - contact, contact)


def contact_cell(note: Note, width: int | None) -> Text:
    """The Contact cell: when ``width`` is too narrow for it, broken after the method's
    "·" so the outcome stays whole on the line below ("Meeting set", never "Meeting")."""
    words = contact_words(note) or DASH
    if width is None or cell_len(words) <= width or " · " not in words:
        return Text(words) if width is None else wrapped(Text(words))
    how, result = words.split(" · ", 1)
    return wrapped(Text(f"{how} ·\n{result}"))


class NotesTable(KeyTable):
    """The notes list; its keys act on the note under the cursor through the enclosing
    :class:`NotesPane` (``pane('method')`` calls that pane method)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,E", "pane('edit_note')", "Edit", id="notes.edit",
                tooltip="Edit the note under the cursor"),
        done_key("notes.done", "pane('mark_done')", "the note under the cursor"),
        Binding("delete", "pane('delete_note')", "Delete", id="notes.delete",
                tooltip="Delete the note under the cursor (asks first; it can be restored)"),
        Binding("v", "pane('show_history')", "History", show=False, id="notes.history",
                tooltip="Show the note's earlier versions (every edit keeps the one before)"),
        Binding("z", "pane('undo')", "Undo", show=False, id="notes.undo",
                tooltip="Undo the last note marked done or deleted"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """With no notes, the keys that act on the note under the cursor are shown disabled
        (None): there is none. Undo stays (the last note deleted can come back)."""
        if action == "pane" and parameters and parameters[0] in _ON_A_NOTE and not self.row_count:
            return None
        return True

    def action_pane(self, method: str) -> None:
        pane = self.parent
        if isinstance(pane, NotesPane) and method in _PANE_ACTIONS:
            getattr(pane, method)()


_ON_A_NOTE = frozenset({"edit_note", "mark_done", "delete_note", "show_history"})
_PANE_ACTIONS = _ON_A_NOTE | {"undo"}


class NotesPane(Vertical):
    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    def __init__(self, student_id: str, notes: NotesCalls | None, *, name: str = "",
                 flags: Sequence[Flag] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        self.student_id = student_id
        self.student_name = name or student_id  # for the editor's title and the history
        self.flags = tuple(flags)  # the student's flags now: the editor's "flags addressed"
        self.calls = notes
        self.notes: list[Note] = []
        self.loaded = False
        self._undo: tuple[Note, Note] | None = None  # (before, after) of the last done/delete
        self._pending: Note | None = None  # the note being marked done or deleted
        # the terminal width the table was laid out for (the pane's own: the screen's
        # ``fit_width`` asks it, ``fit_width`` here; never the screen's ``fill_table``)
        self.fitted_width: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading notes…", end=""), classes="notes-empty", id="notes-status")
        table = NotesTable(id="notes-table")
        table.display = False
        yield table
        with VerticalScroll(id="note-full") as full:
            full.display = False
            yield Static(Text("", end=""), id="note-full-text")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.calls is None:
            self._status("No notes yet · notes are not available here (no notes store)")
            return
        self.calls.load_notes(self, self.student_id)

    def _status(self, text: str) -> None:
        status = self.query_one("#notes-status", Static)
        status.update(Text(text, end=""))
        status.display = bool(text)

    def on_notes_loaded(self, message: messages.NotesLoaded) -> None:
        if message.student_id != self.student_id:
            return
        self.show_notes(message.notes)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group == "notes":
            self._status(f"Could not load the notes: {message.error}")

    def on_note_saved(self, message: messages.NoteSaved) -> None:
        note = message.note
        if message.action == "undone":
            self.app.notify("Undone", markup=False)
        else:
            if self._pending is not None and self._pending.id == note.id:
                self._undo = (self._pending, note)
            self._pending = None
            verb = {"done": "marked done", "deleted": "deleted"}.get(message.action,
                                                                      message.action)
            if message.action == "rescheduled" and note.follow_up:
                verb = f"kept open: next follow-up {note.follow_up.isoformat()}"
            self.app.notify(f"Note {verb} · z undoes", markup=False)
        self.post_message(messages.NotesChanged(self.student_id))

    def show_notes(self, notes: list[Note]) -> None:
        """Replace the list with ``notes`` (newest first), keeping the cursor's note."""
        table = self.query_one("#notes-table", NotesTable)
        keep = self.selected_note
        self.notes = notes
        self.loaded = True
        self._fill(table, self.app.size.width)
        table.display = bool(notes)
        table.refresh_bindings()  # (``NotesTable.check_action``: whether there is a note)
        self.query_one("#note-full").display = bool(notes)
        self._status("" if notes else "No notes yet · n writes one")
        if keep is not None:
            for index, note in enumerate(notes):
                if note.id == keep.id:
                    table.move_cursor(row=index)
                    break
        self._show_full(self.selected_note)
        if notes and self.screen.focused is None and self._tab_shown():
            table.focus()

    def fit_width(self, width: int) -> None:
        """The terminal is ``width`` wide now: the table is laid out again for it (its cursor
        row and focus kept) if it was laid out for another width."""
        table = self.query_one("#notes-table", NotesTable)
        if self.loaded and self.fitted_width != width:
            table.refill(lambda: self._fill(table, width))

    def _fill(self, table: NotesTable, width: int) -> None:
        """The columns and rows for a terminal ``width`` wide (``notes_layout``; the table is
        the terminal less the tab's padding)."""
        notes = self.notes
        flags = [literal(flag_labels(note.flags) or DASH) for note in notes]
        widths = notes_layout(
            width - 2, [(type_words(note), contact_words(note) or DASH) for note in notes],
            max((cell.cell_len for cell in flags), default=0),
            max((cell_len(first_line(note.text, NOTE_LINE)) for note in notes), default=0))
        table.clear(columns=True)
        for (label, key), cells_wide in zip(COLUMNS, widths, strict=False):
            table.add_column(label, key=key, width=cells_wide)
        wraps = widths[3:5] != (None, None)
        note_width = widths[6] if len(widths) > 6 and widths[6] is not None else NOTE_LINE
        for note, flag_cell in zip(notes, flags, strict=True):
            kind = Text(type_words(note))
            line = literal(first_line(note.text, note_width))
            line.no_wrap, line.overflow = True, "ellipsis"  # (wide characters: "…", not cut)
            cells = [
                Text(note.contact_date.isoformat()),
                Text(note.status.value, style="bold" if note.status is NoteStatus.OPEN else ""),
                Text(note.follow_up.isoformat() if note.follow_up else DASH),
                wrapped(kind) if wraps else kind,
                contact_cell(note, widths[4] if wraps else None),
                flag_cell,
                line,
            ]
            table.add_row(*cells[:len(widths)], key=str(note.id),
                          height=None if wraps else 1)
        self.fitted_width = width

    def _tab_shown(self) -> bool:
        """Whether no inactive tab hides this pane. A hidden Notes tab must not take the free
        focus when its notes arrive: Textual would switch the screen to it."""
        pane: TabPane | None = None
        for node in self.ancestors:
            if isinstance(node, TabPane) and pane is None:
                pane = node
            elif isinstance(node, TabbedContent) and pane is not None:
                return node.active == pane.id
        return True

    @property
    def selected_note(self) -> Note | None:
        table = self.query_one("#notes-table", NotesTable)
        if not self.notes or not table.row_count:
            return None
        row = table.cursor_row
        return self.notes[row] if 0 <= row < len(self.notes) else None

    def _show_full(self, note: Note | None) -> None:
        text = note_body(note, style="bold") if note is not None else Text(end="")
        self.query_one("#note-full-text", Static).update(text)

    @on(DataTable.RowHighlighted, "#notes-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_full(self.selected_note)

    @on(DataTable.RowSelected, "#notes-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click on a row: edit it (Enter edits through the table's binding)
        self.edit_note()

    def edit_note(self) -> None:
        note = self.selected_note
        if note is None:
            return
        self.post_message(messages.WriteNote(self.student_id, self.student_name, self.flags,
                                             note))

    def show_history(self) -> None:
        note = self.selected_note
        if note is not None:
            self.post_message(messages.ShowRevisions(note, self.student_name))

    def mark_done(self) -> None:
        """Done asks what came of it and whether to follow up again: the screen shows the
        question, then calls ``mark_done_now``."""
        note = self.selected_note
        if note is None or note.status is NoteStatus.DONE or self.calls is None:
            return
        self.post_message(messages.MarkDoneRequested(note))

    def mark_done_now(self, note: Note, outcome: ContactOutcome | None,
                      next_follow_up: dt.date | None) -> None:
        if self.calls is not None:
            self._pending = note
            self.calls.mark_done(self, note, outcome=outcome, next_follow_up=next_follow_up)

    def undo(self) -> None:
        if self._undo is None or self.calls is None:
            self.app.notify("Nothing to undo.", severity="warning", markup=False)
            return
        before, after = self._undo
        self._undo = None
        self.calls.undo(self, before, after)

    def delete_note(self) -> None:
        """Delete asks first: the screen shows the question, then calls ``delete_note_now``."""
        note = self.selected_note
        if note is not None:
            self.post_message(messages.DeleteNoteRequested(note))

    def delete_note_now(self, note: Note) -> None:
        if self.calls is not None:
            self._pending = note
            self.calls.delete_note(self, note)
