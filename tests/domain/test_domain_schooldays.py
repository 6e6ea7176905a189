"""School days, enrolled school days and the sessions around a date."""

from __future__ import annotations

import datetime as dt

from caseload.domain.records import (
    AcademicSession,
    CalendarDay,
    Enrollment,
    Role,
    SessionType,
)
from caseload.domain.schooldays import (
    current_session,
    enrolled_from,
    enrolled_school_days,
    periods_at,
    school_days,
)

D = dt.date.fromisoformat


def session(
    sid: str,
    kind: SessionType,
    start: str,
    end: str,
    school: str | None = None,
    year: int | None = 2027,
) -> AcademicSession:
    return AcademicSession(sid, sid, kind, D(start), D(end), school_year=year, school_id=school)


def test_weekdays_inside_terms() -> None:
    # Mon 2026-11-16 .. Sun 2026-11-22: five weekdays.
    days = school_days("s1", [session("t", SessionType.TERM, "2026-11-16", "2026-11-22")])
    assert sorted(days) == [D("2026-11-16") + dt.timedelta(days=i) for i in range(5)]


def test_only_term_and_semester_sessions_make_school_days() -> None:
    sessions = [
        session("y", SessionType.SCHOOL_YEAR, "2026-08-24", "2027-06-11"),
        session("gp", SessionType.GRADING_PERIOD, "2026-08-24", "2026-10-30"),
        session("sem", SessionType.SEMESTER, "2026-11-16", "2026-11-20"),
    ]
    assert len(school_days("s1", sessions)) == 5


def test_session_of_no_school_applies_to_all_and_other_schools_do_not() -> None:
    sessions = [
        session("all", SessionType.TERM, "2026-11-16", "2026-11-16"),
        session("mine", SessionType.TERM, "2026-11-17", "2026-11-17", school="s1"),
        session("other", SessionType.TERM, "2026-11-18", "2026-11-18", school="s2"),
    ]
    assert sorted(school_days("s1", sessions)) == [D("2026-11-16"), D("2026-11-17")]
    # Unknown school: every session applies, calendar ignored.
    assert len(school_days(None, sessions)) == 3


def test_calendar_removes_non_instructional_and_adds_weekend_instructional() -> None:
    sessions = [session("t", SessionType.TERM, "2026-11-16", "2026-11-22")]
    cal = [
        CalendarDay("s1", D("2026-11-18"), False),  # a holiday
        CalendarDay("s1", D("2026-11-21"), True),  # a Saturday make-up day
        CalendarDay("s1", D("2026-11-19"), True),  # weekday already in: no change
        CalendarDay("s2", D("2026-11-17"), False),  # other school's holiday: ignored
    ]
    days = school_days("s1", sessions, cal)
    assert D("2026-11-18") not in days
    assert D("2026-11-21") in days
    assert D("2026-11-17") in days
    assert len(days) == 5


def test_enrolled_from_earliest_begin_of_student_enrollments() -> None:
    es = [
        Enrollment("e1", "c1", "stu", Role.STUDENT, begin_date=D("2026-09-01")),
        Enrollment("e2", "c2", "stu", Role.STUDENT, begin_date=D("2026-08-26")),
        Enrollment("e3", "c3", "stu", Role.STUDENT),
        Enrollment("e4", "c4", "tch", Role.TEACHER, begin_date=D("2026-01-01")),
        Enrollment("e5", "c5", "other", Role.STUDENT, begin_date=D("2026-01-01")),
    ]
    assert enrolled_from(es, "stu") == D("2026-08-26")
    assert enrolled_from(es[2:3], "stu") is None


def test_enrolled_school_days_from_enrollment_or_year_start_to_as_of() -> None:
    days = school_days("s1", [session("t", SessionType.TERM, "2026-11-16", "2026-11-27")])
    as_of = D("2026-11-24")
    # No enrollment date: from the year start.
    got = enrolled_school_days(days, as_of, year_start=D("2026-11-16"), enrolled_begin=None)
    assert got[0] == D("2026-11-16") and got[-1] == as_of and len(got) == 7
    # Late enrollment.
    got = enrolled_school_days(
        days, as_of, year_start=D("2026-11-16"), enrolled_begin=D("2026-11-19")
    )
    assert got[0] == D("2026-11-19") and len(got) == 4
    # An enrollment carried over from an earlier year never counts days before the year start.
    got = enrolled_school_days(
        days, as_of, year_start=D("2026-11-18"), enrolled_begin=D("2025-09-01")
    )
    assert got[0] == D("2026-11-18")


def test_current_session_prefers_semester_then_school_then_longest() -> None:
    sessions = [
        session("q2", SessionType.TERM, "2026-11-02", "2027-01-22"),
        session("fall", SessionType.SEMESTER, "2026-08-24", "2027-01-22"),
        session("fall-s1", SessionType.SEMESTER, "2026-08-24", "2027-01-22", school="s1"),
    ]
    got = current_session(sessions, (SessionType.SEMESTER, SessionType.TERM), D("2026-11-20"), "s1")
    assert got is not None and got.sourced_id == "fall-s1"
    got = current_session(
        sessions[:1], (SessionType.SEMESTER, SessionType.TERM), D("2026-11-20"), "s1"
    )
    assert got is not None and got.sourced_id == "q2"


def test_current_session_in_a_break_is_the_one_that_ended_last() -> None:
    sessions = [
        session("fall", SessionType.SEMESTER, "2021-08-23", "2021-12-17"),
        session("spring", SessionType.SEMESTER, "2022-01-04", "2022-05-27"),
    ]
    got = current_session(sessions, (SessionType.SEMESTER,), D("2021-12-25"))
    assert got is not None and got.sourced_id == "fall"
    assert current_session(sessions, (SessionType.SEMESTER,), D("2021-08-01")) is None


def test_periods_at_with_explicit_year() -> None:
    sessions = [
        session("y", SessionType.SCHOOL_YEAR, "2026-08-24", "2027-06-11"),
        session("fall", SessionType.SEMESTER, "2026-08-24", "2027-01-22"),
        session("q1", SessionType.GRADING_PERIOD, "2026-08-24", "2026-10-30"),
        session("q2", SessionType.GRADING_PERIOD, "2026-11-02", "2027-01-22"),
    ]
    p = periods_at(sessions, D("2026-11-20"))
    assert p.year is not None and p.year.start == D("2026-08-24")
    assert p.term is not None and p.term.title == "fall"
    assert p.grading_period is not None and p.grading_period.start == D("2026-11-02")


def test_periods_at_derives_the_year_from_terms_like_grand_bend() -> None:
    sessions = [
        session("fall", SessionType.SEMESTER, "2021-08-23", "2021-12-17", "s1", 2022),
        session("spring", SessionType.SEMESTER, "2022-01-04", "2022-05-27", "s1", 2022),
        session("old", SessionType.SEMESTER, "2020-08-24", "2020-12-18", "s1", 2021),
    ]
    p = periods_at(sessions, D("2022-05-27"), "s1")
    assert p.year is not None
    assert (p.year.start, p.year.end) == (D("2021-08-23"), D("2022-05-27"))
    assert p.term is not None and p.term.title == "spring"
    assert p.grading_period is None
