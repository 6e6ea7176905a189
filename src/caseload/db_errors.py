"""Database failures told apart by what the driver says, without importing SQLAlchemy or a
driver (the app's worker errors go through here: the TUI may not import the store).

A database error's own message quotes its SQL statement (and, with some drivers, values), so
it is never shown as it is: ``user_message`` tells it in words (issue 13: no traceback reaches
a user, no message carries a note's text or any row's values)."""

from __future__ import annotations

_DRIVERS = frozenset({"sqlalchemy", "sqlite3", "psycopg", "psycopg2"})
_TRANSIENT = frozenset({"DeadlockDetected", "SerializationFailure", "LockNotAvailable"})
BUSY = ("the cache is busy: another program (an import or a sync) held it too long; "
        "try again in a moment")
WITHHELD = ("details are left out because they can hold student data "
            "(set CASELOAD_DEBUG=1 to see them)")


def _orig(exc: BaseException) -> BaseException:
    """The driver's error under SQLAlchemy's wrapper (``DBAPIError.orig``), else ``exc``."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def is_transient(exc: BaseException) -> bool:
    """A write that failed only because another writer held the lock, or lost a race to one
    (SQLite "database is locked"/busy; PostgreSQL deadlock, serialization failure, lock not
    available): the same write may be tried again."""
    orig = _orig(exc)
    if type(orig).__name__ in _TRANSIENT:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def is_database_error(exc: BaseException) -> bool:
    """Raised by SQLAlchemy or a database driver (its message may quote SQL)."""
    return any(
        type(e).__module__.split(".")[0] in _DRIVERS for e in (exc, _orig(exc))
    )


def is_permission_denied(exc: BaseException) -> bool:
    """A PostgreSQL "insufficient privilege" (a granted login's policy refused the row)."""
    return getattr(_orig(exc), "sqlstate", None) == "42501"


def database_state(exc: BaseException) -> str | None:
    """A database failure the user can act on, in words (only the driver's kind of failure
    is read, nothing of the statement); None for any other."""
    orig = _orig(exc)
    message = str(orig).lower()
    if "readonly database" in message or "read-only" in message:
        return ("the cache is read-only (its file or folder may not be written, or the disk is "
                "mounted read-only): nothing was saved")
    if "database or disk is full" in message or "no space left" in message:
        return "the disk holding the cache is full: nothing was saved"
    if is_permission_denied(exc):  # PostgreSQL: insufficient privilege
        return "this database login may not do that (ask the database's owner): nothing was saved"
    return None


def user_message(exc: BaseException) -> str:
    """What the app shows for an error a worker raised: caseload's own errors say what
    happened in their message; a database error is told in words (busy, read-only, disk
    full, no privilege), else by its kind only."""
    if not is_database_error(exc):
        return str(exc) or type(exc).__name__
    if is_transient(exc):
        return BUSY
    return database_state(exc) or (
        f"unexpected database error ({type(_orig(exc)).__name__}); {WITHHELD}"
    )
