"""The import's fast paths store exactly what the plain ones did (issue 13, import rows/s).

- The loader hands every entity's rows to sqlite3 and psycopg as tuples of plain values
  (``caseload.sources.load_rows``): every stored value (and on SQLite its type) must be what
  SQLAlchemy Core's insert of the record's own values stores.
- The stage's apply paces its transactions (rows per transaction follow the last one's time)
  and widens the WAL's auto-checkpoint while it runs: the cache must come out the same
  whatever the pace, and the connection's setting must be as it was after.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam as sa_bindparam
from sqlalchemy import text

from caseload import _runtime
from caseload.domain import records as rec
from caseload.sources import load_rows, loader
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import staging
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.min_export import edit

D = dt.date(2026, 9, 3)

SAMPLES: dict[str, list[Any]] = {
    "orgs": [rec.Org("o1", "North High", "school", "NH", "d1"), rec.Org("d1", "D", "district")],
    "academic_sessions": [
        rec.AcademicSession("t1", "Fall", rec.SessionType.TERM, D, dt.date(2026, 12, 18), "y1",
                            2027, "o1"),
        rec.AcademicSession("y1", "Year", rec.SessionType.SCHOOL_YEAR, D, dt.date(2027, 6, 1)),
    ],
    "calendar_days": [
        rec.CalendarDay("sch", D, True),
        rec.CalendarDay("sch", dt.date(2026, 9, 4), False),
    ],
    "users": [
        rec.User("u1", rec.Role.STUDENT, "Ana", "Ruiz", None, "L1", "S1", "09", D, "a@x", "sch",
                 "Annie", None),
        rec.User("u2", rec.Role.GUARDIAN, "Bo", "Li"),
        rec.User("u3", rec.Role.TEACHER, "Cy", "Ng", birth_date=dt.date(999, 1, 2)),
    ],
    "guardians": [
        rec.Guardian("u1", "u2", "Bo", "Li", "parent", "555", "b@x", True, "oneroster-csv"),
        rec.Guardian("u1", "u4", "Di", "Li", None, None, None, None, None),
        rec.Guardian("u5", "u2", "Bo", "Li", "guardian", None, None, False, "edfi"),
    ],
    "courses": [rec.Course("co1", "Algebra", "ALG1", "sch"), rec.Course("co2", "Art")],
    "classes": [
        rec.Klass("c1", "Algebra 1", "co1", "sch", "ALG1-01", ("t1", "t2"), "2"),
        rec.Klass("c2", "Art", None, None, None, (), None),
        rec.Klass("c3", "Art", "co2", "sch", None, ("t1",), None),
    ],
    "enrollments": [
        rec.Enrollment("e1", "c1", "u1", rec.Role.STUDENT, D, dt.date(2027, 6, 1), True),
        rec.Enrollment("e2", "c1", "u3", rec.Role.TEACHER),
    ],
    "categories": [rec.Category("k1", "Tests", 0.4, "c1"), rec.Category("k2", "Homework")],
    "line_items": [
        rec.LineItem("li1", "c1", "Quiz", "cat", D, D, 0.0, 20.0, "gp"),
        rec.LineItem("li2", "c1", "Essay", min_points=5, max_points=None),
    ],
    "results": [
        rec.Result("r1", "li1", "u1", 18.5, rec.ScoreStatus.FULLY_GRADED, D, "good", True,
                   False, False),
        rec.Result("r2", "li1", "u2", None, rec.ScoreStatus.NOT_SUBMITTED, None, None, False,
                   True, False),
        rec.Result("r3", "li2", "u1", 0.0, rec.ScoreStatus.EXEMPT, D, "", False, False, True),
        rec.Result("r4", "li2", "u2", 7, rec.ScoreStatus.SUBMITTED),
        rec.Result("r5", "li2", "u3", 0.1 + 0.2, rec.ScoreStatus.PARTIALLY_GRADED),
    ],
    "attendance_events": [
        rec.AttendanceEvent("a1", "u1", D, rec.AttendanceCategory.UNEXCUSED_ABSENCE),
        rec.AttendanceEvent("a2", "u1", D, rec.AttendanceCategory.TARDY, "c1", "2", "sch"),
    ],
    "discipline_incidents": [
        rec.DisciplineIncident("i1", D, "sch", "fight", "in the hall", "hall"),
        rec.DisciplineIncident("i2", D),
    ],
    "student_incidents": [rec.StudentIncident("i1", "u1", "fight"),
                          rec.StudentIncident("i1", "u3", None)],
    "caseloads": [rec.CaseloadAssignment("cns", "u1"), rec.CaseloadAssignment("cns", "u5")],
}


def _stored(conn: Any, table: str) -> list[tuple[Any, ...]]:
    cols = [c.name for c in METADATA.tables[table].columns]
    if conn.dialect.name == "sqlite":
        picks = ", ".join(f'"{c}", typeof("{c}")' for c in cols)
    else:
        picks = ", ".join(f'"{c}", pg_typeof("{c}")::text' for c in cols)
    pk = ", ".join(f'"{c.name}"' for c in METADATA.tables[table].primary_key.columns)
    return [tuple(r) for r in conn.execute(text(f"SELECT {picks} FROM {table} ORDER BY {pk}"))]


def test_every_entity_has_samples_and_its_columns_are_its_records_fields():
    assert set(SAMPLES) == set(load_rows.ENTITY_RECORDS) == set(loader._CONVERT)
    for entity, record_type in load_rows.ENTITY_RECORDS.items():
        columns = [c.name for c in METADATA.tables[entity].columns]
        assert columns == [f.name for f in fields(record_type)], entity


def test_tuple_rows_store_what_core_insert_stores(engine: Any, monkeypatch: pytest.MonkeyPatch):
    """On each backend: every entity's samples through the fast path, then through Core's
    executemany of dicts (the fast path turned off), give the same rows."""
    got: dict[str, Any] = {}
    want: dict[str, Any] = {}
    for stored, fast in ((got, True), (want, False)):
        if not fast:
            monkeypatch.setattr(loader, "fast_rows", lambda *_a: None)
        with engine.begin() as conn:
            for entity, records in SAMPLES.items():
                conn.execute(METADATA.tables[entity].delete())
                if fast:
                    table = METADATA.tables[entity]
                    assert load_rows.fast_rows(
                        conn, loader._insert_for(conn, table), table, entity) is not None
                assert loader._upsert(conn, entity, records, None) == len(records)
                stored[entity] = _stored(conn, entity)
    for entity, records in SAMPLES.items():
        assert len(got[entity]) == len(records), entity
        assert got[entity] == want[entity], entity


def _cache(engine: Any) -> dict[str, list[tuple[str, ...]]]:
    out = {}
    with engine.connect() as conn:
        for name in staging.ENTITY_ORDER:
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            out[name] = sorted(tuple(map(str, r)) for r in rows)
    return out


def test_a_paced_apply_writes_the_same_cache_and_restores_the_checkpoint(
    migrated_template: Path, tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch,
):
    engines = [make_engine(f"sqlite:///{tpl.copy_sqlite(migrated_template, tmp_path / n)}")
               for n in ("steady.db", "paced.db")]
    steady, paced = engines
    chunks: list[int] = []  # the cache's results after each results transaction
    raw: list[Any] = []

    def hook(step: str, conn: Any) -> None:
        if step == "results":
            chunks.append(conn.execute(text("SELECT count(*) FROM results")).scalar_one())
            raw.append(conn.connection.dbapi_connection)
            pages = conn.exec_driver_sql("PRAGMA main.wal_autocheckpoint").scalar()
            assert pages == staging.APPLY_WAL_PAGES

    try:
        load(steady, read_path(data))
        monkeypatch.setattr(staging, "CHUNK_ROWS", 1)
        monkeypatch.setattr(staging, "AFTER_CHUNK", [hook])
        monkeypatch.setattr(staging, "CHUNK_SECONDS", 3600.0)  # every transaction "fast"
        load(paced, read_path(data))
        assert chunks == [1, 3, 5]  # 1, 2, then the 2 left: at most twice the last one's rows
        assert _cache(paced) == _cache(steady)

        edit(data / "results.csv", ",62,", ",12,")
        load(steady, read_path(data))
        chunks.clear()
        monkeypatch.setattr(staging, "CHUNK_SECONDS", 1e-9)  # every transaction "too slow"
        load(paced, read_path(data))
        assert chunks == [5] * 5  # one result per transaction: never fewer than 1 row
        assert _cache(paced) == _cache(steady)
        assert raw and all(  # the apply's connection has its own setting back
            r.execute("PRAGMA main.wal_autocheckpoint").fetchone()[0] == 1000 for r in raw)
    finally:
        for eng in engines:
            eng.dispose()


def test_a_record_given_twice_is_stored_once_with_its_last_values(engine: Any, data: Path):
    """A dataset holding one id twice (a reader of another source may) leaves the last one in
    the cache, on both backends: the SQLite stage keeps both rows (its entity tables have no
    key), and the apply's upsert copies them in order."""
    ds = read_path(data)
    first = ds.results[0]
    again = dataclasses.replace(first, score=(first.score or 0) + 1, comment="given twice")
    ds.results.append(again)
    ds.users.append(ds.users[0])
    report = load(engine, ds)
    assert report.counts["results"] == len(ds.results)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT score, comment FROM results WHERE sourced_id = :i"),
                            {"i": first.sourced_id}).all()
        total = conn.execute(text("SELECT count(*) FROM results")).scalar_one()
        users = conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    assert [tuple(r) for r in rows] == [(again.score, "given twice")]
    assert total == len(ds.results) - 1
    assert users == len(ds.users) - 1


def test_results_not_enrolled_are_rejected_in_order_unless_the_cache_enrolls(
    engine: Any, data: Path,
):
    """``not_enrolled`` checks only the results this import's roster does not vouch for: with
    --skip-invalid each is rejected with its file, physical line and field, in the file's
    order, the others kept in order; a student the cache enrolls is not rejected."""
    results = data / "results.csv"
    lines = results.read_text().splitlines(keepends=True)
    extra = "res-x{},active,2026-09-01T00:00:00Z,li-3,stu-3,,fully graded,40,,2026-09-22,,,,false,false\n"
    lines.insert(2, extra.format(1))  # physical line 3
    lines.append(extra.format(2))  # physical line 8
    results.write_text("".join(lines))
    ds = read_path(data, skip_invalid=True)
    load(engine, ds, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in ds.rejects] == [
        ("results.csv", 3, "studentSourcedId"), ("results.csv", 8, "studentSourcedId")]
    assert all("not enrolled in class 'cls-eng'" in r.reason for r in ds.rejects)
    assert [r.sourced_id for r in ds.results] == [f"res-{i}" for i in range(1, 6)]

    enrollments = data / "enrollments.csv"
    enrolled = enrollments.read_text() + (
        "e8,active,2026-09-01T00:00:00Z,cls-eng,sch-1,stu-3,student,false,2026-09-14,\n")
    enrollments.write_text(enrolled)
    load(engine, read_path(data))  # the cache now enrolls stu-3 in cls-eng
    enrollments.write_text("\n".join(enrolled.splitlines()[:-1]) + "\n")  # e8 absent, kept
    ds = read_path(data, skip_invalid=True)
    load(engine, ds, skip_invalid=True)
    assert ds.rejects == []
    assert [r.sourced_id for r in ds.results] == [
        "res-1", "res-x1", "res-2", "res-3", "res-4", "res-5", "res-x2"]


def test_the_readers_collector_pause_leaves_its_records_in_the_oldest_generation():
    """``gc_paused(promote=True)`` (the OneRoster reader's): what the block made and kept is in
    the oldest generation after it (no young pass walks it), nothing stays frozen, and the
    collector runs again."""

    class Record:
        pass

    # from nothing frozen, whatever ran before (tests/conftest.py freezes what collection
    # made; an app's test thaws it): alone, this test failed on the conftest's freeze
    was_frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    try:
        assert gc.isenabled()
        with _runtime.gc_paused(promote=True):
            made = [Record() for _ in range(3)]
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0
        oldest = {id(o) for o in gc.get_objects(generation=2)}
        assert all(id(r) in oldest for r in made)
    finally:
        if was_frozen:
            gc.freeze()


def test_the_csv_reader_keeps_each_results_id_and_date_once(data: Path):
    """A district's results.csv repeats a few thousand line item and student ids and a few
    hundred dates over millions of rows: the reader keeps one string (one date) for each
    value, not one per cell (a 75,000-student import peaked at 8.9 GiB)."""
    results = read_path(data).results
    for field in ("line_item_id", "student_id", "score_date"):
        by_value: dict[Any, list[Any]] = {}
        for r in results:
            value = getattr(r, field)
            if value is not None:
                by_value.setdefault(value, []).append(value)
        repeated = [vs for vs in by_value.values() if len(vs) > 1]
        assert repeated, f"the sample export repeats no {field}"
        for vs in repeated:
            assert all(v is vs[0] for v in vs), field


def test_a_column_left_out_of_a_sources_rows_is_stored_null_even_over_a_value(
    engine: Any, monkeypatch: pytest.MonkeyPatch,
):
    """A OneRoster load leaves ``results.score_percent`` (0026: Ed-Fi's percentages) out of
    its statement, a parameter less per row; a result stored before with a percentage (the
    same id from an Ed-Fi source) then has none, as a statement naming the column with NULL
    gives it (``excluded`` holds the default). Fast path and Core alike, on each backend."""
    table = METADATA.tables["results"]
    first = dataclasses.replace(SAMPLES["results"][0], score_percent=85.0)
    again = dataclasses.replace(first, score=9.0, score_percent=None)
    omit = loader._NOT_EDFI_COLUMNS["results"]
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(loader, "fast_rows", lambda *_a: None)
        with engine.begin() as conn:
            conn.execute(table.delete())
            loader._upsert(conn, "results", [first], None)
            assert conn.execute(text("SELECT score_percent FROM results")).scalar() == 85.0
            if fast:
                stmt = loader._insert_for(conn, table).values(
                    {c.name: sa_bindparam(c.name) for c in table.columns if c.name not in omit})
                sql, _rows = load_rows.fast_rows(conn, stmt, table, "results", omit) or ("", None)
                assert "score_percent" in sql.split("ON CONFLICT")[-1]  # (set from excluded)
                assert "score_percent" not in sql.split("ON CONFLICT")[0]
            loader._upsert(conn, "results", [again], None, omit=omit)
            row = conn.execute(text("SELECT score, score_percent FROM results")).one()
            assert tuple(row) == (9.0, None), fast
