"""Materialized analytics facts: what the rules need, precomputed per student.

The caseload table and ``caseload flags`` must not aggregate raw rows on every call. After an
import (and when ``missing_counts_as_zero`` changes) ``refresh`` computes, with the same pure
functions the drill-downs use (``caseload.domain.analysis.student_facts``):

- ``mat_day_status``: per student and school day that is not plain "present", its status
  (unexcused, excused, tardy); attendance is recorded by exception, so is this;
- ``mat_class_facts``: per student and class, the grade timeline (the running grade after each
  effective date: the per-week grades are read from it at each Sunday), the scored and missing
  dates, enrollment spans and term dates;
- ``mat_class_dates``: per class, the effective dates of every student's results (stale
  gradebook);
- ``mat_student``: per student, the enrollment start and school.
``mat_state`` records which import run and which setting the facts were computed from; a
reader checks it and falls back to the pure path when they are stale, so a stale or failed
refresh can cost speed but never correctness. Facts are derived data: rebuilding them never
touches source rows or notes.

``load_facts`` decodes them (the "cold" read): date columns are read as stored text and every
day becomes one shared ``date`` object (less memory, and the reports' bisections stay on a few
hundred objects), each class row's JSON columns are decoded in one ``json.loads``, and the
classes' bisection arrays are derived once, as they are decoded (``analysis.ClassFacts``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, Engine, String, delete, func, insert, select, type_coerce

from caseload.domain import analysis
from caseload.domain import attendance as att
from caseload.domain.records import AcademicSession, Role, User
from caseload.domain.report import DayStatus
from caseload.domain.settings import Thresholds
from caseload.store.tables import METADATA

T = METADATA.tables

_STATUS = {DayStatus.UNEXCUSED: "U", DayStatus.EXCUSED: "E", DayStatus.TARDY: "T"}
_STATUS_BACK = {v: k for k, v in _STATUS.items()}


def _ords(dates: Iterable[dt.date]) -> str:
    return json.dumps([d.toordinal() for d in dates])


def _state_key(thresholds: Thresholds) -> str:
    return f"missing_counts_as_zero={thresholds.missing_counts_as_zero}"


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
    return row.computed_at


def is_fresh(conn: Connection, thresholds: Thresholds) -> bool:
    return fresh_stamp(conn, thresholds) is not None


def _write(conn: Connection, facts: list[analysis.StudentFacts]) -> None:
    day_rows: list[dict[str, Any]] = []
    class_rows: list[dict[str, Any]] = []
    student_rows: list[dict[str, Any]] = []
    class_dates: dict[str, tuple[dt.date, ...]] = {}
    for f in facts:
        sid = f.student.sourced_id
        a = f.attendance
        unexcused = set(a.unexcused)
        for d in a.absent:
            day_rows.append(
                {"student_id": sid, "date": d, "status": "U" if d in unexcused else "E"}
            )
        for d in a.tardy:
            day_rows.append({"student_id": sid, "date": d, "status": "T"})
        student_rows.append({"student_id": sid, "enrolled_begin": a.enrolled_begin})
        for c in f.classes:
            class_dates[c.class_id] = c.class_result_dates
            class_rows.append(
                {
                    "student_id": sid,
                    "class_id": c.class_id,
                    "title": c.title,
                    "teacher": c.teacher,
                    "period": c.period,
                    "term_start": c.term_start,
                    "term_end": c.term_end,
                    "spans": json.dumps(
                        [
                            [b.toordinal() if b else None, e.toordinal() if e else None]
                            for b, e in c.enrollment_spans
                        ]
                    ),
                    "timeline": json.dumps([[d.toordinal(), g] for d, g in c.timeline]),
                    "weekly": json.dumps([[d.toordinal(), g] for d, g in c.weekly]),
                    "scored": _ords(c.scored_dates),
                    "missing": _ords(c.missing_dates),
                }
            )
    for table, rows in (
        ("mat_day_status", day_rows),
        ("mat_class_facts", class_rows),
        ("mat_student", student_rows),
    ):
        for i in range(0, len(rows), 5000):
            conn.execute(insert(T[table]), rows[i : i + 5000])
    if class_dates:
        conn.execute(
            insert(T["mat_class_dates"]),
            [{"class_id": k, "dates": _ords(v)} for k, v in class_dates.items()],
        )


def refresh(engine: Engine, thresholds: Thresholds) -> int:
    """Recompute every student's facts in one transaction; returns the number of students."""
    from caseload.store.repository import Repository

    repo = Repository(engine, thresholds=thresholds)
    with engine.begin() as conn:
        run_id = latest_run(conn)
        for name in ("mat_day_status", "mat_class_facts", "mat_student", "mat_class_dates"):
            conn.execute(delete(T[name]))
        inputs = repo.inputs(conn, Repository._scope(None), with_notes=False)
        facts = [analysis.student_facts(i, thresholds) for i in inputs]
        _write(conn, facts)
        state = T["mat_state"]
        conn.execute(delete(state))
        conn.execute(
            insert(state),
            {
                "id": 1,
                "run_id": run_id,
                "settings": _state_key(thresholds),
                "computed_at": dt.datetime.now(dt.UTC),
            },
        )
    return len(facts)


_DayKey = int | str | dt.date


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


def _steps(
    pairs: list[list[Any]], at: Callable[[int], dt.date]
) -> tuple[tuple[dt.date, Any], ...]:
    """[[ordinal, value], ...] as ((date, value), ...)."""
    if not pairs:
        return ()
    ords, values = zip(*pairs, strict=True)
    return tuple(zip(map(at, ords), values, strict=True))


def load_facts(
    conn: Connection,
    students: dict[str, User],
    counselors_of: dict[str, list[str]],
    sessions: list[AcademicSession],
    school_days_of: dict[str | None, tuple[dt.date, ...]],
    incidents_of: dict[str, list[dt.date]],
    notes_of: dict[str, list[dt.date]],
    scope: Any,
) -> list[analysis.StudentFacts]:
    """StudentFacts for the students in ``scope`` from the materialized tables.

    (Not under ``analysis.gc_paused``: most objects made here are tuples of dates and floats,
    which the collector's young passes stop tracking while they are still in the CPU's cache;
    a single pass at the end over all of them measured slower.)"""
    day = _Days()
    for school_days in school_days_of.values():
        for d in school_days:
            day[d.toordinal()] = d
    # dates are read as their stored ISO text (type_coerce: no per-row conversion), then
    # shared through ``day``
    days: dict[str, dict[str, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    ds = T["mat_day_status"]
    for sid, d, status in conn.execute(
        select(ds.c.student_id, type_coerce(ds.c.date, String), ds.c.status)
        .where(ds.c.student_id.in_(scope))
        .order_by(ds.c.student_id, ds.c.date)
    ):
        days[sid][status].append(day[d])
    ms = T["mat_student"]
    begin_of = {
        sid: day.opt(begin)
        for sid, begin in conn.execute(
            select(ms.c.student_id, type_coerce(ms.c.enrolled_begin, String)).where(
                ms.c.student_id.in_(scope)
            )
        )
    }
    cd = T["mat_class_dates"]
    mc = T["mat_class_facts"]
    loads = json.loads
    class_dates = {
        cid: tuple([day[o] for o in loads(text or "[]")])
        for cid, text in conn.execute(
            select(cd.c.class_id, cd.c.dates).where(
                cd.c.class_id.in_(select(mc.c.class_id).where(mc.c.student_id.in_(scope)))
            )
        )
    }
    classes_of: dict[str, list[analysis.ClassFacts]] = defaultdict(list)
    opt = day.opt
    at = day.__getitem__
    # a class's texts, one object per value like the dates (they repeat for every student)
    seen: dict[Any, Any] = {}
    shared = seen.setdefault
    for sid, cid, title, teacher, period, t_start, t_end, *texts in conn.execute(
        select(
            mc.c.student_id,
            mc.c.class_id,
            mc.c.title,
            mc.c.teacher,
            mc.c.period,
            type_coerce(mc.c.term_start, String),
            type_coerce(mc.c.term_end, String),
            mc.c.spans,
            mc.c.timeline,
            mc.c.weekly,
            mc.c.scored,
            mc.c.missing,
        ).where(mc.c.student_id.in_(scope))
    ):
        spans, timeline, weekly, scored, missing = loads("[" + ",".join(texts) + "]")
        classes_of[sid].append(
            analysis.ClassFacts(
                shared(cid, cid),
                shared(title, title),
                shared(teacher, teacher),
                shared(period, period),
                opt(t_start),
                opt(t_end),
                tuple([(opt(b), opt(e)) for b, e in spans]),
                _steps(timeline, at),
                _steps(weekly, at),
                tuple(map(at, scored)),
                tuple(map(at, missing)),
                class_dates.get(cid, ()),
            )
        )
    out = []
    shared_sessions = tuple(sessions)  # one tuple for all: reports memoize periods by it
    for sid, student in students.items():
        st = days.get(sid, {})
        unexcused = tuple(st.get("U", ()))
        absent = tuple(sorted(unexcused + tuple(st.get("E", ()))))
        out.append(
            analysis.StudentFacts(
                student=student,
                counselor_ids=tuple(counselors_of.get(sid, ())),
                attendance=att.AttendanceSeries(
                    school_days_of[student.school_id],
                    begin_of.get(sid),
                    absent,
                    unexcused,
                    tuple(st.get("T", ())),
                ),
                classes=tuple(classes_of.get(sid, ())),
                incident_dates=tuple(sorted(incidents_of.get(sid, ()))),
                sessions=shared_sessions,
                note_dates=tuple(sorted(notes_of.get(sid, ()))),
            )
        )
    return out


__all__ = ["Role", "is_fresh", "load_facts", "refresh"]
