"""Making an engine (``make_engine``): owner-only SQLite files, WAL and the connection's
settings, hidden parameters. Apart from ``caseload.store.engine`` (which also migrates and
opens the store) so that a process that only reads, such as a facts refresh worker
(``caseload.store.refresh_pool``), opens the database the same way without the rest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url

# How long a write waits for another writer's lock before it gives up (SQLite busy_timeout
# for one attempt; caseload.store.engine.retry_transient tries a whole transaction again),
# in seconds.
BUSY_TIMEOUT = 5.0


def data_dir() -> Path:
    """caseload's folder in the user data dir (on Linux ~/.local/share/caseload): the
    default cache and the demo's."""
    import platformdirs

    return Path(platformdirs.user_data_dir("caseload", appauthor=False))


SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


def _prepare_sqlite_file(path: Path) -> None:
    """Create the file (and its missing folders) readable by the owner only, before SQLite
    opens it. An existing file that is not a SQLite database is refused (DatabaseUnavailable)
    and left as it was: its permissions are not tightened."""
    from caseload._private import private_dir

    if path.is_file() and path.stat().st_size:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
        if head != SQLITE_HEADER:  # (refused before its permissions are touched)
            from caseload.domain.access import DatabaseUnavailable

            raise DatabaseUnavailable(
                f"{str(path)!r} is not a SQLite database (a file of another kind?): give the "
                "path of a caseload cache, or of a file that does not exist yet")
        refuse_foreign_sqlite(path)
    # caseload's own folder is tightened too, should it be open; one the user named is not
    private_dir(path.parent, tighten=path.parent == data_dir())
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also tightens a file an older version created


# tables every caseload cache has had since its first revision: a database at a revision
# this caseload does not know that has them is a newer caseload's (engine.migrate says so)
CASELOAD_TABLES = frozenset({"users", "orgs", "enrollments"})


def _tables_and_revision(path: Path) -> tuple[list[str], str | None] | None:
    """The tables of the SQLite database at ``path`` and its Alembic revision (None: no
    ``alembic_version`` or no row in it), read without changing the file (no mode, journal
    mode or schema change). None when SQLite cannot read it: opening it says why."""
    import sqlite3
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(f"file:{quote(os.fsencode(path.resolve()))}?mode=rw", uri=True,
                               timeout=BUSY_TIMEOUT)
    except sqlite3.Error:
        return None
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = str(row[0]) if row and row[0] is not None else None
        return tables, revision
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def alembic_config() -> Any:
    """Alembic's configuration for caseload's migrations (``store/migrations``), the one
    ``engine.migrate`` runs and :func:`known_revision` reads."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this caseload's migrations."""
    from caseload.store.schema_version import HEAD

    if revision == HEAD:
        return True
    from alembic.script import ScriptDirectory

    return revision in {
        s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def shown_tables(tables: list[str], most: int = 3) -> str:
    """A few of ``tables``' names, for a message: control characters replaced, a long name
    cut, "…" when there are more."""
    from caseload.domain.text import no_controls

    names = [no_controls(t, single_line=True) for t in tables[:most]]
    names = [n if len(n) <= 40 else n[:39] + "…" for n in names]
    return ", ".join(names) + (", …" if len(tables) > most else "")


def refuse_foreign_sqlite(path: Path) -> None:
    """An existing SQLite database that is not a caseload cache (it has tables but no
    ``alembic_version``, or a revision caseload does not know and none of its tables) is
    refused (DatabaseUnavailable), before anything changes it: its mode, journal mode and
    schema stay as they were. One with no tables is a cache to initialize; a caseload cache
    at a newer revision is left to ``engine.migrate``, which says to upgrade caseload."""
    found = _tables_and_revision(path)
    if found is None:
        return
    tables, revision = found
    if not tables:
        return
    if revision is not None and (known_revision(revision) or set(tables) >= CASELOAD_TABLES):
        return
    from caseload.domain.access import DatabaseUnavailable

    raise DatabaseUnavailable(
        f"{str(path)!r} is a SQLite database but not a caseload cache (it has tables "
        f"{shown_tables(tables)}): give the path of a caseload cache, or of a file that does "
        "not exist yet")


def _on_sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _on_sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    """A note write's transaction runs no WAL checkpoint (``caseload.store.handoff``'s
    ``NOTE_WRITE``: a note must not pay for an import's WAL); the connection's own setting is
    back for its next transaction that is not one."""
    from caseload.store.handoff import NOTE_WRITE

    info = conn.connection.info
    if NOTE_WRITE.get():
        if "checkpoint_pages" not in info:
            raw = conn.connection.dbapi_connection
            (pages,) = raw.execute("PRAGMA wal_autocheckpoint").fetchone()
            raw.execute("PRAGMA wal_autocheckpoint=0")
            info["checkpoint_pages"] = int(pages)
    elif "checkpoint_pages" in info:
        pages = info.pop("checkpoint_pages")
        conn.connection.dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={pages:d}")


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; SQLite files are created 0600 and use WAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _prepare_sqlite_file(Path(database))
        # hide_parameters: a database error's message never carries a row's values (a note's
        # text) to a user or a log (issue 13)
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, hide_parameters=True
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


__all__ = ["BUSY_TIMEOUT", "make_engine"]
