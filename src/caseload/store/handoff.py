"""A fair hand-off between a long write (an import's apply, the facts refresh) and note writes
on a SQLite cache (issue 13: a note never waits more than about a second behind an import).

SQLite's busy handler is not fair: a note writer sleeping in it can sleep through the gap
between two of the loader's short transactions again and again. So the two sides also use an
advisory lock (``flock``) on a file beside the cache, ``<cache>.writers`` (owner-only):

- a note write holds it **shared** while it tries (:func:`writing`);
- between two of its transactions the long writer takes it **exclusive**, blocking, and lets
  it go at once (:func:`let_writers_in`): a note write that is waiting for SQLite's lock is
  therefore let in before the long writer's next transaction starts, after at most one.

A note write also runs no WAL checkpoint (``NOTE_WRITE``): during an import the WAL is
always past SQLite's auto-checkpoint size, and the commit that finds it so copies it all.

The long writer never holds SQLite's lock while it waits here, and a note writer never waits
here while it holds SQLite's lock, so the two cannot deadlock. Each call opens the file
afresh: ``flock`` locks belong to the open file, so two threads of one process (the app's
note save and its import worker) take part like two processes. PostgreSQL (row locks) and an
in-memory SQLite cache have no such file: both calls do nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine

SUFFIX = ".writers"

# Set while this thread (or task) makes a note write: its transactions leave the WAL's
# checkpoint to the other writers (``caseload.store.connect``). A commit that finds the WAL
# past ``wal_autocheckpoint`` pages copies all of it into the cache file and syncs it, and
# during an import the WAL always is: a note write paid for the import's checkpoints (0.1 s
# to over a second at district scale). Imports, refreshes and the app's other writes still
# checkpoint, and SQLite checkpoints when the cache's last connection closes.
NOTE_WRITE: ContextVar[bool] = ContextVar("caseload_note_write", default=False)


def cache_file(engine: Engine) -> Path | None:
    """The SQLite cache's file, or None (PostgreSQL, an in-memory or URI database)."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def lock_path(engine: Engine) -> Path | None:
    cache = cache_file(engine)
    return None if cache is None else Path(f"{cache}{SUFFIX}")


def _open(path: Path) -> int:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    with contextlib.suppress(OSError):  # not ours to tighten (another user's file)
        os.fchmod(fd, 0o600)
    return fd


@contextmanager
def writing(engine: Engine) -> Iterator[None]:
    """Hold the hand-off shared for the block (a note write trying to save); its
    transactions run no WAL checkpoint (``NOTE_WRITE``)."""
    path = lock_path(engine)
    if path is None:
        yield
        return
    fd = _open(path)
    token = NOTE_WRITE.set(True)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        NOTE_WRITE.reset(token)
        os.close(fd)  # closing the file lets the lock go


def let_writers_in(engine: Engine) -> None:
    """Between two transactions of a long write: wait until every note write that is trying
    now has finished (or given up), then go on at once."""
    path = lock_path(engine)
    if path is None:
        return
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        os.close(fd)


def writers_waiting(engine: Engine) -> bool:
    """Whether a note write holds the hand-off now (tests poll this)."""
    path = lock_path(engine)
    if path is None:
        return False
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


__all__ = ["NOTE_WRITE", "cache_file", "let_writers_in", "lock_path", "writers_waiting", "writing"]
