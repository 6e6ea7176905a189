"""What changed since a date (issue 14 §2), pure: the comparison behind ``caseload changes``
(``caseload.services.changes``) and the app's "since you last looked" screen.

For each student of the scope, the flags at the as-of date against the flags at ``since``,
both computed as ``caseload flags`` computes them (the same materialized facts, the same
``analysis.reports_from_facts``, EARLY included), plus:

- ``grade_drops``: classes with a grade at both dates whose grade fell by ``GRADE_DROP_POINTS``
  (10) points or more (compared unrounded; shown to one decimal);
- ``absences``: full-day absences on the student's enrolled school days after ``since`` up to
  and including the as-of date (enrolled school days as every attendance figure counts them:
  from the enrollment begin, never before the start of the school year holding the as-of date,
  through the day the school's attendance was recorded through). None (JSON null) when no
  attendance was loaded for the student's school: unknown, never 0;
- ``follow_ups_due``: the student's open, live notes whose follow-up date fell due after
  ``since`` up to and including the as-of date (the follow-ups that came due in the window;
  older overdue ones are not a change).

Only students with a change are listed (a new or cleared flag code, a grade drop, an absence
or a follow-up due), in triage order at the as-of date (risk descending first). Flag codes are
compared as sets: a student whose LOW_GRADE moved from one class to another has no new code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from caseload.domain.grading import at_least
from caseload.domain.report import StudentReport, triage
from caseload.domain.rounding import round_half_up
from caseload.domain.schooldays import periods_at
from caseload.domain.settings import Thresholds

if TYPE_CHECKING:
    from caseload.domain.analysis import StudentFacts

GRADE_DROP_POINTS = 10.0
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class GradeDrop:
    class_id: str
    title: str
    before: float  # unrounded
    after: float

    def to_json(self) -> dict[str, Any]:
        return {"class": self.class_id, "from": round_half_up(self.before),
                "to": round_half_up(self.after)}


@dataclass(frozen=True)
class StudentChange:
    """One student's changes between ``since`` and the as-of date."""

    student: str  # id
    name: str
    risk: int  # at the as-of date
    risk_before: int  # at since
    new: tuple[str, ...]  # flag codes, sorted
    cleared: tuple[str, ...]
    grade_drops: tuple[GradeDrop, ...]
    absences: int | None  # None: attendance unknown
    follow_ups_due: int

    @property
    def changed(self) -> bool:
        return bool(
            self.new or self.cleared or self.grade_drops or self.absences or self.follow_ups_due
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "new": list(self.new),
            "cleared": list(self.cleared),
            "grade_drops": [g.to_json() for g in self.grade_drops],
            "absences": self.absences,
            "follow_ups_due": self.follow_ups_due,
        }


def _same(text: str) -> str:
    return text


def change_words(
    change: StudentChange,
    *,
    flag: Callable[[str], str] = _same,
    text: Callable[[str], str] = _same,
) -> str:
    """A student's changes in words, as ``caseload changes`` prints them and the app's
    changes screen shows them: "new STREAK UNX30; cleared DROP; Algebra I 82.5 to 69.3; 3
    absences; 1 follow-up due". ``flag`` names a flag code (the app: its label), ``text``
    makes a class title safe to show. Unknown absences (no attendance known in the window)
    say so ("absences unknown"), never nothing, never 0."""

    def flags(codes: Sequence[str]) -> str:
        return " ".join(map(flag, codes))

    parts = []
    if change.new:
        parts.append("new " + flags(change.new))
    if change.cleared:
        parts.append("cleared " + flags(change.cleared))
    for drop in change.grade_drops:
        parts.append(f"{text(drop.title)} {round_half_up(drop.before):.1f} to "
                     f"{round_half_up(drop.after):.1f}")
    if change.absences is None:
        parts.append("absences unknown")
    elif change.absences:
        parts.append(f"{change.absences} absence{'s' if change.absences != 1 else ''}")
    if change.follow_ups_due:
        n = change.follow_ups_due
        parts.append(f"{n} follow-up{'s' if n != 1 else ''} due")
    return "; ".join(parts)


def absences_between(facts: StudentFacts, since: dt.date, as_of: dt.date) -> int | None:
    """Full-day absences on enrolled school days in (``since``, ``as_of``]; None when unknown:
    no attendance loaded for the school, or none of the window's days is known (attendance
    recorded only through a day on or before ``since``: nothing was counted, so it is not 0).
    Days after the recorded day are not counted either way (the figure is the known part)."""
    series = facts.attendance
    end = series.counted_through(as_of)
    if end is None:
        return None
    periods = periods_at(facts.sessions, as_of, facts.student.school_id)
    start = series.start(periods.year.start if periods.year else None)
    lo = since + _ONE_DAY
    if start is not None and start > lo:
        lo = start
    if lo <= end:
        return series.count_absent(lo, end)
    # no known day in the window: 0 when every day of it is known (an empty window, a student
    # not yet enrolled by the as-of date) or not enrolled (every enrollment ended before it),
    # else unknown (the school's attendance stops before the window)
    return 0 if end >= as_of or series.enrolled_until(as_of) == end else None


def grade_drops(before: StudentReport, after: StudentReport) -> tuple[GradeDrop, ...]:
    """Classes graded at both dates whose grade fell ``GRADE_DROP_POINTS`` or more."""
    then = {c.id: c.grade for c in before.metrics.classes}
    out = []
    for c in after.metrics.classes:
        old = then.get(c.id)
        if old is not None and c.grade is not None and at_least(old - c.grade, GRADE_DROP_POINTS):
            out.append(GradeDrop(c.id, c.title, old, c.grade))
    return tuple(out)


def student_change(
    before: StudentReport,
    after: StudentReport,
    absences: int | None,
    follow_ups_due: int,
) -> StudentChange:
    then = {f.code.value for f in before.flags}
    now = {f.code.value for f in after.flags}
    return StudentChange(
        student=after.id,
        name=after.name,
        risk=after.risk,
        risk_before=before.risk,
        new=tuple(sorted(now - then)),
        cleared=tuple(sorted(then - now)),
        grade_drops=grade_drops(before, after),
        absences=absences,
        follow_ups_due=follow_ups_due,
    )


def compare(
    facts: Iterable[StudentFacts],
    since: dt.date,
    as_of: dt.date,
    thresholds: Thresholds,
    due: Mapping[str, int],
) -> list[StudentChange]:
    """The changes of every student in ``facts`` that has one, in triage order at ``as_of``.
    ``due``: follow-ups that came due in the window, per student id."""
    from caseload.domain.analysis import reports_from_facts

    facts = list(facts)
    by_id = {f.student.sourced_id: f for f in facts}
    before = {r.id: r for r in reports_from_facts(facts, since, thresholds)}
    out = []
    for report in triage(reports_from_facts(facts, as_of, thresholds)):
        change = student_change(
            before[report.id],
            report,
            absences_between(by_id[report.id], since, as_of),
            due.get(report.id, 0),
        )
        if change.changed:
            out.append(change)
    return out


__all__ = [
    "GRADE_DROP_POINTS",
    "GradeDrop",
    "StudentChange",
    "absences_between",
    "change_words",
    "compare",
    "grade_drops",
    "student_change",
]
