"""The facts refresh's read of each chunk's results (``inputs.results_of``) is an index walk
in student and line item order: SQLite uses ``ix_results_student_line_item`` and sorts
nothing. (A covering index was tried in the thirteenth session and dropped: the refresh
gained about 5% at 75,000 students, the import lost 6-10% and the cache grew a quarter.)"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from caseload.store import inputs


def _plan(engine: Engine, graded: bool) -> str:
    stmt = inputs.results_of(["stu-1", "stu-2"], graded=graded)
    with engine.connect() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        return " | ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_the_refresh_reads_results_by_the_student_index_without_a_sort(
    sample_engine: Engine,
) -> None:
    if sample_engine.dialect.name != "sqlite":
        pytest.skip("the plan asked for is SQLite's (PostgreSQL plans by its statistics)")
    graded = _plan(sample_engine, graded=True)
    assert "INDEX ix_results_student_line_item" in graded
    assert "TEMP B-TREE" not in graded  # the index gives the order: no sort
