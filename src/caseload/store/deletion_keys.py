"""Which rows a deletion names: by ``sourced_id``, or by the whole primary key for the tables
that have no sourced id (``student_incidents``: a student's part in an incident, kept by the
incident's and the student's ids).

A deletion of such a row gives its key's ids, in the order of the key's columns, as a JSON
array in the place of the sourced id (``caseload.domain.records.Deletion.by_key``): what the
loader's deletions, the staged apply (``caseload.store.staging``) and the loader's checks
read here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Column, ColumnElement, Table, tuple_

__all__ = ["by_key", "key_columns", "keys_of", "naming", "staged_match"]


def by_key(table: Table) -> bool:
    """True when ``table``'s rows are deleted by their key (no ``sourced_id`` column)."""
    return "sourced_id" not in table.c


def key_columns(table: Table) -> list[Column[object]]:
    """The columns a deletion of ``table``'s rows names, in order."""
    if not by_key(table):
        return [table.c.sourced_id]
    return list(table.primary_key.columns)


def keys_of(table: Table, ids: Sequence[str]) -> list[tuple[object, ...]]:
    """The deletions' ``ids`` as tuples of ``key_columns`` values."""
    if not by_key(table):
        return [(i,) for i in ids]
    width = len(table.primary_key.columns)
    out = []
    for i in ids:
        key = json.loads(i)
        if not isinstance(key, list) or len(key) != width:
            raise ValueError(f"a deletion of {table.name} names {width} ids, not {i!r}")
        out.append(tuple(key))
    return out


def naming(table: Table, ids: Sequence[str]) -> ColumnElement[bool]:
    """The condition for the rows of ``table`` that the deletions ``ids`` name."""
    if not by_key(table):
        return table.c.sourced_id.in_(list(ids))
    return tuple_(*key_columns(table)).in_(keys_of(table, ids))


def staged_match(table: Table, rows: str) -> str:
    """SQL for the rows of ``table`` that the stage's deletions ``rows`` (``FROM
    stage._stage_deletions WHERE ...``) name (SQLite: a key's ids are read from its JSON
    array by ``json_extract``)."""
    if not by_key(table):
        return f"sourced_id IN (SELECT sourced_id {rows})"
    columns = ", ".join(f'"{c.name}"' for c in key_columns(table))
    ids = ", ".join(
        f"json_extract(sourced_id, '$[{n}]')" for n in range(len(table.primary_key.columns))
    )
    return f"({columns}) IN (SELECT {ids} {rows})"
