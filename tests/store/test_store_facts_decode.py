"""The decoded materialized facts equal the pure path's facts, field by field (on SQLite and,
when available, PostgreSQL: the loader reads date columns raw and packed arrays as bytes),
with one date object per day; the packed format's migration leaves facts to be rebuilt."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from dataclasses import fields
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, inspect, text

from caseload.domain import analysis
from caseload.domain.settings import Thresholds
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store.engine import current_revision, make_engine, migrate
from caseload.store.repository import Repository
from caseload.store.schema_version import HEAD
from caseload.store.tables import METADATA
from tests.migrations import load_at
from tests.paths import MIN_DATA

MAT_TABLES = {"mat_student", "mat_class", "mat_class_facts", "mat_state"}


def _facts_pairs(engine, thresholds):  # type: ignore[no-untyped-def]
    load(engine, read_path(MIN_DATA))
    mat.refresh(engine, thresholds)
    repo = Repository(engine, thresholds=thresholds)
    loaded = {f.student.sourced_id: f for f in repo.facts(None) or []}
    with engine.connect() as conn:
        inputs = repo.inputs(conn, repo._scope(None), with_notes=False)
    pure = {i.student.sourced_id: analysis.student_facts(i, thresholds) for i in inputs}
    return loaded, pure


def test_decoded_facts_equal_the_pure_facts(engine) -> None:  # type: ignore[no-untyped-def]
    for thresholds in (Thresholds(), Thresholds(missing_counts_as_zero=False)):
        loaded, pure = _facts_pairs(engine, thresholds)
        assert loaded.keys() == pure.keys()
        for sid, want in pure.items():
            got = loaded[sid]
            assert got.attendance == want.attendance
            assert got.incident_dates == want.incident_dates
            assert tuple(got.sessions) == tuple(want.sessions)
            got_classes = {c.class_id: c for c in got.classes}
            assert got_classes == {c.class_id: c for c in want.classes}
            for c in want.classes:  # every field, the derived ones (compare=False) included
                g = got_classes[c.class_id]
                for f in fields(analysis.ClassFacts):
                    assert getattr(g, f.name) == getattr(c, f.name), f.name
                assert tuple(g.timeline) == c.timeline
            # derived fields too (compare=False in the dataclass)
            for c in want.classes:
                g = got_classes[c.class_id]
                assert (g.timeline_days, g.timeline_grades, g.final) == (
                    c.timeline_days,
                    c.timeline_grades,
                    c.final,
                )
                assert (g.weekly_days, g.weekly_max, g.sort_key) == (
                    c.weekly_days,
                    c.weekly_max,
                    c.sort_key,
                )
            assert [c.class_id for c in got.ordered_classes] == [
                c.class_id for c in want.ordered_classes
            ]


def test_decoded_dates_are_shared_objects(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    loaded, _ = _facts_pairs(sqlite_engine, Thresholds())
    by_day: dict[dt.date, int] = {}
    seen = 0
    for f in loaded.values():
        days: list[dt.date] = [*f.attendance.absent, *f.attendance.tardy]
        for c in f.classes:
            days += [*c.timeline_days, *c.weekly_days, *c.scored_dates, *c.missing_dates]
            days += [d for d in (c.term_start, c.term_end) if d is not None]
        for d in days:
            seen += 1
            assert by_day.setdefault(d, id(d)) == id(d)
    assert seen > len(by_day)  # the sample repeats days, and each is one object


def test_sessions_are_shared_by_the_decoded_students(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    loaded, _ = _facts_pairs(sqlite_engine, Thresholds())
    assert len({id(f.sessions) for f in loaded.values()}) == 1


def test_the_decoder_sets_every_class_field_directly() -> None:
    # ClassFacts built slot by slot must name exactly its fields; otherwise the decoder falls
    # back to the constructor (correct but slower), which this flags
    assert mat.DIRECT_DECODE


def test_a_lazy_timeline_reads_as_its_tuple_of_pairs() -> None:
    days = (dt.date(2026, 9, 1), dt.date(2026, 9, 3), dt.date(2026, 9, 8))
    grades = (None, 81.5, float("inf"))
    pairs = tuple(zip(days, grades, strict=True))
    lazy = mat.LazyTimeline(days, grades)
    assert len(lazy) == 3 and bool(lazy) and not mat.LazyTimeline((), ())
    assert lazy == pairs and pairs == lazy and lazy == mat.LazyTimeline(days, grades)
    assert lazy != pairs[:2] and lazy != list(pairs)
    assert hash(lazy) == hash(pairs)
    assert lazy[1] == pairs[1] and lazy[-1] == pairs[-1] and lazy[1:] == pairs[1:]
    assert list(lazy) == list(pairs) and list(reversed(lazy)) == list(reversed(pairs))
    assert dict(lazy) == dict(pairs) and (days[1], 81.5) in lazy
    assert repr(lazy) == repr(pairs)
    assert pickle.loads(pickle.dumps(lazy)) == pairs
    assert type(copy.deepcopy(lazy)) is tuple
    # a ClassFacts holding one equals (and hashes as) the pure one
    pure = analysis.ClassFacts("c", "T", None, None, None, None, (), pairs, (), (), (), ())
    lazy_cf = analysis.ClassFacts("c", "T", None, None, None, None, (), lazy, (), (), (), ())
    assert lazy_cf == pure and hash(lazy_cf) == hash(pure)


def _revision(engine: Engine, revision: str, down: bool = False) -> None:
    if not down:
        migrate(engine, revision)
        return
    from alembic import command
    from alembic.config import Config

    from caseload.store import engine as engine_module

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(engine_module.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_upgrading_old_facts_leaves_them_to_be_rebuilt(db_url: str) -> None:
    """Facts stored in the 0003 format (JSON), fresh for the import, are not misread after the
    upgrade: the tables come back empty, the state stale, and a reader rebuilds them."""
    engine = make_engine(db_url)
    try:
        load_at(engine, read_path(MIN_DATA), "0005")
        t = Thresholds()
        with engine.begin() as conn:
            old = METADATA.tables["mat_state"]
            conn.execute(
                insert(old),
                {
                    "id": 1,
                    "run_id": mat.latest_run(conn),
                    "settings": mat._state_key(t),
                    "computed_at": dt.datetime.now(dt.UTC),
                },
            )
            conn.execute(
                text(
                    "INSERT INTO mat_class_facts (student_id, class_id, title, spans, timeline,"
                    " weekly, scored, missing) VALUES ('stu-1', 'cls-x', 'X', '[]',"
                    " '[[739859, 50.0]]', '[]', '[]', '[]')"
                )
            )
            conn.execute(text("INSERT INTO mat_class_dates VALUES ('cls-x', '[739859]')"))
            conn.execute(text("INSERT INTO mat_day_status VALUES ('stu-1', '2026-09-01', 'U')"))
            conn.execute(text("INSERT INTO mat_student VALUES ('stu-1', '2026-09-01')"))
            assert mat.fresh_stamp(conn, t) is not None
        migrate(engine)
        assert current_revision(engine) == HEAD
        with engine.connect() as conn:
            assert mat.fresh_stamp(conn, t) is None
            for table in ("mat_student", "mat_class", "mat_class_facts"):
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        repo = Repository(engine, thresholds=t)
        loaded = {f.student.sourced_id: f for f in repo.facts(None) or []}
        with engine.connect() as conn:
            assert mat.is_fresh(conn, t)
            inputs = repo.inputs(conn, repo._scope(None), with_notes=False)
        assert loaded == {i.student.sourced_id: analysis.student_facts(i, t) for i in inputs}
    finally:
        engine.dispose()


def test_the_packed_facts_migration_downgrades_and_upgrades_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        load(engine, read_path(MIN_DATA))
        mat.refresh(engine, Thresholds())
        _revision(engine, "0005", down=True)
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            assert {"mat_day_status", "mat_class_dates"} <= names
            assert "mat_class" not in names
            assert conn.execute(text("SELECT count(*) FROM mat_state")).scalar() == 0
        migrate(engine)
        with engine.connect() as conn:
            assert not mat.is_fresh(conn, Thresholds())
        assert Repository(engine).facts(None)
        with engine.connect() as conn:
            assert mat.is_fresh(conn, Thresholds())
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", sorted(MAT_TABLES | {"mat_day_status", "mat_class_dates"}))
def test_migrations_create_the_facts_tables_as_declared(engine: Engine, table: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, METADATA)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    about = [d for d in flat if table in repr(d)]
    assert about == []


def test_the_constructor_fallback_decodes_the_same(sqlite_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    direct, pure = _facts_pairs(sqlite_engine, Thresholds())
    monkeypatch.setattr(mat, "DIRECT_DECODE", False)
    rebuilt = {f.student.sourced_id: f for f in Repository(sqlite_engine).facts(None) or []}
    assert rebuilt == direct == pure
    for sid, facts in rebuilt.items():
        for got, want in zip(facts.ordered_classes, direct[sid].ordered_classes, strict=True):
            for f in fields(analysis.ClassFacts):
                assert getattr(got, f.name) == getattr(want, f.name), f.name
