"""EARLY (issue 14 §1): absent on 2+ of the school's first 20 school days of the year.

The calendar, hand-counted: the school year and the fall semester start Monday 2026-08-24;
Monday 9/7 (Labor Day) is not instructional. The first 20 school days are therefore
8/24-8/28 (5), 8/31-9/4 (10), 9/8-9/11 (14), 9/14-9/18 (19) and Monday 9/21 (20); without
the holiday 9/21 would be day 21. Tuesday 9/22 is day 21.
"""

from __future__ import annotations

import datetime as dt

from caseload.domain import attendance as att
from caseload.domain.analysis import StudentInput, student_report
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    CalendarDay,
    Enrollment,
    Role,
    SessionType,
    User,
)
from caseload.domain.report import FlagCode, Severity
from caseload.domain.schooldays import school_days
from caseload.domain.settings import Thresholds

D = dt.date.fromisoformat
T = Thresholds()
YEAR = AcademicSession(
    "y", "2026-2027", SessionType.SCHOOL_YEAR, D("2026-08-24"), D("2027-06-11"), school_year=2027
)
FALL = AcademicSession(
    "fall", "Fall", SessionType.SEMESTER, D("2026-08-24"), D("2027-01-22"), school_year=2027
)
SESSIONS = (YEAR, FALL)
CALENDAR = (CalendarDay("s1", D("2026-09-07"), False),)
DAYS = school_days("s1", SESSIONS, CALENDAR)
STUDENT = User("stu1", Role.STUDENT, "Ana", "Zeller", school_id="s1")
UNX = AttendanceCategory.UNEXCUSED_ABSENCE
EXC = AttendanceCategory.EXCUSED_ABSENCE


def ev(day: str, cat: AttendanceCategory = UNX, cls: str | None = None) -> AttendanceEvent:
    return AttendanceEvent(f"a-{day}-{cls}", "stu1", D(day), cat, cls)


def enr(cls: str, begin: str = "2026-08-24") -> Enrollment:
    return Enrollment(f"e-{cls}", cls, "stu1", Role.STUDENT, D(begin))


def early(
    events: tuple[AttendanceEvent, ...],
    as_of: str,
    enrollments: tuple[Enrollment, ...] = (enr("c1"),),
    sessions: tuple[AcademicSession, ...] = SESSIONS,
    days: frozenset[dt.date] = DAYS,
    through: dt.date | None = dt.date.max,
) -> list[dict[str, object]]:
    report = student_report(
        StudentInput(
            STUDENT,
            enrollments=enrollments,
            attendance=events,
            school_days=days,
            sessions=sessions,
            attendance_through=through,
        ),
        D(as_of),
        T,
    )
    return [f.evidence for f in report.flags if f.code is FlagCode.EARLY]


def test_the_first_twenty_days_skip_the_holiday() -> None:
    window = att.first_school_days(sorted(DAYS), (YEAR.start_date, YEAR.end_date), 20)
    assert len(window) == 20
    assert window[0] == D("2026-08-24") and window[-1] == D("2026-09-21")
    assert D("2026-09-07") not in window


def test_fires_from_the_second_absence_and_stays_for_the_year() -> None:
    events = (ev("2026-08-25"), ev("2026-09-21", EXC))  # day 2 and day 20 (any reason)
    assert early(events, "2026-09-18") == []  # one absence so far
    (evidence,) = early(events, "2026-09-21")
    assert evidence["dates"] == ["2026-08-25", "2026-09-21"]
    assert evidence["count"] == 2 and evidence["threshold"] == 2
    assert (evidence["window_start"], evidence["window_end"]) == ("2026-08-24", "2026-09-21")
    assert early(events, "2027-05-03") == [evidence]  # still there in May
    report = student_report(
        StudentInput(STUDENT, enrollments=(enr("c1"),), attendance=events, school_days=DAYS,
                     sessions=SESSIONS),
        D("2026-11-20"),
        T,
    )
    (flag,) = [f for f in report.flags if f.code is FlagCode.EARLY]
    assert flag.severity is Severity.HIGH
    assert flag.message == "Absent 2 of the first 20 school days of the year (8/25, 9/21)"


def test_day_twenty_one_and_a_holiday_absence_do_not_count() -> None:
    # 9/22 is day 21; an event on the 9/7 holiday is not a school day's absence
    assert early((ev("2026-08-25"), ev("2026-09-22")), "2026-11-20") == []
    assert early((ev("2026-08-25"), ev("2026-09-07")), "2026-11-20") == []


def test_late_enrollee_counts_only_days_from_the_enrollment_begin() -> None:
    late = (enr("c1", "2026-09-08"),)
    # an absence recorded before the enrollment began does not count
    assert early((ev("2026-08-25"), ev("2026-09-08")), "2026-11-20", late) == []
    # the window is the school's first 20 days, not the student's: 9/22 is outside it
    assert early((ev("2026-09-08"), ev("2026-09-22")), "2026-11-20", late) == []
    (evidence,) = early((ev("2026-09-08"), ev("2026-09-21")), "2026-11-20", late)
    assert evidence["dates"] == ["2026-09-08", "2026-09-21"]


def test_period_built_days_count() -> None:
    two = (enr("c1"), enr("c2"))
    # absent from 1 of 2 classes on 8/26: half the classes, a full-day absence
    events = (ev("2026-08-26", cls="c1"), ev("2026-08-27"))
    (evidence,) = early(events, "2026-09-30", two)
    assert evidence["dates"] == ["2026-08-26", "2026-08-27"]
    three = (*two, enr("c3"))
    # 1 of 3 classes is not a full-day absence
    assert early(events, "2026-09-30", three) == []


def test_no_school_year_session_is_july_to_june() -> None:
    assert att.school_year_span((FALL,), D("2026-11-20")) == (D("2026-07-01"), D("2027-06-30"))
    assert att.school_year_span((FALL,), D("2026-03-02")) == (D("2025-07-01"), D("2026-06-30"))
    assert att.school_year_span(SESSIONS, D("2026-11-20")) == (YEAR.start_date, YEAR.end_date)
    # a July summer term is inside July-June: its days are the year's first school days
    summer = AcademicSession("sum", "Summer", SessionType.TERM, D("2026-07-06"), D("2026-07-31"))
    days = school_days("s1", (FALL, summer), CALENDAR)
    events = (ev("2026-08-25"), ev("2026-08-26"))
    assert early(events, "2026-11-20", sessions=(FALL, summer), days=days) == []
    (evidence,) = early(events, "2026-11-20", sessions=(FALL,), days=school_days(
        "s1", (FALL,), CALENDAR))
    assert evidence["dates"] == ["2026-08-25", "2026-08-26"]


def test_last_years_september_does_not_flag_this_year() -> None:
    events = (ev("2026-08-25"), ev("2026-08-26"))
    nxt = AcademicSession(
        "y2", "2027-2028", SessionType.SCHOOL_YEAR, D("2027-08-23"), D("2028-06-09")
    )
    fall2 = AcademicSession("f2", "Fall", SessionType.SEMESTER, D("2027-08-23"), D("2028-01-21"))
    sessions = (*SESSIONS, nxt, fall2)
    days = school_days("s1", sessions, CALENDAR)
    assert early(events, "2027-06-01", sessions=sessions, days=days) != []
    assert early(events, "2027-10-01", sessions=sessions, days=days) == []


def test_unknown_attendance_never_flags() -> None:
    events = (ev("2026-08-25"), ev("2026-08-26"))
    assert early(events, "2026-11-20", through=None) == []
    # attendance counted only through 8/25: the 8/26 absence is past it
    assert early(events, "2026-11-20", through=D("2026-08-25")) == []
    assert early(events, "2026-11-20", through=D("2026-08-26")) != []


def test_thresholds_are_configurable() -> None:
    t = Thresholds.from_mapping({"early_window_days": 5, "early_absences": 3})
    assert (t.early_window_days, t.early_absences) == (5, 3)
    assert (T.early_window_days, T.early_absences) == (20, 2)
    events = (ev("2026-08-25"), ev("2026-08-26"), ev("2026-08-31"))  # 8/31 is day 6
    report = student_report(
        StudentInput(STUDENT, enrollments=(enr("c1"),), attendance=events, school_days=DAYS,
                     sessions=SESSIONS),
        D("2026-11-20"),
        t,
    )
    assert FlagCode.EARLY not in {f.code for f in report.flags}
