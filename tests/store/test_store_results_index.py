"""The facts refresh reads results through ``ix_results_student_line_item``.

Row by row (``inputs.results_of``) the read is an index walk in student and line item order:
SQLite sorts nothing. As columns (``result_columns.read``, the full refresh's read) SQLite
answers it from the index alone since migration 0027 widened the index with the four
columns that query reads (score, status, score date, missing): the lookup of each result's
row in the table was most of the query (2.1 of 6.3 s of a one-process refresh at 5,000
students; 0.7 s after). A covering index *beside* the student index was tried in the
thirteenth session and dropped (the cache grew a quarter, the import lost its ratio): 0027
widens the one index instead (about 5% more file).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from caseload.store import inputs, result_columns

COVERED = ["student_id", "line_item_id", "score", "status", "score_date", "missing"]


def _plan(engine: Engine, sql: str, params: dict[str, object] | None = None) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params or {})
        return " | ".join(str(r[-1]) for r in rows)


def test_the_refresh_reads_results_by_the_student_index_without_a_sort(
    sample_engine: Engine,
) -> None:
    if sample_engine.dialect.name != "sqlite":
        pytest.skip("the plan asked for is SQLite's (PostgreSQL plans by its statistics)")
    stmt = inputs.results_of(["stu-1", "stu-2"], graded=True)
    with sample_engine.connect() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
    graded = _plan(sample_engine, sql)
    assert "INDEX ix_results_student_line_item" in graded
    assert "TEMP B-TREE" not in graded  # the index gives the order: no sort


def test_the_full_refresh_reads_results_from_the_index_alone(sample_engine: Engine) -> None:
    """No row of the results table is read: ``COVERING INDEX`` in SQLite's plan (a column
    added to the query but not to the index would make it a table lookup per result)."""
    if sample_engine.dialect.name != "sqlite":
        pytest.skip("the plan asked for is SQLite's (PostgreSQL plans by its statistics)")
    sql = result_columns._SQL["sqlite"].format(
        status=result_columns._STATUS_SQL, where="student_id IN ('stu-00001', 'stu-00002')",
    )
    plan = _plan(sample_engine, sql)
    assert "USING COVERING INDEX ix_results_student_line_item" in plan, plan
    with sample_engine.connect() as conn:  # and it still reads the right rows
        got = result_columns.read(conn, ["stu-00001", "stu-00002"])
        expected = conn.execute(text(
            "SELECT count(*) FROM results WHERE student_id IN ('stu-00001', 'stu-00002')"
        )).scalar_one()
    assert got is not None and len(got.items) == expected > 0


def test_the_student_index_covers_the_refresh_on_both_backends(sample_engine: Engine) -> None:
    with sample_engine.connect() as conn:
        indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("results")}
    assert indexes["ix_results_student_line_item"] == COVERED


def test_migration_0027_widens_and_narrows_the_index(db_url: str) -> None:
    from caseload.store.engine import make_engine, migrate
    from tests.migrations import declared_diffs, downgrade

    engine = make_engine(db_url)

    def columns() -> list[str]:
        with engine.connect() as conn:
            got = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("results")}
        return list(got["ix_results_student_line_item"])

    try:
        migrate(engine)
        assert columns() == COVERED
        assert declared_diffs(engine, "results") == []
        downgrade(engine, "0026")
        assert columns() == ["student_id", "line_item_id"]
        migrate(engine)
        assert columns() == COVERED
        assert declared_diffs(engine, "results") == []
    finally:
        engine.dispose()


def test_a_results_values_read_back_as_stored(engine: Engine) -> None:
    """``result_columns.read`` receives each result as one number: its score, day, status
    and missing flag come back as stored, on both backends (scores whole, negative, fine,
    at the edges of what is sent scaled, none, or finer than 1/1024: ``SCORE_ODD``; every
    status and an unknown one; no date, the first and last days a date can hold)."""
    import datetime as dt

    from caseload.domain.timeline_batch import STATUS_CODE

    assert max(STATUS_CODE.values()) < result_columns._OTHER  # (the code of an unknown one)
    days = [None, dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2026, 10, 5)]
    statuses = [*(s.value for s in STATUS_CODE), "graded by hand"]
    scores = [None, 0.0, 87.5, -3.25, 2.0**-10, 2.0**-11, 8.33, 2.0**20 - 2.0**-10, 2.0**20,
              -(2.0**20) + 2.0**-10, 1e7]
    rows = [
        {"r": f"r-{k:02d}", "li": f"li-{k:02d}", "s": "stu-1", "status": statuses[k % 6],
         "d": days[k % len(days)], "m": k % 3 == 0, "score": score}
        for k, score in enumerate(scores * 2)
    ]
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO results (sourced_id, line_item_id, student_id, score, status, "
            "score_date, late, missing, excused) "
            "VALUES (:r, :li, :s, :score, :status, :d, false, :m, false)"
        ), rows)
    with engine.connect() as conn:
        got = result_columns.read(conn, ["stu-1"])
    assert got is not None
    by_item = dict(zip(got.items, zip(got.score.tolist(), got.day.tolist(),
                                      got.status.tolist(), got.missing.tolist(), strict=True),
                       strict=True))
    code = {s.value: k for s, k in STATUS_CODE.items()}

    def sent(score: float | None) -> int:
        if score is None:
            return result_columns.SCORE_NONE
        if abs(score) < 2**20 and (score * 1024).is_integer():
            return int(score * 1024)
        return result_columns.SCORE_ODD

    assert by_item == {
        r["li"]: (sent(r["score"]), 0 if r["d"] is None else r["d"].toordinal(),
                  code.get(r["status"], -1), r["m"])
        for r in rows
    }


def test_the_non_students_with_results_are_found_by_the_student_index(
    sample_engine: Engine,
) -> None:
    """The full refresh's look for results of users who are not students probes the results'
    student index once per such user: no scan of ``results`` (PostgreSQL hashed all of them
    against the non-students' ids when this was one query: 0.14-0.39 s at 5,000 students)."""
    from caseload.store.facts_rows import non_students_with_results

    if sample_engine.dialect.name != "sqlite":
        pytest.skip("the plan asked for is SQLite's (PostgreSQL plans by its statistics)")
    with sample_engine.connect() as conn:
        sql = str(non_students_with_results().compile(
            conn, compile_kwargs={"literal_binds": True}
        ))
    plan = _plan(sample_engine, sql)
    assert "SEARCH results USING COVERING INDEX ix_results_student_line_item" in plan, plan
    assert "SCAN results" not in plan, plan
