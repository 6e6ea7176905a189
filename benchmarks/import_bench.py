"""Import speed: caseload's validated import against a raw csv + sqlite3 baseline.

    python benchmarks/import_bench.py --students 5000

Generates a synthetic school of N students (the sample-data generator), then in the same
process:
- baseline: ``csv.reader`` plus raw ``sqlite3.executemany`` of the cells into the same tables
  (created by caseload's migrations), no validation, no conversion;
- caseload: ``caseload.sources.detect.read_path`` + ``caseload.sources.loader.load`` (parse,
  validate, check references, upsert with Core insert()/executemany) into a fresh database.
Prints rows/s for both and the ratio. Target: ratio >= 0.60 at N=5,000 (docs/PERFORMANCE.md).
Then (unless --import-only), on another fresh cache of the same school: the full facts
refresh against DuckDB computing flags_bench's aggregates from the raw tables (goal: 5x its
time or better), the refresh after a 10-student delta import (goal < 1 s), and the longest
note write while a full import runs against the longest with nothing running (goal <= 1 s).
Every figure is the median of --repeat runs, on one line with its same-run baseline.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

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


# --- the issue 13 figures: facts refresh (full and after a delta), writes during an import ---


def sig3(x: float) -> str:
    """``x`` to three significant figures (0.595 stays "0.595", never "0.60")."""
    return f"{x:#.3g}".rstrip(".")


def line(what: str, ours: str, base_name: str, base: str, ratio: float, goal: str,
         ok: bool | None) -> str:
    verdict = "info" if ok is None else ("PASS" if ok else "FAIL")
    return (f"{what:<44} {ours:>12}  {base_name} {base:>10}  ratio {sig3(ratio):>6}  "
            f"(goal {goal})  {verdict}")


def delta_folder(data: Path, out: Path, students: int = 10) -> Path:
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


def duckdb_seconds(db_path: Path, work: Path, as_of: Any) -> float:
    """DuckDB's time for flags_bench's three aggregates over the raw tables (loading untimed)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import flags_bench

    con, _ = flags_bench.duckdb_load(db_path, work)
    times, _rows = flags_bench.run_baseline(con, as_of)
    con.close()
    return sum(times.values())


def note_waits(url: str, student: str, stop: Any, waits: list[float]) -> None:
    """Add notes one after another until ``stop`` is set, recording each one's wall time."""
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
        time.sleep(0.02)
    ws.engine.dispose()


def refresh_figures(data: Path, root: Path, run: int) -> dict[str, float]:
    """One run of the issue 13 figures on a fresh cache of ``data``."""
    import datetime as dt
    import threading

    from caseload.domain.settings import Thresholds
    from caseload.services.facts import refresh_facts
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store import facts as mat
    from caseload.store.engine import make_engine

    db = root / f"facts{run}.db"
    fresh_db(db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    ds = read_path(data)
    load(engine, ds)
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    mat.refresh(engine, Thresholds(), full=True)
    out["full"] = time.perf_counter() - t0
    as_of = dt.date.fromisoformat(ds.as_of) if ds.as_of else dt.date.today()
    t0 = time.perf_counter()
    refresh_facts(engine, also_as_of=as_of)  # facts fresh: the rankings of the two dates
    out["ranking"] = time.perf_counter() - t0
    out["duckdb"] = duckdb_seconds(db, root, as_of)
    delta = delta_folder(data, root / f"delta{run}")
    load(engine, read_path(delta))
    t0 = time.perf_counter()
    n = refresh_facts(engine, also_as_of=as_of)
    out["delta"] = time.perf_counter() - t0
    out["delta_students"] = n
    # a note writer's longest wait while a full import (load + refresh) runs, against its
    # longest wait with nothing else running
    student = next(u.sourced_id for u in ds.users if u.role.value == "student")
    for key, busy in (("note_idle", False), ("note_busy", True)):
        stop, waits = threading.Event(), []  # type: ignore[var-annotated]
        writer = threading.Thread(target=note_waits, args=(url, student, stop, waits))
        writer.start()
        if busy:
            from caseload.services.importing import import_into

            import_into(engine, data)
        else:
            time.sleep(2.0)
        stop.set()
        writer.join()
        out[key] = max(waits) if waits else float("nan")
        if busy:
            out["note_failed"] = sum(1 for w in waits if w == float("inf"))
    out["size_per_student"] = db.stat().st_size / max(1, len([u for u in ds.users
                                                               if u.role.value == "student"]))
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each; every figure is the median (1: one run)")
    ap.add_argument("--import-only", action="store_true",
                    help="only the import figure (no facts, delta or note-write figures)")
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

        import resource
        import statistics

        base_t, ours_t, runs = [], [], []
        for i in range(args.repeat):
            db = root / f"base{i}.db"
            fresh_db(db)
            t0 = time.perf_counter()
            baseline(data, db)
            base_t.append(time.perf_counter() - t0)

            db = root / f"ours{i}.db"
            fresh_db(db)
            t0 = time.perf_counter()
            caseload_import(data, db)
            ours_t.append(time.perf_counter() - t0)
            if not args.import_only:
                runs.append(refresh_figures(data, root, i))

        med = statistics.median
        base_rps, ours_rps = rows / med(base_t), rows / med(ours_t)
        n = f"N={args.students:,}"
        print(f"medians of {args.repeat} run(s), {n}")
        print(line("import rows/s (validated, upsert)", f"{ours_rps:,.0f}",
                   "csv+sqlite3", f"{base_rps:,.0f}", ours_rps / base_rps, ">= 0.6",
                   ours_rps / base_rps >= 0.6))
        if runs:
            def fig(key: str) -> float:
                return med([r[key] for r in runs])

            full, duck = fig("full"), fig("duckdb")
            print(line("facts refresh after a full import", f"{full:.2f} s", "duckdb",
                       f"{duck:.3f} s", full / duck, "<= 5", full / duck <= 5))
            delta = fig("delta")
            print(line(f"refresh after a delta ({fig('delta_students'):.0f} students)",
                       f"{delta:.3f} s", "full", f"{full:.2f} s", delta / full, "< 1 s",
                       delta < 1.0))
            print(line("ranking of 2 dates (all students)", f"{fig('ranking'):.2f} s",
                       "full", f"{full:.2f} s", fig("ranking") / full, "none", None))
            busy, idle = fig("note_busy"), fig("note_idle")
            failed = sum(r["note_failed"] for r in runs)
            if failed:
                print(f"note writes that failed (gave up) during the imports: {failed:.0f}")
            print(line("longest note write during an import", f"{busy:.3f} s", "idle",
                       f"{idle:.3f} s", busy / idle, "<= 1 s", busy <= 1.0))
            print(f"cache size per student: {fig('size_per_student') / 1024:.1f} KiB; "
                  f"peak memory (max RSS) of the process: "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
