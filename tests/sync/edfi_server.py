"""An Ed-Fi ODS/API (v3+ URL layout, Data Standard 5 shapes) on 127.0.0.1, serving a folder of
Ed-Fi XML interchange files (the Grand Bend sample, or tests/data/edfi_small).

Real HTTP (pytest-httpserver's threaded werkzeug server):

- ``POST /oauth/token``: OAuth 2.0 client credentials, the client in HTTP Basic auth or as
  form fields ``client_id``/``client_secret``; ``{"access_token", "token_type": "bearer",
  "expires_in"}``. Wrong credentials: 401 ``{"error": "invalid_client"}``.
- ``GET /data/v3/ed-fi/<resource>`` (every resource of ``RESOURCES``, and of ``COUNTED``,
  whose items are the XML's records of those kinds with no field): a JSON array; ``offset`` (default 0) and ``limit``
  (default 25, at most 500: 400 above, like the ODS/API); ``totalCount=true`` adds the
  ``Total-Count`` header; ``minChangeVersion``/``maxChangeVersion`` filter by change version.
  Without ``Authorization: Bearer <valid token>``: 401.
  Any other parameter is a query by property, as the ODS/API's: only items whose field (a
  reference's key fields by their own names: ``studentUniqueId``, ``schoolId``) equals it.
- ``GET /data/v3/ed-fi/<resource>/deletes``: deleted items ``{"id", "changeVersion",
  "keyValues"}`` (same paging and version filters).
- ``GET /changeQueries/v1/availableChangeVersions``: ``{"oldestChangeVersion",
  "newestChangeVersion"}`` (404 when ``change_queries=False``).
- ``GET /``: the version document.

The XML is converted once per folder and process (:func:`folder_items`) to the API's JSON
shapes: camelCase fields, references as objects holding the natural key
(``{"sectionReference": {"localCourseCode", "schoolId", "schoolYear", "sectionIdentifier",
"sessionName"}}``), ``schoolId`` and ``schoolYear`` as integers (``2021-2022`` -> ``2022``),
descriptors as URIs, numbers as numbers, plus ``id`` (32 hex digits), ``_etag`` and
``_lastModifiedDate``. ``ref="..."`` references of the XML are resolved to identities.
Every record starts at change version 1..N in order; :meth:`EdfiServer.touch`,
:meth:`EdfiServer.add` and :meth:`EdfiServer.delete` give it a new version.

Usage::

    srv = EdfiServer.from_folder(GRAND_BEND).start()
    try:
        cfg = srv.source_config()   # kind, base_url, token_url, client_id
        secret = srv.secret
    finally:
        srv.stop()

or ``with EdfiServer.from_folder(folder) as srv: ...``.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import logging
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import parse
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from caseload.sources.edfi_api import COUNTED, RESOURCES
from caseload.sources.edfi_xml import INTERCHANGES

DATA = "/data/v3"
CHANGE_QUERIES = "/changeQueries/v1"
MAX_LIMIT = 500
DEFAULT_LIMIT = 25
_ID_NS = uuid.UUID("6f1b1d2e-5c1e-4a53-9d55-3f1f3b8a0e11")
_STAMP = "2024-01-15T12:00:00Z"

# --- XML -> JSON ------------------------------------------------------------------------------


def _local(el: Element) -> None:
    for e in el.iter():
        if isinstance(e.tag, str) and "}" in e.tag:
            e.tag = e.tag.rpartition("}")[2]


def _t(el: Element | None, path: str) -> str | None:
    if el is None:
        return None
    v = el.findtext(path)
    if v is None:
        return None
    v = v.strip()
    return v or None


def _int(text: str | None) -> int | str | None:
    if text is None:
        return None
    return int(text) if text.isdigit() else text


def _num(text: str | None) -> float | int | None:
    if text is None:
        return None
    f = float(text)
    return int(f) if f.is_integer() and "." not in text else f


def _year(text: str | None) -> int | str | None:
    if text is None:
        return None
    m = re.fullmatch(r"(?:\d{4}\s*[-/]\s*)?(\d{4})", text)
    return int(m.group(1)) if m else text


def _opt(d: dict[str, Any], **values: Any) -> dict[str, Any]:
    for k, v in values.items():
        if v is not None and v != []:
            d[k] = v
    return d


_COUNTED = {c.element: c.name for c in COUNTED}  # XML element -> its resource


class _Converter:
    """XML records -> {resource: [JSON items]}."""

    def __init__(self) -> None:
        self.by_id: dict[str, Element] = {}
        self.out: dict[str, list[dict[str, Any]]] = {r.name: [] for r in RESOURCES + COUNTED}

    # references ---------------------------------------------------------------------------

    def target(self, ref_el: Element) -> Element | None:
        ref = ref_el.get("ref")
        return self.by_id.get(ref) if ref else None

    def school_id(self, el: Element | None) -> Any:
        return _int(_t(el, ".//SchoolId"))

    def session_key(self, ref_el: Element) -> dict[str, Any]:
        ident = ref_el.find("SessionIdentity")
        src = ident if ident is not None else self.target(ref_el)
        assert src is not None, "unresolved SessionReference"
        return {
            "schoolId": self.school_id(src.find("SchoolReference")),
            "schoolYear": _year(_t(src, "SchoolYear")),
            "sessionName": _t(src, "SessionName"),
        }

    def offering_key(self, ref_el: Element) -> dict[str, Any]:
        ident = ref_el.find("CourseOfferingIdentity")
        src = ident if ident is not None else self.target(ref_el)
        assert src is not None, "unresolved CourseOfferingReference"
        session = self.session_key(src.find("SessionReference"))  # type: ignore[arg-type]
        return {"localCourseCode": _t(src, "LocalCourseCode"), **session}

    def section_key(self, ref_el: Element) -> dict[str, Any]:
        ident = ref_el.find("SectionIdentity")
        src = ident if ident is not None else self.target(ref_el)
        assert src is not None, "unresolved SectionReference"
        offering = self.offering_key(src.find("CourseOfferingReference"))  # type: ignore[arg-type]
        return {**offering, "sectionIdentifier": _t(src, "SectionIdentifier")}

    def gp_key(self, src: Element) -> dict[str, Any]:
        key: dict[str, Any] = {"gradingPeriodDescriptor": _t(src, "GradingPeriod")}
        name = _t(src, "GradingPeriodName")
        if name is not None:
            key["gradingPeriodName"] = name
        else:
            key["periodSequence"] = _int(_t(src, "PeriodSequence"))
        key["schoolId"] = self.school_id(src.find("SchoolReference"))
        key["schoolYear"] = _year(_t(src, "SchoolYear"))
        return key

    def gp_ref(self, ref_el: Element) -> dict[str, Any]:
        ident = ref_el.find("GradingPeriodIdentity")
        src = ident if ident is not None else self.target(ref_el)
        assert src is not None, "unresolved GradingPeriodReference"
        return self.gp_key(src)

    def student(self, rec: Element) -> dict[str, Any]:
        ref = rec.find("StudentReference")
        assert ref is not None
        uid = _t(ref, ".//StudentUniqueId")
        if uid is None:
            target = self.target(ref)
            uid = _t(target, "StudentUniqueId")
        return {"studentUniqueId": uid}

    def staff(self, rec: Element) -> dict[str, Any]:
        ref = rec.find("StaffReference")
        assert ref is not None
        return {"staffUniqueId": _t(ref, ".//StaffUniqueId")}

    def school(self, rec: Element, name: str = "SchoolReference") -> dict[str, Any]:
        ref = rec.find(name)
        if ref is not None and _t(ref, ".//SchoolId") is None:
            ref = self.target(ref)
        return {"schoolId": self.school_id(ref)}

    @staticmethod
    def year_ref(rec: Element) -> dict[str, Any]:
        return {"schoolYear": _year(_t(rec, "SchoolYear"))}

    # records ------------------------------------------------------------------------------

    def add(self, resource: str, item: dict[str, Any]) -> None:
        self.out.setdefault(resource, []).append(item)

    def convert(self, rec: Element) -> None:
        handler: Callable[[Element], None] | None = getattr(self, "_" + rec.tag, None)
        if handler is not None:
            handler(rec)
        elif rec.tag in _COUNTED:  # a kind caseload only counts: an item with no field read
            self.add(_COUNTED[rec.tag], {})

    def _LocalEducationAgency(self, rec: Element) -> None:
        self.add(
            "localEducationAgencies",
            _opt(
                {
                    "localEducationAgencyId": _int(_t(rec, "LocalEducationAgencyId")),
                    "nameOfInstitution": _t(rec, "NameOfInstitution"),
                },
                shortNameOfInstitution=_t(rec, "ShortNameOfInstitution"),
                localEducationAgencyCategoryDescriptor=_t(rec, "LocalEducationAgencyCategory"),
            ),
        )

    def _School(self, rec: Element) -> None:
        lea = None
        ref = rec.find("LocalEducationAgencyReference")
        if ref is not None:
            lea_id = _t(ref, ".//LocalEducationAgencyId")
            if lea_id is None and self.target(ref) is not None:
                lea_id = _t(self.target(ref), "LocalEducationAgencyId")
            if lea_id is not None:
                lea = {"localEducationAgencyId": _int(lea_id)}
        self.add(
            "schools",
            _opt(
                {
                    "schoolId": _int(_t(rec, "SchoolId")),
                    "nameOfInstitution": _t(rec, "NameOfInstitution"),
                },
                shortNameOfInstitution=_t(rec, "ShortNameOfInstitution"),
                localEducationAgencyReference=lea,
                educationOrganizationCategories=[
                    {"educationOrganizationCategoryDescriptor": e.text.strip()}
                    for e in rec.findall("EducationOrganizationCategory")
                    if e.text
                ],
                gradeLevels=[
                    {"gradeLevelDescriptor": e.text.strip()}
                    for e in rec.findall("GradeLevel")
                    if e.text
                ],
            ),
        )

    def _Course(self, rec: Element) -> None:
        self.add(
            "courses",
            _opt(
                {
                    "courseCode": _t(rec, "CourseCode"),
                    "courseTitle": _t(rec, "CourseTitle"),
                    "numberOfParts": _int(_t(rec, "NumberOfParts")) or 1,
                    "educationOrganizationReference": {
                        "educationOrganizationId": _int(_t(rec, ".//EducationOrganizationId"))
                    },
                },
                academicSubjectDescriptor=_t(rec, "AcademicSubject"),
                courseDescription=_t(rec, "CourseDescription"),
            ),
        )

    def _Session(self, rec: Element) -> None:
        gps = []
        for ref in rec.findall("GradingPeriodReference"):
            gps.append({"gradingPeriodReference": self.gp_ref(ref)})
        self.add(
            "sessions",
            _opt(
                {
                    "sessionName": _t(rec, "SessionName"),
                    "schoolReference": self.school(rec),
                    "schoolYearTypeReference": self.year_ref(rec),
                    "beginDate": _t(rec, "BeginDate"),
                    "endDate": _t(rec, "EndDate"),
                    "termDescriptor": _t(rec, "Term"),
                    "totalInstructionalDays": _int(_t(rec, "TotalInstructionalDays")),
                },
                gradingPeriods=gps,
            ),
        )

    def _GradingPeriod(self, rec: Element) -> None:
        self.add(
            "gradingPeriods",
            _opt(
                {
                    "gradingPeriodDescriptor": _t(rec, "GradingPeriod"),
                    "schoolReference": self.school(rec),
                    "schoolYearTypeReference": self.year_ref(rec),
                    "beginDate": _t(rec, "BeginDate"),
                    "endDate": _t(rec, "EndDate"),
                    "totalInstructionalDays": _int(_t(rec, "TotalInstructionalDays")),
                },
                gradingPeriodName=_t(rec, "GradingPeriodName"),
                periodSequence=_int(_t(rec, "PeriodSequence")),
            ),
        )

    def _CalendarDate(self, rec: Element) -> None:
        ident = rec.find(".//CalendarIdentity")
        src = ident if ident is not None else self.target(rec.find("CalendarReference"))  # type: ignore[arg-type]
        self.add(
            "calendarDates",
            {
                "date": _t(rec, "Date"),
                "calendarReference": {
                    "calendarCode": _t(src, "CalendarCode"),
                    "schoolId": self.school_id(
                        src.find("SchoolReference") if src is not None else None
                    ),
                    "schoolYear": _year(_t(src, "SchoolYear")),
                },
                "calendarEvents": [
                    {"calendarEventDescriptor": e.text.strip()}
                    for e in rec.iter("CalendarEvent")
                    if e.text and e.text.strip()
                ],
            },
        )

    def _CourseOffering(self, rec: Element) -> None:
        course = rec.find("CourseReference")
        session = rec.find("SessionReference")
        self.add(
            "courseOfferings",
            _opt(
                {
                    "localCourseCode": _t(rec, "LocalCourseCode"),
                    "schoolReference": self.school(rec),
                    "sessionReference": self.session_key(session) if session is not None else None,
                    "courseReference": {
                        "courseCode": _t(course, ".//CourseCode"),
                        "educationOrganizationId": _int(_t(course, ".//EducationOrganizationId")),
                    }
                    if course is not None
                    else None,
                },
                localCourseTitle=_t(rec, "LocalCourseTitle"),
            ),
        )

    def _Section(self, rec: Element) -> None:
        offering = self.offering_key(rec.find("CourseOfferingReference"))  # type: ignore[arg-type]
        periods = [
            {
                "classPeriodReference": {
                    "classPeriodName": _t(r, ".//ClassPeriodName"),
                    "schoolId": self.school_id(r),
                }
            }
            for r in rec.findall("ClassPeriodReference")
        ]
        self.add(
            "sections",
            _opt(
                {
                    "sectionIdentifier": _t(rec, "SectionIdentifier"),
                    "courseOfferingReference": offering,
                },
                sectionName=_t(rec, "SectionName"),
                sequenceOfCourse=_int(_t(rec, "SequenceOfCourse")),
                educationalEnvironmentDescriptor=_t(rec, "EducationalEnvironment"),
                classPeriods=periods,
            ),
        )

    def _person(self, rec: Element, key: str) -> dict[str, Any]:
        return _opt(
            {
                key[0].lower() + key[1:]: _t(rec, key),
                "firstName": _t(rec, "Name/FirstName"),
                "lastSurname": _t(rec, "Name/LastSurname"),
            },
            middleName=_t(rec, "Name/MiddleName"),
            personalTitlePrefix=_t(rec, "Name/PersonalTitlePrefix"),
            generationCodeSuffix=_t(rec, "Name/GenerationCodeSuffix"),
            preferredFirstName=_t(rec, "Name/PreferredFirstName"),
            preferredLastSurname=_t(rec, "Name/PreferredLastSurname"),
            birthDate=_t(rec, ".//BirthDate"),
        )

    def _Student(self, rec: Element) -> None:
        self.add("students", self._person(rec, "StudentUniqueId"))

    def _Staff(self, rec: Element) -> None:
        item = self._person(rec, "StaffUniqueId")
        mails = [
            _opt(
                {"electronicMailAddress": _t(m, "ElectronicMailAddress")},
                electronicMailTypeDescriptor=_t(m, "ElectronicMailType"),
            )
            for m in rec.findall("ElectronicMail")
        ]
        codes = [
            {
                "staffIdentificationSystemDescriptor": _t(c, "StaffIdentificationSystem"),
                "identificationCode": _t(c, "IdentificationCode"),
            }
            for c in rec.findall("StaffIdentificationCode")
        ]
        self.add("staffs", _opt(item, electronicMails=mails, identificationCodes=codes))

    def _StaffSchoolAssociation(self, rec: Element) -> None:
        self.add(
            "staffSchoolAssociations",
            _opt(
                {"staffReference": self.staff(rec), "schoolReference": self.school(rec)},
                programAssignmentDescriptor=_t(rec, "ProgramAssignment"),
            ),
        )

    def _StaffSectionAssociation(self, rec: Element) -> None:
        self.add(
            "staffSectionAssociations",
            _opt(
                {
                    "staffReference": self.staff(rec),
                    "sectionReference": self.section_key(rec.find("SectionReference")),
                },  # type: ignore[arg-type]
                beginDate=_t(rec, "BeginDate"),
                endDate=_t(rec, "EndDate"),
                classroomPositionDescriptor=_t(rec, "ClassroomPosition"),
            ),
        )

    def _StudentSchoolAssociation(self, rec: Element) -> None:
        self.add(
            "studentSchoolAssociations",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "schoolReference": self.school(rec),
                    "entryDate": _t(rec, "EntryDate"),
                },
                entryGradeLevelDescriptor=_t(rec, "EntryGradeLevel"),
                exitWithdrawDate=_t(rec, "ExitWithdrawDate"),
            ),
        )

    def _StudentEducationOrganizationAssociation(self, rec: Element) -> None:
        codes = [
            _opt(
                {
                    "studentIdentificationSystemDescriptor": _t(c, "StudentIdentificationSystem"),
                    "identificationCode": _t(c, "IdentificationCode"),
                },
                assigningOrganizationIdentificationCode=_t(
                    c, "AssigningOrganizationIdentificationCode"
                ),
            )
            for c in rec.findall("StudentIdentificationCode")
        ]
        self.add(
            "studentEducationOrganizationAssociations",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "educationOrganizationReference": {
                        "educationOrganizationId": _int(_t(rec, ".//EducationOrganizationId"))
                    },
                },
                studentIdentificationCodes=codes,
            ),
        )

    def _StudentSectionAssociation(self, rec: Element) -> None:
        self.add(
            "studentSectionAssociations",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "sectionReference": self.section_key(rec.find("SectionReference")),  # type: ignore[arg-type]
                    "beginDate": _t(rec, "BeginDate"),
                },
                endDate=_t(rec, "EndDate"),
            ),
        )

    def _StudentSchoolAttendanceEvent(self, rec: Element) -> None:
        session = rec.find("SessionReference")
        self.add(
            "studentSchoolAttendanceEvents",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "schoolReference": self.school(rec),
                    "sessionReference": self.session_key(session) if session is not None else None,
                    "eventDate": _t(rec, ".//EventDate"),
                    "attendanceEventCategoryDescriptor": _t(rec, ".//AttendanceEventCategory"),
                },
                attendanceEventReason=_t(rec, ".//AttendanceEventReason"),
                eventDuration=_num(_t(rec, ".//EventDuration")),
            ),
        )

    def _StudentSectionAttendanceEvent(self, rec: Element) -> None:
        self.add(
            "studentSectionAttendanceEvents",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "sectionReference": self.section_key(rec.find("SectionReference")),  # type: ignore[arg-type]
                    "eventDate": _t(rec, ".//EventDate"),
                    "attendanceEventCategoryDescriptor": _t(rec, ".//AttendanceEventCategory"),
                },
                attendanceEventReason=_t(rec, ".//AttendanceEventReason"),
                educationalEnvironmentDescriptor=_t(rec, ".//EducationalEnvironment"),
                arrivalTime=_t(rec, "ArrivalTime"),
                sectionAttendanceDuration=_num(_t(rec, "SectionAttendanceDuration")),
            ),
        )

    def _GradebookEntry(self, rec: Element) -> None:
        section = self.section_key(rec.find("SectionReference"))  # type: ignore[arg-type]
        gp = rec.find("GradingPeriodReference")
        item: dict[str, Any] = {}
        if _t(rec, "GradebookEntryIdentifier") is not None:  # DS 5
            item = _opt(
                {
                    "gradebookEntryIdentifier": _t(rec, "GradebookEntryIdentifier"),
                    "namespace": _t(rec, "Namespace"),
                },
                sourceSectionIdentifier=_t(rec, "SourceSectionIdentifier"),
                title=_t(rec, "Title"),
            )
        else:  # DS 4
            item = {"gradebookEntryTitle": _t(rec, "GradebookEntryTitle") or _t(rec, "Title")}
        self.add(
            "gradebookEntries",
            _opt(
                item,
                sectionReference=section,
                dateAssigned=_t(rec, "DateAssigned"),
                dueDate=_t(rec, "DueDate"),
                maxPoints=_num(_t(rec, "MaxPoints")),
                gradebookEntryTypeDescriptor=_t(rec, "GradebookEntryType"),
                description=_t(rec, "Description"),
                gradingPeriodReference=self.gp_ref(gp) if gp is not None else None,
            ),
        )

    def _StudentGradebookEntry(self, rec: Element) -> None:
        ident = rec.find("GradebookEntryReference/GradebookEntryIdentity")
        assert ident is not None, "GradebookEntryReference by ref is not supported"
        if _t(ident, "GradebookEntryIdentifier") is not None:
            entry = {
                "gradebookEntryIdentifier": _t(ident, "GradebookEntryIdentifier"),
                "namespace": _t(ident, "Namespace"),
            }
        else:
            entry = {
                "dateAssigned": _t(ident, "DateAssigned"),
                "gradebookEntryTitle": _t(ident, "GradebookEntryTitle") or _t(ident, "Title"),
                **self.section_key(ident.find("SectionReference")),
            }  # type: ignore[arg-type]
        item: dict[str, Any] = {"gradebookEntryReference": entry}
        if rec.find("StudentReference") is not None:
            item["studentReference"] = self.student(rec)
        else:  # DS 4: the student's section association
            ssa = rec.find("StudentSectionAssociationReference/StudentSectionAssociationIdentity")
            assert ssa is not None
            item["studentSectionAssociationReference"] = {
                "beginDate": _t(ssa, "BeginDate"),
                **self.section_key(ssa.find("SectionReference")),  # type: ignore[arg-type]
                "studentUniqueId": _t(ssa, ".//StudentUniqueId"),
            }
        self.add(
            "studentGradebookEntries",
            _opt(
                item,
                dateFulfilled=_t(rec, "DateFulfilled"),
                pointsEarned=_num(_t(rec, "PointsEarned")),
                numericGradeEarned=_num(_t(rec, "NumericGradeEarned")),
                letterGradeEarned=_t(rec, "LetterGradeEarned"),
                diagnosticStatement=_t(rec, "DiagnosticStatement"),
                submissionStatusDescriptor=_t(rec, "SubmissionStatus"),
                assignmentLateStatusDescriptor=_t(rec, "AssignmentLateStatus"),
            ),
        )

    @staticmethod
    def _behaviors(rec: Element) -> list[dict[str, Any]]:
        out = []
        for b in rec.findall("Behavior"):
            if len(b):
                out.append(
                    _opt(
                        {"behaviorDescriptor": _t(b, "Behavior")},
                        behaviorDetailedDescription=_t(b, "BehaviorDetailedDescription"),
                    )
                )
        return out

    @staticmethod
    def _weapons(rec: Element) -> list[dict[str, Any]]:
        return [{"weaponDescriptor": e.text.strip()} for e in rec.findall("Weapon") if e.text]

    def _DisciplineIncident(self, rec: Element) -> None:
        law = _t(rec, "ReportedToLawEnforcement")
        self.add(
            "disciplineIncidents",
            _opt(
                {
                    "incidentIdentifier": _t(rec, "IncidentIdentifier"),
                    "schoolReference": self.school(rec),
                    "incidentDate": _t(rec, "IncidentDate"),
                },
                incidentTime=_t(rec, "IncidentTime"),
                incidentLocationDescriptor=_t(rec, "IncidentLocation"),
                incidentDescription=_t(rec, "IncidentDescription"),
                reporterDescriptionDescriptor=_t(rec, "ReporterDescription"),
                reportedToLawEnforcement=None if law is None else law == "true",
                behaviors=self._behaviors(rec),
                weapons=self._weapons(rec),
            ),
        )

    def incident_ref(self, rec: Element) -> dict[str, Any]:
        ref = rec.find("DisciplineIncidentReference")
        assert ref is not None
        ident = ref.find("DisciplineIncidentIdentity")
        src = ident if ident is not None else self.target(ref)
        assert src is not None, "unresolved DisciplineIncidentReference"
        return {
            "incidentIdentifier": _t(src, "IncidentIdentifier"),
            "schoolId": self.school_id(src.find("SchoolReference")),
        }

    def _StudentDisciplineIncidentBehaviorAssociation(self, rec: Element) -> None:
        behavior = next(
            (
                b.text.strip()
                for b in rec.findall("Behavior")
                if len(b) == 0 and b.text and b.text.strip()
            ),
            None,
        )
        self.add(
            "studentDisciplineIncidentBehaviorAssociations",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "disciplineIncidentReference": self.incident_ref(rec),
                    "behaviorDescriptor": behavior,
                },
                behaviorDetailedDescription=_t(rec, "BehaviorDetailedDescription"),
                disciplineIncidentParticipationCodes=[
                    {"disciplineIncidentParticipationCodeDescriptor": e.text.strip()}
                    for e in rec.findall("DisciplineIncidentParticipationCode")
                    if e.text
                ],
                weapons=self._weapons(rec),
            ),
        )

    def _StudentDisciplineIncidentNonOffenderAssociation(self, rec: Element) -> None:
        self.add(
            "studentDisciplineIncidentNonOffenderAssociations",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "disciplineIncidentReference": self.incident_ref(rec),
                },
                disciplineIncidentParticipationCodes=[
                    {"disciplineIncidentParticipationCodeDescriptor": e.text.strip()}
                    for e in rec.findall("DisciplineIncidentParticipationCode")
                    if e.text
                ],
            ),
        )

    def _StudentDisciplineIncidentAssociation(self, rec: Element) -> None:
        self.add(
            "studentDisciplineIncidentAssociations",
            _opt(
                {
                    "studentReference": self.student(rec),
                    "disciplineIncidentReference": self.incident_ref(rec),
                },
                studentParticipationCodeDescriptor=_t(rec, "StudentParticipationCode"),
                behaviors=self._behaviors(rec),
            ),
        )


@functools.cache
def _convert(folder: str) -> dict[str, list[dict[str, Any]]]:
    order = {name: i for i, name in enumerate(INTERCHANGES)}
    files: list[tuple[int, str, Element]] = []
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.casefold() != ".xml" or not path.is_file():
            continue
        try:
            root = parse(str(path)).getroot()
        except Exception:
            continue  # not XML we serve
        _local(root)
        if root.tag in order:
            files.append((order[root.tag], path.name, root))
    conv = _Converter()
    for _, _, root in files:
        for rec in root:
            if rec.get("id"):
                conv.by_id[rec.attrib["id"]] = rec
    for _, _, root in sorted(files, key=lambda f: (f[0], f[1])):
        for rec in root:
            conv.convert(rec)
    out = conv.out
    for resource, items in out.items():
        for i, item in enumerate(items):
            item["id"] = uuid.uuid5(_ID_NS, f"{resource}/{i}").hex
            item["_etag"] = str(5_250_000_000_000_000 + i)
            item["_lastModifiedDate"] = _STAMP
    return out


def folder_items(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The folder's records as API items by resource name, of the resources a sync fetches
    (``RESOURCES``; a fresh copy; converted once)."""
    return {name: items for name, items in folder_data(folder).items()
            if name not in _COUNTED.values()}


def folder_counted(folder: Path) -> dict[str, int]:
    """How many items the server holds of each resource a sync only counts (``COUNTED``)."""
    return {name: len(items) for name, items in _convert(str(folder.resolve())).items()
            if name in _COUNTED.values()}


def folder_data(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every resource the server serves for the folder (``RESOURCES`` and ``COUNTED``)."""
    return copy.deepcopy(_convert(str(folder.resolve())))


# --- the server ----------------------------------------------------------------------------------


_KEY_SCALARS = {
    "studentUniqueId",
    "staffUniqueId",
    "schoolId",
    "localEducationAgencyId",
    "sessionName",
    "gradingPeriodDescriptor",
    "gradingPeriodName",
    "periodSequence",
    "date",
    "localCourseCode",
    "courseCode",
    "sectionIdentifier",
    "beginDate",
    "entryDate",
    "eventDate",
    "attendanceEventCategoryDescriptor",
    "gradebookEntryIdentifier",
    "namespace",
    "dateAssigned",
    "gradebookEntryTitle",
    "incidentIdentifier",
    "behaviorDescriptor",
}


def key_values(item: dict[str, Any]) -> dict[str, Any]:
    """The natural key as the ODS/API's ``/deletes`` give it: references flattened."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        if k.endswith("Reference") and isinstance(v, dict):
            for rk, rv in v.items():
                out.setdefault(rk, rv)
        elif k in _KEY_SCALARS or k == "schoolYear":
            out[k] = v
    return out


_PAGING = {"offset", "limit", "totalCount", "minChangeVersion", "maxChangeVersion"}


def _matches(item: dict[str, Any], filters: dict[str, str]) -> bool:
    """Whether the item's fields (a reference's key fields by their own names) equal
    ``filters`` (query parameters: text)."""
    flat = {k: v for k, v in item.items() if not isinstance(v, (dict, list))}
    for k, v in item.items():
        if k.endswith("Reference") and isinstance(v, dict):
            for rk, rv in v.items():
                flat.setdefault(rk, rv)
    return all(k in flat and str(flat[k]) == want for k, want in filters.items())


@dataclass
class EdfiServer:
    data: dict[str, list[dict[str, Any]]]
    client_id: str = "caseload-edfi-client"
    secret: str = field(default_factory=lambda: "edfi-" + secrets.token_hex(12))
    token_ttl: int = 3600
    max_limit: int = MAX_LIMIT
    clamp: int | None = None  # serve at most this many items a page, whatever limit asks
    total_lie: int = 0  # added to Total-Count (a server that promises more than it sends)
    total_header: bool = True  # False: no Total-Count, even when asked for
    # {resource: offset}: the next request for that offset is answered once with the page at
    # offset 0 (an unstable order: records already sent come again, the page's never come)
    repeat_at: dict[str, int] = field(default_factory=dict)
    change_queries: bool = True
    issued: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    server: HTTPServer | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._valid: set[str] = set()
        # change versions: per resource, one per item (same order), and the tombstones
        self._version = 0
        self.versions: dict[str, list[int]] = {}
        for name in (r.name for r in RESOURCES + COUNTED):
            self.data.setdefault(name, [])
        for name, items in self.data.items():
            self.versions[name] = [self._bump() for _ in items]
        self.deleted: dict[str, list[dict[str, Any]]] = {name: [] for name in self.data}

    def _bump(self) -> int:
        self._version += 1
        return self._version

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def from_folder(cls, folder: Path, **kw: Any) -> EdfiServer:
        return cls(folder_data(folder), **kw)

    def start(self) -> EdfiServer:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None and self.server.is_running():
            self.server.clear()
            self.server.stop()

    def __enter__(self) -> EdfiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server root, ``http://127.0.0.1:PORT``."""
        assert self.server is not None, "start() the server first"
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def base_url(self) -> str:
        """The data URL the resources' paths are relative to (``…/data/v3``)."""
        return self.url + DATA

    @property
    def token_url(self) -> str:
        return self.url + "/oauth/token"

    def source_config(self, **extra: Any) -> dict[str, Any]:
        cfg: dict[str, Any] = {
            "kind": "edfi",
            "base_url": self.base_url,
            "token_url": self.token_url,
            "client_id": self.client_id,
        }
        cfg.update(extra)
        return cfg

    # --- test controls ------------------------------------------------------------------------

    @property
    def newest_change_version(self) -> int:
        return self._version

    def expire_tokens(self) -> None:
        with self._lock:
            self._valid.clear()

    def _index(self, resource: str, rid: str) -> int:
        for i, item in enumerate(self.data[resource]):
            if item.get("id") == rid:
                return i
        raise KeyError(f"{resource}: no item with id {rid!r}")

    def touch(self, resource: str, rid: str, **changes: Any) -> dict[str, Any]:
        """Change an item (by its ``id``) and give it a new change version."""
        with self._lock:
            i = self._index(resource, rid)
            self.data[resource][i].update(changes)
            self.versions[resource][i] = self._bump()
            return self.data[resource][i]

    def add(self, resource: str, item: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            item = dict(item)
            item.setdefault("id", uuid.uuid4().hex)
            self.data[resource].append(item)
            self.versions[resource].append(self._bump())
            return item

    def delete(self, resource: str, rid: str) -> dict[str, Any]:
        """Remove an item; it shows in ``/deletes`` with its key values."""
        with self._lock:
            i = self._index(resource, rid)
            item = self.data[resource].pop(i)
            self.versions[resource].pop(i)
            gone = {"id": rid, "changeVersion": self._bump(), "keyValues": key_values(item)}
            self.deleted[resource].append(gone)
            return gone

    def paths(self, resource: str) -> list[dict[str, str]]:
        return [args for path, args in self.requests if path.endswith("/" + resource)]

    # --- the API ------------------------------------------------------------------------------

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(body),
            status,
            headers=headers,
            content_type="application/json; charset=utf-8",
        )

    def _token(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        user = pw = None
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                user = pw = None
        else:
            user, pw = request.form.get("client_id"), request.form.get("client_secret")
        if request.form.get("grant_type") != "client_credentials":
            return self._json({"error": "unsupported_grant_type"}, 400)
        if user != self.client_id or pw != self.secret:
            return self._json({"error": "invalid_client"}, 401)
        token = secrets.token_hex(16)
        with self._lock:
            self.issued.append(token)
            self._valid.add(token)
        return self._json(
            {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl}
        )

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer "):
            return False
        with self._lock:
            return auth[7:].strip() in self._valid

    def handle(self, request: Request) -> Response:
        if self.server is not None and len(self.server.log) > 50:
            self.server.clear_log()
        path = request.path.rstrip("/") or "/"
        if path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        if path == "/" and request.method == "GET":
            return self._json(
                {
                    "version": "7.1",
                    "informationalVersion": "7.1 (caseload test server)",
                    "dataModels": [{"name": "Ed-Fi", "version": "5.0.0"}],
                    "urls": {
                        "dataManagementApi": self.base_url + "/",
                        "oauth": self.token_url,
                        "changeQueries": self.url + CHANGE_QUERIES + "/",
                    },
                }
            )
        if request.method != "GET":
            return self._json({"message": "method not allowed"}, 405)
        if not (path.startswith((DATA + "/", CHANGE_QUERIES + "/"))):
            return self._json({"message": "not found"}, 404)
        if not self._authorized(request):
            return self._json(
                {"message": "Authorization denied. The access token is invalid or has expired."},
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        args = {k: v for k, v in request.args.items()}
        self.requests.append((path, args))
        if path.startswith(CHANGE_QUERIES + "/"):
            if not self.change_queries or path != CHANGE_QUERIES + "/availableChangeVersions":
                return self._json({"message": "not found"}, 404)
            return self._json({"oldestChangeVersion": 0, "newestChangeVersion": self._version})
        rest = path[len(DATA) + 1 :]
        parts = rest.split("/")
        deletes = len(parts) == 3 and parts[2] == "deletes"
        if parts[0] != "ed-fi" or len(parts) not in (2, 3) or (len(parts) == 3 and not deletes):
            return self._json({"message": "not found"}, 404)
        resource = parts[1]
        if resource not in self.data:
            return self._json({"message": f"resource {resource!r} not found"}, 404)
        try:
            offset = int(args.get("offset", "0"))
            limit = int(args.get("limit", str(DEFAULT_LIMIT)))
            low = int(args["minChangeVersion"]) if "minChangeVersion" in args else None
            high = int(args["maxChangeVersion"]) if "maxChangeVersion" in args else None
        except ValueError:
            return self._json({"message": "The request is invalid."}, 400)
        if offset < 0:
            return self._json({"message": "Offset cannot be a negative value."}, 400)
        if limit < 0 or limit > self.max_limit:
            return self._json(
                {
                    "message": f"Limit must be omitted or set to a value between 0 and "
                    f"{self.max_limit}."
                },
                400,
            )
        filters = {k: v for k, v in args.items() if k not in _PAGING}
        with self._lock:
            if deletes:
                rows = [(d["changeVersion"], d) for d in self.deleted[resource]]
            else:
                rows = list(zip(self.versions[resource], self.data[resource], strict=True))
                if filters:  # the ODS/API's query by property
                    rows = [(v, it) for v, it in rows if _matches(it, filters)]
            if low is not None or high is not None:
                rows = [
                    (v, it)
                    for v, it in rows
                    if (low is None or v >= low) and (high is None or v <= high)
                ]
            size = limit if self.clamp is None else min(limit, self.clamp)
            if not deletes and self.repeat_at.get(resource) == offset:
                del self.repeat_at[resource]
                offset = 0
            page = [it for _, it in rows[offset : offset + size]]
            body = json.dumps(page)
        headers = {}
        if self.total_header and args.get("totalCount", "").lower() == "true":
            headers["Total-Count"] = str(len(rows) + self.total_lie)
        return Response(body, 200, headers=headers, content_type="application/json; charset=utf-8")
