"""``column IN (ids)`` for the lists of ids the store reads by (a chunk of students: up to 900).

SQLAlchemy sends a list as one parameter per id. On PostgreSQL, ``among`` sends it as one
array parameter instead (``column = ANY(%(ids)s::VARCHAR[])``, the form PostgreSQL gives an
IN list anyway): a statement of 500 placeholders is one psycopg parses again on every
execution (it caches only statements of at most 50 parameters), about 16 ms of each chunk
of 500 students in the facts refresh, and the server's time went down with it. One process
computing the 10 chunks of 5,000 students: 0.43 s a chunk with the lists, 0.28 s with the
arrays (the process's CPU 0.24 -> 0.22 s, the server's 0.14 -> 0.07 s), for the same rows.
SQLite, which has no arrays, keeps the IN list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Connection, Select, String, any_, bindparam


def among(
    conn: Connection, column: ColumnElement[Any], ids: Sequence[str] | Select[Any]
) -> ColumnElement[bool]:
    """``column.in_(ids)``, as one array parameter on PostgreSQL when ``ids`` are strings
    (a query of them stays a subquery)."""
    if conn.dialect.name == "postgresql" and not isinstance(ids, Select):
        return column == any_(bindparam(None, list(ids), type_=ARRAY(String())))
    return column.in_(ids)


def in_sql(conn: Connection, column: str, ids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    """``among`` for a statement executed with ``exec_driver_sql``: its condition's SQL and
    the parameters it takes (the ids one by one, or as one array on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        return f"{column} = ANY(%s)", (list(ids),)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return f"{column} IN ({', '.join([mark] * len(ids))})", tuple(ids)
