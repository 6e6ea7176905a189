"""What the analytics are computed from: the cache's rows as ``analysis.StudentInput`` records.

Both the read side (``store/repository.py``, the pure path and the drill-downs) and the
materialized facts (``store/facts.py``, rebuilt after every import) start here, so neither
imports the other (issue 15: no facts <-> repository cycle). Queries fetch a scope's rows in a
handful of set-based statements (never one per student); no rule is computed here.

Two things the cache does not hold as rows, and that the inputs must not invent (issue 11 §1):

* **Whether attendance is known.** Attendance is recorded by exception, so a student with no
  records was present, but only where attendance was loaded for the student's school at all.
  ``attendance_through`` gives each student the last day their school's attendance was
  recorded through (the latest event of its students), or None when none was loaded for it:
  the reports then show the figures as unknown and count only through that day.
* **Which results belong to a class's roster.** A result for a student who is not enrolled in
  the line item's class (a result with a wrong class) is stored but not shown: it gives the
  student no class, no grade and no gradebook activity (``visible_result``). A class with no
  student enrollments at all (an export without a roster, as the Grand Bend Ed-Fi sample) has
  no roster to check against, so its results are shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, not_, or_, select
from sqlalchemy.engine import Connection

from caseload.domain import analysis
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    CalendarDay,
    Category,
    Enrollment,
    GradingMethod,
    GradingPolicy,
    Klass,
    LineItem,
    PolicyCategory,
    Result,
    Role,
    ScoreStatus,
    SessionType,
    User,
)
from caseload.domain.schooldays import school_days
from caseload.store.tables import METADATA

T = METADATA.tables
users = T["users"]
caseloads = T["caseloads"]
enrollments = T["enrollments"]
classes = T["classes"]
line_items = T["line_items"]
results = T["results"]
categories = T["categories"]
attendance = T["attendance_events"]
sessions_t = T["academic_sessions"]
calendar_t = T["calendar_days"]
policies_t = T["grading_policies"]
policy_cats = T["policy_categories"]
incidents_t = T["discipline_incidents"]
student_incidents = T["student_incidents"]

R = TypeVar("R")


# --- rows -> records -------------------------------------------------------------------


def _from_row(record_type: Callable[..., R], **casts: Callable[[Any], Any]) -> Callable[[Any], R]:
    """A row -> record converter: each field of ``record_type`` is the row's column of the
    same name, passed through its cast in ``casts`` (an enum, ``bool``...) when it has one."""
    names = [f.name for f in fields(record_type)]  # type: ignore[arg-type]
    get = attrgetter(*names)
    cast_at = [(i, casts[name]) for i, name in enumerate(names) if name in casts]

    def convert(r: Any) -> R:
        values = list(get(r))
        for i, cast in cast_at:
            values[i] = cast(values[i])
        return record_type(*values)

    return convert


def _term_ids(text: str | None) -> tuple[str, ...]:
    return tuple(t for t in (text or "").split(",") if t)


user_from = _from_row(User, role=Role)
_enrollment = _from_row(Enrollment, role=Role, primary=bool)
_klass = _from_row(Klass, term_ids=_term_ids)
_line_item = _from_row(LineItem)
_result = _from_row(Result, status=ScoreStatus, late=bool, missing=bool, excused=bool)
_attendance = _from_row(AttendanceEvent, category=AttendanceCategory)
_session = _from_row(AcademicSession, type=SessionType)


def _chunked(ids: list[str], size: int = 900) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# --- scope and the pieces every reader needs ----------------------------------------------


def scope(counselor_id: str | None) -> Select[Any]:
    """The student ids of a counselor's caseload, or of every student."""
    if counselor_id is None:
        return select(users.c.sourced_id).where(users.c.role == Role.STUDENT.value)
    return select(caseloads.c.student_id).where(caseloads.c.counselor_id == counselor_id)


def people(conn: Connection, scope: Select[Any]) -> tuple[dict[str, User], dict[str, list[str]]]:
    """The students in ``scope`` and the counselors of each."""
    student_rows = conn.execute(
        select(users).where(users.c.sourced_id.in_(scope), users.c.role == "student")
    ).all()
    students = {r.sourced_id: user_from(r) for r in student_rows}
    counselors_of: dict[str, list[str]] = defaultdict(list)
    for cid, sid in conn.execute(
        select(caseloads.c.counselor_id, caseloads.c.student_id)
        .where(caseloads.c.student_id.in_(scope))
        .order_by(caseloads.c.counselor_id)
    ):
        counselors_of[sid].append(cid)
    return students, counselors_of


def incidents(conn: Connection, scope: Select[Any]) -> dict[str, list[dt.date]]:
    inc_of: dict[str, list[dt.date]] = defaultdict(list)
    for sid, d in conn.execute(
        select(student_incidents.c.student_id, incidents_t.c.date)
        .join(incidents_t, incidents_t.c.sourced_id == student_incidents.c.incident_id)
        .where(student_incidents.c.student_id.in_(scope))
    ):
        inc_of[sid].append(d)
    return inc_of


def calendar(conn: Connection) -> tuple[list[AcademicSession], list[CalendarDay]]:
    sessions = [_session(r) for r in conn.execute(select(sessions_t))]
    days = [
        CalendarDay(r.school_id, r.date, bool(r.instructional))
        for r in conn.execute(select(calendar_t))
    ]
    return sessions, days


def notes_of(conn: Connection, scope: Select[Any]) -> dict[str, list[dt.date]]:
    """Contact dates of each student's intervention notes (deleted ones left out)."""
    notes = T["notes"]
    out: dict[str, list[dt.date]] = defaultdict(list)
    for sid, d in conn.execute(
        select(notes.c.student_id, notes.c.contact_date).where(
            notes.c.student_id.in_(scope), notes.c.deleted.is_(False)
        )
    ):
        out[sid].append(d)
    return out


# --- what is known: attendance coverage, rosters ------------------------------------------


def _as_date(value: Any) -> dt.date | None:
    """A date from an aggregate (SQLite's max() hands back the stored text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def attendance_coverage(conn: Connection) -> dict[str | None, dt.date | None]:
    """Per school with students: the last day its attendance was recorded through (the latest
    attendance event of its students), None when no attendance was loaded for it. The key None
    holds the latest event of students whose school is unknown (when there are any)."""
    out: dict[str | None, dt.date | None] = {
        school: None
        for (school,) in conn.execute(
            select(users.c.school_id)
            .where(users.c.role == Role.STUDENT.value, users.c.school_id.is_not(None))
            .distinct()
        )
    }
    for school, last in conn.execute(
        select(users.c.school_id, func.max(attendance.c.date))
        .join(users, users.c.sourced_id == attendance.c.student_id)
        .group_by(users.c.school_id)
    ):
        out[school] = _as_date(last)
    return out


def attendance_through(
    coverage: Mapping[str | None, dt.date | None], school_id: str | None, has_own_events: bool
) -> dt.date | None:
    """The day a student's attendance is known through (see ``attendance_coverage``); None:
    unknown, no attendance was loaded for their school.

    A student whose school is unknown has their own events to go by, or else only the
    district's: known (through the earliest school's last day) when every school has
    attendance, unknown when some school has none, since theirs may be that one."""
    if school_id is not None:
        return coverage.get(school_id)
    known = [d for s, d in coverage.items() if s is not None]
    latest = max((d for d in coverage.values() if d is not None), default=None)
    if has_own_events or not known:
        return latest
    if all(d is not None for d in known):
        return min(d for d in known if d is not None)
    return None


def visible_result(result_student: Any, class_id: Any) -> Any:
    """A SQL condition: the result's student is enrolled (student role) in the class, or the
    class has no student enrollments at all (no roster to check against). Results failing it
    belong to a student not enrolled in that class: stored, never shown."""
    mine = enrollments.alias("mine")
    roster = enrollments.alias("roster")
    return or_(
        exists().where(
            and_(
                mine.c.user_id == result_student,
                mine.c.class_id == class_id,
                mine.c.role == Role.STUDENT.value,
            )
        ),
        not_(
            exists().where(
                and_(roster.c.class_id == class_id, roster.c.role == Role.STUDENT.value)
            )
        ),
    )


# --- the inputs -----------------------------------------------------------------------------


def inputs(
    conn: Connection,
    scope: Select[Any],
    *,
    with_gradebook: bool = True,
    with_notes: bool = True,
) -> list[analysis.StudentInput]:
    """Every student in ``scope`` as a StudentInput, in a fixed number of queries."""
    students, counselors_of = people(conn, scope)
    if not students:
        return []

    enr_of: dict[str, list[Enrollment]] = defaultdict(list)
    for r in conn.execute(
        select(enrollments).where(
            enrollments.c.user_id.in_(scope), enrollments.c.role == Role.STUDENT.value
        )
    ):
        enr_of[r.user_id].append(_enrollment(r))
    # a student's classes: their enrollments, and any class they have results in where no
    # roster says otherwise (an export may lack enrollments, as the Grand Bend Ed-Fi sample
    # does; a result for a student not on the class's roster is not shown)
    classes_of: dict[str, set[str]] = defaultdict(set)
    for sid, es in enr_of.items():
        classes_of[sid].update(e.class_id for e in es)
    shown = visible_result(results.c.student_id, line_items.c.class_id)
    if with_gradebook:
        for sid, cid in conn.execute(
            select(results.c.student_id, line_items.c.class_id)
            .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
            .where(results.c.student_id.in_(scope), shown)
            .distinct()
        ):
            classes_of[sid].add(cid)
    class_ids = sorted({c for cs in classes_of.values() for c in cs})

    all_sessions, calendar_days = calendar(conn)
    by_id = {s.sourced_id: s for s in all_sessions}

    klasses: dict[str, Klass] = {}
    teacher_of: dict[str, str] = {}
    items_of: dict[str, list[LineItem]] = defaultdict(list)
    cats_of: dict[str, dict[str, Category]] = defaultdict(dict)
    policy_of: dict[str, GradingPolicy] = {}
    class_dates: dict[str, list[dt.date]] = defaultdict(list)
    for chunk in _chunked(class_ids):
        for r in conn.execute(select(classes).where(classes.c.sourced_id.in_(chunk))):
            klasses[r.sourced_id] = _klass(r)
        teacher_rows = conn.execute(
            select(
                enrollments.c.class_id,
                enrollments.c.primary,
                users.c.family_name,
                users.c.given_name,
            )
            .join(users, users.c.sourced_id == enrollments.c.user_id)
            .where(enrollments.c.class_id.in_(chunk), enrollments.c.role == Role.TEACHER.value)
            .order_by(enrollments.c.class_id, enrollments.c.primary.desc(), users.c.family_name)
        )
        for cid, _primary, family, given in teacher_rows:
            teacher_of.setdefault(cid, f"{family}, {given}")
        pol_rows = conn.execute(select(policies_t).where(policies_t.c.class_id.in_(chunk)))
        methods = {r.class_id: GradingMethod(r.method) for r in pol_rows}
        pcs: dict[str, list[PolicyCategory]] = defaultdict(list)
        for r in conn.execute(select(policy_cats).where(policy_cats.c.class_id.in_(chunk))):
            pcs[r.class_id].append(PolicyCategory(r.category_id, r.weight, r.drop_lowest))
        for cid, method in methods.items():
            policy_of[cid] = GradingPolicy(cid, method, tuple(pcs.get(cid, ())))
        if with_gradebook:
            cat_rows = conn.execute(
                select(line_items.c.class_id, categories)
                .join(categories, categories.c.sourced_id == line_items.c.category_id)
                .where(line_items.c.class_id.in_(chunk))
                .distinct()
            )
            for r in cat_rows:
                cats_of[r.class_id][r.sourced_id] = Category(
                    r.sourced_id, r.title, r.weight, r.class_id
                )
            for r in conn.execute(select(line_items).where(line_items.c.class_id.in_(chunk))):
                items_of[r.class_id].append(_line_item(r))
            eff = func.coalesce(
                results.c.score_date, line_items.c.due_date, line_items.c.assign_date
            )
            date_rows = conn.execute(
                select(line_items.c.class_id, eff)
                .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
                .where(line_items.c.class_id.in_(chunk), eff.is_not(None), shown)
                .distinct()
            )
            for cid, d in date_rows:
                class_dates[cid].append(d)

    res_of: dict[tuple[str, str], list[Result]] = defaultdict(list)
    if with_gradebook:
        rows = conn.execute(
            select(results, line_items.c.class_id)
            .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
            .where(results.c.student_id.in_(scope), shown)
        )
        for r in rows:
            res_of[(r.student_id, r.class_id)].append(_result(r))

    att_of: dict[str, list[AttendanceEvent]] = defaultdict(list)
    for r in conn.execute(select(attendance).where(attendance.c.student_id.in_(scope))):
        att_of[r.student_id].append(_attendance(r))
    coverage = attendance_coverage(conn)

    inc_of = incidents(conn, scope)
    notes = notes_of(conn, scope) if with_notes else {}

    days_cache: dict[str | None, frozenset[dt.date]] = {}

    def term_span(k: Klass) -> tuple[dt.date | None, dt.date | None]:
        spans = [by_id[t] for t in k.term_ids if t in by_id]
        if not spans:
            return None, None
        return min(s.start_date for s in spans), max(s.end_date for s in spans)

    out: list[analysis.StudentInput] = []
    for sid, student in students.items():
        school = student.school_id
        if school not in days_cache:
            days_cache[school] = school_days(school, all_sessions, calendar_days)
        cis = []
        for cid in sorted(classes_of.get(sid, ())):
            k = klasses.get(cid)
            if k is None:
                continue
            start, end = term_span(k)
            cis.append(
                analysis.ClassInput(
                    klass=k,
                    teacher=teacher_of.get(cid),
                    line_items=tuple(items_of.get(cid, ())),
                    results=tuple(res_of.get((sid, cid), ())),
                    categories=tuple(cats_of.get(cid, {}).values()),
                    policy=policy_of.get(cid),
                    term_start=start,
                    term_end=end,
                    class_result_dates=tuple(class_dates.get(cid, ())),
                )
            )
        events = tuple(att_of.get(sid, ()))
        out.append(
            analysis.StudentInput(
                student=student,
                counselor_ids=tuple(counselors_of.get(sid, ())),
                enrollments=tuple(enr_of.get(sid, ())),
                classes=tuple(cis),
                attendance=events,
                incident_dates=tuple(inc_of.get(sid, ())),
                school_days=days_cache[school],
                sessions=tuple(all_sessions),
                note_dates=tuple(notes.get(sid, ())),
                attendance_through=attendance_through(coverage, school, bool(events)),
            )
        )
    return out


__all__ = [
    "attendance_coverage",
    "attendance_through",
    "calendar",
    "incidents",
    "inputs",
    "notes_of",
    "people",
    "scope",
    "user_from",
    "visible_result",
]
