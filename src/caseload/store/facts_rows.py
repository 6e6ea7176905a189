"""The rows a facts refresh writes (``caseload.store.facts``): a chunk of students read,
their facts computed and encoded as the rows of ``mat_student``, ``mat_class`` and
``mat_class_facts`` (the stored format: ``caseload.store.facts``'s docstring). Used by the
refresh in its own process (``computed_here``) and by its worker processes
(``caseload.store.refresh_pool``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, delete, insert, literal, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Date

from caseload._runtime import gc_paused
from caseload.domain import analysis
from caseload.domain.attendance import AttendanceSeries
from caseload.domain.records import Role
from caseload.domain.settings import Thresholds
from caseload.domain.timeline import UNDATED
from caseload.store import inputs as source
from caseload.store.facts_pending import chunks
from caseload.store.id_lists import among
from caseload.store.packing import (
    EMPTY_FIELDS,
    class_fields,
    opt_ord,
    ords,
    pack,
    unpack_ints,
)
from caseload.store.tables import METADATA

T = METADATA.tables

# the rows of mat_student, mat_class (by class id) and mat_class_facts
Rows = tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]


def _student_row(sid: str, a: AttendanceSeries) -> dict[str, Any]:
    return {
        "student_id": sid,
        "enrolled_begin": a.enrolled_begin,
        "absent": ords(a.absent),
        "unexcused": ords(a.unexcused),
        "tardy": ords(a.tardy),
        "attendance_through": a.through,
        "enrolled_end": a.enrolled_end,
    }


def rows_of(facts: list[analysis.StudentFacts]) -> Rows:
    """The rows of ``mat_student``, ``mat_class`` (by class id) and ``mat_class_facts``."""
    class_rows: list[dict[str, Any]] = []
    student_rows: list[dict[str, Any]] = []
    classes: dict[str, dict[str, Any]] = {}
    for f in facts:
        sid = f.student.sourced_id
        student_rows.append(_student_row(sid, f.attendance))
        for c in f.classes:
            # the same for every student of the class (Repository.inputs): made once
            if c.class_id not in classes:
                classes[c.class_id] = {
                    "class_id": c.class_id,
                    "title": c.title,
                    "teacher": c.teacher,
                    "period": c.period,
                    "term_start": c.term_start,
                    "term_end": c.term_end,
                    "result_dates": ords(c.class_result_dates),
                    "gradebook": c.gradebook,
                }
            class_rows.append(
                {
                    "student_id": sid,
                    "class_id": c.class_id,
                    "spans": pack("i", [opt_ord(d) for span in c.enrollment_spans for d in span]),
                    **class_fields(c.timeline_days, c.timeline_grades, c.weekly,
                                   c.scored_dates, c.missing_dates),
                }
            )
    return student_rows, classes, class_rows


def rows_read(got: list[analysis.StudentInput], packed: dict[tuple[str, str], dict[str, Any]]
              ) -> Rows:
    """``rows_of`` the facts of ``got``, read by a batch reader: the class facts' timeline
    fields packed already (``packed``, by student and class; none: a class without
    results), the rest as ``student_facts`` computes it."""
    class_rows: list[dict[str, Any]] = []
    student_rows: list[dict[str, Any]] = []
    classes: dict[str, dict[str, Any]] = {}
    empty = EMPTY_FIELDS
    for inp in got:
        sid = inp.student.sourced_id
        student_rows.append(_student_row(sid, analysis.attendance_facts(inp)))
        spans_of = analysis.spans_by_class(inp.enrollments, sid)
        for ci in inp.classes:
            cid = ci.klass.sourced_id
            if cid not in classes:
                classes[cid] = {
                    "class_id": cid, "title": ci.klass.title, "teacher": ci.teacher,
                    "period": ci.klass.period, "term_start": ci.term_start,
                    "term_end": ci.term_end, "gradebook": bool(ci.line_items),
                    "result_dates": ords(sorted(set(ci.class_result_dates))),
                }
            spans = spans_of.get(cid, ())
            class_rows.append({
                "student_id": sid, "class_id": cid,
                "spans": pack("i", [opt_ord(d) for span in spans for d in span]),
                **packed.get((sid, cid), empty),
            })
    return student_rows, classes, class_rows


def compute_part(reader: source.InputReader, part: list[str], thresholds: Thresholds) -> Rows:
    """The facts rows (``rows_of``) of the students ``part``, read through ``reader``.

    A reader that reads no class dates (``class_dates=False``: the full refresh) leaves each
    class's ``result_dates`` as the day ordinals of the part's shown results in it
    (``seen_dates``), packed as ``packed_dates`` packs them (bytes: a refresh worker sends
    its chunks' to the calling process, and a pickled set of ints cost that process about
    0.05 s of CPU at 5,000 students); the refresh unites the parts' (``united_dates``) with
    ``non_student_result_dates``."""
    # Acyclic records and facts (caseload._runtime.gc_paused); what the reader keeps (a
    # school's classes and line items) is promoted as the pause ends, not walked by the
    # young passes that followed each chunk (about 0.035 s of a worker's 2,500 students)
    with gc_paused(promote=True):
        got = reader.read(part)
        if reader.packed is None:  # (read as rows)
            rows = rows_of([analysis.student_facts(i, thresholds) for i in got])
        else:
            rows = rows_read(got, reader.packed)
        if not reader.class_dates:
            seen = reader.shown_days
            if seen is None:  # (read as rows)
                seen = {cid: packed_dates(days) for cid, days in seen_dates(got).items()}
            for cid, head in rows[1].items():
                head["result_dates"] = seen.get(cid, b"")
        return rows


def seen_dates(inputs: Iterable[analysis.StudentInput]) -> dict[str, set[int]]:
    """By class, the day ordinals of the effective dates (score date, else the line item's
    due date, else its assign date) of the shown results in ``inputs`` (read with
    ``graded_rows``): what the class-dates query gives, for these students' results."""
    out: dict[str, set[int]] = {}
    undated = UNDATED
    for inp in inputs:
        for ci in inp.classes:
            days = out.get(ci.klass.sourced_id)
            if days is None:
                days = out[ci.klass.sourced_id] = set()
            if not ci.graded or ci.book is None:
                continue
            get = ci.book.items.get
            when_of: set[dt.date] = set()
            for row in ci.graded:
                when = row[4]
                if when is None:
                    item = get(row[1])
                    if item is None:
                        continue
                    when = item[0]
                when_of.add(when)
            when_of.discard(undated)
            days.update(map(dt.date.toordinal, when_of))
    return out


def non_student_result_dates(conn: Connection) -> dict[str, set[dt.date]]:
    """The effective dates of the shown results of users who are not students (a user whose
    role changed, say), by class. A full facts refresh collects each class's result dates
    from its students' results (``InputReader(class_dates=False)``) and adds these, so its
    dates are those the per-class query gives: every shown result's.

    First the users who are not students but have results, each looked up in the results'
    student index (``LIMIT 1``: a probe per user on either backend); usually there are none.
    In one query PostgreSQL hashed every result against the non-students' ids (it expects a
    share of the results to match, finds none): 0.14-0.39 s of its CPU at 5,000 students, in
    the middle of the workers' refresh; the probes take 0.02 s there (SQLite: 0.025 ->
    0.003 s)."""
    items, results = source.line_items, source.results
    who = sorted(conn.execute(non_students_with_results()).scalars())
    eff = source.result_day()
    day = source.Days()
    out: dict[str, set[dt.date]] = defaultdict(set)
    for part in chunks(who, 900):  # (at most 900 ids a query, as every IN list here)
        query = (
            select(items.c.class_id, source.as_stored(eff))
            .join(items, items.c.sourced_id == results.c.line_item_id)
            .where(
                eff.is_not(None),
                results.c.student_id.in_(part),
                source.visible_result(results.c.student_id, items.c.class_id),
            )
            .distinct()
        )
        for cid, d in conn.execute(query):
            out[cid].add(day[d])
    return dict(out)


def non_students_with_results() -> Select[Any]:
    """The ids of the users who are not students and have results (``LIMIT 1``: one look-up
    in the results' student index per such user)."""
    results, users = source.results, source.users
    has_results = (
        select(literal(1)).where(results.c.student_id == users.c.sourced_id).limit(1)
        .scalar_subquery()
    )
    return select(users.c.sourced_id).where(
        users.c.role != Role.STUDENT.value, has_results.is_not(None)
    )


def packed_dates(days: set[int]) -> bytes:
    """``seen_dates``'s ordinals as ``mat_class.result_dates`` stores them (ascending)."""
    return pack("i", sorted(days))


def united_dates(packed: Sequence[bytes]) -> bytes:
    """The union of ``packed_dates`` arrays, packed the same way (ascending, each once)."""
    if len(packed) == 1:
        return packed[0]
    return packed_dates(set(unpack_ints(b"".join(packed))))


def write_part(
    engine: Engine,
    part: list[str],
    student_rows: list[dict[str, Any]],
    class_rows: list[dict[str, Any]],
    turn: Any = None,
    through: Connection | None = None,
) -> None:
    """Replace the facts of the students ``part`` with these rows (a student without rows
    loses theirs), in one write transaction; ``turn``: a lock the refresh's writers share
    (``taking_turns``); ``through``: a connection of ``engine``'s, with no transaction, to
    write through (a refresh worker's reading one: none other made for the writes, 5-10 ms
    of a worker's first write on PostgreSQL), else one from its pool."""
    ms, mc = T["mat_student"], T["mat_class_facts"]
    from caseload.store.handoff import let_writers_in  # (fcntl: when a refresh writes)

    # No collector pass inside the transaction: a full one over a large heap kept SQLite's
    # lock, and a note writer, waiting 5 s at 75,000 students.
    with gc_paused(), taking_turns(turn):
        # a note write waiting goes first (issue 13): once this writer's turn has come, not
        # before (a note write that began to wait meanwhile would wait for this one too)
        let_writers_in(engine)
        with _transaction(engine, through) as conn:
            conn.execute(delete(mc).where(among(conn, mc.c.student_id, part)))
            conn.execute(delete(ms).where(among(conn, ms.c.student_id, part)))
            if student_rows:
                insert_rows(conn, ms, student_rows)
            if class_rows:
                insert_rows(conn, mc, class_rows)


@contextmanager
def _transaction(engine: Engine, through: Connection | None) -> Iterator[Connection]:
    """A transaction on ``through`` (committed at the end, rolled back on an error), else
    ``engine.begin()``'s."""
    if through is None:
        with engine.begin() as conn:
            yield conn
        return
    with through.begin():
        yield through


@contextmanager
def taking_turns(turn: Any) -> Iterator[None]:
    """Hold ``turn`` (a ``multiprocessing`` lock the refresh's worker processes share on
    SQLite; None: nothing, as on PostgreSQL, where they write at once) for the block,
    waiting at most ``BUSY_TIMEOUT`` for it (a worker killed while holding it must not stop
    the others: they then wait for SQLite's lock as before).

    Two workers finishing a chunk at once both want SQLite's write lock; the one that does
    not get it sleeps in SQLite's busy handler (1, 2, 5, 10, 15, 20 ms...) and wakes up to
    12 ms after the other's commit, while waiting for ``turn`` it wakes at the release: at
    500 students the two workers' only chunks end together in nearly every refresh."""
    if turn is None:
        yield
        return
    from caseload.store.connect import BUSY_TIMEOUT

    held = turn.acquire(timeout=BUSY_TIMEOUT)
    try:
        yield
    finally:
        if held:
            turn.release()


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(insert(table), rows)`` for rows holding every column, without
    SQLAlchemy's processing of each row's parameters (once more than half of the writing
    process's time in a full refresh): the statement compiled for the dialect, the values
    handed to the driver as they are (texts, blobs, dates; a date as ISO text on SQLite, as
    SQLAlchemy's Date stores it there). On PostgreSQL, ``copy_rows``."""
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, rows)
        return
    compiled = insert(table).compile(dialect=conn.dialect)
    order = compiled.positiontup
    if order is None:  # a named paramstyle: the dicts as they are
        conn.exec_driver_sql(str(compiled), rows)
        return
    sqlite = conn.dialect.name == "sqlite"
    dates = [c.name for c in table.columns if sqlite and isinstance(c.type, Date)]
    if dates:
        rows = [row | {c: _iso(row[c]) for c in dates} for row in rows]
    conn.exec_driver_sql(str(compiled), [tuple(map(row.__getitem__, order)) for row in rows])


def copy_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows holding every column of ``table`` written by PostgreSQL's ``COPY ... FROM STDIN
    (FORMAT BINARY)``, in ``conn``'s transaction, each value sent as the type its column
    declares (a text, a blob, a date, a boolean or None, as a refresh's rows hold them).

    An INSERT executed once per row cost the server, and psycopg, more than the copy: a
    chunk of 500 students' rows (500 and about 3,300) took 0.077 s of the writing process's
    CPU and 0.07 s of the server's, by COPY 0.022 s and 0.035-0.05 s. A failure is raised
    as SQLAlchemy's error for it, as the INSERT's was."""
    names = [c.name for c in table.columns]
    types = [c.type.compile(dialect=conn.dialect).lower() for c in table.columns]
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) "
           "FROM STDIN (FORMAT BINARY)")
    dbapi = conn.dialect.loaded_dbapi
    raw: Any = conn.connection.driver_connection  # (psycopg's, in conn's transaction)
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(tuple(map(row.__getitem__, names)))
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, hide_parameters=True,
                                  dialect=conn.dialect) from None


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True)
class Written:
    """One chunk's facts written (``write_rows``): the students given facts rows, the
    chunk's ``mat_class`` rows by class id (the refresh writes those once every chunk is
    in: a class's students span chunks) and how many ``mat_class_facts`` rows it wrote."""

    students: list[str]
    heads: dict[str, dict[str, Any]]
    class_rows: int


def write_rows(
    engine: Engine, part: list[str], rows: Rows, turn: Any = None,
    through: Connection | None = None,
) -> Written:
    """``write_part`` of a chunk's computed ``rows``; what it wrote. Called by the process
    that computed them (a refresh worker writes its own chunks: sent to the calling process
    to write, the rows were pickled and unpickled, and at 5,000 students that process used
    about 0.5 s more CPU on a machine whose two cores the workers already filled)."""
    student_rows, heads, class_rows = rows
    write_part(engine, part, student_rows, class_rows, turn, through)
    return Written([r["student_id"] for r in student_rows], heads, len(class_rows))


def reader_for(conn: Connection, thresholds: Thresholds, class_dates: bool) -> source.InputReader:
    """The facts refresh's reader: results as columns, timelines in batches."""
    return source.InputReader(
        conn, with_notes=False, class_dates=class_dates,
        batch_timelines=thresholds.missing_counts_as_zero,
    )


def readers(
    conn: Connection, thresholds: Thresholds, class_dates: bool, groups: Iterable[int]
) -> Iterator[source.InputReader]:
    """The reader of each part of a run, given each part's group (``groups``, as
    ``facts_pending.school_parts`` numbers them): a new one for the first part and for each
    part whose group is not the one before's, else the one before's. A new reader drops what
    the last one kept of the classes it read (a school's, for the next school's students)."""
    reader, last = None, None
    for group in groups:
        if reader is None or group != last:
            reader = reader_for(conn, thresholds, class_dates)
        last = group
        yield reader


def computed_here(
    engine: Engine,
    thresholds: Thresholds,
    parts: Sequence[list[str]],
    *,
    class_dates: bool = True,
    groups: Sequence[int] | None = None,
) -> Iterator[Rows]:
    """``compute_part`` of each of ``parts`` in this process, through one reader, or a new
    one for each of ``groups`` (each part's: ``facts_pending.school_parts``)."""
    with engine.connect() as conn:
        each = repeat(0, len(parts)) if groups is None else groups
        for part, reader in zip(parts, readers(conn, thresholds, class_dates, each), strict=True):
            rows = compute_part(reader, part, thresholds)
            conn.commit()  # end the read transaction (PostgreSQL) before the write
            with gc_paused():
                yield rows
