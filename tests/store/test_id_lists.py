"""``id_lists.among``: a chunk's ids as one array parameter on PostgreSQL (issue 13).

A statement of 500 placeholders is parsed again by psycopg and rendered again by SQLAlchemy
on every execution; as one array (``= ANY``), the facts refresh's chunk of 500 students
took 0.28 s on PostgreSQL instead of 0.43 s. The rows read must be the same as IN's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, insert, select, text

from caseload.store import result_columns
from caseload.store.id_lists import among
from caseload.store.inputs import InputReader
from caseload.store.tables import METADATA

USERS = METADATA.tables["users"]
# ids a list must carry as they are: quotes, a comma, braces (an array's text form), unicode
ODD = ["o'neil", 'say "hi"', "a,b", "{x}", "NULL", "élève-7", "back\\slash"]


def _statements(engine: Engine) -> tuple[list[tuple[str, Any]], Any]:
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def test_among_reads_the_rows_in_reads(engine: Engine) -> None:
    ids = [f"stu-{i:05d}" for i in range(600)] + ODD
    with engine.begin() as conn:
        conn.execute(insert(USERS), [
            {"sourced_id": sid, "role": "student", "given_name": "A", "family_name": "B",
             "enabled": True}
            for sid in ids
        ])
    wanted = ids[::2] + ODD + ["not-stored"]
    seen, stop = _statements(engine)
    try:
        with engine.connect() as conn:
            got = set(conn.execute(
                select(USERS.c.sourced_id).where(among(conn, USERS.c.sourced_id, wanted))
            ).scalars())
            subquery = set(conn.execute(select(USERS.c.sourced_id).where(among(
                conn, USERS.c.sourced_id,
                select(USERS.c.sourced_id).where(USERS.c.sourced_id.in_(ODD)),
            ))).scalars())
    finally:
        stop()
    assert got == set(ids[::2]) | set(ODD)
    assert subquery == set(ODD)
    statement, params = seen[0]
    if engine.dialect.name == "postgresql":
        assert "= ANY (" in statement and len(params) == 1
    else:
        assert " IN (" in statement and len(params) == len(wanted)


def test_a_chunk_is_read_with_one_parameter_per_query_on_postgresql(
    sample_engine: Engine,
) -> None:
    with sample_engine.connect() as conn:
        ids = list(conn.execute(text(
            "SELECT sourced_id FROM users WHERE role = 'student' ORDER BY sourced_id"
        )).scalars())
    seen, stop = _statements(sample_engine)
    try:
        with sample_engine.connect() as conn:
            cols = result_columns.read(conn, ids)
            read = InputReader(conn, with_notes=False, batch_timelines=True).read(ids)
    finally:
        stop()
    assert cols is not None and len(cols.students) > 1 and len(read) == len(ids) > 1
    widest = max(len(p) if isinstance(p, tuple | list | dict) else 1 for _, p in seen)
    assert len(ids) > 10
    if sample_engine.dialect.name == "postgresql":  # (the ids, and a role or a school)
        assert widest <= 3, [s[:80] for s, p in seen if len(p) > 3]
    else:
        assert widest >= len(ids)
