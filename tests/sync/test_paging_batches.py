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
