"""Ed-Fi change queries' ``/deletes``: our ids for the deleted resources' natural keys.

Payload in, :class:`~caseload.domain.records.Deletion` records out (no HTTP, no cache).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from caseload.domain.records import Deletion
from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.edfi_api import _Mapper
from caseload.sources.edfi_api_fields import Item, label
from caseload.sources.edfi_common import (
    attendance_id,
    enrollment_id,
    incident_id,
    result_id,
)

__all__ = ["PART_RESOURCES", "deleted_parts", "deleted_to_dataset", "deletions_to_dataset"]

# A student's part in a discipline incident: one stored row per student and incident, read
# from any of these (the first read wins: ``edfi_common``), so the deletion of one of them
# leaves the row to what remains (``caseload.sources.edfi_parts``).
PART_RESOURCES = (
    "studentDisciplineIncidentBehaviorAssociations",
    "studentDisciplineIncidentAssociations",  # DS 4
)

# Entity of each resource whose deletion removes a record, children first so that the
# loader deletes dependants before what they point to.
_DELETES: tuple[tuple[str, str], ...] = (
    ("studentGradebookEntries", "results"),
    ("gradebookEntries", "line_items"),
    ("studentSchoolAttendanceEvents", "attendance_events"),
    ("studentSectionAttendanceEvents", "attendance_events"),
    ("studentSectionAssociations", "enrollments"),
    ("staffSectionAssociations", "enrollments"),
    ("studentDisciplineIncidentBehaviorAssociations", "student_incidents"),
    ("studentDisciplineIncidentAssociations", "student_incidents"),  # DS 4
    ("disciplineIncidents", "discipline_incidents"),
    ("sections", "classes"),
    ("gradingPeriods", "academic_sessions"),
    ("sessions", "academic_sessions"),
    ("students", "users"),
    ("staffs", "users"),
    ("schools", "orgs"),
    ("localEducationAgencies", "orgs"),
)


# Resources whose id is one field of the key, and those read as a reference (mapper method).
_KEY_FIELDS = {
    "staffs": "staffUniqueId",
    "schools": "schoolId",
    "localEducationAgencies": "localEducationAgencyId",
}
_KEY_REFS = {"sessions": "session_of", "gradingPeriods": "gp_ref", "sections": "section_of"}


class _Deleted(_Mapper):
    """Our id for a deleted resource's natural key (``keyValues`` of a ``/deletes`` item)."""

    def key_of(self, resource: str, item: Any) -> Item:
        """The item's natural key: its ``keyValues`` (ODS/API 5.3 and later), else the item."""
        self.resource = resource
        self.item = item if isinstance(item, dict) else {}
        key = self.item.get("keyValues")
        return key if isinstance(key, dict) else self.item

    def key_id(self, resource: str, key: Item) -> str:
        student = self.req(key, "studentUniqueId") if resource.startswith("student") else ""
        if resource == "students":
            return student
        if resource in _KEY_FIELDS:
            return self.req(key, _KEY_FIELDS[resource])
        if resource in _KEY_REFS:
            ref: Callable[[Item, str], str] = getattr(self, _KEY_REFS[resource])
            return ref(key, "")
        if resource == "studentSectionAssociations":
            return enrollment_id(student, self.section_of(key, ""), self.date(key, "beginDate"))
        if resource == "staffSectionAssociations":
            staff = self.req(key, "staffUniqueId")
            begin = self.date(key, "beginDate", required=False)
            return enrollment_id(staff, self.section_of(key, ""), begin)
        if resource in ("studentSchoolAttendanceEvents", "studentSectionAttendanceEvents"):
            day = self.date(key, "eventDate")
            assert day is not None
            place = (
                self.req(key, "schoolId")
                if resource == "studentSchoolAttendanceEvents"
                else self.section_of(key, "")
            )
            return attendance_id(student, place, day, self._category(key))
        if resource == "gradebookEntries":
            return self._entry_key(key, "", None)[0]
        if resource == "studentGradebookEntries":
            return result_id(self._entry_key(key, "", None)[0], student)
        if resource == "disciplineIncidents":
            return incident_id(self.req(key, "schoolId"), self.req(key, "incidentIdentifier"))
        if resource in PART_RESOURCES:  # the student's part: one row per student and incident
            iid = incident_id(self.req(key, "schoolId"), self.req(key, "incidentIdentifier"))
            return Deletion.by_key("student_incidents", iid, student).sourced_id
        raise self.error(None, "deletions of this resource are not applied")


def deleted_to_dataset(
    source_name: str, deleted: Mapping[str, list[Any]], *, skip_invalid: bool = True
) -> Dataset:
    """Deletions for the items of the change queries' ``/deletes`` (keyed by resource name).

    Each item's natural key is read from its ``keyValues`` (ODS/API 5.3 and later), else from
    the item itself; an item with only an ``id`` cannot be mapped to our ids and is listed in
    ``rejects`` (as is any item of a resource whose deletion caseload does not apply: course
    offerings, calendar dates, associations without an id of their own). With
    ``skip_invalid=False`` such an item raises instead.

    A deleted item of ``PART_RESOURCES`` deletes the student's row for the incident
    (:meth:`~caseload.domain.records.Deletion.by_key`); the row may come from another item
    that remains (a second behavior): the sync reads what remains and keeps the deletion only
    when nothing does (:mod:`caseload.sources.edfi_parts`).
    """
    mapper = _Deleted(source_name, skip_invalid)
    ds = mapper.ds
    seen: set[tuple[str, str]] = set()
    for resource, entity in _DELETES:
        for item in deleted.get(resource) or ():
            key = mapper.key_of(resource, item)
            try:
                sid = mapper.key_id(resource, key)
            except SourceError as err:
                mapper._reject(err, {"resource": resource, "record": label(mapper.item)})
                continue
            if (entity, sid) not in seen:
                seen.add((entity, sid))
                ds.deletions.append(Deletion(entity, sid))
    known = {r for r, _ in _DELETES}
    for resource, items in deleted.items():
        if resource not in known and items:
            mapper.resource = resource
            for item in items:
                mapper.item = item if isinstance(item, dict) else {}
                mapper._reject(mapper.error(None, "deletions of this resource are not applied"))
    return ds


deletions_to_dataset = deleted_to_dataset


def deleted_parts(deleted: Mapping[str, list[Any]]) -> dict[tuple[str, str], dict[str, str]]:
    """The students' parts in incidents, (incident id, student id), whose deleted items of
    ``PART_RESOURCES`` the ``/deletes`` list, each with the query parameters that ask the
    server for what remains of it (``studentUniqueId``, ``schoolId``, ``incidentIdentifier``).
    An item whose key cannot be read is left out (:func:`deleted_to_dataset` rejects it)."""
    mapper = _Deleted("", skip_invalid=True)
    out: dict[tuple[str, str], dict[str, str]] = {}
    for resource in PART_RESOURCES:
        for item in deleted.get(resource) or ():
            key = mapper.key_of(resource, item)
            try:
                student = mapper.req(key, "studentUniqueId")
                school, number = mapper.req(key, "schoolId"), mapper.req(key, "incidentIdentifier")
            except SourceError:
                continue
            out.setdefault((incident_id(school, number), student), {
                "studentUniqueId": student, "schoolId": school, "incidentIdentifier": number,
            })
    return out
