"""Mapping OneRoster REST pages while the rest of the fetch is still in flight.

Payload in, records out (no HTTP, no cache): :class:`PageMapper` is fed each page as it
arrives (:func:`caseload.sources.oneroster_fetch.fetch_dataset` wires it to the fetch) and
maps it in a background task. Results, line items and enrollments with the usual
well-formed values go straight from JSON to records (``_STRAIGHT``: anything else goes the
CSV way, :func:`caseload.sources.oneroster_rest.to_dataset`), and the pieces stand for the
whole only when they are exactly what ``to_dataset`` over the whole fetch gives; otherwise
that call maps it, so errors and rejects are always its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import operator
from collections.abc import Callable
from typing import Any

from caseload.domain.records import Deletion, Enrollment, LineItem, Result, ScoreStatus
from caseload.sources import oneroster_values
from caseload.sources.csvutil import iso_day
from caseload.sources.dataset import ENTITIES, Dataset
from caseload.sources.oneroster_rest import KIND, to_dataset

# The reader's order (users with demographics and roles): parts are merged in this order so
# that records and deletions come out as one to_dataset call would give them.
_PLAN = ("orgs", "academicSessions", "users", "courses", "classes", "enrollments",
         "categories", "lineItems", "results")
_WITH_USERS = ("users", "demographics")

PageItems = list[dict[str, Any]]


def _ref_text(value: Any) -> str | None:
    """An id given as text or as a reference ``{"sourcedId": ...}``, stripped; None when the
    general path must decide (anything else, a blank id, a carriage return)."""
    if value.__class__ is dict:
        value = value.get("sourcedId")
    if value.__class__ is not str or "\r" in value:
        return None
    return value.strip() or None


_SCORE_STATUSES = {s.value: s for s in ScoreStatus}
_FLAGS = {None: False, False: False, True: True, "": False, "false": False, "true": True}


def _results_page(source: str, items: list[Any], delta: bool) -> Dataset | None:
    """One page of results mapped straight from JSON, for the well-formed values of the hot
    path only: what :func:`to_dataset` gives for the same page, or None when any value is
    one the general path must judge (then it maps the page, errors and all)."""
    ds = Dataset(kind=KIND, source=source)
    if delta:
        ds.partial.add("results")
    results = ds.results
    deletions = ds.deletions
    statuses = _SCORE_STATUSES
    flags = _FLAGS
    fromiso = dt.date.fromisoformat
    inf = float("inf")
    for item in items:
        if item.__class__ is not dict:
            return None
        get = item.get
        sid = get("sourcedId")
        if sid.__class__ is not str or "\r" in sid:
            return None
        sid = sid.strip()
        line_item = _ref_text(get("lineItem"))
        student = _ref_text(get("student"))
        if not sid or line_item is None or student is None:
            return None
        try:
            deleted = _deleted(get("status"))
        except _Bail:
            return None
        score = get("score")
        if score is not None:
            if score.__class__ is int and -(2**53) < score < 2**53:
                score = float(score)
            if score.__class__ is not float or not 0 <= score < inf:
                return None
        status_text = get("scoreStatus")
        if status_text is None:
            score_status = None
        elif status_text.__class__ is str and "\r" not in status_text:
            status_text = status_text.strip()
            score_status = statuses.get(status_text) if status_text else None
            if status_text and score_status is None:
                return None
        else:
            return None
        if score_status is None:
            score_status = (
                ScoreStatus.FULLY_GRADED if score is not None else ScoreStatus.NOT_SUBMITTED
            )
        date_text = get("scoreDate")
        if date_text is None or date_text == "":
            score_date = None
        elif date_text.__class__ is str and iso_day(date_text):
            try:
                score_date = fromiso(date_text)
            except ValueError:
                return None
        else:
            return None
        comment = get("comment")
        if comment is not None:
            if comment.__class__ is not str or "\r" in comment:
                return None
            comment = comment.strip() or None
        late = get("late")
        missing = get("missing")
        if late.__class__ not in (bool, str, type(None)) or late not in flags:
            return None
        if missing.__class__ not in (bool, str, type(None)) or missing not in flags:
            return None
        if deleted:
            deletions.append(Deletion("results", sid))
            continue
        results.append(
            Result(sid, line_item, student, score, score_status, score_date, comment,
                   flags[late], flags[missing])
        )
    return ds


class _Bail(Exception):
    """A value the straight mapping leaves to the general one."""


def _t(value: Any) -> str | None:
    """A text cell: stripped, None when empty (CsvTable.text)."""
    if value is None:
        return None
    if value.__class__ is not str or "\r" in value:
        raise _Bail
    return value.strip() or None


def _r(value: Any) -> str | None:
    """A reference cell, given as ``{"sourcedId": ...}`` or as the id itself."""
    if value.__class__ is dict:
        value = value.get("sourcedId")
        if value.__class__ is not str:
            raise _Bail
    return _t(value)


def _req(value: str | None) -> str:
    if value is None:
        raise _Bail
    return value


def _n(value: Any) -> float | None:
    """A number cell (CsvTable.number without a minimum)."""
    if value is None:
        return None
    if value.__class__ is int and -(2**53) < value < 2**53:
        return float(value)
    if value.__class__ is not float or not math.isfinite(value):
        raise _Bail
    return float(value)


def _d(value: Any) -> dt.date | None:
    """A date cell: ``YYYY-MM-DD`` only, anything longer goes the general way."""
    if value is None or value == "":
        return None
    if value.__class__ is not str or not iso_day(value):
        raise _Bail
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Bail from None


def _deleted(status: Any) -> bool:
    """Whether a record's ``status`` deletes it, as ``oneroster_values.status`` reads it (the
    REST API is OneRoster 1.1/1.2); _Bail for anything else: the general mapping refuses it
    (or rejects it with ``--skip-invalid``)."""
    if status is None:
        return False
    if status.__class__ is not str or "\r" in status:
        raise _Bail
    try:
        return oneroster_values.status(status, False) == "tobedeleted"
    except ValueError:
        raise _Bail from None


def _sid(item: Any) -> str:
    if item.__class__ is not dict:
        raise _Bail
    sid = item.get("sourcedId")
    if sid.__class__ is not str or "\r" in sid or not sid.strip():
        raise _Bail
    return str(sid).strip()


def _line_items_page(source: str, items: list[Any], delta: bool) -> Dataset | None:
    """One page of lineItems straight from JSON (see :func:`_results_page`)."""
    ds = Dataset(kind=KIND, source=source)
    if delta:
        ds.partial.add("lineItems")
    try:
        for item in items:
            sid = _sid(item)
            get = item.get
            deleted = _deleted(get("status"))
            title, klass = _t(get("title")), _r(get("class"))
            category, period = _r(get("category")), _r(get("gradingPeriod"))
            assign, due = _d(get("assignDate")), _d(get("dueDate"))
            lo, hi = _n(get("resultValueMin")), _n(get("resultValueMax"))
            if deleted:
                ds.deletions.append(Deletion("line_items", sid))
                continue
            if hi is not None and hi <= (lo or 0.0):
                raise _Bail
            ds.line_items.append(
                LineItem(sid, _req(klass), _req(title), category, assign, due, lo or 0.0, hi,
                         period)
            )
    except _Bail:
        return None
    return ds


def _enrollments_page(source: str, items: list[Any], delta: bool) -> Dataset | None:
    """One page of enrollments straight from JSON (see :func:`_results_page`)."""
    ds = Dataset(kind=KIND, source=source)
    if delta:
        ds.partial.add("enrollments")
    role_of = oneroster_values.role
    try:
        for item in items:
            sid = _sid(item)
            get = item.get
            deleted = _deleted(get("status"))
            klass, user, role_text = _r(get("class")), _r(get("user")), _t(get("role"))
            begin, end = _d(get("beginDate")), _d(get("endDate"))
            primary = get("primary")
            if primary is None:
                primary = False
            elif primary.__class__ is not bool:
                raise _Bail
            if deleted:
                ds.deletions.append(Deletion("enrollments", sid))
                continue
            if begin and end and end < begin:
                raise _Bail
            try:
                role = role_of(_req(role_text))
            except ValueError:
                raise _Bail from None
            ds.enrollments.append(
                Enrollment(sid, _req(klass), _req(user), role, begin, end, primary)
            )
    except _Bail:
        return None
    return ds


_STRAIGHT: dict[str, Callable[[str, list[Any], bool], Dataset | None]] = {
    "lineItems": _line_items_page,
    "enrollments": _enrollments_page,
    "results": _results_page,
}


class PageMapper:
    """Maps the pages of a fetch while the rest are still in flight, so that little is left
    to do when the last page lands.

    Each page of a collection is mapped on its own by :func:`to_dataset`, the very same code
    (users, which need demographics and their roles, as a whole once both collections are
    in), in a background task that lets waiting requests go first. :meth:`dataset` then puts
    the pieces together, but only when they are exactly what one ``to_dataset`` call over the
    fetched collections gives: every collection's pages, in offset order, are its items (no
    record repeated or moved by the paging), no record id repeats, and every page mapped
    without an error. Otherwise (a bad record, a server whose pages overlap) it returns None
    and the caller maps everything at once, so that errors, rejects and their order are
    those of :func:`to_dataset`.
    """

    SLICE = 100  # records mapped in one go

    def __init__(self, source: str, *, delta: bool) -> None:
        self.source = source
        self.delta = delta
        self.failed = False  # a piece did not map cleanly: map everything at once instead
        self._pages: dict[str, list[tuple[int, PageItems, Dataset]]] = {}
        self._done: dict[str, PageItems | None] = {}
        self._users: Dataset | None = None
        self._queue: asyncio.Queue[tuple[str, int, PageItems] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    # --- fetch hooks ------------------------------------------------------------------------

    def on_page(self, resource: str, offset: int, items: PageItems) -> None:
        if resource in _WITH_USERS:
            return
        # in slices, so that a response arriving meanwhile waits for one slice at most
        step = self.SLICE
        for i in range(0, len(items), step):
            self._queue.put_nowait((resource, offset + i, items[i : i + step]))
        if not items:
            self._queue.put_nowait((resource, offset, items))

    def on_done(self, resource: str, items: PageItems | None) -> None:
        self._done[resource] = items
        if resource in _WITH_USERS and all(r in self._done for r in _WITH_USERS):
            self._queue.put_nowait(("users", 0, []))

    # --- the background task ----------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._work())

    async def finish(self) -> None:
        """Wait until every queued piece is mapped."""
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            await asyncio.sleep(0)  # requests ready to be sent go first
            self.map(*job)

    def map(self, resource: str, offset: int, items: PageItems) -> None:
        if self.failed:
            return
        try:
            if resource == "users":
                self._users = to_dataset(
                    self.source, {r: self._done.get(r) for r in _WITH_USERS}, delta=self.delta
                )
            else:
                straight = _STRAIGHT.get(resource)
                part = straight(self.source, items, self.delta) if straight else None
                if part is None:
                    part = to_dataset(self.source, {resource: items}, delta=self.delta)
                self._pages.setdefault(resource, []).append((offset, items, part))
        except Exception:  # mapping the whole fetch at once reports it as it should
            self.failed = True
            self._pages.clear()
            self._users = None

    # --- the result -------------------------------------------------------------------------

    def dataset(self, items: dict[str, PageItems | None]) -> Dataset | None:
        """The mapped pieces as one Dataset, or None when they cannot stand for
        ``to_dataset(source, items)`` (then call that)."""
        if self.failed:
            return None
        parts: list[Dataset] = []
        for name in _PLAN:
            got = items.get(name)
            if name == "users":
                if got is None:
                    continue
                if self._users is None:
                    return None
                parts.append(self._users)
                continue
            if got is None:
                continue
            seq: list[Any] = []
            used = 0
            for _, page, part in sorted(self._pages.get(name, []), key=lambda p: p[0]):
                if used and len(seq) >= len(got):
                    break  # pages past the end (asked for in the same batch)
                seq.extend(page)
                parts.append(part)
                used += 1
            if not used:
                return None
            if len(seq) != len(got) or not all(map(operator.is_, seq, got)):
                return None  # pages overlapped or moved: the collected list is what counts
            if len({item["sourcedId"].strip() for item in got}) != len(got):
                return None  # a repeated id: the reader's error
        ds = Dataset(kind=KIND, source=self.source)
        for part in parts:
            if part.rejects or part.notices:
                # the whole mapping says them once, with the whole collection in view (a
                # page's "not applied" count, added page by page, could be wrong)
                return None
            for entity in ENTITIES:
                getattr(ds, entity).extend(getattr(part, entity))
            ds.deletions.extend(part.deletions)
            ds.partial |= part.partial
            ds.guardians_complete |= part.guardians_complete
            ds.birth_from_cache |= part.birth_from_cache
            ds.birth_cleared |= part.birth_cleared
            ds.role_from_cache.extend(part.role_from_cache)
            ds.user_rows.extend(part.user_rows)  # (a rejected user's: rejected with it)
        return ds
