"""An async HTTP client for the SIS APIs: OAuth 2.0 client credentials, bounded
concurrency, timeouts, retries with backoff, offset paging and clear errors.

- Tokens: client credentials at ``token_url`` (HTTP Basic auth with the client id and secret,
  form body, RFC 6749 section 4.4), cached until shortly before they expire, renewed on a 401
  once; a second 401 is a :class:`SyncError` ("credentials rejected").
- Concurrency: an ``asyncio.Semaphore`` bounds requests in flight (default 4) over one
  ``httpx.AsyncClient`` (connection reuse).
- Retries (tenacity): connection errors, timeouts, 429 and 5xx, with exponential backoff and
  jitter, honouring ``Retry-After`` (seconds or an HTTP date), up to ``max_attempts``.
- Errors: one :class:`SyncError` per failure a user can act on. Messages name the URL path,
  never the query string's values beyond the path, a secret or a token; server-supplied text
  is scrubbed of any secret before it is shown, in every form a server may echo it
  (URL-encoded, JSON-escaped, base64 of ``client_id:secret``: :mod:`caseload.redact`),
  and so are the records of the ``caseload`` and ``httpx`` loggers while the client is open.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import functools
import json
import logging
import os
import random
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from caseload import _runtime
from caseload.domain.text import plural
from caseload.redact import RedactingFilter, Redactor
from caseload.sources.paging import ListedTwice, ListedTwiceError, Received

log = logging.getLogger("caseload.sync")
# the loggers a sync writes to (ours, and httpx's request lines): scrubbed while a client is open
_LOGGERS = ("caseload", "caseload.sync", "httpx")

DEFAULT_CONCURRENCY = 4
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 5
TOKEN_MARGIN = 30.0  # renew a token this many seconds before it expires
MAX_BATCH = 256  # pages asked for in one go when a total count says how many remain

PageProgress = Callable[[int, int | None], None]  # (rows so far, total when the server says)


class SyncError(Exception):
    """A sync failure, worded for the user. Never holds a secret or a token."""


class _Retryable(Exception):  # an internal signal: never escapes ApiClient
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Credentials:
    token_url: str
    client_id: str
    secret: str = field(repr=False)
    scopes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"Credentials(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            "secret=***)"
        )


@dataclass
class _Token:
    value: str = field(repr=False)
    expires_at: float
    generation: int

    def __repr__(self) -> str:
        return f"_Token(generation={self.generation}, value=***)"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _imsx(payload: Any) -> str | None:
    """'codeMajor: description' from a OneRoster imsx status payload, wherever it nests."""

    def find(obj: Any, depth: int = 0) -> dict[str, Any] | None:
        if depth > 3:
            return None
        if isinstance(obj, dict):
            keys = {k.casefold(): k for k in obj}
            if "imsx_codemajor" in keys or "imsx_description" in keys:
                return {k.casefold(): v for k, v in obj.items()}
            for v in obj.values():
                found = find(v, depth + 1)
                if found:
                    return found
        elif isinstance(obj, list):
            for v in obj[:3]:
                found = find(v, depth + 1)
                if found:
                    return found
        return None

    info = find(payload)
    if not info:
        return None
    major = str(info.get("imsx_codemajor") or "").strip()
    desc = str(info.get("imsx_description") or "").strip()
    text = ": ".join(p for p in (major, desc) if p)
    return text or None


def _oauth_error(resp: httpx.Response) -> str | None:
    try:
        data = resp.json()
    except Exception:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str):
        desc = data.get("error_description")
        return error + (f" ({desc})" if isinstance(desc, str) and desc else "")
    return None


@functools.cache
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default TLS context (certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR when
    set), made once per process and per those settings: making one reads the whole CA bundle
    (about 20 ms), which every sync paid again."""
    return httpx.create_ssl_context()


def _server_clock_at_send(date_header: str, took: float) -> float | None:
    """The server's clock (epoch seconds) when a request was sent, from its answer's ``Date``
    header: stamped when the answer was made, after the query ran, so less the time the
    request took and the second the header's resolution may hide. A date with no zone
    (``-0000``) is UTC, as HTTP dates are; None for a header that is not a date."""
    try:
        stamp = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp() - took - 1.0


class ApiClient:
    """One source's HTTP client. Use as ``async with ApiClient(...) as api``."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        headers: dict[str, str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
        token_body_auth: bool = False,
        other_urls: tuple[str, ...] = (),
    ):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.base_url = base_url.rstrip("/")
        self._creds = credentials
        self._extra_headers = dict(headers or {})
        # where this client may send a request: the origins (scheme, host, port) of base_url,
        # of the token URL and of ``other_urls`` (Ed-Fi's change queries)
        self._origins = {
            (u.scheme, u.host, u.port)
            for u in map(httpx.URL, filter(None, (base_url, credentials.token_url, *other_urls)))
        }
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._token_body_auth = token_body_auth
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._sem = asyncio.Semaphore(concurrency)
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()
        self._generation = 0
        self.server_date: float | None = None  # server clock at the earliest request (epoch)
        self.requests = 0
        self.redactor = Redactor()
        self.redactor.add(credentials.secret, credentials.client_id)
        for value in self._extra_headers.values():
            self.redactor.add(value)
        self._log_filter = RedactingFilter(self.redactor)

    def __repr__(self) -> str:
        return (
            f"ApiClient(base_url={self.base_url!r}, client_id={self._creds.client_id!r}, "
            f"concurrency={self.concurrency})"
        )

    # --- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> ApiClient:
        _runtime.skip_missing_sniffio()
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(self._log_filter)
        limits = httpx.Limits(
            max_connections=self.concurrency + 2, max_keepalive_connections=self.concurrency + 2
        )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 15.0)),
            limits=limits,
            transport=self._transport,
            verify=_ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")),
            follow_redirects=True,
            headers={"Accept": "application/json", "User-Agent": "caseload-sync"},
            event_hooks={"request": [self._only_known_origins]},
        )
        return self

    async def _only_known_origins(self, request: httpx.Request) -> None:
        """Refuse a request to any other origin before it is sent: a redirect elsewhere
        would carry the source's headers (a vendor key) or, for the token, its secret (httpx
        drops only ``Authorization`` when a redirect leaves the origin)."""
        url = request.url
        if (url.scheme, url.host, url.port) not in self._origins:
            raise self._fail(
                f"the server redirected to {url.scheme}://{url.host}"
                f"{'' if url.port is None else f':{url.port}'}, which is not the source's "
                "address: caseload sends the source's credentials only to the hosts of "
                "base_url, token_url and change_queries_url (set them to the address the server "
                "redirects to)"
            )

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._client is not None:
                await self._client.aclose()
                self._client = None
        finally:
            for name in _LOGGERS:
                logging.getLogger(name).removeFilter(self._log_filter)

    # --- secrets hygiene -------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """``text`` with every secret or token this client knows replaced by ***, in any of
        the forms a server may echo it (see :mod:`caseload.redact`)."""
        return self.redactor.scrub(text)

    def _fail(self, message: str) -> SyncError:
        return SyncError(self.scrub(message))

    @staticmethod
    def _where(url: str) -> str:
        """Host and path of a URL, for messages (no query string)."""
        parts = urlsplit(url)
        return f"{parts.netloc}{parts.path}"

    # --- retries ---------------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return float(exc.retry_after)
        # exponential backoff with full jitter on top: backoff * 2^(n-1) + U(0, backoff)
        exp = self.backoff * 2.0 ** (state.attempt_number - 1)
        return min(self.max_backoff, exp) + random.uniform(0, self.backoff)

    async def _with_retries(self, what: str, attempt: Callable[[], Any]) -> Any:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
            before_sleep=lambda s: log.info(
                "retrying %s (attempt %d): %s",
                what,
                s.attempt_number + 1,
                s.outcome.exception() if s.outcome else "",
            ),
        )
        try:
            return await retrying(attempt)
        except _Retryable as exc:
            raise self._fail(
                f"{what}: {exc} (gave up after {self.max_attempts} attempts)"
            ) from None

    def _check_transient(self, resp: httpx.Response, where: str) -> None:
        if resp.status_code == 429 or resp.status_code >= 500:
            after = parse_retry_after(resp.headers.get("Retry-After"))
            if after is not None and after > self.max_retry_after:
                raise self._fail(
                    f"{where}: the server is busy (HTTP {resp.status_code}) and asks to retry "
                    f"after {after:.0f} s; try again later"
                )
            reason = "rate limited (HTTP 429)" if resp.status_code == 429 else (
                f"server error (HTTP {resp.status_code})"
            )
            raise _Retryable(reason, after)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        assert self._client is not None, "use `async with ApiClient(...)`"
        where = self._where(url)
        try:
            # built before taking a slot: a slot is only held while on the wire
            auth = kwargs.pop("auth", httpx.USE_CLIENT_DEFAULT)
            request = self._client.build_request(method, url, **kwargs)
            async with self._sem:
                self.requests += 1
                sent = time.monotonic()
                resp = await self._client.send(request, auth=auth)
                took = time.monotonic() - sent
            # let a request waiting for the slot just freed go out before this response is
            # decoded and mapped
            await asyncio.sleep(0)
        except httpx.TimeoutException:
            raise _Retryable(f"no answer within {self.timeout:g} s (timeout)") from None
        except httpx.ConnectError as exc:
            reason = str(exc) or type(exc).__name__
            raise _Retryable(f"cannot connect ({self.scrub(reason)})") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise _Retryable(f"connection dropped ({type(exc).__name__})") from None
        except httpx.InvalidURL:
            raise self._fail(f"{where}: not a valid URL: check base_url/token_url") from None
        if method == "GET" and resp.headers.get("Date"):
            when = _server_clock_at_send(resp.headers["Date"], took)
            if when is not None and (self.server_date is None or when < self.server_date):
                self.server_date = when
        return resp

    # --- tokens ----------------------------------------------------------------------------

    async def _fetch_token(self) -> _Token:
        creds = self._creds
        data = {"grant_type": "client_credentials"}
        if creds.scopes:
            data["scope"] = " ".join(creds.scopes)
        auth: httpx.BasicAuth | None = httpx.BasicAuth(creds.client_id, creds.secret)
        if self._token_body_auth:  # some servers want the credentials in the form body
            data["client_id"] = creds.client_id
            data["client_secret"] = creds.secret
            auth = None
        where = self._where(creds.token_url)

        async def attempt() -> httpx.Response:
            resp = await self._send("POST", creds.token_url, data=data, auth=auth)
            self._check_transient(resp, f"token request to {where}")
            return resp

        resp = await self._with_retries(f"token request to {where}", attempt)
        if resp.status_code in (400, 401):
            detail = _oauth_error(resp)
            raise self._fail(
                f"credentials rejected by the token endpoint {where} (HTTP {resp.status_code}"
                + (f": {detail}" if detail else "")
                + "): check client_id, the client secret and scopes"
            )
        if resp.status_code == 404:
            raise self._fail(f"token endpoint not found (HTTP 404) at {where}: check token_url")
        if resp.status_code == 403:
            raise self._fail(f"token request refused (HTTP 403) at {where}")
        if resp.status_code >= 300:
            raise self._fail(f"token request failed (HTTP {resp.status_code}) at {where}")
        try:
            body = resp.json()
            value = body["access_token"]
            if not isinstance(value, str) or not value:
                raise ValueError
        except Exception:
            raise self._fail(
                f"the token endpoint {where} did not return an access_token"
            ) from None
        try:
            expires_in = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            expires_in = 3600.0
        self._generation += 1
        self.redactor.add(value)
        margin = min(TOKEN_MARGIN, expires_in / 10)
        return _Token(value, time.monotonic() + expires_in - margin, self._generation)

    async def _get_token(self, *, stale: _Token | None = None) -> _Token:
        async with self._token_lock:
            tok = self._token
            fresh = tok is not None and time.monotonic() < tok.expires_at
            if fresh and (stale is None or tok is not stale):
                assert tok is not None
                return tok
            self._token = await self._fetch_token()
            return self._token

    # --- requests --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + "/" + path.lstrip("/")

    async def get_json(
        self, path: str, params: dict[str, Any] | None = None, *, optional: bool = False
    ) -> tuple[Any, httpx.Headers]:
        """GET ``path`` (under base_url, or a full URL) and decode its JSON.

        ``optional``: a 404 or 403 returns ``(None, headers)`` instead of raising.
        """
        url = self.url(path)
        where = self._where(url)
        renewed = False
        while True:
            token = await self._get_token()

            async def attempt(token: _Token = token) -> httpx.Response:
                headers = {"Authorization": f"Bearer {token.value}", **self._extra_headers}
                resp = await self._send("GET", url, params=params, headers=headers)
                self._check_transient(resp, f"GET {where}")
                return resp

            resp = await self._with_retries(f"GET {where}", attempt)
            if resp.status_code == 401:
                if renewed:
                    raise self._fail(
                        f"credentials rejected: {where} answered 401 even to a new token "
                        "(check the client secret, its scopes and any extra headers)"
                    )
                log.info("%s answered 401: asking for a new token", where)
                await self._get_token(stale=token)
                renewed = True
                continue
            break
        if resp.status_code >= 400:
            if optional and resp.status_code in (403, 404):
                return None, resp.headers
            raise self._status_error(resp, where)
        body = resp.content
        try:
            return json.loads(body), resp.headers
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            pos = getattr(exc, "pos", None) or getattr(exc, "start", 0)
            raise self._fail(
                f"GET {where}: the server sent invalid JSON (truncated or malformed) at offset "
                f"{pos} of {len(body)} bytes"
            ) from None

    def _status_error(self, resp: httpx.Response, where: str) -> SyncError:
        try:
            payload = resp.json()
        except Exception:
            payload = None
        imsx = _imsx(payload)
        suffix = f"; the server says: {imsx}" if imsx else ""
        code = resp.status_code
        if code == 403:
            scopes = " ".join(self._creds.scopes) or "(the server's default)"
            return self._fail(
                f"access denied (HTTP 403) to {where}: the client lacks the scope for this "
                f"resource (asked for {scopes}){suffix}"
            )
        if code == 404:
            return self._fail(
                f"not found (HTTP 404) at {where}: check base_url and version{suffix}"
            )
        return self._fail(f"GET {where} failed (HTTP {code}){suffix}")

    # --- paging ----------------------------------------------------------------------------

    async def collect(
        self,
        path: str,
        *,
        extract: Callable[[Any], list[dict[str, Any]]],
        key: Callable[[dict[str, Any]], Any],
        limit: int,
        params: dict[str, Any] | None = None,
        total_header: Sequence[str] = ("X-Total-Count",),
        progress: PageProgress | None = None,
        optional: bool = False,
        on_page: Callable[[int, list[dict[str, Any]]], None] | None = None,
        listed_twice: list[ListedTwice] | None = None,
    ) -> list[dict[str, Any]] | None:
        """Every item of an offset-paged collection, in order, deduplicated by ``key``.

        Pages run to the end whatever page size the server picks: a server may clamp
        ``limit`` (to 50, 97, anything), so a short page ends nothing; only an EMPTY page at
        the next offset does. The server's page size is learnt from the first page, and
        the next pages are asked for at ``offset + size`` steps, ``concurrency`` at a time
        (all the rest at once, with the empty page that confirms the end, when a total
        header says how many). A page shorter than the others in the middle leaves no gap:
        the next batch starts where the records stopped.

        A total header (``X-Total-Count``; Ed-Fi's ``Total-Count`` with ``totalCount=true``),
        when sent, is checked at the end: fewer records than it promised is a
        :class:`SyncError`, as is a total that changes from page to page (records came or
        went while the collection was read: one may have been skipped). A page with the
        same ids as the one before it means the server ignores ``offset``: a SyncError, not
        an endless loop.

        A record received again at ANOTHER place (offset + index) than where it first came
        is a SyncError too, total or not: the server's order is not stable, and a record it
        sends twice takes the place of one it never sends (a total that still matches
        cannot vouch for it: see docs/SYNC.md). The same record at the same place again is
        only pages that overlap (a server whose page size grows after the first page), and
        its later copy counts. A record listed twice in ONE page is a SyncError naming it:
        no paging fault, and a new sync gets the same (as a CSV file's duplicate id is
        refused). Given ``listed_twice`` (a list: ``--skip-invalid``), such a record is left
        out of the collection instead (kept once when its copies are identical) and described
        there, for the rejects file (:mod:`caseload.sources.paging`); a total then counts its
        copies, as the server's does.

        ``on_page(offset, items)`` sees each page's items as soon as it arrives (in arrival
        order, before deduplication, including pages fetched past the end); the returned
        list is what counts.
        """
        base = dict(params or {})
        where = self._where(self.url(path))
        Page = tuple[list[dict[str, Any]], int | None]

        async def page(offset: int) -> Page | None:
            data, headers = await self.get_json(
                path, {**base, "limit": limit, "offset": offset}, optional=optional
            )
            if data is None:
                return None
            items = extract(data)
            if on_page is not None:
                on_page(offset, items)
            total = None
            for h in total_header:
                raw = headers.get(h)
                if raw is not None and raw.strip().isdigit() and raw.isascii():
                    total = int(raw.strip())
                    break
            return items, total

        first = await page(0)
        if first is None:
            return None
        # (what it says of a record listed twice goes to the rejects file: scrubbed too)
        got = Received(self.scrub(where), keep_listed_twice=listed_twice is not None)
        previous: list[Any] | None = None
        total: int | None = first[1]

        def take(items: list[dict[str, Any]], offset: int) -> None:
            nonlocal previous
            ids = [key(i) for i in items]
            if items and previous is not None and ids == previous:
                raise self._fail(
                    f"GET {where}: the server sent the same page again at offset {offset} "
                    "(it seems to ignore limit/offset paging); stopping"
                )
            previous = ids
            try:
                moved = got.take(items, ids, offset)
            except ListedTwiceError as exc:
                raise self._fail(f"GET {where}: {exc}") from None
            if moved:
                raise self._fail(
                    f"GET {where}: the server sent {moved:,} record{'s' * (moved != 1)} at "
                    f"offset {offset:,} that it had already sent: its paging order is not "
                    "stable, so records may be missing; nothing was applied (run the sync "
                    "again; if it persists, the server needs a stable sort order for paging)"
                )
            if progress:
                progress(len(got), total)

        take(first[0], 0)
        cursor = len(first[0])  # the next record not yet received
        size = cursor  # the server's page size, as far as seen
        width = max(1, self.concurrency)
        empty_at: int | None = None  # the lowest offset past the cursor that came back empty
        while cursor:  # an empty first page is the end
            step = max(1, size)
            if total is not None and cursor < total:
                # the server said how many: ask for the rest at once, with the empty page
                # that confirms the end (at most MAX_BATCH pages at a time: a total may lie;
                # the range is sliced before it is listed, so a lying total costs no memory)
                offsets = [*range(cursor, total, step)[:MAX_BATCH], total][:MAX_BATCH]
            elif total is not None and cursor == total:
                offsets = [cursor]  # all that was promised came: confirm the end
            else:
                offsets = [cursor + i * step for i in range(width)]
            if empty_at is not None:  # nothing lies past that: only the gap before it
                offsets = [o for o in offsets if o < empty_at] or [cursor]
            pages = await asyncio.gather(*(page(o) for o in offsets))
            ended = False
            for i, (o, result) in enumerate(zip(offsets, pages, strict=True)):
                items, said = result if result else ([], None)
                if o > cursor:
                    # a short page left a gap: the next batch starts at the cursor
                    rest = zip(offsets[i:], pages[i:], strict=True)
                    empty_at = min((x for x, r in rest if not (r and r[0])), default=None)
                    break
                if said is not None:
                    if total is not None and said != total:
                        # records came or went while the collection was paged: offsets
                        # moved under it, so one may have been skipped (or read twice)
                        raise self._fail(
                            f"GET {where}: the collection changed while it was read (its "
                            f"total count went from {total:,} to {said:,}); nothing was "
                            "applied: run the sync again"
                        )
                    total = said
                if not items:
                    ended = True  # an empty page where the records stopped: the end
                    break
                take(items, o)
                size = max(size, len(items))
                cursor = max(cursor, o + len(items))
            if ended:
                break
        if total is not None and got.places() < total:
            raise self._fail(
                f"GET {where}: the server promised {plural(total, 'record', grouped=True)} "
                "(its total count) but "
                f"sent {got.places():,}; nothing was applied (try again; if it persists, the "
                "server's paging is broken)"
            )
        if listed_twice is not None:
            listed_twice.extend(got.listed_twice())
        return got.records()
