"""Materialized analytics facts: what the rules need, precomputed per student.

The caseload table and ``caseload flags`` must not aggregate raw rows on every call. After an
import (and when ``missing_counts_as_zero`` changes) ``refresh`` computes, with the same pure
functions the drill-downs use (``caseload.domain.analysis.student_facts``):

- ``mat_student``: per student, the enrollment start and the school days that were not plain
  "present" (full-day absences, the unexcused ones among them, tardy days); attendance is
  recorded by exception, so is this; and ``attendance_through``, the last day the student's
  school's attendance was recorded through, NULL when no attendance was loaded for it (the
  attendance is then unknown, never "present": issue 11);
- ``mat_class``: per class, what its students' facts share (title, teacher, period, term
  dates, whether it has a gradebook at all) and the effective dates of every student's shown
  results (stale gradebook);
- ``mat_class_facts``: per student and class, the grade timeline (the running grade after each
  effective date), the grade at the end of each week, the scored and missing dates and the
  enrollment spans.
``mat_state`` records which import run and which setting the facts were computed from; a
reader checks it and falls back to the pure path when they are stale, so a stale or failed
refresh can cost speed but never correctness. Facts are derived data: rebuilding them never
touches source rows or notes.

Stored format: every list of days is a packed little-endian int32 array of day ordinals (0
stands for None in enrollment spans), every list of grades a packed float64 array (a
timeline's None grades are listed apart, by index, in ``timeline_nulls``); BLOB on SQLite,
bytea on PostgreSQL. The timeline and the weekly series are stored as parallel arrays (days,
grades), which is how the reports read them (``ClassFacts.timeline_days`` etc.).

``load_facts`` decodes them (the "cold" read) with ``struct`` and few Python objects: every
day becomes one shared ``date`` object (less memory, and the reports' bisections stay on a few
hundred objects), and each distinct packed array of days is decoded once into a tuple that
every row holding the same bytes shares (a class's students mostly have the same timeline
days, weeks and scored dates). ``ClassFacts`` are built with their derived fields set
directly from the decoded arrays (``_class_facts``) rather than re-derived by
``__post_init__``, and the timeline's (date, grade) pairs, which only a reader of
``ClassFacts.timeline`` needs (the reports use the parallel arrays), are made on first use
(``LazyTimeline``). Nothing decoded is kept across ``Repository`` instances: a new one reads
the database again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, fields
from itertools import islice
from operator import attrgetter
from typing import Any, overload

from sqlalchemy import Connection, Engine, String, delete, exists, func, insert, select, type_coerce

from caseload.domain import analysis
from caseload.domain import attendance as att
from caseload.domain.records import AcademicSession, Role, User
from caseload.domain.schooldays import WeekdaysOnly
from caseload.domain.settings import Thresholds
from caseload.store import planner_stats
from caseload.store.facts_pending import (
    chunks,
    coverage_may_have_moved,
    coverage_moved,
    mark_pending,
    pending,
    school_parts,
    students_touched,
)
from caseload.store.facts_rows import (
    computed_here,
    insert_rows,
    non_student_result_dates,
    packed_dates,
    united_dates,
    write_rows,
)
from caseload.store.packing import FLOATS, unpack_ints
from caseload.store.tables import METADATA

T = METADATA.tables


# The version of the rules the stored facts were computed under. Raise it when a rule that
# shapes the facts changes (what counts as an absence, a grade, a span): facts stored by an
# older caseload are then stale, so the first use rebuilds them (a reader meanwhile takes the
# pure path) and the stored rankings, keyed by the facts' stamp, with them.
# 2: a period record of a class the student is not enrolled in that day is left out.
# 3: the days after the student's last enrolled day (every enrollment ended) are not counted.
# 4: a score of a line item without a maximum counts toward no grade (timeline.NO_MAX).
RULES = 4


def _state_key(thresholds: Thresholds) -> str:
    return f"rules={RULES};missing_counts_as_zero={thresholds.missing_counts_as_zero}"


def latest_run(conn: Connection) -> int | None:
    runs = T["import_runs"]
    return conn.execute(select(func.max(runs.c.id)).where(runs.c.outcome == "ok")).scalar()


def fresh_stamp(conn: Connection, thresholds: Thresholds) -> dt.datetime | None:
    """When the facts were computed, if they are fresh for the latest import and settings."""
    state = T["mat_state"]
    row = conn.execute(
        select(state.c.run_id, state.c.settings, state.c.computed_at).where(state.c.id == 1)
    ).first()
    if row is None or row.settings != _state_key(thresholds) or row.run_id != latest_run(conn):
        return None
    computed: dt.datetime | None = row.computed_at
    return computed


def is_fresh(conn: Connection, thresholds: Thresholds) -> bool:
    return fresh_stamp(conn, thresholds) is not None


# --- the refresh: computed outside any write transaction, written in short ones ------------
#
# Issue 13: the rebuild used to hold SQLite's write lock for its whole computation (seconds
# to minutes), so a note saved meanwhile failed. Now CHUNK students at a time are read (a few
# set queries by student id, what their classes share read once per class), computed and
# written in one transaction (a few tens of milliseconds), and the state row that makes them
# fresh is written last: until then a reader sees them stale and takes the pure path, so a
# half-written refresh costs speed, never correctness. Streaming keeps the memory and the
# collector's work those of one chunk, so the refresh grows linearly with the school.

CHUNK = 250  # students per write transaction
# A full refresh computed by worker processes (store/refresh_pool.py) gives each worker
# chunks of up to WORKER_CHUNK students, as many to each (``worker_chunk``): a chunk's
# queries, sorts and numpy calls cost the same for more students, so a steady chunk of 500
# takes about 4% fewer instructions a student than one of 250 (callgrind, 5,000 students).
WORKER_CHUNK = 500


def worker_chunk(students: int, workers: int) -> int:
    """The chunk size of a full refresh of ``students`` by ``workers`` processes: at most
    WORKER_CHUNK, and about as many chunks for each worker, their shares within one chunk
    (2,500 students and two workers: six chunks of 417, three each, not five of 500,
    three and two)."""
    each = -(-students // (workers * WORKER_CHUNK))  # chunks a worker computes
    return max(1, -(-students // (workers * each)))


INCREMENTAL_MAX = 20_000  # more changed students than this (or than half): a full rebuild
pending_t = T["mat_pending"]
users_t = T["users"]


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: ``students`` whose facts it recomputed (or removed: no longer a
    student), ``full`` whether it rebuilt every student's, ``classes`` the classes whose shared
    row changed (their students' rankings move with it), ``stamp`` the new facts stamp."""

    students: frozenset[str]
    full: bool
    classes: frozenset[str]
    stamp: dt.datetime | None
    previous_stamp: dt.datetime | None


def refresh(
    engine: Engine, thresholds: Thresholds, *, full: bool = False, chunk: int | None = None
) -> int:
    """Bring the facts up to date (only the students changed since they were computed, when
    that is known; else every student); returns the number of students recomputed.

    Raises FactsBusy, writing nothing, while an import or sync in another process holds the
    import lock: it refreshes them itself when its load is done (a reader meanwhile takes
    the pure path), and two refreshes must not write the same rows at once."""
    from caseload.store.import_lock import held_elsewhere

    if held_elsewhere(engine):
        raise FactsBusy("an import or sync is running; it refreshes the facts when done")
    return len(refresh_detail(engine, thresholds, full=full, chunk=chunk).students)


class FactsBusy(Exception):
    """The facts are being refreshed by a running import or sync."""


def refresh_detail(
    engine: Engine, thresholds: Thresholds, *, full: bool = False, chunk: int | None = None
) -> Refreshed:
    """:func:`refresh`, telling what it did (``Refreshed``).

    Streamed: ``chunk`` students at a time are read (``inputs.InputReader``, what their
    classes share read once), computed and written in one short write transaction, so
    memory and the collector's work stay those of one chunk whatever the school's size
    (None: CHUNK, or ``worker_chunk`` when worker processes compute them)."""
    existing: set[str] = set()
    everyone: set[str] = set()
    school_of: dict[str, str | None] = {}
    with engine.connect() as conn:
        run_id = latest_run(conn)
        previous = conn.execute(select(T["mat_state"].c.computed_at)).scalar()
        wanted = None if full else pending(conn, _state_key(thresholds), run_id)
        if wanted is not None and coverage_may_have_moved(conn, run_id):
            wanted |= coverage_moved(conn)
        if wanted:  # (whether or not the coverage was read)
            students = conn.execute(
                select(func.count()).where(users_t.c.role == Role.STUDENT.value)
            ).scalar_one()
            if len(wanted) > min(INCREMENTAL_MAX, students // 2):
                wanted = None  # most students changed: one full rebuild is cheaper
        had: set[str] = set()  # of ``wanted``, those with facts now (a student no longer is)
        if wanted:
            ms = T["mat_student"]
            for part in chunks(sorted(wanted)):
                had.update(conn.execute(
                    select(ms.c.student_id).where(ms.c.student_id.in_(part))
                ).scalars())
        if wanted is None:
            existing = set(conn.execute(select(T["mat_student"].c.student_id)).scalars())
            school_of = {
                sid: school
                for sid, school in conn.execute(
                    select(users_t.c.sourced_id, users_t.c.school_id).where(
                        users_t.c.role == Role.STUDENT.value
                    )
                )
            }
            everyone = set(school_of)  # (source.scope(None)'s students)
        old_classes = {
            r.class_id: tuple(r)
            for r in conn.execute(select(T["mat_class"]))
        } if wanted is not None else {}
    # students without new rows (no longer students) lose theirs; a full refresh goes school
    # by school (a chunk's students share classes: its worker reads fewer of them)
    replace_ids = (
        sorted(everyone | existing, key=lambda s: (school_of.get(s) or "", s))
        if wanted is None
        else sorted(wanted)
    )
    computed: set[str] = set()
    class_heads: dict[str, dict[str, Any]] = {}
    from caseload.store import refresh_pool

    n = refresh_pool.workers_for(engine, len(replace_ids)) if wanted is None else 1
    if chunk is None:
        chunk = worker_chunk(len(replace_ids), n) if n > 1 else CHUNK
    size = min(chunk, 900)
    # a full refresh's chunks school by school, a new reader for each school (school_parts)
    parts, groups = (
        school_parts(replace_ids, school_of, size) if wanted is None
        else (list(chunks(replace_ids, size)), None)
    )
    by_workers = n > 1 and len(parts) > 1
    # A full refresh reads every student's results: each class's result dates are collected
    # from them (the parts' sets of day ordinals, united here) instead of read again by a
    # query over each class's results, a second pass over the largest table.
    class_dates = wanted is not None
    others: dict[str, bytes] = {}  # (a full refresh) non-students' result days by class

    def read_others() -> None:  # (a full refresh: by this process while its workers compute)
        with engine.connect() as conn:
            for cid, days in non_student_result_dates(conn).items():
                others[cid] = packed_dates({d.toordinal() for d in days})

    if not class_dates and not by_workers:
        read_others()
    # each chunk written as it is computed, by the worker process that computed it
    produced = (
        refresh_pool.computed(engine, thresholds, parts, n, class_dates=class_dates,
                              meanwhile=None if class_dates else read_others, groups=groups)
        if by_workers
        else (
            (i, write_rows(engine, parts[i], rows))
            for i, rows in enumerate(computed_here(engine, thresholds, parts,
                                                   class_dates=class_dates, groups=groups))
        )
    )
    class_rows_written = 0
    # With workers, the planner statistics of the tables they write (PostgreSQL:
    # ``planner_stats``) are gathered by this process while they compute, once half of the
    # chunks are in, not after the last: it only waits for them then, and what ANALYZE
    # learns holds as shares of the rows, which the planner scales by the table's size when
    # it plans (ANALYZE of ``mat_class_facts`` took 0.11 s of the end of a full refresh of
    # 5,000 students). The tables analyzed then are not analyzed again at the end. In a
    # thread (``planner_stats.analyzing``): at 500 students the two chunks end together, and
    # the second's report, the class rows and the state row waited for it (0.01 s).
    halfway = len(parts) // 2 if by_workers else -1
    analyzed: Callable[[], list[str]] = list  # (the tables analyzed halfway, once done)
    # (closed once the class rows and the state are written, not at the last chunk: the
    # workers' ends, awaited then, about 0.01 s at 5,000 students, pass meanwhile)
    with closing(produced):
        for k, (_i, written) in enumerate(islice(produced, len(parts)), 1):
            class_rows_written += written.class_rows
            computed.update(written.students)
            if k == halfway:
                analyzed = planner_stats.analyzing(engine, {
                    "mat_student": len(computed), "mat_class_facts": class_rows_written,
                })
            if class_dates:
                class_heads.update(written.heads)
                continue
            # A class's result days are united as each chunk comes in, while this process
            # waits for the next one, not all at the end (0.03 s at 5,000 students).
            for cid, head in written.heads.items():
                kept = class_heads.setdefault(cid, head)
                days = kept["result_dates"] if kept is not head else others.get(cid)
                if days is not None:
                    kept["result_dates"] = united_dates([days, head["result_dates"]])
            # (between chunks nothing is held; write_part lets a waiting note write in first)
        mk = T["mat_class"]
        heads_ids = sorted(class_heads)
        for part in chunks(heads_ids, chunk):
            with engine.begin() as conn:
                conn.execute(delete(mk).where(mk.c.class_id.in_(part)))
                insert_rows(conn, mk, [class_heads[c] for c in part])
        changed_classes = {
            c for c in heads_ids
            if old_classes.get(c) != tuple(class_heads[c][col.name] for col in mk.c)
        }
        stamp = dt.datetime.now(dt.UTC)
        with engine.begin() as conn:
            mc = T["mat_class_facts"]
            conn.execute(delete(mk).where(~exists().where(mc.c.class_id == mk.c.class_id)))
            state = T["mat_state"]
            conn.execute(delete(state))
            conn.execute(insert(state), {
                "id": 1, "run_id": run_id, "settings": _state_key(thresholds),
                "computed_at": stamp,
            })
            if run_id is not None:
                conn.execute(delete(pending_t).where(pending_t.c.run_id <= run_id))
    rows_in = {"mat_student": len(computed), "mat_class": len(heads_ids),
               "mat_class_facts": class_rows_written}
    done = analyzed()
    planner_stats.analyze_written(engine, {  # (PostgreSQL, past autovacuum's threshold)
        name: rows for name, rows in rows_in.items() if name not in done
    })
    return Refreshed(
        students=frozenset(computed if wanted is None else computed | had),
        full=wanted is None,
        classes=frozenset(changed_classes),
        stamp=stamp,
        previous_stamp=previous,
    )


class LazyTimeline(Sequence[tuple[dt.date, float | None]]):
    """A decoded ``ClassFacts.timeline``: ((date, grade), ...) made only when read.

    The reports read a timeline through ``ClassFacts.timeline_days`` / ``timeline_grades``
    (what is stored), never as pairs; making tens of thousands of pair tuples per cold read
    just to have them was most of the decoding. This reads as the tuple of pairs would
    (length, items, slices, iteration, equality and hash with the tuple, repr; copies and
    pickles as the tuple), building it once on first use."""

    __slots__ = ("_days", "_grades", "_pairs")

    def __init__(self, days: tuple[dt.date, ...], grades: tuple[float | None, ...]) -> None:
        self._days = days
        self._grades = grades
        self._pairs: tuple[tuple[dt.date, float | None], ...] | None = None

    def pairs(self) -> tuple[tuple[dt.date, float | None], ...]:
        if self._pairs is None:
            self._pairs = tuple(zip(self._days, self._grades, strict=True))
        return self._pairs

    def __len__(self) -> int:
        return len(self._days)

    @overload
    def __getitem__(self, i: int) -> tuple[dt.date, float | None]: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[tuple[dt.date, float | None], ...]: ...

    def __getitem__(self, i: int | slice) -> Any:
        return self.pairs()[i]

    def __iter__(self) -> Iterator[tuple[dt.date, float | None]]:
        return iter(self.pairs())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTimeline):
            return self._days == other._days and self._grades == other._grades
        if isinstance(other, tuple):
            return self.pairs() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pairs())

    def __repr__(self) -> str:
        return repr(self.pairs())

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self.pairs(),))


_DayKey = int | str | dt.date
_by_class_id = attrgetter("class_id")


class _Days(dict[_DayKey, dt.date]):
    """One ``date`` object per day for all the decoded facts, keyed by ordinal, ISO text (a
    date column read raw from SQLite) or date (from drivers that return dates).

    Sharing them saves memory and keeps the reports' bisections over the facts' date tuples
    on a few hundred objects instead of millions scattered over the heap."""

    def __missing__(self, key: _DayKey) -> dt.date:
        if isinstance(key, int):
            day = dt.date.fromordinal(key)
        elif isinstance(key, str):
            day = self[dt.date.fromisoformat(key).toordinal()]
        else:
            day = self[key.toordinal()]
        self[key] = day
        return day

    def opt(self, key: _DayKey | None) -> dt.date | None:
        return None if key is None else self[key]


class _DaySeqs(dict[bytes, tuple[dt.date, ...]]):
    """Packed arrays of day ordinals decoded as tuples of the shared ``_Days``, one tuple per
    distinct array: the students of a class mostly have the same timeline days, weeks and
    scored dates, so most arrays are decoded once (and the others found by one lookup)."""

    def __init__(self, day: _Days) -> None:
        super().__init__()
        self.day = day

    def __missing__(self, blob: bytes) -> tuple[dt.date, ...]:
        got = self[blob] = tuple(map(self.day.__getitem__, unpack_ints(blob)))
        return got


# ``ClassFacts`` are decoded without running their ``__init__``/``__post_init__``: the decoder
# has the derived fields at hand already (the timeline's days and grades are what is stored,
# the days one shared tuple per distinct array), so it sets every slot directly. The fields in
# the order ``_class_facts`` takes them: the class's own (``_class_head``), then the student's.
# Should ClassFacts gain or lose a field, this no longer matches and the decoder falls back to
# the constructor (a test checks that it matches).
_CLASS_FIELDS = (
    "class_id",
    "title",
    "teacher",
    "period",
    "term_start",
    "term_end",
    "class_result_dates",
    "gradebook",
    "sort_key",
    "enrollment_spans",
    "timeline",
    "weekly",
    "scored_dates",
    "missing_dates",
    "timeline_days",
    "timeline_grades",
    "final",
    "weekly_days",
    "weekly_max",
)
_CLASS_INIT = tuple(f.name for f in fields(analysis.ClassFacts) if f.init)
DIRECT_DECODE = sorted(_CLASS_FIELDS) == sorted(f.name for f in fields(analysis.ClassFacts))
_SETTERS = (
    tuple(getattr(analysis.ClassFacts, name).__set__ for name in _CLASS_FIELDS)
    if DIRECT_DECODE
    else ()
)
_new = object.__new__


def _class_facts(values: tuple[Any, ...]) -> analysis.ClassFacts:
    """A ClassFacts from its fields in ``_CLASS_FIELDS`` order."""
    if not DIRECT_DECODE:
        named = dict(zip(_CLASS_FIELDS, values, strict=True))
        return analysis.ClassFacts(**{name: named[name] for name in _CLASS_INIT})
    cf = _new(analysis.ClassFacts)
    for set_field, value in zip(_SETTERS, values, strict=True):
        set_field(cf, value)
    return cf


def _class_head(
    cid: str,
    title: str,
    teacher: str | None,
    period: str | None,
    term_start: dt.date | None,
    term_end: dt.date | None,
    result_dates: tuple[dt.date, ...],
    gradebook: bool,
) -> tuple[Any, ...]:
    """A class's fields in ``_CLASS_FIELDS`` order, its sort key as ClassFacts makes it."""
    probe = analysis.ClassFacts(cid, title, teacher, period, None, None, (), (), (), (), (), ())
    return (
        cid, title, teacher, period, term_start, term_end, result_dates, bool(gradebook),
        probe.sort_key,
    )


def load_facts(
    conn: Connection,
    students: dict[str, User],
    counselors_of: dict[str, list[str]],
    sessions: list[AcademicSession],
    school_days_of: dict[str | None, tuple[dt.date, ...]],
    incidents_of: dict[str, list[dt.date]],
    notes_of: dict[str, list[dt.date]],
    scope: Any,
    weekdays_of: Mapping[str | None, WeekdaysOnly | None],
) -> list[analysis.StudentFacts]:
    """StudentFacts for the students in ``scope`` from the materialized tables.
    ``weekdays_of``: ``schooldays.weekdays_only`` by school (``schooldays.WeekdaysOnlyOf``).

    (Not under ``_runtime.gc_paused``: most objects made here are tuples of dates and floats,
    which the collector's young passes stop tracking while they are still in the CPU's cache;
    a single pass at the end over all of them measured slower.)"""
    day = _Days()
    for school_days in school_days_of.values():
        for d in school_days:
            day[d.toordinal()] = d
    at = day.__getitem__
    opt = day.opt
    dates = _DaySeqs(day)
    # date columns are read as their stored ISO text (type_coerce: no per-row conversion),
    # then shared through ``day``
    ms = T["mat_student"]
    attendance_of = {
        sid: (opt(begin), dates[absent], dates[unexcused], dates[tardy], opt(through), opt(end))
        for sid, begin, absent, unexcused, tardy, through, end in conn.execute(
            select(
                ms.c.student_id,
                type_coerce(ms.c.enrolled_begin, String),
                ms.c.absent,
                ms.c.unexcused,
                ms.c.tardy,
                type_coerce(ms.c.attendance_through, String),
                type_coerce(ms.c.enrolled_end, String),
            ).where(ms.c.student_id.in_(scope))
        )
    }
    mk = T["mat_class"]
    mc = T["mat_class_facts"]
    heads = {
        cid: _class_head(
            cid, title, teacher, period, opt(start), opt(end), dates[result_dates], gradebook
        )
        for cid, title, teacher, period, start, end, result_dates, gradebook in conn.execute(
            select(
                mk.c.class_id,
                mk.c.title,
                mk.c.teacher,
                mk.c.period,
                type_coerce(mk.c.term_start, String),
                type_coerce(mk.c.term_end, String),
                mk.c.result_dates,
                mk.c.gradebook,
            ).where(mk.c.class_id.in_(select(mc.c.class_id).where(mc.c.student_id.in_(scope))))
        )
    }
    spans_of: dict[bytes, tuple[analysis.Span, ...]] = {b"": ()}
    classes_of: dict[str, list[analysis.ClassFacts]] = defaultdict(list)
    loads = json.loads
    floats = FLOATS
    for (
        sid,
        cid,
        span_ends,
        t_days,
        t_grades,
        t_nulls,
        w_days,
        w_grades,
        scored,
        missing,
    ) in conn.execute(
        select(
            mc.c.student_id,
            mc.c.class_id,
            mc.c.spans,
            mc.c.timeline_days,
            mc.c.timeline_grades,
            mc.c.timeline_nulls,
            mc.c.weekly_days,
            mc.c.weekly_grades,
            mc.c.scored,
            mc.c.missing,
        ).where(mc.c.student_id.in_(scope))
    ):
        spans = spans_of.get(span_ends)
        if spans is None:
            ends = [None if o == 0 else at(o) for o in unpack_ints(span_ends)]
            spans = spans_of[span_ends] = tuple(zip(ends[::2], ends[1::2], strict=True))
        grades: tuple[float | None, ...] = floats[len(t_grades)](t_grades)
        if t_nulls is not None:
            with_nulls: list[float | None] = list(grades)
            for i in loads(t_nulls):
                with_nulls[i] = None
            grades = tuple(with_nulls)
        timeline_days = dates[t_days]
        weekly_days = dates[w_days]
        weekly_grades: tuple[float, ...] = floats[len(w_grades)](w_grades)
        classes_of[sid].append(
            _class_facts(
                (
                    *heads[cid],
                    spans,
                    LazyTimeline(timeline_days, grades),
                    tuple(zip(weekly_days, weekly_grades, strict=True)),
                    dates[scored],
                    dates[missing],
                    timeline_days,
                    grades,
                    grades[-1] if grades else None,
                    weekly_days,
                    max(weekly_grades) if weekly_grades else None,
                )
            )
        )
    out = []
    shared_sessions = tuple(sessions)  # one tuple for all: reports memoize periods by it
    # a student without a row has no facts: nothing known (never "present")
    no_attendance: tuple[Any, ...] = (None, (), (), (), None, None)
    for sid, student in students.items():
        begin, absent, unexcused, tardy, through, end = attendance_of.get(sid, no_attendance)
        out.append(
            analysis.StudentFacts(
                student=student,
                counselor_ids=tuple(counselors_of.get(sid, ())),
                attendance=att.AttendanceSeries(
                    school_days_of[student.school_id], begin, absent, unexcused, tardy, through,
                    end, weekdays_of[student.school_id],
                ),
                # class id order, the pure path's (rows come in the plan's: PostgreSQL's varies)
                classes=tuple(sorted(classes_of.get(sid, ()), key=_by_class_id)),
                incident_dates=tuple(sorted(incidents_of.get(sid, ()))),
                sessions=shared_sessions,
                note_dates=tuple(sorted(notes_of.get(sid, ()))),
            )
        )
    return out


__all__ = [
    "Refreshed", "Role", "is_fresh", "load_facts", "mark_pending", "refresh", "refresh_detail",
    "students_touched",
]
