"""The composition: a student's flags and metrics, a class drill-down, the attendance calendar.

Three layers, each usable on its own:

1. ``StudentInput`` / ``ClassInput``: plain records for one student, as the store reads them.
2. ``StudentFacts`` / ``ClassFacts`` (``student_facts``): everything the rules need that does
   *not* depend on the as-of date: the school-day calendar, the day statuses as sorted date
   tuples, each class's grade timeline (the grade after every effective date), missing and
   score dates. The store materializes these at import time or when a policy or the
   ``missing_counts_as_zero`` setting changes, and rebuilds them from its cache tables.
3. ``report_from_facts``: the ``StudentReport`` for an as-of date, by bisection over the facts.

``student_report(inp, ...)`` is ``report_from_facts(student_facts(inp, ...), ...)``, so the
pure path and the materialized path run the same rule code.

A class counts for a student at D (its grade, flags and metrics) when its term is in session
at D (term dates known) and the student's enrollment in it is active at D (enrollment dates
known); a class without term dates or enrollments is not excluded for that reason.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from caseload.domain import attendance as att
from caseload.domain import flags as rules
from caseload.domain.grading import (
    Gradebook,
    Timeline,
    Weekly,
    assignment_views,
    at_least,
    below,
    category_breakdown,
    effective_date,
    grade_timeline,
    last_on_or_before,
    missing_count,
    policy_text,
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
from caseload.domain.schooldays import days_between, enrolled_from, periods_at
from caseload.domain.settings import Thresholds

__all__ = [
    "ClassFacts",
    "ClassInput",
    "StudentFacts",
    "StudentInput",
    "attendance_summary",
    "class_detail",
    "class_facts",
    "class_is_current",
    "effective_date",
    "report_from_facts",
    "student_facts",
    "student_report",
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
    * ``term_start``/``term_end``: the class's term dates (earliest start / latest end of its
      ``term_ids`` sessions), None when unknown.
    * ``class_result_dates``: the effective dates (``grading.effective_date``: score date, else
      due date, else assign date) of *every* student's results in the class, any order, with or
      without duplicates; for STALE_GRADEBOOK.
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
    * ``sessions``: academic sessions (school year, terms, grading periods); those of other
      schools are ignored (by ``student.school_id``).
    * ``note_dates``: contact dates of the student's intervention notes, any order; the latest
      on or before D gives ``days_since_note``.
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
    # derived once (bisection keys and the sort key), so a report's hot loop does no more
    timeline_days: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    weekly_days: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    sort_key: tuple[tuple[int, int, str], str, str] = field(
        init=False, repr=False, compare=False
    )
    weekly_max: float | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timeline_days", tuple(d for d, _ in self.timeline))
        object.__setattr__(self, "weekly_days", tuple(d for d, _ in self.weekly))
        object.__setattr__(self, "weekly_max", max((g for _, g in self.weekly), default=None))
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


def _spans(enrollments: Iterable[Enrollment], student_id: str, class_id: str) -> tuple[Span, ...]:
    return tuple(
        (e.begin_date, e.end_date)
        for e in enrollments
        if e.class_id == class_id and e.role is Role.STUDENT and e.user_id == student_id
    )


def class_facts(
    ci: ClassInput, enrollment_spans: tuple[Span, ...], missing_counts_as_zero: bool = True
) -> ClassFacts:
    book = ci.gradebook()
    timeline = grade_timeline(book, missing_counts_as_zero)
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
        scored_dates=book.scored_dates(),
        missing_dates=tuple(sorted(d for _, d in book.missing())),
        class_result_dates=tuple(sorted(set(ci.class_result_dates))),
    )


def student_facts(inp: StudentInput, thresholds: Thresholds) -> StudentFacts:
    """The as-of independent facts of a student (only ``thresholds.missing_counts_as_zero``
    matters here)."""
    sid = inp.student.sourced_id
    terms = {ci.klass.sourced_id: (ci.term_start, ci.term_end) for ci in inp.classes}
    begin = enrolled_from(inp.enrollments, sid)
    statuses = att.day_statuses(
        (e for e in inp.attendance if e.student_id == sid),
        inp.school_days,
        att.enrolled_class_counter(inp.enrollments, terms, sid),
        start=begin,
    )
    series = att.AttendanceSeries.from_statuses(inp.school_days, statuses, begin)
    return StudentFacts(
        student=inp.student,
        counselor_ids=tuple(inp.counselor_ids),
        attendance=series,
        classes=tuple(
            class_facts(
                ci,
                _spans(inp.enrollments, sid, ci.klass.sourced_id),
                thresholds.missing_counts_as_zero,
            )
            for ci in inp.classes
        ),
        incident_dates=tuple(sorted(inp.incident_dates)),
        sessions=tuple(inp.sessions),
        note_dates=tuple(sorted(inp.note_dates)),
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


class _ClassNow(NamedTuple):  # a tuple: built for every class of every student, per call
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
    ``drop_points`` of the grade. The rules' own checks stay the source of truth."""
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


_MISSING = object()


def _class_now(
    cf: ClassFacts,
    as_of: dt.date,
    thresholds: Thresholds,
    stale_memo: dict[str, Flag | None] | None = None,
) -> _ClassNow:
    i = bisect_right(cf.timeline_days, as_of)
    grade = cf.timeline[i - 1][1] if i else None
    final = cf.timeline[-1][1] if cf.timeline else None
    weekly = weekly_as_of(cf.weekly, final, as_of, cf.weekly_days)
    if _grade_flags_possible(cf, weekly, grade, thresholds):
        found = rules.grade_flags(cf.class_id, cf.title, weekly, grade, thresholds, as_of)
    else:
        found = []
    # STALE_GRADEBOOK is about the class, the same for each of its students: computed once
    # per class when the caller shares a memo across students (one as-of date, one settings)
    stale: Any = _MISSING if stale_memo is None else stale_memo.get(cf.class_id, _MISSING)
    if stale is _MISSING:
        stale = rules.stale_gradebook(
            cf.class_id,
            cf.title,
            cf.term_start,
            cf.term_end,
            last_on_or_before(cf.class_result_dates, as_of),
            as_of,
            thresholds,
        )
        if stale_memo is not None:
            stale_memo[cf.class_id] = stale
    if stale is not None:
        found.append(stale)
    metrics = ClassMetrics(
        id=cf.class_id,
        title=cf.title,
        teacher=cf.teacher,
        grade=grade,
        weekly=weekly,
        last_score_date=last_on_or_before(cf.scored_dates, as_of),
        missing=missing_count(cf.missing_dates, as_of),
        period=cf.period,
        stale=stale is not None,
    )
    return _ClassNow(metrics, tuple(found), cf.sort_key)


def report_from_facts(
    facts: StudentFacts,
    as_of: dt.date,
    thresholds: Thresholds,
    memo: dict[str, Flag | None] | None = None,
) -> StudentReport:
    """The student's flags and metrics at ``as_of`` (see issue 3 and the module docstring).

    ``memo``: a dict shared by the calls for one as-of date and one set of thresholds (a whole
    caseload), so class-level work is done once per class.

    Attendance figures count enrolled school days from the enrollment start (never before the
    school year's start) to D; ``unexcused_grading_period``/``_term``/``_year`` count from the
    start of the grading period/term/school year containing D (an unknown grading period falls
    back to the term, an unknown term to the year; the TRUANCY limit of an unknown session is
    not checked); ``incidents_year`` counts incidents from the school year's start to D.
    """
    periods = periods_at(facts.sessions, as_of, facts.student.school_id)
    year_start = periods.year.start if periods.year else None
    series = facts.attendance
    start = series.start(year_start)
    school_days = len(series.enrolled_days(as_of, year_start))
    days_absent = series.count_absent(start, as_of)
    window = att.window_start(as_of, thresholds.unexcused_window_days)
    unx_window = series.unexcused_between(max(window, start) if start else window, as_of)
    streak = series.current_streak(as_of, year_start)
    truancy = att.truancy_counts(series, as_of, periods, thresholds)
    incidents = days_between(facts.incident_dates, year_start, as_of)

    classes = sorted(
        (
            _class_now(cf, as_of, thresholds, memo)
            for cf in facts.classes
            if class_is_current(cf.term_start, cf.term_end, cf.enrollment_spans, as_of)
        ),
        key=lambda c: c.sort_key,
    )
    found: list[Flag] = [f for c in classes for f in c.flags]
    for flag in (
        rules.unexcused_absences(unx_window, as_of, thresholds),
        rules.chronic_absence(days_absent, school_days, thresholds),
        rules.absence_streak(streak, thresholds),
        rules.truancy(truancy, thresholds),
        rules.behavior(incidents, thresholds),
    ):
        if flag is not None:
            found.append(flag)

    i = bisect_right(facts.note_dates, as_of)
    last_note = facts.note_dates[i - 1] if i else None
    metrics = StudentMetrics(
        school_days=school_days,
        days_absent=days_absent,
        attendance_rate=att.attendance_rate(school_days, days_absent),
        unexcused_30d=len(unx_window),
        absence_streak=len(streak),
        unexcused_grading_period=truancy[0][2],
        unexcused_term=truancy[1][2],
        unexcused_year=truancy[2][2],
        incidents_year=len(incidents),
        classes=tuple(c.metrics for c in classes),
    )
    s = facts.student
    return StudentReport(
        id=s.sourced_id,
        name=s.sort_name,
        grade_level=s.grade_level,
        counselor_ids=facts.counselor_ids,
        flags=rules.order_flags(found),
        metrics=metrics,
        days_since_note=(as_of - last_note).days if last_note is not None else None,
        local_id=s.identifier,
    )


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
    cf = class_facts(ci, _spans(inp.enrollments, inp.student.sourced_id, class_id), zero)
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
