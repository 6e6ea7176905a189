"""Attendance: each school day's status, full-day absences, windows, streaks, the calendar.

Attendance is recorded by exception (issue 3). A school day with no record is a day present, but
only where attendance was recorded at all (issue 11): a school for which no attendance was loaded
has unknown attendance (``AttendanceSeries.through`` None: every figure None, no flag), and days
after the last day a school's attendance was recorded through are unknown, not present (the
figures count through that day). A day is a full-day absence when a whole-day record says
excused or unexcused absence. When a day has only period (class) records, it is a full-day
absence if the student is absent (excused or unexcused) from at least half of the classes they
are enrolled in that day; it is unexcused if more of those periods are unexcused than excused.
Tardy, early departure and Ed-Fi's "Partial" are not full-day absences.

Two layers:

* ``day_statuses`` turns raw events into one ``DayStatus`` per school day. It does not depend on
  the as-of date, so the store can materialize it at import time.
* ``AttendanceSeries`` holds those statuses as sorted date tuples; every count the rules need
  (enrolled days, absences, unexcused in a window or a session, streaks) is a bisection or a
  short walk over it, for any as-of date.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    Enrollment,
    Role,
    SessionType,
)
from caseload.domain.report import AttendanceSummary, DayStatus
from caseload.domain.schooldays import (
    Periods,
    WeekdaysOnly,
    current_session,
    days_between,
    enrolled_start,
    later,
)
from caseload.domain.settings import Thresholds

_ONE_DAY = dt.timedelta(days=1)
_AT_SCHOOL_MARKS = (
    AttendanceCategory.TARDY,
    AttendanceCategory.EARLY_DEPARTURE,
    AttendanceCategory.PARTIAL,
)

ClassCount = Callable[[dt.date], int | Set[str]] | Mapping[dt.date, int | Set[str]]
"""The classes a student is enrolled in on a day (their ids, ``enrolled_classes_on``), or
only how many: a function or a precomputed map (a day missing from the map has none)."""


# --- Classes per day (the denominator of the half rule) -------------------------------------


def enrolled_classes_on(
    enrollments: Iterable[Enrollment],
    class_terms: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = None,
    student_id: str | None = None,
) -> Callable[[dt.date], frozenset[str]]:
    """A function giving the classes the student is enrolled in on a day (their ids).

    An enrollment is active on a day within its begin/end dates (None: open) and, when the
    class's term dates are known (``class_terms[class_id] = (start, end)``), within its term.
    Only student-role enrollments count, and only ``student_id``'s when given.
    """
    spans: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    terms = class_terms or {}
    for e in enrollments:
        if e.role is not Role.STUDENT or (student_id is not None and e.user_id != student_id):
            continue
        t_start, t_end = terms.get(e.class_id, (None, None))
        # the later of the known starts, the earlier of the known ends (plain comparisons:
        # this runs for every enrollment of every student in the facts refresh)
        lo = e.begin_date
        if t_start is not None and (lo is None or t_start > lo):
            lo = t_start
        hi = e.end_date
        if t_end is not None and (hi is None or t_end < hi):
            hi = t_end
        if lo is None:
            lo = dt.date.min
        if hi is None:
            hi = dt.date.max
        if lo <= hi:
            spans[e.class_id].append((lo, hi))
    frozen = [(cid, tuple(v)) for cid, v in spans.items()]

    def classes(day: dt.date) -> frozenset[str]:
        return frozenset(
            cid for cid, class_spans in frozen if any(lo <= day <= hi for lo, hi in class_spans)
        )

    return classes


def enrolled_class_counter(
    enrollments: Iterable[Enrollment],
    class_terms: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = None,
    student_id: str | None = None,
) -> Callable[[dt.date], int]:
    """The number of distinct classes the student is enrolled in on a day
    (``enrolled_classes_on``'s classes, counted)."""
    classes = enrolled_classes_on(enrollments, class_terms, student_id)

    def count(day: dt.date) -> int:
        return len(classes(day))

    return count


def classes_counted(
    enrollments: Sequence[Enrollment],
    class_terms: Mapping[str, tuple[dt.date | None, dt.date | None]] | None,
    student_id: str,
) -> Callable[[dt.date], int] | Callable[[dt.date], frozenset[str]]:
    """What ``day_statuses`` is given for a student: the classes they take each day (they
    decide which period records count), or, with no enrollment of theirs known at all (an
    export without rosters), only how many (0): nothing says a record is not theirs."""
    if any(e.role is Role.STUDENT and e.user_id == student_id for e in enrollments):
        return enrolled_classes_on(enrollments, class_terms, student_id)
    return enrolled_class_counter(enrollments, class_terms, student_id)


# --- Day statuses -------------------------------------------------------------------------


def day_status(
    events: Sequence[AttendanceEvent], enrolled_classes: int | Set[str]
) -> DayStatus:
    """One school day's status from that day's events (the student's, that date's).

    ``enrolled_classes``: the classes the student is enrolled in that day (their ids), or
    only how many. Given the classes, a period record of a class the student is not enrolled
    in that day says nothing about the student's day and is left out (it neither counts
    toward the half below nor makes the day TARDY).

    * Whole-day records win. A whole-day absence makes the day EXCUSED or UNEXCUSED (when
      whole-day absence records disagree, UNEXCUSED only if more of them are unexcused than
      excused); a whole-day tardy, early departure or partial makes it TARDY; present, PRESENT.
    * Only period records: absences are counted per class (a class is unexcused-absent when
      more of its records that day are unexcused than excused). Absent from at least half of
      ``enrolled_classes`` is a full-day absence, UNEXCUSED when more of those classes are
      unexcused than excused, else EXCUSED. With 0 known enrolled classes (given as a count:
      the student has no enrollment at all), period records never make a full-day absence;
      given as an empty set (enrolled, but in no class that day), every period record is left
      out. A day with period marks but no full-day absence (tardies,
      early departures, partials, or absences from fewer than half the classes) is TARDY: at
      school part of the day.
    * No record: PRESENT.
    """
    whole = [e for e in events if e.class_id is None]
    if whole:
        exc = sum(1 for e in whole if e.category is AttendanceCategory.EXCUSED_ABSENCE)
        unx = sum(1 for e in whole if e.category is AttendanceCategory.UNEXCUSED_ABSENCE)
        if exc or unx:
            return DayStatus.UNEXCUSED if unx > exc else DayStatus.EXCUSED
        if any(e.category in _AT_SCHOOL_MARKS for e in whole):
            return DayStatus.TARDY
        return DayStatus.PRESENT
    if not isinstance(enrolled_classes, int):
        mine = enrolled_classes
        events = [e for e in events if e.class_id in mine]
        enrolled_classes = len(mine)
    if not events:
        return DayStatus.PRESENT
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # class -> [excused, unexcused]
    marked = False
    for e in events:
        if e.category is AttendanceCategory.EXCUSED_ABSENCE:
            per_class[e.class_id or ""][0] += 1
        elif e.category is AttendanceCategory.UNEXCUSED_ABSENCE:
            per_class[e.class_id or ""][1] += 1
        elif e.category in _AT_SCHOOL_MARKS:
            marked = True
    absent = len(per_class)
    if enrolled_classes > 0 and absent > 0 and 2 * absent >= enrolled_classes:
        unx_classes = sum(1 for exc, unx in per_class.values() if unx > exc)
        return DayStatus.UNEXCUSED if unx_classes > absent - unx_classes else DayStatus.EXCUSED
    if marked or absent:
        return DayStatus.TARDY
    return DayStatus.PRESENT


def _classes_lookup(classes_on: ClassCount) -> Callable[[dt.date], int | Set[str]]:
    """``classes_on`` as a function of the day (a map's missing day: no class)."""
    if not isinstance(classes_on, Mapping):
        return classes_on
    mapping = classes_on

    def from_map(day: dt.date) -> int | Set[str]:
        return mapping.get(day, 0)

    return from_map


def day_statuses(
    events: Iterable[AttendanceEvent],
    school_days: Iterable[dt.date],
    classes_on: ClassCount,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[dt.date, DayStatus]:
    """The status of every school day in [start, end] (None: unbounded), in date order.

    Values are PRESENT, TARDY, EXCUSED or UNEXCUSED (see ``day_status``). Events on days that
    are not school days are ignored. ``classes_on`` gives the classes the student is enrolled in
    on a day (``enrolled_classes_on``; or how many), used only for days with period records.
    """
    by_day: dict[dt.date, list[AttendanceEvent]] = defaultdict(list)
    for e in events:
        by_day[e.date].append(e)
    count = _classes_lookup(classes_on)
    out: dict[dt.date, DayStatus] = {}
    for d in sorted(school_days):
        if (start is not None and d < start) or (end is not None and d > end):
            continue
        evs = by_day.get(d)
        if not evs:
            out[d] = DayStatus.PRESENT
        elif all(e.class_id is None for e in evs):
            out[d] = day_status(evs, 0)
        else:
            out[d] = day_status(evs, count(d))
    return out


# --- Records no figure counts ----------------------------------------------------------------

# Why an attendance record counts toward no figure (``not_counted``), as the import summary
# says it; in the order a record is checked.
NOT_A_SCHOOL_DAY = "on days that are not school days at the student's school"
BEFORE_ENROLLED = "before the student's first enrolled day"
AFTER_ENROLLED = "after the student's last enrolled day"
CLASS_NOT_TAKEN = "for a class the student is not enrolled in that day"
NOT_A_STUDENT = "for someone who is not a student"


def not_counted(
    events: Iterable[AttendanceEvent],
    school_days: Set[dt.date],
    classes_on: ClassCount,
    begin: dt.date | None,
    end: dt.date | None,
) -> list[tuple[AttendanceEvent, str]]:
    """The records of one student's ``events`` that count toward no figure, each with why
    (the first of the reasons above that applies), in the order given.

    The same rules as ``day_statuses`` and ``AttendanceSeries``: a record on a day that is
    not one of ``school_days``; before ``begin`` (``schooldays.enrolled_from``); after
    ``end`` (``schooldays.enrolled_until``: every enrollment has ended); a period record of a
    class ``classes_on`` (``classes_counted``) says the student does not take that day, on a
    day with no whole-day record (a whole-day record decides such a day, and its period
    records with it). They are stored, and a later calendar or roster may count them."""
    given = list(events)
    whole_days = {e.date for e in given if e.class_id is None}
    lookup = _classes_lookup(classes_on)
    taken_on: dict[dt.date, int | Set[str]] = {}  # the classes taken each day, asked once
    out: list[tuple[AttendanceEvent, str]] = []
    for e in given:
        day = e.date
        if day not in school_days:
            out.append((e, NOT_A_SCHOOL_DAY))
        elif begin is not None and day < begin:
            out.append((e, BEFORE_ENROLLED))
        elif end is not None and day > end:
            out.append((e, AFTER_ENROLLED))
        elif e.class_id is not None and day not in whole_days:
            taken = taken_on.get(day)
            if taken is None:
                taken = taken_on[day] = lookup(day)
            if not isinstance(taken, int) and e.class_id not in taken:
                out.append((e, CLASS_NOT_TAKEN))
    return out


# --- The series ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _sorted_days(days: frozenset[dt.date]) -> tuple[dt.date, ...]:
    """A school's days in order, sorted once for all its students (a frozenset keeps its
    hash, so the lookup costs no pass over the days)."""
    return tuple(sorted(days))


@dataclass(frozen=True, slots=True)
class AttendanceSeries:
    """A student's attendance as sorted date tuples; independent of the as-of date.

    ``school_days`` are every school day of the student's school (the calendar); the others are
    subsets of it. ``enrolled_begin`` is the earliest begin date of the student's enrollments
    (None: unknown, the school year's start is used). Build it with ``from_statuses``.

    ``through``: the last day attendance was recorded for the student's school (the latest
    event loaded for it). Days after it are unknown: the figures count only through it
    (``counted_through``). None: no attendance was loaded for the school at all, so nothing is
    known (``known`` False; the reports give None for every attendance figure and fire no
    attendance flag). The default, ``date.max``, says the events given are complete (a caller
    that knows no better, e.g. a test building a series from its own events).
    """

    school_days: tuple[dt.date, ...]
    enrolled_begin: dt.date | None
    absent: tuple[dt.date, ...]  # full-day absences, any reason
    unexcused: tuple[dt.date, ...]  # full-day unexcused absences (a subset of ``absent``)
    tardy: tuple[dt.date, ...]  # at school part of the day (DayStatus.TARDY)
    through: dt.date | None = dt.date.max
    # the last day of the student's last enrollment, when every enrollment has ended
    # (schooldays.enrolled_until; None: no end known): later days are not enrolled, not counted
    enrolled_end: dt.date | None = None
    # why ``school_days`` are every weekday in the terms (schooldays.weekdays_only: no calendar,
    # no day off in it, no school known); None: the school's calendar marks days off
    weekdays_only: WeekdaysOnly | None = None

    @classmethod
    def from_statuses(
        cls,
        school_days: Iterable[dt.date],
        statuses: Mapping[dt.date, DayStatus],
        enrolled_begin: dt.date | None = None,
        through: dt.date | None = dt.date.max,
        enrolled_end: dt.date | None = None,
        weekdays_only: WeekdaysOnly | None = None,
    ) -> AttendanceSeries:
        if isinstance(school_days, frozenset):  # a school's calendar, shared by its students
            days = _sorted_days(school_days)
            inside: Set[dt.date] = school_days
        else:
            days = tuple(sorted(set(school_days)))
            inside = set(days)
        absent, unexcused, tardy = [], [], []
        for d, s in statuses.items():
            if d not in inside:
                continue
            if s is DayStatus.UNEXCUSED:
                absent.append(d)
                unexcused.append(d)
            elif s is DayStatus.EXCUSED:
                absent.append(d)
            elif s is DayStatus.TARDY:
                tardy.append(d)
        return cls(
            days,
            enrolled_begin,
            tuple(sorted(absent)),
            tuple(sorted(unexcused)),
            tuple(sorted(tardy)),
            through,
            enrolled_end,
            weekdays_only,
        )

    # -- counts --

    @property
    def known(self) -> bool:
        """Whether any attendance was loaded for the student's school."""
        return self.through is not None

    def counted_through(self, as_of: dt.date) -> dt.date | None:
        """The last day the figures at ``as_of`` count: ``as_of``, or the day the school's
        attendance was recorded through, or the student's last enrolled day (every enrollment
        ended), when earlier; None when nothing is known."""
        through = self.through
        if through is None:
            return None
        end = as_of if as_of <= through else through
        left = self.enrolled_end
        return left if left is not None and left < end else end

    def enrolled_until(self, as_of: dt.date) -> dt.date | None:
        """The student's last enrolled day when it ends the count at ``as_of`` (before both
        ``as_of`` and the school's recorded-through day); None otherwise."""
        left, through = self.enrolled_end, self.through
        if left is None or through is None or left >= as_of or left >= through:
            return None
        return left

    def start(self, year_start: dt.date | None) -> dt.date | None:
        """The first enrolled day: the enrollment start, never before the year's start."""
        return enrolled_start(year_start, self.enrolled_begin)

    def enrolled_days(self, as_of: dt.date, year_start: dt.date | None) -> Sequence[dt.date]:
        """The enrolled school days up to ``as_of`` (inclusive), sorted."""
        return days_between(self.school_days, self.start(year_start), as_of)

    def count_absent(self, start: dt.date | None, end: dt.date) -> int:
        return _count(self.absent, start, end)

    def count_unexcused(self, start: dt.date | None, end: dt.date) -> int:
        return _count(self.unexcused, start, end)

    def unexcused_between(self, start: dt.date | None, end: dt.date) -> Sequence[dt.date]:
        return days_between(self.unexcused, start, end)

    def status(self, day: dt.date) -> DayStatus:
        """The status of a day (NO_SCHOOL when not a school day; enrollment is not checked)."""
        if not _has(self.school_days, day):
            return DayStatus.NO_SCHOOL
        if _has(self.unexcused, day):
            return DayStatus.UNEXCUSED
        if _has(self.absent, day):
            return DayStatus.EXCUSED
        if _has(self.tardy, day):
            return DayStatus.TARDY
        return DayStatus.PRESENT

    def current_streak(self, as_of: dt.date, year_start: dt.date | None) -> tuple[dt.date, ...]:
        """The current run of consecutive enrolled school days absent, ending at the last school
        day on or before ``as_of`` (empty when that day is not an absence). Weekends and
        holidays are not school days, so they neither count nor break the run."""
        start = self.start(year_start)
        i = bisect_right(self.school_days, as_of) - 1
        j = bisect_right(self.absent, as_of) - 1
        run: list[dt.date] = []
        while i >= 0 and j >= 0 and self.school_days[i] == self.absent[j]:
            if start is not None and self.school_days[i] < start:
                break
            run.append(self.school_days[i])
            i -= 1
            j -= 1
        return tuple(reversed(run))

    def longest_streak(self, as_of: dt.date, year_start: dt.date | None) -> int:
        """The longest run of consecutive enrolled school days absent up to ``as_of``."""
        absent = set(days_between(self.absent, self.start(year_start), as_of))
        best = run = 0
        for d in self.enrolled_days(as_of, year_start):
            run = run + 1 if d in absent else 0
            best = max(best, run)
        return best


def _count(days: Sequence[dt.date], start: dt.date | None, end: dt.date) -> int:
    lo = 0 if start is None else bisect_left(days, start)
    return max(0, bisect_right(days, end) - lo)


def _has(days: Sequence[dt.date], day: dt.date) -> bool:
    i = bisect_left(days, day)
    return i < len(days) and days[i] == day


# --- Figures over the series (what the metrics and rules use) -------------------------------


def window_start(as_of: dt.date, days: int) -> dt.date:
    """The first day of the ``days`` calendar days ending on ``as_of`` (inclusive)."""
    return as_of - dt.timedelta(days=days - 1)


def attendance_rate(enrolled_days: int, days_absent: int) -> float | None:
    """100 x (enrolled school days - days absent) / enrolled school days; None with no days."""
    if enrolled_days <= 0:
        return None
    return 100.0 * (enrolled_days - days_absent) / enrolled_days


def unexcused_by_month(
    series: AttendanceSeries, as_of: dt.date, year_start: dt.date | None
) -> tuple[tuple[str, int], ...]:
    """Full-day unexcused absences per calendar month ("2026-09", n), every month from the
    first enrolled school day's month to ``as_of``'s month, zeros included."""
    days = series.enrolled_days(as_of, year_start)
    if not days:
        return ()
    counts: dict[str, int] = {}
    y, m = days[0].year, days[0].month
    while (y, m) <= (as_of.year, as_of.month):
        counts[f"{y:04d}-{m:02d}"] = 0
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for d in series.unexcused_between(days[0], as_of):
        counts[f"{d.year:04d}-{d.month:02d}"] += 1
    return tuple(counts.items())


# --- The first days of the school year (EARLY) ---------------------------------------------


def school_year_span(
    sessions: Iterable[AcademicSession], as_of: dt.date, school_id: str | None = None
) -> tuple[dt.date, dt.date]:
    """The school year holding ``as_of`` for the EARLY rule (issue 14): the ``schoolYear``
    session that contains it (one tied to the school over one tied to none, then the longest:
    ``schooldays.current_session``); where no schoolYear session contains it (Ed-Fi has none),
    July 1 to June 30 around ``as_of``."""
    year = current_session(sessions, (SessionType.SCHOOL_YEAR,), as_of, school_id)
    if year is not None and year.start_date <= as_of <= year.end_date:
        return year.start_date, year.end_date
    first = as_of.year if as_of.month >= 7 else as_of.year - 1
    return dt.date(first, 7, 1), dt.date(first + 1, 6, 30)


def first_school_days(
    school_days: Sequence[dt.date], year: tuple[dt.date, dt.date], n: int
) -> Sequence[dt.date]:
    """The school's first ``n`` school (instructional) days of the year ``year`` (fewer when
    the year has fewer); ``school_days`` sorted."""
    lo = bisect_left(school_days, year[0])
    hi = min(bisect_right(school_days, year[1]), lo + max(0, n))
    return school_days[lo:hi]


def early_absences(
    series: AttendanceSeries, as_of: dt.date, year: tuple[dt.date, dt.date], n: int
) -> tuple[Sequence[dt.date], Sequence[dt.date]] | None:
    """The EARLY window and the absences in it: (the school's first ``n`` school days of
    ``year``, the full-day absences, any reason, period-built days included, on those days that
    are on or after the student's earliest enrollment begin and on or before ``as_of``, counted
    through the day the school's attendance was recorded through). None when the student's
    attendance is unknown (no attendance loaded for the school)."""
    end = series.counted_through(as_of)
    if end is None:
        return None
    window = first_school_days(series.school_days, year, n)
    if not window or not series.absent:
        return window, ()
    start = window[0]
    if series.enrolled_begin is not None and series.enrolled_begin > start:
        start = series.enrolled_begin
    found = days_between(series.absent, start, min(end, window[-1]))
    return window, tuple(d for d in found if _has(window, d))


# --- Attendance before and after a date (did the intervention work?) ------------------------

_NOT_COUNTED = (DayStatus.NO_SCHOOL, DayStatus.NOT_ENROLLED)
_ABSENT = (DayStatus.EXCUSED, DayStatus.UNEXCUSED)


@dataclass(frozen=True, slots=True)
class Around:
    """Attendance in the ``n`` enrolled school days before a date and from it (issue 14 §3):
    rates are percentages (unrounded), None with 0 days."""

    rate_before: float | None
    days_before: int
    rate_after: float | None
    days_after: int


def attendance_around(
    days: Sequence[tuple[dt.date, DayStatus]], on: dt.date, n: int,
    year_from: dt.date | None = None,
) -> Around:
    """Attendance before and after ``on`` from the attendance calendar
    (``AttendanceSummary.days``, which ends on the last day attendance counts at the as-of
    date). Before: the last ``n`` enrolled school days strictly before ``on``. After: the first
    ``n`` enrolled school days from ``on`` (a non-school day: from the next school day), up to
    the calendar's end. Enrolled school days are the calendar's days that are neither
    NO_SCHOOL nor NOT_ENROLLED; an absence is a full-day excused or unexcused one. A calendar
    of unknown attendance (empty) gives no days and no rate, and so does a date before
    ``year_from`` (``AttendanceSummary.year_from``; None: the calendar's first day): a note from
    an earlier school year, whose days the calendar does not hold. A date from ``year_from`` up
    to the calendar's first day (the summer before the year) has no day before it and counts
    from the calendar's first enrolled school days."""
    if not days or on < (year_from or days[0][0]):
        return Around(None, 0, None, 0)
    enrolled = [(d, s) for d, s in days if s not in _NOT_COUNTED]
    split = bisect_left(enrolled, on, key=lambda p: p[0])
    before = [s for _, s in enrolled[max(0, split - n) : split]] if n > 0 else []
    after = [s for _, s in enrolled[split : split + n]] if n > 0 else []

    def rate(statuses: list[DayStatus]) -> float | None:
        absent = sum(1 for s in statuses if s in _ABSENT)
        return attendance_rate(len(statuses), absent)

    return Around(rate(before), len(before), rate(after), len(after))


def session_start(periods: Periods, which: str) -> dt.date | None:
    """The start of the grading period / term / school year containing D, falling back to the
    next wider one when a session is unknown (grading period -> term -> year -> None)."""
    order = {"grading_period": 0, "term": 1, "year": 2}[which]
    spans = (periods.grading_period, periods.term, periods.year)[order:]
    for span in spans:
        if span is not None:
            return span.start
    return None


def truancy_counts(
    series: AttendanceSeries, as_of: dt.date, periods: Periods, thresholds: Thresholds
) -> tuple[tuple[str, int, int, dt.date | None, bool], ...]:
    """Per Maryland limit: (label, limit, unexcused days used, counted from, session known).

    Counts run from the start of the grading period, term and school year containing D (each
    falling back to the next wider session when unknown; ``session known`` is then False) to
    D, over enrolled school days only.
    """
    year_start = periods.year.start if periods.year else None
    out = []
    for label, key, limit, span in (
        (
            "grading period",
            "grading_period",
            thresholds.truancy_grading_period,
            periods.grading_period,
        ),
        ("term", "term", thresholds.truancy_term, periods.term),
        ("school year", "year", thresholds.truancy_year, periods.year),
    ):
        start = session_start(periods, key)
        start = later(start, series.start(year_start))
        # "known": the session is, and holds a recorded day (it does not start after as_of,
        # the last day counted): else its count is unknown, neither shown nor checked
        known = span is not None and (start is None or start <= as_of)
        out.append((label, limit, series.count_unexcused(start, as_of), start, known))
    return tuple(out)


def attendance_summary(
    series: AttendanceSeries, as_of: dt.date, periods: Periods, thresholds: Thresholds
) -> AttendanceSummary:
    """The attendance calendar and figures for the student screen.

    ``days`` covers every calendar day from the school year's start (else the first enrolled
    school day, else ``as_of``) to ``as_of``: NO_SCHOOL for a non-school day, NOT_ENROLLED for a
    school day before the enrollment start, else the day's status. ``truancy`` lists (label,
    limit, used, days left before the limit is passed = max(0, limit - used)) for the grading
    period, term and school year whose sessions are known.

    Unknown attendance (issue 11): with no attendance loaded for the school, ``known`` is False,
    ``days`` and ``truancy`` are empty and every figure is None. When the school's attendance
    was recorded only through a day before ``as_of``, everything counts through that day,
    ``days`` ends there (later days are unknown, not present) and ``through`` names it.
    """
    end = series.counted_through(as_of)
    left = series.enrolled_until(as_of)  # the count ends at the last enrolled day
    year_start = periods.year.start if periods.year else None
    start = series.start(year_start)
    through = series.through
    recorded = None if through is None else min(as_of, through)  # the school's last day
    if end is None or (recorded is not None and start is not None and recorded < start <= as_of):
        # none loaded for the school, or recorded only through a day before the student's
        # first school day this year: none of the student's days is known
        return AttendanceSummary(
            days=(),
            current_streak=None,
            longest_streak=None,
            unexcused_by_month=(),
            attendance_rate=None,
            truancy=(),
            known=False,
        )
    enrolled = series.enrolled_days(end, year_start)
    first = year_start or (enrolled[0] if enrolled else end)
    days: list[tuple[dt.date, DayStatus]] = []
    d = first
    while d <= end:
        status = series.status(d)
        if status is not DayStatus.NO_SCHOOL and start is not None and d < start:
            status = DayStatus.NOT_ENROLLED
        days.append((d, status))
        d += _ONE_DAY
    absent = series.count_absent(start, end)
    truancy = tuple(
        (label, limit, used, max(0, limit - used))
        for label, limit, used, _start, known in truancy_counts(series, end, periods, thresholds)
        if known
    )
    return AttendanceSummary(
        days=tuple(days),
        # no current streak once every enrollment has ended (it cannot go on)
        current_streak=0 if left is not None else len(series.current_streak(end, year_start)),
        longest_streak=series.longest_streak(end, year_start),
        unexcused_by_month=unexcused_by_month(series, end, year_start),
        attendance_rate=attendance_rate(len(enrolled), absent),
        truancy=truancy,
        through=end if end < as_of and left is None else None,
        enrolled_until=left,
        year_from=year_from(first, periods.prior_end),
    )


SUMMER_MAX = dt.timedelta(days=100)  # a longer gap before a year's first day is no summer


def year_from(first: dt.date, prior_end: dt.date | None) -> dt.date:
    """The first day of the school year whose calendar starts on ``first``, counting the summer
    before it: a date belongs to the school year whose sessions contain it or next follow it,
    as far as the data shows. The summer starts on the later of the day after ``prior_end``
    (the end of the school's latest earlier session of any type: ``Periods.prior_end``) and,
    when ``first`` is in July to December, the July 1 before it (July to June, as EARLY's year
    without a schoolYear session: a US school). A year starting in January to June (a
    calendar-year or southern-hemisphere school, a year-round school starting in June) with no
    earlier session loaded has no summer: the July 1 before it may be in the previous school
    year. A summer longer than ``SUMMER_MAX`` (the previous year's sessions are missing) is
    none either. With no summer the year starts on ``first``. So a note dated in the summer
    before the first school day counts from that day, and one from an earlier school year
    does not (issue 14 §3)."""
    starts = [] if prior_end is None else [prior_end + _ONE_DAY]
    if first.month >= 7:
        starts.append(dt.date(first.year, 7, 1))
    start = max(starts, default=first)
    return start if dt.timedelta(0) <= first - start <= SUMMER_MAX else first
