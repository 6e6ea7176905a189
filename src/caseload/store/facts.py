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
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

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


def _dates(text: str | None) -> tuple[dt.date, ...]:
    return tuple(dt.date.fromordinal(o) for o in json.loads(text or "[]"))


def _opt_date(o: int | None) -> dt.date | None:
    return None if o is None else dt.date.fromordinal(o)


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
    """StudentFacts for the students in ``scope`` from the materialized tables."""
    days: dict[str, dict[str, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    ds = T["mat_day_status"]
    for sid, d, status in conn.execute(
        select(ds.c.student_id, ds.c.date, ds.c.status)
        .where(ds.c.student_id.in_(scope))
        .order_by(ds.c.student_id, ds.c.date)
    ):
        days[sid][status].append(d)
    ms = T["mat_student"]
    begin_of = dict(
        conn.execute(
            select(ms.c.student_id, ms.c.enrolled_begin).where(ms.c.student_id.in_(scope))
        ).all()
    )
    cd = T["mat_class_dates"]
    mc = T["mat_class_facts"]
    class_dates = {
        cid: _dates(text)
        for cid, text in conn.execute(
            select(cd.c.class_id, cd.c.dates).where(
                cd.c.class_id.in_(select(mc.c.class_id).where(mc.c.student_id.in_(scope)))
            )
        )
    }
    classes_of: dict[str, list[analysis.ClassFacts]] = defaultdict(list)
    loads = json.loads
    fromord = dt.date.fromordinal
    for r in conn.execute(select(mc).where(mc.c.student_id.in_(scope))):
        classes_of[r.student_id].append(
            analysis.ClassFacts(
                class_id=r.class_id,
                title=r.title,
                teacher=r.teacher,
                period=r.period,
                term_start=r.term_start,
                term_end=r.term_end,
                enrollment_spans=tuple((_opt_date(b), _opt_date(e)) for b, e in loads(r.spans)),
                timeline=tuple((fromord(o), g) for o, g in loads(r.timeline)),
                weekly=tuple((fromord(o), g) for o, g in loads(r.weekly)),
                scored_dates=tuple(map(fromord, loads(r.scored))),
                missing_dates=tuple(map(fromord, loads(r.missing))),
                class_result_dates=class_dates.get(r.class_id, ()),
            )
        )
    out = []
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
                sessions=tuple(sessions),
                note_dates=tuple(sorted(notes_of.get(sid, ()))),
            )
        )
    return out


__all__ = ["Role", "is_fresh", "load_facts", "refresh"]
