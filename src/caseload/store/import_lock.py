"""One import or sync at a time per cache (issue 13).

Two imports at once used to crash one another (SQLite: "database is locked" after the first
had committed; PostgreSQL: DeadlockDetected). An import or sync now holds the import lock from
before its load until its facts and ranking are refreshed; a second one waits for it (telling
the user whose import it waits for) or, asked not to wait, refuses with the same words.

- The row of ``import_lock`` (id 1) says who holds it: when, which login on which host and
  process, and what it runs. It is written and removed in short transactions, so notes and
  readers never wait behind it.
- PostgreSQL: the lock itself is a session advisory lock (``pg_try_advisory_lock``) held on a
  connection of its own for the run; a process that dies loses it with its connection, and its
  row is then simply replaced.
- SQLite (one machine): the row is the lock; a row whose process is gone (same host) or that
  is older than ``STALE_AFTER`` is taken over.

Re-entrant within a thread: a sync of several sources holds it once for all of them.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.exc import IntegrityError

from caseload.store.tables import METADATA

lock_t = METADATA.tables["import_lock"]

ADVISORY_KEY = 0x6361_7365  # "case": the cache's import lock among the server's advisory locks
STALE_AFTER = dt.timedelta(hours=12)
POLL = 0.25

_held: dict[tuple[tuple[Any, ...], int], int] = {}  # (_db(engine), thread) -> depth, here
_held_lock = threading.Lock()


def _db(engine: Engine) -> tuple[Any, ...]:
    """Which database ``engine`` opens, as a key: the URL's parts, not its text (a SQLite
    file name in bytes that are not UTF-8, which the file system allows, has no text form
    as a URL: rendering it raised UnicodeEncodeError and the import failed)."""
    u = engine.url
    return (u.drivername, u.username, u.host, u.port, u.database, tuple(sorted(u.query.items())))


class ImportRunning(Exception):
    """Another import or sync holds the lock and the caller asked not to wait. The message
    names it (when and by whom it was started)."""


def _me() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in this environment
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _describe(row: Any) -> str:
    started = row.started_at
    if isinstance(started, str):
        started = dt.datetime.fromisoformat(started)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    local = started.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"the import started at {local} by {row.started_by} ({row.what}, process {row.pid})"


def waiting_message(row: Any) -> str:
    return f"waiting for {_describe(row)} to finish…"


def refusal_message(row: Any) -> str:
    return f"another import is running: {_describe(row)}; try again when it has finished"


def _alive(row: Any) -> bool:
    """Whether the holder described by ``row`` may still be running."""
    started = row.started_at
    if isinstance(started, str):
        started = dt.datetime.fromisoformat(started)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    if dt.datetime.now(dt.UTC) - started > STALE_AFTER:
        return False
    if row.host != socket.gethostname():
        return True
    try:
        os.kill(int(row.pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _row(conn: Any) -> Any:
    return conn.execute(select(lock_t).where(lock_t.c.id == 1)).first()


def held_here(engine: Engine) -> bool:
    """Whether a thread of this process holds the import lock of ``engine``'s cache."""
    db = _db(engine)
    with _held_lock:
        return any(depth and key[0] == db for key, depth in _held.items())


def held_elsewhere(engine: Engine) -> bool:
    """Whether another process (or thread) holds the import lock now."""
    if _held.get((_db(engine), threading.get_ident())):
        return False
    with engine.connect() as conn:
        row = _row(conn)
    return row is not None and _alive(row)


def _claim(engine: Engine, what: str, take_over: bool) -> tuple[bool, Any]:
    """Write our row (replacing one whose holder is gone, or any with ``take_over``): (True,
    None), or (False, the holder's row)."""
    try:
        with engine.begin() as conn:
            row = _row(conn)
            if row is not None and not take_over and _alive(row):
                return False, row
            conn.execute(delete(lock_t).where(lock_t.c.id == 1))
            conn.execute(insert(lock_t), {
                "id": 1, "started_at": dt.datetime.now(dt.UTC), "started_by": _me(),
                "host": socket.gethostname(), "pid": os.getpid(), "what": what,
            })
    except IntegrityError:  # another process wrote its row first
        with engine.connect() as conn:
            return False, _row(conn)
    return True, None


def _release(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(lock_t).where(
            lock_t.c.id == 1, lock_t.c.pid == os.getpid(),
            lock_t.c.host == socket.gethostname(),
        ))


@contextmanager
def import_lock(
    engine: Engine,
    what: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    poll: float = POLL,
) -> Iterator[None]:
    """Hold the cache's import lock for the block. Held elsewhere: wait (``on_wait`` is told
    once, with the words of ``waiting_message``), or with ``wait=False`` raise ImportRunning."""
    key = (_db(engine), threading.get_ident())
    with _held_lock:
        depth = _held.get(key, 0)
        if depth:
            _held[key] = depth + 1
    if depth:
        try:
            yield
        finally:
            with _held_lock:
                _held[key] -= 1
        return
    told = False
    session = None
    try:
        while True:
            if engine.dialect.name == "postgresql":
                if session is None:
                    session = engine.connect()
                got = session.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
                ).scalar()
                session.commit()
                if got:
                    _claim(engine, what, take_over=True)
                    break
                with engine.connect() as conn:
                    holder = _row(conn)
            else:
                claimed, holder = _claim(engine, what, take_over=False)
                if claimed:
                    break
            if holder is None:  # released meanwhile, or its row not yet written
                time.sleep(poll / 5)
                continue
            if not wait:
                raise ImportRunning(refusal_message(holder))
            if not told and on_wait is not None:
                on_wait(waiting_message(holder))
                told = True
            time.sleep(poll)
        with _held_lock:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_lock:
                _held.pop(key, None)
            _release(engine)
    finally:
        if session is not None:
            try:
                session.execute(text("SELECT pg_advisory_unlock_all()"))
                session.commit()
            finally:
                session.close()


__all__ = [
    "ImportRunning", "held_elsewhere", "held_here", "import_lock", "refusal_message",
    "waiting_message",
]
