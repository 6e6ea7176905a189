"""One assignment status vocabulary, used by the class screen and every export (issue 12).

The status of a line item for one student at the as-of date D comes from its due date against
D and the teacher's policy (the class's missing-work policy, ``missing_counts_as_zero``):

* ``excused``: the result is exempt and its source said "excused". No standard value says
  so (OneRoster 1.1/1.2 scoreStatus and the Ed-Fi SubmissionStatusDescriptor have exempt
  only); a district's own Ed-Fi SubmissionStatusDescriptor whose value says "excused" does.
  Grading treats it exactly as exempt (not counted).
* ``exempt``: the result says exempt (OneRoster ``exempt``, Ed-Fi ``Exempt``).
* ``missing``: not turned in and past due: the result is "not submitted" (or flagged missing)
  with no score and its due date (else effective date) is on or before D, or there is no result
  at all and the due date is before D. Whether it counts as 0 is the policy's call (the percent
  column), not the status's.
* ``late``: turned in (scored or submitted) and marked late by the teacher.
* ``not yet due``: due after D (or no due date and nothing turned in), nothing turned in.
* ``pending``: turned in, not graded yet, not late.
* ``""`` (scored): scored on time.

"Past-due work with no score" is never "not yet due".
"""

from __future__ import annotations

import datetime as dt

from caseload.domain.records import LineItem, Result, ScoreStatus
from caseload.domain.report import AssignmentStatus


def assignment_status(
    item: LineItem, result: Result | None, as_of: dt.date
) -> AssignmentStatus:
    """The primary status of ``item`` for a student whose result is ``result`` at ``as_of``.

    A result whose effective date (score date, else due date, else assign date) is after
    ``as_of`` was not known at ``as_of`` (nor counted in the grade): the item is judged as if it
    had no result; an exempt mark holds whenever it was made. A score date after the due date
    is not lateness (teachers grade later); only the teacher's late mark is.
    """
    due = item.due_date
    if result is not None:
        # the result's effective date (``grading.effective_date``): after D it was not known at D
        known = result.score_date or due or item.assign_date
        if known is not None and known > as_of and not result.exempt:
            result = None
    if result is not None and result.exempt:
        return AssignmentStatus.EXCUSED if result.excused else AssignmentStatus.EXEMPT
    if result is None or result.is_missing or (
        result.score is None and result.status not in _TURNED_IN
    ):
        # nothing turned in: missing once past due; a teacher's "not submitted" mark makes it
        # missing on the due date itself, or (no due date) from the mark's effective date
        marked = result is not None and result.is_missing
        if due is not None:
            past = due < as_of or (marked and due <= as_of)
        else:
            when = (result.score_date if result else None) or item.assign_date
            past = marked and (when is None or when <= as_of)
        return AssignmentStatus.MISSING if past else AssignmentStatus.NOT_DUE
    if result.late:
        return AssignmentStatus.LATE
    if result.score is None:
        return AssignmentStatus.PENDING
    return AssignmentStatus.SCORED


_TURNED_IN = frozenset(
    {ScoreStatus.SUBMITTED, ScoreStatus.PARTIALLY_GRADED, ScoreStatus.FULLY_GRADED}
)
