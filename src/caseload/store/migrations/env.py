"""Alembic environment: the connection comes from caseload.store.engine.migrate."""

from __future__ import annotations

from alembic import context

import caseload.store.notes  # noqa: F401  (registers the notes tables on METADATA)
from caseload.store.tables import METADATA

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - `alembic` CLI use: caseload passes a connection
    from caseload.store.engine import make_engine, resolve_url

    connection = make_engine(resolve_url(config.get_main_option("sqlalchemy.url"))).connect()

context.configure(
    connection=connection,
    target_metadata=METADATA,
    render_as_batch=True,  # SQLite ALTER support
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
