"""The ``last_seen`` table (issue 14 §2, migration 0014): when each counselor last looked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import inspect

from caseload.store import last_seen
from caseload.store.engine import current_revision, make_engine, migrate
from caseload.store.schema_version import HEAD
from caseload.store.tables import METADATA
from tests.migrations import downgrade

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def test_remembered_per_scope_and_migrated_both_ways(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        migrate(engine)
        assert current_revision(engine) == HEAD
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(ctx, METADATA) if "last_seen" in repr(d)]
        assert diffs == []
        assert last_seen.get(engine, "cns-1") is None
        last_seen.mark(engine, "cns-1", dt.date(2026, 11, 13), NOW)
        last_seen.mark(engine, None, dt.date(2026, 11, 1), NOW)  # every student
        last_seen.mark(engine, "cns-1", dt.date(2026, 11, 20), NOW)  # replaces
        assert last_seen.get(engine, "cns-1") == dt.date(2026, 11, 20)
        assert last_seen.get(engine, None) == dt.date(2026, 11, 1)
        assert last_seen.get(engine, "cns-2") is None
        downgrade(engine, "0009")
        with engine.connect() as conn:
            assert not inspect(conn).has_table("last_seen")
        migrate(engine)
        assert last_seen.get(engine, "cns-1") is None
    finally:
        engine.dispose()
