"""Whether attendance is known, and through which day (``store/inputs.py``'s docstring):
attendance is recorded by exception, so a student with no records was present, but only where
attendance was loaded for the student's school at all. Each school's coverage is the latest
attendance event of its students; a student's ``attendance_through`` is their school's, or
None when none was loaded for it (the reports then show the figures as unknown)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Select, func, select

from caseload.domain.records import Role
from caseload.store.tables import METADATA

users = METADATA.tables["users"]
attendance = METADATA.tables["attendance_events"]


def as_date(value: Any) -> dt.date | None:
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
    for school, last in conn.execute(latest_by_school()):
        out[school] = as_date(last)
    return out


def latest_by_school() -> Select[Any]:
    """(school_id, through): each school's latest attendance event of its students, the school
    NULL for students of no known school (``attendance_coverage``; facts.py compares the
    stored days with it in SQL). A teacher's (any non-student's) record says nothing about the
    students: it neither makes a school's attendance known nor moves its last day."""
    return (
        select(users.c.school_id.label("school_id"), func.max(attendance.c.date).label("through"))
        .join(users, users.c.sourced_id == attendance.c.student_id)
        .where(users.c.role == Role.STUDENT.value)
        .group_by(users.c.school_id)
    )


def school_coverage(conn: Connection, school_id: str) -> dt.date | None:
    """``attendance_coverage(conn)[school_id]`` for one school with students, without reading
    every other school's attendance: the latest attendance event of its students."""
    last = conn.execute(
        select(func.max(attendance.c.date)).where(
            attendance.c.student_id.in_(
                select(users.c.sourced_id).where(
                    users.c.school_id == school_id, users.c.role == Role.STUDENT.value
                )
            )
        )
    ).scalar()
    return as_date(last)


class Coverage:
    """``attendance_through`` for the students a reader is asked for, the coverage read
    school by school as they come (``school_coverage``): a drill-down into one student reads
    their school's attendance, not the whole district's (at 75,000 students that was most of
    a class screen's load). The whole map (``attendance_coverage``) is read only for a
    student whose school is unknown, as that case needs every school's."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.whole: dict[str | None, dt.date | None] | None = None
        self.of_school: dict[str, dt.date | None] = {}

    def through(self, school_id: str | None, has_own_events: bool) -> dt.date | None:
        if self.whole is not None or school_id is None:
            if self.whole is None:
                self.whole = attendance_coverage(self.conn)
            return attendance_through(self.whole, school_id, has_own_events)
        if school_id not in self.of_school:
            self.of_school[school_id] = school_coverage(self.conn, school_id)
        return self.of_school[school_id]


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
