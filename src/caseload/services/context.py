"""The workspace every use case runs in: the opened cache and the loaded config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from caseload.config import Config


@dataclass(frozen=True)
class Workspace:
    """The cache (an opened, migrated engine) and the user's config."""

    engine: Engine
    config: Config


def open_workspace(db: str | None = None, config_path: str | None = None) -> Workspace:
    """Open (and migrate) the cache named by ``--db`` / ``$CASELOAD_DB`` and load the config
    named by ``--config`` / ``$CASELOAD_CONFIG``."""
    from caseload.config import load_config
    from caseload.store.engine import open_store

    config = load_config(config_path)
    return Workspace(engine=open_store(db), config=config)
