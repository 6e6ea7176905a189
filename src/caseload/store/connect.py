"""Making an engine (``make_engine``): owner-only SQLite files, WAL and the connection's
settings, hidden parameters. Apart from ``caseload.store.engine`` (which also migrates and
opens the store) so that a process that only reads, such as a facts refresh worker
(``caseload.store.refresh_pool``), opens the database the same way without the rest."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
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
    # caseload's own folder is tightened too, should it be open; one the user named is not
    private_dir(path.parent, tighten=path.parent == data_dir())
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also tightens a file an older version created


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


def make_engine(url: str) -> Engine:
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
