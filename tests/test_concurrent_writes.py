"""Writes never fail under load (issue 13), on SQLite and PostgreSQL: notes written while an
import runs are all there afterwards, no writer fails and nothing prints a traceback or a
note's text; a second import waits for the first (saying whose it is) or refuses cleanly.

No timing is asserted: the tests wait for conditions (the import holding its lock, a line on
stderr) by polling, never for fixed pauses."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseload.domain.notes import NoteType
from caseload.services.context import open_workspace
from caseload.services.notes import NewNote, add_note
from caseload.store import import_lock
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests.paths import SAMPLE_DATA

T = METADATA.tables
WRITERS = 20
NOTES_EACH = 3
CLI_WRITERS = 3


def _wait_for(predicate: Callable[[], bool], what: str, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def _lock_held(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(T["import_lock"])).scalar_one() > 0


def _cli(url: str, *args: str, stderr: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "caseload", "--db", url, *args],
        cwd=SAMPLE_DATA.parent, text=True, stdout=subprocess.PIPE,
        stderr=stderr.open("w") if stderr else subprocess.PIPE,
    )


def _students(engine, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    users = T["users"]
    with engine.connect() as conn:
        return list(conn.execute(
            select(users.c.sourced_id).where(users.c.role == "student")
            .order_by(users.c.sourced_id).limit(n)
        ).scalars())


def test_notes_written_during_an_import_are_all_there(sample_url, sample_engine, tmp_path):
    students = _students(sample_engine, WRITERS)
    importer = _cli(sample_url, "import", str(SAMPLE_DATA), stderr=tmp_path / "import.err")
    _wait_for(lambda: _lock_held(sample_engine) or importer.poll() is not None,
              "the import to hold its lock")

    failures: list[str] = []
    texts: list[str] = []

    def writer(i: int) -> None:
        ws = open_workspace(sample_url)
        try:
            for k in range(NOTES_EACH):
                body = f"private concurrency note {i}-{k}"
                try:
                    add_note(ws, NewNote(students[i], NoteType.STUDENT_MEETING, body,
                                         author_id="cns-test"))
                except Exception as exc:  # every failure is the test's failure
                    failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            ws.engine.dispose()

    for i in range(WRITERS):
        texts += [f"private concurrency note {i}-{k}" for k in range(NOTES_EACH)]
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    cli_writers = [
        _cli(sample_url, "notes", "add", "--student", students[i], "--type",
             "student_meeting", "--text", f"private cli note {i}")
        for i in range(CLI_WRITERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in cli_writers:
        _out, err = p.communicate()
        assert p.returncode == 0, err
        assert "Traceback" not in err and "private cli note" not in err
    importer.wait()
    import_err = (tmp_path / "import.err").read_text()
    assert importer.returncode == 0, import_err
    assert "Traceback" not in import_err
    assert failures == []

    notes = T["notes"]
    with sample_engine.connect() as conn:
        stored = list(conn.execute(select(notes.c.text)).scalars())
    for body in [*texts, *(f"private cli note {i}" for i in range(CLI_WRITERS))]:
        assert stored.count(body) == 1, body


def test_a_second_import_waits_for_the_first_and_says_whose(sample_url, sample_engine,
                                                            tmp_path):
    runs = T["import_runs"]
    with sample_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(runs)).scalar_one()
    err = tmp_path / "second.err"
    with import_lock.import_lock(sample_engine, "a test holding the lock"):
        second = _cli(sample_url, "import", str(SAMPLE_DATA), stderr=err)
        _wait_for(lambda: "waiting for the import started at" in err.read_text()
                  or second.poll() is not None, "the second import to say it waits")
        assert second.poll() is None  # still waiting
    second.wait()
    text = err.read_text()
    assert second.returncode == 0, text
    assert "waiting for the import started at" in text and "a test holding the lock" in text
    assert " by " in text and "Traceback" not in text
    with sample_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar_one() == before + 1
        assert conn.execute(select(func.count()).select_from(T["import_lock"])).scalar_one() == 0


def test_an_import_asked_not_to_wait_refuses_naming_the_running_one(sample_engine):
    from caseload.services.importing import import_into

    with import_lock.import_lock(sample_engine, "caseload import elsewhere"):
        held = threading.Event()
        caught: list[BaseException] = []

        def other() -> None:
            try:
                import_into(sample_engine, SAMPLE_DATA, wait=False)
            except BaseException as exc:
                caught.append(exc)
            held.set()

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(caught) == 1 and isinstance(caught[0], import_lock.ImportRunning)
    message = str(caught[0])
    assert "another import is running" in message and "caseload import elsewhere" in message


def test_two_imports_at_once_both_finish(sample_url, sample_engine, tmp_path):
    runs = T["import_runs"]
    with sample_engine.connect() as conn:
        before = conn.execute(
            select(func.count()).select_from(runs).where(runs.c.outcome == "ok")
        ).scalar_one()
    first = _cli(sample_url, "import", str(SAMPLE_DATA), stderr=tmp_path / "1.err")
    second = _cli(sample_url, "import", str(SAMPLE_DATA), stderr=tmp_path / "2.err")
    for p, name in ((first, "1.err"), (second, "2.err")):
        out, _ = p.communicate()
        err = (tmp_path / name).read_text()
        assert p.returncode == 0, err
        assert "Traceback" not in err
        assert "Refreshed facts for" in out
    with sample_engine.connect() as conn:
        ok = conn.execute(
            select(func.count()).select_from(runs).where(runs.c.outcome == "ok")
        ).scalar_one()
    assert ok == before + 2


def test_a_busy_cache_fails_a_note_plainly_without_its_text(tmp_path, monkeypatch):
    """A note write that cannot get the cache within its bound: NotesBusy, no text, no
    traceback; nothing half-written."""
    from caseload.services import notes as notes_service
    from caseload.store import engine as engine_mod

    monkeypatch.setattr(engine_mod, "RETRY_WITHIN", 0.2)
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT", 0.05)
    path = tmp_path / "busy.db"
    eng = make_engine(f"sqlite:///{path}")
    engine_mod.migrate(eng)
    with eng.begin() as conn:
        conn.execute(T["users"].insert(), {"sourced_id": "stu-1", "role": "student",
                                           "given_name": "A", "family_name": "B"})
    ws = open_workspace(str(path))
    blocker = make_engine(f"sqlite:///{path}")
    with blocker.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        with pytest.raises(notes_service.NotesBusy) as caught:
            add_note(ws, NewNote("stu-1", NoteType.STUDENT_MEETING, "secret words here",
                                 author_id="cns-1"))
        conn.exec_driver_sql("ROLLBACK")
    assert "secret words" not in str(caught.value)
    assert "busy" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
