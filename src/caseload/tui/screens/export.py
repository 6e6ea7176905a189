"""The notes export dialog (``e``): scope, dates, format and file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from caseload.domain.exports import extension
from caseload.domain.notes import PAST_DATE_SYNTAX
from caseload.tui import messages
from caseload.tui.format import counted_back, date_error, parse_date
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.ports import ExportRequest
from caseload.tui.safe import clean, literal
from caseload.tui.screens.notes_modal import NotesModal

FORMATS = {"md": "Markdown", "csv": "CSV (spreadsheet)", "json": "JSON",
           "pdf": "PDF student summary"}


def default_export_dir() -> Path:
    """Where exports go unless the counselor types another path: ``~/Documents`` when it
    exists, else the current directory."""
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.cwd()


def shown_path(path: Path) -> str:
    """``path`` as typed back to the counselor: ``~/…`` under the home folder."""
    try:
        return f"~/{path.relative_to(Path.home()).as_posix()}"
    except ValueError:
        return str(path)


def default_file(kind: str, scope: str, as_of: dt.date, fmt: str) -> str:
    """The file an export dialog proposes: ``caseload-KIND-SCOPE-DATE.FMT`` in the exports'
    folder, the scope made safe for a file name."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in scope)
    return shown_path(default_export_dir() / f"caseload-{kind}-{safe}-{as_of.isoformat()}.{fmt}")


def follow_default(box: Input, auto: str, default: str) -> str:
    """Put ``default`` in the path box unless the counselor typed a path of their own (the box
    holds neither nothing nor the last proposal ``auto``); returns the proposal now in force."""
    if box.value in ("", auto):
        box.value = default
        return default
    return auto


def select_follows_file(select: Select[str], path: str, formats: Container[str]) -> None:
    """A file name the counselor typed ending in a format's extension (``mine.pdf``) chooses
    that format: the Format select shows it."""
    fmt = extension(path)
    if fmt in formats and select.value != fmt:
        select.value = fmt


def file_follows_select(box: Input, fmt: str) -> None:
    """A format chosen in the select renames a file ending in another export format's
    extension (``mine.md`` becomes ``mine.pdf``): the name never says one format while the
    file holds another. Another extension (``.txt``, none) is left as typed."""
    value = box.value.rstrip()
    ext = extension(value)
    if ext in FORMATS and ext != fmt:
        box.value = value[: len(value) - len(ext)] + fmt


class ExportModal(NotesModal[Any]):
    """Choose scope, dates, format and file; dismisses with the ``NotesExported`` message
    (its audit entry and notice; None: cancelled)."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel",
                tooltip="Close without exporting"),
        Binding("ctrl+s", "export", "Export", priority=True, id="export.run",
                tooltip="Write the export"),
    ]

    def __init__(self, *, notes: NotesCalls, student_id: str | None, student_name: str,
                 counselor_id: str | None, counselor_name: str, as_of: dt.date) -> None:
        super().__init__(notes, student_name, as_of)
        self.student_id = student_id
        self.counselor_id = counselor_id
        self.counselor_name = counselor_name
        self.running = False
        self._auto_path = ""

    def scopes(self) -> list[tuple[str, str]]:
        scopes: list[tuple[str, str]] = []
        if self.student_id is not None:
            scopes.append(("student", f"This student: {clean(self.student_name)}"))
        if self.counselor_id is not None:
            scopes.append(("caseload", f"Caseload of {clean(self.counselor_name)}"))
        else:
            scopes.append(("caseload", "All students"))
        return scopes

    def compose(self) -> ComposeResult:
        scopes = self.scopes()
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(Text("Export notes", style="bold", end=""), classes="dialog-title")
            with Horizontal(classes="note-row"):
                yield Label("Scope", classes="export-label")
                yield Select([(Text(label, end=""), key) for key, label in scopes],
                             allow_blank=False, value=scopes[0][0], id="export-scope",
                             compact=True)
            with Horizontal(classes="note-row"):
                yield Label("Format", classes="export-label")
                yield Select([(label, key) for key, label in FORMATS.items()],
                             allow_blank=False, value="md", id="export-format", compact=True)
            with Horizontal(classes="note-row"):
                yield Label("From", classes="export-label")
                yield Input(placeholder="11/1, -30d (optional)", id="export-since",
                            compact=True, max_length=10, tooltip=self._dates_help())
                yield Label("to", classes="export-label-short")
                yield Input(placeholder="mon, -1w (optional)", id="export-until",
                            compact=True, max_length=10, tooltip=self._dates_help())
            with Horizontal(classes="note-row"):
                yield Label("File", classes="export-label")
                yield Input(id="export-path", compact=True)
            yield Static(Text("The file is readable by you only; the export is recorded in "
                              f"the audit log. {self._dates_help()}; without a to date the "
                              "range ends at the as-of date.", end=""),
                         classes="dialog-help")
            yield Static(Text("", end=""), id="export-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Cancel", id="export-cancel")

    def _dates_help(self) -> str:
        """What From and To take: a past day's reading (11/1, mon: the last one)."""
        return f"From and to: YYYY-MM-DD, or 11/1, -30d, mon ({counted_back(self.as_of)})"

    def on_mount(self) -> None:
        self._update_path()
        self.query_one("#export-scope", Select).focus()

    def _choice(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return str(value) if value is not Select.NULL else ""

    def default_path(self) -> str:
        fmt = self._choice("#export-format") or "md"
        if self._choice("#export-scope") == "student" and self.student_id is not None:
            scope = self.student_id
        else:
            scope = self.counselor_id or "all"
        return default_file("notes", scope, self.as_of, fmt)

    @on(Select.Changed)
    def _update_path(self) -> None:
        box = self.query_one("#export-path", Input)
        self._auto_path = follow_default(box, self._auto_path, self.default_path())
        file_follows_select(box, self._choice("#export-format") or "md")

    @on(Input.Changed, "#export-path")
    def _follow_file(self, event: Input.Changed) -> None:
        select_follows_file(self.query_one("#export-format", Select), event.value, FORMATS)

    @on(Input.Submitted, "#export-since")
    @on(Input.Submitted, "#export-until")
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter in a date goes on to the next field; only the file's Enter (the last
        field's, as in the other dialogs), the Export button or ctrl+s write."""
        event.stop()
        self.focus_next()

    def show_error(self, text: str) -> None:
        self.query_one("#export-error", Static).update(literal(text))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-run")
    def action_export(self) -> None:
        if self.running:
            return
        dates: list[dt.date | None] = []
        for selector, what in (("#export-since", "from"), ("#export-until", "to")):
            text = self.query_one(selector, Input).value.strip()
            if not text:
                dates.append(None)
                continue
            try:
                dates.append(parse_date(text, self.as_of, past=True))
            except ValueError as exc:
                self.show_error(date_error(
                    exc, f"The {what} date",
                    f"Type the {what} date as {PAST_DATE_SYNTAX}, or leave it empty."))
                self.query_one(selector, Input).focus()
                return
        since, until = dates
        if since and until and until < since:
            self.show_error("The to date is before the from date.")
            return
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.show_error("Type the file to write.")
            self.query_one("#export-path", Input).focus()
            return
        # the file name's extension, when it names a format, is the format (the select
        # follows it as it is typed; read here too, should its change not be handled yet)
        select_follows_file(self.query_one("#export-format", Select), path, FORMATS)
        fmt = extension(path) if extension(path) in FORMATS else (
            self._choice("#export-format") or "md")
        student = self.student_id if self._choice("#export-scope") == "student" else None
        self.running = True
        self.show_error("Exporting…")
        self.notes.export_notes(self, ExportRequest(
            fmt=fmt, path=path, student_id=student,
            counselor_id=None if student else self.counselor_id, since=since, until=until))

    def on_export_progressed(self, message: messages.ExportProgressed) -> None:
        if self.running:
            self.show_error(f"Exporting… {message.what}: {message.done} of {message.total}")

    def on_notes_exported(self, message: messages.NotesExported) -> None:
        """Say what was written, then close: the notice is asked for before the dialog
        leaves the screen stack (as the note editor does; a result callback runs later, on
        the asking screen's queue, which left a moment with the dialog gone and nothing
        notified yet)."""
        self.running = False
        entry = message.entry
        noun = "note" if entry.count == 1 else "notes"
        self.app.notify(f"Exported {entry.count} {noun} to {entry.path} (readable by you only)"
                        f"{message.notice}", title="Export written", markup=False, timeout=10)
        self.dismiss(message)

    def on_export_failed(self, message: messages.ExportFailed) -> None:
        self.failed(message.reason)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        self.failed(message.error)

    def failed(self, reason: str) -> None:
        """Say why nothing was written, and go back to the file (the usual mend)."""
        self.running = False
        self.show_error(f"Not exported: {reason}")
        self.query_one("#export-path", Input).focus()

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)
