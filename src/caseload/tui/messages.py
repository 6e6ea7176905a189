"""Typed messages: what workers post back to the UI thread, and what widgets and screens post
about what happened.

Answers: every blocking call (a ``CaseloadReader`` or notes-store method, an import, a sync)
runs in a named thread worker (``caseload.tui.data``); the worker posts one of these to the node
that asked. Failures are not messages: the App handles every worker error in
``on_worker_state_changed`` and tells the waiting node with :class:`LoadFailed`. None of the
answers bubble: each goes to the one node that asked.

Events (the second part): a widget or a screen says what the counselor asked for ("open this
student", "write a note"); they bubble up to the screen and then to the App, which decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from caseload.domain.notes import AuditEntry, Note, NoteConflict, NoteDraft, NoteRevision
from caseload.domain.records import User
from caseload.domain.report import (
    CaseloadRow,
    ClassDetail,
    Flag,
    SourceFreshness,
    StudentDetail,
)
from caseload.domain.search import DirectoryEntry


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
class DirectoryLoaded(Message, bubble=False):
    """Every student in the cache with their counselors' names (the palette's search)."""

    entries: list[DirectoryEntry]


@dataclass
class StudentLoaded(Message, bubble=False):
    student_id: str
    as_of: dt.date
    detail: StudentDetail


@dataclass
class StudentFlagsLoaded(Message, bubble=False):
    """One student's flags with their messages (table rows have codes only)."""

    student_id: str
    flags: tuple[Flag, ...]


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
    name: str = ""  # the worker's name: which call of the group failed ("save draft")


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
    draft_kept: bool = False  # the note is saved, but its draft could not be removed


@dataclass
class NoteConflicted(Message, bubble=False):
    """A save lost a race: the note changed since the editor opened it (``NoteConflict``);
    ``current`` is the note as it stands now (None: it could not be read back)."""

    note_id: int
    current: Note | None
    conflict: NoteConflict | None = None  # who changed it and when (``plain_words``)


@dataclass
class RevisionsLoaded(Message, bubble=False):
    """A note as it stands and its prior versions, oldest first; ``names``: who saved each
    version (``updated_by`` id -> "Last, First"), for the ids the cache knows."""

    note: Note
    revisions: list[NoteRevision]
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class DraftLoaded(Message, bubble=False):
    """The draft kept for the note being edited (None: there is none)."""

    draft: NoteDraft | None


@dataclass
class DraftSaved(Message, bubble=False):
    """The note editor's draft write number ``seq`` is done: written (or dropped)."""

    seq: int


@dataclass
class FollowUpsLoaded(Message, bubble=False):
    """Open notes due on or before ``as_of``, oldest follow-up first; ``names`` by student."""

    as_of: dt.date
    notes: list[Note]
    names: dict[str, str]
    upcoming: list[Note] = field(default_factory=list)  # after as_of, this week and next


@dataclass
class ExportProgressed(Message, bubble=False):
    """An export under way: ``done`` of ``total`` steps (``what``: the step's words)."""

    done: int
    total: int
    what: str


@dataclass
class ExportFailed(Message, bubble=False):
    """An export was not written for a reason its dialog shows and the counselor can mend
    (the folder does not exist, the name is a folder's, permission denied): ``reason`` in
    words, never a note's text. Not notified: the dialog says it (an unexpected failure is
    the App's ``LoadFailed``, notified)."""

    reason: str


@dataclass
class NotesExported(Message, bubble=False):
    """An export was written and audited. ``notice``: what its summary adds ("" or e.g.
    "; 3 characters the PDF font cannot show are printed as ?")."""

    entry: AuditEntry
    notice: str = ""


# -- events: posted by widgets and screens, bubbling to the App, which decides --------------


@dataclass
class OpenStudent(Message):
    student_id: str


@dataclass
class OpenClass(Message):
    student_id: str
    class_id: str


@dataclass
class WriteNote(Message):
    """Open the note editor about a student (``note``: edit that note). ``flags`` None: the
    student's flags are read first (a table row has their codes only). ``class_id``: the note
    is about this class (the class screen's ``n``; ``class_title`` names it)."""

    student_id: str
    name: str
    flags: tuple[Flag, ...] | None = None
    note: Note | None = None
    class_id: str | None = None
    class_title: str = ""
    prefill: dict[str, Any] | None = None  # editor fields of a new note (a guardian contact)


@dataclass
class ShowRevisions(Message):
    note: Note
    student_name: str


@dataclass
class OpenFollowUps(Message):
    pass


@dataclass
class OpenExport(Message):
    """The notes export dialog; ``student_id``: offer this student as well as the caseload."""

    student_id: str | None = None
    student_name: str = ""


@dataclass
class NotesChanged(Message):
    """A note was saved, marked done or deleted: whatever shows notes reads again."""

    student_id: str


@dataclass
class DeleteNoteRequested(Message):
    """The Notes tab's Delete: the screen asks first, then tells the pane to delete."""

    note: Note


@dataclass
class MarkDoneRequested(Message):
    """The Notes tab's ``d``: the screen asks the outcome and the next follow-up date
    (``DoneModal``), then tells the pane (``NotesPane.mark_done_now``)."""

    note: Note


@dataclass
class CounselorChosen(Message):
    counselor_id: str | None  # None: every student


@dataclass
class ReloadAll(Message):
    pass


@dataclass
class CaseloadPainted(Message):
    """The caseload has painted its rows (the App warms the other screens up then)."""


@dataclass
class WarmedUp(Message):
    """The warm-up worker has imported the other screens (the App freezes start-up's heap)."""


@dataclass
class ScreenClosed(Message):
    """A student or class screen was closed: what it drew is garbage now (the App frees it
    once the screen below has painted, not during the next drill-down)."""


@dataclass
class DirectoryWanted(Message):
    """A screen's search needs every student's names (the ``/`` filter's first keystroke)."""
