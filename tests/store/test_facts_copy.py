"""The facts refresh's rows written by COPY on PostgreSQL (``facts_rows.copy_rows``, issue 13).

An INSERT executed once per row cost the server and psycopg more than the copy (a chunk of
500 students: 0.077 s of the writer's CPU, 0.022 s by COPY). The rows written must be exactly
the ones the INSERTs wrote (every column's type: texts, blobs, dates, booleans, None), and a
failure must reach the caller as SQLAlchemy's error, the transaction rolled back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, exc, text

from caseload.domain.settings import Thresholds
from caseload.store.facts_rows import computed_here, insert_rows, write_part
from caseload.store.tables import METADATA
from tests import templates as tpl

TABLES = ("mat_student", "mat_class", "mat_class_facts")


def _facts(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in TABLES
        }


def _students(engine: Any) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT sourced_id FROM users WHERE role = 'student' ORDER BY sourced_id"
        )).scalars())


def test_the_rows_copied_are_the_rows_computed(small_engine: Any) -> None:
    before = _facts(small_engine)
    assert before["mat_class_facts"] and before["mat_student"]
    assert any(None in row for row in before["mat_class_facts"])  # (None travels too)
    ids = _students(small_engine)
    (students, heads, classes), = computed_here(small_engine, Thresholds(), [ids])
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(small_engine, "before_cursor_execute", seen)
    try:
        write_part(small_engine, ids, students, classes)
        with small_engine.begin() as conn:  # the class rows, as the refresh writes them
            conn.execute(METADATA.tables["mat_class"].delete())
            insert_rows(conn, METADATA.tables["mat_class"], list(heads.values()))
    finally:
        event.remove(small_engine, "before_cursor_execute", seen)
    assert _facts(small_engine) == before
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    if small_engine.dialect.name == "postgresql":
        assert inserts == []  # (COPY goes to psycopg's cursor directly)
    else:
        assert len(inserts) == 3


@pytest.mark.postgres
def test_a_failed_copy_is_sqlalchemys_error_and_rolls_back(
    pg_server: Any, shared_dir: Path
) -> None:
    from caseload.store.engine import make_engine

    with tpl.pg_copy(pg_server, tpl.pg_small(shared_dir, pg_server)) as url:
        engine = make_engine(url)
        try:
            before = _facts(engine)
            ids = _students(engine)
            (_students_rows, _heads, classes), = computed_here(engine, Thresholds(), [ids])
            table = METADATA.tables["mat_class_facts"]
            with pytest.raises(exc.IntegrityError) as raised, engine.begin() as conn:
                conn.execute(table.delete())
                insert_rows(conn, table, classes + classes[:1])  # one row twice
            assert "COPY" in str(raised.value)
            assert _facts(engine) == before
        finally:
            engine.dispose()
