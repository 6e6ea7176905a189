"""An incremental Ed-Fi sync's students' parts in discipline incidents, read again.

caseload keeps one row per student and incident (``student_incidents``), made from the first
of the student's records of the incident that a sync reads (``edfi_common``): the behavior
associations (one per behavior) in the server's order, then DS 4's incident association. A
change query's delta carries one of them without the others:

- a ``/deletes`` item (``edfi_deletes.PART_RESOURCES``) says which record went, not what
  remains: the student may still have another behavior in the incident (the row stays, with
  that behavior when the deleted one was the row's) or nothing (the row goes);
- a changed record, mapped alone, would make the row even when it is not the first (a second
  behavior edited; DS 4's association edited while the student has a behavior association),
  and a record that makes no row any more (DS 4's perpetrator made a witness) would leave
  the cached row.

Neither the delta nor the cache can tell (the cache keeps the first behavior only, the others
are counted), so the sync asks the server for the student's records of that incident, and the
mapping makes the row of them as a full sync would. A changed record's part is read again only
when the cache may hold its row (``edfi_sync.parts_maybe_cached``); otherwise nothing but the
delta's records can make it.

- :func:`deleted_parts <caseload.sources.edfi_deletes.deleted_parts>` and
  :func:`changed_parts`: the parts, with their query parameters;
- :func:`read_again`: ``GET <resource>?studentUniqueId=&schoolId=&incidentIdentifier=`` on each
  of ``PART_RESOURCES`` the server offers, for each part; what comes back takes the place of
  the delta's own items of that part (kept in the server's order);
- :func:`still_deleted`: a deletion of a part the mapping then writes again is dropped (the
  loader deletes after it writes); the others delete the row;
- :func:`unwritten`: the changed parts read again that make no row any more (the sync deletes
  their cached row: ``edfi_sync.cached_parts``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from caseload.domain.records import Deletion
from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.edfi_api import RESOURCES, _Mapper
from caseload.sources.edfi_common import incident_id
from caseload.sources.edfi_deletes import PART_RESOURCES
from caseload.sources.edfi_fetch import MAX_LIMIT, fetch_where
from caseload.sources.http import ApiClient
from caseload.sources.paging import ListedTwice

__all__ = ["changed_parts", "read_again", "still_deleted", "unwritten"]

Part = tuple[str, str]  # (incident id, student id): the key of a student_incidents row


def _key_of(mapper: _Mapper, resource: str, item: Any) -> tuple[str, str, str] | None:
    """(studentUniqueId, schoolId, incidentIdentifier) of an item of ``PART_RESOURCES``
    (None: unreadable; the mapping says why, as for any item)."""
    mapper.resource = resource
    mapper.item = item if isinstance(item, dict) else {}
    at = "disciplineIncidentReference"
    try:
        student = mapper.student_ref(mapper.item)
        ref = mapper.ref(mapper.item, at)
        return (student, mapper.req(ref, "schoolId", at),
                mapper.req(ref, "incidentIdentifier", at))
    except SourceError:
        return None


def _part_of(mapper: _Mapper, resource: str, item: Any) -> Part | None:
    """The student's part an item of ``PART_RESOURCES`` is of (None: its key is unreadable)."""
    key = _key_of(mapper, resource, item)
    return None if key is None else (incident_id(key[1], key[2]), key[0])


def changed_parts(items: Mapping[str, list[Any]]) -> dict[Part, dict[str, str]]:
    """The students' parts in incidents that an incremental sync's items of
    ``PART_RESOURCES`` (changed or new records) are of, each with the query parameters that
    ask the server for all of the part's records (as :func:`edfi_deletes.deleted_parts`)."""
    mapper = _Mapper("", skip_invalid=True)
    out: dict[Part, dict[str, str]] = {}
    for name in PART_RESOURCES:
        for item in items.get(name) or ():
            key = _key_of(mapper, name, item)
            if key is not None:
                student, school, number = key
                out.setdefault((incident_id(school, number), student), {
                    "studentUniqueId": student, "schoolId": school,
                    "incidentIdentifier": number,
                })
    return out


async def read_again(
    api: ApiClient, items: dict[str, list[dict[str, Any]]],
    parts: Mapping[Part, Mapping[str, str]], *, limit: int = MAX_LIMIT,
    listed_twice: dict[str, list[ListedTwice]] | None = None,
) -> dict[str, int]:
    """Put the server's records of each of ``parts`` (``edfi_deletes.deleted_parts``: the
    query parameters of each) in ``items`` in place of the delta's, for each resource of
    ``PART_RESOURCES`` that ``items`` holds (the server offers it). Returns how many records
    were read per resource. ``listed_twice`` (``--skip-invalid``: the fetch's, by resource,
    :func:`caseload.sources.edfi_fetch.fetch`): a record of a part that a page lists twice is
    left out (kept once when its copies are identical) and described there, in place of what
    the delta's pages said of the part's records."""
    by_name = {r.name: r for r in RESOURCES}
    offered = [name for name in PART_RESOURCES if name in items]
    mapper = _Mapper("", skip_invalid=True)
    got: dict[tuple[str, Part], list[dict[str, Any]]] = {}
    repeats: dict[tuple[str, Part], list[ListedTwice]] = {}

    async def one(name: str, part: Part, params: Mapping[str, str]) -> None:
        twice: list[ListedTwice] | None = None if listed_twice is None else []
        found = await fetch_where(api, by_name[name], dict(params), limit=limit,
                                  listed_twice=twice)
        # (a server that ignores the filters sends others too: only the part's own count)
        got[name, part] = [it for it in found if _part_of(mapper, name, it) == part]
        repeats[name, part] = [t for t in twice or () if _part_of(mapper, name, t.kept) == part]

    async with asyncio.TaskGroup() as tg:
        for part, params in parts.items():
            for name in offered:
                tg.create_task(one(name, part, params))
    counts: dict[str, int] = {}
    for name in offered:
        again = [it for part in sorted(parts) for it in got[name, part]]
        items[name] = [
            it for it in items[name] if _part_of(mapper, name, it) not in parts
        ] + again
        counts[name] = len(again)
        if listed_twice is not None:  # the delta's listings of these parts are replaced too
            listed = [t for t in listed_twice.pop(name, [])
                      if _part_of(mapper, name, t.kept) not in parts]
            listed += [t for part in sorted(parts) for t in repeats[name, part]]
            if listed:
                listed_twice[name] = listed
    return counts


def still_deleted(ds: Dataset, deletions: Iterable[Deletion]) -> list[Deletion]:
    """``deletions`` less those of a student's part in an incident that ``ds`` writes again
    (something of it remains: :func:`read_again`)."""
    written = {(si.incident_id, si.student_id) for si in ds.student_incidents}
    return [
        d for d in deletions if d.entity != "student_incidents" or d.key not in written
    ]


def unwritten(ds: Dataset, parts: Iterable[Part]) -> list[Part]:
    """Those of ``parts`` (read again) that ``ds`` does not write: nothing of them makes a row
    any more (a DS 4 association changed to a witness's)."""
    written = {(si.incident_id, si.student_id) for si in ds.student_incidents}
    return sorted(set(parts) - written)
