"""A redirect to another origin is refused before anything is sent there: httpx drops only
``Authorization`` when a redirect leaves the origin, so a vendor's key header (or, for the
token request, the client secret in its body) would have followed it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from caseload.sources.http import ApiClient, Credentials, SyncError


def _run(handler, *, body_auth: bool = False) -> list[str]:
    seen: list[str] = []

    async def recording(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.host}{request.url.path}")
        return await handler(request)

    async def go() -> None:
        creds = Credentials("https://sis.test/token", "id", "S3CRET-value")
        async with ApiClient("https://sis.test/api", creds, headers={"X-Vendor-Key": "VKEY"},
                             transport=httpx.MockTransport(recording),
                             token_body_auth=body_auth) as api:
            await api.collect("/things", extract=lambda d: d["things"],
                              key=lambda i: i["sourcedId"], limit=10)

    with pytest.raises(SyncError) as info:
        asyncio.run(go())
    message = str(info.value)
    assert "redirected to https://other.test" in message
    assert "S3CRET" not in message and "VKEY" not in message
    return seen


def test_a_redirect_of_a_collection_to_another_host_is_refused() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
        if request.url.host == "sis.test":
            return httpx.Response(302, headers={"Location": "https://other.test/api/things"})
        return httpx.Response(200, json={"things": []})

    seen = _run(handler)
    assert not any("other.test" in s for s in seen)


@pytest.mark.parametrize("body_auth", [False, True])
def test_a_redirect_of_the_token_request_to_another_host_is_refused(body_auth: bool) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "sis.test" and request.url.path == "/token":
            return httpx.Response(307, headers={"Location": "https://other.test/token"})
        return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})

    seen = _run(handler, body_auth=body_auth)
    assert not any("other.test" in s for s in seen)


def test_a_redirect_within_the_source_is_followed() -> None:
    async def go() -> list[dict]:
        async def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/token":
                return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 3600})
            if request.url.path == "/api/things":
                query = request.url.query.decode()
                return httpx.Response(301, headers={"Location": f"/api/v2/things?{query}"})
            offset = int(request.url.params["offset"])
            page = [{"sourcedId": "r0"}] if offset == 0 else []
            return httpx.Response(200, headers={"X-Total-Count": "1"}, json={"things": page})

        creds = Credentials("https://sis.test/token", "id", "secret-value")
        async with ApiClient("https://sis.test/api", creds,
                             transport=httpx.MockTransport(handler)) as api:
            got = await api.collect("/things", extract=lambda d: d["things"],
                                    key=lambda i: i["sourcedId"], limit=10)
            assert got is not None
            return got

    assert [i["sourcedId"] for i in asyncio.run(go())] == ["r0"]
