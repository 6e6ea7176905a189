"""What an export says about school days and rosters, for ``caseload import --check`` and the
import summary (docs/DATA_FORMATS.md, "Checking an export first"; the rules: docs/RULES.md).

School days are the weekdays in a school's terms less the days off its calendar marks
(``domain/schooldays.py``), so a school with no calendar, or a calendar that marks no day off,
counts every holiday and break as a school day: said per school, not only when the whole
export has no calendar. Where the export states a session's instructional days (Ed-Fi
``TotalInstructionalDays``) and caseload counts another number, that is said too. Everything
here is worked out from the Dataset read, before anything is written; nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from caseload.domain.records import CalendarDay, Role
from caseload.domain.schooldays import (
    TERM_TYPES,
    WeekdaysOnly,
    days_between,
    school_days,
    weekdays_only,
)

if TYPE_CHECKING:
    from caseload.sources.dataset import Dataset

NAMES_SHOWN = 3  # schools named in a line; more are counted ("and 4 more")

NO_CALENDAR = "no calendar: school days are taken as weekdays"


def calendar_lines(ds: Dataset) -> list[str]:
    """The "missing:" lines on school days: no calendar at all (the one line it always was),
    else the schools with no calendar, and those whose calendar marks no day off."""
    if not ds.calendar_days:
        return [NO_CALENDAR]
    schools = _schools(ds)
    calendars = _by_school(ds.calendar_days)
    gaps: dict[WeekdaysOnly, list[str]] = defaultdict(list)
    for school in schools:
        why = weekdays_only(school, calendars.get(school, ()))
        if why is not None:
            gaps[why].append(school)
    out = []
    if missing := gaps.get(WeekdaysOnly.NO_CALENDAR):
        its = "its" if len(missing) == 1 else "their"
        out.append(
            f"no calendar for {_which(missing, schools)}: {its} school days are taken as "
            "weekdays"
        )
    if no_day_off := gaps.get(WeekdaysOnly.NO_DAY_OFF):
        its = "its" if len(no_day_off) == 1 else "their"
        out.append(
            f"no day off in the calendar of {_which(no_day_off, schools)}: {its} school days "
            f"are every weekday in {its} terms (the calendar marks no holiday or break)"
        )
    return out


def roster_lines(ds: Dataset) -> list[str]:
    """The "missing:" lines on rosters: no student enrolled in a class, students with no
    school (no school's calendar applies to them)."""
    out = []
    if not any(e.role is Role.STUDENT for e in ds.enrollments):
        out.append(
            "no enrollments: no student is rostered in a class (classes show only from "
            "gradebook scores)"
        )
    students = [u for u in ds.users if u.role is Role.STUDENT]
    if homeless := sum(1 for u in students if not u.school_id):
        they = "it" if homeless == 1 else "them"
        out.append(
            f"no school for {homeless:,} of {len(students):,} student"
            f"{'' if len(students) == 1 else 's'}: no school calendar applies to {they} "
            "(school days are the weekdays in every school's terms)"
        )
    return out


def stated_days_lines(ds: Dataset) -> list[str]:
    """Sessions whose instructional days the export states (Ed-Fi TotalInstructionalDays)
    where caseload counts another number of school days in them, one line for the sessions of
    one title and the same two numbers (a district's schools share their terms)."""
    if not ds.stated_days:
        return []
    calendars = _by_school(ds.calendar_days)
    days_of: dict[str | None, tuple[dt.date, ...]] = {}
    groups: dict[tuple[str, int, int], list[str | None]] = defaultdict(list)
    first: dict[tuple[str, int, int], tuple[dt.date, str]] = {}
    for s in ds.academic_sessions:
        stated = ds.stated_days.get(s.sourced_id)
        if stated is None or s.type not in TERM_TYPES:
            continue
        if s.school_id not in days_of:
            days_of[s.school_id] = tuple(sorted(
                school_days(s.school_id, ds.academic_sessions, calendars.get(s.school_id or "", ()))
            ))
        counted = len(days_between(days_of[s.school_id], s.start_date, s.end_date))
        if counted == stated:
            continue
        key = (s.title, stated, counted)
        groups[key].append(s.school_id)
        first.setdefault(key, (s.start_date, s.title))
    names = _org_names(ds)
    out = []
    for key in sorted(groups, key=lambda k: first[k]):
        title, stated, counted = key
        at = [s for s in groups[key] if s is not None]
        where = f" ({_names(at, names)})" if at else ""
        out.append(
            f"{title}{where}: the export says {stated:,} instructional day"
            f"{'' if stated == 1 else 's'}; caseload counts {counted:,} (the weekdays in the "
            "term less the days off the school's calendar marks)"
        )
    return out


# --- helpers ---------------------------------------------------------------------------------


def _org_names(ds: Dataset) -> dict[str, str]:
    return {o.sourced_id: o.name for o in ds.orgs}


def _schools(ds: Dataset) -> dict[str, str]:
    """The schools the export's students or terms are at (id -> name, the id when the export
    does not name it), by name: a school with neither has no school days to count."""
    names = _org_names(ds)
    ids = {u.school_id for u in ds.users if u.role is Role.STUDENT and u.school_id}
    ids |= {s.school_id for s in ds.academic_sessions if s.type in TERM_TYPES and s.school_id}
    if any(s.type in TERM_TYPES and s.school_id is None for s in ds.academic_sessions):
        ids |= {o.sourced_id for o in ds.orgs if o.type == "school"}  # terms of every school
    return dict(sorted(((i, names.get(i, i)) for i in ids), key=lambda kv: (kv[1], kv[0])))


def _by_school(days: Iterable[CalendarDay]) -> dict[str, list[CalendarDay]]:
    out: dict[str, list[CalendarDay]] = defaultdict(list)
    for c in days:
        out[c.school_id].append(c)
    return out


def _which(ids: list[str], schools: dict[str, str]) -> str:
    """"2 of 3 schools (A, B)", or the school's name when it is the only one."""
    if len(schools) == 1:
        return _names(ids, schools)
    return f"{len(ids):,} of {len(schools):,} schools ({_names(ids, schools)})"


def _names(ids: list[str], names: dict[str, str]) -> str:
    """The schools' names, by name, the first few; "and N more" for the rest."""
    shown = sorted(names.get(i, i) for i in ids)
    more = len(shown) - NAMES_SHOWN
    text = ", ".join(shown[:NAMES_SHOWN])
    return f"{text}, and {more:,} more" if more > 0 else text
