"""Opening the cache: URL resolution, owner-only SQLite files, WAL, migrations on start."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qsl, unquote

from sqlalchemy import URL, Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from caseload.db_errors import is_transient as is_transient  # (re-exported)
from caseload.domain.access import DatabaseAccessError, DatabaseUnavailable
from caseload.store.connect import data_dir as data_dir  # (re-exported)
from caseload.store.connect import make_engine as make_engine  # (re-exported: opens the store)
from caseload.store.schema_version import HEAD

if TYPE_CHECKING:
    from caseload.redact import Redactor

ENV_DB = "CASELOAD_DB"
# How long a whole transaction is tried again (retry_transient) before it gives up, in seconds
# (one attempt's wait: caseload.store.connect.BUSY_TIMEOUT).
RETRY_WITHIN = 120.0


def default_db_path() -> Path:
    return data_dir() / "caseload.db"


def demo_db_path() -> Path:
    """The demo's own database, kept apart from the user's cache."""
    return data_dir() / "demo.db"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def resolve_url(cli_value: str | None = None) -> str:
    """``--db`` wins, then ``CASELOAD_DB``, then the SQLite file in the user data dir.

    A bare path (no ``scheme://``) is taken as a SQLite file.
    """
    value = cli_value or os.environ.get(ENV_DB) or sqlite_url(default_db_path())
    if "://" not in value:
        value = sqlite_url(Path(value).expanduser())
    return value


WHAT_URLS = ("give a SQLite file path, sqlite:///PATH or "
             "postgresql+psycopg://USER@HOST[:PORT]/DATABASE")


# libpq's options that hold a secret, which SQLAlchemy passes on from the URL's query string
# (``postgresql+psycopg://bob@host/db?password=...``)
_SECRET_OPTIONS = frozenset({"password", "sslpassword"})


def url_secrets(url: str) -> Redactor:
    """A :class:`Redactor` of every password ``url`` holds, in any form: the one of
    ``USER:PASSWORD@`` as SQLAlchemy reads it and as typed (with an unencoded ``@`` in it,
    which SQLAlchemy takes as the end of the password: the rest is in the host it tries, and
    in the driver's message), each part between its ``@``, and the values of the query's
    ``password`` and ``sslpassword``."""
    from caseload.redact import Redactor

    found: list[str] = []
    authority = re.match(r"[^:/?#]*://([^/?#]*)", url)
    if authority and "@" in authority.group(1):
        userinfo = authority.group(1).rsplit("@", 1)[0]
        if ":" in userinfo:
            typed = userinfo.split(":", 1)[1]
            found += [typed, unquote(typed), *typed.split("@")]
    try:
        parsed = make_url(url)
        found.append(str(parsed.password or ""))
        query = [(k, v) for k, vs in parsed.query.items()
                 for v in ((vs,) if isinstance(vs, str) else vs)]
    except Exception:
        query = parse_qsl(url.partition("?")[2], keep_blank_values=True)
    found += [v for k, v in query if k.lower() in _SECRET_OPTIONS]
    redactor = Redactor()
    for secret in found:
        redactor.add(secret)
    return redactor


def shown_url(url: str) -> str:
    """``url`` as a message may show it: never a password (``***``), neither the one before
    the host nor a ``password``/``sslpassword`` in the query string (``url_secrets``), even
    when SQLAlchemy cannot parse it."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:
        shown = re.sub(r"(://[^/@:]*:)[^/]*@", r"\1***@", url)
    return url_secrets(url).scrub(shown)


def parse_url(url: str) -> URL:
    """``make_url``, a URL it cannot read told in words (DatabaseUnavailable)."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(
            f"the database URL {shown_url(url)!r} cannot be read: {WHAT_URLS} (--db or "
            f"${ENV_DB})"
        ) from None


def refuse_missing_folder(url: str) -> None:
    """A SQLite cache named by ``--db`` or ``$CASELOAD_DB`` whose folder does not exist is
    refused (DatabaseUnavailable naming the folder), before anything is created: a mistyped
    path must not leave new folders and an empty cache behind. Only the default cache's
    folders (in the user data dir) are created when missing."""
    parsed = parse_url(url)
    database = parsed.database
    if (parsed.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or database.startswith("file:")):
        return
    path = Path(database)
    if path == default_db_path() or path.parent.exists():
        return
    raise DatabaseUnavailable(
        f"the folder {str(path.parent)!r} of the SQLite cache {shown_url(url)!r} does not "
        "exist: create it first, or give a path in a folder that exists"
    )


def connect_engine(url: str) -> Engine:
    """An engine for ``url`` (``make_engine``) that has connected once. When it cannot be
    made or cannot connect, DatabaseUnavailable names the database without its password and
    says what to check (these used to end in "unexpected NoSuchModuleError", "...
    OperationalError", "... IsADirectoryError")."""
    shown = shown_url(url)
    parsed = parse_url(url)
    try:
        engine = make_engine(url)
    except (NoSuchModuleError, ImportError):
        raise DatabaseUnavailable(
            f"caseload cannot open the database {shown!r}: {parsed.drivername!r} is not a "
            f"kind of database it knows (or its driver is not installed); {WHAT_URLS}"
        ) from None
    except IsADirectoryError:
        raise DatabaseUnavailable(
            f"the database {shown!r} is a folder, not a file: give the path of a SQLite file "
            f"(e.g. {Path(parsed.database or '.') / 'caseload.db'})"
        ) from None
    except OSError as exc:
        raise DatabaseUnavailable(
            f"cannot open the SQLite cache {shown!r}: {exc.strerror or type(exc).__name__}; "
            "check that its folder exists and that you may write there"
        ) from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(
            _cannot_connect(shown, parsed, exc, url_secrets(url))
        ) from None
    return engine


def _cannot_connect(shown: str, url: URL, exc: DBAPIError, secrets: Redactor) -> str:
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
    reason = secrets.scrub(reason)
    if url.get_backend_name() == "sqlite":
        if "not a database" in reason:
            return (f"{shown!r} is not a SQLite database (a file of another kind?): give the "
                    "path of a caseload cache, or of a file that does not exist yet")
        return (f"cannot open the SQLite cache {shown!r} ({reason}): check that its folder "
                "exists and that you may read and write there")
    if "permission denied for database" in reason:  # the role exists but lacks CONNECT
        login = url.username or "this login"
        return (f"cannot connect to the database {shown!r}: the login {login!r} lacks CONNECT "
                f"on the database {url.database!r}; its owner (or the DBA) runs `GRANT CONNECT "
                f"ON DATABASE {url.database} TO {login}` (see docs/DEPLOY.md)")
    return (f"cannot connect to the database {shown!r} ({reason}): check that the server is "
            "running and reachable at that host and port, and that the login, its password "
            "and the database name are right")


R = TypeVar("R")


def retry_transient(
    write: Callable[[], R], *, within: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """``write()`` (a whole transaction), tried again with a growing pause while it fails
    only because another writer held the lock (``is_transient``), for at most ``within``
    seconds in all (default ``RETRY_WITHIN``); then its last error is raised."""
    deadline = time.monotonic() + (RETRY_WITHIN if within is None else within)
    pause = 0.05
    while True:
        try:
            return write()
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + pause > deadline:
                raise
        sleep(pause)
        pause = min(pause * 2, 1.0)


INSUFFICIENT_PRIVILEGE = "42501"


def _no_access(engine: Engine) -> DatabaseAccessError:
    login = engine.url.username or "this login"
    return DatabaseAccessError(
        f"the PostgreSQL login {login!r} has no access to this caseload database: ask its "
        f"owner to grant it a scope, `caseload admin grant {login}` with `--counselor ID`, "
        "`--school ID` or `--district` (see docs/DEPLOY.md)"
    )


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision (None: no schema yet). A login the owner has not granted
    (``caseload admin grant``) gets :class:`DatabaseAccessError`, not a traceback."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                raise _no_access(engine) from None
            raise


def newer_schema_message(engine: Engine, found: str) -> str:
    """What a caseload older than its database is told (a revision its migrations do not
    know: a newer caseload upgraded the schema). Neither the owner nor anyone else can
    fix it in the database: caseload itself is upgraded, on the machine it runs on."""
    what = ("this cache was written by a newer caseload: its schema"
            if engine.dialect.name == "sqlite" else "this database's schema")
    return (f"{what} is at revision {found}, newer than this caseload (which knows revisions "
            f"up to {HEAD}): upgrade caseload on this machine (see docs/DEPLOY.md, section 5)")


def refuse_foreign_schema(engine: Engine) -> None:
    """A database with tables but no ``alembic_version`` is not caseload's: refused
    (DatabaseUnavailable) before a migration adds caseload's schema to another program's
    (SQLite files are refused earlier, before their mode or journal mode changes:
    ``caseload.store.connect.refuse_foreign_sqlite``)."""
    from caseload.store.connect import shown_tables

    with engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
    if not tables:
        return
    shown = engine.url.render_as_string(hide_password=True)
    what = ("a SQLite database but not a caseload cache" if engine.dialect.name == "sqlite"
            else "not a caseload database")
    raise DatabaseUnavailable(
        f"{shown!r} is {what} (it has tables {shown_tables(tables)} and no caseload schema "
        "version): give the URL of a caseload database, or of an empty one"
    )


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic. Upgrades never drop data.

    On PostgreSQL only the owner of the tables migrates: another login whose schema is
    behind gets :class:`DatabaseAccessError` saying to ask the owner. A schema at a revision
    this code does not know (a newer caseload upgraded it) is refused to everyone, the owner
    too, saying to upgrade caseload itself (:func:`newer_schema_message`). After an upgrade
    the granted logins' privileges are renewed (an upgrade may add tables)."""
    found = current_revision(engine)
    if revision == "head" and found == HEAD:
        return  # the common case, without importing Alembic
    if found is None:
        refuse_foreign_schema(engine)
    from alembic import command

    from caseload.store.connect import alembic_config, known_revision

    if found is not None and not known_revision(found):
        raise DatabaseAccessError(newer_schema_message(engine, found))
    cfg = alembic_config()
    if engine.dialect.name == "postgresql":
        from caseload.store import access

        with engine.connect() as conn:
            owner = access.is_owner(conn)
        if not owner:
            raise DatabaseAccessError(
                f"this database's schema is at revision {found or 'none'} and this caseload "
                f"needs {HEAD}: only the database owner can upgrade it; ask them to run "
                "`caseload admin upgrade` (see docs/DEPLOY.md)"
            )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if conn.dialect.name == "postgresql":
            from caseload.store import access

            access.sync_privileges(conn)


def _tell(message: str) -> None:
    import sys

    print(f"caseload: {message}", file=sys.stderr)


def open_store(url: str | None = None, *, notify: Callable[[str], None] = _tell) -> Engine:
    """Resolve, open and migrate: what every command does first (a named SQLite cache in a
    folder that does not exist is refused: ``refuse_missing_folder``). An import that stopped
    while it was being written to a SQLite cache is finished from its staged copy
    (``caseload.store.staging``), and ``notify`` (default: a line on stderr) is told so."""
    resolved = resolve_url(url)
    refuse_missing_folder(resolved)
    engine = connect_engine(resolved)
    migrate(engine)
    from caseload.store.staging import finish_on_open

    message = finish_on_open(engine)
    if message:
        notify(message)
    return engine
