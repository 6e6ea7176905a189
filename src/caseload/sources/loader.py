"""Apply a Dataset to the cache and record the run.

References are checked against the dataset and the cache first (``load_checks``, reads only),
then every entity is upserted by its source id with Core ``insert()`` + executemany,
deletions applied and the run recorded. PostgreSQL (row locks): all in one transaction. A
SQLite file (one writer): the rows go to a stage beside the cache first, then are applied in
short transactions so a note never waits long behind an import (``caseload.store.staging``).
A failure before the apply leaves the cache exactly as it was and the failed run is recorded
on its own; an apply stopped half-way is finished from its stage by the next import or open.
Intervention notes are never touched.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from caseload._runtime import gc_paused
from caseload.sources.dataset import ENTITIES, Dataset, Reject, SourceError
from caseload.sources.load_checks import (
    Fill,
    changed_policy_classes,
    changed_students,
    check_references,
    deleted_refs,
    edfi_user_rows,
    fill,
    keep_cached_over_placeholders,
    link_students,
    no_maximum,
    not_enrolled,
    rows_changed_students,
    with_rejected_user,
)
from caseload.sources.load_delta import (
    clear_deleted_birth_dates,
    keep_cached_birth_dates,
    keep_cached_maxima,
    keep_cached_roles,
    score_percentages,
    unheld_deletions,
)
from caseload.sources.load_rows import ENTITY_RECORDS, fast_rows
from caseload.store import attendance_check, planner_stats, staging
from caseload.store import facts as mat
from caseload.store.deletion_keys import naming
from caseload.store.tables import METADATA

log = logging.getLogger(__name__)

CHUNK = 5000
# columns only an Ed-Fi source fills (0026: a score read from a percentage): left out of the
# other sources' statements (a parameter less for each of a district's millions of results)
_NOT_EDFI_COLUMNS = {"results": frozenset({"score_percent"})}

Progress = Callable[[str, int, int], None]  # (entity, done, total)


@dataclass
class LoadReport:
    run_id: int | None
    counts: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    linked: int = 0  # students matched to the cache by state/local id (another source's ids)
    notices: list[str] = field(default_factory=list)  # summary lines beyond the counts


# --- row conversion: record -> dict of column values ------------------------------------


def _column(value: Any) -> Any:
    """A record's attribute as the column stores it: an enum by its value, a tuple of ids
    comma-joined (``Klass.term_ids``), everything else as it is."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return ",".join(value)
    return value


def _converter(record_type: type[Any]) -> Callable[[Any], dict[str, Any]]:
    names = tuple(f.name for f in fields(record_type))

    def convert(r: Any) -> dict[str, Any]:
        return {name: _column(getattr(r, name)) for name in names}

    return convert


# Every column of a table is the record's attribute of the same name (the dict path: another
# driver than sqlite3 or psycopg; see caseload.sources.load_rows for theirs).
_CONVERT: dict[str, Callable[[Any], dict[str, Any]]] = {
    entity: _converter(record_type) for entity, record_type in ENTITY_RECORDS.items()
}


def _insert_for(conn: Connection, table: Table) -> Any:
    dialect = conn.dialect.name
    stmt: Any
    if dialect == "sqlite":
        stmt = sqlite.insert(table)
    elif dialect == "postgresql":
        stmt = postgresql.insert(table)
    else:  # pragma: no cover
        raise RuntimeError(f"unsupported database {dialect}")
    pk = [c.name for c in table.primary_key.columns]
    others = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in pk}
    if others and dialect == "postgresql":
        # a row stored as it comes is left alone (not rewritten): the rows the load did
        # write are then the ones it changed (``written_changed_students``)
        same = tuple_(*(table.c[c] for c in others)).is_distinct_from(tuple_(*others.values()))
        return stmt.on_conflict_do_update(index_elements=pk, set_=others, where=same)
    if others:
        return stmt.on_conflict_do_update(index_elements=pk, set_=others)
    return stmt.on_conflict_do_nothing(index_elements=pk)


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(conn: Connection, entity: str, records: list[Any], progress: Progress | None,
            *, staged: bool = False, omit: frozenset[str] = frozenset()) -> int:
    """``records`` upserted by primary key; ``staged``: into a stage's keyless table (a plain
    insert: the apply upserts them into the cache, see ``staging.KEYLESS``). ``omit``: columns
    no record has a value for, left out of the statement (stored NULL, an update sets NULL:
    ``excluded`` holds the default), one parameter less per row."""
    table = METADATA.tables[entity]
    stmt = table.insert() if staged and entity in staging.KEYLESS else _insert_for(conn, table)
    if omit:
        stmt = stmt.values({c.name: bindparam(c.name) for c in table.columns
                            if c.name not in omit})
    total = len(records)
    fast = fast_rows(conn, stmt, table, entity, omit)
    done = 0
    if fast is not None:
        sql, rows = fast
        for i in range(0, total, CHUNK):
            conn.exec_driver_sql(sql, list(rows(records[i : i + CHUNK])))
            done = min(total, i + CHUNK)
            if progress:
                progress(entity, done, total)
        return total
    convert = _CONVERT[entity]
    for batch in _chunks(map(convert, records), CHUNK):
        conn.execute(stmt, batch)
        done += len(batch)
        if progress:
            progress(entity, done, total)
    return done


def _apply_policies(conn: Connection, ds: Dataset) -> int:
    policies = METADATA.tables["grading_policies"]
    pcats = METADATA.tables["policy_categories"]
    if not ds.grading_policies:
        return 0
    class_ids = [p.class_id for p in ds.grading_policies]
    for i in range(0, len(class_ids), 500):
        conn.execute(delete(pcats).where(pcats.c.class_id.in_(class_ids[i : i + 500])))
    conn.execute(
        _insert_for(conn, policies),
        [{"class_id": p.class_id, "method": p.method.value} for p in ds.grading_policies],
    )
    rows = [
        {
            "class_id": p.class_id,
            "category_id": c.category_id,
            "weight": c.weight,
            "drop_lowest": c.drop_lowest,
        }
        for p in ds.grading_policies
        for c in p.categories
    ]
    if rows:
        conn.execute(pcats.insert(), rows)
    return len(ds.grading_policies)


def _replace_guardian_links(conn: Connection, ds: Dataset) -> None:
    """Drop the cached links of guardians whose every link this dataset carries (before the
    upsert writes them again): a student taken off a guardian's row is no longer theirs."""
    table = METADATA.tables["guardians"]
    wanted = sorted(ds.guardians_complete)
    for i in range(0, len(wanted), 500):
        conn.execute(delete(table).where(table.c.guardian_id.in_(wanted[i : i + 500])))


def _apply_deletions(conn: Connection, ds: Dataset) -> dict[str, int]:
    by_entity: dict[str, list[str]] = {}
    for d in ds.deletions:
        by_entity.setdefault(d.entity, []).append(d.sourced_id)
    deleted: dict[str, int] = {}
    for entity, id_list in by_entity.items():
        table = METADATA.tables[entity]
        n = 0
        for i in range(0, len(id_list), 500):
            res = conn.execute(delete(table).where(naming(table, id_list[i : i + 500])))
            n += res.rowcount or 0
        deleted[entity] = n
        if entity == "users":  # a deleted guardian or student takes its guardian links along
            links = METADATA.tables["guardians"]
            gone = 0
            for i in range(0, len(id_list), 500):
                part = id_list[i : i + 500]
                res = conn.execute(delete(links).where(
                    links.c.guardian_id.in_(part) | links.c.student_id.in_(part)))
                gone += res.rowcount or 0
            if gone:
                deleted["guardians"] = gone
    return deleted


# Hooks run after the rows are written, in the load's transaction (e.g. the sync's mark); on a
# SQLite file they write into the import's stage, and what they write is applied with it.
# Each gets the connection and the dataset.
AFTER_LOAD: list[Callable[[Connection, Dataset], None]] = []


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _Checked:
    """What the checks found, before anything is written."""

    fills: list[Fill]
    not_enrolled: int
    unheld: dict[str, int]  # deletions naming records the cache does not hold, by entity
    touched: set[str] | None = None


def _checks(conn: Connection, ds: Dataset, skip_invalid: bool, report: LoadReport) -> _Checked:
    """Keep what a delta leaves unsaid, link, check references and rosters (reads only;
    rewrites ``ds``)."""
    keep_cached_roles(conn, ds, skip_invalid)  # first: the users it keeps are the dataset's
    keep_cached_birth_dates(conn, ds)
    clear_deleted_birth_dates(conn, ds)
    report.linked, fills = link_students(conn, ds)
    unheld = unheld_deletions(conn, ds)  # after linking: a deletion may name a linked id
    keep_cached_over_placeholders(conn, ds)
    check_references(conn, ds, skip_invalid)
    with_rejected_user(ds, skip_invalid)
    edfi_user_rows(conn, ds, skip_invalid)
    keep_cached_maxima(conn, ds)  # (before no_maximum counts them)
    score_percentages(conn, ds)  # (with the maxima the load ends with)
    no_maximum(ds)
    return _Checked(fills, not_enrolled(conn, ds, skip_invalid), unheld)


def _write_rows(
    conn: Connection, ds: Dataset, report: LoadReport, progress: Progress | None,
    fail_after: str | None, *, staged: bool = False,
) -> None:
    """Every entity's rows, upserted in ``ENTITIES`` order (into the cache, or ``staged``)."""
    for entity in ENTITIES:
        if entity == "grading_policies":
            n = _apply_policies(conn, ds)
        else:
            n = _upsert(conn, entity, getattr(ds, entity), progress, staged=staged,
                        omit=_NOT_EDFI_COLUMNS.get(entity, frozenset())
                        if not ds.edfi else frozenset())
        if n:
            report.counts[entity] = n
        if fail_after == entity:
            raise RuntimeError(f"injected failure after {entity}")


def _extra_counts(report: LoadReport, checked: _Checked) -> dict[str, int]:
    """The run's counts beyond the entities' and the deletions (in the run row's order)."""
    extra: dict[str, int] = {}
    if report.rejects:
        extra["rejected"] = len(report.rejects)
    if report.linked:
        extra["linked"] = report.linked
    if checked.not_enrolled:
        extra["not_enrolled"] = checked.not_enrolled  # results not shown (see the notices)
    return extra


def _record_failure(engine: Engine, ds: Dataset, started: dt.datetime, exc: Exception) -> None:
    message = exc.describe() if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
    runs = METADATA.tables["import_runs"]
    with engine.begin() as conn:
        conn.execute(
            runs.insert(),
            {
                "source": ds.source,
                "kind": ds.kind,
                "started_at": started,
                "finished_at": _utcnow(),
                "outcome": "failed",
                "counts": "{}",
                "message": message[:2000],
            },
        )


def load(
    engine: Engine,
    ds: Dataset,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    fail_after: str | None = None,
) -> LoadReport:
    """Write ``ds`` to the cache and record the run.

    PostgreSQL (row locks: a note never waits behind it): one transaction. A SQLite file:
    checked with reads only, staged beside the cache, then applied in short transactions
    (``caseload.store.staging``); an earlier apply that stopped half-way is finished first
    (the report's notices say so).

    ``fail_after`` names an entity after which to raise (tests inject mid-import failures:
    ``"line_items"`` while the rows are written, ``"apply:line_items"`` while a stage is
    applied). Raises SourceError for bad references unless ``skip_invalid``; the cache is
    then as it was and a failed run is recorded.
    """
    with gc_paused():  # rows made plain by the hundred thousand: see caseload._runtime
        if staging.stage_path(engine) is not None:
            report = _load_staged(engine, ds, skip_invalid, progress, fail_after)
        else:
            report = _load_one_transaction(engine, ds, skip_invalid, progress, fail_after)
            # PostgreSQL plans the facts refresh that follows from the tables' statistics
            # and answers it from indexes alone once their visibility map is set: both
            # brought up to date now, not a minute later by autovacuum (store/planner_stats)
            written = dict(report.counts)
            if "grading_policies" in written:  # (their categories are written with them)
                written["policy_categories"] = written["grading_policies"]
            planner_stats.analyze_written(engine, written, vacuum=True)
        # the attendance records stored that count toward no figure, counted in the summary
        # (the load has committed: a failure here is said, never the import's failure)
        try:
            uncounted = attendance_check.notice(
                attendance_check.not_counted(engine, ds.attendance_events)
            )
        except Exception as exc:
            log.warning("the attendance check after the load failed: %s", type(exc).__name__)
            uncounted = (
                "not checked: which attendance records count toward no figure "
                f"(the check failed: {type(exc).__name__})"
            )
        if uncounted:
            report.notices.append(uncounted)
        return report


def _load_one_transaction(
    engine: Engine, ds: Dataset, skip_invalid: bool, progress: Progress | None,
    fail_after: str | None,
) -> LoadReport:
    """:func:`load` on PostgreSQL (or an in-memory SQLite): one transaction."""
    started = _utcnow()
    runs = METADATA.tables["import_runs"]
    report = LoadReport(run_id=None)
    try:
        with engine.begin() as conn:
            checked = _checks(conn, ds, skip_invalid, report)
            policies_moved = changed_policy_classes(conn, ds)  # read before they are replaced
            fill(conn, checked.fills)
            _replace_guardian_links(conn, ds)
            _write_rows(conn, ds, report, progress, fail_after)
            gone = deleted_refs(conn, ds)  # what the deletions touch, read before them
            report.deleted = _apply_deletions(conn, ds)
            for hook in AFTER_LOAD:
                hook(conn, ds)
            report.rejects = list(ds.rejects)
            report.notices = list(ds.notices)
            counts: dict[str, int] = dict(report.counts)
            if report.deleted:
                counts["deleted"] = sum(report.deleted.values())
            counts.update(_extra_counts(report, checked))
            report.run_id = conn.execute(
                runs.insert().returning(runs.c.id),
                {
                    "source": ds.source,
                    "kind": ds.kind,
                    "started_at": started,
                    "finished_at": _utcnow(),
                    "outcome": "ok",
                    "counts": json.dumps(counts),
                    "message": None,
                },
            ).scalar_one()
            mat.mark_pending(conn, report.run_id, (
                rows_changed_students(conn, ds, gone, checked.fills, policies_moved, staged=False)
                if conn.dialect.name == "postgresql" else changed_students(conn, ds, gone)))
    except Exception as exc:
        _record_failure(engine, ds, started, exc)
        raise
    return report


def _load_staged(
    engine: Engine, ds: Dataset, skip_invalid: bool, progress: Progress | None,
    fail_after: str | None,
) -> LoadReport:
    """:func:`load` on a SQLite file: check, stage, apply (see ``caseload.store.staging``)."""
    from caseload.store.import_lock import held_here, import_lock

    if held_here(engine):  # the import or sync calling us holds it (the usual case)
        return _load_staged_locked(engine, ds, skip_invalid, progress, fail_after)
    with import_lock(engine, f"caseload import {ds.source}"):  # a stage is one import's
        return _load_staged_locked(engine, ds, skip_invalid, progress, fail_after)


def _load_staged_locked(
    engine: Engine, ds: Dataset, skip_invalid: bool, progress: Progress | None,
    fail_after: str | None,
) -> LoadReport:
    path = staging.stage_path(engine)
    assert path is not None
    earlier = staging.finish_interrupted(engine)  # the cache whole before this one's checks
    started = _utcnow()
    report = LoadReport(run_id=None)
    stage_fail = None if fail_after is None or fail_after.startswith("apply:") else fail_after
    try:
        with engine.connect() as conn:  # reads only (WAL): nothing waits behind them
            checked = _checks(conn, ds, skip_invalid, report)
            gone = deleted_refs(conn, ds)
            policies_moved = changed_policy_classes(conn, ds)
            conn.rollback()
        stage = staging.create(path)
        try:
            with stage.begin() as sconn:
                _write_rows(sconn, ds, report, progress, stage_fail, staged=True)
                for hook in AFTER_LOAD:
                    hook(sconn, ds)
                report.rejects = list(ds.rejects)
            # the students whose facts it moves: the staged rows the cache does not hold as
            # they are (a bulk export that repeats the cache names none of its students)
            with staging.attached(engine, path) as conn:
                checked.touched = rows_changed_students(
                    conn, ds, gone, checked.fills, policies_moved, staged=True)
            with stage.begin() as sconn:
                staging.write_plan(
                    sconn,
                    info={"counts": report.counts, "extra": _extra_counts(report, checked)},
                    fills=checked.fills,
                    guardians_complete=sorted(ds.guardians_complete),
                    deletions=[(d.entity, d.sourced_id) for d in ds.deletions],
                    touched=checked.touched,
                )
        finally:
            staging.seal(stage, path)
    except Exception as exc:
        staging.discard(path)
        _record_failure(engine, ds, started, exc)
        raise
    run_id = staging.begin_apply(engine, ds.source, ds.kind, started)
    try:
        report.deleted = staging.apply(
            engine, path, run_id,
            fail_after=fail_after[len("apply:"):] if fail_after and not stage_fail else None,
        )
    except Exception as exc:
        raise staging.ApplyInterrupted(
            f"the import stopped while it was being written to the cache ({type(exc).__name__});"
            " the next import, or the next start of caseload, finishes it from its staged copy"
        ) from exc
    staging.discard(path)
    report.run_id = run_id
    report.notices = [*([earlier] if earlier else []), *ds.notices]
    return report


def check(engine: Engine, ds: Dataset, *, skip_invalid: bool = False) -> LoadReport:
    """What :func:`load` would do, without writing: the load's checks (students linked,
    placeholders, references, results of students not on their class's roster) run against
    the cache inside a transaction that is always rolled back, and no run is recorded.
    ``counts`` are the records that would be written, ``deleted`` the deletions asked for
    less those naming records the cache does not hold (a notice counts them).
    Raises SourceError as :func:`load` would (unless ``skip_invalid``)."""
    report = LoadReport(run_id=None)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            checked = _checks(conn, ds, skip_invalid, report)  # the load's own, not_enrolled too
        finally:
            trans.rollback()
    report.counts = ds.counts()
    for d in ds.deletions:
        report.deleted[d.entity] = report.deleted.get(d.entity, 0) + 1
    for entity, n in checked.unheld.items():
        report.deleted[entity] -= n
    report.rejects = list(ds.rejects)
    return report
