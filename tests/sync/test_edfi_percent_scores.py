"""The ODS/API mapper reads ``numericGradeEarned`` as the XML reader does: a percentage, so
that share of the gradebook entry's ``maxPoints`` (85 of 10 points is 8.5, never 850%), kept
beside the score (``results.score_percent``); ``pointsEarned`` are points, and win when both
are given (docs/DATA_FORMATS.md; the XML side: tests/test_edfi_percent_scores.py).

A sync gives the cache an import of the same data gives, and an incremental sync the cache a
full sync gives: a changed score alone is read with the cached maximum, and an entry whose
``maxPoints`` change has its cached percentages read again.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from caseload.domain.text import plural
from caseload.sources.edfi_api import map_items, to_dataset
from caseload.sources.edfi_scores import NO_MAXIMUM_PERCENT, PERCENT_DISAGREES
from caseload.sources.edfi_sync import keep_cached
from caseload.sources.loader import load
from caseload.sources.sync import sync
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.sync.edfi_server import EdfiServer
from tests.sync.test_edfi_api import (
    SECTION,
    base_items,
    by_id,
    fetch_all,
    first_id,
    round_trip,
    snapshot,
    student,
)

SMALL = Path(__file__).resolve().parents[1] / "data" / "edfi_small"
S1001_GB1 = "<PointsEarned>18</PointsEarned>"  # (GB-1 states MaxPoints 20)


def _items(maximum: float | None, **scores: Any) -> dict[str, list[dict[str, Any]]]:
    """A DS 5 entry GB-1 (``maxPoints`` ``maximum``) and 604822's score on it, ``scores``;
    604823 scored 75 (a percentage)."""
    items = base_items()
    entry: dict[str, Any] = {
        "id": "gb1", "gradebookEntryIdentifier": "GB-1", "namespace": "uri://gb",
        "title": "Quiz 1", "sectionReference": SECTION, "dateAssigned": "2021-09-01"}
    if maximum is not None:
        entry["maxPoints"] = maximum
    items["gradebookEntries"] = [entry]
    ref = {"gradebookEntryIdentifier": "GB-1", "namespace": "uri://gb"}
    items["studentGradebookEntries"] = [
        {"id": "r1", "gradebookEntryReference": ref, **student("604822"), **scores},
        {"id": "r2", "gradebookEntryReference": ref, **student("604823"),
         "numericGradeEarned": 75},
    ]
    return items


def _scores(ds_or_engine: Any) -> dict[str, tuple[float | None, float | None]]:
    if isinstance(ds_or_engine, Engine):
        t = METADATA.tables["results"]
        with ds_or_engine.connect() as conn:
            rows = conn.execute(select(t.c.student_id, t.c.score, t.c.score_percent)).all()
        return {s: (score, pct) for s, score, pct in rows}
    return {r.student_id: (r.score, r.score_percent) for r in ds_or_engine.results}


@pytest.mark.parametrize(
    ("maximum", "scores", "want"),
    [
        # 85 (a percentage) of a 10-point entry: 8.5 points, never 85 of 10 (850%)
        (10, {"numericGradeEarned": 85}, {"604822": (8.5, 85.0), "604823": (7.5, 75.0)}),
        (10, {"numericGradeEarned": "33.33"}, {"604822": (3.333, 33.33),
                                               "604823": (7.5, 75.0)}),
        # no maxPoints: out of 100, the percentage itself
        (None, {"numericGradeEarned": 85}, {"604822": (85.0, 85.0), "604823": (75.0, 75.0)}),
        # points: the entry's own unit; beside a percentage, they win
        (10, {"pointsEarned": 9}, {"604822": (9.0, None), "604823": (7.5, 75.0)}),
        (10, {"pointsEarned": 9, "numericGradeEarned": 90},
         {"604822": (9.0, None), "604823": (7.5, 75.0)}),
        # no maxPoints and points: no maximum, so 75% is no number of points
        (None, {"pointsEarned": 9}, {"604822": (9.0, None), "604823": (None, 75.0)}),
    ],
)
def test_the_mapper_reads_scores_as_the_xml_reader_does(
    maximum: float | None, scores: dict[str, Any], want: dict[str, tuple[Any, Any]]
) -> None:
    ds = to_dataset("d", _items(maximum, **scores))
    assert by_id(ds.line_items)["GB-1"].max_points == (
        float(maximum) if maximum is not None else None if "pointsEarned" in scores else 100.0)
    assert _scores(ds) == want


def test_both_are_read_strictly() -> None:
    from caseload.sources.dataset import SourceError

    with pytest.raises(SourceError, match=r"numericGradeEarned.*must not be negative"):
        to_dataset("d", _items(10, pointsEarned=9, numericGradeEarned=-5))


@pytest.fixture
def engine(migrated_template: Path, tmp_path: Path) -> Iterator[Engine]:
    eng = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
    yield eng
    eng.dispose()


def test_the_load_counts_percentages_with_no_maximum_and_those_that_disagree(
    engine: Engine
) -> None:
    report = load(engine, to_dataset("d", _items(None, pointsEarned=9)))
    assert NO_MAXIMUM_PERCENT.format(n=plural(1, "percentage score")) in report.notices
    report = load(engine, to_dataset("d", _items(10, pointsEarned=9, numericGradeEarned=9)))
    assert PERCENT_DISAGREES.format(n=plural(1, "percentage score")) in report.notices
    assert _scores(engine)["604822"] == (9.0, None)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The small fixture with S1001's score on GB-1 (MaxPoints 20) a NumericGradeEarned of 85."""
    dst = tmp_path / "export"
    shutil.copytree(SMALL, dst)
    book = dst / "gradebook.xml"
    text = book.read_text(encoding="utf-8")
    assert text.count(S1001_GB1) == 1
    book.write_text(text.replace(S1001_GB1, "<NumericGradeEarned>85</NumericGradeEarned>"),
                    encoding="utf-8")
    return dst


def test_a_sync_stores_what_an_import_of_the_same_data_stores(
    folder: Path, tmp_path: Path, migrated_template: Path
) -> None:
    _, imported, synced = round_trip(folder, tmp_path, limit=3, migrated=migrated_template)
    assert imported == synced  # (round_trip compares every table)
    results = {(r[1], r[2]): r for r in synced["results"]}
    assert results[("GB-1", "S1001")][3] == 17.0  # 85% of 20


@pytest.mark.parametrize(
    ("resource", "changes", "want"),
    [
        # a changed score alone: read with the cached maxPoints 20 (90% is 18, not 90 of 20)
        ("studentGradebookEntries", {"numericGradeEarned": 90}, (18.0, 90.0)),
        # the entry's maxPoints edited alone: the cached 85% is read again (8.5 of 10)
        ("gradebookEntries", {"maxPoints": 10}, (8.5, 85.0)),
        # and taken away: out of 100
        ("gradebookEntries", {"maxPoints": None}, (85.0, 85.0)),
    ],
)
def test_an_incremental_sync_gives_the_cache_a_full_sync_gives(
    folder: Path, tmp_path: Path, migrated_template: Path, resource: str,
    changes: dict[str, Any], want: tuple[float, float],
) -> None:
    with EdfiServer.from_folder(folder) as srv:
        cache = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
        fresh = tpl.migrated_engine(migrated_template, tmp_path / "fresh.db")
        try:
            load(cache, to_dataset("d", fetch_all(srv)))
            mark = srv.newest_change_version
            rid = (first_id(srv, resource, numericGradeEarned=85)
                   if resource == "studentGradebookEntries"
                   else first_id(srv, resource, gradebookEntryIdentifier="GB-1"))
            srv.touch(resource, rid, **changes)
            changed = fetch_all(srv, params={"minChangeVersion": mark + 1})
            assert sum(map(len, changed.values())) == 1
            ds, needs = map_items("d", changed)
            keep_cached(cache, ds, needs)
            load(cache, ds)
            load(fresh, to_dataset("d", fetch_all(srv)))
            a, b = snapshot(fresh), snapshot(cache)
            for name in a:
                assert a[name] == b[name], f"table {name} differs"
            results = {(r[1], r[2]): (r[3], r[-1]) for r in b["results"]}
            assert results[("GB-1", "S1001")] == want
        finally:
            cache.dispose()
            fresh.dispose()


def test_a_sync_summary_says_what_the_import_summary_says(
    folder: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S1001's 85 given beside PointsEarned 9 of MaxPoints 20 (45%): the points are the
    score, and the sync's summary counts the percentage that disagrees, as the import's."""
    book = folder / "gradebook.xml"
    text = book.read_text(encoding="utf-8")
    book.write_text(text.replace("<NumericGradeEarned>85</NumericGradeEarned>",
                                 "<NumericGradeEarned>85</NumericGradeEarned>"
                                 "<PointsEarned>9</PointsEarned>"), encoding="utf-8")
    line = PERCENT_DISAGREES.format(n=plural(1, "percentage score"))
    with EdfiServer.from_folder(folder) as srv:
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        report = sync(engine, "edfi", srv.source_config())
        assert report.rejects == [] and line in report.notices
        first_id(srv, "studentGradebookEntries", pointsEarned=9)  # (served as given)
    t = METADATA.tables["results"]
    with engine.connect() as conn:
        assert conn.execute(select(t.c.score, t.c.score_percent).where(
            t.c.sourced_id == "GB-1:S1001")).one() == (9.0, None)
