"""Writes never fail under load (issue 13), on SQLite and PostgreSQL: notes written while an
import runs are all there afterwards, no writer fails and nothing prints a traceback or a
note's text; a second import waits for the first (saying whose it is) or refuses cleanly.

The imports are of a small generated school (tests/templates.py: ``small_school``, written once
per session; each test gets a copy of a cache that already holds it, so every import here is a
re-import, as on the sample before). Overlap is made by conditions, never hoped for from a big
import's length: the import under test runs through tests/gated_import.py, which holds it once
it has its import lock (its row written) until the test opens the gate, and keeps it from
letting the lock go until the test says its writers are done. No timing is asserted: the tests
poll for conditions (a file, the lock's row, a line on stderr), never fixed pauses."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseload.domain.notes import NoteType
from caseload.services.context import open_workspace
from caseload.services.notes import NewNote, add_note
from caseload.store import import_lock
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import REPO
from tests.waiting import wait_for

T = METADATA.tables
WRITERS = 20
NOTES_EACH = 3
CLI_WRITERS = 3
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def school(shared_dir: Path) -> Path:
    """The small generated school's CSV folder (read-only)."""
    return tpl.small_school(shared_dir)


def _lock_held(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(T["import_lock"])).scalar_one() > 0


_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    """A failing test leaves no import waiting at its gate."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _cli(url: str, *args: str, stderr: Path | None = None,
         gate: Path | None = None) -> subprocess.Popen[str]:
    """``caseload --db URL ARGS`` in its own process; with ``gate``, through
    tests/gated_import.py (the import waits at the gate's files)."""
    head = ["-m", "tests.gated_import", str(gate)] if gate else ["-m", "caseload"]
    proc = subprocess.Popen(
        [sys.executable, *head, "--db", url, *args],
        cwd=REPO, text=True, stdout=subprocess.PIPE,
        stderr=stderr.open("w") if stderr else subprocess.PIPE,
    )
    _started.append(proc)
    return proc


def _gate(tmp_path: Path) -> Path:
    gate = tmp_path / "gate"
    gate.mkdir()
    return gate


def _students(engine, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    users = T["users"]
    with engine.connect() as conn:
        return list(conn.execute(
            select(users.c.sourced_id).where(users.c.role == "student")
            .order_by(users.c.sourced_id).limit(n)
        ).scalars())


def test_notes_written_during_an_import_are_all_there(small_url, small_engine, school,
                                                       tmp_path):
    """Each of 20 writers writes its first note while the import holds its lock before its
    load, and the rest (with 3 `caseload notes add` processes) once the load has begun; the
    import lets its lock go only after every writer is done."""
    students = _students(small_engine, WRITERS)
    assert len(students) == WRITERS
    gate = _gate(tmp_path)
    importer = _cli(small_url, "import", str(school), stderr=tmp_path / "import.err", gate=gate)
    wait_for(lambda: (gate / "held").exists() or importer.poll() is not None,
              "the import to hold its lock")
    assert importer.poll() is None, (tmp_path / "import.err").read_text()
    assert _lock_held(small_engine)

    failures: list[str] = []
    texts: list[str] = []
    first_written = threading.Barrier(WRITERS + 1)
    loading = threading.Event()

    def writer(i: int) -> None:
        try:
            ws = open_workspace(small_url)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            first_written.abort()  # the test fails at once instead of waiting for it
            return
        try:
            for k in range(NOTES_EACH):
                body = f"private concurrency note {i}-{k}"
                try:
                    add_note(ws, NewNote(students[i], NoteType.STUDENT_MEETING, body,
                                         author_id="cns-test"))
                except Exception as exc:  # every failure is the test's failure
                    failures.append(f"{type(exc).__name__}: {exc}")
                if k == 0:
                    first_written.wait()
                    loading.wait(timeout=600)
        except threading.BrokenBarrierError:
            failures.append(f"writer {i}: another writer failed to start")
        finally:
            ws.engine.dispose()

    for i in range(WRITERS):
        texts += [f"private concurrency note {i}-{k}" for k in range(NOTES_EACH)]
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    try:
        first_written.wait(timeout=600)  # every writer's first note, the import holding its lock
    except threading.BrokenBarrierError:
        loading.set()
        raise AssertionError(f"a writer failed: {failures}") from None
    assert importer.poll() is None and _lock_held(small_engine)
    (gate / "go").touch()  # the import loads now, while the writers go on
    loading.set()
    cli_writers = [
        _cli(small_url, "notes", "add", "--student", students[i], "--type",
             "student_meeting", "--text", f"private cli note {i}")
        for i in range(CLI_WRITERS)
    ]
    for t in threads:
        t.join()
    for p in cli_writers:
        _out, err = p.communicate()
        assert p.returncode == 0, err
        assert "Traceback" not in err and "private cli note" not in err
    # every note was written while the import ran (it waits at the gate's finish)
    assert importer.poll() is None, (tmp_path / "import.err").read_text()
    (gate / "finish").touch()
    importer.wait()
    import_err = (tmp_path / "import.err").read_text()
    assert importer.returncode == 0, import_err
    assert "Traceback" not in import_err
    assert failures == []

    notes = T["notes"]
    with small_engine.connect() as conn:
        stored = list(conn.execute(select(notes.c.text)).scalars())
    for body in [*texts, *(f"private cli note {i}" for i in range(CLI_WRITERS))]:
        assert stored.count(body) == 1, body


def test_a_second_import_waits_for_the_first_and_says_whose(small_url, small_engine, school,
                                                            tmp_path):
    runs = T["import_runs"]
    with small_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(runs)).scalar_one()
    err = tmp_path / "second.err"
    with import_lock.import_lock(small_engine, "a test holding the lock"):
        second = _cli(small_url, "import", str(school), stderr=err)
        wait_for(lambda: "waiting for the import started at" in err.read_text()
                  or second.poll() is not None, "the second import to say it waits")
        assert second.poll() is None  # still waiting
    second.wait()
    text = err.read_text()
    assert second.returncode == 0, text
    assert "waiting for the import started at" in text and "a test holding the lock" in text
    assert " by " in text and "Traceback" not in text
    with small_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar_one() == before + 1
        assert conn.execute(select(func.count()).select_from(T["import_lock"])).scalar_one() == 0


def test_an_import_asked_not_to_wait_refuses_naming_the_running_one(small_engine, school):
    from caseload.services.importing import import_into

    with import_lock.import_lock(small_engine, "caseload import elsewhere"):
        held = threading.Event()
        caught: list[BaseException] = []

        def other() -> None:
            try:
                import_into(small_engine, school, wait=False)
            except BaseException as exc:
                caught.append(exc)
            held.set()

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert len(caught) == 1 and isinstance(caught[0], import_lock.ImportRunning)
    message = str(caught[0])
    assert "another import is running" in message and "caseload import elsewhere" in message


def test_two_imports_at_once_both_finish(small_url, small_engine, school, tmp_path):
    """The first import holds its lock (gated) until the second, started meanwhile, says it
    waits for it: the two run at once, by condition."""
    runs = T["import_runs"]
    with small_engine.connect() as conn:
        before = conn.execute(
            select(func.count()).select_from(runs).where(runs.c.outcome == "ok")
        ).scalar_one()
    gate = _gate(tmp_path)
    first = _cli(small_url, "import", str(school), stderr=tmp_path / "1.err", gate=gate)
    wait_for(lambda: (gate / "held").exists() or first.poll() is not None,
              "the first import to hold its lock")
    assert first.poll() is None, (tmp_path / "1.err").read_text()
    second = _cli(small_url, "import", str(school), stderr=tmp_path / "2.err")
    wait_for(lambda: "waiting for the import started at" in (tmp_path / "2.err").read_text()
              or second.poll() is not None, "the second import to wait for the first")
    assert first.poll() is None and second.poll() is None  # both running at once
    (gate / "go").touch()
    (gate / "finish").touch()
    for p, name in ((first, "1.err"), (second, "2.err")):
        out, _ = p.communicate()
        err = (tmp_path / name).read_text()
        assert p.returncode == 0, err
        assert "Traceback" not in err
        assert "Refreshed facts for" in out
    with small_engine.connect() as conn:
        ok = conn.execute(
            select(func.count()).select_from(runs).where(runs.c.outcome == "ok")
        ).scalar_one()
    assert ok == before + 2


def test_a_busy_cache_fails_a_note_plainly_without_its_text(tmp_path, monkeypatch):
    """A note write that cannot get the cache within its bound: NotesBusy, no text, no
    traceback; nothing half-written."""
    from caseload.services import notes as notes_service
    from caseload.store import connect as connect_mod
    from caseload.store import engine as engine_mod

    monkeypatch.setattr(engine_mod, "RETRY_WITHIN", 0.2)
    monkeypatch.setattr(connect_mod, "BUSY_TIMEOUT", 0.05)
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
