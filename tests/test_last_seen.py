"""The ``last_seen`` table (issue 14 §2; migrations 0014, 0020): when each person last looked
at each scope. Per login on PostgreSQL: tests/test_access.py (test_last_seen_as_each_login)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import inspect, text

from caseload.store import last_seen
from caseload.store.engine import current_revision, make_engine, migrate
from caseload.store.schema_version import HEAD
from tests.migrations import declared_diffs, downgrade

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def test_remembered_per_scope_and_migrated_both_ways(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        migrate(engine)
        assert current_revision(engine) == HEAD
        assert declared_diffs(engine, "last_seen") == []
        assert last_seen.get(engine, "cns-1") is None
        last_seen.mark(engine, "cns-1", dt.date(2026, 11, 13), NOW)
        last_seen.mark(engine, None, dt.date(2026, 11, 1), NOW)  # every student
        last_seen.mark(engine, "cns-1", dt.date(2026, 11, 20), NOW)  # replaces
        assert last_seen.get(engine, "cns-1") == dt.date(2026, 11, 20)
        assert last_seen.get(engine, None) == dt.date(2026, 11, 1)
        assert last_seen.get(engine, "cns-2") is None
        with engine.connect() as conn:  # one user: every row is the owner's
            assert set(conn.execute(text("SELECT viewer FROM last_seen")).scalars()) == {""}
        downgrade(engine, "0009")
        with engine.connect() as conn:
            assert not inspect(conn).has_table("last_seen")
        migrate(engine)
        assert last_seen.get(engine, "cns-1") is None
    finally:
        engine.dispose()


def test_migration_0020_keeps_each_date_both_ways(db_url: str) -> None:
    """Rows written before 0020 keep their dates: on SQLite (one user) the owner's; on
    PostgreSQL a counselor's scope becomes that counselor's (the old policy let only its
    login, or a district login, write it), every student's the owner's. Down again, one row
    per scope: the latest look."""
    engine = make_engine(db_url)
    pg = engine.dialect.name == "postgresql"
    try:
        migrate(engine)
        downgrade(engine, "0019")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO last_seen (scope, as_of, seen_at) VALUES "
                "('cns-1', '2026-11-13', '2026-11-13 08:00:00+00:00'), "
                "('', '2026-11-02', '2026-11-02 08:00:00+00:00')"))
        migrate(engine)
        assert current_revision(engine) == HEAD
        assert declared_diffs(engine, "last_seen") == []
        with engine.connect() as conn:
            rows = {(v, s, str(d)) for v, s, d in conn.execute(
                text("SELECT viewer, scope, as_of FROM last_seen"))}  # (SQLite: ISO text)
        assert rows == {("cns-1" if pg else "", "cns-1", "2026-11-13"), ("", "", "2026-11-02")}
        if not pg:  # the owner's own dates, as before
            assert last_seen.get(engine, "cns-1") == dt.date(2026, 11, 13)
            assert last_seen.get(engine, None) == dt.date(2026, 11, 2)
        with engine.begin() as conn:  # another viewer's later look at cns-1
            conn.execute(text(
                "INSERT INTO last_seen (viewer, scope, as_of, seen_at) VALUES "
                "('district-1', 'cns-1', '2026-11-18', '2026-11-18 08:00:00+00:00')"))
        downgrade(engine, "0019")
        with engine.connect() as conn:
            rows = {(s, str(d)) for s, d in conn.execute(
                text("SELECT scope, as_of FROM last_seen"))}
        assert rows == {("cns-1", "2026-11-18"), ("", "2026-11-02")}
        migrate(engine)
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()
