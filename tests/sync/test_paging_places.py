"""Each record's place as the pages of a collection come in (caseload.sources.paging), for a
record a page lists twice: refused, or (--skip-invalid) left out, or kept once when its copies
are identical, and never confused with a record sent again at another place, even where pages
overlap (a server whose page size grows after the first page)."""

from __future__ import annotations

import pytest

from caseload.sources.paging import ListedTwiceError, Received, rejects


def _page(*names: str, **changed: dict) -> list[dict]:
    return [{"id": n, **changed.get(n, {})} for n in names]


def _take(got: Received, offset: int, items: list[dict]) -> int:
    return got.take(items, [i["id"] for i in items], offset)


def _ids(got: Received) -> list[str]:
    return [i["id"] for i in got.records()]


def test_without_skip_invalid_a_record_listed_twice_is_refused_naming_it():
    got = Received("sis.test/things")
    with pytest.raises(ListedTwiceError, match=r"listed the record 'x' twice in the page at "
                                               r"offset 3 \(places 4 and 6 of the collection\)"):
        _take(got, 3, _page("a", "x", "b", "x"))


def test_copies_that_differ_are_all_left_out():
    got = Received("sis.test/things", keep_listed_twice=True)
    page = _page("a", "x", "x", "b", x={})
    page[2]["v"] = 2
    assert _take(got, 0, page) == 0
    assert _ids(got) == ["a", "b"]
    assert got.places() == 4  # what a total counts
    [found] = got.listed_twice()
    assert (found.places, found.same, found.offset) == ((1, 2), False, 0)
    out = rejects("things", found, field="id", line="x", raw=lambda c: {"v": str(c.get("v"))})
    assert [r.raw for r in out] == [{"v": "None"}, {"v": "2"}]
    assert "copies that differ (in 'v'): neither is applied" in out[0].reason
    assert out[0].reason.endswith("this is the copy at place 1")


def test_identical_copies_are_one_record_kept_in_its_place():
    got = Received("sis.test/things", keep_listed_twice=True)
    assert _take(got, 0, _page("a", "x", "b", "x", "x")) == 0
    assert _ids(got) == ["a", "x", "b"]
    assert got.places() == 5
    [found] = got.listed_twice()
    assert (found.places, found.same) == ((1, 3, 4), True)
    out = rejects("things", found, field="id", line="x", raw=lambda c: None)
    assert [r.reason.rsplit(": ", 1)[1] for r in out] == [
        "the copy at place 1 is applied, this repeat at place 3 is not",
        "the copy at place 1 is applied, this repeat at place 4 is not",
    ]
    assert out[0].reason.startswith("the server listed this record 3 times in one page "
                                    "(GET sis.test/things, the page at offset 0: places 1, 3 "
                                    "and 4 of the collection) in identical copies")


def test_one_and_one_point_zero_are_not_identical():
    got = Received("sis.test/things", keep_listed_twice=True)
    _take(got, 0, [{"id": "x", "score": 1}, {"id": "x", "score": 1.0}])
    assert _ids(got) == [] and not got.listed_twice()[0].same


def test_an_overlapping_page_sending_a_copy_again_at_its_place_is_no_repeat():
    got = Received("sis.test/things", keep_listed_twice=True)
    assert _take(got, 0, _page("r0", "r1", "r2")) == 0
    assert _take(got, 3, _page("r3", "r4", "x", "x", "r7")) == 0  # places 5 and 6
    assert _take(got, 6, _page("x", "r7", "r8")) == 0  # place 6 again: an overlap
    assert _ids(got) == ["r0", "r1", "r2", "r3", "r4", "x", "r7", "r8"]
    assert got.places() == 9


def test_an_overlapping_copy_that_differs_leaves_the_record_out():
    got = Received("sis.test/things", keep_listed_twice=True)
    _take(got, 0, _page("r0", "x", "x", "r3"))
    _take(got, 2, _page("x", "r3", "r4", x={"v": 1}))  # changed between the two requests
    assert _ids(got) == ["r0", "r3", "r4"]
    assert not got.listed_twice()[0].same


def test_an_overlapping_page_may_list_it_at_more_places_past_what_came():
    got = Received("sis.test/things", keep_listed_twice=True)
    assert _take(got, 3, _page("r3", "r4", "x", "x")) == 0  # places 3-6
    assert _take(got, 5, _page("x", "x", "x", "r8")) == 0  # 5, 6 and 7: 7 is new
    assert [t.places for t in got.listed_twice()] == [(5, 6, 7)]
    assert got.places() == 6  # r3, r4, three copies of x and r8


@pytest.mark.parametrize(
    ("offset", "page", "moved"),
    [
        (7, ("x", "r8"), 1),  # once, at a place it never had
        (7, ("r7", "x", "x"), 2),  # twice again, at other places
        (5, ("x", "x", "r7", "x"), 3),  # a place an earlier page gave to r8
    ],
)
def test_a_record_listed_twice_then_at_other_places_is_the_paging_fault(offset, page, moved):
    got = Received("sis.test/things", keep_listed_twice=True)
    assert _take(got, 3, _page("r3", "r4", "x", "x", "r7", "r8")) == 0  # places 3-8
    assert _take(got, offset, _page(*page)) == moved


def test_a_record_listed_across_a_page_boundary_is_the_paging_fault():
    """Places 2 and 3 with pages of 3: nothing tells it from an unstable order."""
    got = Received("sis.test/things", keep_listed_twice=True)
    assert _take(got, 0, _page("r0", "r1", "x")) == 0
    assert _take(got, 3, _page("x", "r4", "r5")) == 1
