"""Attendance: day statuses, the half rule, windows, streaks and the calendar."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from caseload.domain.attendance import (
    AttendanceSeries,
    attendance_rate,
    attendance_summary,
    day_status,
    day_statuses,
    enrolled_class_counter,
    enrolled_classes_on,
    truancy_counts,
    unexcused_by_month,
    window_start,
)
from caseload.domain.records import AttendanceCategory as AC
from caseload.domain.records import AttendanceEvent, Enrollment, Role
from caseload.domain.report import DayStatus
from caseload.domain.schooldays import Periods, Span
from caseload.domain.settings import Thresholds

D = dt.date.fromisoformat
T = Thresholds()
_ids = itertools.count()


def ev(day: str, cat: AC, class_id: str | None = None) -> AttendanceEvent:
    return AttendanceEvent(f"a{next(_ids)}", "stu", D(day), cat, class_id=class_id)


def weekdays(start: str, end: str, skip: tuple[str, ...] = ()) -> list[dt.date]:
    d, out = D(start), []
    while d <= D(end):
        if d.weekday() < 5 and d.isoformat() not in skip:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def series(
    days: list[dt.date], absent: dict[str, DayStatus], begin: dt.date | None = None
) -> AttendanceSeries:
    return AttendanceSeries.from_statuses(days, {D(k): v for k, v in absent.items()}, begin)


U, E = DayStatus.UNEXCUSED, DayStatus.EXCUSED


# --- One day ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cat", "status"),
    [
        (AC.UNEXCUSED_ABSENCE, DayStatus.UNEXCUSED),
        (AC.EXCUSED_ABSENCE, DayStatus.EXCUSED),
        (AC.TARDY, DayStatus.TARDY),
        (AC.EARLY_DEPARTURE, DayStatus.TARDY),
        (AC.PARTIAL, DayStatus.TARDY),
        (AC.PRESENT, DayStatus.PRESENT),
    ],
)
def test_whole_day_records(cat: AC, status: DayStatus) -> None:
    assert day_status([ev("2026-11-16", cat)], 6) is status


def test_no_record_is_present() -> None:
    assert day_status([], 6) is DayStatus.PRESENT


def test_whole_day_record_wins_over_period_records() -> None:
    evs = [ev("2026-11-16", AC.PRESENT)] + [
        ev("2026-11-16", AC.UNEXCUSED_ABSENCE, f"c{i}") for i in range(6)
    ]
    assert day_status(evs, 6) is DayStatus.PRESENT
    evs = [ev("2026-11-16", AC.EXCUSED_ABSENCE), ev("2026-11-16", AC.UNEXCUSED_ABSENCE, "c1")]
    assert day_status(evs, 6) is DayStatus.EXCUSED


def test_conflicting_whole_day_absences_use_the_majority_rule() -> None:
    one_each = [ev("2026-11-16", AC.EXCUSED_ABSENCE), ev("2026-11-16", AC.UNEXCUSED_ABSENCE)]
    assert day_status(one_each, 0) is DayStatus.EXCUSED
    assert day_status([*one_each, ev("2026-11-16", AC.UNEXCUSED_ABSENCE)], 0) is U


def test_period_only_half_of_classes_is_a_full_day_absence() -> None:
    three = [ev("2026-11-16", AC.UNEXCUSED_ABSENCE, f"c{i}") for i in range(3)]
    assert day_status(three, 6) is DayStatus.UNEXCUSED  # 3 of 6: at least half
    assert day_status(three[:2], 6) is DayStatus.TARDY  # 2 of 6: at school part of the day
    assert day_status(three, 7) is DayStatus.TARDY  # 3 of 7: less than half
    assert day_status(three[:2], 3) is DayStatus.UNEXCUSED  # 2 of 3


def test_period_only_unexcused_needs_more_unexcused_than_excused_periods() -> None:
    day = "2026-11-16"
    two_u_one_e = [
        ev(day, AC.UNEXCUSED_ABSENCE, "c1"),
        ev(day, AC.UNEXCUSED_ABSENCE, "c2"),
        ev(day, AC.EXCUSED_ABSENCE, "c3"),
    ]
    assert day_status(two_u_one_e, 6) is DayStatus.UNEXCUSED
    one_u_two_e = [
        ev(day, AC.UNEXCUSED_ABSENCE, "c1"),
        ev(day, AC.EXCUSED_ABSENCE, "c2"),
        ev(day, AC.EXCUSED_ABSENCE, "c3"),
    ]
    assert day_status(one_u_two_e, 6) is DayStatus.EXCUSED
    tie = [
        ev(day, AC.UNEXCUSED_ABSENCE, "c1"),
        ev(day, AC.UNEXCUSED_ABSENCE, "c2"),
        ev(day, AC.EXCUSED_ABSENCE, "c3"),
        ev(day, AC.EXCUSED_ABSENCE, "c4"),
    ]
    assert day_status(tie, 6) is DayStatus.EXCUSED


def test_tardy_and_partial_periods_are_never_absences() -> None:
    day = "2026-11-16"
    evs = [ev(day, AC.TARDY, f"c{i}") for i in range(6)] + [
        ev(day, AC.EARLY_DEPARTURE, "c7"),
        ev(day, AC.PARTIAL, "c8"),
    ]
    assert day_status(evs, 6) is DayStatus.TARDY


def test_period_records_with_no_known_enrollment_never_make_an_absence() -> None:
    assert day_status([ev("2026-11-16", AC.UNEXCUSED_ABSENCE, "c1")], 0) is DayStatus.TARDY


def test_two_records_for_one_class_count_as_one_class() -> None:
    day = "2026-11-16"
    evs = [ev(day, AC.UNEXCUSED_ABSENCE, "c1"), ev(day, AC.UNEXCUSED_ABSENCE, "c1")]
    assert day_status(evs, 4) is DayStatus.TARDY  # 1 class of 4


# --- Classes per day ------------------------------------------------------------------------


def test_enrolled_class_counter_uses_enrollment_dates_and_class_terms() -> None:
    es = [
        Enrollment("e1", "c1", "stu", Role.STUDENT),
        Enrollment("e2", "c2", "stu", Role.STUDENT, end_date=D("2026-11-17")),  # dropped
        Enrollment("e3", "c3", "stu", Role.STUDENT, begin_date=D("2026-11-18")),  # added
        Enrollment("e4", "c4", "stu", Role.STUDENT),  # a spring class
        Enrollment("e5", "c1", "stu", Role.STUDENT),  # duplicate of c1
        Enrollment("e6", "c9", "tch", Role.TEACHER),
    ]
    count = enrolled_class_counter(es, {"c4": (D("2027-01-25"), D("2027-06-11"))}, "stu")
    assert count(D("2026-11-16")) == 2  # c1, c2
    assert count(D("2026-11-18")) == 2  # c1, c3
    assert count(D("2027-02-01")) == 3  # c1, c3, c4


def test_only_the_classes_the_student_takes_that_day_make_a_full_day_absence() -> None:
    """Period records of a class the student is not enrolled in that day say nothing about
    them: they neither count toward the half nor mark the day. (Five such records used to
    make five unexcused full-day absences, a streak and an UNX30 flag, for a student with no
    record at all in the one class they take.)"""
    day = "2026-11-16"
    other = [ev(day, AC.UNEXCUSED_ABSENCE, "c-not-mine")]
    assert day_status(other, frozenset({"c1"})) is DayStatus.PRESENT
    assert day_status(other, 1) is DayStatus.UNEXCUSED  # only the count: the old reading
    mixed = [*other, ev(day, AC.UNEXCUSED_ABSENCE, "c1")]
    assert day_status(mixed, frozenset({"c1", "c2", "c3"})) is DayStatus.TARDY  # 1 of 3
    assert day_status(mixed, frozenset({"c1", "c2"})) is DayStatus.UNEXCUSED  # 1 of 2
    es = [Enrollment("e1", "c1", "stu", Role.STUDENT, end_date=D("2026-11-17"))]
    mine = enrolled_classes_on(es, None, "stu")
    assert mine(D(day)) == {"c1"} and mine(D("2026-11-18")) == frozenset()
    days = weekdays("2026-11-16", "2026-11-20")
    evs = [ev(d.isoformat(), AC.UNEXCUSED_ABSENCE, "c-not-mine") for d in days]
    assert set(day_statuses(evs, days, mine).values()) == {DayStatus.PRESENT}


def test_the_count_stops_at_the_last_enrolled_day() -> None:
    """Every enrollment ended 11/18: the figures at 11/20 count through 11/18 (the summary
    says so), not the two days after as present; before it, nothing changes."""
    from caseload.domain.schooldays import enrolled_until

    days = weekdays("2026-11-16", "2026-11-20")
    es = [Enrollment("e1", "c1", "stu", Role.STUDENT, end_date=D("2026-11-18")),
          Enrollment("e2", "c2", "stu", Role.STUDENT, end_date=D("2026-11-13"))]
    assert enrolled_until(es, "stu") == D("2026-11-18")
    assert enrolled_until([*es, Enrollment("e3", "c3", "stu", Role.STUDENT)], "stu") is None
    s = AttendanceSeries.from_statuses(days, {D("2026-11-17"): E}, None, dt.date.max,
                                       enrolled_until(es, "stu"))
    assert s.counted_through(D("2026-11-20")) == D("2026-11-18")
    assert s.counted_through(D("2026-11-17")) == D("2026-11-17")
    assert s.enrolled_until(D("2026-11-20")) == D("2026-11-18")
    assert s.enrolled_until(D("2026-11-18")) is None
    summary = attendance_summary(s, D("2026-11-20"), Periods(None, None, None), T)
    assert summary.days[-1][0] == D("2026-11-18") and summary.enrolled_until == D("2026-11-18")
    assert summary.through is None
    assert summary.attendance_rate == pytest.approx(100.0 * 2 / 3)


def test_day_statuses_covers_school_days_only_and_accepts_a_mapping() -> None:
    days = weekdays("2026-11-16", "2026-11-22")
    evs = [
        ev("2026-11-16", AC.UNEXCUSED_ABSENCE),
        ev("2026-11-17", AC.EXCUSED_ABSENCE, "c1"),
        ev("2026-11-17", AC.EXCUSED_ABSENCE, "c2"),
        ev("2026-11-21", AC.UNEXCUSED_ABSENCE),  # a Saturday: not a school day
    ]
    by_map = day_statuses(evs, days, {D("2026-11-17"): 4})
    by_fn = day_statuses(evs, days, lambda d: 4)
    assert by_map == by_fn
    assert list(by_map) == days
    assert by_map[D("2026-11-16")] is U and by_map[D("2026-11-17")] is E
    assert by_map[D("2026-11-18")] is DayStatus.PRESENT
    assert D("2026-11-21") not in by_map
    # Missing from the mapping: 0 classes, so period records make no absence.
    assert day_statuses(evs, days, {})[D("2026-11-17")] is DayStatus.TARDY
    bounded = day_statuses(evs, days, {}, start=D("2026-11-17"), end=D("2026-11-19"))
    assert list(bounded) == days[1:4]


# --- Windows ------------------------------------------------------------------------------


AS_OF = D("2026-11-20")  # a Friday
FALL = weekdays("2026-08-24", "2027-01-22", skip=("2026-09-07", "2026-11-26", "2026-11-27"))


def test_exactly_five_unexcused_in_thirty_days_vs_four() -> None:
    five = series(
        FALL, {d: U for d in ["2026-11-02", "2026-11-05", "2026-11-10", "2026-11-12", "2026-11-19"]}
    )
    start = window_start(AS_OF, T.unexcused_window_days)
    assert start == D("2026-10-22")
    assert len(five.unexcused_between(start, AS_OF)) == 5
    four = series(FALL, {d: U for d in ["2026-11-02", "2026-11-05", "2026-11-10", "2026-11-12"]})
    assert len(four.unexcused_between(start, AS_OF)) == 4


def test_window_boundary_day_30_counts_day_31_does_not() -> None:
    start = window_start(AS_OF, 30)
    day30 = AS_OF - dt.timedelta(days=29)  # 2026-10-22, a Thursday
    day31 = AS_OF - dt.timedelta(days=30)  # 2026-10-21, a Wednesday
    assert day30 == start
    assert len(series(FALL, {day30.isoformat(): U}).unexcused_between(start, AS_OF)) == 1
    assert len(series(FALL, {day31.isoformat(): U}).unexcused_between(start, AS_OF)) == 0


def test_excused_absences_do_not_count_as_unexcused() -> None:
    s = series(FALL, {"2026-11-16": E, "2026-11-17": U})
    assert s.count_unexcused(None, AS_OF) == 1
    assert s.count_absent(None, AS_OF) == 2


# --- Streaks ------------------------------------------------------------------------------


def test_streak_spans_a_weekend() -> None:
    s = series(FALL, {"2026-11-12": U, "2026-11-13": E, "2026-11-16": U})  # Thu, Fri, Mon
    assert s.current_streak(D("2026-11-16"), None) == (
        D("2026-11-12"),
        D("2026-11-13"),
        D("2026-11-16"),
    )
    # Read on the Sunday: ends at the last school day on or before D (Friday).
    assert len(s.current_streak(D("2026-11-15"), None)) == 2


def test_streak_spans_a_holiday() -> None:
    # Labor Day (Mon 2026-09-07) is not a school day: Fri, Tue, Wed is a run of three.
    s = series(FALL, {"2026-09-04": U, "2026-09-08": U, "2026-09-09": U})
    assert len(s.current_streak(D("2026-09-09"), None)) == 3
    # Thanksgiving Thu/Fri and the weekend: Wed 11-25 and Mon 11-30 are consecutive.
    s = series(FALL, {"2026-11-24": U, "2026-11-25": U, "2026-11-30": E})
    assert len(s.current_streak(D("2026-11-30"), None)) == 3


def test_streak_broken_by_a_present_day() -> None:
    s = series(FALL, {"2026-11-16": U, "2026-11-17": U, "2026-11-19": U, "2026-11-20": U})
    assert len(s.current_streak(AS_OF, None)) == 2
    # The last school day present: no current streak, whatever came before.
    s = series(FALL, {"2026-11-16": U, "2026-11-17": U, "2026-11-18": U})
    assert s.current_streak(D("2026-11-19"), None) == ()
    assert s.longest_streak(D("2026-11-19"), None) == 3


def test_streak_stops_at_the_enrollment_start() -> None:
    s = series(FALL, {"2026-11-16": U, "2026-11-17": U, "2026-11-18": U}, begin=D("2026-11-17"))
    assert len(s.current_streak(D("2026-11-18"), None)) == 2


def test_longest_streak() -> None:
    s = series(
        FALL,
        {
            "2026-10-01": U,
            "2026-10-02": U,
            "2026-10-05": U,
            "2026-10-06": E,
            "2026-10-08": U,
            "2026-11-20": U,
        },
    )
    assert s.longest_streak(AS_OF, None) == 4
    assert s.longest_streak(D("2026-10-05"), None) == 3


# --- Figures -----------------------------------------------------------------------------


def test_attendance_rate() -> None:
    assert attendance_rate(60, 7) == pytest.approx(88.333, abs=1e-3)
    assert attendance_rate(0, 0) is None


def test_unexcused_by_month_includes_zero_months() -> None:
    s = series(FALL, {"2026-09-10": U, "2026-09-11": E, "2026-11-02": U, "2026-11-03": U})
    assert unexcused_by_month(s, AS_OF, D("2026-08-24")) == (
        ("2026-08", 0),
        ("2026-09", 1),
        ("2026-10", 0),
        ("2026-11", 2),
    )


def _periods() -> Periods:
    return Periods(
        year=Span(D("2026-08-24"), D("2027-06-11"), "2026-2027"),
        term=Span(D("2026-08-24"), D("2027-01-22"), "Fall"),
        grading_period=Span(D("2026-11-02"), D("2027-01-22"), "Q2"),
    )


def test_truancy_counts_from_each_session_start() -> None:
    s = series(FALL, {"2026-10-01": U, "2026-10-02": U, "2026-11-02": U, "2026-11-03": E})
    counts = truancy_counts(s, AS_OF, _periods(), T)
    assert [(label, limit, used) for label, limit, used, _, _ in counts] == [
        ("grading period", 8, 1),
        ("term", 15, 3),
        ("school year", 20, 3),
    ]
    # No grading period known: falls back to the term, marked unknown.
    p = Periods(_periods().year, _periods().term, None)
    gp = truancy_counts(s, AS_OF, p, T)[0]
    assert gp[2] == 3 and gp[4] is False


def test_attendance_summary_calendar() -> None:
    s = series(FALL, {"2026-11-18": U, "2026-11-19": U, "2026-11-20": E}, begin=D("2026-08-26"))
    s = AttendanceSeries(s.school_days, s.enrolled_begin, s.absent, s.unexcused, (D("2026-11-17"),))
    summary = attendance_summary(s, AS_OF, _periods(), T)
    days = dict(summary.days)
    assert summary.days[0][0] == D("2026-08-24") and summary.days[-1][0] == AS_OF
    assert len(summary.days) == (AS_OF - D("2026-08-24")).days + 1
    assert days[D("2026-08-24")] is DayStatus.NOT_ENROLLED  # before the enrollment start
    assert days[D("2026-08-26")] is DayStatus.PRESENT
    assert days[D("2026-08-29")] is DayStatus.NO_SCHOOL  # Saturday
    assert days[D("2026-09-07")] is DayStatus.NO_SCHOOL  # holiday
    assert days[D("2026-11-17")] is DayStatus.TARDY
    assert days[D("2026-11-18")] is DayStatus.UNEXCUSED
    assert days[D("2026-11-20")] is DayStatus.EXCUSED
    assert summary.current_streak == 3 and summary.longest_streak == 3
    enrolled = len([d for d in FALL if D("2026-08-26") <= d <= AS_OF])
    assert summary.attendance_rate == pytest.approx(100 * (enrolled - 3) / enrolled)
    assert summary.truancy == (
        ("grading period", 8, 2, 6),
        ("term", 15, 2, 13),
        ("school year", 20, 2, 18),
    )
    assert summary.unexcused_by_month[-1] == ("2026-11", 2)
