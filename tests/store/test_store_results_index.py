"""Migration 0018 (``ix_results_student``) and what it serves: the facts refresh's read of
each chunk's results walks that index alone (SQLite never looks a result up in its table), and
the queries by student and line item still use it. On both backends for the migration."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from caseload.store import inputs


def _plan(engine: Engine, graded: bool) -> str:
    stmt = inputs.results_of(["stu-1", "stu-2"], graded=graded)
    with engine.connect() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        return " | ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_the_refresh_reads_results_from_the_index_alone(sample_engine: Engine) -> None:
    if sample_engine.dialect.name != "sqlite":
        pytest.skip("the plan asked for is SQLite's (PostgreSQL plans by its statistics)")
    graded = _plan(sample_engine, graded=True)
    assert "COVERING INDEX ix_results_student" in graded
    assert "TEMP B-TREE" not in graded  # the index gives the order: no sort
    shown = _plan(sample_engine, graded=False)  # (the drill-downs read comments: the table)
    assert "INDEX ix_results_student" in shown


def test_migration_0018_widens_the_results_index_both_ways(db_url: str) -> None:
    from caseload.store.engine import make_engine, migrate
    from tests.migrations import declared_diffs, downgrade, index_names

    engine = make_engine(db_url)
    try:
        migrate(engine)
        assert declared_diffs(engine, "results") == []
        names = index_names(engine, "results")
        assert "ix_results_student" in names and "ix_results_student_line_item" not in names
        downgrade(engine, "0017")
        names = index_names(engine, "results")
        assert "ix_results_student_line_item" in names and "ix_results_student" not in names
        migrate(engine)
        assert declared_diffs(engine, "results") == []
        # an upgrade stopped after it built the new index (SQLite does not roll index DDL
        # back): the next one finishes it
        downgrade(engine, "0017")
        with engine.begin() as conn:
            conn.execute(text(
                "CREATE INDEX ix_results_student ON results (student_id, line_item_id, "
                "score_date, sourced_id, score, status, missing)"
            ))
        migrate(engine)
        assert declared_diffs(engine, "results") == []
        assert "ix_results_student_line_item" not in index_names(engine, "results")
    finally:
        engine.dispose()
