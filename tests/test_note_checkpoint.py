"""A note write never runs the WAL's checkpoint (issue 13: a note never waits more than a
second behind an import).

A SQLite commit that finds the WAL past ``wal_autocheckpoint`` pages copies it into the cache
file and syncs it before it returns, and while an import applies its stage the WAL always is:
the note writer paid for the import's checkpoints (0.1-0.3 s per note at 22,500 students,
over a second at 75,000). Note writes (``caseload.store.handoff.writing``) leave the
checkpoint to the other writers; the connection's setting is back for its next transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from caseload.domain.notes import NoteType
from caseload.services.context import open_workspace
from caseload.services.notes import NewNote, add_note
from caseload.store import handoff
from caseload.store.engine import make_engine


def _autocheckpoint(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_a_note_writes_transaction_runs_no_checkpoint_and_the_next_one_does(
    new_cache: Path,
) -> None:
    engine = make_engine(f"sqlite:///{new_cache}")
    try:
        assert _autocheckpoint(engine) == 1000
        with handoff.writing(engine):
            assert _autocheckpoint(engine) == 0
            assert _autocheckpoint(engine) == 0  # (set once per connection)
        assert _autocheckpoint(engine) == 1000
        assert not handoff.NOTE_WRITE.get()
    finally:
        engine.dispose()


def test_a_note_saved_while_the_wal_is_full_leaves_the_checkpoint_to_others(
    sample_cache: Path,
) -> None:
    # An import's pages waiting in the WAL, well past the 1,000-page auto-checkpoint: written
    # by a connection that never checkpoints and stays open (closing the last connection
    # would checkpoint).
    other = sqlite3.connect(sample_cache)
    other.execute("PRAGMA wal_autocheckpoint=0")
    other.execute("CREATE TABLE scratch (x BLOB)")
    other.executemany("INSERT INTO scratch VALUES (?)", [(b"\0" * 4000,) for _ in range(2000)])
    other.commit()
    before = sample_cache.stat().st_size
    ws = open_workspace(f"sqlite:///{sample_cache}")
    try:
        with ws.engine.connect() as conn:
            student = conn.execute(
                text("SELECT sourced_id FROM users WHERE role = 'student' LIMIT 1")
            ).scalar_one()
        add_note(ws, NewNote(student, NoteType.STUDENT_MEETING, "met", author_id="cns-1"))
        assert sample_cache.stat().st_size == before  # nothing copied into the cache file

        with ws.engine.begin() as conn:  # any other write checkpoints as before
            conn.execute(text("DELETE FROM scratch WHERE rowid = 1"))
        assert sample_cache.stat().st_size > before + 4_000_000
        with ws.engine.connect() as conn:
            notes = conn.execute(text("SELECT count(*) FROM notes")).scalar_one()
        assert notes >= 1
    finally:
        ws.engine.dispose()
        other.close()
