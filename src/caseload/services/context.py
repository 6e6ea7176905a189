"""The workspace every use case runs in: the opened cache and the loaded config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from caseload.config import Config


@dataclass(frozen=True)
class Workspace:
    """The cache (an opened, migrated engine) and the user's config."""

    engine: Engine
    config: Config
    person: str | None = None  # a granted PostgreSQL login's person: who it writes notes as
    # connected as the owner of a PostgreSQL cache, whom row-level security does not filter:
    # the app itself leaves out the confidential notes of others (services.notes.notes_store)
    owner: bool = False


def open_workspace(
    db: str | None = None, config_path: str | None = None, *, create: bool = True
) -> Workspace:
    """Open (and migrate) the cache named by ``--db`` / ``$CASELOAD_DB`` and load the config
    named by ``--config`` / ``$CASELOAD_CONFIG``. With ``create=False`` (``import --check``,
    which writes nothing) a SQLite cache that does not exist yet is not created: an empty
    in-memory cache stands in for it."""
    from caseload.config import load_config
    from caseload.store.engine import (
        make_engine,
        migrate,
        open_store,
        parse_url,
        refuse_missing_folder,
        resolve_url,
    )

    config = load_config(config_path)
    if not create:
        resolved = resolve_url(db)
        refuse_missing_folder(resolved)  # (as the import itself would refuse it)
        url = parse_url(resolved)
        if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
            engine = make_engine("sqlite://")
            migrate(engine)
            return Workspace(engine=engine, config=config)
    engine = open_store(db)
    from caseload.services.admin import login_grant, login_is_owner

    grant = login_grant(engine)  # a granted login (PostgreSQL): the database's scope rules
    if grant is None:
        return Workspace(engine=engine, config=config, owner=login_is_owner(engine))
    if grant.scope.value == "counselor":  # the granted caseload is the default scope
        from dataclasses import replace

        # the counselor whose caseload it is, not the person the login writes notes as
        # (``--person``: an aide writing for a counselor's caseload); notes are signed by
        # ``person`` (services.notes.actor) whatever ``me`` is
        config = replace(config, me=grant.target)
    return Workspace(engine=engine, config=config, person=grant.person)


def check_workspace(db: str | None = None, config_path: str | None = None) -> Config:
    """Open the cache (migrating it) and load the config as :func:`open_workspace` does, then
    let the cache go: ``caseload serve`` checks so before it listens, so that a cache that
    cannot be opened is one error there and then, not an error in every browser tab (each
    opens its own). Raises what :func:`open_workspace` raises; returns the config (whose
    ``theme`` serve then checks as ``open`` does)."""
    ws = open_workspace(db, config_path)
    ws.engine.dispose()
    return ws.config
