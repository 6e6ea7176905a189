"""Who last changed a note (``updated_by``, revision 0011) and the conflict that says so in
plain words: store and services, on SQLite and PostgreSQL (the ``engine``/``db_url``
fixtures are parametrized)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.config import Config
from caseload.domain.notes import NoteConflict, NoteType, clock_words, when_words
from caseload.services import notes as notes_service
from caseload.services.context import Workspace
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.engine import current_revision, make_engine, migrate
from caseload.store.notes import NotesStore
from caseload.store.schema_version import HEAD
from tests.migrations import load_at
from tests.paths import MIN_DATA

NOW = dt.datetime(2026, 10, 1, 18, 14, tzinfo=dt.UTC)


@pytest.fixture
def loaded(engine, tmp_path: Path):
    data = tmp_path / "export"
    shutil.copytree(MIN_DATA, data)
    load(engine, read_path(data))
    return engine


def test_every_save_records_who(loaded):
    store = NotesStore(loaded, clock=lambda: NOW)
    note = store.add(student_id="stu-1", author_id="cns-1", type="other", text="v1",
                     contact_date=dt.date(2026, 10, 1))
    assert note.updated_by == "cns-1"  # a new note: its author
    edited = store.update(note.id, text="v2", updated_by="tch-1")
    assert edited.updated_by == "tch-1"
    assert store.delete(note.id, updated_by="cns-1").updated_by == "cns-1"
    assert store.restore(note.id).updated_by == "unknown"  # nobody named: not the author
    # each revision keeps who saved that version
    assert [r.note.updated_by for r in store.revisions(note.id)] == ["cns-1", "tch-1", "cns-1"]


def test_conflict_names_who_and_when_in_plain_words(loaded):
    store = NotesStore(loaded, clock=lambda: NOW)
    note = store.add(student_id="stu-1", author_id="cns-1", type="other", text="mine",
                     contact_date=dt.date(2026, 10, 1))
    store.update(note.id, text="theirs", updated_by="tch-1")
    with pytest.raises(NoteConflict) as caught:
        store.update(note.id, expected_revision=1, text="mine, edited", updated_by="cns-1")
    conflict = caught.value
    assert (conflict.changed_by, conflict.changed_by_name) == ("tch-1", "Tina Teach")
    assert conflict.changed_at == NOW
    assert conflict.current is not None and conflict.current.text == "theirs"
    today = NOW.astimezone().date()
    words = conflict.plain_words(today, me="cns-1")
    assert words == f"Tina Teach changed this note at {clock_words(NOW)} today"
    assert "tch-1" not in words and "revision" not in words
    assert conflict.plain_words(today + dt.timedelta(days=1)).endswith("yesterday")
    # the one who changed it is me (another window); someone the cache does not know
    assert conflict.plain_words(today, me="tch-1").startswith(
        "You changed this note in another window at ")
    store.update(note.id, text="by a stranger", updated_by="x-404")
    with pytest.raises(NoteConflict) as caught:
        store.update(note.id, expected_revision=2, text="Xylophone secret")
    assert caught.value.plain_words(today).startswith("Someone changed this note at ")
    assert "stranger" not in str(caught.value) and "Xylophone" not in str(caught.value)
    store.delete(note.id, updated_by="tch-1")
    with pytest.raises(NoteConflict) as caught:
        store.update(note.id, expected_revision=3, text="late")
    assert caught.value.plain_words(today).startswith("Tina Teach deleted this note at ")


def test_services_record_me_on_every_edit(loaded):
    ws = Workspace(loaded, Config(me="cns-1"))
    note = notes_service.add_note(ws, notes_service.NewNote(
        student_id="stu-1", type=NoteType.OTHER, text="x", contact_date=dt.date(2026, 10, 1),
        author_id="tch-1"))
    assert note.updated_by == "tch-1"
    assert notes_service.edit_note(ws, note.id, text="y").updated_by == "cns-1"
    assert notes_service.mark_done(ws, note.id).updated_by == "cns-1"
    assert notes_service.delete_note(ws, note.id).updated_by == "cns-1"
    other = Workspace(loaded, Config())
    assert notes_service.restore_note(other, note.id).updated_by == "unknown"
    with pytest.raises(NoteConflict) as caught:
        notes_service.edit_note(other, note.id, expected_revision=1, text="z")
    assert caught.value.changed_by_name is None  # "unknown" is no one in the cache


def test_when_words_other_days():
    at = dt.datetime(2026, 11, 16, 19, 5, tzinfo=dt.UTC)
    local = at.astimezone()
    today = local.date() + dt.timedelta(days=4)
    assert when_words(at, today) == (
        f"on {local:%a} {local.month}/{local.day} at {clock_words(at)}")
    assert when_words(at, today.replace(year=today.year + 1)).startswith(
        f"on {local:%a} {local.month}/{local.day}/{local.year} at ")
    assert clock_words(dt.datetime(2026, 1, 1, 0, 5).astimezone()) == "12:05 AM"


def test_upgrade_backfills_updated_by_with_the_author(db_url):
    engine = make_engine(db_url)
    try:
        load_at(engine, read_path(MIN_DATA), "0009")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO notes (id, student_id, author_id, contact_date, type, flags, "
                "text, status, created_at, updated_at, deleted, revision) VALUES (1, 'stu-1', "
                "'cns-1', '2026-09-20', 'other', '[]', 'old', 'open', '2026-10-01 13:00:00', "
                "'2026-10-01 13:00:01', false, 2)"))
            conn.execute(text(
                "INSERT INTO note_revisions (note_id, revision, student_id, author_id, "
                "contact_date, type, flags, text, status, created_at, updated_at, deleted, "
                "replaced_at) VALUES (1, 1, 'stu-1', 'cns-1', '2026-09-20', 'other', '[]', "
                "'older', 'open', '2026-10-01 13:00:00', '2026-10-01 13:00:00', false, "
                "'2026-10-01 13:00:01')"))
        migrate(engine)
        assert current_revision(engine) == HEAD  # 0011 and every later revision
        with engine.connect() as conn:
            assert conn.execute(text("SELECT updated_by FROM notes")).scalar_one() == "cns-1"
            assert conn.execute(text(
                "SELECT updated_by FROM note_revisions")).scalar_one() == "cns-1"
        store = NotesStore(engine, clock=lambda: NOW)
        assert store.get(1).updated_by == "cns-1"
        with pytest.raises(NoteConflict) as caught:
            store.update(1, expected_revision=1, text="new")
        assert caught.value.changed_by_name == "Carl Counsel"
    finally:
        engine.dispose()
