"""The composition: a student's flags and metrics, a class drill-down, the attendance calendar.

Three layers, each usable on its own:

1. ``StudentInput`` / ``ClassInput``: plain records for one student, as the store reads them.
2. ``StudentFacts`` / ``ClassFacts`` (``student_facts``): everything the rules need that does
   *not* depend on the as-of date: the school-day calendar, the day statuses as sorted date
   tuples, each class's grade timeline (the grade after every effective date), missing and
   score dates. The store materializes these at import time or when a policy or the
   ``missing_counts_as_zero`` setting changes, and rebuilds them from its cache tables.
3. ``report_from_facts``: the ``StudentReport`` for an as-of date, by bisection over the facts;
   ``reports_from_facts``: a caseload's, with one ``ReportMemo`` (what the students share).
   The per-class loop (``_classes_now``) runs for every class of every student: bisections
   over arrays precomputed with the facts, rule functions only where a flag is possible;
   ``tests/domain/test_domain_report_fast.py`` holds it to a plain reference composition.

``student_report`` is ``report_from_facts(student_facts(...))``: both paths run the same rules.

A class counts for a student at D (its grade, flags and metrics) when its term is in session
at D (term dates known) and the student's enrollment in it is active at D (enrollment dates
known); a class without term dates or enrollments is not excluded for that reason.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from caseload.domain import attendance as att
from caseload.domain import flags as rules
from caseload.domain.grading import (
    EPS,
    ClassBook,
    Gradebook,
    GradedRow,
    Timeline,
    Weekly,
    assignment_views,
    at_least,
    below,
    category_breakdown,
    class_book,
    effective_date,
    last_complete_sunday,
    last_on_or_before,
    policy_text,
    timeline_facts,
    timeline_facts_of_rows,
    weekly_as_of,
    weekly_series,
    what_if,
)
from caseload.domain.records import (
    AcademicSession,
    AttendanceEvent,
    Category,
    Enrollment,
    GradingPolicy,
    Klass,
    LineItem,
    Result,
    Role,
    User,
)
from caseload.domain.report import (
    AttendanceSummary,
    ClassDetail,
    ClassMetrics,
    Flag,
    StudentMetrics,
    StudentReport,
)
from caseload.domain.schooldays import (
    WeekdaysOnly,
    days_between,
    enrolled_from,
    enrolled_until,
    periods_at,
)
from caseload.domain.settings import Thresholds

__all__ = [
    "ClassFacts", "ClassInput", "ReportMemo", "StudentFacts", "StudentInput",
    "attendance_summary", "class_detail", "class_facts", "class_is_current", "effective_date",
    "report_from_facts", "reports_from_facts", "student_facts", "student_report",
    "summary_from_facts",
]

Span = tuple[dt.date | None, dt.date | None]


# --- Inputs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassInput:
    """One class of the student, with everything its rules need.

    * ``teacher``: "Last, First" of the class's (primary) teacher, None when unknown.
    * ``line_items``: every line item of the class; ``results``: this student's results
      (others are ignored); ``categories``: the class's categories (titles, own weights);
      ``policy``: the class's grading policy, None for the default.
    * ``term_start``/``term_end``: its term's (its sessions' first start, last end), or None.
    * ``class_result_dates``: the effective dates (``grading.effective_date``: score date, else
      due date, else assign date) of *every* student's results in the class, any order, with or
      without duplicates; for STALE_GRADEBOOK.
    * ``graded``: the student's results as ``grading.GradedRow``s instead of ``results``
      (then empty), as the facts refresh reads them (only ``student_facts`` reads such a
      ClassInput). ``book``: ``grading.class_book`` of the class (None: made when needed).
    """

    klass: Klass
    teacher: str | None = None
    line_items: tuple[LineItem, ...] = ()
    results: tuple[Result, ...] = ()
    categories: tuple[Category, ...] = ()
    policy: GradingPolicy | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    class_result_dates: tuple[dt.date, ...] = ()
    graded: tuple[GradedRow, ...] | None = None
    book: ClassBook | None = None

    def gradebook(self) -> Gradebook:
        return Gradebook(self.line_items, self.results, self.categories, self.policy)


@dataclass(frozen=True, slots=True)
class StudentInput:
    """One student's records.

    * ``student``: the student (name, grade level, local id, ``school_id`` selects sessions).
    * ``counselor_ids``: the counselors whose caseload holds the student.
    * ``enrollments``: the student's class enrollments (student role; others are ignored). They
      give the start of enrollment and the classes enrolled in each day (for period-only
      attendance days), and gate which classes count at D.
    * ``classes``: every class the student is or was enrolled in this year (also classes with no
      gradebook, e.g. homeroom, so nothing is missed); classes not current at D are left out of
      the report (``class_is_current``).
    * ``attendance``: the student's attendance events (whole-day and period).
    * ``incident_dates``: dates of the discipline incidents the student took part in.
    * ``school_days``: the school days of the student's school (``schooldays.school_days``).
    * ``weekdays_only``: why they are every weekday in its terms (``schooldays.weekdays_only``).
    * ``sessions``: academic sessions (school year, terms, grading periods); those of other
      schools are ignored (by ``student.school_id``).
    * ``note_dates``: contact dates of the student's intervention notes, any order; the latest
      on or before D gives ``days_since_note``.
    * ``attendance_through``: the last day attendance was recorded for the student's school
      (``AttendanceSeries.through``): None when no attendance was loaded for it (unknown);
      the default, ``date.max``, takes ``attendance`` as complete.
    """

    student: User
    counselor_ids: tuple[str, ...] = ()
    enrollments: tuple[Enrollment, ...] = ()
    classes: tuple[ClassInput, ...] = ()
    attendance: tuple[AttendanceEvent, ...] = ()
    incident_dates: tuple[dt.date, ...] = ()
    school_days: frozenset[dt.date] = frozenset()
    sessions: tuple[AcademicSession, ...] = ()
    note_dates: tuple[dt.date, ...] = ()
    attendance_through: dt.date | None = dt.date.max
    weekdays_only: WeekdaysOnly | None = None


# --- Facts (as-of independent, materializable) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassFacts:
    """One class of one student, as-of independent.

    * ``enrollment_spans``: the student's (begin, end) enrollment dates in the class (None:
      open); () when no enrollment is known.
    * ``timeline``: ``grading.grade_timeline`` of the student's gradebook.
    * ``weekly``: ``grading.weekly_series(timeline)`` (weeks up to the last result's week).
    * ``scored_dates``: sorted effective dates of the student's scored results.
    * ``missing_dates``: sorted effective dates of the student's missing results
      (``grading.UNDATED`` for undated ones).
    * ``class_result_dates``: sorted effective dates of every student's results in the class.
    * ``gradebook``: whether the class has line items (False: "no gradebook").
    """

    class_id: str
    title: str
    teacher: str | None
    period: str | None
    term_start: dt.date | None
    term_end: dt.date | None
    enrollment_spans: tuple[Span, ...]
    timeline: Timeline
    weekly: Weekly
    scored_dates: tuple[dt.date, ...]
    missing_dates: tuple[dt.date, ...]
    class_result_dates: tuple[dt.date, ...]
    gradebook: bool = True
    # derived once (bisection keys and the sort key), so a report's hot loop does no more
    timeline_days: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    timeline_grades: tuple[float | None, ...] = field(init=False, repr=False, compare=False)
    final: float | None = field(init=False, repr=False, compare=False)
    weekly_days: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    sort_key: tuple[tuple[int, int, str], str, str] = field(
        init=False, repr=False, compare=False
    )
    weekly_max: float | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        days, grades = zip(*self.timeline, strict=True) if self.timeline else ((), ())
        object.__setattr__(self, "timeline_days", days)
        object.__setattr__(self, "timeline_grades", grades)
        object.__setattr__(self, "final", grades[-1] if grades else None)
        sundays, weekly = zip(*self.weekly, strict=True) if self.weekly else ((), ())
        object.__setattr__(self, "weekly_days", sundays)
        object.__setattr__(self, "weekly_max", max(weekly) if weekly else None)
        object.__setattr__(
            self,
            "sort_key",
            (_period_key(self.period), self.title.casefold(), self.class_id),
        )


@dataclass(frozen=True, slots=True)
class StudentFacts:
    """One student, as-of independent (see the module docstring). ``incident_dates`` and
    ``note_dates`` are sorted."""

    student: User
    counselor_ids: tuple[str, ...]
    attendance: att.AttendanceSeries
    classes: tuple[ClassFacts, ...]
    incident_dates: tuple[dt.date, ...]
    sessions: tuple[AcademicSession, ...]
    note_dates: tuple[dt.date, ...]
    # ``classes`` in report order (``ClassFacts.sort_key``, stable), sorted once
    ordered_classes: tuple[ClassFacts, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "ordered_classes", tuple(sorted(self.classes, key=_class_sort_key))
        )


def _class_sort_key(cf: ClassFacts) -> tuple[tuple[int, int, str], str, str]:
    return cf.sort_key


def spans_by_class(
    enrollments: Iterable[Enrollment], student_id: str
) -> dict[str, tuple[Span, ...]]:
    """Each class's ``ClassFacts.enrollment_spans`` of the student, in one pass."""
    spans: dict[str, list[Span]] = {}
    for e in enrollments:
        if e.role is Role.STUDENT and e.user_id == student_id:
            spans.setdefault(e.class_id, []).append((e.begin_date, e.end_date))
    return {cid: tuple(v) for cid, v in spans.items()}


def class_facts(
    ci: ClassInput, enrollment_spans: tuple[Span, ...], missing_counts_as_zero: bool = True
) -> ClassFacts:
    if ci.graded is not None:
        book = ci.book or class_book(ci.line_items, ci.categories, ci.policy)
        timeline, scored, missing = timeline_facts_of_rows(book, ci.graded, missing_counts_as_zero)
    else:
        timeline, scored, missing = timeline_facts(ci.gradebook(), missing_counts_as_zero)
    return ClassFacts(
        class_id=ci.klass.sourced_id,
        title=ci.klass.title,
        teacher=ci.teacher,
        period=ci.klass.period,
        term_start=ci.term_start,
        term_end=ci.term_end,
        enrollment_spans=enrollment_spans,
        timeline=timeline,
        weekly=weekly_series(timeline),
        scored_dates=scored,
        missing_dates=missing,
        class_result_dates=tuple(sorted(set(ci.class_result_dates))),
        gradebook=bool(ci.line_items),
    )


def student_facts(inp: StudentInput, thresholds: Thresholds) -> StudentFacts:
    """The as-of independent facts of a student (only ``thresholds.missing_counts_as_zero``
    matters here)."""
    spans = spans_by_class(inp.enrollments, inp.student.sourced_id)
    return StudentFacts(
        student=inp.student,
        counselor_ids=tuple(inp.counselor_ids),
        attendance=attendance_facts(inp),
        classes=tuple(
            class_facts(ci, spans.get(ci.klass.sourced_id, ()), thresholds.missing_counts_as_zero)
            for ci in inp.classes
        ),
        incident_dates=tuple(sorted(inp.incident_dates)),
        sessions=tuple(inp.sessions),
        note_dates=tuple(sorted(inp.note_dates)),
    )


def attendance_facts(inp: StudentInput) -> att.AttendanceSeries:
    """``StudentFacts.attendance``: the student's attendance series."""
    sid = inp.student.sourced_id
    terms = {ci.klass.sourced_id: (ci.term_start, ci.term_end) for ci in inp.classes}
    begin = enrolled_from(inp.enrollments, sid)
    events = [e for e in inp.attendance if e.student_id == sid]
    # only days with events can be other than PRESENT, and the series keeps only those:
    # the statuses of the school days that have events give the same series as all days'
    school_days = inp.school_days
    statuses = att.day_statuses(
        events,
        {e.date for e in events if e.date in school_days},
        att.classes_counted(inp.enrollments, terms, sid),
        start=begin,
    )
    return att.AttendanceSeries.from_statuses(
        inp.school_days, statuses, begin, inp.attendance_through,
        enrolled_until(inp.enrollments, sid), inp.weekdays_only,
    )


# --- The report ----------------------------------------------------------------------------


def class_is_current(
    term_start: dt.date | None,
    term_end: dt.date | None,
    enrollment_spans: Sequence[Span],
    as_of: dt.date,
) -> bool:
    """The class's term (when known) is in session at D and the student's enrollment (when
    known) is active at D."""
    if term_start is not None and as_of < term_start:
        return False
    if term_end is not None and as_of > term_end:
        return False
    if not enrollment_spans:
        return True
    return any((b is None or b <= as_of) and (e is None or as_of <= e) for b, e in enrollment_spans)


@lru_cache(maxsize=1024)
def _period_key(period: str | None) -> tuple[int, int, str]:
    if period is None:
        return (2, 0, "")
    m = re.match(r"\s*(\d+)", period)
    return (0, int(m.group(1)), period) if m else (1, 0, period.casefold())


class _ClassNow(NamedTuple):  # one class's figures at D (the drill-down's view)
    metrics: ClassMetrics
    flags: tuple[Flag, ...]
    sort_key: tuple[tuple[int, int, str], str, str]


def _grade_flags_possible(
    cf: ClassFacts, weekly: Weekly, grade: float | None, thresholds: Thresholds
) -> bool:
    """False only when ``rules.grade_flags`` must return nothing (most classes), so the
    report skips it: no FAILING_STREAK when the last complete week is not below the line,
    no LOW_GRADE when the grade is not, and no GRADE_DROP when even the class's best week
    ever (an upper bound of the window's peak) is under ``drop_high`` or within
    ``drop_points`` of the grade. The rules' own checks stay the source of truth.
    (``_classes_now`` inlines this same test; the property tests hold them together.)"""
    failing = thresholds.failing_grade
    if weekly and below(weekly[-1][1], failing):
        return True  # a FAILING_STREAK is possible
    if grade is None:
        return False  # no LOW_GRADE and no GRADE_DROP without a grade
    if below(grade, failing):
        return True
    top = cf.weekly_max
    return (
        bool(weekly)
        and top is not None
        and at_least(top, thresholds.drop_high)
        and at_least(top - grade, thresholds.drop_points)
    )


_MISSING: Any = object()


class ReportMemo:
    """What the reports for one as-of date and one set of thresholds share (a whole caseload,
    one call): the date's derived constants, STALE_GRADEBOOK per class (a class-level result,
    the same for each of its students) and the sessions around D per school. Nothing here
    outlives the call that made it, so every call computes every figure."""

    __slots__ = (
        "as_of",
        "drop_high_eps",
        "drop_points_eps",
        "failing_eps",
        "last_sunday",
        "periods",
        "stale",
        "thresholds",
        "truancy_negative",
        "window",
        "years",
    )

    def __init__(self, as_of: dt.date, thresholds: Thresholds) -> None:
        self.as_of = as_of
        self.thresholds = thresholds
        self.last_sunday = last_complete_sunday(as_of)
        self.window = att.window_start(as_of, thresholds.unexcused_window_days)
        # the bounds ``grading.below``/``at_least`` compare against (v < t - EPS, v >= t - EPS)
        self.failing_eps = thresholds.failing_grade - EPS
        self.drop_high_eps = thresholds.drop_high - EPS
        self.drop_points_eps = thresholds.drop_points - EPS
        # a TRUANCY limit below 0 is passed by 0 unexcused days (``Thresholds`` built directly)
        self.truancy_negative = (
            min(thresholds.truancy_grading_period, thresholds.truancy_term, thresholds.truancy_year)
            < 0
        )
        self.stale: dict[str, Flag | None] = {}
        # (school id, id of the sessions tuple) -> (sessions, periods, year start, the
        # grading period's, term's and school year's start as ``att.session_start`` gives them)
        self.periods: dict[tuple[str | None, int], tuple[Any, ...]] = {}
        # (school id, id of the sessions tuple) -> (sessions, the EARLY rule's school year)
        self.years: dict[tuple[str | None, int], tuple[Any, tuple[dt.date, dt.date]]] = {}

    def fits(self, as_of: dt.date, thresholds: Thresholds) -> bool:
        return self.as_of == as_of and (
            self.thresholds is thresholds or self.thresholds == thresholds
        )

    def early_year_of(self, facts: StudentFacts) -> tuple[dt.date, dt.date]:
        key = (facts.student.school_id, id(facts.sessions))
        got = self.years.get(key)
        if got is None or got[0] is not facts.sessions:
            year = att.school_year_span(facts.sessions, self.as_of, facts.student.school_id)
            got = (facts.sessions, year)
            self.years[key] = got
        return got[1]

    def periods_of(self, facts: StudentFacts) -> tuple[Any, ...]:
        key = (facts.student.school_id, id(facts.sessions))
        got = self.periods.get(key)
        if got is None or got[0] is not facts.sessions:
            periods = periods_at(facts.sessions, self.as_of, facts.student.school_id)
            got = (
                facts.sessions,
                periods,
                periods.year.start if periods.year else None,
                att.session_start(periods, "grading_period"),
                att.session_start(periods, "term"),
                att.session_start(periods, "year"),
            )
            self.periods[key] = got
        return got


def _stale(cf: ClassFacts, memo: ReportMemo) -> Flag | None:
    try:
        return memo.stale[cf.class_id]
    except KeyError:
        as_of = memo.as_of
        stale = rules.stale_gradebook(
            cf.class_id,
            cf.title,
            cf.term_start,
            cf.term_end,
            last_on_or_before(cf.class_result_dates, as_of),
            as_of,
            memo.thresholds,
        )
        memo.stale[cf.class_id] = stale
    return stale


def _classes_now(
    classes: Iterable[ClassFacts], memo: ReportMemo, flags: list[Flag], current_only: bool = True
) -> list[ClassMetrics]:
    """The metrics of the classes current at D, in the given order; their flags are appended
    to ``flags``. The hot loop of a caseload (every class of every student, per call): the
    rule code runs only for classes whose figures could flag (``_grade_flags_possible``,
    inlined), the rest is bisection over the facts' precomputed arrays. ``current_only``
    False: every class, current at D or not (the drill-down)."""
    as_of = memo.as_of
    last_sunday = memo.last_sunday
    failing_eps = memo.failing_eps
    stale_of = memo.stale.get
    out: list[ClassMetrics] = []
    add = out.append
    for cf in classes:
        if current_only:  # class_is_current, inlined
            ts = cf.term_start
            if ts is not None and as_of < ts:
                continue
            te = cf.term_end
            if te is not None and as_of > te:
                continue
            spans = cf.enrollment_spans
            if spans:
                for b, e in spans:
                    if (b is None or b <= as_of) and (e is None or as_of <= e):
                        break
                else:
                    continue
        # bisections, skipped when D is past the last date (an as-of of today, typically)
        days = cf.timeline_days
        if not days or as_of < days[0]:
            grade = None
        elif days[-1] <= as_of:
            grade = cf.final
        else:
            grade = cf.timeline_grades[bisect_right(days, as_of) - 1]
        series = cf.weekly
        if series:
            j = bisect_right(cf.weekly_days, last_sunday)
            if j < len(series) or cf.final is None:
                weekly = series[:j]
            else:  # past the series' end: weeks repeating the final grade
                weekly = weekly_as_of(series, cf.final, as_of, cf.weekly_days)
            # _grade_flags_possible, inlined
            if weekly and weekly[-1][1] < failing_eps:
                possible = True
            elif grade is None:
                possible = False
            elif grade < failing_eps:
                possible = True
            else:
                top = cf.weekly_max
                possible = (
                    bool(weekly)
                    and top is not None
                    and top >= memo.drop_high_eps
                    and top - grade >= memo.drop_points_eps
                )
        else:
            weekly = series
            possible = grade is not None and grade < failing_eps
        if possible:
            flags.extend(
                rules.grade_flags(cf.class_id, cf.title, weekly, grade, memo.thresholds, as_of)
            )
        stale = stale_of(cf.class_id, _MISSING)
        if stale is _MISSING:
            stale = _stale(cf, memo)
        if stale is not None:
            flags.append(stale)
        scored = cf.scored_dates
        if scored and scored[-1] <= as_of:
            last_score: dt.date | None = scored[-1]
        else:
            k = bisect_right(scored, as_of) if scored else 0
            last_score = scored[k - 1] if k else None
        missing = cf.missing_dates
        if missing:
            n_missing = len(missing) if missing[-1] <= as_of else bisect_right(missing, as_of)
        else:
            n_missing = 0
        add(
            ClassMetrics(
                cf.class_id,
                cf.title,
                cf.teacher,
                grade,
                weekly,
                last_score,
                n_missing,
                cf.period,
                stale is not None,
                cf.gradebook,
                _since(stale),
            )
        )
    return out


def _since(stale: Flag | None) -> dt.date | None:
    """The class's last result date a STALE_GRADEBOOK flag gives (its evidence)."""
    if stale is None:
        return None
    return dt.date.fromisoformat(stale.evidence["last_result"])


def _class_now(cf: ClassFacts, as_of: dt.date, thresholds: Thresholds) -> _ClassNow:
    """One class's metrics and flags at D (whether or not it is current)."""
    flags: list[Flag] = []
    (metrics,) = _classes_now((cf,), ReportMemo(as_of, thresholds), flags, current_only=False)
    return _ClassNow(metrics, tuple(flags), cf.sort_key)


def report_from_facts(
    facts: StudentFacts,
    as_of: dt.date,
    thresholds: Thresholds,
    memo: ReportMemo | None = None,
) -> StudentReport:
    """The student's flags and metrics at ``as_of`` (see issue 3 and the module docstring).

    ``memo``: a ``ReportMemo(as_of, thresholds)`` shared by the calls for one as-of date and
    one set of thresholds (a whole caseload), so class-level work is done once per class
    (``reports_from_facts`` does this); one that does not fit is ignored.

    Attendance figures count enrolled school days from the enrollment start (never before the
    school year's start) to D; ``unexcused_grading_period``/``_term``/``_year`` count from the
    start of the grading period/term/school year containing D (an unknown grading period falls
    back to the term, an unknown term to the year; the TRUANCY limit of an unknown session is
    not checked); ``incidents_year`` counts incidents from the school year's start to D.

    Unknown attendance (issue 11, ``AttendanceSeries.through``): with no attendance loaded for
    the student's school every attendance figure is None and no attendance flag fires
    (``school_days`` still counts the enrolled school days to D); when the school's attendance
    was recorded only through a day before D, the figures count through that day
    (``StudentMetrics.attendance_through``), so the days after it are not taken as present.
    """
    if memo is None or not memo.fits(as_of, thresholds):
        memo = ReportMemo(as_of, thresholds)
    _sessions, periods, year_start, *sessions_from = memo.periods_of(facts)
    series = facts.attendance
    # series.start(year_start), inlined (schooldays.enrolled_start)
    begin = series.enrolled_begin
    start = year_start if begin is None else begin if year_start is None else max(year_start, begin)
    # the last day attendance counts (series.counted_through, inlined); None: unknown
    through = series.through
    end = None if through is None else as_of if as_of <= through else through
    left = series.enrolled_end  # every enrollment ended: later days are not counted
    counted = end if end is None or left is None or left >= end else left
    if end is not None and start is not None and end < start <= as_of:
        end = counted = None  # the school's record stops before the student's first day
    sd = series.school_days
    last = as_of if left is None or left >= as_of else left  # (counted None: unknown)
    hi = bisect_right(sd, counted if counted is not None else last)
    school_days = max(0, hi - bisect_left(sd, start)) if start is not None else hi
    absent, unexcused = series.absent, series.unexcused
    days_absent: int | None
    streak: Sequence[dt.date] | None
    unx_window: Sequence[dt.date] | None
    unx_gp: int | None
    unx_term: int | None
    unx_year: int | None
    truancy_flag = None
    if counted is None:  # no day of the student's known: unknown, never 0 or 100%
        days_absent = streak = unx_window = unx_gp = unx_term = unx_year = None
    else:
        if absent:
            days_absent = att._count(absent, start, counted)
            # no current streak once every enrollment has ended: it cannot go on
            streak = series.current_streak(counted, year_start) if counted == end else ()
        else:
            days_absent = 0
            streak = ()
        window = memo.window
        # att.truancy_counts' counts, inlined: from each session's start (never before the
        # student's) to the last counted day; None for a session that starts after it
        froms = [start if s is None or (start is not None and start > s) else s
                 for s in sessions_from]
        if unexcused or memo.truancy_negative:
            unx_window = series.unexcused_between(
                max(window, start) if start else window, counted
            )
            hi = bisect_right(unexcused, counted)
            unx_gp, unx_term, unx_year = (
                None if s is not None and s > counted else
                max(0, hi - bisect_left(unexcused, s)) if s else hi for s in froms)
            if ((unx_gp or 0) > thresholds.truancy_grading_period or (unx_term or 0)  # a limit
                    > thresholds.truancy_term or (unx_year or 0) > thresholds.truancy_year):
                truancy_flag = rules.truancy(
                    att.truancy_counts(series, counted, periods, thresholds), thresholds
                )
        else:  # no unexcused day: every count is 0 (of a session with a recorded day)
            unx_window = ()
            unx_gp, unx_term, unx_year = (None if s is not None and s > counted else 0
                                          for s in froms)
        # no school day of the 30-day window counted (before the first school day, a window
        # in a break, a record or an enrollment that ended before it): its count is unknown,
        # never 0, as the rate is with no school day
        lo = max(window, start) if start else window
        if bisect_right(sd, counted) <= bisect_left(sd, lo):
            unx_window = None
    incidents: Sequence[dt.date] = facts.incident_dates
    if incidents:
        incidents = days_between(incidents, year_start, as_of)

    found: list[Flag] = []
    classes = _classes_now(facts.ordered_classes, memo, found)
    if days_absent is not None and streak is not None:  # known
        for flag in (
            None if unx_window is None else rules.unexcused_absences(unx_window, as_of, thresholds),
            rules.chronic_absence(days_absent, school_days, thresholds),
            rules.absence_streak(streak, thresholds),
            truancy_flag,
        ):
            if flag is not None:
                found.append(flag)
        if absent:  # EARLY (issue 14): absences in the first school days of the year
            early = att.early_absences(
                series, as_of, memo.early_year_of(facts), thresholds.early_window_days
            )
            if early is not None:
                flag = rules.early_absence(early[1], early[0], thresholds)
                if flag is not None:
                    found.append(flag)
    behavior = rules.behavior(incidents, thresholds)
    if behavior is not None:
        found.append(behavior)

    notes = facts.note_dates
    i = bisect_right(notes, as_of) if notes else 0
    metrics = StudentMetrics(
        school_days,
        days_absent,
        None if days_absent is None else att.attendance_rate(school_days, days_absent),
        None if unx_window is None else len(unx_window),
        None if streak is None else len(streak),
        unx_gp,
        unx_term,
        unx_year,
        len(incidents),
        tuple(classes),
        end,
        series.weekdays_only,
    )
    s = facts.student
    return StudentReport(
        s.sourced_id,
        s.sort_name,
        s.grade_level,
        facts.counselor_ids,
        (rules.order_flags(found) if len(found) > 1 else tuple(found)),
        metrics,
        (as_of - notes[i - 1]).days if i else None,
        s.identifier,
    )


def reports_from_facts(
    facts: Iterable[StudentFacts], as_of: dt.date, thresholds: Thresholds
) -> list[StudentReport]:
    """``report_from_facts`` for many students, sharing one ``ReportMemo``.

    A caseload allocates tens of thousands of acyclic objects here: a caller that makes many
    may pause the garbage collector around the call (``caseload._runtime.gc_paused``, as the
    repository does); the domain leaves the interpreter alone."""
    memo = ReportMemo(as_of, thresholds)
    return [report_from_facts(f, as_of, thresholds, memo) for f in facts]


def student_report(inp: StudentInput, as_of: dt.date, thresholds: Thresholds) -> StudentReport:
    """The pure path: ``report_from_facts(student_facts(inp))``."""
    return report_from_facts(student_facts(inp, thresholds), as_of, thresholds)


# --- Drill-downs ---------------------------------------------------------------------------


def class_detail(
    inp: StudentInput, class_id: str, as_of: dt.date, thresholds: Thresholds
) -> ClassDetail:
    """One student's view of one class at ``as_of`` (any class in ``inp.classes``, current or
    not). Raises KeyError for a class not in the input."""
    ci = next((c for c in inp.classes if c.klass.sourced_id == class_id), None)
    if ci is None:
        raise KeyError(class_id)
    zero = thresholds.missing_counts_as_zero
    book = ci.gradebook()
    spans = spans_by_class(inp.enrollments, inp.student.sourced_id).get(class_id, ())
    cf = class_facts(ci, spans, zero)
    now = _class_now(cf, as_of, thresholds)
    return ClassDetail(
        class_id=class_id,
        title=ci.klass.title,
        teacher=ci.teacher,
        period=ci.klass.period,
        policy_text=policy_text(book),
        grade=now.metrics.grade,
        weekly=now.metrics.weekly,
        categories=category_breakdown(book, as_of, zero),
        assignments=assignment_views(book, as_of, zero),
        what_if=what_if(book, as_of, zero, target=thresholds.failing_grade),
        last_score_date=now.metrics.last_score_date,
        stale=now.metrics.stale,
        gradebook=cf.gradebook,
        stale_since=now.metrics.stale_since,
    )


def summary_from_facts(
    facts: StudentFacts, as_of: dt.date, thresholds: Thresholds
) -> AttendanceSummary:
    """The attendance calendar and figures at ``as_of`` (``attendance.attendance_summary``)."""
    periods = periods_at(facts.sessions, as_of, facts.student.school_id)
    return att.attendance_summary(facts.attendance, as_of, periods, thresholds)


def attendance_summary(
    inp: StudentInput, as_of: dt.date, thresholds: Thresholds
) -> AttendanceSummary:
    """The pure path of ``summary_from_facts``."""
    return summary_from_facts(student_facts(inp, thresholds), as_of, thresholds)
