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
