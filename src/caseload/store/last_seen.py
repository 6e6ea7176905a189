"""When each counselor last looked (issue 14 §2): the ``last_seen`` table, one row per scope
("" for every student, else a counselor id) with the as-of date the app showed and when.
A short write transaction per opening (SQLite has one writer)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from caseload.store.tables import METADATA

last_seen = METADATA.tables["last_seen"]
ALL = ""


def _scope(counselor_id: str | None) -> str:
    return ALL if counselor_id is None else counselor_id


def get(engine: Engine, counselor_id: str | None) -> dt.date | None:
    """The as-of date the app last showed for this scope; None: never opened on it."""
    with engine.connect() as conn:
        return conn.execute(
            select(last_seen.c.as_of).where(last_seen.c.scope == _scope(counselor_id))
        ).scalar_one_or_none()


def mark(engine: Engine, counselor_id: str | None, as_of: dt.date, now: dt.datetime) -> bool:
    """Record that the app showed this scope at ``as_of`` (the moment: ``now``); one upsert
    (a granted PostgreSQL login may insert and update its rows, not delete them). False, and
    nothing written, when the login's grant does not cover this scope (a school lead looking
    at a counselor's caseload: that counselor's "since you last looked" stays theirs)."""
    from caseload.db_errors import is_permission_denied

    scope = _scope(counselor_id)
    values = {"scope": scope, "as_of": as_of, "seen_at": now}
    stmt = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(
        last_seen
    ).values(**values)
    upsert = stmt.on_conflict_do_update(
        index_elements=[last_seen.c.scope], set_={"as_of": as_of, "seen_at": now}
    )
    try:
        with engine.begin() as conn:
            conn.execute(upsert)
    except DBAPIError as exc:
        if is_permission_denied(exc):
            return False
        raise
    return True
