"""Typed messages that workers post back to the UI thread.

Every blocking call (a ``CaseloadReader`` method, an import, a sync) runs in a thread worker on
the App (see ``CaseloadApp.load_*``); the worker posts one of these to the screen that asked.
Failures are not messages: the App handles every worker error in ``on_worker_state_changed``
and tells the waiting screen with :class:`LoadFailed`. None of them bubble: each goes to the
one node that asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.message import Message

from caseload.domain.notes import AuditEntry, Note, NoteDraft, NoteRevision
from caseload.domain.records import User
from caseload.domain.report import CaseloadRow, ClassDetail, SourceFreshness, StudentDetail


@dataclass
class CaseloadLoaded(Message, bubble=False):
    """A counselor's caseload (``counselor_id`` None: every student), in triage order."""

    counselor_id: str | None
    as_of: dt.date
    reports: list[CaseloadRow]
    seconds: float = 0.0
    total: int | None = None  # with ``partial``: how many rows the whole caseload has
    partial: bool = False  # the first page only; the whole list follows


@dataclass
class CounselorsLoaded(Message, bubble=False):
    counselors: list[User]


@dataclass
class FreshnessLoaded(Message, bubble=False):
    sources: list[SourceFreshness]


@dataclass
class StudentLoaded(Message, bubble=False):
    student_id: str
    as_of: dt.date
    detail: StudentDetail


@dataclass
class ClassLoaded(Message, bubble=False):
    student_id: str
    class_id: str
    as_of: dt.date
    detail: ClassDetail


@dataclass
class ActionFinished(Message, bubble=False):
    """An import or sync run from the palette finished; ``summary`` is the CLI's text."""

    action: str  # "import" or "sync"
    target: str  # the path or the sync name
    summary: str


@dataclass
class LoadFailed(Message, bubble=False):
    """A worker the screen was waiting for raised; ``error`` is already notified."""

    group: str
    error: str
    not_found: bool = False


@dataclass
class SyncProgressed(Message, bubble=False):
    """A sync worker has new progress; the App reads the latest figures when it handles this
    (the worker coalesces: at most one of these is waiting at a time)."""

    source: str


@dataclass
class NotesLoaded(Message, bubble=False):
    """One student's live notes, newest contact first."""

    student_id: str
    notes: list[Note]


@dataclass
class NoteSaved(Message, bubble=False):
    """A note was added, edited, marked done or deleted (``action`` says which)."""

    note: Note
    action: str  # "added", "updated", "done", "deleted"


@dataclass
class RevisionsLoaded(Message, bubble=False):
    """A note as it stands and its prior versions, oldest first."""

    note: Note
    revisions: list[NoteRevision]


@dataclass
class DraftLoaded(Message, bubble=False):
    """The draft kept for the note being edited (None: there is none)."""

    draft: NoteDraft | None


@dataclass
class FollowUpsLoaded(Message, bubble=False):
    """Open notes due on or before ``as_of``, oldest follow-up first; ``names`` by student."""

    as_of: dt.date
    notes: list[Note]
    names: dict[str, str]


@dataclass
class NotesExported(Message, bubble=False):
    """An export was written and audited."""

    entry: AuditEntry
