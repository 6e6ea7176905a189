"""The loader's rows as the database driver takes them in bulk: tuples of plain values.

Every entity's table has one column per attribute of its record, of the same name
(``test_import_fast_rows`` checks it), so a record's row is its attributes in the table's
column order, made plain column by column:

- SQLite (sqlite3): a bool as 0/1, a StrEnum as its text, a date as ISO text, a tuple of ids
  comma-joined: the values sqlite3's adapters and SQLAlchemy's processing stored, without
  their per-value cost (most of the time of an executemany).
- PostgreSQL (psycopg): a StrEnum as its text and a tuple of ids comma-joined; bools and dates
  as they are (psycopg sends them typed, as SQLAlchemy did).

The statement is still the loader's Core ``insert()`` with its ON CONFLICT clause, compiled
once with positional parameters; only SQLAlchemy's per-row parameter processing is skipped.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from operator import attrgetter
from types import UnionType
from typing import Any, Union, cast, get_args, get_origin, get_type_hints

from sqlalchemy import Connection, Table

from caseload.domain import records as rec

ENTITY_RECORDS: dict[str, type[Any]] = {
    "orgs": rec.Org,
    "academic_sessions": rec.AcademicSession,
    "calendar_days": rec.CalendarDay,
    "users": rec.User,
    "guardians": rec.Guardian,
    "courses": rec.Course,
    "classes": rec.Klass,
    "enrollments": rec.Enrollment,
    "categories": rec.Category,
    "line_items": rec.LineItem,
    "results": rec.Result,
    "attendance_events": rec.AttendanceEvent,
    "discipline_incidents": rec.DisciplineIncident,
    "student_incidents": rec.StudentIncident,
    "caseloads": rec.CaseloadAssignment,
}

sqlite3.register_adapter(dt.date, dt.date.isoformat)  # SQLAlchemy's SQLite Date format

Column = Iterable[Any]
Rows = Callable[[list[Any]], Iterator[tuple[Any, ...]]]

_ISO = dt.date.isoformat


def _ints(col: Column) -> Column:
    return map(int, col)


def _ints_or_none(col: Column) -> Column:
    return [v if v is None else int(v) for v in col]


def _iso_dates(col: Column) -> Column:
    return [_ISO(v) if type(v) is dt.date else v for v in col]  # a datetime: sqlite3's own


def _texts(col: Column) -> Column:
    return map(str.__str__, col)


def _texts_or_none(col: Column) -> Column:
    return [v if v is None else str.__str__(v) for v in col]


def _joined(col: Column) -> Column:
    return [v if v is None else ",".join(v) for v in col]


def _column_fix(hint: Any, dialect: str) -> Callable[[Column], Column] | None:
    """How a column of a field typed ``hint`` is made plain for ``dialect`` (None: as it is)."""
    optional = False
    if get_origin(hint) in (Union, UnionType):  # X | None
        kinds = [k for k in get_args(hint) if k is not type(None)]
        if len(kinds) != 1:
            return None
        hint, optional = kinds[0], True
    if hint is tuple or get_origin(hint) is tuple:
        return _joined
    if hint is bool:
        return None if dialect != "sqlite" else _ints_or_none if optional else _ints
    if hint is dt.date:
        return _iso_dates if dialect == "sqlite" else None
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return _texts_or_none if optional else _texts
    return None


def tuple_rows(record_type: type[Any], order: list[str], dialect: str) -> Rows:
    """Records -> rows of plain values in ``order`` (the table's columns), column by column
    (each column an iterator over the records: no list of it is made unless a fix needs to
    look at each value in Python)."""
    hints = get_type_hints(record_type)
    getters = [attrgetter(name) for name in order]
    fixes = [(i, fix) for i, name in enumerate(order)
             if (fix := _column_fix(hints[name], dialect)) is not None]

    def rows(records: list[Any]) -> Iterator[tuple[Any, ...]]:
        cols: list[Column] = [map(get, records) for get in getters]
        for i, fix in fixes:
            cols[i] = fix(cols[i])
        return zip(*cols, strict=True)

    return rows


def fast_rows(conn: Connection, stmt: Any, table: Table, entity: str,
              omit: frozenset[str] = frozenset()) -> tuple[str, Rows] | None:
    """The compiled SQL with positional parameters and the row maker for an executemany of
    tuples, or None (an entity without a record here, another database, another order).
    ``omit``: columns the statement leaves out (their default, NULL, is stored)."""
    record_type = ENTITY_RECORDS.get(entity)
    dialect = conn.dialect
    if record_type is None or dialect.name not in ("sqlite", "postgresql"):
        return None
    if dialect.name == "postgresql":
        if dialect.driver != "psycopg":
            return None
        dialect = cast(Any, type(dialect))(paramstyle="format")  # %s, in the columns' order
    compiled = stmt.compile(dialect=dialect)
    order = compiled.positiontup
    if order is None or list(order) != [c.name for c in table.columns if c.name not in omit]:
        return None
    return str(compiled), tuple_rows(record_type, list(order), dialect.name)
