"""Each early-warning rule at its edges, messages and evidence."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from caseload.domain import flags as rules
from caseload.domain.report import Flag, FlagCode, Severity
from caseload.domain.settings import Thresholds

D = dt.date.fromisoformat
T = Thresholds()
AS_OF = D("2026-11-20")
SUNDAYS = [D("2026-10-11") + dt.timedelta(weeks=i) for i in range(6)]  # ... 2026-11-15


def weekly(*grades: float) -> tuple[tuple[dt.date, float], ...]:
    return tuple(zip(SUNDAYS[-len(grades) :], grades, strict=True))


def assert_json(flag: Flag | None) -> None:
    assert flag is not None
    json.dumps(flag.to_json())


# --- FAILING_STREAK and LOW_GRADE -----------------------------------------------------------


def test_failing_streak_message_and_evidence() -> None:
    f = rules.failing_streak("c1", "Algebra I", weekly(80, 64, 66, 62), T)
    assert f is not None
    assert f.code is FlagCode.FAILING_STREAK and f.severity is Severity.HIGH
    assert f.class_id == "c1"
    assert f.message == "Algebra I: 64%, 66%, 62% at the end of the last three weeks"
    assert f.evidence["weeks"] == [["2026-11-01", 64.0], ["2026-11-08", 66.0], ["2026-11-15", 62.0]]
    assert_json(f)


def test_failing_streak_edges() -> None:
    assert rules.failing_streak("c", "A", weekly(69.99, 69.9, 60), T) is not None
    assert rules.failing_streak("c", "A", weekly(70, 60, 60), T) is None  # 70 is not below
    assert rules.failing_streak("c", "A", weekly(60, 60), T) is None  # only two weeks
    assert rules.failing_streak("c", "A", weekly(60, 60, 71), T) is None
    # Weeks after the as-of date are ignored.
    assert (
        rules.failing_streak("c", "A", weekly(60, 60, 60, 90), T, as_of=D("2026-11-14")) is not None
    )


def test_low_grade_only_without_failing_streak() -> None:
    f = rules.low_grade("c1", "Biology", 64.24, T, has_failing_streak=False)
    assert f is not None and f.severity is Severity.MEDIUM
    assert f.message == "Biology: 64.2% now, below 70%"
    assert rules.low_grade("c1", "Biology", 64.2, T, has_failing_streak=True) is None
    assert rules.low_grade("c1", "Biology", 70.0, T, has_failing_streak=False) is None
    assert rules.low_grade("c1", "Biology", 69.96, T, has_failing_streak=False) is not None
    assert rules.low_grade("c1", "Biology", None, T, has_failing_streak=False) is None


def test_failing_streak_and_low_grade_are_exclusive() -> None:
    codes = [f.code for f in rules.grade_flags("c", "A", weekly(60, 60, 60), 60.0, T)]
    assert codes == [FlagCode.FAILING_STREAK]
    codes = [f.code for f in rules.grade_flags("c", "A", weekly(75, 75, 65), 60.0, T)]
    assert codes == [FlagCode.LOW_GRADE]
    # Failing three weeks but pulled up to 70 this week: the streak stands, no LOW_GRADE.
    codes = [f.code for f in rules.grade_flags("c", "A", weekly(60, 60, 60), 72.0, T)]
    assert codes == [FlagCode.FAILING_STREAK]


# --- GRADE_DROP -----------------------------------------------------------------------------


def test_grade_drop_message() -> None:
    f = rules.grade_drop("c2", "Chemistry", weekly(86, 84, 80, 75, 72, 70), 68.5, T)
    assert f is not None and f.severity is Severity.MEDIUM
    assert (
        f.message == "Chemistry: 68.5% now, down 17.5 points from 86% in the week ending 2026-10-11"
    )
    assert f.evidence["peak"] == 86.0 and f.evidence["drop"] == 17.5
    assert_json(f)


@pytest.mark.parametrize(
    ("peak", "now", "flagged"),
    [
        (80.0, 65.0, True),  # peak exactly 80, drop exactly 15
        (79.9, 60.0, False),  # peak below 80
        (80.0, 65.1, False),  # drop 14.9
        (95.0, 80.0, True),  # still a B, but 15 points down
    ],
)
def test_grade_drop_edges(peak: float, now: float, flagged: bool) -> None:
    f = rules.grade_drop("c", "A", weekly(peak, 70), now, T)
    assert (f is not None) is flagged


def test_grade_drop_only_looks_at_the_last_six_weeks() -> None:
    seven = tuple(
        zip(
            [SUNDAYS[0] - dt.timedelta(weeks=1), *SUNDAYS],
            [95, 78, 78, 78, 78, 78, 78],
            strict=True,
        )
    )
    assert rules.grade_drop("c", "A", seven, 63.0, T) is None
    assert rules.grade_drop("c", "A", (), 10.0, T) is None
    assert rules.grade_drop("c", "A", weekly(90), None, T) is None


# --- Attendance -----------------------------------------------------------------------------


def test_unexcused_absences_edges() -> None:
    days = [D("2026-11-02"), D("2026-11-05"), D("2026-11-10"), D("2026-11-12"), D("2026-11-19")]
    f = rules.unexcused_absences(days, AS_OF, T)
    assert f is not None and f.severity is Severity.HIGH
    assert f.message == "5 unexcused absences in the last 30 days"
    assert f.evidence["window_start"] == "2026-10-22"
    assert f.evidence["dates"][0] == "2026-11-02"
    assert rules.unexcused_absences(days[:4], AS_OF, T) is None
    assert_json(f)


@pytest.mark.parametrize(
    ("absent", "days", "flagged"),
    [(1, 10, True), (0, 10, False), (6, 60, True), (5, 60, False), (1, 9, False), (9, 9, False)],
)
def test_chronic_absence_edges(absent: int, days: int, flagged: bool) -> None:
    assert (rules.chronic_absence(absent, days, T) is not None) is flagged


def test_chronic_absence_message() -> None:
    f = rules.chronic_absence(7, 60, T)
    assert f is not None and f.message == "Absent 7 of 60 school days (11.7%)"


def test_absence_streak_edges() -> None:
    three = (D("2026-11-18"), D("2026-11-19"), D("2026-11-20"))
    f = rules.absence_streak(three, T)
    assert f is not None
    assert f.message == "Absent 3 school days in a row (2026-11-18 to 2026-11-20)"
    assert rules.absence_streak(three[1:], T) is None


def _truancy(gp: int, term: int, year: int, gp_known: bool = True) -> Flag | None:
    start = D("2026-08-24")
    counts = (
        ("grading period", 8, gp, start, gp_known),
        ("term", 15, term, start, True),
        ("school year", 20, year, start, True),
    )
    return rules.truancy(counts, T)


def test_truancy_more_than_limits() -> None:
    assert _truancy(8, 15, 20) is None  # at the limits: not more than
    f = _truancy(9, 9, 9)
    assert f is not None and f.severity is Severity.HIGH
    assert f.message == (
        "Unexcused absences past Maryland's truancy limit: "
        "9 this grading period (limit: more than 8)"
    )
    assert _truancy(8, 16, 16) is not None
    assert _truancy(8, 15, 21) is not None
    f = _truancy(9, 16, 21)
    assert f is not None and len(f.evidence["limits"]) == 3
    assert_json(f)
    # A grading period the data does not define is not checked.
    assert _truancy(12, 12, 12, gp_known=False) is None


# --- STALE_GRADEBOOK ------------------------------------------------------------------------


def _stale(term_start: str, last: str | None, term_end: str = "2027-01-22") -> Flag | None:
    return rules.stale_gradebook(
        "c3", "Chemistry", D(term_start), D(term_end), D(last) if last else None, AS_OF, T
    )


def test_stale_gradebook_edges() -> None:
    # The 14 days ending on D are 2026-11-07 .. 2026-11-20.
    assert _stale("2026-08-24", "2026-11-07") is None
    f = _stale("2026-08-24", "2026-11-06")
    assert f is not None and f.severity is Severity.LOW and f.class_id == "c3"
    assert f.message == "Chemistry: no new scores in 14 days, since 11/6"
    assert f.evidence["days_since"] == 14 and f.evidence["last_result"] == "2026-11-06"
    assert_json(f)
    # no result on or before D: no gradebook (or none scored yet) is not a stale one (issue 11)
    assert _stale("2026-08-24", None) is None


def test_stale_gradebook_needs_a_term_in_session_that_started_14_days_ago() -> None:
    old = "2026-10-01"  # the class's last result, long before the window
    assert _stale("2026-11-06", old) is not None  # started exactly 14 days before D
    assert _stale("2026-11-07", old) is None  # 13 days
    assert _stale("2026-08-24", old, term_end="2026-11-19") is None  # term over
    assert _stale("2026-11-21", old) is None  # not started
    assert rules.stale_gradebook("c", "C", None, None, D(old), AS_OF, T) is None


# --- BEHAVIOR and order ---------------------------------------------------------------------


def test_behavior() -> None:
    f = rules.behavior([D("2026-10-01"), D("2026-09-15")], T)
    assert f is not None and f.severity is Severity.MEDIUM
    assert f.message == "2 discipline incidents this school year"
    assert f.evidence["dates"] == ["2026-09-15", "2026-10-01"]
    assert rules.behavior([D("2026-10-01")], T) is None


def test_order_flags_by_severity_then_code() -> None:
    flags = [
        rules.behavior([D("2026-10-01")] * 2, T),
        _stale("2026-08-24", "2026-10-01"),
        rules.chronic_absence(7, 60, T),
        rules.low_grade("c1", "Bio", 60, T, False),
        rules.failing_streak("c2", "Alg", weekly(60, 60, 60), T),
        rules.absence_streak((AS_OF,) * 3, T),
    ]
    got = rules.order_flags(f for f in flags if f is not None)
    assert [f.code for f in got] == [
        FlagCode.ABSENCE_STREAK,
        FlagCode.CHRONIC_ABSENCE,
        FlagCode.FAILING_STREAK,
        FlagCode.BEHAVIOR,
        FlagCode.LOW_GRADE,
        FlagCode.STALE_GRADEBOOK,
    ]


def test_every_code_has_a_severity() -> None:
    assert set(rules.SEVERITY) == set(FlagCode)


def test_custom_thresholds_apply() -> None:
    t = Thresholds(failing_weeks=2, failing_grade=65, unexcused_count=2)
    f = rules.failing_streak("c", "Alg", weekly(70, 64, 64), t)
    assert f is not None and f.message == "Alg: 64%, 64% at the end of the last two weeks"
    assert rules.unexcused_absences([AS_OF, AS_OF], AS_OF, t) is not None


def test_stale_gradebook_gives_the_real_gap_and_date() -> None:
    f = _stale("2026-08-24", "2026-10-28")
    assert f is not None
    assert f.message == "Chemistry: no new scores in 23 days, since 10/28"
    assert f.evidence["days_since"] == 23
    assert rules.stale_text(D("2025-12-30"), D("2026-01-20")) == (
        "no new scores in 21 days, since 12/30/2025"
    )


def test_stale_adds_to_risk_once_per_student() -> None:
    from caseload.domain.report import risk_of, risk_points

    stale = [_stale("2026-08-24", d) for d in ("2026-10-01", "2026-10-02", "2026-10-03")]
    flags = [f for f in stale if f is not None]
    assert len(flags) == 3
    assert risk_of(flags) == Severity.LOW.points
    assert [p for _, p in risk_points(flags)] == [1, 0, 0]
    other = _truancy(12, 12, 12)
    assert other is not None
    assert risk_of([*flags, other]) == Severity.LOW.points + other.severity.points


def test_no_attendance_flag_without_evidence_whatever_the_threshold() -> None:
    """A district may set a count or a rate to 0; a flag still needs at least one absence
    (the other count flags already did: ``_count_flag``)."""
    zero = Thresholds(unexcused_count=0, chronic_rate=0.0)
    assert rules.unexcused_absences((), dt.date(2025, 10, 1), zero) is None
    assert rules.chronic_absence(0, 20, zero) is None
    one = rules.unexcused_absences((dt.date(2025, 9, 30),), dt.date(2025, 10, 1), zero)
    assert one is not None and one.evidence["count"] == 1
    assert rules.chronic_absence(1, 20, zero) is not None
