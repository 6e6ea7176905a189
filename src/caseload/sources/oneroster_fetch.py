"""Fetching the OneRoster REST collections (HTTP, through :class:`ApiClient`).

:func:`fetch` gets every collection concurrently; :func:`fetch_dataset` maps the pages while
they arrive (:class:`caseload.sources.oneroster_pages.PageMapper`) and gives what
:func:`fetch` then :func:`caseload.sources.oneroster_rest.to_dataset` would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypedDict, Unpack

from caseload.sources.dataset import Dataset
from caseload.sources.http import ApiClient, SyncError
from caseload.sources.oneroster_pages import PageItems, PageMapper
from caseload.sources.oneroster_rest import (
    RESOURCES,
    Progress,
    Resource,
    listed_twice_rejects,
    resource_path,
    since_filter,
    to_dataset,
)
from caseload.sources.paging import ListedTwice

__all__ = ["fetch", "fetch_dataset"]

_FETCH_ORDER = {"results": 0, "lineItems": 1, "enrollments": 2, "users": 3, "demographics": 4}


def _extract(name: str, where: str) -> Callable[[Any], list[dict[str, Any]]]:
    def extract(data: Any) -> list[dict[str, Any]]:
        items = data.get(name) if isinstance(data, dict) else None
        if items is None and isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list)]
            if len(lists) == 1:  # a server that names the wrapper differently
                items = lists[0]
        if not isinstance(items, list):
            raise SyncError(f"GET {where}: expected a JSON object {{{name!r}: [...]}}")
        return items

    return extract


def _key(item: Any) -> Any:
    if item.__class__ is dict or isinstance(item, dict):  # (the usual case first: fast)
        sid = item.get("sourcedId")
        if sid.__class__ is str or isinstance(sid, str):
            return sid
    return id(item)  # a malformed item: kept, reported by the mapping


class FetchOptions(TypedDict, total=False):
    """The options :func:`fetch_dataset` hands on to :func:`fetch` (defaults: ``fetch``'s)."""

    since: str | None
    limit: int
    progress: Progress | None
    paths: dict[str, str] | None


async def fetch(
    api: ApiClient,
    version: str,
    *,
    since: str | None = None,
    limit: int = 1000,
    progress: Progress | None = None,
    paths: dict[str, str] | None = None,
    on_page: Callable[[str, int, list[dict[str, Any]]], None] | None = None,
    on_done: Callable[[str, list[dict[str, Any]] | None], None] | None = None,
    listed_twice: dict[str, list[ListedTwice]] | None = None,
) -> dict[str, list[dict[str, Any]] | None]:
    """Every collection, fetched concurrently (bounded by the client). ``since``: only records
    changed after that ISO time (deleted ones come with ``status=tobedeleted``). A value of
    None means the server does not offer that (optional) collection.

    ``on_page(resource, offset, items)`` sees every page as it arrives and
    ``on_done(resource, items)`` every collection as it completes (see :class:`PageMapper`).
    ``listed_twice`` (``--skip-invalid``): a record listed twice in one page is left out
    (kept once when its copies are identical) and described there, by collection, instead
    of failing the fetch (:meth:`ApiClient.collect`).
    """
    params = {"filter": since_filter(since)} if since else {}
    out: dict[str, list[dict[str, Any]] | None] = {}

    async def one(res: Resource) -> None:
        path = resource_path(version, res, paths)

        def report(done: int, total: int | None) -> None:
            if progress:
                progress(res.name, done, total)

        if progress:
            progress(res.name, 0, None)
        def page(offset: int, items: list[dict[str, Any]]) -> None:
            if on_page is not None:
                on_page(res.name, offset, items)

        found: list[ListedTwice] | None = None if listed_twice is None else []
        got = await api.collect(
            path,
            extract=_extract(res.name, ApiClient._where(api.url(path))),
            key=_key,
            limit=limit,
            params=params,
            progress=report,
            optional=res.optional,
            on_page=page if on_page is not None else None,
            listed_twice=found,
        )
        if found and listed_twice is not None:
            listed_twice[res.name] = found
        out[res.name] = got
        if on_done is not None:
            on_done(res.name, got)

    async with asyncio.TaskGroup() as tg:
        # the usually biggest collections first, so their paging starts in the first round
        for res in sorted(RESOURCES, key=lambda r: _FETCH_ORDER.get(r.name, 99)):
            tg.create_task(one(res))
    return {r.name: out.get(r.name) for r in RESOURCES}


async def fetch_dataset(
    api: ApiClient,
    version: str,
    source: str,
    *,
    skip_invalid: bool = False,
    **options: Unpack[FetchOptions],
) -> tuple[dict[str, PageItems | None], Dataset]:
    """:func:`fetch` and :func:`to_dataset` in one, the mapping done while pages are still in
    flight (:class:`PageMapper`); the same result as calling the two one after the other.
    With ``skip_invalid``, a record a page lists twice is rejected (first in the rejects:
    :func:`listed_twice_rejects`) and the fetch goes on."""
    delta = options.get("since") is not None
    mapper = PageMapper(source, delta=delta)
    mapper.start()
    listed_twice: dict[str, list[ListedTwice]] | None = {} if skip_invalid else None
    try:
        items = await fetch(
            api, version, on_page=mapper.on_page, on_done=mapper.on_done,
            listed_twice=listed_twice, **options
        )
        await mapper.finish()
    finally:
        mapper.cancel()
    ds = mapper.dataset(items)
    if ds is None:
        ds = to_dataset(source, items, delta=delta, skip_invalid=skip_invalid)
    if listed_twice:  # (the page mapper saw the pages with every copy: ds is to_dataset's)
        ds.rejects[:0] = listed_twice_rejects(listed_twice)
    return items, ds
