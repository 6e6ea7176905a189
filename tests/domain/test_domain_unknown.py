"""Unknown is unknown (issue 11 §1), in the pure domain.

* No attendance loaded for the student's school: every attendance figure is None (never 0 or
  100%), no attendance flag fires, the summary says it is unknown; ``school_days`` stays a number.
* Attendance recorded only through a day before D: the days after it are not taken as present;
  the figures count through that day and say so (``attendance_through``).
* A class without line items has no gradebook: listed, grade None, no STALE or grade flag.
  STALE is for a gradebook that had results and stopped moving.
"""

from __future__ import annotations

import datetime as dt
import json

from caseload.domain.analysis import (
    ClassInput,
    StudentInput,
    attendance_summary,
    class_detail,
    student_report,
)
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    Enrollment,
    Klass,
    LineItem,
    Result,
    Role,
    ScoreStatus,
    SessionType,
    User,
)
from caseload.domain.report import CaseloadRow, DayStatus, FlagCode
from caseload.domain.schooldays import school_days
from caseload.domain.settings import Thresholds

D = dt.date.fromisoformat
AS_OF = D("2026-11-20")  # a Friday
# thresholds that make every attendance rule fire on the least evidence: an unknown figure
# taken as 0 or as present would still trip them
EAGER = Thresholds(
    unexcused_count=0,
    chronic_rate=0.0,
    chronic_min_days=0,
    streak_days=0,
    truancy_grading_period=-1,
    truancy_term=-1,
    truancy_year=-1,
)
SESSIONS = (
    AcademicSession(
        "y", "2026-2027", SessionType.SCHOOL_YEAR, D("2026-08-24"), D("2027-06-11"),
        school_year=2027,
    ),
    AcademicSession(
        "fall", "Fall", SessionType.SEMESTER, D("2026-08-24"), D("2027-01-22"), parent_id="y",
        school_year=2027,
    ),
    AcademicSession(
        "q2", "Q2", SessionType.GRADING_PERIOD, D("2026-11-02"), D("2027-01-22"), parent_id="fall"
    ),
)
DAYS = school_days("s1", SESSIONS)
STUDENT = User("stu1", Role.STUDENT, "Ana", "Zeller", grade_level="10", school_id="s1")
ATTENDANCE_FIGURES = (
    "days_absent", "attendance_rate", "unexcused_30d", "absence_streak",
    "unexcused_grading_period", "unexcused_term", "unexcused_year",
)
ATTENDANCE_CODES = {
    FlagCode.UNEXCUSED_ABSENCES, FlagCode.CHRONIC_ABSENCE, FlagCode.ABSENCE_STREAK,
    FlagCode.TRUANCY,
}


def absent(day: str) -> AttendanceEvent:
    return AttendanceEvent(f"a-{day}", "stu1", D(day), AttendanceCategory.UNEXCUSED_ABSENCE)


def chemistry(*, gradebook: bool, last_result: str | None = "2026-10-01") -> ClassInput:
    """A class whose term started in August (STALE could apply): with or without line items."""
    klass = Klass("chem", "Chemistry", "crs", "s1", term_ids=("fall",))
    items = (LineItem("li1", "chem", "Lab 1", None, due_date=D("2026-10-01"), max_points=10),)
    results = (
        Result("r1", "li1", "stu1", 9.0, ScoreStatus.FULLY_GRADED, score_date=D(last_result)),
    ) if last_result else ()
    return ClassInput(
        klass=klass,
        line_items=items if gradebook else (),
        results=results if gradebook else (),
        term_start=D("2026-08-24"),
        term_end=D("2027-01-22"),
        class_result_dates=(D(last_result),) if gradebook and last_result else (),
    )


def student(**kw: object) -> StudentInput:
    base: dict[str, object] = {
        "student": STUDENT, "school_days": DAYS, "sessions": SESSIONS,
        "classes": (chemistry(gradebook=True),),
    }
    base.update(kw)
    return StudentInput(**base)  # type: ignore[arg-type]


# --- attendance: none loaded for the school ---------------------------------------------------


def test_no_attendance_loaded_is_unknown_not_perfect() -> None:
    report = student_report(student(attendance_through=None), AS_OF, EAGER)
    m = report.metrics
    for name in ATTENDANCE_FIGURES:
        assert getattr(m, name) is None, name
    assert m.attendance_through is None and not m.attendance_known
    assert m.school_days > 0  # the calendar is known; only attendance is not
    assert not {f.code for f in report.flags} & ATTENDANCE_CODES
    data = json.loads(json.dumps(report.to_json()))
    for name in ATTENDANCE_FIGURES:
        assert data["metrics"][name] is None, name
    assert data["attendance_through"] is None
    assert data["metrics"]["attendance_through"] is None
    assert isinstance(data["metrics"]["school_days"], int)
    row = CaseloadRow.from_report(report)
    assert (row.attendance_rate, row.unexcused_30d, row.absence_streak) == (None, None, None)
    assert not row.attendance_known


def test_the_same_student_with_attendance_known_is_present_by_exception() -> None:
    """Where the school has attendance, no record is a day present (as before)."""
    report = student_report(student(attendance_through=D("2026-11-20")), AS_OF, EAGER)
    m = report.metrics
    assert m.days_absent == 0 and m.attendance_rate == 100.0 and m.unexcused_30d == 0
    assert m.attendance_through == AS_OF and m.attendance_known
    assert report.to_json()["attendance_through"] == "2026-11-20"


def test_no_attendance_summary_says_unknown() -> None:
    summary = attendance_summary(student(attendance_through=None), AS_OF, EAGER)
    assert not summary.known
    assert summary.days == () and summary.truancy == ()
    assert summary.attendance_rate is None
    assert summary.current_streak is None and summary.longest_streak is None


# --- attendance: recorded through a day before D ----------------------------------------------


def test_days_after_the_last_recorded_day_are_not_present() -> None:
    """Absent the last three recorded days (Wed-Fri 11-11..11-13), recorded through 11-13, as
    of 11-20: the streak still ends on the last known day, and the five unrecorded school days
    (11-16..11-20) count neither as present nor as absent."""
    events = (absent("2026-11-11"), absent("2026-11-12"), absent("2026-11-13"))
    known = student(attendance=events, attendance_through=D("2026-11-13"))
    complete = student(attendance=events)  # the old reading: every later day present
    m = student_report(known, AS_OF, Thresholds()).metrics
    old = student_report(complete, AS_OF, Thresholds()).metrics
    assert old.school_days - m.school_days == 5
    assert m.days_absent == old.days_absent == 3
    assert m.absence_streak == 3 and old.absence_streak == 0
    assert m.attendance_rate is not None and old.attendance_rate is not None
    assert m.attendance_rate < old.attendance_rate
    assert m.attendance_through == D("2026-11-13")
    report = student_report(known, AS_OF, Thresholds())
    assert FlagCode.ABSENCE_STREAK in {f.code for f in report.flags}
    assert report.to_json()["metrics"]["attendance_through"] == "2026-11-13"

    summary = attendance_summary(known, AS_OF, Thresholds())
    assert summary.known and summary.through == D("2026-11-13")
    assert summary.days[-1] == (D("2026-11-13"), DayStatus.UNEXCUSED)  # nothing after it
    assert summary.current_streak == 3
    assert attendance_summary(complete, AS_OF, Thresholds()).through is None


def test_recorded_only_before_the_students_first_day_is_unknown_not_zero() -> None:
    """The school's attendance stops before the student's first school day this year (last
    year's records, or a student who enrolled after the last recorded day): none of the
    student's days is known, so every figure is None, not 0 absences, and no flag fires."""
    last_year = student(attendance_through=D("2026-06-12"))
    late = student(
        attendance_through=D("2026-10-09"),
        enrollments=(Enrollment("e1", "chem", "stu1", Role.STUDENT, D("2026-10-19")),),
    )
    for inp in (last_year, late):
        report = student_report(inp, AS_OF, EAGER)
        m = report.metrics
        for name in ATTENDANCE_FIGURES:
            assert getattr(m, name) is None, name
        assert not m.attendance_known and m.attendance_through is None
        assert not {f.code for f in report.flags} & ATTENDANCE_CODES
        assert not CaseloadRow.from_report(report).attendance_known
        summary = attendance_summary(inp, AS_OF, EAGER)
        assert not summary.known and summary.attendance_rate is None and summary.truancy == ()
    # a student who starts after D has no day to miss yet: known, nothing counted
    future = student(enrollments=(Enrollment("e1", "chem", "stu1", Role.STUDENT,
                                             D("2026-12-01")),))
    assert student_report(future, AS_OF, EAGER).metrics.days_absent == 0


def test_no_recorded_day_in_the_30_day_window_leaves_its_count_unknown() -> None:
    """Recorded through 10-09, as of 11-20: the year's figures count through 10-09, but no day
    of the 30-day window (10-22..11-20) is recorded: its count is None, not 0, and
    UNEXCUSED_ABSENCES cannot fire; the other attendance figures and flags still apply."""
    events = (absent("2026-10-07"), absent("2026-10-08"), absent("2026-10-09"))
    report = student_report(student(attendance=events, attendance_through=D("2026-10-09")),
                            AS_OF, Thresholds(unexcused_count=1))
    m = report.metrics
    assert m.unexcused_30d is None
    assert (m.days_absent, m.absence_streak, m.unexcused_year) == (3, 3, 3)
    assert m.attendance_known and m.attendance_through == D("2026-10-09")
    codes = {f.code for f in report.flags}
    assert FlagCode.UNEXCUSED_ABSENCES not in codes and FlagCode.ABSENCE_STREAK in codes
    row = CaseloadRow.from_report(report)
    assert row.attendance_known and row.unexcused_30d is None
    assert report.to_json()["metrics"]["unexcused_30d"] is None
    # the grading period (Q2, from 11-02) starts after the last recorded day: its count is
    # unknown too (not "0 of 8 used"); the term's and the year's stand
    assert m.unexcused_grading_period is None and m.unexcused_term == 3
    summary = attendance_summary(student(attendance=events, attendance_through=D("2026-10-09")),
                                 AS_OF, Thresholds())
    assert [t[0] for t in summary.truancy] == ["term", "school year"]
    # recorded into the window: counted as before
    inside = student_report(student(attendance=events, attendance_through=D("2026-10-23")),
                            AS_OF, Thresholds(unexcused_count=1)).metrics
    assert inside.unexcused_30d == 0


def test_a_30_day_window_with_no_school_day_counted_leaves_its_count_unknown() -> None:
    """The school year starts Monday 08-24. As of 08-15 (before it) no school day is counted:
    the rate is unknown (no school day), and so is the 30-day count, never a measured 0, in
    the metrics, the caseload row and the JSON; no UNEXCUSED_ABSENCES either. The same for a
    student whose enrollment begins after D, and one whose enrollment ended before the window;
    a window holding one counted school day (as of 08-24) counts again."""
    from caseload.domain.records import Enrollment

    def unx(report_student: StudentInput, as_of: dt.date) -> int | None:
        report = student_report(report_student, as_of, Thresholds(unexcused_count=0))
        assert FlagCode.UNEXCUSED_ABSENCES not in {f.code for f in report.flags} or (
            report.metrics.unexcused_30d is not None)
        row = CaseloadRow.from_report(report)
        assert row.unexcused_30d == report.metrics.unexcused_30d
        assert report.to_json()["metrics"]["unexcused_30d"] == report.metrics.unexcused_30d
        return report.metrics.unexcused_30d

    early = student_report(student(attendance_through=AS_OF), D("2026-08-15"), Thresholds())
    assert early.metrics.school_days == 0 and early.metrics.attendance_rate is None
    assert early.metrics.attendance_known  # the school's attendance is loaded
    assert unx(student(attendance_through=AS_OF), D("2026-08-15")) is None
    assert unx(student(attendance_through=AS_OF), D("2026-08-24")) == 0  # first day counts
    later = (Enrollment("e1", "chem", "stu1", Role.STUDENT, D("2026-12-01")),)
    assert unx(student(enrollments=later, attendance_through=AS_OF), AS_OF) is None
    ended = (Enrollment("e1", "chem", "stu1", Role.STUDENT, begin_date=D("2026-08-24"),
                        end_date=D("2026-10-02")),)
    assert unx(student(enrollments=ended, attendance_through=AS_OF), AS_OF) is None
    assert unx(student(enrollments=ended, attendance_through=AS_OF), D("2026-10-30")) == 0


def test_after_every_enrollment_ended_nothing_counts_and_no_streak_goes_on() -> None:
    """Absent Wed-Fri 11-11..11-13 and withdrawn on Friday 11-13, as of 11-20 with the school's
    attendance known through 11-20: the five later school days are not enrolled (not present,
    not absent), the absences before count, no current streak is left (it cannot go on), and
    "since 11-16" has 0 absences, not unknown. Unknown attendance still stops at 11-13."""
    from caseload.domain.analysis import student_facts
    from caseload.domain.changes import absences_between
    from caseload.domain.records import Enrollment

    events = (absent("2026-11-11"), absent("2026-11-12"), absent("2026-11-13"))
    left = (Enrollment("e1", "chem", "stu1", Role.STUDENT, begin_date=D("2026-08-24"),
                       end_date=D("2026-11-13")),)
    gone = student(attendance=events, enrollments=left, attendance_through=AS_OF)
    stays = student(attendance=events, attendance_through=AS_OF)
    m = student_report(gone, AS_OF, Thresholds()).metrics
    before = student_report(stays, AS_OF, Thresholds()).metrics
    assert before.school_days - m.school_days == 5
    assert m.days_absent == 3 and m.absence_streak == 0
    assert m.attendance_rate is not None and before.attendance_rate is not None
    assert m.attendance_rate < before.attendance_rate
    assert m.attendance_through == AS_OF  # the school's day, as before
    at_withdrawal = student_report(gone, D("2026-11-13"), Thresholds()).metrics
    assert at_withdrawal.absence_streak == 3  # on the day itself the streak is current
    summary = attendance_summary(gone, AS_OF, Thresholds())
    assert summary.enrolled_until == D("2026-11-13") and summary.through is None
    assert summary.days[-1] == (D("2026-11-13"), DayStatus.UNEXCUSED)
    assert summary.current_streak == 0
    facts = student_facts(gone, Thresholds())
    assert absences_between(facts, D("2026-11-15"), AS_OF) == 0
    assert absences_between(facts, D("2026-11-10"), AS_OF) == 3
    unknown = student_report(student(enrollments=left, attendance_through=None), AS_OF,
                             Thresholds()).metrics
    assert unknown.school_days == m.school_days and unknown.days_absent is None


def test_recorded_through_a_later_day_counts_through_as_of() -> None:
    m = student_report(student(attendance_through=D("2026-12-18")), AS_OF, EAGER).metrics
    assert m.attendance_through == AS_OF
    assert m.school_days == len([d for d in DAYS if d <= AS_OF])


# --- gradebook: none is not stale --------------------------------------------------------------


def test_a_class_without_line_items_has_no_gradebook_and_no_flag() -> None:
    t = Thresholds(stale_days=14)
    report = student_report(student(classes=(chemistry(gradebook=False),)), AS_OF, t)
    (chem,) = report.metrics.classes
    assert chem.id == "chem" and chem.grade is None and not chem.gradebook and not chem.stale
    assert report.flags == ()
    assert report.to_json()["metrics"]["classes"][0]["grade"] is None
    detail = class_detail(student(classes=(chemistry(gradebook=False),)), "chem", AS_OF, t)
    assert not detail.gradebook and not detail.stale and detail.grade is None


def test_line_items_nobody_was_scored_in_are_not_stale_either() -> None:
    ci = chemistry(gradebook=True, last_result=None)
    report = student_report(student(classes=(ci,)), AS_OF, Thresholds())
    assert report.metrics.classes[0].gradebook
    assert FlagCode.STALE_GRADEBOOK not in {f.code for f in report.flags}


def test_a_gradebook_that_had_results_and_stopped_is_stale() -> None:
    report = student_report(student(), AS_OF, Thresholds())
    assert [f.code for f in report.flags] == [FlagCode.STALE_GRADEBOOK]
    assert report.metrics.classes[0].stale and report.metrics.classes[0].gradebook
