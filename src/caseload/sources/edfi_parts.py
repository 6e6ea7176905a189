"""An incremental Ed-Fi sync's deleted parts in discipline incidents: what remains, read again.

caseload keeps one row per student and incident (``student_incidents``), made from the first
of the student's records of the incident that a sync reads (``edfi_common``): the behavior
associations (one per behavior) in the server's order, then DS 4's incident association. A
``/deletes`` item of one of them (``edfi_deletes.PART_RESOURCES``) says which record went, not
what remains: the student may still have another behavior in the incident (the row stays, with
that behavior when the deleted one was the row's) or nothing (the row goes). Neither the delta
nor the cache can tell (the cache keeps the first behavior only, the others are counted), so
the sync asks the server for the student's remaining records of that incident, and the mapping
makes the row of them as a full sync would:

- :func:`read_again`: ``GET <resource>?studentUniqueId=&schoolId=&incidentIdentifier=`` on each
  of ``PART_RESOURCES`` the server offers, for each part a deletion names; what comes back
  takes the place of the delta's own items of that part (kept in the server's order);
- :func:`still_deleted`: a deletion of a part the mapping then writes again is dropped (the
  loader deletes after it writes); the others delete the row.
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

__all__ = ["read_again", "still_deleted"]

Part = tuple[str, str]  # (incident id, student id): the key of a student_incidents row


def _part_of(mapper: _Mapper, resource: str, item: Any) -> Part | None:
    """The student's part an item of ``PART_RESOURCES`` is of (None: its key is unreadable;
    the mapping says why, as for any item)."""
    mapper.resource = resource
    mapper.item = item if isinstance(item, dict) else {}
    at = "disciplineIncidentReference"
    try:
        student = mapper.student_ref(mapper.item)
        ref = mapper.ref(mapper.item, at)
        return incident_id(mapper.req(ref, "schoolId", at),
                           mapper.req(ref, "incidentIdentifier", at)), student
    except SourceError:
        return None


async def read_again(
    api: ApiClient, items: dict[str, list[dict[str, Any]]],
    parts: Mapping[Part, Mapping[str, str]], *, limit: int = MAX_LIMIT,
) -> dict[str, int]:
    """Put the server's records of each of ``parts`` (``edfi_deletes.deleted_parts``: the
    query parameters of each) in ``items`` in place of the delta's, for each resource of
    ``PART_RESOURCES`` that ``items`` holds (the server offers it). Returns how many records
    were read per resource."""
    by_name = {r.name: r for r in RESOURCES}
    offered = [name for name in PART_RESOURCES if name in items]
    mapper = _Mapper("", skip_invalid=True)
    got: dict[tuple[str, Part], list[dict[str, Any]]] = {}

    async def one(name: str, part: Part, params: Mapping[str, str]) -> None:
        found = await fetch_where(api, by_name[name], dict(params), limit=limit)
        # (a server that ignores the filters sends others too: only the part's own count)
        got[name, part] = [it for it in found if _part_of(mapper, name, it) == part]

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
    return counts


def still_deleted(ds: Dataset, deletions: Iterable[Deletion]) -> list[Deletion]:
    """``deletions`` less those of a student's part in an incident that ``ds`` writes again
    (something of it remains: :func:`read_again`)."""
    written = {(si.incident_id, si.student_id) for si in ds.student_incidents}
    return [
        d for d in deletions if d.entity != "student_incidents" or d.key not in written
    ]
