"""What changed since a date (issue 14 §2): ``caseload changes`` and the app's "since you last
looked" screen. The comparison is ``caseload.domain.changes`` (see its docstring for every
definition); this reads the scope's facts and notes and runs it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from caseload.domain.changes import (
    GRADE_DROP_POINTS,
    GradeDrop,
    StudentChange,
    absences_between,
    compare,
)

if TYPE_CHECKING:
    from caseload.services.context import Workspace

ALL = "all"


class ChangesError(ValueError):
    """Bad dates (``since`` after the as-of date)."""


@dataclass(frozen=True)
class Changes:
    since: dt.date
    as_of: dt.date
    scope: str  # "all" or a counselor id
    students: list[StudentChange]


def changes(
    workspace: Workspace,
    *,
    since: dt.date,
    as_of: dt.date | None = None,
    counselor: str | None = None,
    today: Callable[[], dt.date] = dt.date.today,
) -> Changes:
    """What changed for ``counselor``'s caseload (``"all"``: every student; None: the config's
    ``me``, every student when unset) between ``since`` and ``as_of`` (default: today).
    Raises :class:`ChangesError` when ``since`` is after ``as_of``."""
    from caseload.domain import analysis
    from caseload.services.notes import notes_store
    from caseload.store import inputs as cache_inputs
    from caseload.store.repository import Repository

    day = as_of or today()
    if since > day:
        raise ChangesError(
            f"--since {since.isoformat()} is after the as-of date {day.isoformat()}"
        )
    who = counselor if counselor is not None else workspace.config.me
    repo = Repository(workspace.engine, thresholds=workspace.config.thresholds)
    if who is not None and counselor is None:
        from caseload.services.flags import no_caseload

        if no_caseload(repo, who):
            who = None  # `me` with no caseload assignment: every student, as the app opens
    key = None if who in (None, ALL) else who
    thresholds = repo.thresholds
    facts = repo.facts(key)
    if facts is None:  # no materialized facts: the pure path, as Repository.caseload does
        with workspace.engine.connect() as conn:
            inputs = repo.inputs(conn, cache_inputs.scope(key))
        facts = [analysis.student_facts(i, thresholds) for i in inputs]
    due = Counter(
        n.student_id
        for n in notes_store(workspace).follow_ups(day, key)
        if n.follow_up is not None and n.follow_up > since
    )
    from caseload._runtime import gc_paused

    with gc_paused():  # many acyclic objects (two caseloads' reports): see gc_paused
        found = compare(facts, since, day, thresholds, due)
    return Changes(since, day, ALL if key is None else key, found)


class ChangesService:
    """What the app's "since you last looked" screen needs (``tui.screens.changes.ChangesPort``):
    the changes for a scope (``None``: every student) and when the app was last opened on it
    by this person (the ``last_seen`` table: the as-of date it showed then). Blocking: the TUI
    calls these from workers."""

    def __init__(self, workspace: Workspace, now: Callable[[], dt.datetime] | None = None):
        self.workspace = workspace
        self.now = now or (lambda: dt.datetime.now(dt.UTC))

    def changes(
        self, counselor_id: str | None, since: dt.date, as_of: dt.date
    ) -> list[StudentChange]:
        found = changes(self.workspace, since=since, as_of=as_of,
                        counselor=ALL if counselor_id is None else counselor_id)
        return found.students

    def last_seen(self, counselor_id: str | None) -> dt.date | None:
        from caseload.store import last_seen

        return last_seen.get(self.workspace.engine, counselor_id)

    def mark_seen(self, counselor_id: str | None, as_of: dt.date) -> None:
        from caseload.store import last_seen

        last_seen.mark(self.workspace.engine, counselor_id, as_of, self.now())


__all__ = [
    "ALL",
    "GRADE_DROP_POINTS",
    "Changes",
    "ChangesError",
    "ChangesService",
    "GradeDrop",
    "StudentChange",
    "absences_between",
    "changes",
]
