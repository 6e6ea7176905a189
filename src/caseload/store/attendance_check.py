"""Which of a load's attendance records count toward no figure, and why: the import and sync
summaries count them (a record stored but in no student's figures is never dropped in
silence).

Run after the load, so the calendar, the enrollments and the roles are the cache's as the load
left them. Each student's records are judged by ``attendance.not_counted`` with what the facts
are computed from (``inputs.InputReader`` reads the same): the school's days, the student's
enrollments (the classes they take each day, within their classes' terms), their first and
last enrolled day. Only those are read (a few set queries per 900 students), not the whole
of each student's inputs: the check costs an import little.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import Engine, select

from caseload.domain import attendance as att
from caseload.domain.records import AttendanceEvent, Role
from caseload.domain.schooldays import enrolled_from, enrolled_until, school_days
from caseload.store import inputs
from caseload.store.tables import METADATA

T = METADATA.tables
CHUNK = 900  # students per query

ORDER = (
    att.NOT_A_SCHOOL_DAY,
    att.BEFORE_ENROLLED,
    att.AFTER_ENROLLED,
    att.CLASS_NOT_TAKEN,
    att.NOT_A_STUDENT,
)


def not_counted(engine: Engine, events: Iterable[AttendanceEvent]) -> Counter[str]:
    """How many of ``events`` (records a load stored) count toward no figure, by reason
    (``ORDER``; ``attendance.NOT_A_STUDENT`` for records of a user who is not a student)."""
    of_student: dict[str, list[AttendanceEvent]] = defaultdict(list)
    for e in events:
        of_student[e.student_id].append(e)
    out: Counter[str] = Counter()
    if not of_student:
        return out
    users, classes = T["users"], T["classes"]
    ids = sorted(of_student)
    with engine.connect() as conn:
        sessions, calendar_days = inputs.calendar(conn)
        by_id = {s.sourced_id: s for s in sessions}
        days_of: dict[str | None, frozenset[dt.date]] = {}
        terms: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            school_of = {
                sid: school
                for sid, role, school in conn.execute(
                    select(users.c.sourced_id, users.c.role, users.c.school_id).where(
                        users.c.sourced_id.in_(part)
                    )
                )
                if role == Role.STUDENT.value
            }
            enrolled = inputs.student_enrollments(conn, part)
            new = sorted({e.class_id for es in enrolled.values() for e in es} - terms.keys())
            for j in range(0, len(new), CHUNK):
                for cid, term_ids in conn.execute(
                    select(classes.c.sourced_id, classes.c.term_ids).where(
                        classes.c.sourced_id.in_(new[j : j + CHUNK])
                    )
                ):
                    terms[cid] = inputs.term_span(inputs.term_ids(term_ids), by_id)
            for sid in part:
                mine = of_student[sid]
                if sid not in school_of:
                    out[att.NOT_A_STUDENT] += len(mine)
                    continue
                school = school_of[sid]
                if school not in days_of:
                    days_of[school] = school_days(school, sessions, calendar_days)
                es = enrolled.get(sid, [])
                for _event, why in att.not_counted(
                    mine,
                    days_of[school],
                    att.classes_counted(es, terms, sid),
                    enrolled_from(es, sid),
                    enrolled_until(es, sid),
                ):
                    out[why] += 1
    return out


def notice(counts: Counter[str]) -> str | None:
    """The summary's line for ``not_counted``'s counts, None when there are none."""
    total = sum(counts.values())
    if not total:
        return None
    parts = "; ".join(f"{counts[why]:,} {why}" for why in ORDER if counts[why])
    noun = "record" if total == 1 else "records"
    return f"not counted: {total:,} attendance {noun} ({parts}): stored, in no student's figures"


__all__ = ["ORDER", "not_counted", "notice"]
