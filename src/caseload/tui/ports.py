"""The types screens and the palette need from their surroundings, as Protocols.

Screens never import the App (``caseload.tui.app`` imports the screens, never the reverse):
each gets what it needs in its constructor, typed by a Protocol here, so a test hands a screen
a fake. Reads answer with a typed message (``caseload.tui.messages``) posted to ``target``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from caseload.domain.effects import Change
from caseload.domain.notes import AuditEntry
from caseload.domain.ports import CaseloadReader
from caseload.domain.records import User
from caseload.domain.search import DirectoryEntry

if TYPE_CHECKING:
    from textual.message import Message
    from textual.message_pump import MessagePump


class DataRequests(Protocol):
    """The reader's calls, each in a named thread worker; the answer (``CaseloadLoaded``,
    ``StudentLoaded``, ``ClassLoaded``, ``StudentFlagsLoaded``) or ``LoadFailed`` goes to
    ``target``. The counselor and the as-of date are the session's at the time of the call."""

    def request_caseload(self, target: MessagePump) -> None: ...

    def request_student(self, target: MessagePump, student_id: str) -> None: ...

    def request_class(self, target: MessagePump, student_id: str, class_id: str) -> None: ...

    def request_student_flags(self, target: MessagePump, student_id: str) -> None: ...

    def run(self, target: MessagePump, name: str, group: str,
            job: Callable[[], Message | None], *, exclusive: bool = False) -> None:
        """Any other blocking call: ``job`` in a thread worker named ``name``; the message it
        returns goes to ``target``, a failure to the App's one handler (``LoadFailed``)."""
        ...


@dataclass(frozen=True)
class ExportRequest:
    """What the export dialog asks for (the use case's ``ExportRequest`` is built from it)."""

    fmt: str  # md, csv, json, pdf
    path: str
    student_id: str | None = None  # else the counselor's caseload (None: every student)
    counselor_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # None: the range ends at the as-of date


class InterventionChanges(Protocol):
    """The change since each student's last intervention, in points (``TooEarly``: too few
    school days after the note; None: no intervention note, or a null rate), for many
    students at once: ``services.effects.intervention_changes`` bound to the workspace.
    Blocking: called from a thread worker."""

    def __call__(
        self, student_ids: Sequence[str], as_of: dt.date
    ) -> Mapping[str, Change]: ...


class ExportDone(Protocol):
    """What an export answers (``caseload.services.export.ExportResult``): its audit entry,
    and what the summary adds after "Exported N notes to PATH (readable by you only)" (""
    or e.g. "; 3 characters the PDF font cannot show are printed as ?")."""

    @property
    def entry(self) -> AuditEntry: ...

    @property
    def notice(self) -> str: ...


class NotesExporter(Protocol):
    """The ``caseload notes export`` use case bound to the workspace
    (``caseload.services.export.app_exporter``): the audit entry, then the file (0600);
    blocking (run in a worker). ``progress(done, total, what)`` is called from that worker.
    Returns the audit entry and the summary's notice (:class:`ExportDone`)."""

    def __call__(
        self, request: ExportRequest, *, as_of: dt.date, reader: CaseloadReader | None = None,
        progress: Callable[[int, int, str], None] | None = None, actor_id: str | None = None,
    ) -> ExportDone: ...


class SaveMe(Protocol):
    """Saves ``me`` (the user's counselor id) in the config file; returns the file's path as
    shown. Blocking (run in a worker). ``where``: that path before it is written."""

    @property
    def where(self) -> str: ...

    def __call__(self, counselor_id: str) -> str: ...


class PaletteHost(Protocol):
    """What the command palette (``caseload.tui.commands``) calls on the App. A Textual
    ``Provider`` is built by Textual, not by us, so it reaches its App through this Protocol."""

    counselor_id: str | None
    counselors: list[User]
    notes_available: bool
    sync_names: tuple[str, ...]

    def open_class(self, student_id: str, class_id: str) -> None: ...

    def set_counselor(self, counselor_id: str | None) -> None: ...

    def action_change_as_of(self) -> None: ...

    def action_changes(self) -> None: ...

    def action_run_import(self) -> None: ...

    def action_run_sync(self) -> None: ...

    def run_sync(self, name: str) -> None: ...

    def action_toggle_theme(self) -> None: ...

    def action_help(self) -> None: ...

    def reload_all(self) -> None: ...

    def write_note_for_selection(self) -> None: ...

    def open_export(self, student_id: str | None = None, name: str = "") -> None: ...

    def open_follow_ups(self) -> None: ...

    def known_students(self) -> list[Any]: ...

    def want_directory(self) -> None: ...

    async def student_directory(self) -> list[DirectoryEntry] | None: ...

    async def jump_to_student(self, student_id: str) -> None: ...
