"""Rebuilding the derived analytics after new data (an import or a sync)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from caseload.config import Config
    from caseload.domain.settings import Thresholds
    from caseload.store.facts import Refreshed

log = logging.getLogger(__name__)


def refreshed_line(n: int) -> str:
    """What ``caseload import`` and ``caseload sync`` print about the facts refresh."""
    return f"Refreshed facts for {n:,} student{'' if n == 1 else 's'}"


def check_refresh_workers() -> None:
    """ConfigError now when ``$CASELOAD_REFRESH_WORKERS`` is set to something the facts
    refresh cannot use: an import, a sync or the demo asks before it writes anything, since
    the refresh reads it only after the load has committed (a bad value was refused with the
    new data already in the cache)."""
    from caseload.store.refresh_pool import configured

    configured()


def refresh_facts(
    engine: Engine, config: Config | None = None, also_as_of: dt.date | str | None = None
) -> int:
    """Bring the materialized analytics up to date after new data (see store/facts.py: only
    the students the loads since the last refresh changed, when that is known, else every
    student), then the stored rankings: for an incremental refresh the rows of the students
    it touched (and of the classes whose shared figures moved) at every stored date; then
    the ranking of every student for today (the TUI's default as-of date) and ``also_as_of``
    (the data's own date, for the demo) is stored when it is not yet, so the caseload and
    "all students" open from stored rows (see store/ranking.py). Other dates are ranked the
    first time they are opened. Returns the number of students whose facts were refreshed."""
    from caseload.domain.settings import Thresholds
    from caseload.store import ranking
    from caseload.store.facts import fresh_stamp, refresh_detail
    from caseload.store.repository import Repository

    thresholds = Thresholds.from_mapping(dict(config.thresholds)) if config else Thresholds()
    done = refresh_detail(engine, thresholds)
    if not done.full and done.previous_stamp is not None and done.stamp is not None:
        try:
            _rerank(engine, thresholds, done)
        except Exception as exc:  # derived data: the dates are ranked again when opened
            log.warning("stored rankings not brought forward: %s", type(exc).__name__)
    dates = {dt.date.today()}
    if also_as_of:
        dates.add(dt.date.fromisoformat(str(also_as_of)))
    repo = Repository(engine, thresholds=thresholds)
    for day in sorted(dates):
        try:
            with engine.connect() as conn:
                stamp = fresh_stamp(conn, thresholds)
                if stamp is not None and ranking.is_stored(conn, day, None, stamp, thresholds):
                    continue  # brought forward above: reading it back would cost ~1 s at 75k
            repo.caseload_rows(None, day)
        except Exception as exc:  # derived data: the TUI computes what is not stored
            log.warning("caseload ranking for %s not stored: %s", day, type(exc).__name__)
    return len(done.students)


def _rerank(engine: Engine, thresholds: Thresholds, done: Refreshed) -> None:
    """Recompute the stored ranking rows of the students an incremental refresh touched, at
    every date whose whole ranking was stored for the facts before it."""
    from dataclasses import replace

    from sqlalchemy import select

    from caseload._runtime import gc_paused
    from caseload.domain import analysis
    from caseload.domain.report import CaseloadRow, triage
    from caseload.domain.schooldays import WeekdaysOnlyOf, school_days
    from caseload.store import facts as mat
    from caseload.store import inputs as cache_inputs
    from caseload.store import ranking

    assert done.previous_stamp is not None and done.stamp is not None
    with engine.connect() as conn:
        dates = ranking.dates_of_everyone(conn, done.previous_stamp, thresholds)
        if not dates:
            return
        ids = set(done.students)
        if done.classes:
            ids |= mat.students_touched(conn, classes=done.classes)
        users = cache_inputs.users
        scope = select(users.c.sourced_id).where(users.c.sourced_id.in_(sorted(ids)))
        students, counselors_of = cache_inputs.people(conn, scope)
        sessions, calendar = cache_inputs.calendar(conn)
        days_of = {
            school: tuple(sorted(school_days(school, sessions, calendar)))
            for school in {s.school_id for s in students.values()}
        }
        facts = mat.load_facts(
            conn, students, counselors_of, sessions, days_of,
            cache_inputs.incidents(conn, scope), {}, scope, WeekdaysOnlyOf(calendar),
        )
        notes_of = cache_inputs.notes_of(conn, scope)
    facts = [
        replace(f, note_dates=tuple(sorted(notes_of[f.student.sourced_id])))
        if f.student.sourced_id in notes_of else f
        for f in facts
    ]
    for day in dates:
        with gc_paused():
            reports = triage(analysis.reports_from_facts(facts, day, thresholds))
        rows = [CaseloadRow.from_report(r) for r in reports]
        ranking.replace_rows(engine, day, ids, rows, done.previous_stamp, done.stamp, thresholds)
