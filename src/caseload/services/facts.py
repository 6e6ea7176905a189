"""Rebuilding the derived analytics after new data (an import or a sync)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from caseload.config import Config

log = logging.getLogger(__name__)


def refresh_facts(
    engine: Engine, config: Config | None = None, also_as_of: dt.date | str | None = None
) -> None:
    """Rebuild the materialized analytics after new data (see store/facts.py), then store the
    ranking of every student for today (the TUI's default as-of date) and ``also_as_of`` (the
    data's own date, for the demo) so the caseload and "all students" open from stored rows
    (see store/ranking.py). Other dates are ranked the first time they are opened."""
    from caseload.domain.settings import Thresholds
    from caseload.store.facts import refresh
    from caseload.store.repository import Repository

    thresholds = Thresholds.from_mapping(dict(config.thresholds)) if config else Thresholds()
    refresh(engine, thresholds)
    dates = {dt.date.today()}
    if also_as_of:
        dates.add(dt.date.fromisoformat(str(also_as_of)))
    repo = Repository(engine, thresholds=thresholds)
    for day in sorted(dates):
        try:
            repo.caseload_rows(None, day)
        except Exception as exc:  # derived data: the TUI computes what is not stored
            log.warning("caseload ranking for %s not stored: %s", day, type(exc).__name__)
