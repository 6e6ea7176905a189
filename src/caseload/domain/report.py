"""What the analytics produce: flags, per-class and per-student metrics, the triage report.

These mirror the ``caseload flags --format json`` contract in docs/DATA_FORMATS.md. The TUI,
the CLI and the exports all read these objects; none of them recompute a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from caseload.domain.frozen import quick_init
from caseload.domain.records import Guardian
from caseload.domain.rounding import round_half_up
from caseload.domain.schooldays import WeekdaysOnly
from caseload.domain.text import CODE_ECHOED, given


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def points(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class FlagCode(StrEnum):
    FAILING_STREAK = "FAILING_STREAK"
    LOW_GRADE = "LOW_GRADE"
    GRADE_DROP = "GRADE_DROP"
    UNEXCUSED_ABSENCES = "UNEXCUSED_ABSENCES"
    CHRONIC_ABSENCE = "CHRONIC_ABSENCE"
    ABSENCE_STREAK = "ABSENCE_STREAK"
    TRUANCY = "TRUANCY"
    STALE_GRADEBOOK = "STALE_GRADEBOOK"
    BEHAVIOR = "BEHAVIOR"
    EARLY = "EARLY"

    @property
    def label(self) -> str:
        """A short label for tables (readable without colour)."""
        return FLAG_LABELS[self]

    @classmethod
    def parse(cls, value: str | FlagCode) -> FlagCode:
        """``value`` (any case, spaces around it ignored) as a FlagCode: a kind of flag the
        rules (``caseload.domain.flags``) raise. ValueError naming every code when it is not
        one; the value itself is repeated only when short (a code has at most 18
        characters: a longer value may be a note's text typed in the wrong option)."""
        if isinstance(value, FlagCode):
            return value
        text = str(value).strip().upper()
        try:
            return cls(text)
        except ValueError:
            valid = ", ".join(sorted(c.value for c in cls))
            raise ValueError(f"unknown flag code {given(value, FLAG_CODE_ECHOED)} "
                             f"(expected one of: {valid})") from None


# The longest value a flag code error repeats (FlagCode.parse).
FLAG_CODE_ECHOED = CODE_ECHOED


FLAG_LABELS: dict[FlagCode, str] = {
    FlagCode.FAILING_STREAK: "FAIL3W",
    FlagCode.LOW_GRADE: "LOW",
    FlagCode.GRADE_DROP: "DROP",
    FlagCode.UNEXCUSED_ABSENCES: "UNX30",
    FlagCode.CHRONIC_ABSENCE: "CHRONIC",
    FlagCode.ABSENCE_STREAK: "STREAK",
    FlagCode.TRUANCY: "TRUANT",
    FlagCode.STALE_GRADEBOOK: "STALE",
    FlagCode.BEHAVIOR: "BEHAV",
    FlagCode.EARLY: "EARLY",
}


@quick_init
@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode
    severity: Severity
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    class_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "class_id": self.class_id,
            "message": self.message,
            "evidence": self.evidence,
        }


@quick_init
@dataclass(frozen=True, slots=True)
class ClassMetrics:
    id: str
    title: str
    teacher: str | None  # "Last, First"
    grade: float | None  # unrounded; None when nothing counts yet
    weekly: tuple[tuple[dt.date, float], ...]  # (Sunday ending the week, grade), complete weeks
    last_score_date: dt.date | None
    missing: int
    period: str | None = None
    stale: bool = False
    gradebook: bool = True  # False: the class has no line items ("no gradebook", grade None)
    stale_since: dt.date | None = None  # STALE: the class's last result (any student) before D

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "teacher": self.teacher,
            "grade": _r(self.grade),
            "weekly": [[d.isoformat(), _r(g)] for d, g in self.weekly],
            "last_score_date": self.last_score_date.isoformat() if self.last_score_date else None,
            # no gradebook (no line items): nothing can be missing or not, so null, never 0
            "missing": self.missing if self.gradebook else None,
            "gradebook": self.gradebook,
        }


@quick_init
@dataclass(frozen=True, slots=True)
class StudentMetrics:
    """A student's figures at D. The attendance figures (``days_absent`` to ``unexcused_year``)
    are None when no attendance was loaded for the student's school (unknown, never 0 or
    100%); ``attendance_through`` is D, or the earlier day the school's attendance was
    recorded through (None when unknown): the last day they count, unless every enrollment of
    the student ended before it (they then count through the last enrolled day).
    ``school_days`` counts the enrolled school days to the last day they count."""

    school_days: int
    days_absent: int | None
    attendance_rate: float | None  # unrounded percentage; None with no school days or unknown
    unexcused_30d: int | None
    absence_streak: int | None
    unexcused_grading_period: int | None
    unexcused_term: int | None
    unexcused_year: int | None
    incidents_year: int
    classes: tuple[ClassMetrics, ...] = ()
    attendance_through: dt.date | None = None
    # why ``school_days`` (and so every attendance figure) count every weekday in the terms,
    # holidays and breaks included (AttendanceSeries.weekdays_only); None: the school's
    # calendar marks days off
    school_days_all_weekdays: WeekdaysOnly | None = None

    @property
    def attendance_known(self) -> bool:
        return self.days_absent is not None

    @property
    def classes_below_70(self) -> int:
        return sum(1 for c in self.classes if c.grade is not None and c.grade < 70)

    @property
    def lowest_grade(self) -> float | None:
        grades = [c.grade for c in self.classes if c.grade is not None]
        return min(grades) if grades else None

    def to_json(self) -> dict[str, Any]:
        return {
            "school_days": self.school_days,
            "days_absent": self.days_absent,
            "attendance_rate": _r(self.attendance_rate),
            "unexcused_30d": self.unexcused_30d,
            "absence_streak": self.absence_streak,
            "unexcused_grading_period": self.unexcused_grading_period,
            "unexcused_term": self.unexcused_term,
            "unexcused_year": self.unexcused_year,
            "incidents_year": self.incidents_year,
            "attendance_through": _iso(self.attendance_through),
            "school_days_all_weekdays": (None if self.school_days_all_weekdays is None
                                         else self.school_days_all_weekdays.code),
            "classes": [c.to_json() for c in self.classes],
        }


@quick_init
@dataclass(frozen=True, slots=True)
class StudentReport:
    id: str
    name: str  # "Last, First"
    grade_level: str | None
    counselor_ids: tuple[str, ...]
    flags: tuple[Flag, ...]
    metrics: StudentMetrics
    days_since_note: int | None = None  # None: no intervention note yet
    local_id: str | None = None

    @property
    def risk(self) -> int:
        return risk_of(self.flags)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "grade_level": self.grade_level,
            "counselor_ids": list(self.counselor_ids),
            "risk": self.risk,
            "attendance_through": _iso(self.metrics.attendance_through),
            "flags": [f.to_json() for f in self.flags],
            "metrics": self.metrics.to_json(),
        }


ONCE_PER_STUDENT = frozenset({FlagCode.STALE_GRADEBOOK})
"""Flags that add their points to a student's risk once, however many classes raise them: a
stale gradebook is the teacher's, and three stale classes do not make a student three times more
at risk (issue 12)."""


def known_below_70(figures: StudentMetrics | CaseloadRow) -> int | None:
    """How many classes are below 70, as shown: None when no class has a grade (unknown,
    never 0), as the lowest grade is then."""
    return None if figures.lowest_grade is None else figures.classes_below_70


def risk_points(flags: Iterable[Flag]) -> list[tuple[Flag, int]]:
    """Each flag with the points it adds to the risk: its severity's points, or 0 for a
    repeat of a once-per-student flag (the first one in the given order counts)."""
    seen: set[FlagCode] = set()
    out = []
    for f in flags:
        if f.code in ONCE_PER_STUDENT:
            if f.code in seen:
                out.append((f, 0))
                continue
            seen.add(f.code)
        out.append((f, f.severity.points))
    return out


def risk_of(flags: Iterable[Flag]) -> int:
    """A student's risk: the sum of ``risk_points``."""
    return sum(p for _, p in risk_points(flags))


_R = TypeVar("_R", "StudentReport", "CaseloadRow")


def triage_key(report: StudentReport | CaseloadRow) -> tuple[int, int, str, str]:
    """Risk descending, then days since the last note descending (none first), then name
    (then id, so students who share a name keep one order everywhere)."""
    since = report.days_since_note
    return (-report.risk, -(10**9 if since is None else since), report.name.casefold(),
            report.id)


def triage(reports: list[_R]) -> list[_R]:
    return sorted(reports, key=triage_key)


class FlagTag(NamedTuple):
    """A flag's code and severity: what a table row shows of it."""

    code: FlagCode
    severity: Severity


class CaseloadRow(NamedTuple):
    """One row of the caseload table: a student's report without messages, evidence or
    per-class metrics. The store persists these per as-of date (``store/ranking.py``) so a
    75,000-student "all students" view reads rows instead of computing every report. A
    NamedTuple: tens of thousands are built per read."""

    id: str
    name: str  # "Last, First"
    grade_level: str | None
    local_id: str | None
    counselor_ids: tuple[str, ...]
    flags: tuple[FlagTag, ...]
    risk: int  # the sum of the flags' severities
    attendance_rate: float | None
    unexcused_30d: int | None  # None: unknown (no attendance data, or none in its window)
    absence_streak: int | None  # None: no attendance data for the student, unknown
    classes_below_70: int
    lowest_grade: float | None
    days_since_note: int | None = None
    attendance_through: dt.date | None = None  # StudentMetrics.attendance_through

    @property
    def attendance_known(self) -> bool:
        return self.absence_streak is not None

    @classmethod
    def from_report(cls, report: StudentReport) -> CaseloadRow:
        m = report.metrics
        return cls(
            id=report.id,
            name=report.name,
            grade_level=report.grade_level,
            local_id=report.local_id,
            counselor_ids=report.counselor_ids,
            flags=tuple(FlagTag(f.code, f.severity) for f in report.flags),
            risk=report.risk,
            attendance_rate=m.attendance_rate,
            unexcused_30d=m.unexcused_30d,
            absence_streak=m.absence_streak,
            classes_below_70=m.classes_below_70,
            lowest_grade=m.lowest_grade,
            days_since_note=report.days_since_note,
            attendance_through=m.attendance_through,
        )


def _r(value: float | None) -> float | None:
    return None if value is None else round_half_up(value)


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- Drill-down views (student and class screens, PDF summary) -------------------------------


class DayStatus(StrEnum):
    """A school day's status for the attendance calendar. The letter is shown in the cell."""

    PRESENT = "present"
    TARDY = "tardy"  # tardy, early departure or partial: at school, not a full-day absence
    EXCUSED = "excused"
    UNEXCUSED = "unexcused"
    NO_SCHOOL = "no_school"
    NOT_ENROLLED = "not_enrolled"

    @property
    def letter(self) -> str:
        return {"present": "P", "tardy": "T", "excused": "E", "unexcused": "U",
                "no_school": "·", "not_enrolled": " "}[self.value]


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    """The student screen's attendance (``attendance.attendance_summary``). ``known`` False: no
    attendance was loaded for the student's school (no days, no figures: unknown).
    ``through``: the day the school's attendance was recorded through, when before the as-of
    date (``days`` and the figures end there); None otherwise. ``enrolled_until``: the
    student's last enrolled day (every enrollment of theirs ended), when it ends the count
    before both (``days`` and the figures end there); None otherwise. ``year_from``: the first
    day of the school year ``days`` belong to, counting the summer before its first day
    (``attendance.year_from``): a note dated from it up to ``days``' first day belongs to this
    year; None: ``days``' first day (no attendance known)."""

    days: tuple[tuple[dt.date, DayStatus], ...]  # every calendar day from year start to as-of
    current_streak: int | None
    longest_streak: int | None
    unexcused_by_month: tuple[tuple[str, int], ...]  # ("2026-09", 2)
    attendance_rate: float | None
    # Maryland truancy limits: (label, limit, used, days left before the limit is passed)
    truancy: tuple[tuple[str, int, int, int], ...]
    known: bool = True
    through: dt.date | None = None
    enrolled_until: dt.date | None = None
    year_from: dt.date | None = None


class AssignmentStatus(StrEnum):
    SCORED = ""
    MISSING = "missing"
    LATE = "late"
    EXEMPT = "exempt"
    DROPPED = "dropped"
    PENDING = "pending"  # submitted, not yet graded
    NOT_DUE = "not yet due"  # nothing turned in, due after as-of (domain/assignments.py)
    EXCUSED = "excused"  # exempt, the source said excused (domain/assignments.py)


@dataclass(frozen=True, slots=True)
class AssignmentView:
    line_item_id: str
    due_date: dt.date | None
    category: str | None
    title: str
    score: float | None
    max_points: float | None
    percent: float | None
    status: tuple[AssignmentStatus, ...]
    comment: str | None = None
    # missing with nothing entered for the student (no result known at D), not marked missing
    # or not submitted by the teacher: the student screen's Missing column counts only those
    unrecorded: bool = False


@dataclass(frozen=True, slots=True)
class CategoryBreakdown:
    category_id: str | None
    title: str
    weight: float | None  # renormalized share in percent for weighted classes; None for points
    percent: float | None
    earned: float
    possible: float
    counted: int
    dropped: int


@dataclass(frozen=True, slots=True)
class WhatIf:
    grade_now: float | None
    grade_if_all_missing_in: float | None
    # the fewest missing assignments (line item ids, in the order to turn them in) that lift a
    # grade below 70 to 70 or more; empty when already 70+, None when even all of them can't
    fewest_to_70: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class ClassDetail:
    class_id: str
    title: str
    teacher: str | None
    period: str | None
    policy_text: str  # "weighted: Tests 50%, Homework 30%, Classwork 20%; drop lowest 1 homework"
    grade: float | None
    weekly: tuple[tuple[dt.date, float], ...]
    categories: tuple[CategoryBreakdown, ...]
    assignments: tuple[AssignmentView, ...]
    what_if: WhatIf
    last_score_date: dt.date | None = None
    stale: bool = False
    gradebook: bool = True  # False: the class has no line items
    stale_since: dt.date | None = None  # STALE: the class's last result (any student) before D


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident_id: str
    date: dt.date
    behavior: str | None
    description: str | None
    location: str | None


@dataclass(frozen=True, slots=True)
class StudentDetail:
    report: StudentReport
    local_id: str | None
    state_id: str | None
    school: str | None
    counselors: tuple[str, ...]  # names, "Last, First"
    attendance: AttendanceSummary
    incidents: tuple[IncidentView, ...]
    legal_name: str | None = None  # "Family, Given" when the shown name is a preferred one
    guardians: tuple[Guardian, ...] = ()  # parents, guardians, relatives; primary first
    # why the student's school days are every weekday in the terms (no school, no calendar, a
    # calendar with no day off); None: the school's calendar marks days off
    weekdays_only: WeekdaysOnly | None = None


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    what: str  # "grades", "attendance", "roster"
    source: str
    synced_at: dt.datetime | None
