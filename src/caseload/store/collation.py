"""Text compared the same way on both backends: by code point, as Python compares strings.

SQLite compares text by its bytes (UTF-8, so code point order). A PostgreSQL database compares
text with its collation, set when the database is created (``CREATE DATABASE``, docs/DEPLOY.md,
takes the cluster's locale, en_US.UTF-8 on most servers: ``abbey`` before ``Abbot``, accents
and often spaces and punctuation ignored at first). An ORDER BY on text whose order a
counselor sees, or that picks the first of several rows, wraps the column in ``code_points``:
``COLLATE "C"`` on PostgreSQL, the column itself on SQLite. Only the query's order changes,
never what is stored or an index (an index on the column in the database's collation does not
give this order: the few queries that use it sort small sets, or say why it is fine).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class code_points(ColumnElement[Any]):  # (lower case: used like a SQL function)
    """``column`` compared by code point on every backend (an ORDER BY key)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(code_points)
def _plain(element: code_points, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)  # SQLite: BINARY, its default


@compiles(code_points, "postgresql")
def _c(element: code_points, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


__all__ = ["code_points"]
