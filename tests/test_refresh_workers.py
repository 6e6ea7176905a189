"""The full facts refresh in worker processes (``caseload.store.refresh_pool``, issue 13).

Workers must write exactly the facts the one-process refresh writes (both backends), each
writing the chunks it computed; a worker that dies leaves its chunks to the calling process,
which finishes them; an error raised in a
worker is raised in the caller; ``$CASELOAD_REFRESH_WORKERS`` is read strictly. Each of these
holds for forked workers and spawned ones (``refresh_pool.start_method``).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from caseload.config import ConfigError
from caseload.domain.settings import Thresholds
from caseload.store import facts as mat
from caseload.store import refresh_pool
from caseload.store.facts_rows import Written, computed_here
from tests import templates as tpl
from tests.forked_refresh import refresh_with_spy

TABLES = ("mat_student", "mat_class", "mat_class_facts")
SMALL = 7  # students per chunk


def _facts(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in TABLES
        }


def _written(rows: list[Any]) -> list[Written]:
    """What writing each chunk's ``rows`` (``computed_here``'s) reports."""
    return [Written([r["student_id"] for r in sr], heads, len(cr)) for sr, heads, cr in rows]


def _with_facts(engine: Any) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT student_id FROM mat_student")).scalars())


def _student_ids(engine: Any) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT sourced_id FROM users WHERE role = 'student' ORDER BY sourced_id")
            ).scalars()
        )


@pytest.fixture(params=["fork", "spawn"])
def start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Workers started each way (fork only where the platform has it)."""
    method: str = request.param
    if method == "fork" and not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    monkeypatch.setattr(refresh_pool, "start_method", lambda: method)
    return method


@pytest.mark.parametrize("chunks", [2, 3])
def test_workers_write_the_facts_one_process_writes(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch, start: str, chunks: int
) -> None:
    """Three chunks: one worker gets two; two: forked, the calling process computes one."""
    chunk = len(_student_ids(small_engine)) // chunks + 1
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "1")
    here = mat.refresh_detail(small_engine, Thresholds(), full=True, chunk=chunk)
    expected = _facts(small_engine)
    assert all(expected[t] for t in TABLES)

    with small_engine.begin() as conn:  # nothing left over: the workers must write it all
        for t in TABLES:
            conn.execute(text(f"DELETE FROM {t}"))
    calls: list[int] = []
    done: list[int] = []
    real = refresh_pool.computed

    def spy(engine: Any, thresholds: Any, parts: Any, workers: int, **kw: Any) -> Iterator[Any]:
        calls.append(workers)
        for i, rows in real(engine, thresholds, parts, workers, **kw):
            done.append(i)
            yield i, rows

    monkeypatch.setattr(refresh_pool, "computed", spy)
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "2")
    there = mat.refresh_detail(small_engine, Thresholds(), full=True, chunk=chunk)

    assert calls == [2]
    assert sorted(done) == list(range(chunks))
    assert there.students == here.students and there.full
    assert _facts(small_engine) == expected


class _Dies(str):
    """A student id whose unpickling ends the process it is sent to (``os._exit``): a worker
    killed before its first chunk, as the kernel's out-of-memory killer would."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))


def test_a_worker_that_dies_leaves_its_chunks_to_the_caller(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    engine = create_engine(f"sqlite:///{cache}")
    ids = _student_ids(engine)[: 4 * SMALL]
    parts = [ids[i : i + SMALL] for i in range(0, len(ids), SMALL)]
    expected = list(computed_here(engine, Thresholds(), parts))
    doomed = [list(p) for p in parts]
    doomed[-1][0] = _Dies(doomed[-1][0])  # in the second worker's run of chunks
    real = refresh_pool.compute_part

    def compute_part(reader: Any, part: list[str], thresholds: Any) -> Any:
        if isinstance(part[0], _Dies):  # a forked worker is handed the part, not unpickling it
            os._exit(3)
        return real(reader, part, thresholds)

    monkeypatch.setattr(refresh_pool, "compute_part", compute_part)
    from caseload.store import facts_rows

    here = facts_rows.computed_here
    left_here: list[list[str]] = []

    def computed_here_spy(engine: Any, thresholds: Any, todo: Any, **kw: Any) -> Any:
        left_here.extend(list(p) for p in todo)
        return here(engine, thresholds, todo, **kw)

    monkeypatch.setattr(facts_rows, "computed_here", computed_here_spy)

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM mat_student"))
    got = dict(refresh_pool.computed(engine, Thresholds(), doomed, 2))

    assert left_here and left_here[-1] == doomed[-1]  # the worker died: its chunks done here
    assert sorted(got) == list(range(len(parts)))
    assert [got[i] for i in range(len(parts))] == _written(expected)
    assert _with_facts(engine) == set(ids)  # every chunk written, the dead worker's here
    engine.dispose()


def test_an_error_in_a_worker_is_raised_in_the_caller(tmp_path: Path, start: str) -> None:
    """The worker's own error, raised in the calling process: a forked worker connects
    through the caller's engine (SQLite cannot open the file), a spawned one makes its engine
    first (``make_engine`` cannot make the file's folder)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    engine = create_engine(f"sqlite:///{blocker / 'cache.db'}")  # (no connection made here)
    expected = OperationalError if start == "fork" else FileExistsError
    parts = [["stu-1"], ["stu-2"], ["stu-3"]]  # (two chunks: forked, the caller computes one)
    with pytest.raises(expected):
        list(refresh_pool.computed(engine, Thresholds(), parts, 2))


def _starts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The worker processes started from here on, as they are started."""
    started: list[Any] = []
    start = multiprocessing.process.BaseProcess.start

    def recorded(p: Any) -> None:
        started.append(p)
        start(p)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", recorded)
    return started


def _computed_here(monkeypatch: pytest.MonkeyPatch, fails: list[str] | None = None) -> list[Any]:
    """The parts ``refresh_pool.compute_part`` is called with in this process (a forked
    worker's calls land in its own copy of the list); raises for the part ``fails``."""
    here: list[Any] = []
    real = refresh_pool.compute_part

    def compute_part(reader: Any, part: list[str], thresholds: Any) -> Any:
        here.append(list(part))
        if part == fails:
            raise RuntimeError("the caller's own chunk failed")
        return real(reader, part, thresholds)

    monkeypatch.setattr(refresh_pool, "compute_part", compute_part)
    return here


def test_with_one_chunk_a_worker_the_caller_computes_the_last(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    """Forked workers with one chunk each (500 to 999 students on two cores) leave the last
    chunk to the calling process, one worker fewer to start, which writes it in its turn
    (SQLite); spawned ones (the app's refresh, in a thread beside its screen) take every
    chunk, and so do forked ones with more chunks than one each."""
    ids = _student_ids(small_engine)[: 3 * SMALL]
    two = [ids[:SMALL], ids[SMALL : 2 * SMALL]]
    three = [ids[i : i + SMALL] for i in range(0, 3 * SMALL, SMALL)]
    for parts in (two, three):
        expected = list(computed_here(small_engine, Thresholds(), parts))
        with small_engine.begin() as conn:
            conn.execute(text("DELETE FROM mat_student"))
        with monkeypatch.context() as spies:
            started, here = _starts(spies), _computed_here(spies)
            got = dict(refresh_pool.computed(small_engine, Thresholds(), parts, 2))
        assert [got[i] for i in range(len(parts))] == _written(expected)
        assert _with_facts(small_engine) == {s for part in parts for s in part}
        by_caller = start == "fork" and parts is two
        assert len(started) == (1 if by_caller else 2)
        assert here == ([parts[-1]] if by_caller else [])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_an_error_in_the_callers_own_chunk_stops_the_worker(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "fork")
    ids = _student_ids(small_engine)[: 2 * SMALL]
    parts = [ids[:SMALL], ids[SMALL:]]
    started, here = _starts(monkeypatch), _computed_here(monkeypatch, fails=parts[1])
    with pytest.raises(RuntimeError, match="the caller's own chunk failed"):
        list(refresh_pool.computed(small_engine, Thresholds(), parts, 2))
    assert here == [parts[1]]
    assert len(started) == 1 and not any(p.is_alive() for p in started)


def test_workers_fork_only_from_a_process_of_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert refresh_pool.start_method() == "spawn"  # (the app runs its refresh in a thread)
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(refresh_pool.threading, "active_count", lambda: 1)
    expected = "fork" if sys.platform.startswith("linux") else "spawn"
    assert refresh_pool.start_method() == expected


def test_workers_are_forked_only_when_no_sqlite_connection_is_in_use(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked worker inherits SQLite's per-process lock state of the cache's open
    connections: the caller closes its pooled ones first, and with one in use it spawns."""
    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    engine = create_engine(f"sqlite:///{cache}")
    ids = _student_ids(engine)[: 2 * SMALL]
    parts = [ids[:SMALL], ids[SMALL:]]
    expected = list(computed_here(engine, Thresholds(), parts))
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "fork")
    asked: list[str] = []
    real = multiprocessing.get_context

    def get_context(method: str) -> Any:
        asked.append(method)
        return real(method)

    monkeypatch.setattr(refresh_pool.multiprocessing, "get_context", get_context)
    with engine.connect() as held:
        held.execute(text("SELECT 1"))
        got = dict(refresh_pool.computed(engine, Thresholds(), parts, 2))
    assert asked == ["spawn"] and [got[0], got[1]] == _written(expected)
    asked.clear()
    got = dict(refresh_pool.computed(engine, Thresholds(), parts, 2))
    assert asked == ["fork"] and [got[0], got[1]] == _written(expected)
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    engine.dispose()


class Daemonic:
    daemon = True


def test_how_many_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(refresh_pool.ENV_WORKERS, raising=False)
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "spawn")  # (the app's case)
    monkeypatch.setattr(refresh_pool, "_cores", lambda: 16)
    on_disk = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    in_memory = create_engine("sqlite://")
    few, many = refresh_pool.MIN_STUDENTS - 1, refresh_pool.MIN_STUDENTS
    assert refresh_pool.workers_for(on_disk, few) == 1
    assert refresh_pool.workers_for(on_disk, many) == refresh_pool.MAX_WORKERS
    monkeypatch.setattr(refresh_pool, "_cores", lambda: 2)
    assert refresh_pool.workers_for(on_disk, many) == 2
    assert refresh_pool.workers_for(in_memory, many) == 1  # no other process can open it
    with monkeypatch.context() as m:  # a daemonic multiprocessing worker may not start any
        m.setattr(refresh_pool.multiprocessing, "current_process", lambda: Daemonic())
        assert refresh_pool.workers_for(on_disk, many) == 1
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, " 3 ")
    assert refresh_pool.workers_for(on_disk, few) == 3
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "1")
    assert refresh_pool.workers_for(on_disk, many) == 1
    for bad in ("0", "-2", "two", "1.5"):
        monkeypatch.setenv(refresh_pool.ENV_WORKERS, bad)
        with pytest.raises(ConfigError, match=r"\$CASELOAD_REFRESH_WORKERS is .*whole number"):
            refresh_pool.workers_for(on_disk, many)


def test_forked_workers_start_at_two_chunks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A forked worker starts at once (the modules are imported already), so a refresh of
    ``MIN_FORKED`` students (two chunks) uses workers when they can be forked; spawned, each
    costs about a second: ``MIN_STUDENTS``. A SQLite connection in use means spawning (its
    lock state must not cross the fork), hence the higher bar too."""
    monkeypatch.delenv(refresh_pool.ENV_WORKERS, raising=False)
    monkeypatch.setattr(refresh_pool, "_cores", lambda: 2)
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "fork")
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    few, two_chunks = refresh_pool.MIN_FORKED - 1, refresh_pool.MIN_FORKED
    assert two_chunks == 2 * mat.CHUNK
    assert refresh_pool.forks(engine)
    assert refresh_pool.workers_for(engine, few) == 1
    assert refresh_pool.workers_for(engine, two_chunks) == 2
    with engine.connect():  # in use: the workers would be spawned
        assert not refresh_pool.forks(engine)
        assert refresh_pool.workers_for(engine, two_chunks) == 1
        assert refresh_pool.workers_for(engine, refresh_pool.MIN_STUDENTS) == 2
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "spawn")
    assert not refresh_pool.forks(engine)
    assert refresh_pool.workers_for(engine, refresh_pool.MIN_STUDENTS - 1) == 1
    engine.dispose()


def test_worker_chunks_are_even_and_at_most_worker_chunk() -> None:
    """Each worker of a full refresh gets as many chunks as the others (the last one may
    be short), of at most ``WORKER_CHUNK`` students (one chunk of 500 costs fewer
    instructions a student than two of 250); two workers at 500 students still get a chunk
    each."""
    assert mat.worker_chunk(500, 2) == mat.CHUNK
    assert mat.worker_chunk(5_000, 2) == mat.WORKER_CHUNK
    assert mat.worker_chunk(2_500, 2) == 417  # 6 chunks, 3 each (not 5 of 500: 3 and 2)
    for workers in range(2, refresh_pool.MAX_WORKERS + 1):
        for students in range(1, 20_000, 97):
            size = mat.worker_chunk(students, workers)
            parts = -(-students // size)
            each = -(-students // (workers * mat.WORKER_CHUNK))
            assert 1 <= size <= mat.WORKER_CHUNK
            assert parts <= workers * each  # (no worker left one chunk more than the rest
            assert parts > workers * (each - 1)  # beyond the last, shorter one)


def test_a_full_refresh_by_workers_uses_worker_chunks(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunks handed to the workers are ``worker_chunk``'s; a refresh in one process
    keeps ``CHUNK``."""
    sizes: list[list[int]] = []

    def computed(engine: Any, thresholds: Any, parts: Any, workers: int, **kw: Any) -> Any:
        sizes.append([len(p) for p in parts])
        yield from ()

    monkeypatch.setattr(refresh_pool, "computed", computed)
    monkeypatch.setattr(mat, "WORKER_CHUNK", 3)
    students = len(_student_ids(small_engine))
    monkeypatch.setattr(refresh_pool, "workers_for", lambda engine, n: 2)
    mat.refresh_detail(small_engine, Thresholds(), full=True)
    size = mat.worker_chunk(students, 2)
    assert size <= 3
    assert sizes == [[size] * (students // size) + ([students % size] if students % size else [])]
    n = len(sizes[0])  # each worker's run (refresh_pool.computed's): within a chunk
    shares = [sum(sizes[0][k * n // 2:(k + 1) * n // 2]) for k in range(2)]
    assert max(shares) - min(shares) <= size

    monkeypatch.setattr(refresh_pool, "workers_for", lambda engine, n: 1)
    seen: list[int] = []
    real = mat.computed_here

    def here(engine: Any, thresholds: Any, parts: Any, **kw: Any) -> Any:
        seen.extend(len(p) for p in parts)
        return real(engine, thresholds, parts, **kw)

    monkeypatch.setattr(mat, "computed_here", here)
    mat.refresh_detail(small_engine, Thresholds(), full=True)
    assert max(seen) == min(students, mat.CHUNK)


_INHERITS = """
assert not any(m in sys.modules for m in refresh_pool.COMPUTE_MODULES), "imported already"
work = refresh_pool._work


def spy(source, thresholds, todo, out, *args):
    with open(sys.argv[2], "a") as seen:  # (before the worker imports anything)
        seen.write(str(all(m in sys.modules for m in refresh_pool.COMPUTE_MODULES)) + "\\n")
    work(source, thresholds, todo, out, *args)


refresh_pool._work = spy
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_forked_workers_inherit_the_modules_a_chunk_is_computed_with(
    shared_dir: Path, tmp_path: Path
) -> None:
    """The calling process imports ``COMPUTE_MODULES`` (numpy's among them) before it forks:
    each worker starts with them instead of importing them itself, two at once."""
    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    seen = tmp_path / "seen.txt"
    # (a new interpreter: this one has imported them all)
    refresh_with_spy(_INHERITS, cache, seen, chunk=3)
    assert seen.read_text().split() == ["True", "True"]


_ENGINE = """
from sqlalchemy.engine import Engine
from caseload.store import connect

work, make = refresh_pool._work, connect.make_engine


def spy(source, *args):
    log(type(source).__name__)
    work(source, *args)


def made(*args, **kwargs):
    log("make_engine")
    return make(*args, **kwargs)


refresh_pool._work, connect.make_engine = spy, made
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_forked_workers_use_the_calling_process_engine(shared_dir: Path, tmp_path: Path) -> None:
    """A forked worker is handed the calling process's engine, whose dialect is set up
    already, and replaces its pool; it makes no engine of its own (a new one's first
    connection made its set-up queries again: 4-5 ms of a worker's start on PostgreSQL)."""
    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    seen = tmp_path / "seen.txt"
    caller = refresh_with_spy(_ENGINE, cache, seen, chunk=3)
    lines = [line.split() for line in seen.read_text().splitlines()]
    assert sorted(what for pid, what in lines if pid != caller) == ["Engine", "Engine"]


_CONNECTS = """
from sqlalchemy import event
from sqlalchemy.pool import Pool


@event.listens_for(Pool, "connect")
def connected(dbapi_connection, record):
    log("connect")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_a_worker_writes_through_the_connection_it_reads_with(
    shared_dir: Path, tmp_path: Path
) -> None:
    """Each worker makes one connection, for its reads and its writes (a second one, made
    for its first write, took 5-10 ms of a worker on PostgreSQL)."""
    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    seen = tmp_path / "seen.txt"
    caller = refresh_with_spy(_CONNECTS, cache, seen, chunk=3)
    made: dict[str, int] = {}
    for line in seen.read_text().splitlines():
        pid, _ = line.split()
        made[pid] = made.get(pid, 0) + 1
    assert sorted(n for pid, n in made.items() if pid != caller) == [1, 1]


_FLUSHES = """
import multiprocessing.queues
from sqlalchemy.engine import Engine

def logged(name, real):
    def call(self, *args, **kwargs):
        log(name)
        return real(self, *args, **kwargs)
    return call

multiprocessing.queues.Queue.put = logged("put", multiprocessing.queues.Queue.put)
multiprocessing.queues.Queue.join_thread = logged(
    "flushed", multiprocessing.queues.Queue.join_thread)
Engine.dispose = logged("dispose", Engine.dispose)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_a_worker_sends_its_last_report_before_it_ends(shared_dir: Path, tmp_path: Path) -> None:
    """A worker's reports go through its queue's feeder thread, which had the GIL only once
    the worker's own thread was done with its engine: the calling process, waiting for the
    last report to finish the refresh, got it about 0.01 s after the last chunk was written.
    Each worker now flushes its queue after its last report, before anything else."""
    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    seen = tmp_path / "seen.txt"
    caller = refresh_with_spy(_FLUSHES, cache, seen, chunk=3)
    by_worker: dict[str, list[str]] = {}
    for line in seen.read_text().splitlines():
        pid, what = line.split()
        by_worker.setdefault(pid, []).append(what)
    workers = {pid: calls for pid, calls in by_worker.items() if pid != caller}
    assert len(workers) == 2
    for calls in workers.values():
        assert calls.count("put") >= 2  # (several chunks each)
        assert calls[-3:] == ["put", "flushed", "dispose"], calls


def test_the_workers_are_awaited_after_the_state_is_written(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full refresh by workers writes the class rows and the state row once the last
    chunk is in, then waits for its workers to end (their exits pass meanwhile), and none is
    left running when it returns."""
    real = refresh_pool.computed
    state_when_done: list[int] = []
    procs = _starts(monkeypatch)

    def spy(engine: Any, thresholds: Any, parts: Any, workers: int, **kw: Any) -> Any:
        try:
            yield from real(engine, thresholds, parts, workers, **kw)
        finally:  # (the workers awaited: ``computed`` closed)
            with engine.connect() as conn:
                state_when_done.append(
                    conn.execute(text("SELECT count(*) FROM mat_state")).scalar_one()
                )

    with small_engine.begin() as conn:
        conn.execute(text("DELETE FROM mat_state"))
    monkeypatch.setattr(refresh_pool, "computed", spy)
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "2")
    chunk = len(_student_ids(small_engine)) // 3 + 1
    mat.refresh_detail(small_engine, Thresholds(), full=True, chunk=chunk)
    assert state_when_done == [1]
    assert len(procs) == 2 and not any(p.is_alive() for p in procs)


def test_workers_write_in_turn_and_a_lost_turn_does_not_stop_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``facts_rows.taking_turns``: a writer waits for the lock the workers share and holds it
    for its transaction; a lock never released (its holder killed) is waited for at most
    ``BUSY_TIMEOUT``, then the writer goes on without it (and leaves it as it was)."""
    from caseload.store import connect
    from caseload.store.facts_rows import taking_turns

    with taking_turns(None):  # (a refresh in one process: no lock)
        pass
    turn = multiprocessing.get_context("spawn").Lock()
    inside, leave = threading.Event(), threading.Event()

    def writer() -> None:
        with taking_turns(turn):
            inside.set()
            leave.wait(60)

    turn.acquire()
    other = threading.Thread(target=writer)
    other.start()
    try:
        assert not inside.is_set()
        turn.release()
        assert inside.wait(60)  # its turn came when the lock was released
        assert not turn.acquire(block=False)  # held while it writes
    finally:
        leave.set()
        other.join()
    assert turn.acquire(block=False)  # given back
    monkeypatch.setattr(connect, "BUSY_TIMEOUT", 0.01)
    with taking_turns(turn):  # held by "a killed worker": not waited for past the timeout
        went_on = True
    assert went_on
    assert not turn.acquire(block=False)  # still the killed worker's
    turn.release()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_the_workers_share_one_write_turn_on_sqlite_only(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite has one writer: the workers write in turn. PostgreSQL's workers write at once
    (their chunks' rows are distinct students': no lock of one waits for the other's), which
    took 0.03-0.04 s off a full refresh of 500 students, whose two workers' only chunks end
    together."""
    ids = _student_ids(small_engine)[: 2 * SMALL]
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "fork")  # (inherits the spy)
    real = refresh_pool.write_rows
    sqlite = small_engine.dialect.name == "sqlite"

    def write_rows(engine: Any, part: Any, rows: Any, turn: Any = None, *more: Any) -> Any:
        if sqlite and turn is None:
            raise AssertionError("a worker wrote to SQLite without the shared turn")
        if not sqlite and turn is not None:
            raise AssertionError("a worker waited for a turn to write to PostgreSQL")
        return real(engine, part, rows, turn, *more)

    monkeypatch.setattr(refresh_pool, "write_rows", write_rows)
    with small_engine.begin() as conn:
        conn.execute(text("DELETE FROM mat_student"))
    got = dict(refresh_pool.computed(small_engine, Thresholds(), [ids[:SMALL], ids[SMALL:]], 2))
    assert sorted(got) == [0, 1]
    assert _with_facts(small_engine) == set(ids)


def test_a_waiting_note_write_goes_first_once_a_workers_turn_has_come(
    small_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker lets waiting note writes in (``handoff.let_writers_in``) after its turn has
    come, right before its transaction: a note write that began to wait while the worker
    waited for its turn does not wait for its write too."""
    from caseload.store import handoff
    from caseload.store.facts_rows import write_part

    done: list[str] = []

    class Turn:
        def acquire(self, timeout: float) -> bool:
            done.append("turn")
            return True

        def release(self) -> None:
            done.append("given back")

    real = handoff.let_writers_in

    def let_writers_in(engine: Any) -> None:
        done.append("notes first")
        real(engine)

    monkeypatch.setattr(handoff, "let_writers_in", let_writers_in)
    write_part(small_engine, ["stu-none"], [], [], Turn())
    assert done == ["turn", "notes first", "given back"]
