"""The read side the TUI and the exports depend on, as a Protocol.

The store implements it over the cache (``caseload.store.repository``); tests hand the App a
fake (as Memray's TUI tests do). Every method is blocking: the TUI calls them from workers.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from caseload.domain.notes import AuditEntry, Note, NoteDraft, NoteRevision, NoteStatus, NoteType
from caseload.domain.records import User
from caseload.domain.report import (
    CaseloadRow,
    ClassDetail,
    SourceFreshness,
    StudentDetail,
    StudentReport,
)
from caseload.domain.search import DirectoryEntry


class CaseloadReader(Protocol):
    def counselors(self) -> list[User]:
        """Every counselor in the cache, by name."""
        ...

    def caseload(self, counselor_id: str | None, as_of: dt.date) -> list[StudentReport]:
        """The counselor's students in triage order; ``None``: every student."""
        ...

    def caseload_rows(self, counselor_id: str | None, as_of: dt.date) -> list[CaseloadRow]:
        """The caseload table's rows in the same order (no flag messages or class metrics):
        what the home screen shows. The store reads them from its persisted ranking."""
        ...

    def caseload_head(
        self, counselor_id: str | None, as_of: dt.date, limit: int
    ) -> tuple[list[CaseloadRow], int] | None:
        """The first ``limit`` of those rows and how many there are, if that is cheap (the
        ranking is stored); else None. The home screen paints this first page while the rest
        loads."""
        ...

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        """One student's drill-down. Raises KeyError for an unknown id."""
        ...

    def class_detail(self, student_id: str, class_id: str, as_of: dt.date) -> ClassDetail:
        """One student's view of one class. Raises KeyError for an unknown pair."""
        ...

    def freshness(self) -> list[SourceFreshness]:
        """When each kind of data last arrived, newest first."""
        ...

    def student_directory(self) -> list[DirectoryEntry]:
        """Every student in the cache with their counselors' names (cheap: no analytics),
        for the palette's student search."""
        ...


class NotesPort(Protocol):
    """What the TUI needs of the notes store (``caseload.store.notes.NotesStore``).

    Blocking, like the reader: the TUI calls these from workers. Bad input raises ValueError
    with a message fit to show; an edit that lost a race raises a ValueError too (a conflict).
    """

    clock: Callable[[], dt.datetime]  # the exports' "generated at" and the audit's time

    def add(
        self, *, student_id: str, author_id: str, type: NoteType | str, text: str,
        contact_date: dt.date | str | None = None, flags: Iterable[str] = (),
        class_id: str | None = None, follow_up: dt.date | str | None = None,
        status: NoteStatus | str = NoteStatus.OPEN,
    ) -> Note: ...

    def update(
        self, note_id: int, *, expected_revision: int | None = None,
        updated_by: str | None = None, **changes: Any
    ) -> Note: ...

    def delete(self, note_id: int, *, updated_by: str | None = None) -> Note: ...

    def restore(self, note_id: int, *, updated_by: str | None = None) -> Note: ...

    def get(self, note_id: int) -> Note: ...

    def revisions(self, note_id: int) -> builtins.list[NoteRevision]: ...

    def list(
        self, student_id: str | None = None, counselor_id: str | None = None,
        since: dt.date | None = None, until: dt.date | None = None,
        include_deleted: bool = False,
    ) -> builtins.list[Note]: ...

    def follow_ups(
        self, as_of: dt.date, counselor_id: str | None = None
    ) -> builtins.list[Note]: ...

    def save_draft(
        self, author_id: str, student_id: str, note_id: int | None, payload: Mapping[str, Any]
    ) -> NoteDraft: ...

    def load_draft(
        self, author_id: str, student_id: str, note_id: int | None = None
    ) -> NoteDraft | None: ...

    def discard_draft(
        self, author_id: str, student_id: str, note_id: int | None = None
    ) -> bool: ...

    def student_labels(self, student_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]: ...

    def class_titles(self, class_ids: Iterable[str]) -> dict[str, str]: ...

    def caseload_student_ids(self, counselor_id: str) -> builtins.list[str]: ...

    def record_audit(
        self, *, actor: str, scope: str, format: str, path: str, count: int,
        action: str = "export",
    ) -> AuditEntry: ...
