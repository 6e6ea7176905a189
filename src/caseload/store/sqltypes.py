"""Column types of the generated tables (:mod:`caseload.store.tables`) that plain SQLAlchemy
does not have: SQLModel's own, with the same behaviour, here so that reading and writing the
cache never imports SQLModel (and pydantic, and the ORM) at run time.

``UTCDateTime`` is ``sqlmodel.sql.sqltypes.UTCDateTime``: aware datetimes stored in UTC
(``DateTime(timezone=True)``), read back in UTC (a database without time zones gives naive
values: they are UTC). SQLModel's ``AutoString`` is plain ``String`` on SQLite and PostgreSQL,
so the generated tables use ``String``. tests/store/test_schema_generated.py checks both
against SQLModel's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import types
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.operators import OperatorType


class UTCDateTime(types.TypeDecorator[datetime]):
    """Aware datetimes, stored and returned in UTC; a naive one is refused (ValueError)."""

    impl = types.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def __repr__(self) -> str:
        return "UTCDateTime()"

    def coerce_compared_value(self, op: OperatorType | None, value: Any) -> types.TypeEngine[Any]:
        if isinstance(value, timedelta):
            return types.Interval()
        return self

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("a datetime stored in the cache must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:  # a database without time zones stores UTC, naive
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
