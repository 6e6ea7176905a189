"""``x`` on the caseload: export the list as shown (filtered and sorted) to CSV or Markdown,
with flags and evidence, audited like the notes exports. The CLI hands the App the use case
(``caseload.services.triage_export.export_triage``, a :class:`TriageExporter`): the TUI never
imports the services or the export layer. Says where it wrote, then dismisses with the audit
entry (None: cancelled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from caseload.domain.exports import ExportWriteError, TriageChanged, extension
from caseload.domain.notes import AuditEntry
from caseload.domain.ports import CaseloadReader
from caseload.domain.text import plural
from caseload.tui import messages
from caseload.tui.safe import literal
from caseload.tui.screens.export import FORMATS as NOTES_FORMATS
from caseload.tui.screens.export import (
    default_file,
    file_follows_select,
    follow_default,
    select_follows_file,
)

FORMATS = {"csv": "CSV (spreadsheet)", "md": "Markdown"}
NOTES_ONLY = frozenset(NOTES_FORMATS) - frozenset(FORMATS)  # a .pdf, a .json: not the list's


@dataclass
class TriageExported(Message, bubble=False):
    entry: AuditEntry


class Runner(Protocol):
    """``caseload.tui.data.DataSource``: runs a blocking job in a worker, posting its message
    (or ``LoadFailed``) to ``target``."""

    reader: CaseloadReader
    notes: Any  # the notes store: its audit log records the export

    def run(self, target: Any, name: str, group: str, job: Callable[[], Message | None], *,
            exclusive: bool = False) -> None: ...


class TriageExporter(Protocol):
    """Writes the triage list (0600) and its audit entry; blocking (run in a worker)."""

    def __call__(
        self, audit: Any, reader: CaseloadReader, *, fmt: str, path: str | Path,
        student_ids: Sequence[str], counselor_id: str | None, as_of: dt.date, actor: str,
        scope: str, view: str,
    ) -> AuditEntry: ...


@dataclass(frozen=True)
class TriageRequest:
    student_ids: Sequence[str]  # as shown, in order
    counselor_id: str | None
    as_of: dt.date
    actor: str
    scope: str  # "Caseload of Rivera, Ana" / "All students"
    view: str  # "filter 'ar' · sorted by name"


class TriageExportModal(ModalScreen[AuditEntry | None]):
    CSS_PATH = "notes.tcss"  # the notes export dialog's look
    DEFAULT_CSS = """
    TriageExportModal {
        align: center middle;
        background: $background 60%;
    }
    #triage-what { height: auto; margin: 0 0 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="triage_export.cancel",
                tooltip="Close without exporting"),
        Binding("ctrl+s", "export", "Export", priority=True, id="triage_export.run",
                tooltip="Write the export"),
    ]

    def __init__(self, runner: Runner, request: TriageRequest,
                 exporter: TriageExporter | None) -> None:
        super().__init__()
        self.runner = runner
        self.exporter = exporter
        self.request = request
        self.running = False
        self._auto_path = ""

    def compose(self) -> ComposeResult:
        count = len(self.request.student_ids)
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(Text("Export the list as shown", style="bold", end=""),
                         classes="dialog-title")
            yield Static(literal(f"{plural(count, 'student', grouped=True)} · "
                                 f"{self.request.scope} · "
                                 f"{self.request.view}"), id="triage-what")
            with Horizontal(classes="note-row"):
                yield Label("Format", classes="export-label")
                yield Select([(label, key) for key, label in FORMATS.items()],
                             allow_blank=False, value="csv", id="export-format", compact=True)
            with Horizontal(classes="note-row"):
                yield Label("File", classes="export-label")
                yield Input(id="export-path", compact=True)
            yield Static(Text("With every flag, its points, message and evidence. The file is "
                              "readable by you only; the export is recorded in the audit log.",
                              end=""), classes="dialog-help")
            yield Static(Text("", end=""), id="export-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self._update_path()
        self.query_one("#export-format", Select).focus()

    def fmt(self) -> str:
        value = self.query_one("#export-format", Select).value
        return str(value) if value is not Select.NULL else "csv"

    def default_path(self) -> str:
        return default_file("triage", self.request.counselor_id or "all", self.request.as_of,
                            self.fmt())

    @on(Select.Changed)
    def _update_path(self) -> None:
        box = self.query_one("#export-path", Input)
        self._auto_path = follow_default(box, self._auto_path, self.default_path())
        file_follows_select(box, self.fmt())

    @on(Input.Changed, "#export-path")
    def _follow_file(self, event: Input.Changed) -> None:
        select_follows_file(self.query_one("#export-format", Select), event.value, FORMATS)

    def show_error(self, text: str) -> None:
        self.query_one("#export-error", Static).update(literal(text))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-run")
    def action_export(self) -> None:
        if self.running:
            return
        box = self.query_one("#export-path", Input)
        path = box.value.strip()
        if not path:
            self.show_error("Type the file to write.")
            box.focus()
            return
        typed = extension(path)
        if typed in NOTES_ONLY:
            self.show_error(f"The list is written as CSV or Markdown, not {typed.upper()}: "
                            "end the file name in .csv or .md.")
            box.focus()
            return
        select_follows_file(self.query_one("#export-format", Select), path, FORMATS)
        audit, reader = self.runner.notes, self.runner.reader
        request, fmt = self.request, typed if typed in FORMATS else self.fmt()
        exporter = self.exporter
        if audit is None or exporter is None:
            self.show_error("Not available here: every export is recorded in the notes store's "
                            "audit log, and there is none.")
            return
        self.running = True
        self.show_error("")

        def job() -> TriageExported | messages.ExportFailed:
            try:
                entry = exporter(
                    audit, reader, fmt=fmt, path=Path(path).expanduser(),
                    student_ids=request.student_ids, counselor_id=request.counselor_id,
                    as_of=request.as_of, actor=request.actor, scope=request.scope,
                    view=request.view)
            except (ExportWriteError, TriageChanged) as exc:  # the dialog shows it, alone
                return messages.ExportFailed(str(exc))
            return TriageExported(entry)

        self.runner.run(self, "export triage list", "export", job)

    def on_triage_exported(self, message: TriageExported) -> None:
        """Say what was written, then close: the notice is asked for before the dialog
        leaves the screen stack (a result callback runs later, on the asking screen's queue,
        which left a moment with the dialog gone and nothing notified yet)."""
        self.running = False
        entry = message.entry
        self.app.notify(f"Exported {plural(entry.count, 'student')} to {entry.path}",
                        title="Export written", markup=False)
        self.dismiss(entry)

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
