"""Unexpected failures, in words fit for a user (issue 13: no traceback ever reaches a user,
and no message carries a note's text or any other row's values)."""

from __future__ import annotations


def plain_failure(exc: BaseException) -> str:
    """What to tell the user about an error nothing else handled: its kind and what to do,
    never its message (a database error's may quote the statement and, on some drivers,
    values)."""
    from caseload.db_errors import (
        BUSY,
        WITHHELD,
        database_state,
        is_database_error,
        is_transient,
    )
    from caseload.store.staging import ApplyInterrupted

    if isinstance(exc, ApplyInterrupted):  # its message names only the error's kind
        return str(exc)
    if is_transient(exc):
        return BUSY
    known = database_state(exc) if is_database_error(exc) else None
    if known is not None:  # (an OSError writing an export is not the cache's)
        return known
    return f"unexpected {type(exc).__name__}; {WITHHELD}"
