"""Flags speed: every student's flags and metrics against a DuckDB baseline over the raw tables.

    python benchmarks/flags_bench.py --students 5000 [--as-of 2026-11-20] [--repeat 3]

Generates a synthetic district of N students (benchmarks/generate.py: schools of up to 2,500
shaped like the sample school, data through --as-of),
imports it into a fresh SQLite cache with caseload's importer (timed and reported on its own
line), then in the same process:
- caseload: ``Repository(engine).caseload(None, as_of)``, every student's flags and metrics
  (``list[StudentReport]``), and ``caseload(counselor, as_of)`` for the largest caseload;
- baseline: DuckDB (in-memory) over the raw tables, copied out of the same SQLite file before
  timing starts (through DuckDB's sqlite extension when it is installed locally, else a CSV
  dump; loading is not timed). Three queries, each fetched into Python like caseload's reports:
  (a) full-day unexcused absences in the 30 calendar days ending on D, (b) the current absence
  streak (gaps and islands over school days), (c) the weekly running grade by points of every
  student in every enrolled class, for every complete week up to D.
The baseline is deliberately simpler than caseload's rules: it reads whole-day records only
(no period-level half-day rule), grades by points whatever the class's policy, and computes
no flag, message, what-if or triage order. Sanity lines compare its figures with caseload's.
Each figure is the best of --repeat runs after one warm-up, on one line (benchmarks/report.py):
what, value, the baseline (the DuckDB queries' best total), "ratio" to three significant
figures, the goal and PASS/FAIL, or "info" where none is set; the last two lines give the
medians of the same runs and the slowest warm call (a full pass of Python's garbage collector
can land in one). The import has no baseline here, and the facts refresh no goal (import_bench
measures both against their baselines and goals). Goals (issue 3, "Speed"), on the warm line:
caseload under 100 ms at N=500; ratio caseload/duckdb at most 1.0 at N=5,000; info at other
sizes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # generate and report, imported as modules

from report import line, ms, secs  # noqa: E402  (benchmarks/report.py: the figure lines)

# table -> [(column, DuckDB type)]: the raw columns the baseline reads
RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    "users": [("sourced_id", "VARCHAR"), ("role", "VARCHAR"), ("school_id", "VARCHAR")],
    "enrollments": [
        ("class_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("role", "VARCHAR"),
        ("begin_date", "DATE"),
        ("end_date", "DATE"),
    ],
    "academic_sessions": [
        ("sourced_id", "VARCHAR"),
        ("type", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("school_id", "VARCHAR"),
    ],
    "calendar_days": [("school_id", "VARCHAR"), ("date", "DATE"), ("instructional", "INTEGER")],
    "attendance_events": [
        ("student_id", "VARCHAR"),
        ("date", "DATE"),
        ("category", "VARCHAR"),
        ("class_id", "VARCHAR"),
    ],
    "line_items": [
        ("sourced_id", "VARCHAR"),
        ("class_id", "VARCHAR"),
        ("due_date", "DATE"),
        ("max_points", "DOUBLE"),
    ],
    "results": [
        ("line_item_id", "VARCHAR"),
        ("student_id", "VARCHAR"),
        ("score", "DOUBLE"),
        ("status", "VARCHAR"),
        ("score_date", "DATE"),
        ("missing", "INTEGER"),
    ],
}

# (a) full-day unexcused absences in the 30 calendar days ending on D, every student
SQL_UNEXCUSED_30D = """
WITH unx AS (
    SELECT student_id, count(DISTINCT date) AS n
    FROM attendance_events
    WHERE class_id IS NULL AND category = 'unexcused_absence'
      AND date BETWEEN CAST($d AS DATE) - 29 AND CAST($d AS DATE)
    GROUP BY student_id
)
SELECT u.sourced_id, coalesce(unx.n, 0) AS unexcused_30d
FROM users u LEFT JOIN unx ON unx.student_id = u.sourced_id
WHERE u.role = 'student'
"""

# (b) the current run of consecutive school days with a full-day absence, ending at the last
# school day on or before D. School days: weekdays inside the terms (a session tied to no
# school applies to every school), minus non-instructional calendar days, plus instructional
# weekend days. Gaps and islands: index the school days, then idx - row_number() per student.
SQL_ABSENCE_STREAK = """
WITH schools AS (
    SELECT DISTINCT school_id FROM users WHERE role = 'student'
),
term_days AS (
    SELECT s.school_id,
           CAST(unnest(generate_series(CAST(t.start_date AS TIMESTAMP),
                                       CAST(t.end_date AS TIMESTAMP),
                                       INTERVAL 1 DAY)) AS DATE) AS day
    FROM schools s
    JOIN academic_sessions t
      ON t.type IN ('semester', 'term')
     AND (t.school_id IS NULL OR s.school_id IS NULL OR t.school_id = s.school_id)
),
school_days AS (
    (
        SELECT school_id, day FROM term_days WHERE isodow(day) <= 5
        UNION
        SELECT school_id, date FROM calendar_days WHERE instructional = 1 AND isodow(date) >= 6
    )
    EXCEPT
    SELECT school_id, date FROM calendar_days WHERE instructional = 0
),
numbered AS (
    SELECT coalesce(school_id, '') AS school, day,
           row_number() OVER (PARTITION BY school_id ORDER BY day) AS idx
    FROM school_days
    WHERE day <= CAST($d AS DATE)
),
last_day AS (
    SELECT school, max(idx) AS last_idx FROM numbered GROUP BY school
),
absent AS (
    SELECT DISTINCT a.student_id, n.idx
    FROM attendance_events a
    JOIN users u ON u.sourced_id = a.student_id
    JOIN numbered n ON n.school = coalesce(u.school_id, '') AND n.day = a.date
    WHERE a.class_id IS NULL AND a.category IN ('excused_absence', 'unexcused_absence')
),
islands AS (
    SELECT student_id, max(idx) AS end_idx, count(*) AS len
    FROM (
        SELECT student_id, idx,
               idx - row_number() OVER (PARTITION BY student_id ORDER BY idx) AS grp
        FROM absent
    )
    GROUP BY student_id, grp
)
SELECT u.sourced_id, coalesce(i.len, 0) AS absence_streak
FROM users u
LEFT JOIN last_day l ON l.school = coalesce(u.school_id, '')
LEFT JOIN islands i ON i.student_id = u.sourced_id AND i.end_idx = l.last_idx
WHERE u.role = 'student'
"""

# (c) weekly running grade by points: 100 * sum(score) / sum(max points) of the counted results
# with effective date (score date, else due date) on or before each Sunday, per student and
# enrolled class, from the first week with a counted result to the last complete week (Sunday
# on or before D). Exempt results are excluded; not submitted (or missing) without a score is 0;
# other results without a score are excluded. A week with no new results repeats the grade.
SQL_WEEKLY_GRADES = """
WITH params AS (
    SELECT CAST($d AS DATE) - CAST(isodow(CAST($d AS DATE)) % 7 AS INTEGER) AS last_sunday
),
enrolled AS (
    SELECT DISTINCT user_id AS student_id, class_id FROM enrollments WHERE role = 'student'
),
counted AS (
    SELECT r.student_id, li.class_id,
           coalesce(r.score_date, li.due_date) AS eff,
           coalesce(r.score, 0.0) AS score,
           li.max_points AS max_points
    FROM results r
    JOIN line_items li ON li.sourced_id = r.line_item_id
    JOIN enrolled e ON e.student_id = r.student_id AND e.class_id = li.class_id
    WHERE r.status <> 'exempt'
      AND (r.score IS NOT NULL OR r.status = 'not submitted' OR r.missing = 1)
),
weekly AS (
    SELECT c.student_id, c.class_id,
           c.eff + CAST(7 - isodow(c.eff) AS INTEGER) AS week_end,
           sum(c.score) AS earned, sum(c.max_points) AS possible
    FROM counted c, params p
    WHERE c.eff <= p.last_sunday
    GROUP BY ALL
),
grid AS (
    SELECT w.student_id, w.class_id,
           CAST(unnest(generate_series(CAST(min(w.week_end) AS TIMESTAMP),
                                       CAST(any_value(p.last_sunday) AS TIMESTAMP),
                                       INTERVAL 7 DAY)) AS DATE) AS week_end
    FROM weekly w, params p
    GROUP BY w.student_id, w.class_id
)
SELECT g.student_id, g.class_id, g.week_end,
       100 * sum(coalesce(w.earned, 0)) OVER win
           / nullif(sum(coalesce(w.possible, 0)) OVER win, 0) AS grade
FROM grid g
LEFT JOIN weekly w USING (student_id, class_id, week_end)
WINDOW win AS (PARTITION BY g.student_id, g.class_id ORDER BY g.week_end)
"""

QUERIES: dict[str, str] = {
    "unexcused_30d": SQL_UNEXCUSED_30D,
    "absence_streak": SQL_ABSENCE_STREAK,
    "weekly_grades": SQL_WEEKLY_GRADES,
}


# --- setup (not timed as part of either figure) -----------------------------------------------


def caseload_import(data: Path, db_path: Path) -> Any:
    """A fresh, migrated SQLite cache with the school imported; returns the engine."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine, migrate

    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine)
    load(engine, read_path(data))
    return engine


def duckdb_load(db_path: Path, work: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """An in-memory DuckDB with RAW_TABLES copied from the SQLite cache; returns (con, how)."""
    con = duckdb.connect()
    # never reach for the network: use the sqlite extension only if it is installed already
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    try:
        con.execute("LOAD sqlite")
        con.execute(f"ATTACH '{db_path}' AS src (TYPE sqlite, READ_ONLY)")
    except duckdb.Error:
        return _load_via_csv(con, db_path, work), "sqlite3 -> CSV -> COPY"
    for table, cols in RAW_TABLES.items():
        select = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in cols)
        con.execute(f"CREATE TABLE {table} AS SELECT {select} FROM src.{table}")
    con.execute("DETACH src")
    return con, "sqlite extension (ATTACH READ_ONLY)"


def _load_via_csv(
    con: duckdb.DuckDBPyConnection, db_path: Path, work: Path
) -> duckdb.DuckDBPyConnection:
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for table, cols in RAW_TABLES.items():
            path = work / f"{table}.csv"
            names = [c for c, _ in cols]
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(names)
                cur = src.execute(f"SELECT {', '.join(names)} FROM {table}")
                while rows := cur.fetchmany(50_000):
                    writer.writerows(rows)
            ddl = ", ".join(f"{c} {t}" for c, t in cols)
            con.execute(f"CREATE TABLE {table} ({ddl})")
            con.execute(f"COPY {table} FROM '{path}' (HEADER true, NULLSTR '')")
    finally:
        src.close()
    return con


# --- timing ---------------------------------------------------------------------------------


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """One warm-up call, then the best wall time (seconds) of ``repeat`` calls."""
    times, out = times_of(fn, repeat)
    return min(times), out


def times_of(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """One warm-up call, then the wall time (seconds) of each of ``repeat`` calls."""
    out = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def run_baseline(
    con: duckdb.DuckDBPyConnection, as_of: dt.date
) -> tuple[dict[str, float], dict[str, list[tuple[Any, ...]]]]:
    times: dict[str, float] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for name, sql in QUERIES.items():
        t0 = time.perf_counter()
        rows[name] = con.execute(sql, {"d": as_of}).fetchall()
        times[name] = time.perf_counter() - t0
    return times, rows


# --- sanity ---------------------------------------------------------------------------------


def sanity(reports: list[Any], rows: dict[str, list[tuple[Any, ...]]], db_path: Path) -> list[str]:
    """Lines comparing the baseline's figures with caseload's reports."""
    by_id = {r.id: r.metrics for r in reports}
    unx = dict(rows["unexcused_30d"])
    streak = dict(rows["absence_streak"])
    unx5 = sum(1 for v in unx.values() if v >= 5)
    our_unx5 = sum(1 for m in by_id.values() if m.unexcused_30d >= 5)
    same_unx = sum(1 for s, m in by_id.items() if unx.get(s) == m.unexcused_30d)
    streak3 = sum(1 for v in streak.values() if v >= 3)
    our_streak3 = sum(1 for m in by_id.values() if m.absence_streak >= 3)
    same_streak = sum(1 for s, m in by_id.items() if streak.get(s) == m.absence_streak)

    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        sql = (
            "SELECT class_id FROM grading_policies WHERE method = 'points' AND class_id NOT IN "
            "(SELECT class_id FROM policy_categories WHERE drop_lowest > 0)"
        )
        by_points = {cid for (cid,) in src.execute(sql)}
    finally:
        src.close()
    ours = {
        (sid, c.id, week): grade
        for sid, m in by_id.items()
        for c in m.classes
        for week, grade in c.weekly
    }
    theirs = {(s, c, w): g for s, c, w, g in rows["weekly_grades"]}
    both = len(theirs.keys() & ours.keys())
    diffs = [
        abs(theirs[k] - g)
        for k, g in ours.items()
        if k[1] in by_points and theirs.get(k) is not None
    ]
    close = sum(1 for d in diffs if d <= 0.05)
    worst = max(diffs, default=0.0)
    return [
        f"students: duckdb {len(unx):,} / caseload {len(by_id):,}",
        f"students with >= 5 unexcused in 30 days: duckdb {unx5:,} / caseload {our_unx5:,} "
        f"(same count for {same_unx:,} students)",
        f"students with an absence streak >= 3: duckdb {streak3:,} / caseload {our_streak3:,} "
        f"(same streak for {same_streak:,} students)",
        f"weekly grades (student, class, week): duckdb {len(theirs):,} / caseload "
        f"{len(ours):,}, {both:,} in both",
        f"classes graded by points, no drop-lowest: {len(diffs):,} weekly grades compared, "
        f"{close:,} within 0.05, max |diff| {worst:.3g}",
    ]


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (after a warm-up)")
    args = ap.parse_args()
    n, as_of, repeat = args.students, args.as_of, max(1, args.repeat)

    import generate

    from caseload.store.repository import Repository

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "school"
        t0 = time.perf_counter()
        generate.generate(data, n, as_of=as_of)
        gen_s = time.perf_counter() - t0

        db_path = root / "cache.db"
        t0 = time.perf_counter()
        engine = caseload_import(data, db_path)
        import_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        con, how = duckdb_load(db_path, root)
        load_s = time.perf_counter() - t0
        sizes = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("results", "attendance_events")
        }
        print(
            f"generated {n:,} students as of {as_of} ({gen_s:.1f} s): "
            f"{sizes['results']:,} results, {sizes['attendance_events']:,} attendance events"
        )
        print(
            f"duckdb {duckdb.__version__}: raw tables loaded via {how} in {load_s:.1f} s "
            f"(not timed), {os.cpu_count()} CPUs"
        )

        from caseload.domain.settings import Thresholds
        from caseload.store.facts import refresh

        t0 = time.perf_counter()
        refresh(engine, Thresholds())  # what `caseload import` does after loading
        refresh_s = time.perf_counter() - t0
        # cold: a new Repository each call, facts decoded from the materialized tables
        cold_s, _ = best_of(lambda: Repository(engine).caseload(None, as_of), repeat)
        # warm: one Repository (the TUI's case), facts kept in memory until the next import
        repo = Repository(engine)
        ours_all, reports = times_of(lambda: repo.caseload(None, as_of), repeat)
        ours_s = min(ours_all)
        counselor = repo.default_counselor()
        if counselor is not None:
            one_s, one = best_of(lambda: repo.caseload(counselor, as_of), repeat)

        totals: list[float] = []
        per_query: dict[str, float] = {}
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for _ in range(repeat + 1):  # the first round is the warm-up
            times, rows = run_baseline(con, as_of)
            totals.append(sum(times.values()))
            for name, t in times.items():
                per_query[name] = min(per_query.get(name, float("inf")), t)
        base_s = min(totals[1:])

        for check in sanity(reports, rows, db_path):
            print(f"  sanity: {check}")
        con.close()
        engine.dispose()

    med = statistics.median
    ours_med, base_med = med(ours_all), med(totals[1:])
    print(f"best of {repeat} after one warm-up; as of {as_of}")
    print(line("caseload import (read_path + load)", secs(import_s), "no baseline", "—",
               None, "none", None))
    print(line("caseload facts refresh (after import)", secs(refresh_s), "duckdb",
               secs(base_s), refresh_s / base_s, "none", None))
    print(line(f"caseload flags (all {n:,} students), cold", ms(cold_s, 1), "duckdb",
               ms(base_s, 1), cold_s / base_s, "none", None))
    goal, ok = flags_goal(n, ours_s, ours_s / base_s)
    print(line(f"caseload flags (all {n:,} students), warm", ms(ours_s, 1), "duckdb",
               ms(base_s, 1), ours_s / base_s, goal, ok))
    if counselor is not None:
        print(line(f"caseload flags ({counselor}, {len(one):,} students)", ms(one_s, 1),
                   "duckdb", ms(base_s, 1), one_s / base_s, "none", None))
    for name, t in per_query.items():
        print(line(f"duckdb query {name}", ms(t, 1), "all 3", ms(base_s, 1), t / base_s,
                   "none", None))
    print(line(f"caseload flags (all {n:,}), warm, median", ms(ours_med, 1), "duckdb median",
               ms(base_med, 1), ours_med / base_med, "none", None))
    worst, base_worst = max(ours_all), max(totals[1:])
    print(line(f"caseload flags (all {n:,}), warm, slowest", ms(worst, 1), "duckdb slowest",
               ms(base_worst, 1), worst / base_worst, "none", None))


def flags_goal(n: int, ours: float, ratio: float) -> tuple[str, bool | None]:
    """Issue 3's goals for the warm flags of every student (best of the runs here, the median
    in import_bench), at the sizes it names; info elsewhere (75,000: import_bench's growth
    line)."""
    if n <= 500:
        return "< 100 ms, issue 3", ours < 0.1
    if n == 5000:
        return "<= 1, issue 3", ratio <= 1.0
    return "none at this size", None

if __name__ == "__main__":
    main()
