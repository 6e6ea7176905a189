"""caseload.store.tables (SQLAlchemy Core, what the code reads and writes through) is generated
from caseload.store.models (the SQLModel classes, the schema as written): it must be exactly
what ``python -m caseload.store.models`` writes, and the two must be the same tables in every
column, type, default, index and constraint, and in their DDL on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from caseload.store import models, tables
from caseload.store.sqltypes import UTCDateTime
from tests.paths import REPO


def test_tables_py_is_what_models_generates() -> None:
    written = (REPO / models.GENERATED).read_text(encoding="utf-8")
    assert written == models.render(models.METADATA), (
        "src/caseload/store/tables.py is out of date: run `make schema`"
    )


def _column(c: Column[Any]) -> tuple[Any, ...]:
    kind = type(c.type).__name__
    default = c.default.arg if c.default is not None else None  # type: ignore[attr-defined]
    server = c.server_default
    return (
        c.name, "String" if kind == "AutoString" else kind,
        getattr(c.type, "timezone", None), getattr(c.type, "length", None),
        c.primary_key, c.nullable, c.autoincrement, default,
        None if server is None else str(getattr(server, "arg", server)),
        sorted(fk.target_fullname for fk in c.foreign_keys), bool(c.index), bool(c.unique),
    )


def _table(t: Table) -> tuple[Any, ...]:
    return (
        t.name,
        [_column(c) for c in t.columns],
        sorted((str(i.name), [c.name for c in i.columns], i.unique) for i in t.indexes),
        sorted((type(k).__name__, str(k.name), sorted(c.name for c in k.columns))
               for k in t.constraints),
    )


def _ddl(metadata: MetaData, dialect: Any) -> list[str]:
    out = []
    for t in metadata.sorted_tables:
        out.append(str(CreateTable(t).compile(dialect=dialect)))
        out += sorted(str(CreateIndex(i).compile(dialect=dialect)) for i in t.indexes)
    return out


def test_the_same_tables_as_the_models() -> None:
    assert list(tables.METADATA.tables) == list(models.METADATA.tables)
    assert dict(tables.METADATA.naming_convention) == dict(models.METADATA.naming_convention)
    for name, table in models.METADATA.tables.items():
        assert _table(tables.METADATA.tables[name]) == _table(table), name


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()],
                         ids=["sqlite", "postgresql"])
def test_the_same_ddl(dialect: Any) -> None:
    assert _ddl(tables.METADATA, dialect) == _ddl(models.METADATA, dialect)


def test_utc_datetime_behaves_as_sqlmodels() -> None:
    from sqlmodel.sql.sqltypes import UTCDateTime as Theirs

    engine = create_engine("sqlite://")
    meta = MetaData()
    t = Table("t", meta, Column("ours", UTCDateTime()), Column("theirs", Theirs()))
    meta.create_all(engine)
    aware = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with engine.begin() as conn:
        conn.execute(insert(t), {"ours": aware, "theirs": aware})
        ours, theirs = conn.execute(select(t.c.ours, t.c.theirs)).one()
        raw = conn.exec_driver_sql("SELECT ours, theirs FROM t").one()
    assert ours == theirs == aware and ours.tzinfo == theirs.tzinfo == dt.UTC
    assert raw[0] == raw[1]  # stored alike
    for kind in (UTCDateTime(), Theirs()):
        with pytest.raises(ValueError):
            kind.process_bind_param(dt.datetime(2026, 11, 20, 9, 30), sqlite.dialect())
    assert UTCDateTime().compile(dialect=postgresql.dialect()) == Theirs().compile(
        dialect=postgresql.dialect())


def test_generated_from_a_checkout() -> None:
    assert Path(tables.__file__).resolve() == (REPO / models.GENERATED)
