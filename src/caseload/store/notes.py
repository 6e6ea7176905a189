"""Intervention notes, their revisions, unsaved drafts and the export audit log.

These tables hold what the counselor writes; they exist nowhere else, so nothing here ever
erases a note: an edit saves the prior version to ``note_revisions`` first, and deleting
only marks the note. Imports and syncs never touch these tables (they upsert/delete source
tables only). No foreign key ties a note to ``users``: a student removed by an import keeps
their notes.

Timestamps are timezone-aware UTC (``timestamptz`` on PostgreSQL; SQLite keeps UTC without an
offset and SQLModel's type puts it back on read). The clock is injectable
for tests: ``NotesStore(engine, clock=lambda: fixed_utc_datetime)``.

The tables are in :mod:`caseload.store.notes_tables`, drafts in
:mod:`caseload.store.note_drafts`, the export audit log in :mod:`caseload.store.audit_log`,
timestamps and input checks in :mod:`caseload.store.notes_values`; :class:`NotesStore` is all
of them over one engine.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, union, update
from sqlalchemy.engine import Connection

from caseload.domain.notes import (
    EDITABLE_FIELDS,
    ContactMethod,
    ContactOutcome,
    Note,
    NoteConflict,
    NoteNotFound,
    NoteNotYours,
    NoteRevision,
    NoteStatus,
    NoteType,
    NoteValidationError,
    class_refused,
)
from caseload.domain.records import Role
from caseload.domain.text import given
from caseload.store.audit_log import AuditLog
from caseload.store.note_drafts import NoteDrafts
from caseload.store.notes_tables import NOTE_TABLES, NOTES, REVISIONS
from caseload.store.notes_values import (
    Row,
    chunks,
    clean_date,
    clean_flags,
    clean_id,
    clean_optional_date,
    clean_text,
    from_db,
    note_from,
    parse_method,
    parse_outcome,
    parse_status,
    parse_type,
)
from caseload.store.tables import METADATA

__all__ = ["NOTE_TABLES", "NoteConflict", "NoteNotFound", "NoteNotYours", "NoteValidationError",
           "NotesStore", "student_classes"]


def _unseen(conn: Connection, table: str) -> str:
    """Why a row is not there: not in the cache or, for a login whose grant limits what it
    sees (a shared PostgreSQL database), possibly one it may not see (row-level security
    hides both alike)."""
    if table == "users":
        from caseload.store.access import my_grant  # (PostgreSQL only; the error path only)

        granted = my_grant(conn)
        if granted is not None:
            return ("not in the cache, or outside this login's grant "
                    f"({granted.scope_label})")
    return "not in the cache"


class NotesStore(NoteDrafts, AuditLog):
    """Notes, revisions, drafts and the audit log over a migrated cache engine.

    Raises NoteValidationError (a ValueError with ``field`` and ``reason``, fit to show the
    user) for bad input, NoteNotFound (a KeyError) for an unknown note id, NoteConflict (a
    ValueError carrying the current note) when an edit lost a race. All live in
    ``caseload.domain.notes`` so callers above the store match them by type.
    """

    # Whose confidential notes this store reads, when it must filter them itself (see
    # :meth:`hide_others_confidential`); ``_filtered`` False: the database decides (SQLite, or
    # a granted PostgreSQL login, which row-level security filters).
    _filtered = False
    _reader: str | None = None

    def hide_others_confidential(self, person: str | None) -> NotesStore:
        """Leave out of every read (listings, follow-ups, one note, its history) the
        confidential notes whose author is not ``person`` (None: every confidential note), as
        row-level security does for a granted login. For the PostgreSQL owner, whom
        row-level security does not filter (``services.notes.notes_store``); the owner login
        still reads every note through SQL (docs/DEPLOY.md). Returns the store."""
        self._filtered = True
        self._reader = person
        return self

    def _visible(self, stmt: Any) -> Any:
        """``stmt`` (a select from ``notes``) restricted to the notes this store may show."""
        if not self._filtered:
            return stmt
        open_note = NOTES.c.confidential.is_(False)
        if not self._reader:
            return stmt.where(open_note)
        return stmt.where(or_(open_note, NOTES.c.author_id == self._reader))

    # -- helpers --

    @staticmethod
    def _cached(conn: Connection, table: str, column: str, field: str, sourced_id: str) -> Any:
        """``column`` of the ``table`` row with this sourced id; NoteValidationError on
        ``field`` when the cache has no such row."""
        rows = METADATA.tables[table]
        value = conn.execute(
            select(rows.c[column]).where(rows.c.sourced_id == sourced_id)
        ).scalar_one_or_none()
        if value is None:
            what = field.removesuffix("_id")
            raise NoteValidationError(
                field, f"unknown {what} id {given(sourced_id)} ({_unseen(conn, table)})"
            )
        return value

    @staticmethod
    def _check_student(conn: Connection, student_id: str) -> None:
        role = NotesStore._cached(conn, "users", "role", "student_id", student_id)
        if str(role).lower() != "student":
            raise NoteValidationError("student_id",
                                      f"{given(student_id)} is a {role}, not a student")

    @staticmethod
    def _check_class(conn: Connection, student_id: str, class_id: str | None) -> str | None:
        """``class_id`` (None when blank) when it is one of the student's classes
        (``caseload.domain.notes``: what counts); else NoteValidationError on ``class_id``,
        in the same words whatever the reason (``class_refused``). Read through ``conn``,
        so on a shared database through the login's grant."""
        if class_id is None or not str(class_id).strip():
            return None
        class_id = clean_id(str(class_id), "class id")
        if not student_classes(conn, student_id, only=class_id):
            raise NoteValidationError(
                "class_id", class_refused(student_id, class_id, student_classes(conn, student_id))
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
    def _person_name(conn: Connection, person_id: str | None) -> str | None:
        """``Given Family`` (preferred names first) of a user in the cache, else None."""
        if not person_id:
            return None
        users = METADATA.tables["users"]
        row = conn.execute(select(
            func.coalesce(users.c.preferred_given_name, users.c.given_name),
            func.coalesce(users.c.preferred_family_name, users.c.family_name),
        ).where(users.c.sourced_id == person_id)).first()
        if row is None:
            return None
        return " ".join(p for p in row if p) or None

    def _conflict(self, conn: Connection, note_id: int, expected: int | None,
                  current: Note | None) -> NoteConflict:
        name = self._person_name(conn, current.updated_by) if current is not None else None
        return NoteConflict(note_id, expected, current, changed_by_name=name)

    def _row(self, conn: Connection, note_id: int, *, lock: bool = False,
             everyone: bool = False) -> Row:
        """The note's row; NoteNotFound when there is none, or when this store may not show it
        (``everyone``: read back a note just written, whoever may read it)."""
        stmt = select(NOTES).where(NOTES.c.id == note_id)
        if not everyone:
            stmt = self._visible(stmt)
        if lock:
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).mappings().first()
        if row is None and lock and not self._filtered:
            # (PostgreSQL: a login's FOR UPDATE passes only the notes it may change, its own)
            seen = conn.execute(select(NOTES.c.author_id).where(NOTES.c.id == note_id)).first()
            if seen is not None:
                raise NoteNotYours(note_id, seen.author_id)
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
        confidential: bool = False,
    ) -> Note:
        """Save a new note. ``contact_date`` defaults to today (local date of the clock);
        ``method`` and ``outcome`` record how a contact was made and what came of it."""
        student_id = clean_id(student_id, "student id")
        author_id = clean_id(author_id, "author id")
        note_type = parse_type(type)
        body = clean_text(text)
        contact = (
            self._today() if contact_date is None else clean_date(contact_date, "contact date")
        )
        follow = clean_optional_date(follow_up, "follow-up date")
        self._check_follow_up(contact, follow)
        codes = clean_flags(flags)
        note_status = parse_status(status)
        how = parse_method(method)
        result = parse_outcome(outcome)
        now = self._now()
        with self.engine.begin() as conn:
            self._check_student(conn, student_id)
            klass = self._check_class(conn, student_id, class_id)
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
                    "confidential": bool(confidential),
                    "updated_by": author_id,
                },
            ).scalar_one()
            return note_from(self._row(conn, int(new_id), everyone=True))

    def update(self, note_id: int, *, expected_revision: int | None = None,
               updated_by: str | None = None, **changes: Any) -> Note:
        """Edit a note: the prior version is saved as a revision, ``revision`` and
        ``updated_at`` move on. Changeable: contact_date, type, flags, class_id, text,
        follow_up, status. No actual change: the note is returned untouched.

        ``expected_revision``: the revision the caller edited; NoteConflict (saying who
        changed it, when) when the note has moved on since (someone else saved first).
        ``updated_by``: who is saving (None: ``unknown``).
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
            current = note_from(old)
            if expected_revision is not None and expected_revision != current.revision:
                # first: deleted since the caller read it is a conflict that says who did
                raise self._conflict(conn, note_id, expected_revision, current)
            if current.deleted:
                raise NoteValidationError(
                    "deleted", f"note {note_id} is deleted; restore it before editing"
                )
            values: dict[str, Any] = {}
            if "type" in changes:
                values["type"] = parse_type(changes["type"]).value
            if "text" in changes:
                values["text"] = clean_text(changes["text"])
            if "status" in changes:
                values["status"] = parse_status(changes["status"]).value
            if "method" in changes:
                how = parse_method(changes["method"])
                values["method"] = how.value if how else None
            if "outcome" in changes:
                got = parse_outcome(changes["outcome"])
                values["outcome"] = got.value if got else None
            if "flags" in changes:
                codes = clean_flags(changes["flags"], kept=current.flags)
                values["flags"] = json.dumps(list(codes))
            if "class_id" in changes:
                wanted = changes["class_id"]
                wanted = None if wanted is None or not str(wanted).strip() else str(wanted).strip()
                if wanted != current.class_id:
                    values["class_id"] = self._check_class(conn, current.student_id, wanted)
            contact = current.contact_date
            if "contact_date" in changes:
                contact = clean_date(changes["contact_date"], "contact date")
                values["contact_date"] = contact
            follow = current.follow_up
            if "follow_up" in changes:
                follow = clean_optional_date(changes["follow_up"], "follow-up date")
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
                .values(**values, revision=current.revision + 1, updated_at=now,
                        updated_by=_who(updated_by))
            )
            if result.rowcount != 1:
                raise self._conflict(conn, note_id, expected_revision, None)
            return note_from(self._row(conn, note_id))

    @staticmethod
    def _save_revision(conn: Connection, old: Row, now: dt.datetime) -> None:
        copy = {k: old[k] for k in old.keys() if k != "id"}  # noqa: SIM118 (RowMapping)
        conn.execute(insert(REVISIONS), {**copy, "note_id": old["id"], "replaced_at": now})

    def delete(self, note_id: int, *, updated_by: str | None = None) -> Note:
        """Mark a note deleted. It and its revisions stay in the cache (``restore`` undoes).

        Like an edit, this saves the prior version as a revision and bumps ``revision``, so
        the history shows when a note was deleted (and restored)."""
        return self._set_deleted(note_id, True, updated_by)

    def restore(self, note_id: int, *, updated_by: str | None = None) -> Note:
        """Undo ``delete``."""
        return self._set_deleted(note_id, False, updated_by)

    def _set_deleted(self, note_id: int, deleted: bool, updated_by: str | None) -> Note:
        now = self._now()
        with self.engine.begin() as conn:
            old = self._row(conn, note_id, lock=True)
            if bool(old["deleted"]) == deleted:
                return note_from(old)
            self._save_revision(conn, old, now)
            conn.execute(
                update(NOTES)
                .where(NOTES.c.id == note_id)
                .values(
                    deleted=deleted,
                    deleted_at=now if deleted else None,
                    revision=old["revision"] + 1,
                    updated_at=now,
                    updated_by=_who(updated_by),
                )
            )
            return note_from(self._row(conn, note_id))

    def get(self, note_id: int) -> Note:
        """One note (deleted ones too: check ``.deleted``). KeyError when there is none."""
        with self.engine.connect() as conn:
            return note_from(self._row(conn, note_id))

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
        stmt = self._visible(stmt).order_by(NOTES.c.contact_date.desc(), NOTES.c.id.desc())
        with self.engine.connect() as conn:
            return [note_from(m) for m in conn.execute(stmt).mappings()]

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
                replaced = from_db(m["replaced_at"])
                assert replaced is not None
                out.append(NoteRevision(note_from(m, note_id=m["note_id"]), replaced))
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
        stmt = self._visible(stmt).order_by(NOTES.c.follow_up, NOTES.c.contact_date, NOTES.c.id)
        with self.engine.connect() as conn:
            return [note_from(m) for m in conn.execute(stmt).mappings()]

    def latest_note_dates(
        self, student_ids: Iterable[str] | None = None, *, as_of: dt.date | None = None
    ) -> dict[str, dt.date]:
        """Each student's latest contact date over live notes (on or before ``as_of`` when
        given). Students without notes are absent. ``None``: every student with notes."""
        latest = func.max(NOTES.c.contact_date)
        base = self._visible(
            select(NOTES.c.student_id, latest).where(NOTES.c.deleted.is_(False)))
        if as_of is not None:
            base = base.where(NOTES.c.contact_date <= as_of)
        base = base.group_by(NOTES.c.student_id)
        out: dict[str, dt.date] = {}
        with self.engine.connect() as conn:
            if student_ids is None:
                batches: Iterable[Any] = [base]
            else:
                ids = sorted(set(student_ids))
                batches = (base.where(NOTES.c.student_id.in_(chunk)) for chunk in chunks(ids))
            for stmt in batches:
                for sid, day in conn.execute(stmt):
                    out[sid] = day
        return out
    # -- lookups the CLI and exports need --

    def student_labels(self, student_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """``{id: ("Last, First", grade_level)}`` for the ids found in ``users`` (preferred
        names first, as everywhere a name is shown)."""
        users = METADATA.tables["users"]
        out: dict[str, tuple[str, str | None]] = {}
        ids = sorted(set(student_ids))
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
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
            for chunk in chunks(sorted(set(class_ids))):
                stmt = select(classes.c.sourced_id, classes.c.title).where(
                    classes.c.sourced_id.in_(chunk)
                )
                out.update({cid: title for cid, title in conn.execute(stmt)})
        return out

    def caseload_student_ids(self, counselor_id: str) -> builtins.list[str]:
        """The students on a counselor's caseload (sorted ids)."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(self._caseload_subquery(counselor_id)).scalars())


def student_classes(conn: Connection, student_id: str, *, only: str | None = None) -> list[str]:
    """The ids of the student's classes, as the reports give them (``InputReader.read``):
    the classes the cache has a row of that they have a student enrollment in, whatever its
    dates, or a result in that is shown (``inputs.visible_result``); in code point order.
    ``only``: that class, if it is one of them. What ``conn`` may read: on a shared database,
    the login's view."""
    from caseload.store.inputs import visible_result  # (the rule; not at the CLI's start)

    t = METADATA.tables
    enrollments, results, items, classes = (
        t["enrollments"], t["results"], t["line_items"], t["classes"])
    enrolled = select(enrollments.c.class_id).where(
        enrollments.c.user_id == student_id, enrollments.c.role == Role.STUDENT.value)
    scored = (
        select(items.c.class_id)
        .join(results, results.c.line_item_id == items.c.sourced_id)
        .where(results.c.student_id == student_id,
               visible_result(results.c.student_id, items.c.class_id))
    )
    if only is not None:
        enrolled = enrolled.where(enrollments.c.class_id == only)
        scored = scored.where(items.c.class_id == only)
    found = conn.execute(
        select(classes.c.sourced_id).where(classes.c.sourced_id.in_(union(enrolled, scored)))
    ).scalars()
    return sorted(found)


def _who(person_id: str | None) -> str:
    """Who saved a version: the id given, else ``unknown`` (as the audit log says)."""
    return person_id.strip() if person_id and person_id.strip() else "unknown"
