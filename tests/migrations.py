"""Caches at an older schema revision, for the upgrade tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from caseload.sources.dataset import Dataset
from caseload.sources.loader import load
from caseload.store import engine as store_engine
from caseload.store.engine import migrate


def downgrade(engine: Engine, revision: str) -> None:
    """Alembic's downgrade to ``revision`` (tests only: the app never downgrades)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(store_engine.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def load_at(engine: Engine, ds: Dataset, revision: str) -> None:
    """A cache at ``revision`` holding ``ds``. Today's loader writes today's columns, so the
    data is loaded at head and the schema then taken down to ``revision`` (dropping only the
    columns and tables added since, as each migration's downgrade says)."""
    migrate(engine)
    load(engine, ds)
    downgrade(engine, revision)


def index_names(engine: Engine, table: str) -> set[str]:
    """The names of ``table``'s indexes, as the database has them."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes(table)}


def declared_diffs(engine: Engine, table: str) -> list[object]:
    """What Alembic finds different between ``table`` in the database and as declared in
    store/tables.py (empty: the migrations made it as declared)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from caseload.store.tables import METADATA

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), METADATA)
    return [d for d in diffs if table in repr(d)]
