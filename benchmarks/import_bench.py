"""Issue 13's figures: import, facts refresh, flags, district view and PostgreSQL, each beside a
baseline measured in the same run, with its peak memory.

    python benchmarks/import_bench.py --students 5000 --repeat 1 [--results DIR]
    python benchmarks/import_bench.py --students 75000 --district --growth-from 5000 --results DIR

Generates a district of N students once (``benchmarks/generate.py``: schools of up to 2,500
shaped like the sample school, streamed), then runs --repeat times, each step in a child
process of its own (multiprocessing "spawn") so that its peak memory (the child's max RSS,
``ru_maxrss``) is its own; the baseline of that figure is the child's RSS when it starts.
The processes a step starts (the full refresh's workers, the note writers) are reported
apart: "STEP, its processes", the highest VmHWM among them.
Per run:
- import rows/s: ``read_path`` + ``load`` into a fresh SQLite cache, against ``csv.reader`` +
  raw ``sqlite3.executemany`` of the same cells into the same tables (no validation, no
  conversion); the same files count the rows for both. Goal: ratio >= 0.6 (median).
- facts refresh after the full import (``store.facts.refresh(full=True)``), against DuckDB
  computing flags_bench's three aggregates from the raw tables (loading not timed). Goal <= 5.
- refresh after a delta changing one result of each of 10 students
  (``services.facts.refresh_facts``), beside the full refresh. Goal < 1 s.
- flags for all students (``Repository.caseload(None, as_of)``: cold, a new Repository; warm,
  median of 3 more calls) against the DuckDB aggregates (median of 3 after a warm-up). Goals
  of issue 3 where it sets them: < 100 ms at N <= 500, ratio <= 1 at N = 5,000; else info.
- with --growth-from M: the warm flags time's growth from the M-student run's results file
  (``--results DIR``: each run writes DIR/import-N.json; ``make bench`` empties DIR first so the
  figures come from the same ``make bench-district`` run) against the students' growth.
  Goal: ratio <= 1 (linear or better).
- with --district: "All students" first page painted (tui_bench's measurement: cold and warm)
  against Textual's DataTable adding the same rows (capped at 20 s); goal <= 0.5 s. The
  drill-downs in that district (caseload -> student screen, student -> class screen with its
  chart, tui_bench's) against a bare Textual app pushing a trivial and a chart screen; goal
  <= 150 ms.
- the longest note write while a full import (load + refresh) runs, against the longest with
  nothing running; the writer is a process of its own, as a counselor's app or CLI is. Goal <= 1 s.
- cache size on disk per student (the SQLite file and its WAL after the delta), against the
  CSV bytes per student; info.
- the same import (against csv.reader + psycopg executemany into the same tables), full and
  delta refresh and flags on a throwaway PostgreSQL cluster (initdb/pg_ctl, as the postgres
  user when root, a free port, removed at the end); skipped, saying why, without PostgreSQL
  binaries or with --no-pg.
Every figure is the median of the runs (peak memory: the highest), on one line: what, value,
baseline, "ratio" (three significant figures), goal, PASS/FAIL (info where no goal is set).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import itertools
import json
import multiprocessing
import os
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # generate, report, flags_bench and tui_bench, as modules
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.templates: finding PostgreSQL, running it as postgres

from report import line, ms, secs, sig3  # noqa: E402  (benchmarks/report.py: the figure lines)

# csv file -> (table, [(table column, csv column or None for a constant)], constants)
BASELINE_MAP: dict[str, tuple[str, list[tuple[str, str]], dict[str, object]]] = {
    "orgs.csv": (
        "orgs",
        [
            ("sourced_id", "sourcedId"),
            ("name", "name"),
            ("type", "type"),
            ("identifier", "identifier"),
            ("parent_id", "parentSourcedId"),
        ],
        {},
    ),
    "academicSessions.csv": (
        "academic_sessions",
        [
            ("sourced_id", "sourcedId"),
            ("title", "title"),
            ("type", "type"),
            ("start_date", "startDate"),
            ("end_date", "endDate"),
            ("parent_id", "parentSourcedId"),
            ("school_year", "schoolYear"),
        ],
        {},
    ),
    "users.csv": (
        "users",
        [
            ("sourced_id", "sourcedId"),
            ("given_name", "givenName"),
            ("family_name", "familyName"),
            ("middle_name", "middleName"),
            ("identifier", "identifier"),
            ("grade_level", "grades"),
            ("email", "email"),
            ("school_id", "primaryOrgSourcedId"),
        ],
        {"role": "student"},
    ),
    "courses.csv": (
        "courses",
        [
            ("sourced_id", "sourcedId"),
            ("title", "title"),
            ("course_code", "courseCode"),
            ("school_id", "orgSourcedId"),
        ],
        {},
    ),
    "classes.csv": (
        "classes",
        [
            ("sourced_id", "sourcedId"),
            ("title", "title"),
            ("course_id", "courseSourcedId"),
            ("school_id", "schoolSourcedId"),
            ("class_code", "classCode"),
            ("term_ids", "termSourcedIds"),
            ("period", "periods"),
        ],
        {},
    ),
    "enrollments.csv": (
        "enrollments",
        [
            ("sourced_id", "sourcedId"),
            ("class_id", "classSourcedId"),
            ("user_id", "userSourcedId"),
            ("role", "role"),
            ("begin_date", "beginDate"),
            ("end_date", "endDate"),
        ],
        {"primary": 0},
    ),
    "categories.csv": (
        "categories",
        [("sourced_id", "sourcedId"), ("title", "title"), ("weight", "weight")],
        {},
    ),
    "lineItems.csv": (
        "line_items",
        [
            ("sourced_id", "sourcedId"),
            ("class_id", "classSourcedId"),
            ("title", "title"),
            ("category_id", "categorySourcedId"),
            ("assign_date", "assignDate"),
            ("due_date", "dueDate"),
            ("min_points", "resultValueMin"),
            ("max_points", "resultValueMax"),
            ("grading_period_id", "gradingPeriodSourcedId"),
        ],
        {},
    ),
    "results.csv": (
        "results",
        [
            ("sourced_id", "sourcedId"),
            ("line_item_id", "lineItemSourcedId"),
            ("student_id", "studentSourcedId"),
            ("score", "score"),
            ("status", "scoreStatus"),
            ("score_date", "scoreDate"),
            ("comment", "comment"),
            ("late", "late"),
            ("missing", "missing"),
        ],
        {},
    ),
    "attendance.csv": (
        "attendance_events",
        [
            ("sourced_id", "sourcedId"),
            ("student_id", "studentSourcedId"),
            ("date", "date"),
            ("category", "category"),
            ("class_id", "classSourcedId"),
            ("period", "period"),
        ],
        {},
    ),
    "calendar.csv": (
        "calendar_days",
        [("school_id", "schoolSourcedId"), ("date", "date"), ("instructional", "instructional")],
        {},
    ),
    "caseloads.csv": (
        "caseloads",
        [("counselor_id", "counselorSourcedId"), ("student_id", "studentSourcedId")],
        {},
    ),
}


AS_OF = dt.date(2026, 11, 20)  # the generator's default data date (samplegen's)
DELTA_STUDENTS = 10


# --- helpers ------------------------------------------------------------------------------------


def say(msg: str) -> None:
    """Progress, so a long run is not silent."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fresh_db(path: Path) -> str:
    from caseload.store.engine import make_engine, migrate

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def count_rows(data: Path) -> int:
    total = 0
    for fname in BASELINE_MAP:
        p = data / fname
        if p.exists():
            with p.open(encoding="utf-8") as fh:
                total += sum(1 for _ in fh) - 1
    return total


def _baseline_rows(data: Path) -> Iterator[tuple[str, list[str], Iterator[tuple[Any, ...]]]]:
    """(table, column names, rows) per baseline file: the csv cells as read, streamed."""
    for fname, (table, cols, consts) in BASELINE_MAP.items():
        path = data / fname
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            idx = [header.index(c) for _, c in cols]
            tail = tuple(consts.values())
            names = [t for t, _ in cols] + list(consts)
            yield table, names, (tuple(row[i] for i in idx) + tail for row in reader)


def baseline(data: Path, db_path: Path) -> int:
    """csv.reader + raw sqlite3.executemany into the migrated tables, one transaction."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    before = conn.total_changes
    with conn:
        for table, names, rows in _baseline_rows(data):
            cols = ", ".join(f'"{n}"' for n in names)
            conn.executemany(f"INSERT INTO {table} ({cols}) VALUES "
                             f"({', '.join('?' * len(names))})", rows)
    n = conn.total_changes - before
    conn.close()
    return n


def baseline_pg(data: Path, dsn: dict[str, Any]) -> int:
    """csv.reader + raw psycopg executemany (batches of 5,000) into the migrated tables, one
    transaction; empty cells of typed columns as NULL (PostgreSQL casts the rest)."""
    import psycopg

    from caseload.store.tables import METADATA

    total = 0
    with psycopg.connect(**dsn) as conn, conn.cursor() as cur:
        for table, names, rows in _baseline_rows(data):
            tab = METADATA.tables[table]
            typed = [i for i, n in enumerate(names)
                     if tab.c[n].type.python_type is not str]
            consts = BASELINE_MAP_CONST_PG.get(table, {})
            cols = ", ".join(f'"{n}"' for n in names)
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(names))})"

            def fix(row: tuple[Any, ...], typed: list[int] = typed,
                    consts: dict[int, Any] = consts) -> tuple[Any, ...]:
                cells = list(row)
                for i in typed:
                    if cells[i] == "":
                        cells[i] = None
                for i, v in consts.items():
                    cells[i] = v
                return tuple(cells)

            it = iter(rows)
            while batch := [fix(r) for r in itertools.islice(it, 5000)]:
                cur.executemany(sql, batch)
                total += len(batch)
    return total


# constants whose SQLite spelling PostgreSQL refuses: table -> {column index: value}
BASELINE_MAP_CONST_PG: dict[str, dict[int, Any]] = {
    "enrollments": {len(BASELINE_MAP["enrollments.csv"][1]): False},  # "primary" = 0
}


def delta_folder(data: Path, out: Path, students: int = DELTA_STUDENTS) -> Path:
    """A OneRoster delta changing one result (score 0) of each of ``students`` students."""
    out.mkdir()
    (out / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
        "file.results,delta\n", encoding="utf-8"
    )
    seen: set[str] = set()
    with (data / "results.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        picked = []
        for row in reader:
            if row["studentSourcedId"] not in seen and row["score"]:
                seen.add(row["studentSourcedId"])
                picked.append({**row, "score": "0"})
            if len(picked) == students:
                break
    with (out / "results.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(picked)
    return out


# --- PostgreSQL: a throwaway cluster ------------------------------------------------------------


@contextlib.contextmanager
def pg_cluster() -> Iterator[int | str]:
    """A cluster of our own on a free port (yields the port), stopped and removed at the end;
    yields the reason instead when it cannot start."""
    from tests.templates import _run_as, pg_bin  # the test suite's: one way to find and run it

    bindir = pg_bin()
    if bindir is None:
        yield "no PostgreSQL binaries (pg_ctl not on PATH nor in /usr/lib/postgresql/*/bin)"
        return
    tmp = Path(tempfile.mkdtemp(prefix="caseload-bench-pg-"))
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    ctl = [*_run_as(), str(bindir / "pg_ctl"), "-D", str(tmp / "data")]
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        try:
            subprocess.run([*_run_as(), str(bindir / "initdb"), "-D", str(tmp / "data"),
                            "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
                           check=True, capture_output=True, env=env)
            subprocess.run([*ctl, "-w", "-l", str(tmp / "log"), "-o",
                            f"-p {port} -k {tmp} -h 127.0.0.1 -F", "start"],
                           check=True, capture_output=True, env=env)
        except (subprocess.CalledProcessError, OSError) as exc:
            err = getattr(exc, "stderr", b"") or b""
            yield f"the cluster did not start ({exc}; {err.decode(errors='replace')[-200:]})"
            return
        started = True
        yield port
    finally:
        if started:
            subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True, env=env)
        shutil.rmtree(tmp, ignore_errors=True)


def pg_dsn(port: int, dbname: str) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "user": "postgres", "dbname": dbname}


def pg_url(port: int, dbname: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{dbname}"


def pg_create(port: int, dbname: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(**pg_dsn(port, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{dbname}"')


def pg_size(port: int, dbname: str) -> int:
    import psycopg

    with psycopg.connect(**pg_dsn(port, "postgres")) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (dbname,)).fetchone()
    return int(row[0]) if row else 0


# --- the steps, each in a child process of its own ----------------------------------------------


def _rss_mib() -> float:
    """This process's peak resident memory, MiB: VmHWM (its own address space since exec;
    ru_maxrss would carry the parent's peak over fork and exec), else ru_maxrss."""
    with contextlib.suppress(OSError):
        for row in Path("/proc/self/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _children_peak(pid: int, stop: threading.Event, peak: list[float]) -> None:
    """Until ``stop``: the highest VmHWM (MiB) of any process the step's process ``pid``
    started (the facts refresh's workers, caseload.store.refresh_pool; the note writers),
    read every 0.2 s from /proc (a child's high-water mark only grows, so the last reading
    before it ends is its peak, give or take its last 0.2 s).

    This runs in the benchmark's own process, not in the step's: a thread there would make
    the step a process of two threads, and the full refresh forks its workers only from a
    process of one (``refresh_pool.start_method``), as ``caseload import`` is: with the
    watcher inside it (96e9b98 to 2026-12-05) the measured refresh spawned its workers,
    each importing caseload again, which the command line never does."""
    while not stop.wait(0.2):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    with contextlib.suppress(OSError):
                        for row in Path(f"/proc/{child}/status").read_text().splitlines():
                            if row.startswith("VmHWM:"):
                                peak[0] = max(peak[0], int(row.split()[1]) / 1024)


def _child(name: str, kwargs: dict[str, Any], out: Any) -> None:
    """The step's process: ``name(**kwargs)`` with its memory figures, or its error, on
    ``out``. One thread, as ``caseload import`` runs (see ``_children_peak``)."""
    try:
        start = _rss_mib()
        got: dict[str, Any] = globals()[name](**kwargs)
        got["rss_start"], got["rss_peak"] = start, _rss_mib()
        out.send(("ok", got))
    except BaseException:
        import traceback

        out.send(("error", traceback.format_exc()))
        raise


PEAKS: dict[str, tuple[float, float]] = {}  # step -> (highest peak, its start RSS), MiB


def run_step(label: str, fn: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """``fn(**kwargs)`` in a fresh spawned process; records its peak memory under ``label``,
    and that of the processes it starts (watched from here)."""
    say(f"  {label} ...")
    t0 = time.perf_counter()
    # (a Process is not daemonic unless told: the step may start processes of its own, as
    # the full facts refresh does)
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn.__name__, kwargs, send))
    proc.start()
    send.close()
    stop, workers = threading.Event(), [0.0]
    assert proc.pid is not None
    watcher = threading.Thread(
        target=_children_peak, args=(proc.pid, stop, workers), daemon=True
    )
    watcher.start()
    try:
        try:
            kind, got = receive.recv()
        except EOFError:
            kind, got = "error", "(the step's process ended without a result)"
        proc.join()
    finally:
        stop.set()
        watcher.join()
        receive.close()
    if kind != "ok":
        raise RuntimeError(f"step {label!r} failed (exit code {proc.exitcode}):\n{got}")
    out: dict[str, Any] = got
    out["rss_workers"] = workers[0]
    peak, start = out["rss_peak"], out["rss_start"]
    if peak > PEAKS.get(label, (0.0, 0.0))[0]:
        PEAKS[label] = (peak, start)
    label_workers = f"{label}, its processes"
    if out["rss_workers"] > PEAKS.get(label_workers, (0.0, 0.0))[0]:
        PEAKS[label_workers] = (out["rss_workers"], start)
    say(f"  {label}: {time.perf_counter() - t0:.1f} s in all, peak memory {peak:,.0f} MiB")
    return out


def step_threads() -> dict[str, Any]:
    """How many threads a step's process runs (tests/test_bench_steps.py: one, so that the
    full refresh forks its workers as ``caseload import`` does)."""
    return {"threads": threading.active_count()}


def step_baseline_sqlite(data: str, db: str) -> dict[str, Any]:
    fresh_db(Path(db))
    t0 = time.perf_counter()
    n = baseline(Path(data), Path(db))
    return {"s": time.perf_counter() - t0, "rows": n}


def step_baseline_pg(data: str, port: int, dbname: str) -> dict[str, Any]:
    from caseload.store.engine import make_engine, migrate

    engine = make_engine(pg_url(port, dbname))
    migrate(engine)
    engine.dispose()
    t0 = time.perf_counter()
    n = baseline_pg(Path(data), pg_dsn(port, dbname))
    return {"s": time.perf_counter() - t0, "rows": n}


def step_import(data: str, url: str) -> dict[str, Any]:
    """Migrate (not timed), then read_path + load."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine, migrate

    engine = make_engine(url)
    migrate(engine)
    t0 = time.perf_counter()
    report = load(engine, read_path(Path(data)))
    took = time.perf_counter() - t0
    engine.dispose()
    return {"s": took, "rows": sum(report.counts.values())}


def step_refresh(url: str, as_of: str) -> dict[str, Any]:
    """The full facts refresh after the import, then the stored rankings (today and as_of).
    The engine has connected once before the clock starts, as the import's engine has when
    ``caseload import`` refreshes (and ``step_delta``'s, which loads the delta first): its
    first connection's set-up (8-10 ms on PostgreSQL, 1 ms on SQLite) is not the refresh's,
    as DuckDB's connection is not its aggregates'."""
    from caseload.domain.settings import Thresholds
    from caseload.services.facts import refresh_facts
    from caseload.store import facts as mat
    from caseload.store import refresh_pool
    from caseload.store.engine import make_engine

    engine = make_engine(url)
    with engine.connect():
        pass
    forked = refresh_pool.forks(engine)  # (as ``caseload import``: this process has one thread)
    started = _counting_starts()
    t0 = time.perf_counter()
    n = mat.refresh(engine, Thresholds(), full=True)
    full = time.perf_counter() - t0
    workers = len(started)
    t0 = time.perf_counter()
    refresh_facts(engine, also_as_of=dt.date.fromisoformat(as_of))
    ranking = time.perf_counter() - t0
    engine.dispose()
    how = "in this process" if not workers else (
        f"{workers} worker process{'es' if workers > 1 else ''}, "
        f"{'forked' if forked else 'spawned'}"
        # (with one chunk a worker, the calling process computes one: refresh_pool.computed)
        + (", and this process" if workers < refresh_pool.workers_for(engine, n) else ""))
    return {"s": full, "ranking": ranking, "students": n, "how": how}


def _counting_starts() -> list[Any]:
    """The processes started in this process from now on (each appended as it starts)."""
    import multiprocessing.process

    started: list[Any] = []
    start = multiprocessing.process.BaseProcess.start

    def counted(self: Any) -> None:
        started.append(self)
        start(self)

    multiprocessing.process.BaseProcess.start = counted  # type: ignore[method-assign]
    return started


def step_duckdb(db: str, work: str, as_of: str) -> dict[str, Any]:
    """flags_bench's three aggregates in DuckDB over the raw tables: median of 3 after a
    warm-up (loading from the SQLite cache not timed)."""
    import flags_bench

    t0 = time.perf_counter()
    con, how = flags_bench.duckdb_load(Path(db), Path(work))
    load_s = time.perf_counter() - t0
    times = []
    for _ in range(4):
        t, _rows = flags_bench.run_baseline(con, dt.date.fromisoformat(as_of))
        times.append(sum(t.values()))
    con.close()
    return {"s": statistics.median(times[1:]), "load": load_s, "how": how}


def step_flags(url: str, as_of: str) -> dict[str, Any]:
    """Every student's flags and metrics: cold (a new Repository), then warm (median of 3)."""
    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository

    day = dt.date.fromisoformat(as_of)
    engine = make_engine(url)
    repo = Repository(engine)
    t0 = time.perf_counter()
    reports = repo.caseload(None, day)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        repo.caseload(None, day)
        warm.append(time.perf_counter() - t0)
    engine.dispose()
    return {"cold": cold, "s": statistics.median(warm), "students": len(reports)}


def step_delta(url: str, delta: str, as_of: str) -> dict[str, Any]:
    """Load the delta (not timed), then the refresh a sync or import runs after it."""
    from caseload.services.facts import refresh_facts
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine

    engine = make_engine(url)
    load(engine, read_path(Path(delta)))
    t0 = time.perf_counter()
    n = refresh_facts(engine, also_as_of=dt.date.fromisoformat(as_of))
    took = time.perf_counter() - t0
    engine.dispose()
    return {"s": took, "students": n}


def note_waits(url: str, student: str, stop: Any, waits: list[float],
               ready: Any = None) -> None:
    """Add notes one after another until ``stop`` is set, recording each one's wall time
    (``ready`` is set once the first note is written)."""
    from caseload.domain.notes import NoteType
    from caseload.services.context import open_workspace
    from caseload.services.notes import NewNote, NotesBusy, add_note

    ws = open_workspace(url)
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            add_note(ws, NewNote(student, NoteType.STUDENT_MEETING, "bench note",
                                 author_id="bench"))
        except NotesBusy:  # gave up: counted as an endless wait (the figure FAILs)
            waits.append(float("inf"))
            continue
        waits.append(time.perf_counter() - t0)
        if ready is not None:
            ready.set()
        time.sleep(0.02)
    ws.engine.dispose()


class _FileFlag:
    """A flag between processes: set when its file exists."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self) -> None:
        self.path.touch()

    def is_set(self) -> bool:
        return self.path.exists()


def note_writer_main(url: str, student: str, folder: str) -> None:
    """``note_waits`` in a process of its own (``python import_bench.py --note-writer``), as a
    counselor's `caseload notes add` or app is: the import's Python work and garbage
    collection do not hold its interpreter. Files in ``folder`` say ready/stop; the waits go
    to ``waits.json`` there."""
    where = Path(folder)
    waits: list[float] = []
    note_waits(url, student, _FileFlag(where / "stop"), waits, _FileFlag(where / "ready"))
    (where / "waits.json").write_text(json.dumps([w if w != float("inf") else None
                                                  for w in waits]))


def step_notes(url: str, data: str, student: str) -> dict[str, Any]:
    """A note writer's longest wait while a full import (import_into: load + refresh) runs,
    against its longest wait with nothing else running (2 s). The writer is another process
    (as a counselor's is), started and writing before the import begins. The export imported
    again repeats the cache, so its own refresh touches no student (a bulk import refreshes
    the students whose rows differ); a full facts refresh follows it, as after a first import,
    so the writer waits behind every write a first import makes."""
    from caseload.domain.settings import Thresholds
    from caseload.services.importing import import_into
    from caseload.store import facts as mat
    from caseload.store.engine import make_engine

    engine = make_engine(url)
    out: dict[str, float] = {}
    for key, busy in (("idle", False), ("busy", True)):
        with tempfile.TemporaryDirectory(prefix="caseload-notes-") as folder:
            where = Path(folder)
            writer = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                       "--note-writer", url, student, folder])
            while not (where / "ready").exists():
                if writer.poll() is not None:
                    raise RuntimeError("the note writer stopped before its first note")
                time.sleep(0.01)
            t0 = time.perf_counter()
            if busy:
                import_into(engine, Path(data))
                mat.refresh(engine, Thresholds(), full=True)
                out["import"] = time.perf_counter() - t0
            else:
                time.sleep(2.0)
            (where / "stop").touch()
            writer.wait()
            waits = [float("inf") if w is None else w
                     for w in json.loads((where / "waits.json").read_text())]
        out[key] = max(waits) if waits else float("nan")
        out[f"{key}_failed"] = sum(1 for w in waits if w == float("inf"))
    engine.dispose()
    return out


def _tui_env() -> None:
    os.environ.setdefault("CASELOAD_CONFIG", str(REPO / "tests" / "data" / "empty-config.toml"))


def step_district_view(db: str, students: int, repeat: int) -> dict[str, Any]:
    """tui_bench's "All students" first page (cold, warm) and drill-downs on this cache."""
    _tui_env()
    import tui_bench

    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository

    engine = make_engine(f"sqlite:///{db}")
    tui_bench.rank_district(engine)  # stored by the refresh step already: a no-op then
    cold, warm, _, whole = asyncio.run(
        tui_bench.bench_all_students(engine, students, unranked=False))
    counselor = Repository(engine).default_counselor()
    assert counselor is not None
    student, klass, _cursor, _typed = asyncio.run(
        tui_bench.bench_screens(engine, counselor, repeat))
    engine.dispose()
    return {"cold": cold, "warm": warm, "whole": whole, "student": student, "class": klass,
            "counselor": counselor}


def step_tui_baselines(students: int, repeat: int) -> dict[str, Any]:
    """tui_bench's baselines: DataTable adding the rows; a bare app pushing screens."""
    _tui_env()
    import tui_bench

    table, note = asyncio.run(tui_bench.bench_datatable(students))
    push, chart, _cursor, _typed = asyncio.run(tui_bench.bench_bare(repeat, WEEKLY))
    return {"table": table, "table_note": note, "push": push, "chart": chart}


WEEKLY = [78.0, 80.5, 81.0, 80.0, 79.0, 78.5, 76.0, 60.0, 52.0, 52.3, 52.3]  # tui_bench's


# --- main ---------------------------------------------------------------------------------------


def first_student(data: Path) -> str:
    with (data / "caseloads.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return next(reader)[1]


def one_run(i: int, args: argparse.Namespace, data: Path, root: Path, delta: Path,
            pg: int | None) -> dict[str, Any]:
    as_of = AS_OF.isoformat()
    r: dict[str, Any] = {}
    base = root / f"base{i}.db"
    r["base"] = run_step("import baseline", step_baseline_sqlite,
                         data=str(data), db=str(base))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{base}{suffix}").unlink(missing_ok=True)
    db = root / f"ours{i}.db"
    url = fresh_db(db)
    r["import"] = run_step("import", step_import, data=str(data), url=url)
    if args.import_only:
        return r
    r["refresh"] = run_step("full refresh + rankings", step_refresh, url=url, as_of=as_of)
    r["duckdb"] = run_step("DuckDB aggregates", step_duckdb, db=str(db), work=str(root),
                           as_of=as_of)
    r["flags"] = run_step("flags", step_flags, url=url, as_of=as_of)
    if args.district and i == 0:
        r["view"] = run_step("district view + drill-downs", step_district_view, db=str(db),
                             students=args.students, repeat=args.tui_repeat)
        r["tui_base"] = run_step("TUI baselines", step_tui_baselines,
                                 students=args.students, repeat=args.tui_repeat)
    r["delta"] = run_step("delta refresh", step_delta,
                          url=url, delta=str(delta), as_of=as_of)
    r["size"] = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal")
                    if Path(f"{db}{s}").exists())
    r["notes"] = run_step("note writes + full import", step_notes, url=url,
                          data=str(data), student=first_student(data))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if pg is not None:
        pg_create(pg, f"base{i}")
        r["pg_base"] = run_step("PG import baseline", step_baseline_pg,
                                data=str(data), port=pg, dbname=f"base{i}")
        pg_create(pg, f"base{i}", drop_only=True)  # disk: gigabytes at 75,000 students
        pg_create(pg, f"ours{i}")
        pgu = pg_url(pg, f"ours{i}")
        r["pg_import"] = run_step("PG import", step_import, data=str(data), url=pgu)
        r["pg_refresh"] = run_step("PG full refresh + rankings", step_refresh, url=pgu,
                                   as_of=as_of)
        r["pg_flags"] = run_step("PG flags", step_flags, url=pgu, as_of=as_of)
        r["pg_delta"] = run_step("PG delta refresh",
                                 step_delta, url=pgu, delta=str(delta), as_of=as_of)
        r["pg_size"] = pg_size(pg, f"ours{i}")
        pg_create(pg, f"ours{i}", drop_only=True)
    return r


def report(args: argparse.Namespace, runs: list[dict[str, Any]], rows: int, csv_bytes: int,
           pg_note: str | None) -> dict[str, Any]:
    n = args.students
    med = statistics.median

    def fig(step: str, key: str = "s") -> float:
        return float(med([r[step][key] for r in runs if step in r]))

    saved: dict[str, Any] = {"students": n, "written": time.strftime("%Y-%m-%d %H:%M:%S")}
    print()
    print(f"issue 13 figures, N={n:,}: medians of {len(runs)} run(s); peak memory = peak RSS "
          "(VmHWM) of each step's own child process (highest of the runs), beside its RSS "
          "at start")
    def refreshes(pg: str, key: str) -> float:
        """The full and the delta refresh's lines (``pg``: the label's prefix, ``key``: the
        figures'); the full refresh's seconds."""
        full, duck, delta = fig(f"{key}refresh"), fig("duckdb"), fig(f"{key}delta")
        hows = sorted({r[f"{key}refresh"].get("how", "?") for r in runs if f"{key}refresh" in r})
        print(f"{pg}facts refresh computed by: {'; '.join(hows)}")
        print(line(f"{pg}facts refresh after a full import", secs(full), "duckdb", secs(duck),
                   full / duck, "<= 5", full / duck <= 5))
        print(line(f"{pg}refresh after a delta ({fig(f'{key}delta', 'students'):.0f} students)",
                   secs(delta), "full", secs(full), delta / full, "< 1 s", delta < 1.0))
        return full

    def flags(pg: str, key: str) -> tuple[float, float]:
        """The cold and the warm flags lines; their seconds."""
        import flags_bench  # issue 3's goals (flags_goal)

        cold, warm, duck = fig(f"{key}flags", "cold"), fig(f"{key}flags"), fig("duckdb")
        print(line(f"{pg}flags, all {n:,} students, cold", secs(cold), "duckdb", secs(duck),
                   cold / duck, "none", None))
        goal, ok = flags_bench.flags_goal(n, warm, warm / duck)
        print(line(f"{pg}flags, all {n:,} students, warm", secs(warm), "duckdb", secs(duck),
                   warm / duck, goal, ok))
        return cold, warm

    base, ours = rows / fig("base"), rows / fig("import")
    saved["import_rps"] = ours
    print(line("import rows/s (SQLite, validated, upsert)", f"{ours:,.0f}", "csv+sqlite3",
               f"{base:,.0f}", ours / base, ">= 0.6", ours / base >= 0.6))
    if not args.import_only:
        full = refreshes("", "")
        print(line("rankings of 2 dates (all students)", secs(fig("refresh", "ranking")),
                   "full", secs(full), fig("refresh", "ranking") / full, "none", None))
        cold, warm = flags("", "")
        saved.update(flags_warm=warm, flags_cold=cold, duckdb=fig("duckdb"), refresh_full=full)
        if args.growth_from:
            growth(args, saved)
        view = [r["view"] for r in runs if "view" in r]
        tb = [r["tui_base"] for r in runs if "tui_base" in r]
        if view and tb:
            district(n, view[0], tb[0])
        busy, idle = fig("notes", "busy"), fig("notes", "idle")
        failed = sum(r["notes"]["busy_failed"] + r["notes"]["idle_failed"] for r in runs)
        if failed:
            print(f"note writes that failed (gave up): {failed}")
        print(line("longest note write during a full import", secs(busy), "idle", secs(idle),
                   busy / idle, "<= 1 s", busy <= 1.0))
        size = med([r["size"] for r in runs]) / n
        print(line("cache size on disk per student (SQLite+WAL)", f"{size / 1024:.1f} KiB",
                   "csv", f"{csv_bytes / n / 1024:.1f} KiB", size / (csv_bytes / n), "none",
                   None))
    if pg_note:
        print(f"PostgreSQL figures skipped: {pg_note}")
    elif not args.import_only:
        pbase, pours = rows / fig("pg_base"), rows / fig("pg_import")
        print(line("PG import rows/s (validated, upsert)", f"{pours:,.0f}", "csv+psycopg",
                   f"{pbase:,.0f}", pours / pbase, ">= 0.6", pours / pbase >= 0.6))
        refreshes("PG ", "pg_")
        flags("PG ", "pg_")
        psize = med([r["pg_size"] for r in runs]) / n
        print(line("PG database size per student", f"{psize / 1024:.1f} KiB", "csv",
                   f"{csv_bytes / n / 1024:.1f} KiB", psize / (csv_bytes / n), "none", None))
    for label, (peak, start) in PEAKS.items():
        print(line(f"peak memory: {label}", f"{peak:,.0f} MiB", "start",
                   f"{start:,.0f} MiB", peak / start, "none", None))
    return saved


def growth(args: argparse.Namespace, saved: dict[str, Any]) -> None:
    path = Path(args.results) / f"import-{args.growth_from}.json"
    if not path.exists():
        print(f"flags growth from {args.growth_from:,}: not measured ({path} is missing: run "
              f"import_bench.py --students {args.growth_from} --results {args.results} first, "
              "as make bench-district does)")
        return
    before = json.loads(path.read_text())
    n0, n = int(before["students"]), args.students
    times = saved["flags_warm"] / before["flags_warm"]
    print(f"    ({n0:,}-student figures from {path}, written {before.get('written', '?')})")
    print(line(f"flags growth {n0:,} -> {n:,} (warm time ratio)", sig3(times), "students",
               sig3(n / n0), times / (n / n0), "<= 1, linear or better", times / (n / n0) <= 1))
    duck = saved["duckdb"] / before["duckdb"]
    print(line(f"duckdb growth {n0:,} -> {n:,} (time ratio)", sig3(duck), "students",
               sig3(n / n0), duck / (n / n0), "none", None))


def district(n: int, view: dict[str, Any], base: dict[str, Any]) -> None:
    table = base["table"]
    if table is None:  # DataTable stopped at its cap: the ratio is an upper bound
        table_s, cap = f"> {tui_bench_cap():.0f} s", tui_bench_cap()
    else:
        table_s, cap = secs(table), table
    for key, what in (("cold", "cold"), ("warm", "warm")):
        print(line(f"district view ({n:,}) first page, {what}", secs(view[key]), "DataTable",
                   table_s, view[key] / cap, "<= 0.5 s", view[key] <= 0.5))
    print(line(f"district view ({n:,}), every row loaded", secs(view["whole"]), "DataTable",
               table_s, view["whole"] / cap, "none", None))
    if base["table_note"]:
        print(f"    ({base['table_note']}; ratios against the cap are upper bounds)")
    print(line("drill-down: caseload -> student screen", ms(view["student"]), "bare push",
               ms(base["push"]), view["student"] / base["push"], "<= 150 ms",
               view["student"] <= 0.150))
    print(line("drill-down: student -> class + chart", ms(view["class"]), "bare chart",
               ms(base["chart"]), view["class"] / base["chart"], "<= 150 ms",
               view["class"] <= 0.150))


def tui_bench_cap() -> float:
    import tui_bench

    return tui_bench.DATATABLE_CAP_S


def main() -> None:
    if sys.argv[1:2] == ["--note-writer"]:  # step_notes' writer process
        note_writer_main(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each; every figure is the median (1: one run)")
    ap.add_argument("--import-only", action="store_true",
                    help="only the import figure (no facts, flags, delta or note-write figures)")
    ap.add_argument("--district", action="store_true",
                    help="also the district view's first page and drill-downs (first run)")
    ap.add_argument("--tui-repeat", type=int, default=5,
                    help="drill-down figures: median of K after a warm-up (default 5)")
    ap.add_argument("--results", type=Path, default=None,
                    help="folder for this run's figures (DIR/import-N.json), read by "
                         "--growth-from")
    ap.add_argument("--growth-from", type=int, default=None, metavar="M",
                    help="the flags growth from the M-student run's results (needs --results)")
    ap.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL figures")
    ap.add_argument("--seed", type=int, default=None, help="generator seed (default its own)")
    args = ap.parse_args()
    if args.growth_from and args.results is None:
        ap.error("--growth-from needs --results DIR")
    repeat = max(1, args.repeat)

    import generate

    say(f"import_bench: N={args.students:,}, {repeat} run(s), {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}")
    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="caseload-bench-")))
        data = root / "district"
        t0 = time.perf_counter()
        say(f"generating {args.students:,} students (benchmarks/generate.py)")
        counts = generate.generate(data, args.students,
                                   **({"seed": args.seed} if args.seed is not None else {}),
                                   progress=say)
        rows = count_rows(data)
        csv_bytes = sum(p.stat().st_size for p in data.glob("*.csv"))
        say(f"generated {sum(counts.values()):,} rows ({rows:,} in the baseline's files, "
            f"{csv_bytes / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.1f} s")
        delta = delta_folder(data, root / "delta")
        pg: int | None = None
        pg_note: str | None = None
        if args.no_pg:
            pg_note = "--no-pg"
        else:
            got = stack.enter_context(pg_cluster())
            if isinstance(got, str):
                pg_note = got
            else:
                pg = got
                say(f"PostgreSQL: a throwaway cluster on port {pg}")
        runs = []
        for i in range(repeat):
            say(f"run {i + 1}/{repeat}")
            runs.append(one_run(i, args, data, root, delta, pg))
        saved = report(args, runs, rows, csv_bytes, pg_note)
    if args.results is not None:
        args.results.mkdir(parents=True, exist_ok=True)
        out = args.results / f"import-{args.students}.json"
        out.write_text(json.dumps(saved, indent=1))
        print(f"figures saved to {out}")


if __name__ == "__main__":
    main()
