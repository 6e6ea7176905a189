"""When each person last looked (issue 14 §2): the ``last_seen`` table, one row per viewer and
scope (``scope``: "" for every student the viewer sees, else a counselor id) with the as-of
date the app showed and when. A short write transaction per opening (SQLite has one writer).

The viewer is who looks: on PostgreSQL the person of the login's grant (``caseload_person``,
worked out by the database in the same statement), "" for the cache's owner, and always "" on
SQLite (one user). So a district login or a school lead looking at a counselor's caseload keeps
its own "since" date for it and never moves the counselor's (migration 0020)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from caseload.store.tables import METADATA

last_seen = METADATA.tables["last_seen"]
ALL = ""
OWNER = ""  # the viewer of the cache's owner, and of every SQLite cache


def _scope(counselor_id: str | None) -> str:
    return ALL if counselor_id is None else counselor_id


def _viewer(conn: Connection) -> Any:
    """SQL for who is looking: the login's person on PostgreSQL ("" without a grant)."""
    if conn.dialect.name == "postgresql":
        return func.coalesce(text("(SELECT caseload_person(current_user))"), OWNER)
    return literal(OWNER)


def get(engine: Engine, counselor_id: str | None) -> dt.date | None:
    """The as-of date the app last showed this viewer for this scope; None: never opened."""
    with engine.connect() as conn:
        return conn.execute(
            select(last_seen.c.as_of).where(
                last_seen.c.viewer == _viewer(conn), last_seen.c.scope == _scope(counselor_id)
            )
        ).scalar_one_or_none()


def mark(engine: Engine, counselor_id: str | None, as_of: dt.date, now: dt.datetime) -> bool:
    """Record that the app showed this scope to this viewer at ``as_of`` (the moment: ``now``);
    one upsert (a granted PostgreSQL login may insert and update its rows, not delete them).
    False, and nothing written, when the database refuses it (a login without a grant)."""
    from caseload.db_errors import is_permission_denied

    try:
        with engine.begin() as conn:
            stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
                last_seen
            ).values(viewer=_viewer(conn), scope=_scope(counselor_id), as_of=as_of, seen_at=now)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=[last_seen.c.viewer, last_seen.c.scope],
                set_={"as_of": as_of, "seen_at": now},
            ))
    except DBAPIError as exc:
        if is_permission_denied(exc):
            return False
        raise
    return True
