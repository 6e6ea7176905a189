"""OneRoster 1.1/1.2 REST: fetch the rostering and gradebook collections, map them to records.

Paths are driven by the version and joined to an opaque ``base_url`` (districts' URLs
differ): 1.2 ``/ims/oneroster/rostering/v1p2/<collection>`` and
``/ims/oneroster/gradebook/v1p2/<collection>``; 1.1 ``/ims/oneroster/v1p1/<collection>``.
A source may override any collection's path (``paths = {results = "/custom/results"}``).

Mapping reuses the OneRoster CSV reader: each JSON collection is flattened to the CSV file the
bulk format defines (refs ``{"sourcedId": ...}`` to their id, lists joined by commas, 1.2's
``roles`` array to ``roles.csv``) and read by the very same code, so a sync and an import of
the same data give the same records, with the same validation. Errors are re-labelled to name
the resource, the record's sourcedId and the JSON field.

A sync maps while it fetches (:func:`fetch_dataset`, :class:`PageMapper`): each page is mapped
as it arrives, results, line items and enrollments with the usual well-formed values straight
from JSON (``_STRAIGHT``: anything else goes the CSV way), and the pieces stand for the whole
only when they are exactly what :func:`to_dataset` over the whole fetch gives; otherwise that
call maps it, so errors and rejects are always its own.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import io
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, select

from caseload.domain.records import (
    Deletion,
    Enrollment,
    LineItem,
    Result,
    Role,
    ScoreStatus,
    User,
)
from caseload.sources import oneroster_csv
from caseload.sources.csvutil import Container, parse_date
from caseload.sources.dataset import ENTITIES, Dataset, Reject, SourceError
from caseload.sources.http import ApiClient, SyncError
from caseload.store.tables import METADATA

KIND = "oneroster-rest"
VERSIONS = ("1.1", "1.2")

Progress = Callable[[str, int, int | None], None]
_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Resource:
    name: str  # the collection, as in the URL and the JSON wrapper key
    service: str  # rostering or gradebook (1.2 paths)
    optional: bool = False  # 403/404 means "not offered" rather than an error


RESOURCES: tuple[Resource, ...] = (
    Resource("orgs", "rostering"),
    Resource("academicSessions", "rostering"),
    Resource("courses", "rostering"),
    Resource("classes", "rostering"),
    Resource("users", "rostering"),
    Resource("demographics", "rostering", optional=True),  # birth dates; its own scope
    Resource("enrollments", "rostering"),
    Resource("categories", "gradebook"),
    Resource("lineItems", "gradebook"),
    Resource("results", "gradebook"),
)


_FETCH_ORDER = {"results": 0, "lineItems": 1, "enrollments": 2, "users": 3, "demographics": 4}


def check_version(version: str) -> str:
    v = str(version).strip().lower().removeprefix("v").replace("p", ".")
    if v not in VERSIONS:
        raise SyncError(f"unsupported OneRoster version {version!r} (expected 1.1 or 1.2)")
    return v


def resource_path(version: str, resource: Resource, overrides: dict[str, str] | None = None) -> str:
    if overrides and resource.name in overrides:
        return str(overrides[resource.name])
    if check_version(version) == "1.1":
        return f"/ims/oneroster/v1p1/{resource.name}"
    return f"/ims/oneroster/{resource.service}/v1p2/{resource.name}"


def default_scopes(version: str) -> tuple[str, ...]:
    """The standard read scopes: roster, demographics and gradebook."""
    v = "v1p1" if check_version(version) == "1.1" else "v1p2"
    base = f"https://purl.imsglobal.org/spec/or/{v}/scope/"
    return (
        base + "roster.readonly",
        base + "roster-demographics.readonly",
        base + "gradebook.readonly",
    )


def since_filter(since: str) -> str:
    return f"dateLastModified>'{since}'"


# --- fetching --------------------------------------------------------------------------------


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
) -> dict[str, list[dict[str, Any]] | None]:
    """Every collection, fetched concurrently (bounded by the client). ``since``: only records
    changed after that ISO time (deleted ones come with ``status=tobedeleted``). A value of
    None means the server does not offer that (optional) collection.

    ``on_page(resource, offset, items)`` sees every page as it arrives and
    ``on_done(resource, items)`` every collection as it completes (see :class:`PageMapper`).
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

        got = await api.collect(
            path,
            extract=_extract(res.name, ApiClient._where(api.url(path))),
            key=_key,
            limit=limit,
            params=params,
            progress=report,
            optional=res.optional,
            on_page=page if on_page is not None else None,
        )
        out[res.name] = got
        if on_done is not None:
            on_done(res.name, got)

    async with asyncio.TaskGroup() as tg:
        # the usually biggest collections first, so their paging starts in the first round
        for res in sorted(RESOURCES, key=lambda r: _FETCH_ORDER.get(r.name, 99)):
            tg.create_task(one(res))
    return {r.name: out.get(r.name) for r in RESOURCES}


# --- JSON -> the CSV files the bulk reader reads -----------------------------------------------

# (csv file, resource, [(csv column, json field)]) - json field None: computed
_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "orgs": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("name", "name"), ("type", "type"),
        ("identifier", "identifier"), ("parentSourcedId", "parent"),
    ],
    "academicSessions": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("title", "title"), ("type", "type"),
        ("startDate", "startDate"), ("endDate", "endDate"), ("parentSourcedId", "parent"),
        ("schoolYear", "schoolYear"), ("orgSourcedId", "org"),
    ],
    "users": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("givenName", "givenName"),
        ("familyName", "familyName"), ("middleName", "middleName"),
        ("identifier", "identifier"), ("userIds", "userIds"), ("grades", "grades"),
        ("email", "email"), ("primaryOrgSourcedId", "primaryOrg"), ("role", "role"),
    ],
    "demographics": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("birthDate", "birthDate"),
    ],
    "courses": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("title", "title"),
        ("courseCode", "courseCode"), ("orgSourcedId", "org"),
    ],
    "classes": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("title", "title"),
        ("courseSourcedId", "course"), ("schoolSourcedId", "school"),
        ("termSourcedIds", "terms"), ("classCode", "classCode"), ("periods", "periods"),
    ],
    "enrollments": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("classSourcedId", "class"),
        ("userSourcedId", "user"), ("role", "role"), ("primary", "primary"),
        ("beginDate", "beginDate"), ("endDate", "endDate"),
    ],
    "categories": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("title", "title"),
        ("weight", "weight"),
    ],
    "lineItems": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("title", "title"),
        ("classSourcedId", "class"), ("categorySourcedId", "category"),
        ("gradingPeriodSourcedId", "gradingPeriod"), ("assignDate", "assignDate"),
        ("dueDate", "dueDate"), ("resultValueMin", "resultValueMin"),
        ("resultValueMax", "resultValueMax"),
    ],
    "results": [
        ("sourcedId", "sourcedId"), ("status", "status"), ("lineItemSourcedId", "lineItem"),
        ("studentSourcedId", "student"), ("scoreStatus", "scoreStatus"), ("score", "score"),
        ("scoreDate", "scoreDate"), ("comment", "comment"), ("late", "late"),
        ("missing", "missing"),
    ],
}
_ROLE_COLUMNS = [("userSourcedId", "sourcedId"), ("roleType", "roleType"), ("role", "role"),
                 ("orgSourcedId", "org")]


def _cell(value: Any, resource: str, sid: str | None, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ref = value.get("sourcedId")
        if isinstance(ref, str):
            return ref
        raise SourceError(resource, _where(sid), field, "expected a value or a reference "
                          "{\"sourcedId\": ...}, got an object")
    if isinstance(value, list):
        return ",".join(_cell(v, resource, sid, field) for v in value)
    raise SourceError(resource, _where(sid), field, f"unexpected {type(value).__name__}")


def _where(sid: str | None) -> str | None:
    return f"sourcedId {sid!r}" if sid else None


def _user_ids(value: Any, sid: str | None) -> str:
    """1.2 ``userIds: [{type, identifier}]`` as the CSV's ``{type:identifier}`` list."""
    if value is None or isinstance(value, str):
        return value or ""
    if not isinstance(value, list):
        raise SourceError("users", _where(sid), "userIds", "expected a list")
    parts = []
    for entry in value:
        if not isinstance(entry, dict):
            raise SourceError("users", _where(sid), "userIds", "expected {type, identifier}")
        parts.append(f"{{{_cell(entry.get('type'), 'users', sid, 'userIds')}:"
                     f"{_cell(entry.get('identifier'), 'users', sid, 'userIds')}}}")
    return ",".join(parts)


class _Files:
    """In-memory CSV files plus, per file, which record starts on which line."""

    def __init__(self) -> None:
        self.text: dict[str, str] = {}
        self.lines: dict[str, tuple[str, dict[int, str], dict[str, str]]] = {}

    def add(
        self,
        fname: str,
        resource: str,
        columns: list[tuple[str, str]],
        rows: list[tuple[str, list[str]]],
        field_prefix: str = "",
    ) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")  # so a cell with a lone \r is quoted too
        w.writerow([c for c, _ in columns])
        line = 1
        ends: dict[int, str] = {}
        for sid, row in rows:
            w.writerow(row)
            # the reader names the physical line a record starts on; line breaks inside
            # quoted cells (\r, \n, \r\n) push the next record's start down
            ends[line + 1] = sid
            extra = 0
            for cell in row:
                if "\n" in cell or "\r" in cell:
                    extra += len(_BREAKS.findall(cell))
            line += 1 + extra
        self.text[fname] = buf.getvalue()
        fields = {c: field_prefix + f for c, f in columns}
        self.lines[fname] = (resource, ends, fields)

    def relabel(self, file: str, line: int | str | None, field: str | None) -> tuple[
        str, int | str | None, str | None
    ]:
        info = self.lines.get(file)
        if info is None:
            return file, line, field
        resource, ends, fields = info
        sid = ends.get(line) if isinstance(line, int) else None
        where: int | str | None = _where(sid) if sid else (None if line == 1 else line)
        return resource, where, fields.get(field, field) if field else field


class _MemoryContainer(Container):
    def __init__(self, files: dict[str, str]):  # no super().__init__: nothing on disk
        self.path = Path("<oneroster-rest>")
        self._zip = None
        self._files = files
        self._names = {k.casefold(): k for k in files}

    def open(self, name: str) -> IO[str]:
        return io.StringIO(self._files[self._names[name.casefold()]], newline="")

    def close(self) -> None:
        pass


class _RestReader(oneroster_csv._Reader):
    def __init__(self, source: str, files: dict[str, str], skip_invalid: bool):  # no super()
        self.path = Path(source)
        self.skip_invalid = skip_invalid
        self.ds = Dataset(kind=KIND, source=source)
        self.container = _MemoryContainer(files)


def _rows(
    resource: str, items: list[Any], columns: list[tuple[str, str]], ds_rejects: list[Reject],
    skip_invalid: bool,
) -> list[tuple[str, list[str]]]:
    rows = []
    for i, item in enumerate(items):
        sid = item.get("sourcedId") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise SourceError(resource, f"item {i + 1}", None, "not a JSON object")
            if not isinstance(sid, str) or not sid.strip():
                raise SourceError(resource, f"item {i + 1}", "sourcedId", "missing or not text")
            row: list[str] = []
            get = item.get
            for col, fld in columns:
                value: Any = get(fld)
                cls = value.__class__
                if cls is str:  # the common cases first, fast
                    row.append(value)
                elif value is None:
                    row.append("")
                elif cls is dict and value.get("sourcedId").__class__ is str:  # a reference
                    row.append(value["sourcedId"])
                elif cls is float:
                    row.append(repr(value))
                elif col == "userIds":
                    row.append(_user_ids(value, sid))
                else:
                    row.append(_cell(value, resource, sid, fld))
            rows.append((sid, row))
        except SourceError as err:
            if not skip_invalid:
                raise
            ds_rejects.append(Reject.from_error(err))
    return rows


def to_dataset(
    source: str,
    items: dict[str, list[dict[str, Any]] | None],
    *,
    delta: bool = False,
    skip_invalid: bool = False,
) -> Dataset:
    """Map fetched collections (by resource name; None = not offered) to a Dataset.

    ``delta``: the collections hold only changes (an incremental sync); the loader upserts
    and deletes either way, never deleting rows merely absent.
    """
    files = _Files()
    early_rejects: list[Reject] = []
    manifest = ["propertyName,value"]
    for res in RESOURCES:
        got = items.get(res.name)
        if got is None:
            manifest.append(f"file.{res.name},absent")
            continue
        manifest.append(f"file.{res.name},{'delta' if delta else 'bulk'}")
        columns = _COLUMNS[res.name]
        files.add(
            f"{res.name}.csv", res.name, columns,
            _rows(res.name, got, columns, early_rejects, skip_invalid),
        )
        if res.name == "users":
            role_rows: list[tuple[str, list[str]]] = []
            for user in got:
                if not isinstance(user, dict) or not isinstance(user.get("roles"), list):
                    continue
                sid = user.get("sourcedId")
                if not isinstance(sid, str):
                    continue
                if str(user.get("status") or "").casefold() == "tobedeleted":
                    continue
                for role in user["roles"]:
                    try:
                        if not isinstance(role, dict):
                            raise SourceError("users", _where(sid), "roles", "expected objects")
                        role_rows.append((sid, [sid] + [
                            _cell(role.get(f), "users", sid, f"roles.{f}")
                            for _, f in _ROLE_COLUMNS[1:]
                        ]))
                    except SourceError as err:
                        if not skip_invalid:
                            raise
                        early_rejects.append(Reject.from_error(err))
            manifest.append(f"file.roles,{'delta' if delta else 'bulk'}")
            files.add("roles.csv", "users", _ROLE_COLUMNS, role_rows, field_prefix="roles.")
            files.lines["roles.csv"][2]["userSourcedId"] = "sourcedId"
    files.text["manifest.csv"] = "\n".join(manifest) + "\n"
    reader = _RestReader(source, files.text, skip_invalid)
    try:
        ds = reader.read()
    except SourceError as err:
        file, line, field = files.relabel(err.file, err.line, err.field)
        raise SourceError(file, line, field, err.reason) from None
    ds.rejects = early_rejects + [
        Reject(*files.relabel(r.file, r.line, r.field), r.reason, r.raw) for r in ds.rejects
    ]
    ds.line_maps = {}  # CSV line numbers mean nothing here; errors name the record instead
    return ds


# --- mapping while the pages arrive ------------------------------------------------------------

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
        status = get("status")
        if status is not None and (status.__class__ is not str or "\r" in status):
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
        elif date_text.__class__ is str and len(date_text) == 10:
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
        if status is not None and status.strip().casefold() == "tobedeleted":
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
    if value.__class__ is not str or len(value) != 10:
        raise _Bail
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Bail from None


def _deleted(status: Any) -> bool:
    if status is None:
        return False
    if status.__class__ is not str or "\r" in status:
        raise _Bail
    return status.strip().casefold() == "tobedeleted"


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
    role_of = oneroster_csv._role
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
            if part.rejects:
                return None
            for entity in ENTITIES:
                getattr(ds, entity).extend(getattr(part, entity))
            ds.deletions.extend(part.deletions)
            ds.partial |= part.partial
        return ds


async def fetch_dataset(
    api: ApiClient,
    version: str,
    source: str,
    *,
    since: str | None = None,
    limit: int = 1000,
    progress: Progress | None = None,
    paths: dict[str, str] | None = None,
    skip_invalid: bool = False,
) -> tuple[dict[str, PageItems | None], Dataset]:
    """:func:`fetch` and :func:`to_dataset` in one, the mapping done while pages are still in
    flight (:class:`PageMapper`); the same result as calling the two one after the other."""
    delta = since is not None
    mapper = PageMapper(source, delta=delta)
    mapper.start()
    try:
        items = await fetch(
            api, version, since=since, limit=limit, progress=progress, paths=paths,
            on_page=mapper.on_page, on_done=mapper.on_done,
        )
        await mapper.finish()
    finally:
        mapper.cancel()
    ds = mapper.dataset(items)
    if ds is None:
        ds = to_dataset(source, items, delta=delta, skip_invalid=skip_invalid)
    return items, ds


# --- what an incremental sync must not lose ---------------------------------------------------


def keep_birth_dates(
    engine: Engine, ds: Dataset, demographics: list[dict[str, Any]] | None, *, delta: bool
) -> None:
    """Birth dates come from /demographics. When that collection is not offered, or (in an
    incremental sync) a user changed without their demographics record, keep the cached
    birth date; when only the demographics record changed, re-apply the cached user with it.
    """
    got: set[str] = set()
    if demographics is not None:
        got = {d["sourcedId"] for d in demographics if isinstance(d, dict)
               and isinstance(d.get("sourcedId"), str)}
    if demographics is not None and not delta:
        return  # a full collection is the truth
    users_t = METADATA.tables["users"]
    need = [u.sourced_id for u in ds.users if u.sourced_id not in got]
    cached: dict[str, Any] = {}
    with engine.connect() as conn:
        for i in range(0, len(need), 500):
            chunk = need[i : i + 500]
            for row in conn.execute(
                select(users_t.c.sourced_id, users_t.c.birth_date).where(
                    users_t.c.sourced_id.in_(chunk)
                )
            ):
                cached[row.sourced_id] = row.birth_date
        ds.users = [
            dataclasses.replace(u, birth_date=cached[u.sourced_id])
            if u.sourced_id in cached and u.birth_date is None
            else u
            for u in ds.users
        ]
        # a demographics change for a user that did not change: re-apply the cached user
        in_ds = {u.sourced_id for u in ds.users}
        births = _birth_dates(demographics or [])
        deleted = {d.sourced_id for d in ds.deletions if d.entity == "users"}
        only_demo = sorted(sid for sid in got if sid not in in_ds and sid not in deleted)
        for i in range(0, len(only_demo), 500):
            chunk = only_demo[i : i + 500]
            for row in conn.execute(select(users_t).where(users_t.c.sourced_id.in_(chunk))):
                m = row._mapping
                ds.users.append(
                    User(
                        m["sourced_id"], Role(m["role"]), m["given_name"], m["family_name"],
                        m["middle_name"], m["identifier"], m["state_id"], m["grade_level"],
                        births.get(m["sourced_id"]), m["email"], m["school_id"],
                    )
                )


def _birth_dates(demographics: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in demographics:
        sid, text = d.get("sourcedId"), d.get("birthDate")
        if isinstance(sid, str) and isinstance(text, str) and text.strip():
            try:
                out[sid] = parse_date(text, ValueError)
            except ValueError:
                out[sid] = None  # already reported by the mapping
    return out
