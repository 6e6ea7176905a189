"""Intervention notes in the cache: CRUD with revisions, soft delete, drafts, the follow-up
queue, latest note dates, validation, and that imports and schema upgrades keep every note.

Runs on SQLite and on PostgreSQL (the ``engine``/``db_url`` fixtures are parametrized).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from caseload.domain.notes import Note, NoteStatus, NoteType
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.engine import current_revision, make_engine, migrate
from caseload.store.notes import NOTE_TABLES, NoteConflict, NotesStore
from caseload.store.schema_version import HEAD
from caseload.store.tables import METADATA
from tests.migrations import load_at
from tests.paths import MIN_DATA

D = dt.date


class Clock:
    """A UTC clock that moves one second per reading."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 10, 1, 13, 0, tzinfo=dt.UTC)):
        self.now = start

    def __call__(self) -> dt.datetime:
        value = self.now
        self.now += dt.timedelta(seconds=1)
        return value


@pytest.fixture
def loaded(engine, data):
    load(engine, read_path(data))
    return engine


@pytest.fixture
def store(loaded) -> NotesStore:
    return NotesStore(loaded, clock=Clock())


def _add(store: NotesStore, student: str = "stu-1", **kw) -> Note:
    values = {
        "author_id": "cns-1",
        "type": NoteType.STUDENT_MEETING,
        "text": "Met to talk about Algebra.",
        "contact_date": D(2026, 9, 20),
    }
    values.update(kw)
    return store.add(student_id=student, **values)


_ADDED_SINCE_0002 = {("audit_log", "status"), ("notes", "method"), ("notes", "outcome"),
                     ("note_revisions", "method"), ("note_revisions", "outcome"),
                     ("notes", "confidential"), ("note_revisions", "confidential"),
                     ("notes", "updated_by"), ("note_revisions", "updated_by")}


def _note_rows(engine, since_0002: bool = True) -> dict[str, list[tuple]]:
    """Every row of the note tables (``since_0002=False``: without the columns added after
    0002, so the rows read the same before and after those migrations)."""
    out = {}
    with engine.connect() as conn:
        for name in NOTE_TABLES:
            table = METADATA.tables[name]
            cols = [c for c in table.c if since_0002 or (name, c.name) not in _ADDED_SINCE_0002]
            out[name] = sorted(tuple(map(str, r)) for r in conn.execute(select(*cols)))
    return out


# --- CRUD -------------------------------------------------------------------------------


def test_add_and_get_round_trip(store):
    note = _add(
        store,
        type="parent_contact",
        text="Called mom — she'll check the portal.\nSecond line: José 😀",
        flags=["low_grade", "TRUANCY", "LOW_GRADE"],
        class_id="cls-alg",
        follow_up="2026-09-27",
    )
    assert note.id > 0
    assert note.type is NoteType.PARENT_CONTACT and note.type.words == "Parent/guardian contact"
    assert note.flags == ("LOW_GRADE", "TRUANCY")  # normalized, de-duplicated, in order
    assert note.status is NoteStatus.OPEN and note.revision == 1 and not note.deleted
    assert note.created_at == note.updated_at
    assert note.created_at.tzinfo is not None and note.created_at.utcoffset() == dt.timedelta(0)
    assert note.created_at == dt.datetime(2026, 10, 1, 13, 0, tzinfo=dt.UTC)
    assert store.get(note.id) == note
    with pytest.raises(KeyError):
        store.get(9999)


def test_a_confidential_note_reads_back_as_confidential(store):
    """The flag was stored but never read back: nothing above the store could tell (or show,
    or export) that a note was confidential."""
    secret = _add(store, type="student_meeting", text="Private.", confidential=True)
    plain = _add(store, type="student_meeting", text="Open.")
    assert secret.confidential and store.get(secret.id).confidential
    assert not plain.confidential and not store.get(plain.id).confidential
    assert store.get(secret.id).to_json()["confidential"] is True


def test_note_type_words():
    assert [t.words for t in NoteType] == [
        "Student meeting", "Parent/guardian contact", "Teacher consultation", "Referral",
        "Attendance intervention", "SST / 504 / IEP meeting", "Other",
    ]


def test_update_keeps_every_prior_version(store):
    note = _add(store, text="first", follow_up=D(2026, 9, 30))
    second = store.update(note.id, text="second", flags=["LOW_GRADE"])
    third = store.update(note.id, status="done", expected_revision=2)
    assert (second.revision, third.revision) == (2, 3)
    assert third.text == "second" and third.status is NoteStatus.DONE
    assert third.created_at == note.created_at and third.updated_at > second.updated_at
    revs = store.revisions(note.id)
    assert [r.revision for r in revs] == [1, 2]
    assert [r.note.text for r in revs] == ["first", "second"]
    assert revs[0].note == note  # a full copy of the version replaced
    assert revs[1].note.flags == ("LOW_GRADE",) and revs[1].note.status is NoteStatus.OPEN
    assert revs[0].replaced_at == second.updated_at
    # no actual change: no new revision
    same = store.update(note.id, text="second", status="done")
    assert same == third and len(store.revisions(note.id)) == 2


def test_update_validates_and_detects_conflicts(store):
    note = _add(store)
    with pytest.raises(ValueError, match="cannot change author_id"):
        store.update(note.id, author_id="someone")
    with pytest.raises(ValueError, match="empty"):
        store.update(note.id, text="  \n ")
    with pytest.raises(ValueError, match="before the contact date"):
        store.update(note.id, follow_up=D(2026, 9, 1))
    with pytest.raises(ValueError, match="before the contact date"):
        store.update(note.id, contact_date=D(2026, 10, 5), follow_up=D(2026, 10, 1))
    store.update(note.id, text="edited elsewhere")
    with pytest.raises(NoteConflict, match="changed elsewhere"):
        store.update(note.id, text="mine", expected_revision=1)
    with pytest.raises(KeyError):
        store.update(12345, text="x")
    assert store.get(note.id).text == "edited elsewhere"
    assert len(store.revisions(note.id)) == 1  # failed edits saved nothing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "phone_call"}, "unknown note type 'phone_call'"),
        ({"text": ""}, "note text is empty"),
        ({"text": "   \t\n"}, "note text is empty"),
        ({"follow_up": D(2026, 9, 19)}, "follow-up date 2026-09-19 is before the contact date"),
        ({"student": "stu-404"}, "unknown student id 'stu-404'"),
        ({"student": "tch-1"}, "'tch-1' is a teacher, not a student"),
        ({"flags": ["NOT_A_FLAG"]}, "unknown flag code 'NOT_A_FLAG'"),
        ({"class_id": "cls-404"}, "student 'stu-1' has no class 'cls-404'"),
        ({"student": "stu-3", "class_id": "cls-eng"},  # another student's class
         "student 'stu-3' has no class 'cls-eng'; their classes: 'cls-alg'"),
        ({"contact_date": "yesterday"}, "contact date 'yesterday' is not a date"),
        ({"status": "pending"}, "unknown note status 'pending'"),
        ({"author_id": " "}, "author id is empty"),
    ],
)
def test_add_rejects_bad_input_with_clear_messages(store, changes, message):
    changes = dict(changes)  # shared between the backends' runs
    student = changes.pop("student", "stu-1")
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        _add(store, student, **changes)
    assert store.list(include_deleted=True) == []


def test_delete_marks_and_keeps_note_and_revisions(store):
    note = _add(store, text="v1")
    store.update(note.id, text="v2")
    gone = store.delete(note.id)
    assert gone.deleted and gone.deleted_at is not None and gone.text == "v2"
    assert store.list() == []
    assert [n.id for n in store.list(include_deleted=True)] == [note.id]
    assert store.get(note.id).deleted
    assert [r.note.text for r in store.revisions(note.id)] == ["v1", "v2"]
    with pytest.raises(ValueError, match="deleted"):
        store.update(note.id, text="v3")
    back = store.restore(note.id)
    assert not back.deleted and back.deleted_at is None and back.text == "v2"
    assert [n.id for n in store.list()] == [note.id]


def test_list_filters_and_order(store):
    a = _add(store, "stu-1", contact_date=D(2026, 9, 10))
    b = _add(store, "stu-2", contact_date=D(2026, 9, 15))
    c = _add(store, "stu-3", contact_date=D(2026, 9, 12))  # not on cns-1's caseload
    d = _add(store, "stu-1", contact_date=D(2026, 9, 15))
    assert [n.id for n in store.list()] == [d.id, b.id, c.id, a.id]  # newest contact first
    assert [n.id for n in store.list(student_id="stu-1")] == [d.id, a.id]
    assert {n.id for n in store.list(counselor_id="cns-1")} == {a.id, b.id, d.id}
    assert store.list(counselor_id="nobody") == []
    assert [n.id for n in store.list(since=D(2026, 9, 12), until=D(2026, 9, 14))] == [c.id]
    assert store.caseload_student_ids("cns-1") == ["stu-1", "stu-2"]


def test_follow_up_queue_is_oldest_first(store):
    as_of = D(2026, 10, 1)
    late = _add(store, "stu-2", contact_date=D(2026, 9, 1), follow_up=D(2026, 9, 8))
    tie_later_contact = _add(store, "stu-1", contact_date=D(2026, 9, 14), follow_up=D(2026, 9, 20))
    tie_earlier_contact = _add(store, "stu-1", contact_date=D(2026, 9, 10), follow_up=D(2026, 9, 20))
    due_today = _add(store, "stu-3", contact_date=D(2026, 9, 25), follow_up=as_of)
    _add(store, "stu-1", contact_date=D(2026, 9, 25), follow_up=D(2026, 10, 2))  # not yet
    _add(store, "stu-1", contact_date=D(2026, 9, 25))  # no follow-up
    done = _add(store, "stu-2", contact_date=D(2026, 9, 1), follow_up=D(2026, 9, 2))
    store.update(done.id, status="done")
    deleted = _add(store, "stu-2", contact_date=D(2026, 9, 1), follow_up=D(2026, 9, 2))
    store.delete(deleted.id)
    queue = store.follow_ups(as_of)
    assert [n.id for n in queue] == [late.id, tie_earlier_contact.id, tie_later_contact.id,
                                     due_today.id]
    assert all(n.is_due(as_of) for n in queue)
    assert [n.id for n in store.follow_ups(as_of, counselor_id="cns-1")] == [
        late.id, tie_earlier_contact.id, tie_later_contact.id]
    assert store.follow_ups(D(2026, 9, 7)) == []


def test_latest_note_dates(store):
    _add(store, "stu-1", contact_date=D(2026, 9, 10))
    _add(store, "stu-1", contact_date=D(2026, 9, 18))
    later = _add(store, "stu-2", contact_date=D(2026, 9, 30))
    _add(store, "stu-2", contact_date=D(2026, 9, 5))
    store.delete(later.id)  # deleted notes don't count
    many = ["stu-1", "stu-2", "stu-3", *(f"x-{i}" for i in range(1200))]  # chunked IN lists
    assert store.latest_note_dates(many) == {"stu-1": D(2026, 9, 18), "stu-2": D(2026, 9, 5)}
    assert store.latest_note_dates(["stu-1"], as_of=D(2026, 9, 15)) == {"stu-1": D(2026, 9, 10)}
    assert store.latest_note_dates() == {"stu-1": D(2026, 9, 18), "stu-2": D(2026, 9, 5)}
    assert store.latest_note_dates([]) == {}


def test_contact_date_defaults_to_today(store):
    note = store.add(student_id="stu-1", author_id="cns-1", type="other", text="hallway chat")
    assert note.contact_date == store.clock().astimezone().date()


# --- Drafts -----------------------------------------------------------------------------


def test_draft_survives_a_crash(loaded, db_url):
    store = NotesStore(loaded, clock=Clock())
    store.save_draft("cns-1", "stu-1", None, {"text": "Mom said", "type": "parent_contact"})
    store.save_draft("cns-1", "stu-1", None,
                     {"text": "Mom said she will call — José", "follow_up": D(2026, 10, 8)})
    note = _add(store, text="saved")
    store.save_draft("cns-1", "stu-1", note.id, {"text": "an edit in progress"})
    store.save_draft("cns-1", "stu-2", None, {"text": "other student"})
    store.save_draft("cns-2", "stu-1", None, {"text": "other author"})
    loaded.dispose()  # the app dies; a new process opens the cache

    again = NotesStore(make_engine(db_url))
    draft = again.load_draft("cns-1", "stu-1")
    assert draft is not None and draft.note_id is None
    assert draft.payload == {"text": "Mom said she will call — José", "follow_up": "2026-10-08"}
    edit = again.load_draft("cns-1", "stu-1", note.id)
    assert edit is not None and edit.payload == {"text": "an edit in progress"}
    assert [(d.student_id, d.note_id) for d in again.drafts("cns-1")] == [
        ("stu-2", None), ("stu-1", note.id), ("stu-1", None)]  # newest first
    assert again.discard_draft("cns-1", "stu-1") is True
    assert again.discard_draft("cns-1", "stu-1") is False
    assert again.load_draft("cns-1", "stu-1") is None
    assert again.load_draft("cns-1", "stu-1", note.id) is not None
    assert len(again.drafts("cns-2")) == 1
    with pytest.raises(ValueError, match="JSON object"):
        again.save_draft("cns-1", "stu-1", None, ["not", "a", "dict"])  # type: ignore[arg-type]
    again.engine.dispose()


# --- Audit ------------------------------------------------------------------------------


def test_audit_log_newest_first(store):
    first = store.record_audit(actor="cns-1", scope="student:stu-1", format="pdf",
                               path="/tmp/a.pdf", count=2)
    second = store.record_audit(actor="cns-1", scope="all", format="csv", path="/tmp/b.csv",
                                count=0)
    entries = store.audit()
    assert [e.id for e in entries] == [second.id, first.id]
    assert entries[1] == first and first.action == "export"
    assert store.audit(limit=1) == [second]
    assert first.to_json()["at"] == "2026-10-01T13:00:00Z"


# --- Imports and upgrades never touch notes --------------------------------------------


def test_reimport_keeps_every_note_revision_draft_and_audit_entry(store, loaded, data, tmp_path):
    kept = _add(store, "stu-1", text="v1", follow_up=D(2026, 9, 30), class_id="cls-alg")
    store.update(kept.id, text="v2", flags=["LOW_GRADE"])
    gone = _add(store, "stu-3", text="about to be deleted")
    store.delete(gone.id)
    _add(store, "stu-3", text="stu-3 leaves the district below")
    store.save_draft("cns-1", "stu-2", None, {"text": "typing"})
    store.record_audit(actor="cns-1", scope="all", format="md", path="/tmp/x.md", count=3)
    before = _note_rows(loaded)
    assert len(before["notes"]) == 3 and len(before["note_revisions"]) == 2

    load(loaded, read_path(data))  # the same full export again
    assert _note_rows(loaded) == before

    # a changed full export, then a delta that deletes a student with notes
    results = data / "results.csv"
    results.write_text(results.read_text().replace(",62,", ",12,", 1))
    load(loaded, read_path(data))
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,delta\n"
    )
    header = (data / "users.csv").read_text().splitlines()[0]
    (delta / "users.csv").write_text(
        header + ",role\nstu-3,tobedeleted,2026-10-02T00:00:00Z,true,cy,,Cy,O'Connor,,S003,"
        ",,,,10,,,,,,,sch-1,,student\n"
    )
    report = load(loaded, read_path(delta))
    assert report.deleted == {"users": 1}
    assert _note_rows(loaded) == before
    assert [n.text for n in store.list(student_id="stu-3")] == ["stu-3 leaves the district below"]
    assert store.get(kept.id).text == "v2"


_OLD_NOTE = (
    "INSERT INTO notes (id, student_id, author_id, contact_date, type, flags, class_id, text, "
    "follow_up, status, created_at, updated_at, deleted, deleted_at, revision) VALUES "
    "(:id, :sid, 'cns-1', '2026-09-20', 'student_meeting', '[\"LOW_GRADE\"]', NULL, :text, "
    ":follow, :status, '2026-10-01 13:00:00', :updated, :deleted, :deleted_at, :rev)"
)
_OLD_REVISION = (
    "INSERT INTO note_revisions (note_id, revision, student_id, author_id, contact_date, type, "
    "flags, class_id, text, follow_up, status, created_at, updated_at, deleted, deleted_at, "
    "replaced_at) VALUES (:id, :rev, 'stu-1', 'cns-1', '2026-09-20', 'student_meeting', "
    "'[\"LOW_GRADE\"]', NULL, :text, '2026-10-01', 'open', '2026-10-01 13:00:00', "
    "'2026-10-01 13:00:00', false, NULL, :replaced)"
)


def test_schema_upgrade_keeps_notes_and_revisions(db_url):
    """Notes written at 0002 (raw SQL: today's store writes today's columns) read back the
    same after every later migration, with the columns added since empty or defaulted."""
    engine = make_engine(db_url)
    try:
        load_at(engine, read_path(MIN_DATA), "0002")
        assert current_revision(engine) == "0002"
        with engine.begin() as conn:
            conn.execute(text(_OLD_NOTE), dict(
                id=1, sid="stu-1", text="v2", follow="2026-10-01", status="done",
                updated="2026-10-01 13:00:02", deleted=False, deleted_at=None, rev=3))
            conn.execute(text(_OLD_REVISION), dict(id=1, rev=1, text="v1",
                                                   replaced="2026-10-01 13:00:01"))
            conn.execute(text(_OLD_REVISION), dict(id=1, rev=2, text="v2",
                                                   replaced="2026-10-01 13:00:02"))
            conn.execute(text(_OLD_NOTE), dict(
                id=2, sid="stu-2", text="deleted one", follow=None, status="open",
                updated="2026-10-01 13:00:03", deleted=True, deleted_at="2026-10-01 13:00:03",
                rev=2))
            conn.execute(text(
                "INSERT INTO note_drafts (author_id, student_id, note_key, payload, saved_at) "
                "VALUES ('cns-1', 'stu-1', 1, '{\"text\": \"draft\"}', '2026-10-01 13:00:04')"))
            conn.execute(text(  # the 0002 audit_log (no status column yet)
                "INSERT INTO audit_log (at, actor, action, scope, format, path, count) VALUES "
                "('2026-10-01 12:00:00', 'cns-1', 'export', 'all', 'json', '/x.json', 2)"))
        before = _note_rows(engine, since_0002=False)

        migrate(engine)  # to head (later migrations run here)
        assert current_revision(engine) == HEAD
        assert _note_rows(engine, since_0002=False) == before
        store = NotesStore(engine, clock=Clock())
        a, b = store.get(1), store.get(2)
        assert (a.text, a.status.value, a.revision, a.flags) == ("v2", "done", 3, ("LOW_GRADE",))
        assert a.method is None and a.outcome is None
        assert (a.updated_by, b.updated_by) == ("cns-1", "cns-1")  # 0011: the author
        assert b.deleted and [n.id for n in store.list(include_deleted=True)] == [2, 1]
        assert [r.note.text for r in store.revisions(1)] == ["v1", "v2"]
        assert store.load_draft("cns-1", "stu-1", 1) is not None
        [entry] = store.audit()  # exported before audit-first: it was written, so "ok"
        assert entry.status.value == "ok" and entry.count == 2
        assert store.update(1, method="phone", outcome="reached").method.value == "phone"
    finally:
        engine.dispose()


def _diff_table(diff: tuple) -> str | None:
    """The table an Alembic autogenerate diff is about."""
    kind, obj = diff[0], diff[1]
    if kind in ("add_table", "remove_table"):
        return obj.name
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        return diff[2]
    table = getattr(obj, "table", None)
    if table is None:
        table = getattr(obj, "parent", None)
    return getattr(table, "name", None)


def test_migration_matches_the_note_tables(engine):
    """0002 creates exactly what the SQLModel tables describe (no autogenerate drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, METADATA)

    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if _diff_table(d) in NOTE_TABLES] == []
    with engine.connect() as conn:
        from sqlalchemy import inspect

        insp = inspect(conn)
        names = {ix["name"] for ix in insp.get_indexes("notes")}
        assert {"ix_notes_student_date", "ix_notes_follow_up"} <= names
