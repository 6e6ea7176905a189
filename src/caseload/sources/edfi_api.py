"""Map Ed-Fi ODS/API resources (API v3+, Data Standard 4 to 6) to normalized records.

No HTTP here: :mod:`caseload.sources.edfi_fetch` fetches every resource in :data:`RESOURCES`
(``GET {base_url}{path}``, e.g. ``https://host/api/data/v3`` + ``/ed-fi/students``) and hands
the JSON items, keyed by resource name, to :func:`to_dataset`; the items of the change
queries' ``/deletes`` go to :func:`deleted_to_dataset`.

The records and their ids are exactly those the Ed-Fi XML interchange reader
(:mod:`caseload.sources.edfi_xml`) builds for the same entities, so a district can mix XML
imports and API syncs, and a sync gives the cache an import of the same data gives. The id
scheme is documented there and in docs/DATA_FORMATS.md; both build ids and records with
:mod:`caseload.sources.edfi_common`. The one difference in form is the school year: the
API's ``schoolYear`` is an integer (``2022``), the XML's the text ``2021-2022``, so ``2022``
becomes ``2021-2022`` in ids.

The API shapes read (camelCase JSON; references are objects holding the referenced
resource's natural key, ``{"studentReference": {"studentUniqueId": "604822"}}``; descriptors
are URIs such as ``uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy``, or plain
values; unknown fields are ignored):

===========================================  =================================================
resource                                     becomes
===========================================  =================================================
localEducationAgencies, schools              orgs (a school's parent is its LEA)
courses                                      titles for course offerings without one
sessions, gradingPeriods                     academic sessions (+ one school year per school
                                             and year)
calendarDates                                calendar days
courseOfferings, sections                    courses, classes
students, staffs                             users (student / teacher)
studentEducationOrganizationAssociations     students' state ids
staffSchoolAssociations                      a teacher's school
staffSectionAssociations                     teachers' enrollments
studentSchoolAssociations                    a student's school and grade level
studentSectionAssociations                   students' enrollments
studentSchoolAttendanceEvents                whole-day attendance
studentSectionAttendanceEvents               class attendance
gradebookEntries, studentGradebookEntries    line items (+ categories), results
disciplineIncidents                          discipline incidents
studentDisciplineIncidentBehaviorAssociations  students' parts in incidents
studentDisciplineIncidentAssociations (DS 4)
===========================================  =================================================

A bad record raises :class:`SourceError` naming the resource, the record (its ``id``, else
its natural key) and the JSON field (``sectionReference.sectionIdentifier``); with
``skip_invalid`` it is left out and listed in ``dataset.rejects``. Messages never hold a
student's name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from caseload.domain.descriptors import attendance_category, descriptor_value
from caseload.domain.records import (
    AttendanceCategory,
    AttendanceEvent,
    Deletion,
    DisciplineIncident,
    Enrollment,
    Org,
    Role,
    SessionType,
    User,
)
from caseload.sources.dataset import Dataset, Reject, SourceError
from caseload.sources.edfi_common import (
    EdfiRecords,
    attendance_id,
    class_id,
    class_title,
    composite_entry_key,
    course_id,
    enrollment_id,
    grading_period_id,
    incident_id,
    is_state_system,
    iso_date,
    result_id,
    school_year_end,
    session_id,
    session_type,
)
from caseload.store.tables import METADATA

__all__ = [
    "KIND",
    "RESOURCES",
    "EdfiResource",
    "deleted_to_dataset",
    "deletions_to_dataset",
    "school_year_text",
    "to_dataset",
]

KIND = "edfi-api"

Item = dict[str, Any]


@dataclass(frozen=True)
class EdfiResource:
    """One Ed-Fi API resource: ``name`` keys the items, ``path`` is relative to the data URL.

    ``optional``: a 404 or 403 means the server (its Data Standard, or the key's claim set)
    does not offer it, and the sync goes on without it.
    """

    name: str
    path: str
    optional: bool = False


def _res(name: str, optional: bool = False) -> EdfiResource:
    return EdfiResource(name, f"/ed-fi/{name}", optional)


# In dependency order (referenced resources first).
RESOURCES: tuple[EdfiResource, ...] = (
    _res("localEducationAgencies", optional=True),
    _res("schools"),
    _res("courses", optional=True),
    _res("sessions"),
    _res("gradingPeriods"),
    _res("calendarDates"),
    _res("courseOfferings"),
    _res("sections"),
    _res("students"),
    _res("studentEducationOrganizationAssociations", optional=True),
    _res("staffs", optional=True),
    _res("staffSchoolAssociations", optional=True),
    _res("staffSectionAssociations", optional=True),
    _res("studentSchoolAssociations"),
    _res("studentSectionAssociations"),
    _res("studentSchoolAttendanceEvents"),
    _res("studentSectionAttendanceEvents"),
    _res("gradebookEntries"),
    _res("studentGradebookEntries"),
    _res("disciplineIncidents"),
    _res("studentDisciplineIncidentBehaviorAssociations"),
    _res("studentDisciplineIncidentAssociations", optional=True),  # DS 4 only
)
RESOURCE_NAMES = frozenset(r.name for r in RESOURCES)

_YEAR_TEXT = re.compile(r"\d{4}\s*[-/]\s*\d{4}")

# Natural-key fields (top level or inside a *Reference) that name a record without an id.
_KEY_FIELDS = (
    "studentUniqueId",
    "staffUniqueId",
    "localEducationAgencyId",
    "schoolId",
    "schoolYear",
    "sessionName",
    "gradingPeriodDescriptor",
    "gradingPeriodName",
    "periodSequence",
    "calendarCode",
    "courseCode",
    "localCourseCode",
    "sectionIdentifier",
    "gradebookEntryIdentifier",
    "namespace",
    "gradebookEntryTitle",
    "dateAssigned",
    "incidentIdentifier",
    "date",
    "entryDate",
    "beginDate",
    "eventDate",
    "attendanceEventCategoryDescriptor",
    "behaviorDescriptor",
)


def school_year_text(value: Any) -> tuple[str, int] | None:
    """An API ``schoolYear`` -> (the XML's text, the year it ends in); None if not a year.

    ``2022`` and ``"2022"`` give ``("2021-2022", 2022)``; ``"2021-2022"`` is kept as is.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        year = value
    elif isinstance(value, str) and value.strip().isdigit():
        year = int(value.strip())
    elif isinstance(value, str) and _YEAR_TEXT.fullmatch(value.strip()):
        ending = school_year_end(value)
        return (value.strip(), ending) if ending is not None else None
    else:
        return None
    if not 1000 < year < 10000:
        return None
    return f"{year - 1}-{year}", year


def _natural_key(item: Mapping[str, Any]) -> str:
    parts: list[str] = []
    scopes: list[Mapping[str, Any]] = [item]
    scopes += [v for k, v in item.items() if k.endswith("Reference") and isinstance(v, dict)]
    for name in _KEY_FIELDS:
        for scope in scopes:
            value = scope.get(name)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                text = str(value)
                parts.append(descriptor_value(text) if name.endswith("Descriptor") else text)
                break
    return "/".join(parts) or "?"


def _label(item: Mapping[str, Any]) -> str:
    rid = item.get("id")
    if isinstance(rid, str) and rid.strip():
        return rid.strip()
    return _natural_key(item)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "text"


class _Mapper(EdfiRecords):
    """JSON items -> records; the same rules as edfi_xml._Reader, field for field.

    What does not depend on the shape (ids, value rules, assembly) is :class:`EdfiRecords`.
    """

    def __init__(self, source: str, skip_invalid: bool) -> None:
        super().__init__(Dataset(kind=KIND, source=source))
        self.skip_invalid = skip_invalid
        self.resource = ""
        self.item: Item = {}
        self.seen: dict[tuple[str, str], str] = {}  # (entity, id) -> "resource (record)"
        self.handlers: dict[str, Callable[[Item], None]] = {
            "localEducationAgencies": self._lea,
            "schools": self._school,
            "courses": self._course,
            "gradingPeriods": self._grading_period,
            "sessions": self._session,
            "calendarDates": self._calendar_date,
            "courseOfferings": self._course_offering,
            "sections": self._section,
            "students": self._student,
            "studentEducationOrganizationAssociations": self._student_edorg,
            "staffs": self._staff,
            "staffSchoolAssociations": self._staff_school,
            "staffSectionAssociations": self._staff_section,
            "studentSchoolAssociations": self._student_school,
            "studentSectionAssociations": self._student_section,
            "studentSchoolAttendanceEvents": self._school_attendance,
            "studentSectionAttendanceEvents": self._section_attendance,
            "gradebookEntries": self._gradebook_entry,
            "studentGradebookEntries": self._student_gradebook_entry,
            "disciplineIncidents": self._discipline_incident,
            "studentDisciplineIncidentBehaviorAssociations": self._student_incident,
            "studentDisciplineIncidentAssociations": self._student_incident,
        }

    # -- plumbing --------------------------------------------------------------------------

    def read(self, resource: str, items: list[Any]) -> None:
        handler = self.handlers[resource]
        self.resource = resource
        for item in items:
            if not isinstance(item, dict):
                self.item = {}
                self._reject(SourceError(resource, None, None, "expected a JSON object"))
                continue
            self.item = item
            try:
                handler(item)
            except SourceError as err:
                self._reject(err, {"resource": resource, "record": _label(item)})

    def _reject(self, err: SourceError, raw: dict[str, str] | None = None) -> None:
        if not self.skip_invalid:
            raise err
        self.ds.rejects.append(Reject.from_error(err, raw))

    def error(self, field: str | None, reason: str) -> SourceError:
        return SourceError(self.resource, _label(self.item), field, reason)

    def where(self) -> str:
        return f"{self.resource} ({_label(self.item)})"

    def origin(self) -> str | None:
        """``resource:id`` for the loader's messages, when the record has a plain id."""
        rid = self.item.get("id")
        if isinstance(rid, str) and rid.strip() and ":" not in rid:
            return f"{self.resource}:{rid.strip()}"
        return None

    def claim(self, entity: str, sid: str, what: str) -> None:
        first = self.seen.get((entity, sid))
        if first is not None:
            raise self.error(None, f"duplicate {what} {sid!r} (first seen at {first})")

    def note(self, entity: str, sid: str) -> None:
        self.seen[(entity, sid)] = self.where()
        origin = self.origin()
        if origin is not None:
            self.ds.origins[(entity, sid)] = origin

    # -- field access (``at`` is the JSON path of ``obj`` for messages) -------------------------

    @staticmethod
    def _path(at: str, key: str) -> str:
        return f"{at}.{key}" if at else key

    def text(self, obj: Mapping[str, Any], key: str, at: str = "") -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.error(self._path(at, key), f"expected text, got {_kind_of(value)}")
        if isinstance(value, float):
            value = int(value) if value.is_integer() else value
        return str(value).strip() or None

    def req(self, obj: Mapping[str, Any], key: str, at: str = "") -> str:
        value = self.text(obj, key, at)
        if value is None:
            raise self.error(self._path(at, key), "is required but missing or empty")
        return value

    def soft(self, obj: Any, key: str) -> str | None:
        """Text or None, never an error (fields the XML reader reads leniently)."""
        if not isinstance(obj, dict):
            return None
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return None
        return str(value).strip() or None

    def ref(self, obj: Mapping[str, Any], key: str, required: bool = True) -> dict[str, Any]:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required but missing")
            return {}
        if not isinstance(value, dict):
            raise self.error(key, f"expected an object, got {_kind_of(value)}")
        return value

    def array(self, obj: Mapping[str, Any], key: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected an array, got {_kind_of(value)}")
        return value

    def date(
        self, obj: Mapping[str, Any], key: str, at: str = "", required: bool = True
    ) -> dt.date | None:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(self._path(at, key), "is required but missing or empty")
            return None
        if isinstance(value, str):
            day = iso_date(value.strip())
            if day is not None:
                return day
        raise self.error(self._path(at, key), f"not a valid date (YYYY-MM-DD): {value!r}")

    def number(self, obj: Mapping[str, Any], key: str) -> float | None:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number = math.nan
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                number = float(value.strip())
        if not math.isfinite(number):
            raise self.error(key, f"not a number: {value!r}")
        if number < 0:
            raise self.error(key, f"must not be negative: {value!r}")
        return number

    def desc(self, obj: Mapping[str, Any], key: str, at: str = "") -> str | None:
        text = self.text(obj, key, at)
        return descriptor_value(text) or None if text else None

    def year(self, obj: Mapping[str, Any], key: str, at: str = "") -> tuple[str, int]:
        value = obj.get(key)
        if value is None or value == "":
            raise self.error(self._path(at, key), "is required but missing or empty")
        found = school_year_text(value)
        if found is None:
            raise self.error(self._path(at, key), f"not a school year: {value!r}")
        return found

    # -- references -------------------------------------------------------------------------

    def student_ref(self, item: Item) -> str:
        if "studentReference" in item or "studentSectionAssociationReference" not in item:
            ref = self.ref(item, "studentReference")
            return self.req(ref, "studentUniqueId", "studentReference")
        # DS 4 studentGradebookEntries name the student in their section association.
        ref = self.ref(item, "studentSectionAssociationReference")
        return self.req(ref, "studentUniqueId", "studentSectionAssociationReference")

    def school_ref(self, item: Item, key: str = "schoolReference") -> str:
        return self.req(self.ref(item, key), "schoolId", key)

    def session_of(self, ref: Mapping[str, Any], at: str) -> str:
        """A sessionReference (or a flattened reference holding one) -> our session id."""
        name = self.req(ref, "sessionName", at)
        year, _ = self.year(ref, "schoolYear", at)
        school = self.req(ref, "schoolId", at)
        return session_id(school, year, name)

    def offering_of(self, ref: Mapping[str, Any], at: str) -> tuple[str, str, str]:
        """A courseOfferingReference -> (school id, session id, local course code)."""
        code = self.req(ref, "localCourseCode", at)
        school = self.req(ref, "schoolId", at)
        return school, self.session_of(ref, at), code

    def section_of(self, ref: Mapping[str, Any], at: str) -> str:
        """A sectionReference (or a flattened key holding one) -> our class id."""
        identifier = self.req(ref, "sectionIdentifier", at)
        _, session, code = self.offering_of(ref, at)
        return class_id(session, code, identifier)

    def section_ref(self, item: Item, key: str = "sectionReference") -> str:
        return self.section_of(self.ref(item, key), key)

    def gp_of(self, obj: Mapping[str, Any], at: str, school: str, year: str) -> str:
        descriptor = self.desc(obj, "gradingPeriodDescriptor", at)
        if descriptor is None:
            raise self.error(
                self._path(at, "gradingPeriodDescriptor"), "is required but missing or empty"
            )
        which = self.text(obj, "gradingPeriodName", at) or self.text(obj, "periodSequence", at)
        if which is None:
            raise self.error(
                self._path(at, "periodSequence"), "gradingPeriodName or periodSequence is required"
            )
        return grading_period_id(school, year, descriptor, which)

    def gp_ref(self, ref: Mapping[str, Any], at: str) -> str:
        year, _ = self.year(ref, "schoolYear", at)
        school = self.req(ref, "schoolId", at)
        return self.gp_of(ref, at, school, year)

    # -- education organizations ----------------------------------------------------------------

    def _add_org(self, org: Org) -> None:
        self.claim("orgs", org.sourced_id, "education organization")
        self.orgs[org.sourced_id] = org
        self.note("orgs", org.sourced_id)

    def _lea(self, item: Item) -> None:
        sid = self.req(item, "localEducationAgencyId")
        name = self.req(item, "nameOfInstitution")
        self._add_org(Org(sid, name, "district", identifier=sid))

    def _school(self, item: Item) -> None:
        sid = self.req(item, "schoolId")
        name = self.req(item, "nameOfInstitution")
        lea = self.ref(item, "localEducationAgencyReference", required=False)
        parent = self.text(lea, "localEducationAgencyId", "localEducationAgencyReference")
        self._add_org(Org(sid, name, "school", identifier=sid, parent_id=parent))

    def _course(self, item: Item) -> None:
        code = self.soft(item, "courseCode")
        title = self.soft(item, "courseTitle")
        edorg = self.soft(item.get("educationOrganizationReference"), "educationOrganizationId")
        if code and title and edorg:
            self.course_titles[(edorg, code)] = title

    # -- calendar -------------------------------------------------------------------------------

    def _dates(self, item: Item) -> tuple[dt.date, dt.date]:
        begin = self.date(item, "beginDate")
        end = self.date(item, "endDate")
        assert begin is not None and end is not None
        if end < begin:
            raise self.error("endDate", f"{end} is before beginDate {begin}")
        return begin, end

    def _session(self, item: Item) -> None:
        name = self.req(item, "sessionName")
        year, ending = self.year(
            self.ref(item, "schoolYearTypeReference"), "schoolYear", "schoolYearTypeReference"
        )
        school = self.school_ref(item)
        begin, end = self._dates(item)
        kind = session_type(self.desc(item, "termDescriptor"))
        sid = session_id(school, year, name)
        self.claim("academic_sessions", sid, "session")
        gp_ids = []
        for i, entry in enumerate(self.array(item, "gradingPeriods")):
            at = f"gradingPeriods[{i}].gradingPeriodReference"
            ref = entry.get("gradingPeriodReference") if isinstance(entry, dict) else None
            if not isinstance(ref, dict):
                raise self.error(at, "is required but missing")
            gp_ids.append(self.gp_ref(ref, at))
        self.add_session(sid, name, kind, (begin, end), school, (year, ending), gp_ids)
        self.note("academic_sessions", sid)

    def _grading_period(self, item: Item) -> None:
        year, ending = self.year(
            self.ref(item, "schoolYearTypeReference"), "schoolYear", "schoolYearTypeReference"
        )
        school = self.school_ref(item)
        gid = self.gp_of(item, "", school, year)
        begin, end = self._dates(item)
        self.claim("academic_sessions", gid, "grading period")
        title = self.text(item, "gradingPeriodName") or self.desc(item, "gradingPeriodDescriptor")
        assert title is not None
        self.add_grading_period(gid, title, (begin, end), school, (year, ending))
        self.note("academic_sessions", gid)

    def _calendar_date(self, item: Item) -> None:
        day = self.date(item, "date")
        assert day is not None
        school = self.req(self.ref(item, "calendarReference"), "schoolId", "calendarReference")
        events = []
        for entry in self.array(item, "calendarEvents"):
            value = self.soft(entry, "calendarEventDescriptor")
            if value:
                events.append(descriptor_value(value))
        if not events:
            raise self.error("calendarEvents", "is required but missing")
        self.add_calendar_day(school, day, events, self.origin())

    # -- master schedule ------------------------------------------------------------------------

    def _course_offering(self, item: Item) -> None:
        code = self.req(item, "localCourseCode")
        school = self.school_ref(item)
        session_ref = self.ref(item, "sessionReference", required=False)
        if session_ref:
            self.session_of(session_ref, "sessionReference")  # checked like the XML reader
        title = self.text(item, "localCourseTitle")
        if title is None:
            course = item.get("courseReference")
            ccode = self.soft(course, "courseCode")
            edorg = self.soft(course, "educationOrganizationId")
            if ccode and edorg:
                title = self.course_titles.get((edorg, ccode))
        if self.add_course(school, code, title):
            self.note("courses", course_id(school, code))

    def _section(self, item: Item) -> None:
        identifier = self.req(item, "sectionIdentifier")
        offering = self.offering_of(
            self.ref(item, "courseOfferingReference"), "courseOfferingReference"
        )
        cid = class_id(offering[1], offering[2], identifier)
        self.claim("classes", cid, "section")
        periods = []
        for entry in self.array(item, "classPeriods"):
            name = self.soft(
                entry.get("classPeriodReference") if isinstance(entry, dict) else None,
                "classPeriodName",
            )
            if name:
                periods.append(name)
        self.add_section(cid, identifier, offering, self.text(item, "sectionName"), periods)
        self.note("classes", cid)

    # -- people ---------------------------------------------------------------------------------

    def _person(self, item: Item, id_key: str, role: Role, system_key: str) -> None:
        sid = self.req(item, id_key)
        given = self.req(item, "firstName")
        family = self.req(item, "lastSurname")
        birth = self.date(item, "birthDate", required=False)
        email = None
        for entry in self.array(item, "electronicMails"):
            email = self.soft(entry, "electronicMailAddress")
            if email:
                break
        state_id = None
        for codes in ("identificationCodes", "studentIdentificationCodes"):
            for entry in self.array(item, codes):
                if is_state_system(self.soft(entry, system_key)):
                    state_id = self.soft(entry, "identificationCode")
        self.claim("users", sid, "student" if role is Role.STUDENT else "staff")
        names = (given, family, self.text(item, "middleName"))
        self.add_user(sid, role, names, state_id, birth, email)
        self.note("users", sid)

    def _student(self, item: Item) -> None:
        self._person(item, "studentUniqueId", Role.STUDENT, "studentIdentificationSystemDescriptor")

    def _staff(self, item: Item) -> None:
        self._person(item, "staffUniqueId", Role.TEACHER, "staffIdentificationSystemDescriptor")

    def _student_edorg(self, item: Item) -> None:
        student = self.student_ref(item)
        for entry in self.array(item, "studentIdentificationCodes"):
            value = self.soft(entry, "identificationCode")
            if value and is_state_system(self.soft(entry, "studentIdentificationSystemDescriptor")):
                self.state_ids[student] = value

    def _staff_ref(self, item: Item) -> str:
        return self.req(self.ref(item, "staffReference"), "staffUniqueId", "staffReference")

    def _staff_school(self, item: Item) -> None:
        staff = self._staff_ref(item)
        school = self.school_ref(item)
        self.staff_school.setdefault(staff, school)

    def _staff_section(self, item: Item) -> None:
        staff = self._staff_ref(item)
        cid = self.section_ref(item)
        begin = self.date(item, "beginDate", required=False)
        end = self.date(item, "endDate", required=False)
        position = (self.desc(item, "classroomPositionDescriptor") or "").casefold()
        eid = enrollment_id(staff, cid, begin)
        self.claim("enrollments", eid, "staff section association")
        self.enrollments[eid] = Enrollment(
            eid, cid, staff, Role.TEACHER, begin, end, primary="teacher of record" in position
        )
        self.note("enrollments", eid)

    def _student_school(self, item: Item) -> None:
        student = self.student_ref(item)
        school = self.school_ref(item)
        entry = self.date(item, "entryDate", required=False)
        self.add_school_assoc(student, school, entry, self.desc(item, "entryGradeLevelDescriptor"))

    def _student_section(self, item: Item) -> None:
        student = self.student_ref(item)
        cid = self.section_ref(item)
        begin = self.date(item, "beginDate")
        end = self.date(item, "endDate", required=False)
        eid = enrollment_id(student, cid, begin)
        self.claim("enrollments", eid, "student section association")
        self.enrollments[eid] = Enrollment(eid, cid, student, Role.STUDENT, begin, end)
        self.note("enrollments", eid)

    # -- attendance ------------------------------------------------------------------------------

    def _category(self, item: Item) -> AttendanceCategory:
        key = "attendanceEventCategoryDescriptor"
        text = self.text(item, key)
        if text is None:
            raise self.error(key, "is required but missing or empty")
        try:
            return attendance_category(text)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def _school_attendance(self, item: Item) -> None:
        student = self.student_ref(item)
        school = self.school_ref(item)
        day = self.date(item, "eventDate")
        assert day is not None
        category = self._category(item)
        eid = attendance_id(student, school, day, category)
        self.claim("attendance_events", eid, "attendance event")
        self.attendance[eid] = AttendanceEvent(eid, student, day, category, None, None, school)
        self.note("attendance_events", eid)

    def _section_attendance(self, item: Item) -> None:
        student = self.student_ref(item)
        ref = self.ref(item, "sectionReference")
        cid = self.section_of(ref, "sectionReference")
        day = self.date(item, "eventDate")
        assert day is not None
        category = self._category(item)
        section = self.sections.get(cid)
        school = section.school_id if section else cid.split(":", 1)[0]
        eid = attendance_id(student, cid, day, category)
        self.claim("attendance_events", eid, "attendance event")
        self.attendance[eid] = AttendanceEvent(
            eid, student, day, category, cid, section.period if section else None, school
        )
        self.note("attendance_events", eid)

    # -- gradebook -------------------------------------------------------------------------------

    def _entry_key(self, ref: Mapping[str, Any], at: str, cid: str | None) -> tuple[str, str]:
        identifier = self.text(ref, "gradebookEntryIdentifier", at)
        if identifier is not None:
            return identifier, self.text(ref, "namespace", at) or ""
        if cid is None:  # DS 4: the reference is the flattened (section, date, title) key
            cid = self.section_of(ref, at)
        assigned = self.date(ref, "dateAssigned", at)
        title = self.text(ref, "title", at) or self.req(ref, "gradebookEntryTitle", at)
        return composite_entry_key(cid, assigned, title), ""

    def _gradebook_entry(self, item: Item) -> None:
        cid = self.section_ref(item)
        key = self._entry_key(item, "", cid)
        title = self.text(item, "title") or self.text(item, "gradebookEntryTitle") or key[0]
        assigned = self.date(item, "dateAssigned", required=False)
        due = self.date(item, "dueDate", required=False)
        max_points = self.number(item, "maxPoints")
        if max_points is None:
            max_points = self.number(item, "pointsPossible")
        if max_points == 0:
            raise self.error("maxPoints", "must be greater than 0")
        gp = None
        gp_ref = self.ref(item, "gradingPeriodReference", required=False)
        if gp_ref:
            gp = self.gp_ref(gp_ref, "gradingPeriodReference")
        kind = self.desc(item, "gradebookEntryTypeDescriptor")
        first = self.item_keys.get(key)
        if first is not None:
            raise self.error(
                "gradebookEntryIdentifier",
                f"duplicate gradebook entry {key[0]!r} (first seen at {first})",
            )
        where = (self.where(), self.origin())
        self.add_item(key, cid, title, kind, (assigned, due), max_points, gp, where)

    def _student_gradebook_entry(self, item: Item) -> None:
        ref = self.ref(item, "gradebookEntryReference")
        key = self._entry_key(ref, "gradebookEntryReference", None)
        student = self.student_ref(item)
        points = self.number(item, "pointsEarned")
        score = points if points is not None else self.number(item, "numericGradeEarned")
        statuses = (
            self.desc(item, "submissionStatusDescriptor"),
            self.desc(item, "assignmentLateStatusDescriptor"),
        )
        if (key, student) in self.result_keys:
            raise self.error(
                "studentReference",
                f"duplicate score for gradebook entry {key[0]!r} and student {student!r} "
                f"(first seen at {self.result_keys[(key, student)]})",
            )
        self.result_keys[(key, student)] = self.where()
        self.add_result(
            key,
            student,
            score,
            statuses,
            self.date(item, "dateFulfilled", required=False),
            self.text(item, "diagnosticStatement"),
            self.origin(),
        )

    # -- discipline ------------------------------------------------------------------------------

    def _first_behavior(self, item: Item) -> str | None:
        for entry in self.array(item, "behaviors"):
            value = self.soft(entry, "behaviorDescriptor")
            if value:
                return descriptor_value(value)
        return None

    def _discipline_incident(self, item: Item) -> None:
        number = self.req(item, "incidentIdentifier")
        school = self.school_ref(item)
        day = self.date(item, "incidentDate")
        assert day is not None
        behavior = self._first_behavior(item)
        description = self.text(item, "incidentDescription")
        if description is None:
            for entry in self.array(item, "behaviors"):
                description = self.soft(entry, "behaviorDetailedDescription")
                if description:
                    break
        iid = incident_id(school, number)
        self.claim("discipline_incidents", iid, "discipline incident")
        self.incidents[iid] = DisciplineIncident(
            iid, day, school, behavior, description, self.desc(item, "incidentLocationDescriptor")
        )
        self.note("discipline_incidents", iid)

    def _student_incident(self, item: Item) -> None:
        student = self.student_ref(item)
        # DS 4's studentDisciplineIncidentAssociations: a participation code and behaviors;
        # the behavior associations: one behaviorDescriptor each.
        participation = (self.desc(item, "studentParticipationCodeDescriptor") or "").casefold()
        behavior = self.desc(item, "behaviorDescriptor") or self._first_behavior(item)
        if participation and participation != "perpetrator" and behavior is None:
            return  # a victim, witness or reporter: not the student's own incident
        ref = self.ref(item, "disciplineIncidentReference")
        at = "disciplineIncidentReference"
        iid = incident_id(self.req(ref, "schoolId", at), self.req(ref, "incidentIdentifier", at))
        self.student_incidents.append((iid, student, behavior, self.origin()))

    # -- assembly --------------------------------------------------------------------------------

    def finish(self) -> Dataset:
        return self.assemble()


def to_dataset(
    source_name: str,
    items: Mapping[str, list[Any]],
    *,
    skip_invalid: bool = False,
    cache: Engine | None = None,
) -> Dataset:
    """Map Ed-Fi API items (keyed by resource name, see :data:`RESOURCES`) to a Dataset.

    Resources are read in :data:`RESOURCES` order whatever the mapping's order; names that
    are not in :data:`RESOURCES` are ignored. Raises :class:`SourceError` for a bad record
    unless ``skip_invalid``.

    ``cache``: pass the cache's engine for an incremental sync (items = only what changed).
    What a record's row needs from records that did not change is then taken from the cache
    instead of being derived from the partial items (see :func:`_keep_cached`). Leave it out
    for a full sync: the items are then the whole truth, as in an import.
    """
    mapper = _Mapper(source_name, skip_invalid)
    for res in RESOURCES:
        got = items.get(res.name)
        if got:
            mapper.read(res.name, got)
    ds = mapper.finish()
    if cache is not None:
        _keep_cached(cache, ds, mapper)
    return ds


def _cached(conn: Connection, table: str, ids: set[str]) -> dict[str, Any]:
    """Cached rows of ``table`` by sourced_id (only those that exist)."""
    t = METADATA.tables[table]
    out: dict[str, Any] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), 500):
        for row in conn.execute(select(t).where(t.c.sourced_id.in_(wanted[i : i + 500]))):
            out[row.sourced_id] = row
    return out


def _keep_cached(engine: Engine, ds: Dataset, m: _Mapper) -> None:
    """Incremental sync: fill what the changed records alone cannot tell from the cache.

    - a school year's span: widened to the cached one (only some sessions changed);
    - a grading period no changed session lists: keeps its cached parent session;
    - a course offering or section whose title source (course catalog, offering) did not
      change: the cached course title;
    - a section attendance event whose section did not change: the cached class's period
      and school;
    - a student whose school association did not change: the cached school and grade level
      (and state id when their education organization association did not change); a staff
      member's cached school likewise;
    - a school association or state id that changed for a student who did not: the cached
      student, re-applied with the new school, grade level or state id.
    """
    sessions = {s.sourced_id for s in ds.academic_sessions}
    with engine.connect() as conn:
        cached_sessions = _cached(conn, "academic_sessions", sessions)
        new_sessions = []
        for s in ds.academic_sessions:
            row = cached_sessions.get(s.sourced_id)
            if row is not None and s.type is SessionType.SCHOOL_YEAR:
                s = dataclasses.replace(
                    s,
                    start_date=min(s.start_date, row.start_date),
                    end_date=max(s.end_date, row.end_date),
                )
            elif (
                row is not None
                and s.type is SessionType.GRADING_PERIOD
                and s.sourced_id not in m.gp_parent
                and row.parent_id
            ):
                s = dataclasses.replace(s, parent_id=row.parent_id)
            new_sessions.append(s)
        ds.academic_sessions = new_sessions

        # course titles the changed offerings could not find
        untitled = {
            course_id(sec.school_id, sec.course_code)
            for sec in m.sections.values()
            if (sec.school_id, sec.course_code) not in m.offering_titles
        } | {c.sourced_id for c in ds.courses if c.title == c.course_code}
        titles = {k: r.title for k, r in _cached(conn, "courses", untitled).items()}
        ds.courses = [
            dataclasses.replace(c, title=titles[c.sourced_id])
            if c.title == c.course_code and c.sourced_id in titles
            else c
            for c in ds.courses
        ]
        classes = []
        for k in ds.classes:
            sec = m.sections[k.sourced_id]
            title = titles.get(k.course_id or "")
            if (sec.school_id, sec.course_code) not in m.offering_titles and title:
                k = dataclasses.replace(k, title=class_title(title, sec))
            classes.append(k)
        ds.classes = classes

        # section attendance for sections that did not change
        unknown = {
            e.class_id for e in ds.attendance_events if e.class_id and e.class_id not in m.sections
        }
        cached_classes = _cached(conn, "classes", unknown)
        ds.attendance_events = [
            dataclasses.replace(
                e,
                period=cached_classes[e.class_id].period,
                school_id=cached_classes[e.class_id].school_id or e.school_id,
            )
            if e.class_id in cached_classes
            else e
            for e in ds.attendance_events
        ]

        # users
        in_ds = {u.sourced_id for u in ds.users}
        gone = {d.sourced_id for d in ds.deletions if d.entity == "users"}
        extra = (set(m.school_assoc) | set(m.state_ids)) - in_ds - gone
        cached_users = _cached(conn, "users", in_ds | extra)
    users = []
    for u in ds.users:
        row = cached_users.get(u.sourced_id)
        if row is not None:
            changes: dict[str, Any] = {}
            if u.role is Role.STUDENT:
                if u.sourced_id not in m.school_assoc:
                    changes["school_id"] = row.school_id
                    changes["grade_level"] = row.grade_level
                if u.sourced_id not in m.state_ids and row.state_id:
                    changes["state_id"] = row.state_id
            elif u.sourced_id not in m.staff_school and row.school_id:
                changes["school_id"] = row.school_id
            if changes:
                u = dataclasses.replace(u, **changes)
        users.append(u)
    for uid in sorted(extra):
        row = cached_users.get(uid)
        if row is None or row.role != Role.STUDENT.value:
            continue
        fields = {c: getattr(row, c) for c in _USER_FIELDS}
        user = User(role=Role.STUDENT, **fields)
        assoc = m.school_assoc.get(uid)
        if assoc is not None:
            user = dataclasses.replace(user, school_id=assoc.school_id, grade_level=assoc.grade)
        if uid in m.state_ids:
            user = dataclasses.replace(user, state_id=m.state_ids[uid])
        users.append(user)
    ds.users = users


_USER_FIELDS = tuple(f.name for f in dataclasses.fields(User) if f.name != "role")


# --- change queries: deleted resources ---------------------------------------------------------

# Entity of each resource whose deletion removes a record, children first so that the
# loader deletes dependants before what they point to.
_DELETES: tuple[tuple[str, str], ...] = (
    ("studentGradebookEntries", "results"),
    ("gradebookEntries", "line_items"),
    ("studentSchoolAttendanceEvents", "attendance_events"),
    ("studentSectionAttendanceEvents", "attendance_events"),
    ("studentSectionAssociations", "enrollments"),
    ("staffSectionAssociations", "enrollments"),
    ("disciplineIncidents", "discipline_incidents"),
    ("sections", "classes"),
    ("gradingPeriods", "academic_sessions"),
    ("sessions", "academic_sessions"),
    ("students", "users"),
    ("staffs", "users"),
    ("schools", "orgs"),
    ("localEducationAgencies", "orgs"),
)


class _Deleted(_Mapper):
    """Our id for a deleted resource's natural key (``keyValues`` of a ``/deletes`` item)."""

    def key_id(self, resource: str, key: Item) -> str:
        student = self.req(key, "studentUniqueId") if resource.startswith("student") else ""
        if resource == "students":
            return student
        if resource == "staffs":
            return self.req(key, "staffUniqueId")
        if resource == "schools":
            return self.req(key, "schoolId")
        if resource == "localEducationAgencies":
            return self.req(key, "localEducationAgencyId")
        if resource == "sessions":
            return self.session_of(key, "")
        if resource == "gradingPeriods":
            return self.gp_ref(key, "")
        if resource == "sections":
            return self.section_of(key, "")
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
    """
    mapper = _Deleted(source_name, skip_invalid)
    ds = mapper.ds
    seen: set[tuple[str, str]] = set()
    for resource, entity in _DELETES:
        for item in deleted.get(resource) or ():
            mapper.resource = resource
            mapper.item = item if isinstance(item, dict) else {}
            key = mapper.item.get("keyValues")
            if not isinstance(key, dict):
                key = mapper.item
            try:
                sid = mapper.key_id(resource, key)
            except SourceError as err:
                mapper._reject(err, {"resource": resource, "record": _label(mapper.item)})
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
