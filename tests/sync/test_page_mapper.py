"""Mapping pages while the fetch goes on (oneroster_pages.PageMapper) gives exactly what one
``to_dataset`` call over the fetched collections gives, or steps aside so that call decides."""

from __future__ import annotations

import asyncio
import copy
import functools
import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from caseload.sources.dataset import SourceError
from caseload.sources.oneroster_pages import _STRAIGHT, PageMapper
from caseload.sources.oneroster_rest import to_dataset
from tests.paths import MIN_DATA, SAMPLE_DATA
from tests.sync.oneroster_server import csv_to_json

NAME = "district"


def _fields(ds) -> dict[str, Any]:
    return {k: v for k, v in vars(ds).items()}


def _paged(items: dict[str, list | None], limit: int, delta: bool,
           shuffle: random.Random | None = None) -> PageMapper:
    """Feed a PageMapper the pages a fetch would see (in any arrival order), then drain it."""

    async def go() -> PageMapper:
        mapper = PageMapper(NAME, delta=delta)
        mapper.start()
        pages = []
        for name, got in items.items():
            if got is None:
                continue
            for offset in range(0, len(got) + 1, limit):
                pages.append((name, offset, got[offset : offset + limit]))
                if len(got[offset : offset + limit]) < limit:
                    break
        if shuffle is not None:
            shuffle.shuffle(pages)
        for name, offset, page in pages:
            mapper.on_page(name, offset, page)
        for name, got in items.items():
            mapper.on_done(name, got)
        await mapper.finish()
        return mapper

    return asyncio.run(go())


@functools.cache
def _first_results(folder: Path) -> dict[str, Any]:
    """``folder`` as the REST API's JSON with its first 5,000 results, converted once per
    module (read-only: the tests take a deep copy)."""
    return csv_to_json(folder, max_results=5000)


@pytest.mark.parametrize("delta", [False, True])
@pytest.mark.parametrize("folder", [MIN_DATA, SAMPLE_DATA], ids=["min", "sample"])
def test_pages_mapped_apart_equal_one_mapping(folder, delta):
    # a deep copy (pickle's round trip: the same as copy.deepcopy for this JSON, faster)
    items: dict[str, Any] = pickle.loads(pickle.dumps(_first_results(folder)))
    if delta:  # an incremental sync: some deletions among the changes
        for name in ("results", "enrollments", "users", "lineItems"):
            items[name][1]["status"] = "tobedeleted"
    expected = to_dataset(NAME, items, delta=delta)
    mapper = _paged(items, 300, delta, shuffle=random.Random(7))
    got = mapper.dataset(items)
    assert got is not None
    assert _fields(got) == _fields(expected)


def test_a_collection_not_offered_and_an_empty_one():
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    items["demographics"] = None
    items["categories"] = []
    expected = to_dataset(NAME, items)
    got = _paged(items, 2, False).dataset(items)
    assert got is not None and _fields(got) == _fields(expected)


def test_a_bad_record_steps_aside_for_the_whole_mapping():
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    items["results"][2]["score"] = -5.0
    mapper = _paged(items, 2, False)
    assert mapper.failed and mapper.dataset(items) is None
    with pytest.raises(SourceError):
        to_dataset(NAME, items)


def test_overlapping_pages_step_aside():
    """A server whose pages shift: the collected (deduplicated) list is what counts."""
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    res = items["results"]
    assert len(res) >= 4
    mapper = _paged({k: v for k, v in items.items() if k != "results"}, 2, False)
    # pages [a, b], [b, c], [d]: collect keeps a, b, c, d (b once, from the later page)
    pages = [res[0:2], res[1:3], res[3:4]]
    for i, page in enumerate(pages):
        mapper.on_page("results", 2 * i, page)
    asyncio.run(_drain(mapper))
    collected = dict(items)
    collected["results"] = [res[0], res[1], res[2], res[3]]
    assert mapper.dataset(collected) is None


def test_pages_past_the_end_are_left_out():
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    mapper = _paged(items, 2, False)
    # a page asked for in the same batch, past the short one, that a server filled anyway
    mapper.on_page("results", 10_000, copy.deepcopy(items["results"][:1]))
    asyncio.run(_drain(mapper))
    got = mapper.dataset(items)
    assert got is not None and _fields(got) == _fields(to_dataset(NAME, items))


async def _drain(mapper: PageMapper) -> None:
    for job in list(mapper._queue._queue):  # type: ignore[attr-defined]
        if job is not None:
            mapper.map(*job)


def test_a_repeated_id_steps_aside():
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    items["results"][1]["sourcedId"] = " " + items["results"][0]["sourcedId"]
    mapper = _paged(items, 1, False)
    assert mapper.dataset(items) is None
    with pytest.raises(SourceError, match="duplicate id"):
        to_dataset(NAME, items)


_STRINGS = [None, "", "  ", "x", " x ", "a\nb", "a\rb", "a\r\nb", "a\x00b", 4, 2.5, True,
            ["x", "y"], {"x": 1}]
_REFS = [{"sourcedId": "ref-1"}, "ref-1", " ref-1 ", {"sourcedId": ""}, {"sourcedId": 3}, {},
         None, "", "r\ref", ["ref-1"], [{"sourcedId": "a"}, {"sourcedId": "b"}]]
_NUMBERS = [None, 0, 0.0, -0.0, 5, 97.5, -1, -1.5, float("inf"), float("nan"), True, "7",
            " 7 ", "x", 2**60, 1e308, [1]]
_DATES = [None, "", "2026-09-01", " 2026-09-01", "2026-09-01T10:00:00Z", "2026-9-1",
          "2026-13-01", "2026-W01-1", 20260901, "2026-09-0\r", "2027-01-01"]
_COMMON: dict[str, list[Any]] = {
    "sourcedId": ["{id}", " {id} ", "{id}\n", "{id}\r", "", "  ", 5, None],
    "status": [None, "active", "tobedeleted", " ToBeDeleted ", "x\r", 3, "", "tobedeleted\r",
               "bogus", "inactive", " Active "],
}
_CASES: dict[str, tuple[dict[str, Any], dict[str, list[Any]]]] = {
    "results": (
        {"status": "active", "lineItem": {"sourcedId": "li-1"},
         "student": {"sourcedId": "stu-3"}, "score": 80.0},
        {"lineItem": _REFS, "student": _REFS, "score": _NUMBERS,
         "scoreStatus": [None, "", " ", "fully graded", " fully graded ", "Fully Graded",
                         "exempt", "bogus", 1, "submitted\r"],
         "scoreDate": _DATES, "comment": _STRINGS,
         "late": [None, True, False, "true", "false", "", "TRUE", " true", 1, 0, 1.0, "yes"],
         "missing": [None, True, False, "true", "no", 0]},
    ),
    "lineItems": (
        {"status": "active", "title": "Quiz", "class": {"sourcedId": "cls-1"},
         "category": {"sourcedId": "cat-1"}, "assignDate": "2026-09-01",
         "dueDate": "2026-09-08", "resultValueMin": 0.0, "resultValueMax": 100.0},
        {"title": _STRINGS, "class": _REFS, "category": _REFS, "gradingPeriod": _REFS,
         "assignDate": _DATES, "dueDate": _DATES, "resultValueMin": _NUMBERS,
         "resultValueMax": _NUMBERS},
    ),
    "enrollments": (
        {"status": "active", "class": {"sourcedId": "cls-1"}, "user": {"sourcedId": "stu-1"},
         "role": "student", "primary": False, "beginDate": "2026-08-20"},
        {"class": _REFS, "user": _REFS,
         "role": [None, "", "student", " Student ", "teacher", "district administrator",
                  "bogus", 3, "stu\rdent"],
         "primary": [None, True, False, "true", "false", "", "yes", 1, 0],
         "beginDate": _DATES, "endDate": _DATES},
    ),
}


def _record(resource: str, i: int, changes: dict[str, Any]) -> dict[str, Any]:
    base, _ = _CASES[resource]
    rec = {"sourcedId": f"{resource}-{i}", **copy.deepcopy(base)}
    for field, value in changes.items():
        if field == "sourcedId" and isinstance(value, str):
            value = value.replace("{id}", f"{resource}-{i}")
        rec[field] = value
    return rec


@pytest.mark.parametrize("delta", [False, True])
@pytest.mark.parametrize("resource", sorted(_CASES))
def test_straight_mapping_agrees_with_the_general_one(resource, delta):
    """Each odd value alone, then random mixes: wherever the straight JSON mapping answers,
    it answers what the CSV-based mapping does."""
    straight = _STRAIGHT[resource]
    odd = {**_COMMON, **_CASES[resource][1]}
    pages: list[list[Any]] = [
        [_record(resource, 1, {field: value})] for field, values in odd.items() for value in values
    ]
    rng = random.Random(11)
    for _ in range(400):
        page: list[Any] = []
        for i in range(5):
            fields = rng.sample(list(odd), rng.randint(0, 2))
            page.append(_record(resource, i, {f: rng.choice(odd[f]) for f in fields})
                        if rng.random() > 0.01 else ["not", "an", "object"])
        pages.append(page)
    answered = 0
    for page in pages:
        fast = straight(NAME, page, delta)
        try:
            slow = to_dataset(NAME, {resource: page}, delta=delta)
        except SourceError:
            assert fast is None, page
            continue
        if fast is not None:
            answered += 1
            assert _fields(fast) == _fields(slow), page
    assert answered > 30  # the straight path does answer the usual records


def test_a_missing_required_field_steps_aside():
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    items["orgs"][0]["name"] = None  # required
    mapper = _paged(items, 2, False)
    assert mapper.failed and mapper.dataset(items) is None


def test_a_sync_maps_while_it_fetches(tmp_path, monkeypatch):
    """End to end: the pieces mapped during the fetch are what lands (and equals an import,
    tests/sync/test_oneroster_sync.py); a bad record makes the whole mapping decide."""
    from caseload.sources.sync import sync
    from caseload.store.engine import make_engine, migrate
    from tests.sync.oneroster_server import OneRosterServer

    answers: list[bool] = []
    real = PageMapper.dataset

    def spy(self, items):
        ds = real(self, items)
        answers.append(ds is not None)
        return ds

    monkeypatch.setattr(PageMapper, "dataset", spy)
    srv = OneRosterServer.from_folder(MIN_DATA).start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        eng = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
        migrate(eng)
        sync(eng, NAME, srv.source_config(page_size=2), backoff=0.01)
        assert answers == [True]
        srv.touch("results", "res-3", score=-5.0)
        with pytest.raises(SourceError, match=r"^results \(sourcedId 'res-3'\): field 'score'"):
            sync(eng, NAME, srv.source_config(page_size=2), full=True, backoff=0.01)
        assert answers == [True, False]
        eng.dispose()
    finally:
        srv.stop()


def test_a_lone_carriage_return_stays_inside_its_value():
    """The CSV route quotes a cell holding a lone \\r (it used to end the row there)."""
    stamp = "2026-01-01T00:00:00Z"
    items = {"orgs": [
        {"sourcedId": "org-1", "status": "active", "dateLastModified": stamp,
         "name": "North\rHigh", "type": "school"},
        {"sourcedId": "org-2", "status": "active", "dateLastModified": stamp,
         "name": "Broken", "type": ""},
    ]}
    ds = to_dataset("t", items, skip_invalid=True)
    assert [(o.sourced_id, o.name) for o in ds.orgs] == [("org-1", "North\rHigh")]
    assert [(r.line, r.field) for r in ds.rejects] == [("sourcedId 'org-2'", "type")]


def test_a_demographics_record_for_no_user_is_counted_not_a_reason_to_stop() -> None:
    """Over REST a server's /demographics may hold someone its /users leaves out: the record
    is counted as not applied (it is not lost in silence) and the sync goes on."""
    items: dict[str, Any] = csv_to_json(MIN_DATA)
    assert items.get("demographics"), "the min fixture has demographics"
    ghost = copy.deepcopy(items["demographics"][0])
    ghost["sourcedId"] = "stu-ghost"
    items["demographics"].append(ghost)
    ds = to_dataset(NAME, items)
    assert any("1 row for users not in the users collection not applied" in n
               for n in ds.notices), ds.notices
    assert not ds.rejects
    # a sync maps pages as they come (PageMapper): the notice was lost there; now a page
    # with a notice steps aside for the whole mapping, which says it once
    mapper = _paged(items, 2, False)
    assert mapper.dataset(items) is None
