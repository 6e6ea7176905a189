"""Offset paging with a total count: the page that confirms the end goes out with the rest,
not after them (one round trip less at the end of the biggest collection), and stopping
takes an empty page (a short one ends nothing: servers clamp ``limit``)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from caseload.sources.http import ApiClient, Credentials, SyncError


def _server(rows: int, limit_seen: list[tuple[int, int]], in_flight: list[int]):
    state = {"now": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        state["now"] += 1
        in_flight.append(state["now"])
        limit_seen.append((offset, state["now"]))
        await asyncio.sleep(0.02)
        state["now"] -= 1
        page = [{"sourcedId": f"r{i}"} for i in range(offset, min(rows, offset + limit))]
        return httpx.Response(200, headers={"X-Total-Count": str(rows)},
                              content=json.dumps({"things": page}).encode())

    return httpx.MockTransport(handler)


def _collect(rows: int, limit: int) -> tuple[list[dict], list[tuple[int, int]], list[int]]:
    seen: list[tuple[int, int]] = []
    in_flight: list[int] = []

    async def go() -> list[dict]:
        creds = Credentials("http://sis.test/token", "id", "secret-value")
        async with ApiClient("http://sis.test/api", creds, concurrency=8,
                             transport=_server(rows, seen, in_flight)) as api:
            got = await api.collect("/things", extract=lambda d: d["things"],
                                    key=lambda i: i["sourcedId"], limit=limit)
            assert got is not None
            return got

    return asyncio.run(go()), seen, in_flight


def test_the_confirming_page_goes_out_with_the_rest():
    got, seen, in_flight = _collect(rows=6, limit=2)
    assert [i["sourcedId"] for i in got] == [f"r{i}" for i in range(6)]
    assert sorted(o for o, _ in seen) == [0, 2, 4, 6]  # 6: the empty page that confirms
    assert max(in_flight) == 3  # 2, 4 and 6 at once, after the first page


def test_a_count_that_is_not_a_multiple_confirms_the_end_in_the_same_batch():
    got, seen, in_flight = _collect(rows=5, limit=2)
    assert len(got) == 5
    assert sorted(o for o, _ in seen) == [0, 2, 4, 5]  # 5: the empty page that confirms
    assert max(in_flight) == 3


def _irregular(rows: int, sizes: dict[int, int], clamp: int, total: int | None,
               asked: list[int]) -> httpx.MockTransport:
    """A server that clamps pages to ``clamp`` records, and to ``sizes[offset]`` at some
    offsets (a short page in the middle), and sends ``total`` as its count."""

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
        offset = int(request.url.params["offset"])
        asked.append(offset)
        n = min(int(request.url.params["limit"]), clamp, sizes.get(offset, clamp))
        page = [{"sourcedId": f"r{i}"} for i in range(offset, min(rows, offset + n))]
        headers = {"X-Total-Count": str(total)} if total is not None else {}
        return httpx.Response(200, headers=headers, json={"things": page})

    return httpx.MockTransport(handler)


def _collect_from(transport: httpx.MockTransport, limit: int = 100) -> list[dict]:
    async def go() -> list[dict]:
        creds = Credentials("http://sis.test/token", "id", "secret-value")
        async with ApiClient("http://sis.test/api", creds, transport=transport) as api:
            got = await api.collect("/things", extract=lambda d: d["things"],
                                    key=lambda i: i["sourcedId"], limit=limit)
            assert got is not None
            return got

    return asyncio.run(go())


@pytest.mark.parametrize("total", [None, 40])
def test_a_short_page_in_the_middle_leaves_no_gap(total):
    asked: list[int] = []
    got = _collect_from(_irregular(40, {7: 3, 21: 1}, clamp=7, total=total, asked=asked))
    assert [i["sourcedId"] for i in got] == [f"r{i}" for i in range(40)]
    assert 40 in asked  # ended on the empty page


def test_a_total_that_lies_is_an_error_and_asks_a_bounded_number_of_pages():
    asked: list[int] = []
    with pytest.raises(SyncError, match=r"promised 1,000,000,000 records .* but sent 30"):
        _collect_from(_irregular(30, {}, clamp=7, total=10**9, asked=asked))
    assert len(asked) <= 2 + 256


def test_a_total_that_changes_while_the_collection_is_read_is_refused():
    """A record deleted on the server after the first page shifts every later one back: the
    record at the page boundary was skipped and the sync went on with one record less."""
    state = {"pages": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        state["pages"] += 1
        rows = [f"r{i}" for i in range(6)]
        if state["pages"] > 1:
            rows.remove("r1")  # deleted on the server after the first page was served
        page = [{"sourcedId": r} for r in rows[offset : offset + limit]]
        return httpx.Response(200, headers={"X-Total-Count": str(len(rows))},
                              content=json.dumps({"things": page}).encode())

    async def go() -> None:
        creds = Credentials("http://sis.test/token", "id", "secret-value")
        async with ApiClient("http://sis.test/api", creds, concurrency=1,
                             transport=httpx.MockTransport(handler)) as api:
            await api.collect("/things", extract=lambda d: d["things"],
                              key=lambda i: i["sourcedId"], limit=2)

    with pytest.raises(SyncError, match=r"the collection changed while it was read \(its "
                                        r"total count went from 6 to 5\)"):
        asyncio.run(go())


def _moving(rows: int, total: int | None, modified: str, asked: list[int]):
    """A server that orders by last modified: ``modified`` changes after the first page was
    served and moves to the end, so the record after it moves into its place unseen."""
    order = [f"r{i}" for i in range(rows)]

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        asked.append(offset)
        if len(asked) == 2:  # changed while the second page was asked for
            order.remove(modified)
            order.append(modified)
        page = [{"sourcedId": r} for r in order[offset : offset + limit]]
        headers = {"X-Total-Count": str(total)} if total is not None else {}
        return httpx.Response(200, headers=headers, json={"things": page})

    return httpx.MockTransport(handler)


def test_a_record_sent_again_at_another_place_fails_without_a_total():
    # pages [r0 r1], then r1 moves to the end: [r3 r4], [r5 r1]: r2 never comes
    asked: list[int] = []
    with pytest.raises(SyncError, match=r"the server sent 1 record at offset 4 that it had "
                                        r"already sent: its paging order is not stable, so "
                                        r"records may be missing; nothing was applied"):
        _collect_from(_moving(6, None, "r1", asked), limit=2)


def test_a_total_that_still_matches_cannot_vouch_for_a_repeat():
    """The server's total (6) is one short of what it holds (7): after r1 moves, the distinct
    records received (r0 r1 r3 r4 r5 r6) are exactly 6, and r2 never came."""
    asked: list[int] = []
    with pytest.raises(SyncError, match=r"sent 1 record at offset 6 that it had already sent"):
        _collect_from(_moving(7, 6, "r1", asked), limit=2)


@pytest.mark.parametrize("total", [None, 30])
def test_pages_that_overlap_at_the_same_places_are_no_repeat(total):
    """A server whose first page is short (3) and the next ones long (10): the pages asked for
    at steps of 3 overlap, each record at the same place every time."""
    asked: list[int] = []
    got = _collect_from(_irregular(30, {0: 3}, clamp=10, total=total, asked=asked))
    assert [i["sourcedId"] for i in got] == [f"r{i}" for i in range(30)]
    assert 3 in asked and 6 in asked  # overlapping pages were asked for


def test_a_total_of_one_record_is_said_in_the_singular():
    with pytest.raises(SyncError, match=r"promised 1 record \(its total count\) but sent 0"):
        _collect_from(_irregular(0, {}, clamp=7, total=1, asked=[]))
