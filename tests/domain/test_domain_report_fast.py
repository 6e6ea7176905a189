"""The report's fast path (``analysis.report_from_facts`` / ``reports_from_facts``: inlined
rule gates, bisection shortcuts, a memo shared by a caseload) agrees with a plain reference
implementation of the same definitions, for random facts, dates and thresholds.

The reference below is the straightforward composition the report used to be: every class
through ``class_is_current``, ``grading.weekly_as_of``, ``_grade_flags_possible`` and the rule
functions, every attendance figure through ``AttendanceSeries`` and ``truancy_counts``.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseload.domain import analysis
from caseload.domain import attendance as att
from caseload.domain import flags as rules
from caseload.domain.analysis import ClassFacts, StudentFacts
from caseload.domain.grading import (
    UNDATED,
    grade_on,
    last_on_or_before,
    missing_count,
    weekly_as_of,
    weekly_series,
)
from caseload.domain.records import AcademicSession, Role, SessionType, User
from caseload.domain.report import ClassMetrics, Flag, StudentMetrics, StudentReport
from caseload.domain.schooldays import days_between, periods_at
from caseload.domain.settings import Thresholds

BASE = dt.date(2026, 8, 24)  # a Monday


def day(n: int) -> dt.date:
    return BASE + dt.timedelta(days=n)


SESSIONS = (
    AcademicSession("y", "2026-2027", SessionType.SCHOOL_YEAR, day(0), day(290), school_year=2027),
    AcademicSession("fall", "Fall", SessionType.SEMESTER, day(0), day(151), school_year=2027),
    AcademicSession("spring", "Spring", SessionType.SEMESTER, day(154), day(290), school_year=2027),
    AcademicSession("q1", "Q1", SessionType.GRADING_PERIOD, day(0), day(67)),
    AcademicSession("q2", "Q2", SessionType.GRADING_PERIOD, day(70), day(151)),
)
SCHOOL_DAYS = tuple(day(n) for n in range(0, 291) if day(n).weekday() < 5)


# --- the reference ---------------------------------------------------------------------------


def ref_class(
    cf: ClassFacts, as_of: dt.date, th: Thresholds
) -> tuple[ClassMetrics, list[Flag]]:
    grade = grade_on(cf.timeline, as_of)
    final = cf.timeline[-1][1] if cf.timeline else None
    weekly = weekly_as_of(cf.weekly, final, as_of)
    found: list[Flag] = []
    if analysis._grade_flags_possible(cf, weekly, grade, th):
        found = rules.grade_flags(cf.class_id, cf.title, weekly, grade, th, as_of)
    else:
        assert rules.grade_flags(cf.class_id, cf.title, weekly, grade, th, as_of) == []
    stale = rules.stale_gradebook(
        cf.class_id,
        cf.title,
        cf.term_start,
        cf.term_end,
        last_on_or_before(cf.class_result_dates, as_of),
        as_of,
        th,
    )
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
        gradebook=cf.gradebook,
        stale_since=(dt.date.fromisoformat(stale.evidence["last_result"])
                     if stale is not None else None),
    )
    return metrics, found


def ref_report(facts: StudentFacts, as_of: dt.date, th: Thresholds) -> StudentReport:
    periods = periods_at(facts.sessions, as_of, facts.student.school_id)
    year_start = periods.year.start if periods.year else None
    series = facts.attendance
    start = series.start(year_start)
    # attendance counts through the day the school's attendance was recorded through (issue
    # 11); with none loaded it is unknown: every figure None, no attendance flag
    end = series.counted_through(as_of)
    recorded = None if series.through is None else min(as_of, series.through)
    if recorded is not None and start is not None and recorded < start <= as_of:
        end = recorded = None  # the school's record stops before the student's first day
    school_days = len(series.enrolled_days(as_of if end is None else end, year_start))
    incidents = days_between(facts.incident_dates, year_start, as_of)
    current = sorted(
        (
            (cf.sort_key, ref_class(cf, as_of, th))
            for cf in facts.classes
            if analysis.class_is_current(cf.term_start, cf.term_end, cf.enrollment_spans, as_of)
        ),
        key=lambda p: p[0],
    )
    found = [f for _, (_, flags) in current for f in flags]
    figures: dict[str, object] = dict.fromkeys(
        ("days_absent", "attendance_rate", "unexcused_30d", "absence_streak",
         "unexcused_grading_period", "unexcused_term", "unexcused_year")
    )
    if end is not None:
        days_absent = series.count_absent(start, end)
        window = att.window_start(as_of, th.unexcused_window_days)
        # no school day of the window counted: its count is unknown (no UNEXCUSED flag either)
        lo = max(window, start) if start else window
        counted_days = [d for d in series.school_days if lo <= d <= end]
        unx_window = series.unexcused_between(lo, end) if counted_days else None
        streak = series.current_streak(end, year_start)
        truancy = att.truancy_counts(series, end, periods, th)
        for flag in (
            None if unx_window is None else rules.unexcused_absences(unx_window, as_of, th),
            rules.chronic_absence(days_absent, school_days, th),
            rules.absence_streak(streak, th),
            rules.truancy(truancy, th),
        ):
            if flag is not None:
                found.append(flag)
        # EARLY, plainly: the school's first N school days of the year holding D, absences on
        # them from the enrollment begin to the last counted day
        y0, y1 = att.school_year_span(facts.sessions, as_of, facts.student.school_id)
        first = [d for d in series.school_days if y0 <= d <= y1][: th.early_window_days]
        begin = series.enrolled_begin
        early = [
            d for d in series.absent
            if d in first and d <= end and (begin is None or d >= begin)
        ]
        flag = rules.early_absence(early, first, th)
        if flag is not None:
            found.append(flag)
        figures = {
            "days_absent": days_absent,
            "attendance_rate": att.attendance_rate(school_days, days_absent),
            "unexcused_30d": None if unx_window is None else len(unx_window),
            "absence_streak": len(streak),
            "unexcused_grading_period": None if truancy[0][3] and truancy[0][3] > end else truancy[0][2],
            "unexcused_term": None if truancy[1][3] and truancy[1][3] > end else truancy[1][2],
            "unexcused_year": None if truancy[2][3] and truancy[2][3] > end else truancy[2][2],
        }
    behavior = rules.behavior(incidents, th)
    if behavior is not None:
        found.append(behavior)
    i = bisect_right(facts.note_dates, as_of)
    last_note = facts.note_dates[i - 1] if i else None
    s = facts.student
    return StudentReport(
        id=s.sourced_id,
        name=s.sort_name,
        grade_level=s.grade_level,
        counselor_ids=facts.counselor_ids,
        flags=rules.order_flags(found),
        metrics=StudentMetrics(
            school_days=school_days,
            incidents_year=len(incidents),
            classes=tuple(m for _, (m, _) in current),
            attendance_through=end,
            **figures,  # type: ignore[arg-type]
        ),
        days_since_note=(as_of - last_note).days if last_note is not None else None,
        local_id=s.identifier,
    )


# --- strategies ------------------------------------------------------------------------------

offsets = st.integers(min_value=-10, max_value=300)
opt_day = st.none() | offsets.map(day)
sorted_days = st.lists(offsets, max_size=8).map(lambda xs: tuple(sorted(day(x) for x in xs)))
# grades around the default and sampled thresholds (and float noise) as well as anywhere
grades = st.sampled_from(
    [0.0, 54.0, 59.5, 60.0, 64.9, 65.0, 69.5, 69.99999999999999, 70.0, 75.0, 79.9, 80.0, 95.0]
) | st.floats(min_value=0, max_value=130, allow_nan=False)


# The strategies the composites below draw from are built once here, not inside each draw:
# a strategy made during a draw is validated (and its properties computed) again every time,
# which was most of this file's CPU. Same strategies, same draws, so the same examples; the
# parts of a draw (class_level, class_facts, student) are plain functions of ``draw`` for the
# same reason (a composite called per draw is a new strategy each time).
titles = st.sampled_from(["Algebra I", "biology", "Chorus"])
teachers = st.none() | st.just("Barnes, B")
period_names = st.sampled_from([None, "1", "2", "10", "2A", "Homeroom", " 3 "])
stamp_lists = st.lists(st.integers(-10, 300), max_size=10)
opt_grades = st.none() | grades
span_lists = st.lists(st.tuples(opt_day, opt_day), max_size=2)
booleans = st.booleans()
# a pick of at most 4 of n shared classes (n is 1 to 5)
picks = {n: st.lists(st.sampled_from(range(n)), max_size=4, unique=True) for n in range(1, 6)}
EVERYDAY = 2 ** len(SCHOOL_DAYS) - 1
school_masks = st.integers(0, EVERYDAY)
absent_sets = st.sets(st.sampled_from(SCHOOL_DAYS), max_size=40)
excused_masks = [st.integers(0, 2 ** n - 1) for n in range(41)]  # by how many days absent
session_sets = st.sampled_from(
    [
        SESSIONS,
        tuple(s for s in SESSIONS if s.type is not SessionType.GRADING_PERIOD),
        (),
    ]
)
recorded_through = st.just(dt.date.max) | opt_day
shared_counts = st.integers(1, 5)
student_counts = st.integers(1, 4)


def class_level(draw: st.DrawFn, class_id: str) -> dict[str, object]:
    """What every student of a class shares (the stale memo is per class)."""
    start = draw(opt_day)
    end = draw(opt_day)
    return {
        "class_id": class_id,
        "title": draw(titles),
        "teacher": draw(teachers),
        "period": draw(period_names),
        "term_start": start,
        "term_end": end,
        "class_result_dates": tuple(sorted(set(draw(sorted_days)))),
    }


def class_facts(draw: st.DrawFn, shared: dict[str, object]) -> ClassFacts:
    stamps = sorted(set(draw(stamp_lists)))
    timeline_days = [day(n) for n in stamps]
    if draw(booleans):
        timeline_days = [UNDATED, *timeline_days]
    timeline = tuple((d, draw(opt_grades)) for d in timeline_days)
    missing = draw(sorted_days)
    if draw(booleans):
        missing = (UNDATED, *missing)
    spans = tuple(draw(span_lists))
    return ClassFacts(
        enrollment_spans=spans,
        timeline=timeline,
        weekly=weekly_series(timeline),
        scored_dates=draw(sorted_days),
        missing_dates=missing,
        gradebook=draw(booleans),
        **shared,  # type: ignore[arg-type]
    )


def student(draw: st.DrawFn, n: int, shared: list[dict[str, object]]) -> StudentFacts:
    picked = draw(picks[len(shared)])
    # subsets drawn as bit masks (one draw, not one per day: per-day draws made Hypothesis's
    # own bookkeeping most of this file's time); every subset stays reachable. School days:
    # each kept when both masks have its bit (about a quarter, as the per-day 1-in-4 draw did)
    if draw(booleans):
        keep = draw(school_masks) & draw(school_masks)
        school = [d for i, d in enumerate(SCHOOL_DAYS) if keep >> i & 1]
    else:
        school = list(SCHOOL_DAYS)
    absent = tuple(sorted(draw(absent_sets)))
    excused = draw(excused_masks[len(absent)])
    unexcused = tuple(d for i, d in enumerate(absent) if excused >> i & 1)
    sessions = draw(session_sets)
    return StudentFacts(
        student=User(f"stu-{n}", Role.STUDENT, f"G{n}", "Family", identifier=f"L{n}"),
        counselor_ids=("cns-1",),
        attendance=att.AttendanceSeries(
            tuple(school), draw(opt_day), absent, unexcused, draw(sorted_days),
            # recorded through: complete, a day (maybe before D), or no attendance loaded
            draw(recorded_through),
        ),
        classes=tuple(class_facts(draw, shared[i]) for i in picked),
        incident_dates=draw(sorted_days),
        sessions=sessions,
        note_dates=draw(sorted_days),
    )


@st.composite
def caseloads(draw: st.DrawFn) -> list[StudentFacts]:
    shared = [class_level(draw, f"cls-{i}") for i in range(draw(shared_counts))]
    return [student(draw, n, shared) for n in range(draw(student_counts))]


@st.composite
def caseload_classes(draw: st.DrawFn) -> list[ClassFacts]:
    """The classes of a ``caseloads()`` draw, without the students' attendance, incidents and
    notes (the drill-down reads only the classes): the same classes, drawn the same way."""
    shared = [class_level(draw, f"cls-{i}") for i in range(draw(shared_counts))]
    out: list[ClassFacts] = []
    for _ in range(draw(student_counts)):
        picked = draw(picks[len(shared)])
        out += [class_facts(draw, shared[i]) for i in picked]
    return out


thresholds = st.builds(
    Thresholds,
    failing_grade=st.sampled_from([60.0, 70.0]),
    failing_weeks=st.integers(1, 3),
    drop_window_weeks=st.integers(1, 6),
    drop_high=st.sampled_from([70.0, 80.0]),
    drop_points=st.sampled_from([5.0, 15.0]),
    unexcused_window_days=st.integers(1, 40),
    unexcused_count=st.integers(0, 5),
    chronic_min_days=st.integers(0, 10),
    streak_days=st.integers(0, 3),
    truancy_grading_period=st.integers(-1, 8),
    truancy_term=st.integers(-1, 15),
    truancy_year=st.integers(-1, 20),
    stale_days=st.integers(1, 20),
    behavior_incidents=st.integers(0, 3),
    early_window_days=st.integers(1, 25),
    early_absences=st.integers(0, 3),
)


# --- the properties --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(caseloads(), offsets.map(day), thresholds)
def test_fast_report_equals_reference(facts, as_of, th) -> None:
    expected = [ref_report(f, as_of, th) for f in facts]
    assert analysis.reports_from_facts(facts, as_of, th) == expected
    # alone (a memo of its own) and with a memo made for another day (ignored)
    other = analysis.ReportMemo(as_of + dt.timedelta(days=1), th)
    for f, want in zip(facts, expected, strict=True):
        assert analysis.report_from_facts(f, as_of, th) == want
        assert analysis.report_from_facts(f, as_of, th, other) == want


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(caseload_classes(), offsets.map(day), thresholds)
def test_drill_down_class_equals_reference(classes, as_of, th) -> None:
    """Any class, current or not (``class_detail`` shows every class of the student)."""
    for cf in classes:
        now = analysis._class_now(cf, as_of, th)
        metrics, flags = ref_class(cf, as_of, th)
        assert now.metrics == metrics
        assert list(now.flags) == flags
