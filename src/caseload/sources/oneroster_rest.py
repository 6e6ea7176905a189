"""OneRoster 1.1/1.2 REST: the collections, their paths, and the mapping of their JSON to records.

Payload in, records out: no HTTP and no cache here. The fetch is
:mod:`caseload.sources.oneroster_fetch`; the page-by-page mapping while pages arrive is
:mod:`caseload.sources.oneroster_pages`; what an incremental sync keeps from the cache
(birth dates) is :mod:`caseload.sources.oneroster_sync`.

Paths are driven by the version and joined to an opaque ``base_url`` (districts' URLs
differ): 1.2 ``/ims/oneroster/rostering/v1p2/<collection>`` and
``/ims/oneroster/gradebook/v1p2/<collection>``; 1.1 ``/ims/oneroster/v1p1/<collection>``.
A source may override any collection's path (``paths = {results = "/custom/results"}``).

Mapping reuses the OneRoster CSV reader: each JSON collection is flattened to the CSV file the
bulk format defines (refs ``{"sourcedId": ...}`` to their id, lists joined by commas, 1.2's
``roles`` array to ``roles.csv``, 1.1's ``role`` and ``orgs`` to users.csv's ``role`` and org
list) and read by the very same code, so a sync and an import of
the same data give the same records, with the same validation. Errors are re-labelled to name
the resource, the record's sourcedId and the JSON field.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from caseload.sources import oneroster_csv, paging
from caseload.sources.csvutil import Container
from caseload.sources.dataset import Dataset, Reject, SourceError
from caseload.sources.http import SyncError
from caseload.sources.paging import ListedTwice

KIND = "oneroster-rest"
VERSIONS = ("1.1", "1.2")

Progress = Callable[[str, int, int | None], None]  # (resource, done, total or None)
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


# --- JSON -> the CSV files the bulk reader reads -----------------------------------------------

# The CSV columns written per resource, in the bulk reader's names. The JSON field of each is
# the same name, but for references, which drop ``SourcedId`` (``orgSourcedId`` is ``org``,
# ``termSourcedIds`` is ``terms``), and the 1.2 preferred names (:data:`_JSON_NAMES`).
_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "status", "name", "type", "identifier", "parentSourcedId"),
    "academicSessions": (
        "sourcedId", "status", "title", "type", "startDate", "endDate", "parentSourcedId",
        "schoolYear", "orgSourcedId",
    ),
    "users": (
        "sourcedId", "status", "givenName", "familyName", "middleName", "identifier", "userIds",
        "grades", "email", "primaryOrgSourcedId", "role", "preferredGivenName",
        "preferredFamilyName", "agentSourcedIds", "phone", "sms",
    ),
    "demographics": ("sourcedId", "status", "birthDate"),
    "courses": ("sourcedId", "status", "title", "courseCode", "orgSourcedId"),
    "classes": (
        "sourcedId", "status", "title", "courseSourcedId", "schoolSourcedId", "termSourcedIds",
        "classCode", "periods",
    ),
    "enrollments": (
        "sourcedId", "status", "classSourcedId", "userSourcedId", "role", "primary",
        "beginDate", "endDate",
    ),
    "categories": ("sourcedId", "status", "title", "weight"),
    "lineItems": (
        "sourcedId", "status", "title", "classSourcedId", "categorySourcedId",
        "gradingPeriodSourcedId", "assignDate", "dueDate", "resultValueMin", "resultValueMax",
    ),
    "results": (
        "sourcedId", "status", "lineItemSourcedId", "studentSourcedId", "scoreStatus", "score",
        "scoreDate", "comment", "late", "missing",
    ),
}
_JSON_NAMES = {"preferredGivenName": "preferredFirstName",
               "preferredFamilyName": "preferredLastName"}
# JSON fields read, per resource, when a record has none of the usual one: OneRoster 1.1's
# users carry ``orgs: [GUIDRef]`` where 1.2 has ``primaryOrg``. The list becomes the cell
# ``org1,org2`` and the CSV reader takes its first org, as it does with a 1.1 users.csv's
# ``orgSourcedIds``, so a 1.1 sync and a 1.1 import choose the same school.
_FALLBACKS: dict[str, dict[str, str]] = {"users": {"primaryOrg": "orgs"}}
# The field that marks a record as not of the shape the fallbacks are for: a 1.2 user has a
# ``roles`` array, and its school is ``primaryOrg`` or its primary role's org, never the
# first of a legacy ``orgs`` list some servers send too (often the district), as in a 1.2
# CSV import of the same data.
_FALLBACKS_UNLESS: dict[str, str] = {"users": "roles"}


def _json_field(column: str) -> str:
    """The REST JSON field a CSV column is read from."""
    if column in _JSON_NAMES:
        return _JSON_NAMES[column]
    if column.endswith("SourcedIds"):
        return column.removesuffix("SourcedIds") + "s"
    if column.endswith("SourcedId") and column != "sourcedId":
        return column.removesuffix("SourcedId")
    return column


# (csv column, json field) per resource
_COLUMNS: dict[str, list[tuple[str, str]]] = {
    name: [(column, _json_field(column)) for column in columns]
    for name, columns in _CSV_COLUMNS.items()
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
        self._not_files: dict[str, str] = {}  # (every name here is a file's)

    def open(self, name: str) -> IO[str]:
        return io.StringIO(self._files[self._names[name.casefold()]], newline="")

    def close(self) -> None:
        pass


class _RestReader(oneroster_csv._Reader):
    roles_from_cache = False  # a user record carries its roles: none is a bad record
    def __init__(self, source: str, files: dict[str, str], skip_invalid: bool):  # no super()
        self.path = Path(source)
        self.skip_invalid = skip_invalid
        self.ds = Dataset(kind=KIND, source=source)
        self.container = _MemoryContainer(files)


def _rows(
    resource: str, items: list[Any], columns: list[tuple[str, str]], ds_rejects: list[Reject],
    skip_invalid: bool, fallbacks: dict[str, str] | None = None, used: set[str] | None = None,
    unless: str | None = None,
) -> list[tuple[str, list[str]]]:
    """The CSV rows of ``items``. ``fallbacks``: {field: the field read when a record has no
    ``field``}, but for a record whose ``unless`` field is a list; the fields so read are
    added to ``used``."""
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
            falls = fallbacks if unless is None or not isinstance(get(unless), list) else None
            for col, fld in columns:
                value: Any = get(fld)
                if value is None and falls is not None and fld in falls:
                    fld = falls[fld]
                    value = get(fld)
                    if value is not None and used is not None:
                        used.add(fld)
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


def _record_row(resource: str, item: dict[str, Any]) -> dict[str, str] | None:
    """A record's fields as its row in the rejects file (the CSV columns the reader reads:
    what the mapping's own rejects show), or None when it cannot be written as one."""
    columns = _COLUMNS[resource]
    try:
        rows = _rows(resource, [item], columns, [], False, _FALLBACKS.get(resource), set(),
                     _FALLBACKS_UNLESS.get(resource))
    except SourceError:
        return None
    return {c: v for (c, _), v in zip(columns, rows[0][1], strict=True) if v}


def listed_twice_rejects(found: dict[str, list[ListedTwice]]) -> list[Reject]:
    """The rejects of the records a page listed twice (by collection, in fetch order): the
    resource, the record's sourcedId, and its fields (:func:`caseload.sources.paging.rejects`
    says which copies and why)."""
    out: list[Reject] = []
    for res in RESOURCES:
        for listing in found.get(res.name, ()):
            out += paging.rejects(res.name, listing, field="sourcedId",
                                  line=_where(listing.key),
                                  raw=functools.partial(_record_row, res.name))
    return out


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
        fallbacks = _FALLBACKS.get(res.name)
        used: set[str] = set()
        rows = _rows(res.name, got, columns, early_rejects, skip_invalid, fallbacks, used,
                     _FALLBACKS_UNLESS.get(res.name))
        if used and fallbacks:  # errors name the field the records carry (1.1's orgs)
            columns = [(c, fallbacks[f] if fallbacks.get(f) in used else f) for c, f in columns]
        files.add(f"{res.name}.csv", res.name, columns, rows)
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
        Reject(*files.relabel(r.file, r.line, r.field), r.reason, r.raw, r.key)
        for r in ds.rejects
    ]
    ds.user_rows = [(*files.relabel(f, line, field), uid)  # type: ignore[misc]
                    for f, line, field, uid in ds.user_rows]
    ds.line_maps = {}  # CSV line numbers mean nothing here; errors name the record instead
    ds.origins = {k: v for k, v in ds.origins.items() if k[0] != "guardians"}
    return ds
