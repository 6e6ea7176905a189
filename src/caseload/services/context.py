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


def new_sqlite_file(db: str | None = None) -> Path | None:
    """The SQLite file ``db`` (``--db`` / ``$CASELOAD_DB`` / the default) names when it does
    not exist yet (opening it will create it), else None (it exists, or is not a file)."""
    from caseload.store.engine import parse_url, resolve_url

    url = parse_url(resolve_url(db))
    database = url.database
    if (url.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or database.startswith("file:")):
        return None
    path = Path(database)
    return None if path.exists() or path.is_symlink() else path


def no_cache_message(path: Path) -> str:
    return (f"no caseload cache at {str(path)!r}: `caseload import PATH-TO-EXPORT` creates one "
            "(or check --db / $CASELOAD_DB)")


def remove_new_cache(ws: Workspace, path: Path) -> None:
    """Remove the SQLite cache ``path`` that opening ``ws`` created (an import that failed
    before writing anything into a cache that did not exist: it must not leave an empty
    cache behind), with the files SQLite and caseload keep beside it."""
    from caseload.store.handoff import SUFFIX

    ws.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal", SUFFIX):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def open_workspace(
    db: str | None = None, config_path: str | None = None, *, create: bool = True,
    existing: bool = False,
) -> Workspace:
    """Open (and migrate) the cache named by ``--db`` / ``$CASELOAD_DB`` and load the config
    named by ``--config`` / ``$CASELOAD_CONFIG``. With ``create=False`` (``import --check``,
    which writes nothing) a SQLite cache that does not exist yet is not created: an empty
    in-memory cache stands in for it. With ``existing=True`` (the commands that only read a
    cache, or need its students: ``flags``, ``changes``, ``notes ...``, ``audit``) a SQLite
    cache that does not exist is refused (DatabaseUnavailable: a mistyped path must not
    become an empty district), and nothing is created."""
    from caseload.config import load_config
    from caseload.domain.access import DatabaseUnavailable
    from caseload.store.engine import (
        make_engine,
        migrate,
        open_store,
        parse_url,
        refuse_missing_folder,
        resolve_url,
    )

    config = load_config(config_path)
    if existing:
        refuse_missing_folder(resolve_url(db))  # (its own message, as before)
        missing = new_sqlite_file(db)
        if missing is not None:
            raise DatabaseUnavailable(no_cache_message(missing))
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
