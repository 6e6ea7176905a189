"""The incremental mark is the server's clock when the first request was sent: an answer's
``Date`` is stamped after its query ran, so a change made while a slow first page was read
would fall after a mark taken from ``Date`` alone, and the next sync (``dateLastModified >
mark``) would never ask for it."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils

import httpx

from caseload.sources.http import ApiClient, Credentials, _server_clock_at_send

STAMP = dt.datetime(2026, 12, 4, 12, 0, 0, tzinfo=dt.UTC)


def test_a_date_less_the_time_the_request_took_and_its_resolution() -> None:
    header = email.utils.format_datetime(STAMP, usegmt=True)
    assert _server_clock_at_send(header, 5.0) == STAMP.timestamp() - 6.0
    # "-0000" (no zone known) is UTC, as HTTP dates are, not this machine's local time
    assert _server_clock_at_send("Fri, 04 Dec 2026 12:00:00 -0000", 0.0) == \
        STAMP.timestamp() - 1.0
    assert _server_clock_at_send("yesterday", 0.0) is None


def test_a_slow_first_page_moves_the_mark_back() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
        await asyncio.sleep(0.3)  # the query runs; the answer is stamped when it is done
        return httpx.Response(
            200, headers={"Date": email.utils.format_datetime(STAMP, usegmt=True),
                          "X-Total-Count": "0"},
            json={"things": []},
        )

    async def go() -> float | None:
        creds = Credentials("https://sis.test/token", "id", "secret-value")
        async with ApiClient("https://sis.test/api", creds,
                             transport=httpx.MockTransport(handler)) as api:
            await api.collect("/things", extract=lambda d: d["things"],
                              key=lambda i: i["sourcedId"], limit=10)
            return api.server_date

    got = asyncio.run(go())
    assert got is not None and got <= STAMP.timestamp() - 1.3
