"""The full facts refresh computed by worker processes (issue 13, "the full refresh too").

A full refresh reads and computes every student's facts in Python: about 2.3 ms per student
on one core (75,000 students: nearly three minutes on SQLite, seven on PostgreSQL), nearly all
of it reading result rows into Python and computing grade timelines, under the GIL. A
district's server has cores to spare at night, so a refresh of many students hands its
chunks to worker processes: each opens its own connection and an ``inputs.InputReader``
for each school it is given (what a class shares is read once per worker; a reader kept
across schools made every chunk slower: ``facts_pending.school_parts``), computes a chunk's
rows (``facts_rows.compute_part``) and writes them itself, one short transaction per chunk
as before (``facts_rows.write_rows``; a waiting note write goes first; on SQLite, which has
one writer, the workers in turn, by a lock they share: ``facts_rows.taking_turns``; on
PostgreSQL at once), then tells the
calling process what it wrote: the students, and the chunk's class rows, which the calling
process writes once every chunk is in. (Until the twenty-third session the workers sent
their rows back for the calling process to write: pickled and unpickled, at 5,000 students
about 0.5 s more CPU in that process, competing with the workers for two cores; the
refresh took 2.65-3.24 s, now 2.48-2.54 s, three runs each.) Each chunk's rows are the
ones the one-process refresh computes for it, so the facts written are exactly its facts
(tests/test_refresh_workers.py). Forked, with one chunk a worker (500 to 999 students on two
cores), the calling process computes the last chunk itself, one worker fewer (``computed``).

How many: ``$CASELOAD_REFRESH_WORKERS`` (a whole number; ``1``: the refresh stays in the
calling process), else one per core this process may use, at most ``MAX_WORKERS``, and one
process for a refresh of fewer than ``MIN_FORKED`` students when the workers are forked
(``forks``: two chunks; at 2,500 students two forked workers take a refresh from 2.9 s to
1.6 s, at 500 from 0.52 s to 0.47 s) or ``MIN_STUDENTS`` when they are spawned (starting one
costs about a second), a database another process cannot open (an in-memory SQLite database)
or a calling process that may not start others (a daemonic multiprocessing worker).

Workers are forked where that is safe (``start_method``): on Linux, from a calling process
that runs one thread (``caseload import``, ``caseload sync``, a nightly job), so a worker
starts with the modules already imported; otherwise (the app, which imports in threads) they
are spawned, each importing what it needs (about half a second of CPU).

Workers ignore Ctrl-C (the calling process stops them) and write nothing to the terminal (a
warning printed by one would land in the middle of the app's screen); an error in a worker
is raised in the calling process, which stops the others (a chunk one of them is writing
then may still be written: the refresh has failed, its state row is not written, and the
facts stay stale, so readers take the pure path until a refresh succeeds).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any

from sqlalchemy import URL, Engine

from caseload._runtime import keep_freed_memory
from caseload.domain.settings import Thresholds
from caseload.store.facts_rows import Written, compute_part, reader_for, readers, write_rows

ENV_WORKERS = "CASELOAD_REFRESH_WORKERS"
MIN_STUDENTS = 3_000  # spawned workers
MIN_FORKED = 500  # forked workers (two chunks of facts.CHUNK)
MAX_WORKERS = 8
AHEAD = 2  # chunks each worker may have reported ahead of the calling process's reading
POLL_SECONDS = 1.0  # how often the calling process checks that its workers are alive
MMAP_BYTES = 2**31 - 2**16  # a worker's SQLite memory map (SQLite's own default cap)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def configured() -> int | None:
    """``$CASELOAD_REFRESH_WORKERS`` as a number, None when unset; ConfigError when it is not
    a whole number of 1 or more."""
    text = os.environ.get(ENV_WORKERS, "").strip()
    if not text:
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        from caseload.config import ConfigError

        raise ConfigError(
            f"${ENV_WORKERS} is {text!r}: give a whole number of processes, 1 or more "
            "(1 keeps the facts refresh in one process)"
        )
    return n


def shareable(engine: Engine) -> bool:
    """Whether another process can open ``engine``'s database (not an in-memory SQLite one)."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return True
    database = url.database or ""
    # (the URL's parts, never its text: a file name that is not UTF-8 has none)
    in_memory = url.query.get("mode") == "memory" or "mode=memory" in database
    return bool(database) and database != ":memory:" and not in_memory


def start_method() -> str:
    """How worker processes start: "fork" on Linux from a process running one thread, else
    "spawn". A forked worker shares the modules already imported (no second start-up) and
    touches nothing it inherits but its arguments (among them this process's engine, whose
    pool ``computed`` empties first and the worker replaces: its connections are its own);
    forking a process that runs other threads could copy a lock one of them holds, so the
    app's refreshes, run in worker threads, spawn."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def forks(engine: Engine) -> bool:
    """Whether ``computed`` forks its workers for ``engine`` (``start_method``) rather than
    spawning them: not while this process has a SQLite connection of it in use (that
    connection's lock state for the cache would cross the fork)."""
    if start_method() != "fork":
        return False
    in_use = getattr(engine.pool, "checkedout", lambda: 1)()  # (dispose makes a new pool)
    return not (in_use and engine.url.get_backend_name() == "sqlite")


def workers_for(engine: Engine, students: int) -> int:
    """How many worker processes a full refresh of ``students`` students uses (1: none)."""
    n = configured()
    if not shareable(engine) or multiprocessing.current_process().daemon:
        return 1  # (a daemonic process may not start processes)
    if n is None:
        least = MIN_FORKED if forks(engine) else MIN_STUDENTS
        n = 1 if students < least else min(_cores(), MAX_WORKERS)
    return max(1, n)


# --- in each worker process -------------------------------------------------------------


def _work(
    source: URL | Engine,
    thresholds: Thresholds,
    todo: list[tuple[int, list[str], int]],
    out: Any,
    class_dates: bool = True,
    turn: Any = None,
) -> None:
    """A worker process: computes and writes each of its chunks ``todo`` (index, student
    ids, group: a new reader for a new group, ``facts_rows.readers``), in order, and puts on
    ``out`` what it wrote as ("written", index, Written); an error as ("error", index,
    error). ``source``: the calling process's engine (a forked worker) or its URL (a spawned
    one). ``turn``: the lock the workers write in turn by (``facts_rows.taking_turns``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (the process's whole life)
    keep_freed_memory()  # (a chunk's arrays: their memory used again, not faulted in again)
    i, reported = -1, False
    try:
        if isinstance(source, Engine):
            # Forked: the calling process's engine, with a pool of its own (SQLAlchemy's
            # advice for a forked process; ``computed`` emptied the pool before the fork) and
            # its dialect set up already, so the first connection makes no set-up queries
            # (a new engine took 4-5 ms more of a worker's start on PostgreSQL, 2 on SQLite)
            engine = source
            engine.dispose(close=False)
        else:
            from caseload.store.connect import make_engine

            engine = make_engine(source)
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # The reads go through the results table in student order, page by page out
                # of the file's order: mapped, a page costs no read() call (about 4% of a
                # 5,000-student refresh). Here only: an I/O error on a mapped file is a
                # SIGBUS, which ends this worker (its chunks are then computed by the
                # calling process), not the app or the import.
                conn.exec_driver_sql(f"PRAGMA mmap_size={MMAP_BYTES:d}")
            groups = (group for _, _, group in todo)
            for (i, part, _), reader in zip(
                todo, readers(conn, thresholds, class_dates, groups), strict=True
            ):
                rows = compute_part(reader, part, thresholds)
                conn.rollback()  # no read transaction held between chunks (PostgreSQL, WAL)
                # (written through the reading connection: no second one to make)
                out.put(("written", i, write_rows(engine, part, rows, turn, conn)))
            # The last report sent now, before the engine is disposed: the queue's feeder
            # thread sends it, and it had the GIL only once this thread was done (the calling
            # process, waiting for that report to finish, got it about 0.01 s later).
            out.close()
            out.join_thread()
            reported = True
        engine.dispose()
    except BaseException as exc:  # every error goes to the calling process, raised there
        if not reported:  # (one that cannot be pickled is lost: see ``computed``)
            out.put(("error", i, exc))


# --- in the calling process -------------------------------------------------------------

# The modules a chunk is computed with that are imported on first use (numpy's among them:
# not at the app's start). A forked worker inherits what the calling process has imported:
# imported by each worker instead, two at once on two cores, they took 0.09 to 0.19 s of its
# first chunk; a full refresh of 500 students took 0.36 s, 0.33 s with them imported by the
# calling process before it forks (medians of nine runs; imported in a thread while that
# process reads, 0.33 s too: the import holds the GIL).
COMPUTE_MODULES = (
    "caseload.store.result_columns", "caseload.domain.timeline_batch", "caseload.store.handoff",
)


def shares(parts: Sequence[Sequence[str]], workers: int) -> list[list[int]]:
    """``parts`` (their indices) cut into ``workers`` contiguous runs of about as many
    students each: a part goes to the run whose share of the students holds its middle."""
    total = sum(map(len, parts))
    runs: list[list[int]] = [[] for _ in range(workers)]
    before = 0
    for i, part in enumerate(parts):
        middle = before + len(part) / 2
        runs[min(workers - 1, int(middle * workers // total) if total else 0)].append(i)
        before += len(part)
    return runs


def computed(
    engine: Engine,
    thresholds: Thresholds,
    parts: Sequence[list[str]],
    workers: int,
    *,
    class_dates: bool = True,
    meanwhile: Callable[[], None] | None = None,
    groups: Sequence[int] | None = None,
) -> Generator[tuple[int, Written], None, None]:
    """(index, what was written) of each of ``parts`` (``facts_rows.compute_part``, then
    ``write_rows``), as they are done, computed and written by ``workers`` processes, each
    given a contiguous run of the chunks, about as many students each (``shares``:
    students in school order share classes, so each worker reads a class once), a new
    reader for each of ``groups`` (each part's; None: one reader a worker). A worker that
    dies (killed for memory, or unable to start) leaves the chunks it had not reported to
    this process (one it wrote and died before reporting is written again: the same rows);
    an error raised in a worker is raised here. Forked workers with one chunk each leave
    the last chunk to this process, which computes and writes it once they are started.
    ``meanwhile``: called once the workers are started, before waiting for them (this
    process's own reads, done while they compute rather than after)."""
    method = "fork" if forks(engine) else "spawn"
    if method == "fork":
        # No pooled connection crosses the fork (SQLAlchemy's advice), and for SQLite none of
        # its per-process lock state for the cache: a forked worker opens the file as a new
        # process would (a connection this process has in use keeps that state: ``forks``
        # says spawn then).
        engine.dispose()
        for name in COMPUTE_MODULES:  # (once here, not in each worker)
            importlib.import_module(name)
    ctx: Any = multiprocessing.get_context(method)  # (typeshed: no Process on it)
    out = ctx.Queue(maxsize=workers * AHEAD)
    # (SQLite's one writer: the workers' writes one after another, facts_rows.taking_turns)
    turn = ctx.Lock() if engine.dialect.name == "sqlite" else None
    # a spawned worker's engine made from the URL itself (a file name not in UTF-8 has no
    # text form); a forked one's is this one (``_work``)
    source = engine if method == "fork" else engine.url
    of_group = [0] * len(parts) if groups is None else list(groups)
    runs = [
        [(i, parts[i], of_group[i]) for i in run] for run in shares(parts, workers) if run
    ]
    # Forked, with one chunk for each (500 to 999 students on two cores), this process
    # computes the last chunk itself while the workers compute theirs: one worker fewer to
    # fork and start (0.015-0.025 s of the critical path of a refresh of 500 students, with
    # its pool's connection and reader). Not with more chunks a worker (this process reads
    # their reports as they come, and runs the halfway ANALYZE), nor spawned (the app's
    # refresh runs in a thread beside its screen).
    here = (
        runs.pop()
        if method == "fork" and len(runs) > 1 and all(len(run) == 1 for run in runs)
        else []
    )
    procs = [
        ctx.Process(
            target=_work, args=(source, thresholds, run, out, class_dates, turn), daemon=True
        ) for run in runs
    ]
    left = set(range(len(parts)))
    started: list[Any] = []
    try:
        for p in procs:
            p.start()
            started.append(p)
        if meanwhile is not None:  # (before this process's own chunk: while a worker starts)
            meanwhile()
        for i, part, _ in here:
            with engine.connect() as conn:
                rows = compute_part(reader_for(conn, thresholds, class_dates), part, thresholds)
                conn.rollback()  # (no read transaction held while it waits for its turn)
            left.discard(i)
            yield i, write_rows(engine, part, rows, turn)
        while left:
            try:
                kind, i, payload = out.get(timeout=POLL_SECONDS)
            except queue.Empty:
                # A worker that has ended sent all it will (a process's queued items are
                # flushed before it exits): its chunks still missing are not coming.
                if any(
                    p.exitcode is not None and any(i in left for i, _, _ in run)
                    for p, run in zip(procs, runs, strict=True)
                ):
                    break
                continue
            if kind == "error":
                raise payload
            left.discard(i)
            yield i, payload
    finally:
        for p in started:
            if p.is_alive():
                p.terminate()
        for p in started:
            p.join()
        out.close()
        out.join_thread()
    if left:  # a worker died (or its error could not be sent): the rest here, one reader
        from caseload.store.facts_rows import computed_here

        todo = sorted(left)
        for k, rows in enumerate(computed_here(
            engine, thresholds, [parts[i] for i in todo], class_dates=class_dates,
            groups=[of_group[i] for i in todo],
        )):
            yield todo[k], write_rows(engine, parts[todo[k]], rows)


__all__ = [
    "COMPUTE_MODULES",
    "ENV_WORKERS",
    "MAX_WORKERS",
    "MIN_FORKED",
    "MIN_STUDENTS",
    "computed",
    "configured",
    "forks",
    "shares",
    "start_method",
    "workers_for",
]
