"""Notes use cases: add, list (audited when machine-readable), edit, done, delete, restore and
the audit log. The CLI (``caseload.notes_cli``) and the TUI call these; they return domain
objects and typed results and raise the typed errors of ``caseload.domain.notes``
(:class:`NoteValidationError`, :class:`NoteNotFound`, :class:`NoteConflict`), never print.

Every function takes the :class:`~caseload.services.context.Workspace` first. ``clock``
(optional) fixes "now" for tests, as ``NotesStore(engine, clock=...)`` does.

What a note refers to is checked where it is written, in the store's ``add`` and ``update``,
which both these use cases and the TUI (its :func:`notes_store`) reach, in the write's own
transaction and through the caller's login: the student (one this login sees), the class (one
of the student's: ``caseload.domain.notes`` says what counts; refused in the same words
whether unknown or outside a grant) and the flags (kinds the rules raise). An edit checks a
class or flag only when it is new to the note, so notes stored before their class left the
cache still edit, list and export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from caseload.domain.notes import (
    AuditEntry,
    ContactMethod,
    ContactOutcome,
    Note,
    NoteError,
    NoteStatus,
    NoteType,
    NoteValidationError,
)

if TYPE_CHECKING:
    from caseload.services.context import Workspace
    from caseload.store.notes import NotesStore

Clock = Callable[[], dt.datetime]

# Where a listing printed to standard output is "written", in the audit log.
STDOUT_PATH = "-"


class NotesBusy(NoteError):
    """A note write found the cache held by another writer (an import or a sync) for longer
    than it may wait: nothing was saved. The message never holds the note's text; the TUI
    keeps the draft."""

    def __init__(self) -> None:
        super().__init__(
            "the cache is busy (an import or a sync is writing to it): the note was not "
            "saved; try again in a moment"
        )


# The store's writes: tried again while another writer holds the lock (issue 13).
_WRITES = ("add", "update", "delete", "restore", "save_draft", "discard_draft",
           "record_audit", "set_audit_status")


def _retrying(store: NotesStore) -> NotesStore:
    """``store`` with each write tried again for a bounded time while it fails only because
    another writer held the cache (``caseload.store.engine.retry_transient``), then raising
    NotesBusy (no traceback, no text). While it tries, it holds the writers' hand-off
    (``caseload.store.handoff``): an import or a facts refresh lets it in before its next
    short transaction."""
    from caseload.store.engine import is_transient, retry_transient
    from caseload.store.handoff import writing

    def wrap(write: Callable[..., Any]) -> Callable[..., Any]:
        def retried(*args: Any, **kwargs: Any) -> Any:
            try:
                with writing(store.engine):
                    return retry_transient(lambda: write(*args, **kwargs))
            except Exception as exc:
                if is_transient(exc):
                    raise NotesBusy() from None
                raise

        return retried

    for name in _WRITES:
        setattr(store, name, wrap(getattr(store, name)))
    return store


def notes_store(ws: Workspace, clock: Clock | None = None) -> NotesStore:
    """The workspace's notes store (what the TUI hands its note screens), its writes tried
    again while an import or sync holds the cache (``NotesBusy`` after a bounded wait).

    Connected as the PostgreSQL owner (``ws.owner``), whom row-level security does not
    filter, the store leaves out the confidential notes whose author is not the session's
    person (the config's ``me``; with no ``me``, every confidential note), as the database
    does for a granted login (issue 13)."""
    from caseload.store.notes import NotesStore

    store = NotesStore(ws.engine) if clock is None else NotesStore(ws.engine, clock=clock)
    if ws.owner:
        store.hide_others_confidential(ws.person or me(ws))
    return _retrying(store)


def me(ws: Workspace) -> str | None:
    """The config's ``me`` (the counselor using caseload), if set."""
    value = getattr(ws.config, "me", None)
    return value if isinstance(value, str) and value.strip() else None


def actor(ws: Workspace) -> str:
    """Who the audit log names: a granted login's person, else ``me``, else ``unknown``."""
    return ws.person or me(ws) or "unknown"


@dataclass(frozen=True)
class NoteScope:
    """Which notes: one student, a counselor's caseload, or every note (both ``None``);
    contact dates ``since``/``until`` inclusive."""

    student_id: str | None = None
    counselor_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    include_deleted: bool = False

    def check_range(self) -> None:
        """NoteValidationError when ``until`` is before ``since`` (no note can be in the
        range): ``notes list`` and ``notes export`` refuse it in the same words."""
        if self.since and self.until and self.until < self.since:
            raise NoteValidationError(
                "until", f"--until {self.until} is before --since {self.since}"
            )

    @property
    def label(self) -> str:
        """The audit log's scope: ``student:ID``, ``counselor:ID`` or ``all``, then the range."""
        from caseload.export.notes_export import scope_label

        return scope_label(student_id=self.student_id, counselor_id=self.counselor_id,
                           since=self.since, until=self.until)


def resolve_scope(
    ws: Workspace,
    *,
    student_id: str | None = None,
    counselor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    include_deleted: bool = False,
) -> NoteScope:
    """The CLI's scope rule: ``--student``, else ``--counselor`` (``all``: every note), else
    the config's ``me``, else every note."""
    if student_id:
        return NoteScope(student_id, None, since, until, include_deleted)
    if counselor is None:
        counselor = me(ws)
    if counselor in (None, "all"):
        return NoteScope(None, None, since, until, include_deleted)
    return NoteScope(None, counselor, since, until, include_deleted)


@dataclass(frozen=True)
class NewNote:
    """A note to add. ``author_id`` ``None``: the config's ``me``, else ``unknown``;
    ``contact_date`` ``None``: today."""

    student_id: str
    type: NoteType
    text: str
    contact_date: dt.date | None = None
    follow_up: dt.date | None = None
    flags: tuple[str, ...] = ()
    class_id: str | None = None
    author_id: str | None = None
    method: ContactMethod | None = None
    outcome: ContactOutcome | None = None
    confidential: bool = False  # shared PostgreSQL: only its author reads it


@dataclass(frozen=True)
class NoteListing:
    """Notes (newest contact first) with the students' display names (``id -> "Last, First"``;
    a student the cache does not know is absent) and, for an audited listing, its entry."""

    notes: list[Note]
    names: dict[str, str] = field(default_factory=dict)
    audit: AuditEntry | None = None

    def name(self, student_id: str) -> str:
        return self.names.get(student_id, student_id)


def add_note(ws: Workspace, new: NewNote, *, clock: Clock | None = None) -> Note:
    """Save a new note; NoteValidationError for bad input, e.g. a class that is not one of the
    student's or a flag code the rules do not raise (the message never holds the text).
    A granted login (shared PostgreSQL) writes only as its own person.

    Every field of ``new`` is passed on by name (``NewNote`` holds exactly the store's
    arguments), so a field added to one cannot be left behind here in silence."""
    if ws.person is not None and new.author_id not in (None, ws.person):
        from caseload.domain.notes import NoteValidationError

        raise NoteValidationError("author_id", f"this login writes notes as {ws.person!r} only")
    values = {f.name: getattr(new, f.name) for f in fields(new)}
    values["author_id"] = new.author_id or actor(ws)
    return notes_store(ws, clock).add(**values)


def list_notes(ws: Workspace, scope: NoteScope, *, with_names: bool = True) -> NoteListing:
    """The notes in ``scope`` (not audited: for a person to read on screen)."""
    store = notes_store(ws)
    notes = _query(store, scope)
    names: dict[str, str] = {}
    if with_names and notes:
        labels = store.student_labels({n.student_id for n in notes})
        names = {sid: label[0] for sid, label in labels.items()}
    return NoteListing(notes, names)


def list_notes_audited(
    ws: Workspace,
    scope: NoteScope,
    *,
    fmt: str,
    emit: Callable[[Sequence[Note]], None],
    clock: Clock | None = None,
) -> NoteListing:
    """A machine-readable listing (``notes list --format json``), audited like an export.

    The audit entry (action ``list``, path ``-`` for standard output) is recorded before
    ``emit(notes)`` writes anything: a failed insert means nothing is written; a failed
    ``emit`` leaves the entry marked ``failed``."""
    from caseload.export.notes_export import audited

    store = notes_store(ws, clock)
    notes = _query(store, scope)
    entry = audited(
        store, lambda: emit(notes), actor=actor(ws), action="list", scope=scope.label,
        fmt=fmt, path=STDOUT_PATH, count=len(notes),
    )
    return NoteListing(notes, {}, entry)


def _query(store: NotesStore, scope: NoteScope) -> list[Note]:
    return store.list(
        student_id=scope.student_id,
        counselor_id=scope.counselor_id,
        since=scope.since,
        until=scope.until,
        include_deleted=scope.include_deleted,
    )


def get_note(ws: Workspace, note_id: int) -> Note:
    """One note (deleted ones too); NoteNotFound when there is none."""
    return notes_store(ws).get(note_id)


def edit_note(
    ws: Workspace,
    note_id: int,
    *,
    expected_revision: int | None = None,
    clock: Clock | None = None,
    **changes: Any,
) -> Note:
    """Change a note (the prior version is kept as a revision; the change is recorded as the
    config's ``me``'s, else ``unknown``'s). NoteConflict (who changed it, when) when the note
    moved on from ``expected_revision``; NoteValidationError for bad values."""
    return notes_store(ws, clock).update(note_id, expected_revision=expected_revision,
                                         updated_by=actor(ws), **changes)


def mark_done(
    ws: Workspace, note_id: int, *, expected_revision: int | None = None,
    clock: Clock | None = None,
) -> Note:
    """Close a note's follow-up (status ``done``)."""
    return edit_note(ws, note_id, expected_revision=expected_revision, clock=clock,
                     status=NoteStatus.DONE)


def delete_note(ws: Workspace, note_id: int, *, clock: Clock | None = None) -> Note:
    """Mark a note deleted (kept with its revisions; :func:`restore_note` undoes it)."""
    return notes_store(ws, clock).delete(note_id, updated_by=actor(ws))


def restore_note(ws: Workspace, note_id: int, *, clock: Clock | None = None) -> Note:
    """Undo :func:`delete_note` (``caseload notes restore ID``; the TUI's undo)."""
    return notes_store(ws, clock).restore(note_id, updated_by=actor(ws))


def follow_ups(ws: Workspace, as_of: dt.date, counselor_id: str | None = None) -> NoteListing:
    """Open follow-ups due on or before ``as_of``, oldest first, with names."""
    store = notes_store(ws)
    notes = store.follow_ups(as_of, counselor_id)
    labels = store.student_labels({n.student_id for n in notes})
    return NoteListing(notes, {sid: label[0] for sid, label in labels.items()})


def audit_log(ws: Workspace, limit: int | None = None) -> list[AuditEntry]:
    """The audit log, newest first."""
    return notes_store(ws).audit(limit=limit)
