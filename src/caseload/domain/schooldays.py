"""School days, enrolled school days and the sessions (year, term, grading period) around a date.

Definitions (issue 3): a school's school days are the weekdays (Mon-Fri) inside its terms
(academic sessions of type term or semester; a session tied to no school applies to every
school), minus calendar days marked non-instructional, plus calendar days marked instructional
that fall on a weekend. A student's enrolled school days are the school days from the start of
their enrollment (the earliest begin date of their enrollments, else the school year's start) to
the as-of date D.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from caseload.domain.records import AcademicSession, CalendarDay, Enrollment, Role, SessionType

_ONE_DAY = dt.timedelta(days=1)

# The dates caseload works with: an as-of date, a "since" date, a note's dates. Around a date
# caseload looks years back and ahead (a school year, the weeks of a follow-up), and Python's
# dates end at years 1 and 9999, so a date typed far outside any school's records is refused
# where it is typed (the CLI's date options), not met as an overflow in the middle of the work.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)


def out_of_range(day: dt.date) -> str | None:
    """Why ``day`` is not a date caseload works with (None: it is one)."""
    if FIRST_DATE <= day <= LAST_DATE:
        return None
    return (f"{day.isoformat()} is outside the dates caseload works with "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})")
TERM_TYPES: tuple[SessionType, ...] = (SessionType.SEMESTER, SessionType.TERM)


def applies_to(session: AcademicSession, school_id: str | None) -> bool:
    """Whether a session applies to the school: a session tied to no school applies to all.

    With ``school_id`` None (the school is unknown) every session applies.
    """
    return session.school_id is None or school_id is None or session.school_id == school_id


def school_days(
    school_id: str | None,
    sessions: Iterable[AcademicSession],
    calendar: Iterable[CalendarDay] = (),
) -> frozenset[dt.date]:
    """The school's school days (all years the sessions cover).

    ``school_id`` None: the school is unknown; sessions of every school apply and calendar days
    are ignored (they belong to a school).
    """
    days: set[dt.date] = set()
    for s in sessions:
        if s.type not in TERM_TYPES or not applies_to(s, school_id):
            continue
        d = s.start_date
        while d <= s.end_date:
            if d.weekday() < 5:
                days.add(d)
            d += _ONE_DAY
    if school_id is not None:
        for c in calendar:
            if c.school_id != school_id:
                continue
            if not c.instructional:
                days.discard(c.date)
            elif c.date.weekday() >= 5:
                days.add(c.date)
    return frozenset(days)


class WeekdaysOnly(StrEnum):
    """Why a school's school days are every weekday in its terms: nothing loaded marks a day
    off there (``weekdays_only``). Holidays and breaks then count as school days."""

    NO_SCHOOL = "no school"  # the student's school is not known: no school's calendar applies
    NO_CALENDAR = "no calendar"  # no calendar day was loaded for the school
    NO_DAY_OFF = "no day off"  # the school's calendar marks no weekday non-instructional

    @property
    def code(self) -> str:
        """The value written in the flags JSON and CSV: ``no_calendar``, ``no_day_off``,
        ``no_school`` (docs/DATA_FORMATS.md)."""
        return self.value.replace(" ", "_")

    @property
    def note(self) -> str:
        """What a screen or a file says of it: "School days are all weekdays in the terms:
        no school calendar was loaded" (one line at 80 columns)."""
        why = {
            WeekdaysOnly.NO_CALENDAR: "no school calendar was loaded",
            WeekdaysOnly.NO_DAY_OFF: "the calendar marks no day off",
            WeekdaysOnly.NO_SCHOOL: "the student's school is unknown",
        }[self]
        return f"School days are all weekdays in the terms: {why}"


def weekdays_only(
    school_id: str | None, calendar: Iterable[CalendarDay]
) -> WeekdaysOnly | None:
    """Why ``school_days`` gives the school every weekday in its terms; None when its calendar
    marks a weekday off (a day off on a weekend changes nothing). The rule is
    :class:`WeekdaysOnlyOf`'s, for one school."""
    return WeekdaysOnlyOf(calendar)[school_id]


class WeekdaysOnlyOf(dict[str | None, WeekdaysOnly | None]):
    """``weekdays_only`` of every school, from one pass over the calendar days (of every
    school): ``of[school_id]``. A school with no calendar day is NO_CALENDAR, None (the
    school is unknown) NO_SCHOOL."""

    def __init__(self, calendar: Iterable[CalendarDay]) -> None:
        super().__init__()
        for c in calendar:
            if not c.instructional and c.date.weekday() < 5:
                self[c.school_id] = None
            else:
                self.setdefault(c.school_id, WeekdaysOnly.NO_DAY_OFF)

    def __missing__(self, school_id: str | None) -> WeekdaysOnly:
        return WeekdaysOnly.NO_SCHOOL if school_id is None else WeekdaysOnly.NO_CALENDAR


def enrolled_from(
    enrollments: Iterable[Enrollment], student_id: str | None = None
) -> dt.date | None:
    """The earliest begin date of the student's enrollments; None when none has a begin date
    (the caller then uses the school year's start). Only student-role enrollments count, and
    only ``student_id``'s when given."""
    begins = [
        e.begin_date
        for e in enrollments
        if e.begin_date is not None
        and e.role is Role.STUDENT
        and (student_id is None or e.user_id == student_id)
    ]
    return min(begins) if begins else None


def enrolled_until(
    enrollments: Iterable[Enrollment], student_id: str | None = None
) -> dt.date | None:
    """The last day the student is enrolled when every enrollment of theirs has ended: the
    latest end date (a student who withdrew, or whose classes all ended). None when one of
    them has no end date, or there are none: no end is known. Only student-role enrollments
    count, and only ``student_id``'s when given."""
    ends = []
    for e in enrollments:
        if e.role is not Role.STUDENT or (student_id is not None and e.user_id != student_id):
            continue
        if e.end_date is None:
            return None
        ends.append(e.end_date)
    return max(ends) if ends else None


def enrolled_start(year_start: dt.date | None, enrolled_begin: dt.date | None) -> dt.date | None:
    """The first day that counts as enrolled: the enrollment start, else the school year's
    start, never before the school year's start (enrollments carried over from an earlier year
    do not pull last year's days in). None when neither is known (every school day counts)."""
    return later(year_start, enrolled_begin)


def later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """The later of two dates, either of which may be unknown (None: the other one)."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def days_between(
    sorted_days: Sequence[dt.date], start: dt.date | None, end: dt.date
) -> Sequence[dt.date]:
    """The slice of a sorted day sequence with start <= day <= end (start None: from the first)."""
    lo = 0 if start is None else bisect_left(sorted_days, start)
    hi = bisect_right(sorted_days, end)
    return sorted_days[lo:hi]


def enrolled_school_days(
    days: Iterable[dt.date],
    as_of: dt.date,
    *,
    year_start: dt.date | None,
    enrolled_begin: dt.date | None,
) -> list[dt.date]:
    """The student's enrolled school days up to and including ``as_of``, sorted."""
    start = enrolled_start(year_start, enrolled_begin)
    return [d for d in sorted(days) if d <= as_of and (start is None or d >= start)]


# --- The sessions around a date -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A session's date range (inclusive) and title."""

    start: dt.date
    end: dt.date
    title: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Periods:
    """The school year, term and grading period that contain the as-of date (see ``periods_at``).

    ``prior_end``: the last day of the school's latest session of any type (school year, term,
    grading period) that ends before the year starts: the end of the previous school year as
    far as the loaded sessions show it; None when none is loaded (see ``attendance.year_from``)."""

    year: Span | None
    term: Span | None
    grading_period: Span | None
    prior_end: dt.date | None = None


def current_session(
    sessions: Iterable[AcademicSession],
    kinds: Sequence[SessionType],
    as_of: dt.date,
    school_id: str | None = None,
) -> AcademicSession | None:
    """The session of one of ``kinds`` that contains ``as_of``.

    Among several: the earlier kind in ``kinds`` wins (a semester over a term), then a session
    tied to the school over one tied to none, then the longest. When none contains ``as_of`` (a
    break between terms), the one of those kinds that ended most recently before it; None when
    no session of those kinds started on or before ``as_of``.
    """
    cands = [s for s in sessions if s.type in kinds and applies_to(s, school_id)]
    containing = [s for s in cands if s.start_date <= as_of <= s.end_date]
    if containing:
        return min(
            containing,
            key=lambda s: (
                list(kinds).index(s.type),
                s.school_id is None,
                -(s.end_date - s.start_date).days,
                s.start_date,
                s.sourced_id,
            ),
        )
    before = [s for s in cands if s.start_date <= as_of]
    if not before:
        return None
    return max(before, key=lambda s: (s.end_date, s.start_date, s.sourced_id))


def periods_at(
    sessions: Iterable[AcademicSession], as_of: dt.date, school_id: str | None = None
) -> Periods:
    """The school year, term and grading period containing ``as_of`` (see ``current_session``).

    With no ``schoolYear`` session the year is derived from the terms: from the earliest start
    to the latest end of the terms/semesters sharing the current term's ``school_year`` (or the
    current term alone when it has none), as the Grand Bend Ed-Fi sample has no year session.
    """
    sessions = list(sessions)
    term = current_session(sessions, TERM_TYPES, as_of, school_id)
    gp = current_session(sessions, (SessionType.GRADING_PERIOD,), as_of, school_id)
    year_s = current_session(sessions, (SessionType.SCHOOL_YEAR,), as_of, school_id)
    year: Span | None
    if year_s is not None:
        year = _span(year_s)
    elif term is not None:
        if term.school_year is None:
            year = Span(term.start_date, term.end_date, term.title)
        else:
            same = [
                s
                for s in sessions
                if s.type in TERM_TYPES
                and applies_to(s, school_id)
                and s.school_year == term.school_year
            ]
            year = Span(
                min(s.start_date for s in same),
                max(s.end_date for s in same),
                str(term.school_year),
            )
    else:
        year = None
    prior_end = None if year is None else max(
        (
            s.end_date for s in sessions
            if applies_to(s, school_id) and s.end_date < year.start
        ),
        default=None,
    )
    return Periods(
        year=year,
        term=_span(term) if term is not None else None,
        grading_period=_span(gp) if gp is not None else None,
        prior_end=prior_end,
    )


def _span(s: AcademicSession) -> Span:
    return Span(s.start_date, s.end_date, s.title)
