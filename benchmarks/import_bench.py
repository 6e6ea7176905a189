"""Import speed: caseload's validated import against a raw csv + sqlite3 baseline.

    python benchmarks/import_bench.py --students 5000

Generates a synthetic school of N students (the sample-data generator), then in the same
process:
- baseline: ``csv.reader`` plus raw ``sqlite3.executemany`` of the cells into the same tables
  (created by caseload's migrations), no validation, no conversion;
- caseload: ``caseload.sources.detect.read_path`` + ``caseload.sources.loader.load`` (parse,
  validate, check references, upsert with Core insert()/executemany) into a fresh database.
Prints rows/s for both and the ratio. Target: ratio >= 0.60 at N=5,000 (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import time
from pathlib import Path

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


def fresh_db(path: Path) -> str:
    from caseload.store.engine import make_engine, migrate

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return str(path)


def baseline(data: Path, db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    rows_total = 0
    with conn:
        for fname, (table, cols, consts) in BASELINE_MAP.items():
            path = data / fname
            if not path.exists():
                continue
            with path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                idx = [header.index(c) for _, c in cols]
                names = [t for t, _ in cols] + list(consts)
                tail = tuple(consts.values())
                sql = (
                    f"INSERT INTO {table} ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                    f"VALUES ({', '.join('?' * len(names))})"
                )
                batch = [tuple(row[i] for i in idx) + tail for row in reader]
                conn.executemany(sql, batch)
                rows_total += len(batch)
    conn.close()
    return rows_total


def caseload_import(data: Path, db_path: Path) -> int:
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db_path}")
    ds = read_path(data)
    report = load(engine, ds)
    engine.dispose()
    return sum(report.counts.values())


def count_rows(data: Path) -> int:
    total = 0
    for fname in BASELINE_MAP:
        p = data / fname
        if p.exists():
            with p.open(encoding="utf-8") as fh:
                total += sum(1 for _ in fh) - 1
    return total


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs of each")
    args = ap.parse_args()

    from caseload.samplegen import generate

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "school"
        t0 = time.perf_counter()
        generate(data, students=args.students)
        gen_s = time.perf_counter() - t0
        rows = count_rows(data)
        print(
            f"generated {args.students:,} students, {rows:,} rows in baseline files ({gen_s:.1f} s)"
        )

        best_base = best_ours = float("inf")
        for i in range(args.repeat):
            db = root / f"base{i}.db"
            fresh_db(db)
            t0 = time.perf_counter()
            baseline(data, db)
            best_base = min(best_base, time.perf_counter() - t0)

            db = root / f"ours{i}.db"
            fresh_db(db)
            t0 = time.perf_counter()
            caseload_import(data, db)
            best_ours = min(best_ours, time.perf_counter() - t0)

        base_rps = rows / best_base
        ours_rps = rows / best_ours
        fmt = "{:<42} {:6.2f} s {:12,.0f} rows/s"
        print(fmt.format("baseline csv.reader + sqlite3.executemany:", best_base, base_rps))
        print(fmt.format("caseload import (validated, upsert):", best_ours, ours_rps))
        print(f"ratio caseload/baseline: {ours_rps / base_rps:.2f} (target >= 0.60)")


if __name__ == "__main__":
    main()
