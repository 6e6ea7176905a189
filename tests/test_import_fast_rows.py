"""The import's fast paths store exactly what the plain ones did (issue 13, import rows/s).

- The loader hands the bulk entities' rows to sqlite3 as tuples of plain values (bools as
  0/1, StrEnums as their text, dates as ISO text): every value and its SQLite type must be
  what SQLAlchemy Core's insert of the record's own values stores.
- The stage's apply paces its transactions (rows per transaction follow the last one's time)
  and widens the WAL's auto-checkpoint while it runs: the cache must come out the same
  whatever the pace, and the connection's setting must be as it was after.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from caseload.domain import records as rec
from caseload.sources import loader
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import staging
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.min_export import edit

D = dt.date(2026, 9, 3)

SAMPLES: dict[str, list[Any]] = {
    "users": [
        rec.User("u1", rec.Role.STUDENT, "Ana", "Ruiz", None, "L1", "S1", "09", D, "a@x", "sch",
                 "Annie", None),
        rec.User("u2", rec.Role.GUARDIAN, "Bo", "Li"),
        rec.User("u3", rec.Role.TEACHER, "Cy", "Ng", birth_date=dt.date(999, 1, 2)),
    ],
    "enrollments": [
        rec.Enrollment("e1", "c1", "u1", rec.Role.STUDENT, D, dt.date(2027, 6, 1), True),
        rec.Enrollment("e2", "c1", "u3", rec.Role.TEACHER),
    ],
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
    ],
    "attendance_events": [
        rec.AttendanceEvent("a1", "u1", D, rec.AttendanceCategory.UNEXCUSED_ABSENCE),
        rec.AttendanceEvent("a2", "u1", D, rec.AttendanceCategory.TARDY, "c1", "2", "sch"),
    ],
    "calendar_days": [
        rec.CalendarDay("sch", D, True),
        rec.CalendarDay("sch", dt.date(2026, 9, 4), False),
    ],
}


def _stored(conn: Any, table: str) -> list[tuple[Any, ...]]:
    cols = [c.name for c in METADATA.tables[table].columns]
    picks = ", ".join(f'"{c}", typeof("{c}")' for c in cols)
    return [tuple(r) for r in conn.execute(text(f"SELECT {picks} FROM {table} ORDER BY rowid"))]


def test_every_bulk_entity_is_covered():
    assert set(SAMPLES) == set(loader._TUPLE_ENTITIES)


@pytest.mark.parametrize("entity", sorted(SAMPLES))
def test_tuple_rows_store_what_core_insert_stores(entity: str, monkeypatch: pytest.MonkeyPatch):
    fast_engine = create_engine("sqlite://")
    plain_engine = create_engine("sqlite://")
    table = METADATA.tables[entity]
    for eng in (fast_engine, plain_engine):
        table.create(eng)
    records = SAMPLES[entity]
    with fast_engine.begin() as conn:
        assert loader._upsert(conn, entity, records, None) == len(records)
    monkeypatch.setattr(loader, "_TUPLE_ENTITIES", {})  # the dict path through Core
    with plain_engine.begin() as conn:
        assert loader._upsert(conn, entity, records, None) == len(records)
    with fast_engine.connect() as fast, plain_engine.connect() as plain:
        got, want = _stored(fast, entity), _stored(plain, entity)
    assert got == want
    assert len(got) == len(records)


def test_the_fast_path_is_taken_for_the_bulk_entities():
    eng = create_engine("sqlite://")
    with eng.connect() as conn:
        for entity, record_type in loader._TUPLE_ENTITIES.items():
            table = METADATA.tables[entity]
            stmt = loader._insert_for(conn, table)
            assert loader._fast_sqlite_rows(conn, stmt, table, record_type) is not None, entity


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
