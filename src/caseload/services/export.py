"""The notes export use case: what the CLI's ``notes export`` and the TUI's export dialog do.

:func:`export_notes` takes a typed :class:`ExportRequest`, gathers the notes and students,
records the audit entry before the file exists, writes the file (0600) and returns an
:class:`ExportResult`. The PDF's flags, grades and attendance come from a ``CaseloadReader``
(the cache's Repository unless the caller hands one in, as the TUI does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseload.domain.notes import AuditEntry, Note, NoteStatus, NoteValidationError
from caseload.domain.text import given
from caseload.services.notes import NoteScope, actor, notes_store

if TYPE_CHECKING:
    from caseload.domain.ports import CaseloadReader
    from caseload.domain.report import StudentDetail
    from caseload.export.notes_model import Progress
    from caseload.services.context import Workspace
    from caseload.services.notes import Clock


class ExportFormat(StrEnum):
    MD = "md"
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


@dataclass(frozen=True)
class ExportRequest:
    """One export: which notes (``scope``), as what, where, as of which date.

    ``as_of``: the date of the PDF's flags, grades and attendance (``None``: today). When it
    is given and ``scope.until`` is not, the range ends at ``as_of`` (notes written after it
    are left out). ``all_students`` (PDF): a summary for every student in scope, not only
    those with notes in the range.
    """

    format: ExportFormat
    path: Path
    scope: NoteScope
    as_of: dt.date | None = None
    all_students: bool = False

    def effective_scope(self, today: dt.date | None = None) -> NoteScope:
        """The scope with the range ending at ``as_of`` unless ``until`` says otherwise.
        With no ``as_of``, ``today`` (the default as-of) is checked against ``since`` the
        same way: a range that starts after it is refused, not exported empty."""
        s = self.scope
        s.check_range()
        if self.all_students and s.student_id is None and s.counselor_id is None:
            raise NoteValidationError(
                "all_students",
                "--all-students gives every student of a caseload a summary: name the "
                "caseload (--counselor ID, or set `me`) or the student (--student ID)",
            )
        if self.as_of is None:
            if s.until is None and s.since is not None and today is not None and today < s.since:
                raise NoteValidationError(
                    "as_of", f"--as-of {today} (the default: today) is before --since {s.since}"
                )
            return s
        if s.until is not None:
            return s
        if s.since is not None and self.as_of < s.since:
            raise NoteValidationError(
                "as_of", f"--as-of {self.as_of} is before --since {s.since}"
            )
        return NoteScope(s.student_id, s.counselor_id, s.since, self.as_of, s.include_deleted)


@dataclass(frozen=True)
class ExportResult:
    """What was exported: the audit entry (path, count, status), the scope used and how
    many students the export names."""

    entry: AuditEntry
    scope: NoteScope
    students: int
    reader_missing: bool = False  # a PDF without grades, attendance and flags
    # characters printed as "?": the PDF's font has no glyph for them (0 for md, csv, json)
    replaced: int = 0

    @property
    def notice(self) -> str:
        """What the summary line adds after the export's own words: "" when every
        character is shown, else "; N characters the PDF font cannot show are printed as
        ?". A count only: never the characters, nor the note they are in."""
        return replaced_notice(self.replaced)


def replaced_notice(count: int) -> str:
    """See :attr:`ExportResult.notice`."""
    if count <= 0:
        return ""
    if count == 1:
        return "; 1 character the PDF font cannot show is printed as ?"
    return f"; {count} characters the PDF font cannot show are printed as ?"


def default_reader(ws: Workspace) -> CaseloadReader | None:
    """The cache's CaseloadReader (``caseload.store.repository.Repository``), if available."""
    try:
        from caseload.store.repository import Repository
    except ImportError:
        return None
    thresholds = getattr(ws.config, "thresholds", None) or {}
    try:
        return Repository(ws.engine, thresholds=thresholds)
    except TypeError:
        return Repository(ws.engine)


def export_notes(
    ws: Workspace,
    request: ExportRequest,
    *,
    reader: CaseloadReader | None = None,
    progress: Progress | None = None,
    clock: Clock | None = None,
    actor_id: str | None = None,
) -> ExportResult:
    """Export the notes of ``request`` (audit entry first, then the file).

    NoteValidationError for a bad range or an unknown student; OSError when the file cannot
    be written (the audit entry then says ``failed``)."""
    from caseload.export.notes_export import ExportInput, export_input_written, gather

    store = notes_store(ws, clock)
    as_of = request.as_of or store.clock().astimezone().date()
    scope = request.effective_scope(today=as_of)
    fmt = ExportFormat(request.format)
    notes, students, named = gather(
        store, student_id=scope.student_id, counselor_id=scope.counselor_id,
        since=scope.since, until=scope.until, fmt=fmt.value, all_students=request.all_students,
    )
    sid = scope.student_id
    if sid is not None and sid not in named and not notes:
        raise NoteValidationError("student_id", f"no student with id {given(sid)}")

    detail_for: Any = None
    missing = False
    counselor: str | None = None
    student: str | None = None  # the PDF of one student: the cover names them
    open_follow_ups = None
    follow_up_names: dict[str, str] = {}
    if fmt is ExportFormat.PDF:
        found = reader if reader is not None else default_reader(ws)
        if found is not None:
            detail_for = _details(found, notes, students, request.all_students, as_of)
        else:
            missing = True
        if scope.counselor_id is not None:
            label = store.student_labels([scope.counselor_id]).get(scope.counselor_id)
            counselor = label[0] if label else scope.counselor_id
        elif scope.student_id is not None:
            counselor = None
            info = students.get(scope.student_id)
            student = f"{info[0]} ({scope.student_id})" if info else scope.student_id
        # the scope's open follow-ups, whatever the range (the meeting's to-do list), of the
        # notes that exist at the as-of date (a note dated after it is not there yet)
        open_follow_ups = [
            n for n in store.list(student_id=scope.student_id, counselor_id=scope.counselor_id)
            if n.status is NoteStatus.OPEN and n.follow_up is not None
            and n.contact_date <= as_of
        ]
        # a follow-up's student with no note in the range is not among ``students``
        others = {n.student_id for n in open_follow_ups} - students.keys()
        follow_up_names = {sid: label[0] for sid, label in store.student_labels(others).items()}
    inp = ExportInput(
        notes=notes,
        students=students,
        as_of=as_of,
        since=scope.since,
        until=scope.until,
        detail_for=detail_for,
        class_titles=store.class_titles({n.class_id for n in notes if n.class_id}),
        generated_at=store.clock(),
        all_students=request.all_students,
        counselor=counselor,
        student=student,
        open_follow_ups=open_follow_ups,
        follow_up_names=follow_up_names,
        progress=progress,
    )
    entry, replaced = export_input_written(
        store, inp, fmt.value, request.path, actor=actor_id or actor(ws), scope=scope.label,
    )
    return ExportResult(entry, scope, len(students), missing, replaced)


def app_exporter(ws: Workspace, *, clock: Clock | None = None) -> Callable[..., ExportResult]:
    """:func:`export_notes` for the TUI's export dialog (``tui.ports.NotesExporter``): the
    dialog's request (format, path, student or counselor, dates) becomes an
    :class:`ExportRequest` as of the screen's date, so the TUI exports exactly as
    ``caseload notes export`` does. Returns the :class:`ExportResult` (the audit entry,
    and the notice the summary adds)."""

    def run(request: Any, *, as_of: dt.date, reader: CaseloadReader | None = None,
            progress: Progress | None = None, actor_id: str | None = None) -> ExportResult:
        student = request.student_id
        scope = NoteScope(student, None if student else request.counselor_id,
                          request.since, request.until)
        wanted = ExportRequest(format=ExportFormat(request.fmt),
                               path=Path(request.path).expanduser(), scope=scope, as_of=as_of)
        return export_notes(ws, wanted, reader=reader, progress=progress, clock=clock,
                            actor_id=actor_id)

    return run


_BATCH = 250  # students read per query round (bounded memory, progress in steps)


def _details(
    reader: CaseloadReader, notes: Sequence[Note], students: Mapping[str, Any],
    all_students: bool, as_of: dt.date,
) -> Callable[[str], StudentDetail | None]:
    """``detail_for`` for the PDF. A reader with ``student_details(ids, as_of)`` (the cache's
    Repository) is read in a few batched queries up front (one query round per 250 students
    instead of a round per student); any other reader one student at a time."""
    batch = getattr(reader, "student_details", None)
    if not callable(batch):
        def one(student_id: str) -> StudentDetail | None:
            return reader.student(student_id, as_of)

        return one
    wanted = list(students) if all_students else sorted({n.student_id for n in notes})
    found: dict[str, StudentDetail] = {}
    for i in range(0, len(wanted), _BATCH):
        found.update(batch(wanted[i : i + _BATCH], as_of))
    return found.get
