"""``caseload sync``: bring the cache up to date from a configured API source.

One run = fetch everything (concurrently, see :mod:`caseload.sources.http`), map it to a
Dataset (payload in, records out: :mod:`~caseload.sources.oneroster_rest`,
:mod:`~caseload.sources.edfi_api`), complete what an incremental sync's changes alone cannot
tell from the cache (:mod:`~caseload.sources.oneroster_sync`,
:mod:`~caseload.sources.edfi_sync`), then apply it with
:func:`caseload.sources.loader.load` in ONE transaction. The
source's high-water mark (``sync_state``: a time for OneRoster, a change version for Ed-Fi) is
written inside that same transaction, so it moves only when the data landed. Any failure
leaves the cache exactly as it was and records a failed ``import_runs`` row.

Config (``[sources.NAME]``, see docs/SYNC.md): ``kind`` (oneroster | edfi), ``base_url``,
``token_url``, ``client_id``; optional ``version``, ``scopes``, ``headers``, ``page_size``,
``concurrency``, ``timeout``, ``paths`` (OneRoster), ``change_queries``/``change_queries_url``
(Ed-Fi). Secrets come from :mod:`caseload.sources.secrets`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import httpx
from sqlalchemy import Connection, Engine, select

from caseload._runtime import gc_paused
from caseload.domain.records import Deletion
from caseload.domain.text import plural
from caseload.sources import (
    loader,
    oneroster_fetch,
    oneroster_rest,
    oneroster_sync,
    paging,
    secrets,
)
from caseload.sources.dataset import Dataset, Reject, SourceError
from caseload.sources.http import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_TIMEOUT,
    ApiClient,
    Credentials,
    SyncError,
)
from caseload.sources.paging import ListedTwice
from caseload.store.tables import METADATA

log = logging.getLogger("caseload.sync")

Progress = Callable[[str, int, int | None], None]  # (resource, done, total or None)

EDFI_KIND = "edfi-api"
KINDS = ("oneroster", "edfi")
_COMMON_KEYS = {
    "kind", "base_url", "token_url", "client_id", "version", "scopes", "headers",
    "page_size", "concurrency", "timeout", "max_attempts", "token_auth",
}
_KIND_KEYS = {"oneroster": {"paths"}, "edfi": {"change_queries", "change_queries_url"}}
_MARK_ATTR = "_caseload_sync_mark"
OVERLAP_SECONDS = 2  # ask again for changes this close to the last mark (clock resolution)

__all__ = ["SyncError", "SyncReport", "last_mark", "sync", "sync_async"]


@dataclass
class SyncReport:
    source: str
    kind: str
    mode: str  # "full" or "incremental"
    fetched: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    run_id: int | None = None
    mark: str | None = None
    seconds: float = 0.0
    requests: int = 0
    notes: list[str] = field(default_factory=list)  # about the fetch (resources not offered...)
    # the loader's summary lines beyond the counts, as an import prints them (e.g. "not
    # shown: N results for students not enrolled in their class")
    notices: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.fetched.values())


@dataclass(frozen=True)
class _Mark:
    source: str
    kind: str
    mark_type: str
    mark: str


# --- the high-water mark ------------------------------------------------------------------------


def _write_mark(conn: Connection, ds: Dataset) -> None:
    """loader.AFTER_LOAD hook: store the sync's mark inside the load's transaction."""
    mark: _Mark | None = getattr(ds, _MARK_ATTR, None)
    if mark is None:
        return
    table = METADATA.tables["sync_state"]
    conn.execute(table.delete().where(table.c.source == mark.source))
    conn.execute(
        table.insert(),
        {
            "source": mark.source,
            "kind": mark.kind,
            "mark_type": mark.mark_type,
            "mark": mark.mark,
            "synced_at": dt.datetime.now(dt.UTC),
        },
    )


if _write_mark not in loader.AFTER_LOAD:
    loader.AFTER_LOAD.append(_write_mark)


def last_mark(engine: Engine, source: str) -> tuple[str, str, str] | None:
    """(kind, mark_type, mark) of the source's last successful sync, if any."""
    table = METADATA.tables["sync_state"]
    with engine.connect() as conn:
        row = conn.execute(
            select(table.c.kind, table.c.mark_type, table.c.mark).where(table.c.source == source)
        ).first()
    return (row.kind, row.mark_type, row.mark) if row else None


def _record_failure(engine: Engine, source: str, kind: str, started: dt.datetime, msg: str) -> None:
    runs = METADATA.tables["import_runs"]
    try:
        with engine.begin() as conn:
            conn.execute(
                runs.insert(),
                {
                    "source": source,
                    "kind": kind,
                    "started_at": started,
                    "finished_at": dt.datetime.now(dt.UTC),
                    "outcome": "failed",
                    "counts": "{}",
                    "message": msg[:2000],
                },
            )
    except Exception as exc:  # the original error matters more; its kind only, no traceback
        log.warning("could not record the failed sync run: %s", type(exc).__name__)


# --- config -----------------------------------------------------------------------------------


def _config(name: str, cfg: dict[str, Any]) -> dict[str, Any]:
    kind = cfg.get("kind")
    if kind not in KINDS:
        raise SyncError(
            f"[sources.{name}]: kind must be one of {', '.join(KINDS)} (got {kind!r})"
        )
    unknown = sorted(set(cfg) - _COMMON_KEYS - _KIND_KEYS[kind])
    if unknown:
        raise SyncError(f"[sources.{name}]: unknown setting(s) {', '.join(unknown)}")
    for key in ("base_url", "token_url", "client_id"):
        value = cfg.get(key)
        if not isinstance(value, str) or not value.strip():
            raise SyncError(f"[sources.{name}]: '{key}' is required")
    for key in ("base_url", "token_url"):
        if not cfg[key].startswith(("http://", "https://")):
            raise SyncError(f"[sources.{name}]: '{key}' must be an http(s) URL")
    headers = cfg.get("headers", [])
    if isinstance(headers, str):
        headers = [headers]
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise SyncError(
            f"[sources.{name}]: 'headers' lists header names, e.g. headers = "
            "[\"x-vendor-authorization\"]; their values are secrets (see docs/SYNC.md)"
        )
    for key in ("page_size", "concurrency", "max_attempts"):  # whole numbers, 1 or more
        value = cfg.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise SyncError(f"[sources.{name}]: '{key}' must be a whole number of 1 or more "
                            f"(got {value!r})")
    timeout = cfg.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)
                                or not math.isfinite(timeout) or timeout <= 0):
        raise SyncError(f"[sources.{name}]: 'timeout' must be a number of seconds above 0 "
                        f"(got {timeout!r})")
    if cfg.get("token_auth") not in (None, "basic", "body"):
        raise SyncError(f"[sources.{name}]: 'token_auth' must be \"basic\" or \"body\" "
                        f"(got {cfg['token_auth']!r})")
    if not isinstance(cfg.get("change_queries", True), bool):
        raise SyncError(f"[sources.{name}]: 'change_queries' must be true or false "
                        f"(got {cfg['change_queries']!r})")
    scopes = cfg.get("scopes")
    if isinstance(scopes, str):
        scopes = scopes.split()
    out = dict(cfg)
    out["headers"] = headers
    out["scopes"] = tuple(scopes) if scopes is not None else None
    return out


def _first_leaf(group: BaseException) -> BaseException:
    while isinstance(group, BaseExceptionGroup):
        ours = [e for e in group.exceptions if not isinstance(e, asyncio.CancelledError)]
        group = (ours or list(group.exceptions))[0]
    return group


def _kind_label(kind: str) -> str:
    return oneroster_rest.KIND if kind == "oneroster" else EDFI_KIND


# --- running --------------------------------------------------------------------------------


class SyncOptions(TypedDict, total=False):
    """The keyword options of :func:`sync` and :func:`sync_async` (defaults: ``_sync``'s)."""

    full: bool
    progress: Progress | None
    skip_invalid: bool
    concurrency: int | None
    timeout: float | None
    transport: httpx.AsyncBaseTransport | None
    max_attempts: int | None
    backoff: float


def sync(
    engine: Engine, name: str, source_cfg: dict[str, Any], **options: Unpack[SyncOptions]
) -> SyncReport:
    """Fetch source NAME and load it (sources/loader.py). Blocking (runs its own event loop;
    call :func:`sync_async` from async code). Raises SyncError, SourceError or
    secrets.SecretMissing with a message for the user; the cache is then unchanged."""
    return asyncio.run(sync_async(engine, name, source_cfg, **options))


async def sync_async(
    engine: Engine, name: str, source_cfg: dict[str, Any], **options: Unpack[SyncOptions]
) -> SyncReport:
    """:func:`sync` for async code (the app's worker). The cyclic garbage collector is paused
    for the run: a sync allocates a few acyclic containers per record (the decoded JSON, then
    the records), and with the collector on its full passes cost a third of a second of a
    30,000-record sync."""
    with gc_paused():
        return await _sync(engine, name, source_cfg, **options)


async def _sync(
    engine: Engine,
    name: str,
    source_cfg: dict[str, Any],
    *,
    full: bool = False,
    progress: Progress | None = None,
    skip_invalid: bool = False,
    concurrency: int | None = None,
    timeout: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_attempts: int | None = None,
    backoff: float = 0.5,
) -> SyncReport:
    cfg = _config(name, source_cfg)
    kind = cfg["kind"]
    label = _kind_label(kind)
    secret = secrets.client_secret(name)
    header_values = secrets.header_values(name, cfg["headers"])
    if kind == "oneroster":
        version = oneroster_rest.check_version(str(cfg.get("version", "1.2")))
        scopes = cfg["scopes"] if cfg["scopes"] is not None else oneroster_rest.default_scopes(
            version
        )
    else:
        version = str(cfg.get("version", ""))
        scopes = cfg["scopes"] or ()
    creds = Credentials(cfg["token_url"], cfg["client_id"], secret, tuple(scopes))
    api = ApiClient(
        cfg["base_url"],
        creds,
        headers=header_values,
        concurrency=int(concurrency or cfg.get("concurrency") or DEFAULT_CONCURRENCY),
        timeout=float(timeout or cfg.get("timeout") or DEFAULT_TIMEOUT),
        max_attempts=int(max_attempts or cfg.get("max_attempts") or DEFAULT_MAX_ATTEMPTS),
        backoff=backoff,
        transport=transport,
        token_body_auth=cfg.get("token_auth") == "body",
        other_urls=(cfg["change_queries_url"],) if cfg.get("change_queries_url") else (),
    )
    previous = None if full else last_mark(engine, name)
    if previous is not None and previous[0] != label:
        previous = None  # the source changed kind: start over
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    report = SyncReport(name, label, "incremental" if previous else "full")
    mark: tuple[str, str] | None
    try:
        async with api:
            try:
                if kind == "oneroster":
                    ds, mark = await _oneroster(
                        api, engine, name, cfg, version, previous, progress, skip_invalid, report
                    )
                else:
                    ds, mark = await _edfi(
                        api, engine, name, cfg, previous, progress, skip_invalid, report
                    )
            except ExceptionGroup as group:  # from a TaskGroup: its first real error
                raise _first_leaf(group) from None
    except (SyncError, SourceError) as exc:
        msg = exc.describe() if isinstance(exc, SourceError) else str(exc)
        _record_failure(engine, name, label, started, api.scrub(msg))
        raise
    except Exception as exc:
        msg = api.scrub(f"{type(exc).__name__}: {exc}")
        _record_failure(engine, name, label, started, msg)
        raise SyncError(f"sync of {name!r} failed: {msg}") from None
    report.requests = api.requests
    if mark is not None:
        setattr(ds, _MARK_ATTR, _Mark(name, label, mark[0], mark[1]))
        report.mark = mark[1]

    def load_progress(entity: str, done: int, total: int) -> None:
        if progress:
            progress(f"saving {entity}", done, total)

    loaded = loader.load(engine, ds, skip_invalid=skip_invalid, progress=load_progress)
    report.run_id = loaded.run_id
    report.counts = loaded.counts
    report.deleted = loaded.deleted
    report.rejects = loaded.rejects
    report.notices = list(loaded.notices)
    report.seconds = time.monotonic() - clock
    return report


async def _oneroster(
    api: ApiClient,
    engine: Engine,
    name: str,
    cfg: dict[str, Any],
    version: str,
    previous: tuple[str, str, str] | None,
    progress: Progress | None,
    skip_invalid: bool,
    report: SyncReport,
) -> tuple[Dataset, tuple[str, str]]:
    since = previous[2] if previous and previous[1] == "time" else None
    if since is None:
        report.mode = "full"  # (a mark of another kind asks for everything)
    started = time.time()
    paths = cfg.get("paths")
    if paths is not None and not isinstance(paths, dict):
        raise SyncError(f"[sources.{name}]: 'paths' must be a table of collection = path")
    # fetch and map: pages are mapped while the others are still in flight
    items, ds = await oneroster_fetch.fetch_dataset(
        api,
        version,
        name,
        since=since,
        limit=int(cfg.get("page_size") or 1000),
        progress=progress,
        paths=paths,
        skip_invalid=skip_invalid,
    )
    for res, got in items.items():
        if got is None:
            report.notes.append(f"{res}: not offered by the server (skipped)")
        else:
            report.fetched[res] = len(got)
    delta = since is not None
    # the sync side: what the changes alone cannot tell, from the cache
    oneroster_sync.keep_birth_dates(engine, ds, items.get("demographics"), delta=delta)
    # The next run asks for changes after the server's clock at our first request (its Date
    # header; our clock when it sends none), less a small overlap.
    at = api.server_date if api.server_date is not None else started
    mark = dt.datetime.fromtimestamp(at - OVERLAP_SECONDS, dt.UTC).replace(microsecond=0)
    return ds, ("time", mark.strftime("%Y-%m-%dT%H:%M:%SZ"))


async def _edfi(
    api: ApiClient,
    engine: Engine,
    name: str,
    cfg: dict[str, Any],
    previous: tuple[str, str, str] | None,
    progress: Progress | None,
    skip_invalid: bool,
    report: SyncReport,
) -> tuple[Dataset, tuple[str, str] | None]:
    from caseload.sources import edfi_api, edfi_deletes, edfi_fetch, edfi_parts, edfi_sync

    newest = None
    if cfg.get("change_queries", True):
        url = cfg.get("change_queries_url") or edfi_fetch.default_change_queries_url(
            cfg["base_url"]
        )
        newest = await edfi_fetch.newest_change_version(api, url)
        if newest is None:
            report.notes.append("change queries not offered: full sync")
    since = int(previous[2]) if previous and previous[1] == "change_version" else None
    if since is None or newest is None:
        report.mode = "full"
    # --skip-invalid: a record a page lists twice is rejected, not the whole sync
    listed_twice: dict[str, list[ListedTwice]] | None = {} if skip_invalid else None
    async with asyncio.TaskGroup() as tg:  # the records, and the kinds only counted beside
        fetched = tg.create_task(edfi_fetch.fetch(
            api,
            tuple(edfi_api.RESOURCES),
            since_version=since,
            newest=newest,
            limit=int(cfg.get("page_size") or edfi_fetch.MAX_LIMIT),
            progress=progress,
            listed_twice=listed_twice,
        ))
        counting = tg.create_task(edfi_fetch.count(
            api, edfi_api.COUNTED, since_version=since, newest=newest))
    items, deletes = fetched.result()
    counted, uncounted = counting.result()
    report.fetched = {k: len(v) for k, v in items.items()}
    report.notes += [
        f"{r.name}: not offered by the server (skipped)"
        for r in edfi_api.RESOURCES
        if r.name not in items
    ]
    report.notes += [f"not counted ({why}): {', '.join(names)} (records caseload does not "
                     "use)" for why, names in uncounted.items()]
    incremental = since is not None and newest is not None
    parts = edfi_deletes.deleted_parts(deletes)
    # a student's part in an incident whose changed record the delta carries alone, and whose
    # row the cache may hold: the row is the first of all its records, read again
    changed: dict[tuple[str, str], dict[str, str]] = {}
    if incremental:
        changed = {p: q for p, q in edfi_parts.changed_parts(items).items() if p not in parts}
        maybe = edfi_sync.parts_maybe_cached(engine, changed)
        changed = {p: q for p, q in changed.items() if p in maybe}
    if parts or changed:  # what remains of them, or all of them, from the server
        limit = int(cfg.get("page_size") or edfi_fetch.MAX_LIMIT)
        again = await edfi_parts.read_again(api, items, parts | changed, limit=limit,
                                            listed_twice=listed_twice)
        report.fetched.update({f"{k} read again": n for k, n in again.items()})
        report.notes += _parts_notes(len(parts), len(changed))
    ds, needs = edfi_api.map_items(name, items, skip_invalid=skip_invalid,
                                   incremental=incremental, counted=counted)
    if listed_twice:
        ds.rejects[:0] = _edfi_listed_twice(listed_twice)
    if incremental:
        # incremental: what changed records need from unchanged ones comes from the cache
        edfi_sync.keep_cached(engine, ds, needs, skip_invalid=skip_invalid)
    if changed:  # a changed part read again that makes no row any more (a DS 4 perpetrator
        # made a witness): its cached row goes, as a full sync of the new state has none
        gone_parts = edfi_sync.cached_parts(engine, ds, edfi_parts.unwritten(ds, changed))
        ds.deletions.extend(Deletion.by_key("student_incidents", *p) for p in sorted(gone_parts))
    if deletes:
        gone = edfi_deletes.deleted_to_dataset(name, deletes, skip_invalid=True)
        ds.deletions.extend(edfi_parts.still_deleted(ds, gone.deletions))
        ds.rejects.extend(gone.rejects)  # deletions caseload cannot map: reported
        report.fetched.update({f"{k} deleted": len(v) for k, v in deletes.items()})
    mark = ("change_version", str(newest)) if newest is not None else None
    return ds, mark


def _edfi_listed_twice(found: dict[str, list[ListedTwice]]) -> list[Reject]:
    """The rejects of the Ed-Fi records a page listed twice, as the mapping's rejects name a
    record (the resource, its id)."""
    from caseload.sources import edfi_api
    from caseload.sources.edfi_api_fields import label

    out: list[Reject] = []
    for res in edfi_api.RESOURCES:
        for listing in found.get(res.name, ()):
            record = label(listing.kept)
            out += paging.rejects(res.name, listing, field="id", line=record,
                                  raw=functools.partial(_edfi_row, res.name, record))
    return out


def _edfi_row(resource: str, record: str, _copy: object) -> dict[str, str]:
    return {"resource": resource, "record": record}


def _parts_notes(deleted: int, changed: int) -> list[str]:
    """The summary's notes on students' parts in discipline incidents read again."""

    def what(n: int, event: str) -> str:
        if n == 1:
            return f"1 student's part in a discipline incident read again after {event} "\
                "one of its records"
        return f"{n:,} students' parts in discipline incidents read again after {event} "\
            "one of their records"

    notes = []
    if deleted:
        notes.append(what(deleted, "a deletion of")
                     + " (what remains is stored, as a full sync stores it)")
    if changed:
        notes.append(what(changed, "a change to")
                     + " (the row is made of all of them, as a full sync makes it)")
    return notes


def summary_line(report: SyncReport) -> str:
    """One line for a notification or a log."""
    applied = sum(report.counts.values())
    deleted = sum(report.deleted.values())
    text = (
        f"Synced {report.source} ({report.mode}): "
        f"{plural(report.rows, 'record', grouped=True)} fetched, "
        f"{applied:,} applied"
    )
    if deleted:
        text += f", {deleted:,} deleted"
    if report.rejects:
        text += f", {len(report.rejects):,} rejected"
    return text + f" in {report.seconds:.1f} s"
