"""The one assignment status vocabulary (issue 12): missing, late, not yet due, exempt."""

from __future__ import annotations

import datetime as dt

from caseload.domain.assignments import assignment_status
from caseload.domain.records import LineItem, Result, ScoreStatus
from caseload.domain.report import AssignmentStatus as AS

D = dt.date.fromisoformat
AS_OF = D("2026-11-20")


def li(due: str | None, assigned: str | None = None) -> LineItem:
    return LineItem("li", "c1", "Quiz", due_date=D(due) if due else None,
                    assign_date=D(assigned) if assigned else None, max_points=10)


def r(score: float | None, status: ScoreStatus = ScoreStatus.FULLY_GRADED, *,
      on: str | None = None, late: bool = False, missing: bool = False) -> Result:
    return Result("r", "li", "s1", score, status, score_date=D(on) if on else None, late=late,
                  missing=missing)


def test_past_due_with_no_score_is_missing_never_not_yet_due() -> None:
    assert assignment_status(li("2026-11-10"), None, AS_OF) is AS.MISSING
    assert assignment_status(li("2026-11-10"), r(None, ScoreStatus.NOT_SUBMITTED), AS_OF) \
        is AS.MISSING
    assert assignment_status(li("2026-11-10"), r(None, missing=True), AS_OF) is AS.MISSING


def test_due_on_or_after_the_as_of_date_is_not_yet_due() -> None:
    assert assignment_status(li("2026-11-20"), None, AS_OF) is AS.NOT_DUE  # due today
    assert assignment_status(li("2026-12-01"), None, AS_OF) is AS.NOT_DUE
    assert assignment_status(li(None), None, AS_OF) is AS.NOT_DUE  # no due date, no result
    # the teacher already marked it not submitted on the due date: missing
    assert assignment_status(li("2026-11-20"), r(None, ScoreStatus.NOT_SUBMITTED), AS_OF) \
        is AS.MISSING
    # a score dated after the as-of date was not known then
    assert assignment_status(li("2026-11-10"), r(9, on="2026-11-25"), AS_OF) is AS.MISSING
    assert assignment_status(li("2026-12-01"), r(9), AS_OF) is AS.NOT_DUE


def test_late_is_the_teachers_mark_not_the_grading_date() -> None:
    assert assignment_status(li("2026-11-10"), r(7, late=True), AS_OF) is AS.LATE
    assert assignment_status(li("2026-11-10"), r(None, ScoreStatus.SUBMITTED, late=True),
                             AS_OF) is AS.LATE
    # graded a week after the due date, not marked late: scored on time
    assert assignment_status(li("2026-11-10"), r(9, on="2026-11-17"), AS_OF) is AS.SCORED
    assert assignment_status(li("2026-11-10"), r(None, ScoreStatus.SUBMITTED), AS_OF) \
        is AS.PENDING


def test_exempt_holds_whenever_it_was_marked() -> None:
    assert assignment_status(li("2026-11-10"), r(None, ScoreStatus.EXEMPT), AS_OF) is AS.EXEMPT
    assert assignment_status(li("2026-12-10"), r(None, ScoreStatus.EXEMPT), AS_OF) is AS.EXEMPT


def test_missing_mark_without_due_date_counts_from_its_date() -> None:
    item = li(None, assigned="2026-11-01")
    assert assignment_status(item, r(None, ScoreStatus.NOT_SUBMITTED), AS_OF) is AS.MISSING
    later = li(None, assigned="2026-11-25")
    assert assignment_status(later, r(None, ScoreStatus.NOT_SUBMITTED), AS_OF) is AS.NOT_DUE


def test_excused_is_exempt_that_the_source_called_excused() -> None:
    excused = Result("r", "li", "s1", None, ScoreStatus.EXEMPT, excused=True)
    assert excused.exempt  # graded as exempt: not counted
    assert assignment_status(li("2026-11-10"), excused, AS_OF) is AS.EXCUSED
    assert assignment_status(li("2026-12-10"), excused, AS_OF) is AS.EXCUSED
    assert AS.EXCUSED.value == "excused"
