"""Did it work? (issue 14 §3): ``caseload notes effects``.

For each live note of an intervention type (every type but ``other``) with a contact date on
or before the as-of date, oldest first: the student's attendance rate over the last ``days``
enrolled school days strictly before the note's date and over the first ``days`` enrolled
school days from it, up to the as-of date (``caseload.domain.effects``). Enrolled school
days and absences are the student screen's attendance calendar at the as-of date
(``Repository.student(...).attendance``): from the enrollment begin (never before the start
of the school year holding the as-of date), through the day the school's attendance was
recorded through. No days: a null rate with 0 days, never invented; no attendance loaded for
the school: no known days, so null rates with 0 days. A note dated in the summer before the
school year's first day counts from that day (``AttendanceSummary.year_from``); one from an
earlier school year has null rates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from caseload.domain.effects import (
    DEFAULT_DAYS,
    Change,
    EffectsError,
    NoteEffect,
    change_since_last,
    effects_of,
)
from caseload.domain.notes import Note, NoteType

if TYPE_CHECKING:
    from caseload.services.context import Workspace


def note_effects(
    workspace: Workspace,
    student_id: str,
    *,
    as_of: dt.date | None = None,
    days: int = DEFAULT_DAYS,
    today: Callable[[], dt.date] = dt.date.today,
) -> list[NoteEffect]:
    """``effects_of`` for one student's notes at ``as_of`` (default: today). Raises
    ``services.flags.StudentNotFound`` for an unknown student, :class:`EffectsError` for
    ``days`` below 1."""
    from caseload.services.flags import StudentNotFound
    from caseload.services.notes import notes_store
    from caseload.store.repository import Repository

    if days < 1:
        raise EffectsError(f"--days must be at least 1, not {days}")
    day = as_of or today()
    repo = Repository(workspace.engine, thresholds=workspace.config.thresholds)
    try:
        detail = repo.student(student_id, day)
    except KeyError:
        raise StudentNotFound(student_id) from None
    notes = notes_store(workspace).list(student_id=student_id)
    att = detail.attendance
    return effects_of(notes, att.days, day, days, year_from=att.year_from)


def intervention_changes(
    workspace: Workspace,
    student_ids: Iterable[str],
    as_of: dt.date,
    *,
    days: int = DEFAULT_DAYS,
) -> dict[str, Change]:
    """The change since the last intervention (``domain.effects.change_since_last``: the
    latest intervention note's ``attendance_after - attendance_before`` of ``caseload notes
    effects``, in points) of each of ``student_ids``, in a fixed number of queries: the notes
    once, then the attendance calendars of the students with an intervention note at once
    (``Repository.student_details``). ``TooEarly`` when that note's "after" side has fewer
    than ``MIN_DAYS_AFTER`` school days; None for a student without an intervention note on
    or before ``as_of``, or with a null rate; unknown ids are None too."""
    from caseload.services.notes import notes_store
    from caseload.store.repository import Repository

    if days < 1:
        raise EffectsError(f"--days must be at least 1, not {days}")
    wanted = set(student_ids)
    out: dict[str, Change] = dict.fromkeys(wanted)
    notes_of: dict[str, list[Note]] = defaultdict(list)
    for note in notes_store(workspace).list(until=as_of):
        if note.student_id in wanted and note.type is not NoteType.OTHER:
            notes_of[note.student_id].append(note)
    if not notes_of:
        return out
    repo = Repository(workspace.engine, thresholds=workspace.config.thresholds)
    noted = sorted(notes_of)
    for start in range(0, len(noted), _BATCH):  # a bounded IN list per query
        details = repo.student_details(noted[start : start + _BATCH], as_of)
        for sid, detail in details.items():
            att = detail.attendance
            out[sid] = change_since_last(
                notes_of[sid], att.days, as_of, days, year_from=att.year_from
            )
    return out


_BATCH = 5000  # students per ``student_details`` call (SQLite caps a query's parameters)


__all__ = [
    "DEFAULT_DAYS",
    "EffectsError",
    "NoteEffect",
    "effects_of",
    "intervention_changes",
    "note_effects",
]
