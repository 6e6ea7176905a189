"""A SQLite import staged beside the cache, then applied in short transactions (issue 13).

An import into a SQLite cache used to be one transaction: a note saved meanwhile waited for
the whole load (seconds at 500 students, far more at 5,000). Now (``caseload.sources.loader``):

1. the dataset is checked against the cache with reads only (WAL: no lock);
2. its rows are written to a stage, ``<cache>.import-stage`` (owner-only), a SQLite file with
   the cache's table definitions (a constraint error surfaces here, the cache untouched);
3. the stage is applied: ATTACHed to the cache and copied entity by entity in short
   transactions (``CHUNK_ROWS`` rows first, then as many as take about ``CHUNK_SECONDS``),
   with the upsert the one-transaction load used (``ON CONFLICT DO UPDATE`` by primary key),
   guardian links, grading policies and deletions as it did; the
   import's ``import_runs`` row is written first with outcome ``applying`` and turned ``ok``
   (with the students whose facts it moved, ``mat_pending``) in the last transaction. Between
   two transactions the note writers waiting are let in (``caseload.store.handoff``).

An apply that stops half-way (a crash, a full disk) leaves the ``applying`` row and the
stage: :func:`finish_interrupted` applies the stage again from the start (every step is
idempotent), by the next import or when the cache is next opened, and says so. A stage
without an ``applying`` row is a staging that never finished: the cache was not touched and
the stage is removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Dialect,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.schema import CreateTable

from caseload.store import handoff
from caseload.store.deletion_keys import staged_match
from caseload.store.tables import METADATA

SUFFIX = ".import-stage"
# Rows of an entity's first apply transaction. Measured at 500 students on a busy 2-core machine
# (a script timing each apply transaction of benchmarks/import_bench.py's data): 5,000 rows of
# results (the widest table, two indexes) took 145-305 ms, 1,000 rows 38-89 ms.
CHUNK_ROWS = 1000
# What one apply transaction of an entity's rows aims to take: the next one's rows follow the
# pace of the last (at most twice as many, at most MAX_CHUNK_ROWS), so a note write waits behind
# one for about this long on a quiet machine or a busy one, well under 200 ms. Larger
# transactions than a fixed 1,000 rows on a quiet machine write each index page touched by many
# of them to the WAL fewer times (the random-order index on results by student most).
CHUNK_SECONDS = 0.05
MAX_CHUNK_ROWS = 50_000
# The WAL's auto-checkpoint while a stage is applied, in pages (SQLite's default, 1,000, the
# connection's setting otherwise): each checkpoint copies the pages to the cache and syncs it,
# and the apply's short transactions rewrite the same index pages again and again.
APPLY_WAL_PAGES = 8192
APPLYING = "applying"

# Called inside each apply transaction, before it commits, with the step's name ("results",
# "deletions", ...): tests drive a note writer against the apply with these.
AFTER_CHUNK: list[Callable[[str, Connection], None]] = []

# The entities in the order they are applied (the order of ``Dataset`` entities).
ENTITY_ORDER = (
    "orgs", "academic_sessions", "calendar_days", "users", "guardians", "courses", "classes",
    "enrollments", "categories", "line_items", "results", "attendance_events",
    "discipline_incidents", "student_incidents", "caseloads", "grading_policies",
)
_STAGE_TABLES = (
    "CREATE TABLE _stage_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE _stage_fills (target TEXT NOT NULL, col TEXT NOT NULL, value)",
    "CREATE TABLE _stage_guardians (guardian_id TEXT NOT NULL)",
    "CREATE TABLE _stage_deletions (entity TEXT NOT NULL, sourced_id TEXT NOT NULL)",
    "CREATE TABLE _stage_touched (student_id TEXT NOT NULL)",
)


class ApplyInterrupted(RuntimeError):
    """The apply stopped half-way: the cache holds part of the import until the next import
    (or the next open) finishes it from the stage."""


def stage_path(engine: Engine) -> Path | None:
    """Where ``engine``'s import stage goes (None: not a SQLite file; load in one transaction)."""
    cache = handoff.cache_file(engine)
    return None if cache is None else Path(f"{cache}{SUFFIX}")


def discard(path: Path) -> None:
    for p in (path, Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def _stage_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=OFF")  # a stage that fails is thrown away whole
    cur.execute("PRAGMA synchronous=OFF")  # made durable once, by seal()
    cur.close()


def create(path: Path) -> Engine:
    """A new, empty stage at ``path`` (owner-only; a leftover one is replaced) with every
    cache table (without the indexes: nothing reads it by them) and the stage's own."""
    discard(path)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    engine = create_engine(f"sqlite:///{path}", hide_parameters=True)
    event.listen(engine, "connect", _stage_pragmas)
    with engine.begin() as conn:
        for sql in (*_create_tables(engine.dialect), *_STAGE_TABLES):
            conn.exec_driver_sql(sql)
    return engine


_CREATE_TABLES: dict[tuple[type[Dialect], Table], str] = {}

# The entity tables the loader writes by executemany (every one but the grading policies'):
# in the stage without their primary key, so an insert there only appends (a fifth less time
# than keeping the key's index). A record given twice is then two stage rows, in the order
# given; the apply's upsert copies them in that order, so the last one is in the cache, as
# when the stage's own upsert kept it.
KEYLESS = frozenset(ENTITY_ORDER) - {"grading_policies"}


def _keyless(table: Table) -> Table:
    """``table``'s columns (types, NOT NULL, defaults) without its primary key."""
    return Table(table.name, MetaData(), *(
        Column(c.name, c.type, nullable=c.nullable, server_default=c.server_default)
        for c in table.columns))


def _create_tables(dialect: Dialect) -> list[str]:
    """Every cache table's CREATE TABLE as SQLite spells it (``KEYLESS`` ones without their
    primary key), each compiled once per process (the same statements
    ``conn.execute(CreateTable(table))`` compiles on each stage; compiling them was half the
    time of making a stage). The tables are read from METADATA on every call: a module that
    defines a table (store/audit_log.py) may be imported after the first stage, and the stage
    must hold every table ``write_plan`` reads."""
    out = []
    for table in METADATA.sorted_tables:
        sql = _CREATE_TABLES.get((type(dialect), table))
        if sql is None:
            staged = _keyless(table) if table.name in KEYLESS else table
            sql = _CREATE_TABLES[(type(dialect), table)] = str(
                CreateTable(staged).compile(dialect=dialect))
        out.append(sql)
    return out


def write_plan(
    conn: Connection,
    *,
    info: dict[str, Any],
    fills: list[tuple[str, str, Any]],
    guardians_complete: list[str],
    deletions: list[tuple[str, str]],
    touched: set[str] | None,
) -> None:
    """The stage's own tables: what the apply does beyond copying rows."""
    copy = [
        t.name for t in METADATA.sorted_tables
        if t.name not in ENTITY_ORDER and t.name != "policy_categories"
        and conn.exec_driver_sql(f'SELECT 1 FROM "{t.name}" LIMIT 1').first() is not None
    ]  # tables the loader's hooks wrote (e.g. sync_state)
    info = {**info, "copy_tables": copy, "touched_all": touched is None}
    conn.exec_driver_sql(
        "INSERT INTO _stage_info VALUES (?, ?)", [(k, json.dumps(v)) for k, v in info.items()]
    )
    if fills:
        conn.exec_driver_sql("INSERT INTO _stage_fills VALUES (?, ?, ?)", fills)
    if guardians_complete:
        conn.exec_driver_sql(
            "INSERT INTO _stage_guardians VALUES (?)", [(g,) for g in guardians_complete]
        )
    if deletions:
        conn.exec_driver_sql("INSERT INTO _stage_deletions VALUES (?, ?)", deletions)
    if touched:
        conn.exec_driver_sql(
            "INSERT INTO _stage_touched VALUES (?)", [(s,) for s in sorted(touched)]
        )


def seal(engine: Engine, path: Path) -> None:
    """Close the stage and make it durable before the cache is touched."""
    engine.dispose()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def begin_apply(engine: Engine, source: str, kind: str, started: dt.datetime) -> int:
    """Write the import's run row, outcome ``applying`` (the mark of an apply under way)."""
    runs = METADATA.tables["import_runs"]
    with engine.begin() as conn:
        run_id: int = conn.execute(
            runs.insert().returning(runs.c.id),
            {"source": source, "kind": kind, "started_at": started, "finished_at": None,
             "outcome": APPLYING, "counts": "{}", "message": None},
        ).scalar_one()
    return run_id


def _q(name: str) -> str:
    return f'"{name}"'


def _upsert_sql(name: str) -> str:
    """INSERT ... SELECT from the stage, with the loader's upsert (by primary key)."""
    table = METADATA.tables[name]
    cols = [c.name for c in table.columns]
    pk = [c.name for c in table.primary_key.columns]
    col_list = ", ".join(map(_q, cols))
    others = [c for c in cols if c not in pk]
    if others:
        conflict = (f"ON CONFLICT ({', '.join(map(_q, pk))}) DO UPDATE SET "
                    + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in others))
    else:
        conflict = "ON CONFLICT DO NOTHING"
    return (f"INSERT INTO main.{_q(name)} ({col_list}) SELECT {col_list} FROM stage.{_q(name)} "
            f"WHERE rowid BETWEEN ? AND ? {conflict}")


class _Apply:
    """One apply of the stage attached to ``conn`` as ``stage``."""

    def __init__(self, engine: Engine, conn: Connection, fail_after: str | None) -> None:
        self.engine, self.conn, self.fail_after = engine, conn, fail_after
        self.took = 0.0  # the last transaction's seconds

    def read(self, sql: str, *params: Any) -> Sequence[Any]:
        rows = self.conn.exec_driver_sql(sql, params).all() if params else \
            self.conn.exec_driver_sql(sql).all()
        self.conn.rollback()  # no transaction left open between the short ones
        return rows

    def txn(self, step: str, work: Callable[[], int]) -> int:
        """``work`` in one short transaction, after letting waiting note writers in."""
        handoff.let_writers_in(self.engine)
        started = time.perf_counter()
        with self.conn.begin():
            n = work()
            for hook in AFTER_CHUNK:
                hook(step, self.conn)
        self.took = time.perf_counter() - started
        return n

    def ranges(self, table: str, where: str = "", *params: Any) -> list[tuple[int, int]]:
        lo, hi = self.read(f"SELECT min(rowid), max(rowid) FROM stage.{_q(table)} {where}",
                           *params)[0]
        if lo is None:
            return []
        return [(a, min(hi, a + CHUNK_ROWS - 1)) for a in range(lo, hi + 1, CHUNK_ROWS)]

    def run(self, sql: str, *params: Any) -> int:
        return self.conn.exec_driver_sql(sql, params).rowcount or 0

    def copy(self, name: str, before: str | None = None) -> None:
        """The stage's rows of ``name`` into the cache by rowid, ``CHUNK_ROWS`` in the first
        transaction, then as many as the last one's pace fits in ``CHUNK_SECONDS``."""
        sql = _upsert_sql(name)
        lo, hi = self.read(f"SELECT min(rowid), max(rowid) FROM stage.{_q(name)}")[0]
        if lo is None:
            return
        rows = max(1, CHUNK_ROWS)
        while lo <= hi:
            end = min(hi, lo + rows - 1)

            def work(lo: int = lo, end: int = end) -> int:
                if before is not None:
                    self.run(before, lo, end)
                return self.run(sql, lo, end)
            self.txn(name, work)
            lo = end + 1
            pace = CHUNK_SECONDS / max(self.took, 1e-6)
            rows = max(1, min(MAX_CHUNK_ROWS, 2 * rows, int(rows * pace)))

    def injected(self, step: str) -> None:
        if self.fail_after == step:
            raise RuntimeError(f"injected failure after applying {step}")

    def all(self, run_id: int) -> dict[str, int]:
        info = {k: json.loads(v) for k, v in self.read("SELECT key, value FROM stage._stage_info")}
        fills = self.read("SELECT target, col, value FROM stage._stage_fills")
        users = METADATA.tables["users"]
        if fills:
            def fill() -> int:  # values as the stage holds them (as the cache stores them)
                for target, col, value in fills:
                    self.run(f"UPDATE main.users SET {_q(users.c[col].name)} = ? "
                             f"WHERE sourced_id = ? AND {_q(col)} IS NULL", value, target)
                return len(fills)
            self.txn("fills", fill)
        # guardians whose every link the dataset carries lose their cached links first
        unlink = ("DELETE FROM main.guardians WHERE guardian_id IN (SELECT guardian_id FROM "
                  "stage._stage_guardians WHERE rowid BETWEEN ? AND ?)")
        for lo, hi in self.ranges("_stage_guardians"):
            self.txn("guardians", partial(self.run, unlink, lo, hi))
        for entity in ENTITY_ORDER:
            if entity == "grading_policies":
                self.copy(entity, before=(
                    "DELETE FROM main.policy_categories WHERE class_id IN (SELECT class_id "
                    "FROM stage.grading_policies WHERE rowid BETWEEN ? AND ?)"))
                self.copy("policy_categories")
            else:
                self.copy(entity)
            self.injected(entity)
        deleted = self.deletions(run_id)
        self.injected("deletions")
        for name in info["copy_tables"]:
            self.copy(name)
        self.finish(run_id, info, deleted)
        return deleted

    def deletions(self, run_id: int) -> dict[str, int]:
        """The dataset's deletions, chunk by chunk. The rows deleted so far are kept in the
        run row, in the same transaction as each chunk, so an apply done again counts them
        once (a row already gone is not deleted twice)."""
        runs = METADATA.tables["import_runs"]
        (counts,) = self.read("SELECT counts FROM import_runs WHERE id = ?", run_id)[0]
        deleted: dict[str, int] = dict(json.loads(counts or "{}").get("deleted", {}))
        order = [e for (e,) in self.read(
            "SELECT entity FROM stage._stage_deletions GROUP BY entity ORDER BY min(rowid)")]
        rows = "FROM stage._stage_deletions WHERE entity = ? AND rowid BETWEEN ? AND ?"
        pick = f"SELECT sourced_id {rows}"
        for entity in order:
            for lo, hi in self.ranges("_stage_deletions", "WHERE entity = ?", entity):
                def work(entity: str = entity, lo: int = lo, hi: int = hi) -> int:
                    named = staged_match(METADATA.tables[entity], rows)  # (a key's ids too)
                    n = self.run(f"DELETE FROM main.{_q(entity)} WHERE {named}", entity, lo, hi)
                    deleted[entity] = deleted.get(entity, 0) + n
                    if entity == "users":  # a deleted guardian or student takes its links
                        gone = self.run(
                            f"DELETE FROM main.guardians WHERE guardian_id IN ({pick}) "
                            f"OR student_id IN ({pick})", "users", lo, hi, "users", lo, hi)
                        if gone:
                            deleted["guardians"] = deleted.get("guardians", 0) + gone
                    self.conn.execute(update(runs).where(runs.c.id == run_id).values(
                        counts=json.dumps({"deleted": deleted})))
                    return n
                self.txn("deletions", work)
        return deleted

    def finish(self, run_id: int, info: dict[str, Any], deleted: dict[str, int]) -> None:
        from caseload.store import facts as mat

        counts = dict(info["counts"])
        if deleted:
            counts["deleted"] = sum(deleted.values())
        counts.update(info["extra"])
        touched = None if info["touched_all"] else {
            s for (s,) in self.read("SELECT student_id FROM stage._stage_touched")}
        runs = METADATA.tables["import_runs"]

        def done() -> int:
            self.conn.execute(update(runs).where(runs.c.id == run_id).values(
                outcome="ok", finished_at=dt.datetime.now(dt.UTC), counts=json.dumps(counts),
                message=None))
            mat.mark_pending(self.conn, run_id, touched)
            return 1
        self.txn("run", done)


def apply(engine: Engine, path: Path, run_id: int, *, fail_after: str | None = None
          ) -> dict[str, int]:
    """Copy the stage at ``path`` into the cache in short transactions and turn run
    ``run_id`` ``ok``; returns the rows deleted by entity. ``fail_after`` (tests) names a step
    after which to stop, as a crash would."""
    with attached(engine, path) as conn:
        (pages,) = conn.exec_driver_sql("PRAGMA main.wal_autocheckpoint").one()
        conn.exec_driver_sql(f"PRAGMA main.wal_autocheckpoint={APPLY_WAL_PAGES:d}")
        conn.commit()
        try:
            return _Apply(engine, conn, fail_after).all(run_id)
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"PRAGMA main.wal_autocheckpoint={int(pages):d}")


# --- what a stage changes (the students whose facts it moves) ------------------------------


def _same_row(name: str) -> str:
    """SQL: the cache holds the stage row ``s`` of ``name`` as it is (same key, every column
    equal; NULL equal to NULL)."""
    table = METADATA.tables[name]
    cols = [c.name for c in table.columns]
    return (f"EXISTS (SELECT 1 FROM main.{_q(name)} AS m WHERE "
            + " AND ".join(f"m.{_q(c)} IS s.{_q(c)}" for c in cols) + ")")


def differing(conn: Connection, name: str, columns: Sequence[str], *,
              first_only: bool = False) -> list[tuple[Any, ...]]:
    """``columns`` of the stage's rows of ``name`` that the cache does not hold as they are
    (new rows, and rows with any column changed), the stage attached to ``conn`` as
    ``stage``. ``first_only``: at most one row (whether there is any). A bulk export that
    repeats what the cache holds therefore names nothing (the rows equal the stored ones:
    the stage holds values as the cache stores them)."""
    cols = ", ".join(f"s.{_q(c)}" for c in columns) or "1"
    sql = (f"SELECT {cols} FROM stage.{_q(name)} AS s WHERE NOT {_same_row(name)}"
           + (" LIMIT 1" if first_only else ""))
    return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


@contextmanager
def attached(engine: Engine, path: Path) -> Iterator[Connection]:
    """A connection of the cache with the stage at ``path`` attached as ``stage`` (the
    stage's writes done and committed), detached when done: what reads the stage against the
    cache, and :func:`apply`."""
    with engine.connect() as conn:
        # (the file name as the file system's bytes: a name that is not UTF-8, beside a
        # cache so named, cannot be bound as text)
        conn.exec_driver_sql("ATTACH DATABASE ? AS stage", (os.fsencode(path),))
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("DETACH DATABASE stage")
            conn.commit()


def _when(started: Any) -> str:
    if isinstance(started, str):
        started = dt.datetime.fromisoformat(started)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    return str(started.astimezone().strftime("%Y-%m-%d %H:%M"))


def finish_interrupted(engine: Engine) -> str | None:
    """Finish an apply that stopped half-way (from its stage), or say the stage is gone;
    returns what to tell the user, or None when there was nothing to do. The caller holds
    the import lock (no other import is running)."""
    path = stage_path(engine)
    if path is None:
        return None
    runs = METADATA.tables["import_runs"]
    with engine.connect() as conn:
        row = conn.execute(
            select(runs.c.id, runs.c.source, runs.c.started_at)
            .where(runs.c.outcome == APPLYING).order_by(runs.c.id.desc()).limit(1)
        ).first()
    if row is None:
        discard(path)  # a staging that never finished: the cache was not touched
        return None
    what = f"the import of {row.source} started {_when(row.started_at)}"
    if not path.exists():
        from caseload.store.facts_pending import forget_computed_run

        with engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.outcome == APPLYING).values(
                outcome="failed", finished_at=dt.datetime.now(dt.UTC),
                message="stopped while being written to the cache; its staged copy is gone"))
            # what it wrote is named by no ok run's counts nor mat_pending: the facts cannot
            # follow it student by student (nor know whether a school's coverage moved)
            forget_computed_run(conn)
        return (f"{what} stopped while it was being written to the cache and its staged copy "
                "is gone: part of it may be in the cache; import it again")
    apply(engine, path, row.id)
    discard(path)
    return (f"{what} had stopped while it was being written to the cache; it has now been "
            "finished from its staged copy")


def finish_on_open(engine: Engine) -> str | None:
    """:func:`finish_interrupted` when the cache is opened and a stage is beside it, or an
    apply is recorded as under way without one (its staged copy gone: what it wrote is then
    reported, and the facts rebuilt, before anything is read), unless an import or sync is
    running (it is then that import's stage, or it finishes it itself)."""
    path = stage_path(engine)
    if path is None:
        return None
    if not path.exists():
        runs = METADATA.tables["import_runs"]
        with engine.connect() as conn:
            if conn.execute(select(runs.c.id).where(runs.c.outcome == APPLYING)).first() is None:
                return None
    from caseload.store.import_lock import ImportRunning, import_lock

    try:
        with import_lock(engine, "finishing an interrupted import", wait=False):
            return finish_interrupted(engine)
    except ImportRunning:
        return None


__all__ = [
    "AFTER_CHUNK",
    "APPLYING",
    "APPLY_WAL_PAGES",
    "CHUNK_ROWS",
    "CHUNK_SECONDS",
    "KEYLESS",
    "MAX_CHUNK_ROWS",
    "ApplyInterrupted",
    "apply",
    "attached",
    "begin_apply",
    "create",
    "differing",
    "discard",
    "finish_interrupted",
    "finish_on_open",
    "seal",
    "stage_path",
    "write_plan",
]
