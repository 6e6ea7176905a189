"""Did it work? (issue 14 §3): ``caseload notes effects``.

For each live note of an intervention type (every type but ``other``) with a contact date on
or before the as-of date, oldest first: the student's attendance rate over the last ``days``
enrolled school days strictly before the note's date and over the first ``days`` enrolled
school days from it, up to the as-of date (``caseload.domain.effects``). Enrolled school
days and absences are the student screen's attendance calendar at the as-of date
(``Repository.student(...).attendance``): from the enrollment begin (never before the start
of the school year holding the as-of date), through the day the school's attendance was
recorded through. No days: a null rate with 0 days, never invented; no attendance loaded for
the school: no known days, so null rates with 0 days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from caseload.domain.effects import DEFAULT_DAYS, EffectsError, NoteEffect, effects_of

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
    from caseload.store.notes import NotesStore
    from caseload.store.repository import Repository

    if days < 1:
        raise EffectsError(f"--days must be at least 1, not {days}")
    day = as_of or today()
    repo = Repository(workspace.engine, thresholds=workspace.config.thresholds)
    try:
        detail = repo.student(student_id, day)
    except KeyError:
        raise StudentNotFound(student_id) from None
    notes = NotesStore(workspace.engine).list(student_id=student_id)
    return effects_of(notes, detail.attendance.days, day, days)


__all__ = ["DEFAULT_DAYS", "EffectsError", "NoteEffect", "effects_of", "note_effects"]
