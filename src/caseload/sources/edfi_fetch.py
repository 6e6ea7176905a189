"""The Ed-Fi ODS/API fetch side: paging, change versions and deletes.

Resources and the JSON → record mapping live in :mod:`caseload.sources.edfi_api`
(``RESOURCES`` with ``.name`` and ``.path``; ``map_items``/``to_dataset``) and
:mod:`caseload.sources.edfi_deletes`. This module only talks HTTP, through
:class:`ApiClient`:

- ``GET {base_url}{resource.path}?offset=&limit=&totalCount=true`` (limit at most 500),
  paged to an empty page whatever page size the server picks; the ``Total-Count`` header
  feeds the progress bar and is checked at the end (fewer records than it promised is a
  SyncError: :meth:`ApiClient.collect`);
- ``GET {base_url}{resource.path}?offset=0&limit=0&totalCount=true`` for a resource only
  counted (:func:`count`): the ``Total-Count`` header, no record;
- change queries where the server offers them: ``availableChangeVersions`` (at
  ``change_queries_url``, by default the API root's ``/changeQueries/v1``) gives the newest
  change version; an incremental sync asks each resource for
  ``minChangeVersion=<last+1>&maxChangeVersion=<newest>`` and its ``/deletes``;
  without change queries every sync is a full one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx

from caseload.sources.http import ApiClient, SyncError
from caseload.sources.paging import ListedTwice

MAX_LIMIT = 500

Progress = Callable[[str, int, int | None], None]


def default_change_queries_url(base_url: str) -> str:
    """``https://host/api/data/v3[/2025]`` → ``https://host/api/changeQueries/v1``."""
    root = re.split(r"/data/v\d+(?:/|$)", base_url.rstrip("/"), maxsplit=1)[0]
    return root + "/changeQueries/v1"


def _list(where: str) -> Callable[[Any], list[dict[str, Any]]]:
    def extract(data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, list):
            raise SyncError(f"GET {where}: expected a JSON array")
        return data

    return extract


def _key(item: Any) -> Any:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return id(item)


async def newest_change_version(api: ApiClient, change_queries_url: str) -> int | None:
    """The server's newest change version, or None when change queries are not offered."""
    data, _ = await api.get_json(
        change_queries_url.rstrip("/") + "/availableChangeVersions", optional=True
    )
    if not isinstance(data, dict):
        return None
    for k in ("newestChangeVersion", "NewestChangeVersion"):
        v = data.get(k)
        if isinstance(v, int):
            return v
    return None


async def fetch(
    api: ApiClient,
    resources: tuple[Any, ...],
    *,
    since_version: int | None,
    newest: int | None,
    limit: int = MAX_LIMIT,
    progress: Progress | None = None,
    listed_twice: dict[str, list[ListedTwice]] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """(items by resource name, deleted items by resource name). Incremental when both
    ``since_version`` and ``newest`` are given. ``listed_twice`` (``--skip-invalid``): a
    record listed twice in one page (its items or its deletes) is left out (kept once when
    its copies are identical) and described there, by resource, instead of failing the fetch
    (:meth:`ApiClient.collect`)."""
    limit = max(1, min(limit, MAX_LIMIT))
    incremental = since_version is not None and newest is not None
    params: dict[str, Any] = {"totalCount": "true"}
    if incremental:
        params["minChangeVersion"] = str((since_version or 0) + 1)
        params["maxChangeVersion"] = str(newest)
    items: dict[str, list[dict[str, Any]]] = {}
    deletes: dict[str, list[dict[str, Any]]] = {}

    async def one(res: Any) -> None:
        def report(done: int, total: int | None) -> None:
            if progress:
                progress(res.name, done, total)

        if progress:
            progress(res.name, 0, None)
        where = ApiClient._where(api.url(res.path))
        found: list[ListedTwice] | None = None if listed_twice is None else []
        got = await api.collect(
            res.path, extract=_list(where), key=_key, limit=limit, params=params,
            total_header=("Total-Count",), progress=report,
            optional=bool(getattr(res, "optional", False)), listed_twice=found,
        )
        if got is None:
            return  # an optional resource the server does not offer
        items[res.name] = got
        if incremental and getattr(res, "deletes", True):  # (not for a resource only counted)
            gone = await api.collect(
                res.path.rstrip("/") + "/deletes", extract=_list(where + "/deletes"), key=_key,
                limit=limit, params=params, total_header=("Total-Count",), optional=True,
                listed_twice=found,
            )
            if gone:
                deletes[res.name] = gone
        if found and listed_twice is not None:
            listed_twice.setdefault(res.name, []).extend(found)

    async with asyncio.TaskGroup() as tg:
        for res in resources:
            tg.create_task(one(res))
    return items, deletes


NOT_OFFERED = "not offered by the server"
NO_TOTAL = "the server sent no Total-Count"
REFUSED = "the server refused the count request"


async def count(
    api: ApiClient, resources: tuple[Any, ...], *, since_version: int | None,
    newest: int | None,
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """How many records each of ``resources`` (``edfi_api.COUNTED``: kinds caseload does not
    use) holds, changed ones only when incremental (as :func:`fetch`): one request each,
    ``GET {path}?offset=0&limit=0&totalCount=true``, that returns no record, its
    ``Total-Count`` header the count. Returns (counts by resource name, the names not counted
    by why: :data:`NOT_OFFERED` (403 or 404), :data:`NO_TOTAL`, :data:`REFUSED` (any other
    failure, a server that refuses ``limit=0``: a count never fails the sync)). All at once,
    with the client's ``concurrency``."""
    params: dict[str, Any] = {"offset": "0", "limit": "0", "totalCount": "true"}
    if since_version is not None and newest is not None:
        params["minChangeVersion"] = str(since_version + 1)
        params["maxChangeVersion"] = str(newest)
    counts: dict[str, int] = {}
    uncounted: dict[str, list[str]] = {}

    async def one(res: Any) -> None:
        try:
            data, headers = await api.get_json(res.path, params, optional=True)
        except (SyncError, httpx.HTTPError):  # (one not wrapped as SyncError: still no failure)
            uncounted.setdefault(REFUSED, []).append(res.name)
            return
        raw = headers.get("Total-Count")
        if data is None:
            uncounted.setdefault(NOT_OFFERED, []).append(res.name)
        elif raw is None or not raw.strip().isdigit() or not raw.isascii():
            uncounted.setdefault(NO_TOTAL, []).append(res.name)
        else:
            counts[res.name] = int(raw.strip())

    async with asyncio.TaskGroup() as tg:
        for res in resources:
            tg.create_task(one(res))
    order = [res.name for res in resources]
    return counts, {why: sorted(uncounted[why], key=order.index)
                    for why in (NOT_OFFERED, NO_TOTAL, REFUSED) if why in uncounted}


async def fetch_where(
    api: ApiClient, res: Any, filters: dict[str, str], *, limit: int = MAX_LIMIT,
    listed_twice: list[ListedTwice] | None = None,
) -> list[dict[str, Any]]:
    """The items of ``res`` whose fields equal ``filters``: the ODS/API's query by property
    (``GET {resource.path}?studentUniqueId=…&schoolId=…``; a reference's key fields by their
    own names), paged and checked as :func:`fetch` pages a resource (``listed_twice`` as
    there)."""
    limit = max(1, min(limit, MAX_LIMIT))
    where = ApiClient._where(api.url(res.path))
    got = await api.collect(
        res.path, extract=_list(where), key=_key, limit=limit,
        params={**filters, "totalCount": "true"}, total_header=("Total-Count",),
        listed_twice=listed_twice,
    )
    return got or []
