"""Since you last looked (issue 14 §2): what changed for the caseload between a since-date and
the as-of date, highest risk first. Enter opens the student; ``w`` asks for another
since-date and lists the changes again.

The screen is handed a loader (``since -> changes``, blocking: the services' ``changes`` over
the cache, or a fake in tests) and calls it in a named thread worker (``DataRequests.run``)
that posts the result back; a failure is handled by the App and told as ``LoadFailed``. The
rows are ``caseload.domain.changes.StudentChange`` (the ``caseload changes`` figures).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from caseload.domain.changes import StudentChange
from caseload.domain.changes import change_words as words
from caseload.tui import messages
from caseload.tui.format import counted_back, parse_date
from caseload.tui.ports import DataRequests
from caseload.tui.safe import clean, literal
from caseload.tui.screens.detail import BACK_BINDINGS
from caseload.tui.textual_fixes import Header
from caseload.tui.widgets.footer import Footer
from caseload.tui.widgets.key_table import OpenableTable, last_column_room, wrapped

ChangesLoader = Callable[[dt.date], Sequence[StudentChange]]

COLUMNS = ("risk", "student", "what changed")


class ChangesPort(Protocol):
    """What the App needs for "since you last looked" (``services.changes.ChangesService``
    over the cache). Blocking: called from workers. ``counselor_id`` None: every student."""

    def changes(
        self, counselor_id: str | None, since: dt.date, as_of: dt.date
    ) -> Sequence[StudentChange]: ...

    def last_seen(self, counselor_id: str | None) -> dt.date | None:
        """The as-of date the app showed when last opened on this scope (None: never)."""
        ...

    def mark_seen(self, counselor_id: str | None, as_of: dt.date) -> None: ...


@dataclass
class LastSeen(Message, bubble=False):
    """When the app was last opened on the scope (None: never)."""

    as_of: dt.date | None


@dataclass
class ChangesLoaded(Message, bubble=False):
    since: dt.date
    changes: list[StudentChange]


def change_words(change: StudentChange) -> str:
    """The changes in words (``caseload.domain.changes.change_words``), flags by their
    labels: "new STREAK UNX30; cleared DROP; Algebra I 82.5 to 69.3; 3 absences"."""
    from caseload.domain.report import FlagCode

    codes = FlagCode.__members__.values()

    def label(code: str) -> str:
        return FlagCode(code).label if code in codes else code

    return words(change, flag=label, text=clean)


class ChangesScreen(Screen[None]):
    # the table takes what the header, title and footer leave (its default ``height: auto``
    # made the screen one line taller than the terminal: the table's last line went under
    # the footer)
    DEFAULT_CSS = """
    ChangesScreen #changes-table { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *BACK_BINDINGS,
        Binding("w", "pick_since", "Since…", id="changes.since",
                tooltip="List the changes since another date"),
        Binding("n", "write_note", "Note", id="changes.note",
                tooltip="Write a note about the highlighted student"),
    ]

    def __init__(self, load: ChangesLoader, *, since: dt.date, as_of: dt.date,
                 data: DataRequests) -> None:
        super().__init__()
        self.load = load
        self.data = data
        self.since = since
        self.as_of = as_of
        self.changes: list[StudentChange] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Loading…"), id="changes-title")
        # j/k/g/G as in every table, Enter (Open) in the footer; cells are Text: a class's
        # title is shown as written, never read as markup
        table = OpenableTable(id="changes-table")
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Since you last looked"
        self.reload()

    def reload(self) -> None:
        self.loaded = False
        self.sub_title = f"{self.since.isoformat()} to {self.as_of.isoformat()}"
        self._load(self.since)

    def _load(self, since: dt.date) -> None:
        load = self.load
        self.data.run(self, "load changes", "changes",
                      lambda: ChangesLoaded(since, list(load(since))), exclusive=True)

    def on_changes_loaded(self, message: ChangesLoaded) -> None:
        # highest risk first (stable: the loader's triage order breaks ties)
        self.changes = sorted(message.changes, key=lambda c: -c.risk)
        table = self.query_one("#changes-table", DataTable)
        self.fill(table)
        when = f"{message.since.month}/{message.since.day}"
        count = len(self.changes)
        title = (f"Since {when}: {count} student{'s' if count != 1 else ''} with a change"
                 if count else f"Nothing changed since {when}")
        self.query_one("#changes-title", Static).update(Text(title + "  (w: another date)"))
        self.loaded = True
        table.focus()

    def fill(self, table: DataTable[Text]) -> None:
        """The rows, the cursor kept on its row. "What changed" gets the width the other
        columns leave and wraps there when it is longer (a row as high as it needs): cut at
        the terminal's edge it read "1 follow-up" for "1 follow-up due", with nothing to say
        more was there."""
        row = table.cursor_row
        cells = [(Text(str(c.risk)), literal(c.name), literal(change_words(c)))
                 for c in self.changes]
        table.clear(columns=True)
        room = last_column_room(self.size.width, COLUMNS, cells)
        for i, label in enumerate(COLUMNS):
            table.add_column(label, width=room if i == len(COLUMNS) - 1 else None)
        for (risk, name, what), change in zip(cells, self.changes, strict=True):
            table.add_row(risk, name, what if room is None else wrapped(what),
                          key=change.student, height=1 if room is None else None)
        if self.changes:
            table.move_cursor(row=min(row, len(self.changes) - 1))

    def on_resize(self) -> None:
        if self.loaded and self.changes:
            self.fill(self.query_one("#changes-table", DataTable))

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        """The App has said why (a database error in words, never its SQL); shown here too."""
        if message.group != "changes":
            return
        self.query_one("#changes-title", Static).update(
            literal(f"Could not list the changes: {message.error}"))
        self.loaded = True

    @on(DataTable.RowSelected, "#changes-table")
    def open_student(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.post_message(messages.OpenStudent(str(event.row_key.value)))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_write_note(self) -> None:
        """A note about the highlighted student (``n``, and the palette's "Write a note" on
        this screen: never the caseload's selection behind it)."""
        table = self.query_one("#changes-table", DataTable)
        row = table.cursor_row
        if not self.changes or not 0 <= row < len(self.changes):
            self.app.notify("No student selected.", severity="warning", markup=False)
            return
        change = self.changes[row]
        self.post_message(messages.WriteNote(change.student, change.name))

    def action_pick_since(self) -> None:
        """``w``: another day to list the changes since: ``11/13`` or ``mon`` is the last such
        day on or before the as-of date, ``-7d`` a week before it (a past day's reading)."""
        from caseload.tui.screens.modals import PromptModal

        def check(text: str) -> str | None:
            try:
                day = parse_date(text, self.as_of, past=True)
            except ValueError as exc:
                return str(exc)
            if day > self.as_of:
                return (f"{day.isoformat()} is after the as-of date "
                        f"({self.as_of.isoformat()}): pick a day on or before it.")
            return None

        def done(text: str | None) -> None:
            if text:
                self.since = parse_date(text, self.as_of, past=True)
                self.reload()

        self.app.push_screen(
            PromptModal(f"Changes since (e.g. 11/13, -7d, mon; {counted_back(self.as_of)})",
                        value=self.since.isoformat(), validate=check),
            done,
        )
