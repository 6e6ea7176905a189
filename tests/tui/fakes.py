"""A hand-made CaseloadReader for the TUI tests: 12 students, 2 counselors, realistic values.

Deterministic (seeded by student id), so snapshots are stable. Two names carry markup
(``[bold]``, ``[link=...]``) and one an ANSI escape, to prove the TUI shows data literally.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterable

from caseload.domain.records import Role, User
from caseload.domain.report import (
    AssignmentStatus,
    AssignmentView,
    AttendanceSummary,
    CaseloadRow,
    CategoryBreakdown,
    ClassDetail,
    ClassMetrics,
    DayStatus,
    Flag,
    FlagCode,
    IncidentView,
    Severity,
    SourceFreshness,
    StudentDetail,
    StudentMetrics,
    StudentReport,
    WhatIf,
    triage,
)
from caseload.domain.search import DirectoryEntry

AS_OF = dt.date(2026, 1, 15)
NOW = dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)
YEAR_START = dt.date(2025, 8, 25)

MARKUP_NAME = "[bold]Castillo[/bold], Ana"
ANSI_NAME = "Diaz\x1b[31m, Luis"
LINK_NAME = "[link=http://x]Lee[/link], Sam"

COUNSELORS = [
    User("c-rivera", Role.COUNSELOR, "Ana", "Rivera", identifier="T100"),
    User("c-okafor", Role.COUNSELOR, "James", "Okafor", identifier="T200"),
]

CLASS_CATALOG = [
    ("alg1", "Algebra I", "Smith, John", "1"),
    ("eng9", "English 9", "Nguyen, Lan", "2"),
    ("bio", "Biology", "Patel, Ravi", "3"),
    ("hist", "World History", "O'Brien, Kate", "4"),
    ("span", "Spanish I", "Morales, Elena", "5"),
    ("art", "Studio Art", "Kim, Dana", "6"),
]

# id, name, grade, counselors, class grade targets, unexcused 30d, streak, days since note,
# flags (code, severity, message, class id)
_PLAN: list[tuple] = [
    ("s001", "Abbott, Maya", "9", ("c-rivera",), (52, 61, 74, 80, 68, 90), 4, 0, 21, [
        (FlagCode.FAILING_STREAK, Severity.HIGH, "Below 60% in Algebra I for 3 straight weeks", "alg1"),
        (FlagCode.LOW_GRADE, Severity.MEDIUM, "Biology is 61.0% (below 70%)", "bio"),
        (FlagCode.UNEXCUSED_ABSENCES, Severity.HIGH, "4 unexcused absences in the last 30 days", None),
    ]),
    ("s002", "Baker, Jordan", "10", ("c-rivera",), (71, 75, 69, 82, 77, 88), 6, 3, None, [
        (FlagCode.CHRONIC_ABSENCE, Severity.HIGH, "Attendance 84.5% (chronic: below 90%)", None),
        (FlagCode.ABSENCE_STREAK, Severity.MEDIUM, "Absent 3 school days in a row", None),
        (FlagCode.TRUANCY, Severity.HIGH, "8 unexcused days this grading period (limit 8)", None),
    ]),
    ("s003", MARKUP_NAME, "11", ("c-rivera",), (66, 78, 81, 85, 90, 93), 0, 0, 40, [
        (FlagCode.LOW_GRADE, Severity.MEDIUM, "Algebra I is 66.0% [below 70%]", "alg1"),
    ]),
    ("s004", ANSI_NAME, "12", ("c-rivera",), (79, 72, 88, 91, 84, 95), 1, 0, 7, [
        (FlagCode.GRADE_DROP, Severity.MEDIUM, "English 9 dropped 14 points in 3 weeks", "eng9"),
    ]),
    ("s005", "Evans, Priya", "9", ("c-rivera",), (88, 91, 85, 94, 90, 97), 0, 0, 60, [
        (FlagCode.STALE_GRADEBOOK, Severity.LOW, "World History: no new scores for 21 days", "hist"),
    ]),
    ("s006", "Fischer, Noah", "10", ("c-rivera", "c-okafor"), (74, 70, 77, 73, 80, 85), 2, 1, 12, [
        (FlagCode.BEHAVIOR, Severity.MEDIUM, "2 discipline incidents this year", None),
    ]),
    ("s007", "Garcia, Sofia", "11", ("c-rivera",), (92, 95, 89, 90, 94, 98), 0, 0, None, []),
    ("s008", "Huang, Kevin", "12", ("c-okafor",), (85, 83, 90, 88, 86, 92), 0, 0, 3, []),
    ("s009", "Ibrahim, Zara", "9", ("c-okafor",), (48, 58, 65, 72, 70, 80), 1, 0, 5, [
        (FlagCode.LOW_GRADE, Severity.HIGH, "Algebra I is 48.0% (below 60%)", "alg1"),
        (FlagCode.LOW_GRADE, Severity.MEDIUM, "English 9 is 58.0% (below 70%)", "eng9"),
    ]),
    ("s010", "Johnson, Tyler", "10", ("c-okafor",), (76, 80, 72, 79, 83, 90), 3, 0, 30, [
        (FlagCode.UNEXCUSED_ABSENCES, Severity.MEDIUM, "3 unexcused absences in the last 30 days",
         None),
    ]),
    ("s011", "Kowalski, Emma", "11", ("c-okafor",), (90, 87, 93, 91, 89, 96), 0, 0, None, []),
    ("s012", LINK_NAME, "12", ("c-okafor",), (81, 84, 86, 79, 88, 91), 0, 0, 14, []),
]


def _holidays() -> set[dt.date]:
    days = {dt.date(2025, 9, 1), dt.date(2025, 11, 27), dt.date(2025, 11, 28)}
    start = dt.date(2025, 12, 22)
    while start <= dt.date(2026, 1, 2):
        days.add(start)
        start += dt.timedelta(days=1)
    return days


HOLIDAYS = _holidays()


def school_days(until: dt.date = AS_OF) -> list[dt.date]:
    out = []
    day = YEAR_START
    while day <= until:
        if day.weekday() < 5 and day not in HOLIDAYS:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _weeks(until: dt.date) -> list[dt.date]:
    """The Sundays ending each complete week from the year start up to ``until``."""
    sunday = YEAR_START + dt.timedelta(days=6 - YEAR_START.weekday())
    out = []
    while sunday < until:
        out.append(sunday)
        sunday += dt.timedelta(days=7)
    return out


def _weekly(rng: random.Random, target: float, until: dt.date) -> tuple[tuple[dt.date, float], ...]:
    weeks = _weeks(until)
    start = min(100.0, target + rng.uniform(4, 14))
    out = []
    for i, sunday in enumerate(weeks):
        frac = i / max(1, len(weeks) - 1)
        value = start + (target - start) * frac + rng.uniform(-2.5, 2.5)
        out.append((sunday, round(max(0.0, min(100.0, value)), 1)))
    if out:
        out[-1] = (out[-1][0], float(target))
    return tuple(out)


def _classes(sid: str, targets: Iterable[float], as_of: dt.date) -> tuple[ClassMetrics, ...]:
    rng = random.Random(sid)
    out = []
    for (cid, title, teacher, period), target in zip(CLASS_CATALOG, targets, strict=True):
        stale = sid == "s005" and cid == "hist"
        last = as_of - dt.timedelta(days=21 if stale else rng.randint(1, 6))
        missing = 0 if target >= 85 else (3 if target < 60 else (2 if target < 70 else 1))
        out.append(ClassMetrics(
            id=cid, title=title, teacher=teacher, grade=float(target),
            weekly=_weekly(rng, float(target), as_of), last_score_date=last, missing=missing,
            period=period, stale=stale, stale_since=last if stale else None,
        ))
    return tuple(out)


def _report(plan: tuple, as_of: dt.date) -> StudentReport:
    sid, name, grade, counselors, targets, unx30, streak, since, flags = plan
    days = school_days(as_of)
    absent = unx30 * 3 + (6 if sid == "s002" else 1)
    rate = 100.0 * (len(days) - absent) / len(days)
    metrics = StudentMetrics(
        school_days=len(days), days_absent=absent, attendance_rate=rate,
        unexcused_30d=unx30, absence_streak=streak, unexcused_grading_period=unx30 + 1,
        unexcused_term=unx30 * 2, unexcused_year=unx30 * 3, incidents_year=2 if sid == "s006" else 0,
        classes=_classes(sid, targets, as_of),
    )
    return StudentReport(
        id=sid, name=name, grade_level=grade, counselor_ids=tuple(counselors),
        flags=tuple(Flag(code, sev, msg, class_id=cid) for code, sev, msg, cid in flags),
        metrics=metrics, days_since_note=since, local_id=f"L{sid[1:]}",
    )


def _attendance(report: StudentReport, as_of: dt.date) -> AttendanceSummary:
    rng = random.Random(report.id + "att")
    school = set(school_days(as_of))
    heavy = report.metrics.unexcused_30d
    days: list[tuple[dt.date, DayStatus]] = []
    day = YEAR_START
    while day <= as_of:
        if day not in school:
            status = DayStatus.NO_SCHOOL
        else:
            roll = rng.random()
            if roll < 0.01 * heavy + 0.005:
                status = DayStatus.UNEXCUSED
            elif roll < 0.02 * heavy + 0.02:
                status = DayStatus.EXCUSED
            elif roll < 0.02 * heavy + 0.06:
                status = DayStatus.TARDY
            else:
                status = DayStatus.PRESENT
        days.append((day, status))
        day += dt.timedelta(days=1)
    # the current streak: the last school days absent
    streak = report.metrics.absence_streak
    school_sorted = [d for d, s in days if s is not DayStatus.NO_SCHOOL]
    streak_days = set(school_sorted[-streak:]) if streak else set()
    days = [(d, DayStatus.UNEXCUSED if d in streak_days else s) for d, s in days]
    by_month: dict[str, int] = {}
    for d, s in days:
        key = f"{d.year:04d}-{d.month:02d}"
        by_month.setdefault(key, 0)
        if s is DayStatus.UNEXCUSED:
            by_month[key] += 1
    used_year = sum(by_month.values())
    return AttendanceSummary(
        days=tuple(days), current_streak=streak, longest_streak=max(streak, 2 if heavy else 1),
        unexcused_by_month=tuple(by_month.items()), attendance_rate=report.metrics.attendance_rate,
        truancy=(
            ("Grading period (8 unexcused)", 8, report.metrics.unexcused_grading_period,
             max(0, 8 - report.metrics.unexcused_grading_period)),
            ("School year (20 unexcused)", 20, used_year, max(0, 20 - used_year)),
        ),
    )


def _class_detail(report: StudentReport, metrics: ClassMetrics, as_of: dt.date) -> ClassDetail:
    rng = random.Random(report.id + metrics.id)
    grade = metrics.grade or 0.0
    categories = (
        CategoryBreakdown("tests", "Tests", 50.0, grade - 4, 180.0, 200.0, 2, 0),
        CategoryBreakdown("hw", "Homework", 30.0, grade + 3, 85.0, 100.0, 9, 1),
        CategoryBreakdown("cw", "Classwork", 20.0, min(100.0, grade + 6), 92.0, 100.0, 6, 0),
    )
    assignments: list[AssignmentView] = []
    due = as_of - dt.timedelta(days=60)
    missing_left = metrics.missing
    for i in range(12):
        category = ("Homework", "Classwork", "Tests")[i % 3]
        max_points = 100.0 if category == "Tests" else 10.0
        due = due + dt.timedelta(days=5)
        status: tuple[AssignmentStatus, ...] = ()
        score: float | None = round(max_points * min(1.0, rng.uniform(grade - 15, grade + 10) / 100))
        if missing_left and i % 4 == 1:
            status, score = (AssignmentStatus.MISSING,), None
            missing_left -= 1
        elif i == 3:
            status = (AssignmentStatus.LATE,)
        elif i == 6 and category == "Homework":
            status = (AssignmentStatus.DROPPED,)
        elif i == 10:
            status, score = (AssignmentStatus.EXEMPT,), None
        elif i == 11:
            status, score = (AssignmentStatus.NOT_DUE,), None
        title = f"{category} {i // 3 + 1}"
        if report.id == "s003" and i == 0:
            title = "[red]Unit 1[/red] review"
        percent = None if score is None else 100.0 * score / max_points
        comment = "Resubmit \x1b[1mplease" if report.id == "s004" and i == 2 else None
        assignments.append(AssignmentView(
            line_item_id=f"{metrics.id}-li{i}", due_date=due, category=category, title=title,
            score=score, max_points=max_points, percent=percent, status=status, comment=comment,
        ))
    missing_ids = tuple(a.line_item_id for a in assignments if AssignmentStatus.MISSING in a.status)
    if grade >= 70:
        fewest: tuple[str, ...] | None = ()
    elif grade < 50:
        fewest = None
    else:
        fewest = missing_ids[:2]
    return ClassDetail(
        class_id=metrics.id, title=metrics.title, teacher=metrics.teacher, period=metrics.period,
        policy_text="weighted: Tests 50%, Homework 30%, Classwork 20%; drop lowest 1 homework",
        grade=metrics.grade, weekly=metrics.weekly, categories=categories,
        assignments=tuple(assignments),
        what_if=WhatIf(grade_now=metrics.grade,
                       grade_if_all_missing_in=min(100.0, grade + 6.5 * metrics.missing),
                       fewest_to_70=fewest),
        last_score_date=metrics.last_score_date, stale=metrics.stale,
        stale_since=metrics.stale_since,
    )


class FakeReader:
    """Implements ``caseload.domain.ports.CaseloadReader`` in memory."""

    def __init__(self, *, extra_reports: list[StudentReport] | None = None,
                 fail: set[str] | None = None, delay: float = 0.0) -> None:
        self.extra = extra_reports or []
        self.fail = fail or set()
        self.delay = delay
        self.calls: list[tuple] = []
        self._lock = threading.Lock()
        self.stored_ranking = False
        self.rows_gate: threading.Event | None = None
        self.student_gate: threading.Event | None = None  # a test holds ``student`` back
        self.users: dict[str, User] = {}  # a test's own records (preferred names), by id

    def _record(self, *call: object) -> None:
        with self._lock:
            self.calls.append(call)
        if call[0] in self.fail:
            raise RuntimeError(f"{call[0]} exploded")
        if self.delay:
            threading.Event().wait(self.delay)

    def reports(self, as_of: dt.date) -> list[StudentReport]:
        return [_report(plan, as_of) for plan in _PLAN] + self.extra

    def counselors(self) -> list[User]:
        self._record("counselors")
        return list(COUNSELORS)

    def caseload(self, counselor_id: str | None, as_of: dt.date) -> list[StudentReport]:
        self._record("caseload", counselor_id, as_of)
        reports = self.reports(as_of)
        if counselor_id is not None:
            reports = [r for r in reports if counselor_id in r.counselor_ids]
        return triage(reports)

    def caseload_rows(self, counselor_id: str | None, as_of: dt.date) -> list[CaseloadRow]:
        if self.rows_gate is not None:  # a test holds the whole list back
            self.rows_gate.wait(10)
        return [CaseloadRow.from_report(r) for r in self.caseload(counselor_id, as_of)]

    def caseload_head(self, counselor_id: str | None, as_of: dt.date,
                      limit: int) -> tuple[list[CaseloadRow], int] | None:
        """Like a store with its ranking stored when ``stored_ranking`` is set, else None."""
        if not self.stored_ranking:
            return None
        self._record("caseload_head", counselor_id, as_of, limit)
        reports = self.caseload(counselor_id, as_of)
        return [CaseloadRow.from_report(r) for r in reports[:limit]], len(reports)

    def _find(self, student_id: str, as_of: dt.date) -> StudentReport:
        for plan in _PLAN:
            if plan[0] == student_id:
                return _report(plan, as_of)
        for report in self.extra:
            if report.id == student_id:
                return report
        raise KeyError(student_id)

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        self._record("student", student_id, as_of)
        if self.student_gate is not None:
            self.student_gate.wait(10)
        report = self._find(student_id, as_of)
        names = {c.sourced_id: c.sort_name for c in COUNSELORS}
        incidents: tuple[IncidentView, ...] = ()
        if report.id == "s006":
            incidents = (
                IncidentView("inc-1", dt.date(2025, 10, 3), "Disruption",
                             "Refused to stop [bold]yelling[/bold] in class", "Room 204"),
                IncidentView("inc-2", dt.date(2025, 12, 9), "Fighting",
                             "Pushing in the hallway\x1b[2J", "Hallway B"),
            )
        return StudentDetail(
            report=report, local_id=report.local_id, state_id=f"MD{report.id[1:]}00",
            school="Lincoln High School",
            counselors=tuple(names[c] for c in report.counselor_ids if c in names),
            attendance=_attendance(report, as_of), incidents=incidents,
            legal_name=(self.users[student_id].legal_name if student_id in self.users
                        and self.users[student_id].legal_name != report.name else None),
        )

    def class_detail(self, student_id: str, class_id: str, as_of: dt.date) -> ClassDetail:
        self._record("class_detail", student_id, class_id, as_of)
        report = self._find(student_id, as_of)
        for metrics in report.metrics.classes:
            if metrics.id == class_id:
                return _class_detail(report, metrics, as_of)
        raise KeyError((student_id, class_id))

    def student_directory(self) -> list[DirectoryEntry]:
        """Every student (all counselors') as a record: the report's "Family, Given" name
        split, or the test's own record from ``users``."""
        self._record("student_directory")
        names = {c.sourced_id: c.sort_name for c in COUNSELORS}
        out = []
        for report in self.reports(AS_OF):
            family, _, given = report.name.partition(", ")
            user = self.users.get(report.id) or User(
                report.id, Role.STUDENT, given, family, identifier=report.local_id)
            out.append(DirectoryEntry(user, tuple(sorted(
                names[c] for c in report.counselor_ids if c in names))))
        out.sort(key=lambda e: (e.student.sort_name.casefold(), e.id))
        return out

    def freshness(self) -> list[SourceFreshness]:
        self._record("freshness")
        return [
            SourceFreshness("grades", "oneroster-api", NOW - dt.timedelta(hours=2)),
            SourceFreshness("attendance", "oneroster-api", NOW - dt.timedelta(hours=26)),
            SourceFreshness("roster", "oneroster-csv", NOW - dt.timedelta(days=3)),
        ]


def many_reports(count: int, *, seed: int = 7) -> list[StudentReport]:
    """``count`` plain reports (for the big-table tests), cheap to build."""
    rng = random.Random(seed)
    flags_pool = [
        Flag(FlagCode.LOW_GRADE, Severity.MEDIUM, "low"),
        Flag(FlagCode.UNEXCUSED_ABSENCES, Severity.HIGH, "unx"),
        Flag(FlagCode.STALE_GRADEBOOK, Severity.LOW, "stale"),
    ]
    out = []
    for i in range(count):
        flags = tuple(f for f in flags_pool if rng.random() < 0.15)
        metrics = StudentMetrics(
            school_days=90, days_absent=rng.randint(0, 20), attendance_rate=rng.uniform(75, 100),
            unexcused_30d=rng.randint(0, 5), absence_streak=rng.randint(0, 3),
            unexcused_grading_period=0, unexcused_term=0, unexcused_year=0, incidents_year=0,
        )
        out.append(StudentReport(
            id=f"b{i:06d}", name=f"Student{i:06d}, Test", grade_level=str(9 + i % 4),
            counselor_ids=(), flags=flags, metrics=metrics, days_since_note=None,
        ))
    return out
