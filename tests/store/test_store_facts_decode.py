"""The decoded materialized facts equal the pure path's facts, field by field (on SQLite and,
when available, PostgreSQL: the loader reads date columns raw), with one date object per day."""

from __future__ import annotations

import datetime as dt

from caseload.domain import analysis
from caseload.domain.settings import Thresholds
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store.repository import Repository
from tests.paths import MIN_DATA


def _facts_pairs(engine, thresholds):  # type: ignore[no-untyped-def]
    load(engine, read_path(MIN_DATA))
    mat.refresh(engine, thresholds)
    repo = Repository(engine, thresholds=thresholds)
    loaded = {f.student.sourced_id: f for f in repo.facts(None) or []}
    with engine.connect() as conn:
        inputs = repo.inputs(conn, repo._scope(None), with_notes=False)
    pure = {i.student.sourced_id: analysis.student_facts(i, thresholds) for i in inputs}
    return loaded, pure


def test_decoded_facts_equal_the_pure_facts(engine) -> None:  # type: ignore[no-untyped-def]
    for thresholds in (Thresholds(), Thresholds(missing_counts_as_zero=False)):
        loaded, pure = _facts_pairs(engine, thresholds)
        assert loaded.keys() == pure.keys()
        for sid, want in pure.items():
            got = loaded[sid]
            assert got.attendance == want.attendance
            assert got.incident_dates == want.incident_dates
            assert tuple(got.sessions) == tuple(want.sessions)
            got_classes = {c.class_id: c for c in got.classes}
            assert got_classes == {c.class_id: c for c in want.classes}
            # derived fields too (compare=False in the dataclass)
            for c in want.classes:
                g = got_classes[c.class_id]
                assert (g.timeline_days, g.timeline_grades, g.final) == (
                    c.timeline_days,
                    c.timeline_grades,
                    c.final,
                )
                assert (g.weekly_days, g.weekly_max, g.sort_key) == (
                    c.weekly_days,
                    c.weekly_max,
                    c.sort_key,
                )
            assert [c.class_id for c in got.ordered_classes] == [
                c.class_id for c in want.ordered_classes
            ]


def test_decoded_dates_are_shared_objects(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    loaded, _ = _facts_pairs(sqlite_engine, Thresholds())
    by_day: dict[dt.date, int] = {}
    seen = 0
    for f in loaded.values():
        days: list[dt.date] = [*f.attendance.absent, *f.attendance.tardy]
        for c in f.classes:
            days += [*c.timeline_days, *c.weekly_days, *c.scored_dates, *c.missing_dates]
            days += [d for d in (c.term_start, c.term_end) if d is not None]
        for d in days:
            seen += 1
            assert by_day.setdefault(d, id(d)) == id(d)
    assert seen > len(by_day)  # the sample repeats days, and each is one object


def test_sessions_are_shared_by_the_decoded_students(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    loaded, _ = _facts_pairs(sqlite_engine, Thresholds())
    assert len({id(f.sessions) for f in loaded.values()}) == 1
