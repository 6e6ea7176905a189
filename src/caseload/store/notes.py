"""Intervention notes, their revisions, unsaved drafts and the export audit log.

These tables hold what the counselor writes; they exist nowhere else, so nothing here ever
erases a note: an edit saves the prior version to ``note_revisions`` first, and deleting
only marks the note. Imports and syncs never touch these tables (they upsert/delete source
tables only). No foreign key ties a note to ``users``: a student removed by an import keeps
their notes.

Timestamps are timezone-aware UTC (``timestamptz`` on PostgreSQL; SQLite keeps UTC without an
offset and SQLModel's type puts it back on read). The clock is injectable
for tests: ``NotesStore(engine, clock=lambda: fixed_utc_datetime)``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlmodel import Field

from caseload.domain.notes import (
    EDITABLE_FIELDS,
    AuditEntry,
    AuditStatus,
    ContactMethod,
    ContactOutcome,
    Note,
    NoteConflict,
    NoteDraft,
    NoteNotFound,
    NoteRevision,
    NoteStatus,
    NoteType,
    NoteValidationError,
)
from caseload.domain.report import FlagCode
from caseload.store.tables import METADATA, CacheModel

# --- Tables ------------------------------------------------------------------------------


class NoteRow(CacheModel, table=True):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_student_date", "student_id", "contact_date"),
        Index("ix_notes_follow_up", "follow_up"),
    )
    id: int | None = Field(default=None, primary_key=True)
    student_id: str
    author_id: str
    contact_date: dt.date
    type: str
    flags: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON array
    class_id: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    follow_up: dt.date | None = None
    status: str = "open"
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted: bool = False
    deleted_at: dt.datetime | None = None
    method: str | None = None  # ContactMethod (0008)
    outcome: str | None = None  # ContactOutcome (0008)
    revision: int = 1


class NoteRevisionRow(CacheModel, table=True):
    """A full copy of a note as it was before an edit replaced it."""

    __tablename__ = "note_revisions"
    note_id: int = Field(
        sa_column=Column(Integer, ForeignKey("notes.id"), primary_key=True, nullable=False)
    )
    revision: int = Field(primary_key=True)
    student_id: str
    author_id: str
    contact_date: dt.date
    type: str
    flags: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    class_id: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    follow_up: dt.date | None = None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted: bool = False
    deleted_at: dt.datetime | None = None
    method: str | None = None  # ContactMethod (0008)
    outcome: str | None = None  # ContactOutcome (0008)
    replaced_at: dt.datetime


class NoteDraftRow(CacheModel, table=True):
    """Unsaved editor contents, one per (author, student, note; 0 = a new note)."""

    __tablename__ = "note_drafts"
    author_id: str = Field(primary_key=True)
    student_id: str = Field(primary_key=True)
    note_key: int = Field(default=0, primary_key=True)  # the note id, or 0 for a new note
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON object
    saved_at: dt.datetime


class AuditRow(CacheModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    actor: str
    action: str
    scope: str
    format: str
    path: str = Field(sa_column=Column(Text, nullable=False))
    count: int
    # started (recorded before the file exists), then ok or failed; see AuditStatus
    status: str = Field(
        default="ok", sa_column=Column(String, nullable=False, server_default="ok")
    )


NOTE_TABLES = ("notes", "note_revisions", "note_drafts", "audit_log")
NOTES: Table = METADATA.tables["notes"]
REVISIONS: Table = METADATA.tables["note_revisions"]
DRAFTS: Table = METADATA.tables["note_drafts"]
AUDIT: Table = METADATA.tables["audit_log"]

_CHUNK = 500  # ids per IN (...) list
_Row = Mapping[Any, Any]  # a result row's mapping


__all__ = ["NOTE_TABLES", "NoteConflict", "NoteNotFound", "NoteValidationError", "NotesStore"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Conversions -------------------------------------------------------------------------


def _to_db(value: dt.datetime) -> dt.datetime:
    """Aware UTC for storage (a naive clock value is taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _from_db(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _note_from(m: _Row, *, note_id: int | None = None) -> Note:
    created = _from_db(m["created_at"])
    updated = _from_db(m["updated_at"])
    assert created is not None and updated is not None
    return Note(
        id=int(note_id if note_id is not None else m["id"]),
        student_id=m["student_id"],
        author_id=m["author_id"],
        contact_date=m["contact_date"],
        type=NoteType(m["type"]),
        flags=tuple(json.loads(m["flags"] or "[]")),
        class_id=m["class_id"],
        text=m["text"],
        follow_up=m["follow_up"],
        status=NoteStatus(m["status"]),
        created_at=created,
        updated_at=updated,
        deleted=bool(m["deleted"]),
        revision=int(m["revision"]),
        deleted_at=_from_db(m["deleted_at"]),
        method=ContactMethod(m["method"]) if m["method"] else None,
        outcome=ContactOutcome(m["outcome"]) if m["outcome"] else None,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _chunks(ids: builtins.list[str]) -> Iterable[builtins.list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


# --- Validation --------------------------------------------------------------------------


def _clean_flags(flags: Iterable[str] | str | None) -> tuple[str, ...]:
    if flags is None:
        return ()
    if isinstance(flags, str):
        flags = [flags]
    valid = {f.value for f in FlagCode}
    out: builtins.list[str] = []
    for raw in flags:
        code = str(raw).strip().upper()
        if not code:
            continue
        if code not in valid:
            raise NoteValidationError(
                "flags", f"unknown flag code {raw!r} (expected one of: {', '.join(sorted(valid))})"
            )
        if code not in out:
            out.append(code)
    return tuple(out)


def _clean_text(text: Any) -> str:
    if not isinstance(text, str):
        raise NoteValidationError("text", "note text must be a string")
    if not text.strip():
        raise NoteValidationError("text", "note text is empty")
    return text


def _field(what: str) -> str:
    return what.replace("-", "_").replace(" date", "_date").replace(" ", "_").replace(
        "follow_up_date", "follow_up")


def _clean_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    # echo a short date-like value only: a long string may be text pasted in the wrong field
    if isinstance(value, str) and len(value) <= 20:
        raise NoteValidationError(_field(what), f"{what} {value!r} is not a date (YYYY-MM-DD)")
    raise NoteValidationError(_field(what), f"{what} is not a date (YYYY-MM-DD)")


def _clean_optional_date(value: Any, what: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _clean_date(value, what)


def _clean_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise NoteValidationError(_field(what), f"{what} is empty")
    return value.strip()


def _parse_type(value: Any) -> NoteType:
    try:
        return NoteType.parse(value)
    except ValueError as exc:
        raise NoteValidationError("type", str(exc)) from None


def _parse_status(value: Any) -> NoteStatus:
    try:
        return NoteStatus.parse(value)
    except ValueError as exc:
        raise NoteValidationError("status", str(exc)) from None


def _parse_method(value: Any) -> ContactMethod | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return ContactMethod(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        valid = ", ".join(m.value for m in ContactMethod)
        raise NoteValidationError(
            "method", f"unknown contact method {str(value)[:20]!r} (expected one of: {valid})"
        ) from None


def _parse_outcome(value: Any) -> ContactOutcome | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return ContactOutcome(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        valid = ", ".join(o.value for o in ContactOutcome)
        raise NoteValidationError(
            "outcome", f"unknown contact outcome {str(value)[:20]!r} (expected one of: {valid})"
        ) from None


# --- The store ---------------------------------------------------------------------------


class NotesStore:
    """Notes, revisions, drafts and the audit log over a migrated cache engine.

    Raises NoteValidationError (a ValueError with ``field`` and ``reason``, fit to show the
    user) for bad input, NoteNotFound (a KeyError) for an unknown note id, NoteConflict (a
    ValueError carrying the current note) when an edit lost a race. All live in
    ``caseload.domain.notes`` so callers above the store match them by type.
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utcnow):
        self.engine = engine
        self.clock = clock

    # -- helpers --

    def _now(self) -> dt.datetime:
        return _to_db(self.clock())

    def _today(self) -> dt.date:
        now = self.clock()
        return (now.astimezone() if now.tzinfo else now).date()

    @staticmethod
    def _check_student(conn: Connection, student_id: str) -> None:
        users = METADATA.tables["users"]
        role = conn.execute(
            select(users.c.role).where(users.c.sourced_id == student_id)
        ).scalar_one_or_none()
        if role is None:
            raise NoteValidationError(
                "student_id", f"unknown student id {student_id!r} (not in the cache)"
            )
        if str(role).lower() != "student":
            raise NoteValidationError("student_id", f"{student_id!r} is a {role}, not a student")

    @staticmethod
    def _check_class(conn: Connection, class_id: str | None) -> str | None:
        if class_id is None or not str(class_id).strip():
            return None
        class_id = str(class_id).strip()
        classes = METADATA.tables["classes"]
        found = conn.execute(
            select(classes.c.sourced_id).where(classes.c.sourced_id == class_id)
        ).first()
        if found is None:
            raise NoteValidationError(
                "class_id", f"unknown class id {class_id!r} (not in the cache)"
            )
        return class_id

    @staticmethod
    def _check_follow_up(contact: dt.date, follow_up: dt.date | None) -> None:
        if follow_up is not None and follow_up < contact:
            raise NoteValidationError(
                "follow_up",
                f"follow-up date {follow_up.isoformat()} is before the contact date "
                f"{contact.isoformat()}",
            )

    @staticmethod
    def _row(conn: Connection, note_id: int, *, lock: bool = False) -> _Row:
        stmt = select(NOTES).where(NOTES.c.id == note_id)
        if lock:
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).mappings().first()
        if row is None:
            raise NoteNotFound(note_id)
        return row

    # -- notes --

    def add(
        self,
        *,
        student_id: str,
        author_id: str,
        type: NoteType | str,
        text: str,
        contact_date: dt.date | str | None = None,
        flags: Iterable[str] = (),
        class_id: str | None = None,
        follow_up: dt.date | str | None = None,
        status: NoteStatus | str = NoteStatus.OPEN,
        method: ContactMethod | str | None = None,
        outcome: ContactOutcome | str | None = None,
    ) -> Note:
        """Save a new note. ``contact_date`` defaults to today (local date of the clock);
        ``method`` and ``outcome`` record how a contact was made and what came of it."""
        student_id = _clean_id(student_id, "student id")
        author_id = _clean_id(author_id, "author id")
        note_type = _parse_type(type)
        body = _clean_text(text)
        contact = (
            self._today() if contact_date is None else _clean_date(contact_date, "contact date")
        )
        follow = _clean_optional_date(follow_up, "follow-up date")
        self._check_follow_up(contact, follow)
        codes = _clean_flags(flags)
        note_status = _parse_status(status)
        how = _parse_method(method)
        result = _parse_outcome(outcome)
        now = self._now()
        with self.engine.begin() as conn:
            self._check_student(conn, student_id)
            klass = self._check_class(conn, class_id)
            new_id = conn.execute(
                insert(NOTES).returning(NOTES.c.id),
                {
                    "student_id": student_id,
                    "author_id": author_id,
                    "contact_date": contact,
                    "type": note_type.value,
                    "flags": json.dumps(list(codes)),
                    "class_id": klass,
                    "text": body,
                    "follow_up": follow,
                    "status": note_status.value,
                    "created_at": now,
                    "updated_at": now,
                    "deleted": False,
                    "deleted_at": None,
                    "revision": 1,
                    "method": how.value if how else None,
                    "outcome": result.value if result else None,
                },
            ).scalar_one()
            return _note_from(self._row(conn, int(new_id)))

    def update(self, note_id: int, *, expected_revision: int | None = None, **changes: Any) -> Note:
        """Edit a note: the prior version is saved as a revision, ``revision`` and
        ``updated_at`` move on. Changeable: contact_date, type, flags, class_id, text,
        follow_up, status. No actual change: the note is returned untouched.

        ``expected_revision``: the revision the caller edited; NoteConflict when the note has
        moved on since (someone else saved first).
        """
        unknown = sorted(set(changes) - EDITABLE_FIELDS)
        if unknown:
            editable = ", ".join(sorted(EDITABLE_FIELDS))
            raise NoteValidationError(
                unknown[0], f"cannot change {', '.join(unknown)} (editable: {editable})"
            )
        now = self._now()
        with self.engine.begin() as conn:
            old = self._row(conn, note_id, lock=True)
            current = _note_from(old)
            if current.deleted:
                raise NoteValidationError(
                    "deleted", f"note {note_id} is deleted; restore it before editing"
                )
            if expected_revision is not None and expected_revision != current.revision:
                raise NoteConflict(note_id, expected_revision, current)
            values: dict[str, Any] = {}
            if "type" in changes:
                values["type"] = _parse_type(changes["type"]).value
            if "text" in changes:
                values["text"] = _clean_text(changes["text"])
            if "status" in changes:
                values["status"] = _parse_status(changes["status"]).value
            if "method" in changes:
                how = _parse_method(changes["method"])
                values["method"] = how.value if how else None
            if "outcome" in changes:
                got = _parse_outcome(changes["outcome"])
                values["outcome"] = got.value if got else None
            if "flags" in changes:
                values["flags"] = json.dumps(list(_clean_flags(changes["flags"])))
            if "class_id" in changes:
                wanted = changes["class_id"]
                wanted = None if wanted is None or not str(wanted).strip() else str(wanted).strip()
                if wanted != current.class_id:
                    values["class_id"] = self._check_class(conn, wanted)
            contact = current.contact_date
            if "contact_date" in changes:
                contact = _clean_date(changes["contact_date"], "contact date")
                values["contact_date"] = contact
            follow = current.follow_up
            if "follow_up" in changes:
                follow = _clean_optional_date(changes["follow_up"], "follow-up date")
                values["follow_up"] = follow
            if "contact_date" in changes or "follow_up" in changes:
                self._check_follow_up(contact, follow)
            values = {k: v for k, v in values.items() if v != old[k]}
            if not values:
                return current
            self._save_revision(conn, old, now)
            result = conn.execute(
                update(NOTES)
                .where(and_(NOTES.c.id == note_id, NOTES.c.revision == current.revision))
                .values(**values, revision=current.revision + 1, updated_at=now)
            )
            if result.rowcount != 1:
                raise NoteConflict(note_id, expected_revision, None)
            return _note_from(self._row(conn, note_id))

    @staticmethod
    def _save_revision(conn: Connection, old: _Row, now: dt.datetime) -> None:
        copy = {k: old[k] for k in old.keys() if k != "id"}  # noqa: SIM118 (RowMapping)
        conn.execute(insert(REVISIONS), {**copy, "note_id": old["id"], "replaced_at": now})

    def delete(self, note_id: int) -> Note:
        """Mark a note deleted. It and its revisions stay in the cache (``restore`` undoes).

        Like an edit, this saves the prior version as a revision and bumps ``revision``, so
        the history shows when a note was deleted (and restored)."""
        return self._set_deleted(note_id, True)

    def restore(self, note_id: int) -> Note:
        """Undo ``delete``."""
        return self._set_deleted(note_id, False)

    def _set_deleted(self, note_id: int, deleted: bool) -> Note:
        now = self._now()
        with self.engine.begin() as conn:
            old = self._row(conn, note_id, lock=True)
            if bool(old["deleted"]) == deleted:
                return _note_from(old)
            self._save_revision(conn, old, now)
            conn.execute(
                update(NOTES)
                .where(NOTES.c.id == note_id)
                .values(
                    deleted=deleted,
                    deleted_at=now if deleted else None,
                    revision=old["revision"] + 1,
                    updated_at=now,
                )
            )
            return _note_from(self._row(conn, note_id))

    def get(self, note_id: int) -> Note:
        """One note (deleted ones too: check ``.deleted``). KeyError when there is none."""
        with self.engine.connect() as conn:
            return _note_from(self._row(conn, note_id))

    def list(
        self,
        student_id: str | None = None,
        counselor_id: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        include_deleted: bool = False,
    ) -> builtins.list[Note]:
        """Notes, newest contact first. ``counselor_id``: students on that counselor's
        caseload; ``since``/``until``: contact dates, inclusive."""
        stmt = select(NOTES)
        if student_id is not None:
            stmt = stmt.where(NOTES.c.student_id == student_id)
        if counselor_id is not None:
            stmt = stmt.where(NOTES.c.student_id.in_(self._caseload_subquery(counselor_id)))
        if since is not None:
            stmt = stmt.where(NOTES.c.contact_date >= since)
        if until is not None:
            stmt = stmt.where(NOTES.c.contact_date <= until)
        if not include_deleted:
            stmt = stmt.where(NOTES.c.deleted.is_(False))
        stmt = stmt.order_by(NOTES.c.contact_date.desc(), NOTES.c.id.desc())
        with self.engine.connect() as conn:
            return [_note_from(m) for m in conn.execute(stmt).mappings()]

    @staticmethod
    def _caseload_subquery(counselor_id: str) -> Any:
        caseloads = METADATA.tables["caseloads"]
        return select(caseloads.c.student_id).where(caseloads.c.counselor_id == counselor_id)

    def revisions(self, note_id: int) -> builtins.list[NoteRevision]:
        """The prior versions of a note, oldest first (empty for a never-edited note)."""
        with self.engine.connect() as conn:
            self._row(conn, note_id)  # KeyError for an unknown note
            rows = conn.execute(
                select(REVISIONS)
                .where(REVISIONS.c.note_id == note_id)
                .order_by(REVISIONS.c.revision)
            ).mappings()
            out = []
            for m in rows:
                replaced = _from_db(m["replaced_at"])
                assert replaced is not None
                out.append(NoteRevision(_note_from(m, note_id=m["note_id"]), replaced))
            return out

    def follow_ups(self, as_of: dt.date, counselor_id: str | None = None) -> builtins.list[Note]:
        """Open, live notes with a follow-up on or before ``as_of``: oldest follow-up first,
        then contact date, then id."""
        stmt = select(NOTES).where(
            NOTES.c.deleted.is_(False),
            NOTES.c.status == NoteStatus.OPEN.value,
            NOTES.c.follow_up.is_not(None),
            NOTES.c.follow_up <= as_of,
        )
        if counselor_id is not None:
            stmt = stmt.where(NOTES.c.student_id.in_(self._caseload_subquery(counselor_id)))
        stmt = stmt.order_by(NOTES.c.follow_up, NOTES.c.contact_date, NOTES.c.id)
        with self.engine.connect() as conn:
            return [_note_from(m) for m in conn.execute(stmt).mappings()]

    def latest_note_dates(
        self, student_ids: Iterable[str] | None = None, *, as_of: dt.date | None = None
    ) -> dict[str, dt.date]:
        """Each student's latest contact date over live notes (on or before ``as_of`` when
        given). Students without notes are absent. ``None``: every student with notes."""
        latest = func.max(NOTES.c.contact_date)
        base = select(NOTES.c.student_id, latest).where(NOTES.c.deleted.is_(False))
        if as_of is not None:
            base = base.where(NOTES.c.contact_date <= as_of)
        base = base.group_by(NOTES.c.student_id)
        out: dict[str, dt.date] = {}
        with self.engine.connect() as conn:
            if student_ids is None:
                batches: Iterable[Any] = [base]
            else:
                ids = sorted(set(student_ids))
                batches = (base.where(NOTES.c.student_id.in_(chunk)) for chunk in _chunks(ids))
            for stmt in batches:
                for sid, day in conn.execute(stmt):
                    out[sid] = day
        return out

    # -- drafts --

    def save_draft(
        self, author_id: str, student_id: str, note_id: int | None, payload: _Row
    ) -> NoteDraft:
        """Save (replace) the draft for (author, student, note; ``None`` for a new note)."""
        if not isinstance(payload, Mapping):
            raise NoteValidationError("payload", "a draft payload must be a JSON object (a dict)")
        author_id = _clean_id(author_id, "author id")
        student_id = _clean_id(student_id, "student id")
        body = json.dumps(dict(payload), default=_json_default, ensure_ascii=False)
        now = self._now()
        key = {"author_id": author_id, "student_id": student_id, "note_key": note_id or 0}
        values = {"payload": body, "saved_at": now}
        with self.engine.begin() as conn:
            dialect = conn.dialect.name
            pk = [DRAFTS.c.author_id, DRAFTS.c.student_id, DRAFTS.c.note_key]
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                lite = sqlite_insert(DRAFTS).values(**key, **values)
                conn.execute(lite.on_conflict_do_update(index_elements=pk, set_=values))
            elif dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                pg = pg_insert(DRAFTS).values(**key, **values)
                conn.execute(pg.on_conflict_do_update(index_elements=pk, set_=values))
            else:  # pragma: no cover - other backends
                where = self._draft_where(author_id, student_id, note_id)
                conn.execute(delete(DRAFTS).where(*where))
                conn.execute(insert(DRAFTS), {**key, **values})
        saved = _from_db(now)
        assert saved is not None
        return NoteDraft(author_id, student_id, note_id, json.loads(body), saved)

    @staticmethod
    def _draft_where(author_id: str, student_id: str, note_id: int | None) -> builtins.list[Any]:
        return [
            DRAFTS.c.author_id == author_id,
            DRAFTS.c.student_id == student_id,
            DRAFTS.c.note_key == (note_id or 0),
        ]

    @staticmethod
    def _draft_from(m: _Row) -> NoteDraft:
        saved = _from_db(m["saved_at"])
        assert saved is not None
        try:
            payload = json.loads(m["payload"])
        except ValueError:
            payload = {"text": m["payload"]}  # never lose typed text to a bad encoding
        return NoteDraft(
            author_id=m["author_id"],
            student_id=m["student_id"],
            note_id=m["note_key"] or None,
            payload=payload if isinstance(payload, dict) else {"value": payload},
            saved_at=saved,
        )

    def load_draft(
        self, author_id: str, student_id: str, note_id: int | None = None
    ) -> NoteDraft | None:
        with self.engine.connect() as conn:
            where = self._draft_where(author_id, student_id, note_id)
            row = conn.execute(select(DRAFTS).where(*where)).mappings().first()
            return None if row is None else self._draft_from(row)

    def drafts(self, author_id: str) -> builtins.list[NoteDraft]:
        """The author's unsaved drafts, newest first (offer to recover them at start-up)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(DRAFTS)
                .where(DRAFTS.c.author_id == author_id)
                .order_by(DRAFTS.c.saved_at.desc(), DRAFTS.c.student_id)
            ).mappings()
            return [self._draft_from(m) for m in rows]

    def discard_draft(self, author_id: str, student_id: str, note_id: int | None = None) -> bool:
        """Drop a draft (after saving the note, or when the user throws it away)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(DRAFTS).where(*self._draft_where(author_id, student_id, note_id))
            )
            return bool(result.rowcount)

    # -- audit --

    def record_audit(
        self,
        *,
        actor: str,
        scope: str,
        format: str,
        path: str,
        count: int,
        action: str = "export",
        status: AuditStatus | str = AuditStatus.OK,
    ) -> AuditEntry:
        """Append an audit entry (who, when, action, scope, format, path, count, status).

        An export records its entry with ``status=started`` *before* writing the file, then
        :meth:`set_audit_status` to ``ok`` or ``failed``: a failed insert means no file."""
        if count < 0:
            raise NoteValidationError("count", "audit count must not be negative")
        state = AuditStatus(status)
        now = self._now()
        row = {
            "at": now,
            "actor": actor or "unknown",
            "action": action,
            "scope": scope,
            "format": format,
            "path": str(path),
            "count": int(count),
            "status": state.value,
        }
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(AUDIT).returning(AUDIT.c.id), row).scalar_one()
        at = _from_db(now)
        assert at is not None
        return AuditEntry(
            id=int(new_id),
            at=at,
            actor=actor or "unknown",
            action=action,
            scope=scope,
            format=format,
            path=str(path),
            count=int(count),
            status=state,
        )

    def set_audit_status(self, entry: AuditEntry, status: AuditStatus | str) -> AuditEntry:
        """Mark an entry ``ok`` or ``failed`` (the only change an audit row ever sees)."""
        state = AuditStatus(status)
        with self.engine.begin() as conn:
            conn.execute(update(AUDIT).where(AUDIT.c.id == entry.id).values(status=state.value))
        return AuditEntry(
            id=entry.id, at=entry.at, actor=entry.actor, action=entry.action,
            scope=entry.scope, format=entry.format, path=entry.path, count=entry.count,
            status=state,
        )

    def audit(self, limit: int | None = None) -> builtins.list[AuditEntry]:
        """Audit entries, newest first."""
        stmt = select(AUDIT).order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            out = []
            for m in conn.execute(stmt).mappings():
                at = _from_db(m["at"])
                assert at is not None
                out.append(
                    AuditEntry(
                        id=m["id"],
                        at=at,
                        actor=m["actor"],
                        action=m["action"],
                        scope=m["scope"],
                        format=m["format"],
                        path=m["path"],
                        count=m["count"],
                        status=AuditStatus(m["status"]),
                    )
                )
            return out

    # -- lookups the CLI and exports need --

    def student_labels(self, student_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """``{id: ("Last, First", grade_level)}`` for the ids found in ``users`` (preferred
        names first, as everywhere a name is shown)."""
        users = METADATA.tables["users"]
        out: dict[str, tuple[str, str | None]] = {}
        ids = sorted(set(student_ids))
        with self.engine.connect() as conn:
            for chunk in _chunks(ids):
                stmt = select(
                    users.c.sourced_id,
                    func.coalesce(users.c.preferred_family_name, users.c.family_name),
                    func.coalesce(users.c.preferred_given_name, users.c.given_name),
                    users.c.grade_level,
                ).where(users.c.sourced_id.in_(chunk))
                for sid, family, given, grade in conn.execute(stmt):
                    name = ", ".join(p for p in (family, given) if p) or sid
                    out[sid] = (name, grade)
        return out

    def class_titles(self, class_ids: Iterable[str]) -> dict[str, str]:
        """``{class id: title}`` for the ids found in ``classes``."""
        classes = METADATA.tables["classes"]
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(class_ids))):
                stmt = select(classes.c.sourced_id, classes.c.title).where(
                    classes.c.sourced_id.in_(chunk)
                )
                out.update({cid: title for cid, title in conn.execute(stmt)})
        return out

    def caseload_student_ids(self, counselor_id: str) -> builtins.list[str]:
        """The students on a counselor's caseload (sorted ids)."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(self._caseload_subquery(counselor_id)).scalars())
