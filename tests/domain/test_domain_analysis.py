"""The composition: a student's report, the class drill-down, the attendance summary, triage."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from caseload.domain.analysis import (
    ClassInput,
    StudentInput,
    attendance_summary,
    class_detail,
    class_is_current,
    report_from_facts,
    student_facts,
    student_report,
)
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    CalendarDay,
    Category,
    Enrollment,
    GradingMethod,
    GradingPolicy,
    Klass,
    LineItem,
    PolicyCategory,
    Result,
    Role,
    ScoreStatus,
    SessionType,
    User,
)
from caseload.domain.report import DayStatus, FlagCode, StudentMetrics, StudentReport, triage
from caseload.domain.schooldays import school_days
from caseload.domain.settings import Thresholds

D = dt.date.fromisoformat
AS_OF = D("2026-11-20")  # a Friday
T = Thresholds()
_ids = itertools.count()

SESSIONS = (
    AcademicSession(
        "y",
        "2026-2027",
        SessionType.SCHOOL_YEAR,
        D("2026-08-24"),
        D("2027-06-11"),
        school_year=2027,
    ),
    AcademicSession(
        "fall",
        "Fall",
        SessionType.SEMESTER,
        D("2026-08-24"),
        D("2027-01-22"),
        parent_id="y",
        school_year=2027,
    ),
    AcademicSession(
        "spring",
        "Spring",
        SessionType.SEMESTER,
        D("2027-01-25"),
        D("2027-06-11"),
        parent_id="y",
        school_year=2027,
    ),
    AcademicSession(
        "q1", "Q1", SessionType.GRADING_PERIOD, D("2026-08-24"), D("2026-10-30"), parent_id="fall"
    ),
    AcademicSession(
        "q2", "Q2", SessionType.GRADING_PERIOD, D("2026-11-02"), D("2027-01-22"), parent_id="fall"
    ),
    AcademicSession(
        "other",
        "Other school",
        SessionType.SEMESTER,
        D("2026-07-01"),
        D("2026-07-31"),
        school_id="s2",
    ),
)
CALENDAR = (CalendarDay("s1", D("2026-09-07"), False),)
DAYS = school_days("s1", SESSIONS, CALENDAR)
STUDENT = User(
    "stu1", Role.STUDENT, "Ana", "Zeller", grade_level="10", identifier="L-1", school_id="s1"
)


def li(cid: str, iid: str, cat: str, mx: float, due: str) -> LineItem:
    return LineItem(iid, cid, iid, cat, due_date=D(due), max_points=mx)


def res(
    iid: str,
    score: float | None,
    status: ScoreStatus = ScoreStatus.FULLY_GRADED,
    on: str | None = None,
) -> Result:
    return Result(f"r{next(_ids)}", iid, "stu1", score, status, score_date=D(on) if on else None)


def absent(
    day: str,
    cat: AttendanceCategory = AttendanceCategory.UNEXCUSED_ABSENCE,
    class_id: str | None = None,
) -> AttendanceEvent:
    return AttendanceEvent(f"a{next(_ids)}", "stu1", D(day), cat, class_id=class_id)


def algebra() -> ClassInput:
    # Failing since mid-October: weekly 50% from 10-18 on, then a missing item this week.
    cat = Category("alg-hw", "Homework", None, "alg")
    items = (
        li("alg", "a1", "alg-hw", 10, "2026-10-14"),
        li("alg", "a2", "alg-hw", 10, "2026-11-18"),
    )
    return ClassInput(
        Klass("alg", "Algebra I", period="2", term_ids=("fall",)),
        "Ng, Lee",
        items,
        (res("a1", 5), res("a2", None, ScoreStatus.NOT_SUBMITTED)),
        (cat,),
        None,
        D("2026-08-24"),
        D("2027-01-22"),
        class_result_dates=(D("2026-11-18"),),
    )


def biology() -> ClassInput:
    # 90% until this week, 65% at D: GRADE_DROP and LOW_GRADE.
    cats = (Category("bio-t", "Tests", 60, "bio"), Category("bio-h", "Homework", 40, "bio"))
    items = (
        li("bio", "b1", "bio-t", 100, "2026-10-07"),
        li("bio", "b2", "bio-h", 10, "2026-10-08"),
        li("bio", "b3", "bio-t", 100, "2026-11-17"),
    )
    return ClassInput(
        Klass("bio", "Biology", period="1"),
        "Park, Jo",
        items,
        (res("b1", 90), res("b2", 9), res("b3", 15)),
        cats,
        GradingPolicy(
            "bio",
            GradingMethod.WEIGHTED,
            (PolicyCategory("bio-t", 60), PolicyCategory("bio-h", 40)),
        ),
        D("2026-08-24"),
        D("2027-01-22"),
        class_result_dates=(D("2026-11-17"),),
    )


def chemistry() -> ClassInput:
    # The teacher stopped posting at the end of October.
    items = (li("chem", "c1", "x", 10, "2026-10-30"),)
    return ClassInput(
        Klass("chem", "Chemistry", period="3"),
        "Roe, Al",
        items,
        (res("c1", 9),),
        (),
        None,
        D("2026-08-24"),
        D("2027-01-22"),
        class_result_dates=(D("2026-10-30"), D("2026-10-29"), D("2026-10-30")),
    )


def spanish() -> ClassInput:
    # A spring class: not current at D.
    return ClassInput(
        Klass("spa", "Spanish II", period="4"),
        "Diaz, Eva",
        (),
        (),
        (),
        None,
        D("2027-01-25"),
        D("2027-06-11"),
    )


ENROLLMENTS = tuple(
    Enrollment(f"e-{c}", c, "stu1", Role.STUDENT, begin_date=D("2026-08-24"))
    for c in ("alg", "bio", "chem", "spa")
)


def student(**kw: object) -> StudentInput:
    base: dict[str, object] = dict(
        student=STUDENT,
        counselor_ids=("co1",),
        enrollments=ENROLLMENTS,
        classes=(algebra(), biology(), chemistry(), spanish()),
        attendance=(
            absent("2026-11-02"),
            absent("2026-11-05"),
            absent("2026-11-18"),
            absent("2026-11-19"),
            absent("2026-11-20"),
            absent("2026-10-01", AttendanceCategory.EXCUSED_ABSENCE),
            absent("2026-10-02", AttendanceCategory.TARDY),
            # Period records: 2 of 4 classes -> a full-day (excused) absence on 10-05.
            absent("2026-10-05", AttendanceCategory.EXCUSED_ABSENCE, "alg"),
            absent("2026-10-05", AttendanceCategory.UNEXCUSED_ABSENCE, "bio"),
            # Someone else's record is ignored.
            AttendanceEvent("x", "other", D("2026-11-17"), AttendanceCategory.UNEXCUSED_ABSENCE),
        ),
        incident_dates=(D("2026-09-15"), D("2026-10-20"), D("2026-12-01")),
        school_days=DAYS,
        sessions=SESSIONS,
        note_dates=(D("2026-11-10"), D("2026-11-01"), D("2026-11-25")),
    )
    base.update(kw)
    return StudentInput(**base)  # type: ignore[arg-type]


def enrolled_days_to(as_of: dt.date) -> int:
    return sum(1 for d in DAYS if D("2026-08-24") <= d <= as_of)


def test_student_report_metrics() -> None:
    r = student_report(student(), AS_OF, T)
    m = r.metrics
    n = enrolled_days_to(AS_OF)
    assert m.school_days == n == 64  # 65 weekdays 08-24..11-20, minus Labor Day
    assert m.days_absent == 7  # 5 unexcused, 10-01 excused, 10-05 by periods
    assert m.attendance_rate == pytest.approx(100 * (n - 7) / n)
    assert m.unexcused_30d == 5
    assert m.absence_streak == 3
    assert m.unexcused_grading_period == 5  # Q2 from 11-02
    assert m.unexcused_term == 5 and m.unexcused_year == 5
    assert m.incidents_year == 2  # 12-01 is after D
    assert [c.id for c in m.classes] == ["bio", "alg", "chem"]  # by period; spring left out
    alg = m.classes[1]
    assert alg.grade == pytest.approx(25.0)
    assert alg.weekly[0] == (D("2026-10-18"), 50.0) and alg.weekly[-1] == (D("2026-11-15"), 50.0)
    assert alg.missing == 1 and alg.last_score_date == D("2026-10-14")
    assert alg.teacher == "Ng, Lee" and alg.period == "2"
    assert m.classes[2].stale and not alg.stale
    assert r.name == "Zeller, Ana" and r.grade_level == "10" and r.local_id == "L-1"
    assert r.days_since_note == 10  # the 11-25 note is after D
    json.dumps(r.to_json())


def test_student_report_flags() -> None:
    r = student_report(student(), AS_OF, T)
    got = [(f.code, f.class_id) for f in r.flags]
    assert got == [
        (FlagCode.ABSENCE_STREAK, None),
        (FlagCode.CHRONIC_ABSENCE, None),
        (FlagCode.FAILING_STREAK, "alg"),
        (FlagCode.UNEXCUSED_ABSENCES, None),
        (FlagCode.BEHAVIOR, None),
        (FlagCode.GRADE_DROP, "bio"),
        (FlagCode.LOW_GRADE, "bio"),
        (FlagCode.STALE_GRADEBOOK, "chem"),
    ]
    assert r.risk == 3 * 4 + 2 * 3 + 1
    bio = next(f for f in r.flags if f.code is FlagCode.GRADE_DROP)
    assert bio.message.startswith("Biology: ")


def test_truancy_flag_from_the_grading_period() -> None:
    extra = tuple(absent(d) for d in ("2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12"))
    r = student_report(student(attendance=student().attendance + extra), AS_OF, T)
    assert r.metrics.unexcused_grading_period == 9
    assert FlagCode.TRUANCY in {f.code for f in r.flags}
    # Without grading-period sessions, the 8-day limit is not checked (term count 9 < 15).
    no_gp = tuple(s for s in SESSIONS if s.type is not SessionType.GRADING_PERIOD)
    r = student_report(student(attendance=student().attendance + extra, sessions=no_gp), AS_OF, T)
    assert r.metrics.unexcused_grading_period == 9  # falls back to the term's count
    assert FlagCode.TRUANCY not in {f.code for f in r.flags}


def test_late_enrollment_and_no_notes() -> None:
    late = tuple(
        Enrollment(e.sourced_id, e.class_id, e.user_id, e.role, begin_date=D("2026-11-16"))
        for e in ENROLLMENTS
    )
    r = student_report(student(enrollments=late, note_dates=()), AS_OF, T)
    assert r.metrics.school_days == 5
    assert r.metrics.days_absent == 3
    assert r.days_since_note is None
    codes = {f.code for f in r.flags}
    assert FlagCode.CHRONIC_ABSENCE not in codes  # fewer than 10 enrolled days


def test_dropped_class_is_not_current() -> None:
    assert class_is_current(D("2026-08-24"), D("2027-01-22"), (), AS_OF)
    assert not class_is_current(D("2027-01-25"), None, (), AS_OF)
    assert not class_is_current(None, D("2026-11-19"), (), AS_OF)
    assert not class_is_current(None, None, ((None, D("2026-11-01")),), AS_OF)
    assert class_is_current(None, None, ((None, D("2026-11-01")), (D("2026-11-10"), None)), AS_OF)


def test_facts_are_as_of_independent() -> None:
    inp = student()
    facts = student_facts(inp, T)
    for day in (D("2026-09-30"), D("2026-10-21"), AS_OF, D("2026-12-18")):
        assert report_from_facts(facts, day, T) == student_report(inp, day, T)


def test_missing_counts_as_zero_off() -> None:
    t = Thresholds(missing_counts_as_zero=False)
    r = student_report(student(), AS_OF, t)
    alg = next(c for c in r.metrics.classes if c.id == "alg")
    assert alg.grade == pytest.approx(50.0)
    assert alg.missing == 1  # still missing work


def test_class_detail() -> None:
    d = class_detail(student(), "bio", AS_OF, T)
    assert d.policy_text == "weighted: Tests 60%, Homework 40%"
    assert d.grade == pytest.approx(0.6 * 52.5 + 0.4 * 90)
    assert [c.title for c in d.categories] == ["Tests", "Homework"]
    assert d.what_if.fewest_to_70 is None  # nothing missing to turn in
    assert d.teacher == "Park, Jo" and d.period == "1"
    a = class_detail(student(), "alg", AS_OF, T)
    assert a.what_if.grade_if_all_missing_in == pytest.approx(75.0)
    assert a.what_if.fewest_to_70 == ("a2",)
    assert a.policy_text == "points"  # the category has no weight
    assert class_detail(student(), "chem", AS_OF, T).stale
    with pytest.raises(KeyError):
        class_detail(student(), "nope", AS_OF, T)


def test_attendance_summary() -> None:
    s = attendance_summary(student(), AS_OF, T)
    days = dict(s.days)
    assert s.days[0][0] == D("2026-08-24") and s.days[-1][0] == AS_OF
    assert days[D("2026-10-02")] is DayStatus.TARDY
    assert days[D("2026-10-05")] is DayStatus.EXCUSED  # 1 excused vs 1 unexcused period
    assert days[D("2026-09-07")] is DayStatus.NO_SCHOOL
    assert s.current_streak == 3
    assert s.truancy[0] == ("grading period", 8, 5, 3)


def _report(name: str, risk_flags: int, since: int | None) -> StudentReport:
    from caseload.domain import flags as rules

    flags = tuple(rules.behavior([AS_OF, AS_OF], T) for _ in range(risk_flags))
    return StudentReport(
        name,
        name,
        "9",
        (),
        tuple(f for f in flags if f),
        StudentMetrics(0, 0, None, 0, 0, 0, 0, 0, 0),
        days_since_note=since,
    )


def test_triage_order_risk_then_days_since_note_none_first_then_name() -> None:
    reports = [
        _report("Baker, B", 1, 5),
        _report("Adams, A", 1, 5),
        _report("Cole, C", 1, None),
        _report("Dunn, D", 1, 30),
        _report("Evans, E", 2, 0),
        _report("Ford, F", 0, None),
    ]
    assert [r.name for r in triage(reports)] == [
        "Evans, E",
        "Cole, C",
        "Dunn, D",
        "Adams, A",
        "Baker, B",
        "Ford, F",
    ]
