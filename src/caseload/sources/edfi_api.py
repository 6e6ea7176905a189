"""Map Ed-Fi ODS/API resources (API v3+, Data Standard 4 to 6) to normalized records.

Payload in, records out: no HTTP and no cache here. :mod:`caseload.sources.edfi_fetch`
fetches every resource in :data:`RESOURCES` (``GET {base_url}{path}``, e.g.
``https://host/api/data/v3`` + ``/ed-fi/students``) and hands the JSON items, keyed by
resource name, to :func:`to_dataset` (or :func:`map_items`, which also says what an
incremental sync must take from the cache: :class:`CacheNeeds`, filled by
:mod:`caseload.sources.edfi_sync`); the items of the change queries' ``/deletes`` go to
:func:`caseload.sources.edfi_deletes.deleted_to_dataset`. Field access and references are
:mod:`caseload.sources.edfi_api_fields`.

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
studentDisciplineIncidentNonOffenderAssociations  only counted (``not read``), as by the XML
                                             reader; its ``/deletes`` are not asked for
:data:`COUNTED` (disciplineActions, calendars,  the other record kinds of the interchanges the
locations, ... 35 resources)                 XML reader reads: not fetched, only counted
                                             (``edfi_fetch.count``: ``limit=0``), in the same
                                             ``not read`` line
parents + studentParentAssociations (DS 4),  guardians (optional resources; see
contacts + studentContactAssociations (5+)   :mod:`caseload.sources.edfi_api_guardians`)
===========================================  =================================================

A bad record raises :class:`SourceError` naming the resource, the record (its ``id``, else
its natural key) and the JSON field (``sectionReference.sectionIdentifier``); with
``skip_invalid`` it is left out and listed in ``dataset.rejects``. Messages never hold a
student's name.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from caseload.domain.descriptors import attendance_category, descriptor_value
from caseload.domain.records import (
    AttendanceCategory,
    AttendanceEvent,
    DisciplineIncident,
    Enrollment,
    Org,
    Role,
)
from caseload.sources.dataset import Dataset
from caseload.sources.edfi_api_fields import KIND, Item, JsonRecords, school_year_text
from caseload.sources.edfi_api_guardians import GuardianJson, PendingLink
from caseload.sources.edfi_common import (
    SchoolAssoc,
    Section,
    attendance_id,
    class_id,
    composite_entry_key,
    course_id,
    enrollment_id,
    incident_id,
    is_state_system,
    session_id,
    session_type,
)

__all__ = [
    "COUNTED",
    "KIND",
    "RESOURCES",
    "CacheNeeds",
    "CountedResource",
    "EdfiResource",
    "map_items",
    "school_year_text",
    "to_dataset",
]


@dataclass(frozen=True)
class EdfiResource:
    """One Ed-Fi API resource: ``name`` keys the items, ``path`` is relative to the data URL.

    ``optional``: a 404 or 403 means the server (its Data Standard, or the key's claim set)
    does not offer it, and the sync goes on without it. ``deletes``: an incremental sync asks
    for its ``/deletes`` (False: a resource only counted, whose records are never stored, so
    that no deletion of one can apply).
    """

    name: str
    path: str
    optional: bool = False
    deletes: bool = True


def _res(name: str, optional: bool = False, deletes: bool = True) -> EdfiResource:
    return EdfiResource(name, f"/ed-fi/{name}", optional, deletes)


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
    # victims, witnesses and reporters: not read, counted (``_not_read``)
    _res("studentDisciplineIncidentNonOffenderAssociations", optional=True, deletes=False),
    _res("parents", optional=True),  # DS 4
    _res("studentParentAssociations", optional=True),
    _res("contacts", optional=True),  # DS 5 and later
    _res("studentContactAssociations", optional=True),
)


@dataclass(frozen=True)
class CountedResource:
    """A resource of a record kind caseload does not use, from the interchanges the XML reader
    reads (docs/DATA_FORMATS.md): a sync only asks how many there are (one request that
    returns no record: ``edfi_fetch.count``), and the summary counts them under ``element``,
    their XML element, in the line an import of the same records gives ("not read: 25
    DisciplineAction, ... (records caseload does not use)")."""

    name: str
    element: str

    @property
    def path(self) -> str:
        return f"/ed-fi/{self.name}"


# The other record kinds of the interchanges caseload reads (Data Standard 4 to 6): the
# interchange, then its resources. StudentGradebook's SectionReference and
# LearningObjectiveReference only refer to records; StudentDisciplineIncidentNonOffender-
# Association is a RESOURCES item (fetched, then counted by ``_not_read``).
COUNTED: tuple[CountedResource, ...] = (
    # EducationOrganization
    CountedResource("stateEducationAgencies", "StateEducationAgency"),
    CountedResource("educationServiceCenters", "EducationServiceCenter"),
    CountedResource("feederSchoolAssociations", "FeederSchoolAssociation"),
    CountedResource("locations", "Location"),
    CountedResource("classPeriods", "ClassPeriod"),
    CountedResource("programs", "Program"),
    CountedResource("accountabilityRatings", "AccountabilityRating"),
    CountedResource("educationOrganizationPeerAssociations",
                    "EducationOrganizationPeerAssociation"),
    CountedResource("educationOrganizationNetworks", "EducationOrganizationNetwork"),
    CountedResource("educationOrganizationNetworkAssociations",
                    "EducationOrganizationNetworkAssociation"),
    CountedResource("communityOrganizations", "CommunityOrganization"),
    CountedResource("communityProviders", "CommunityProvider"),
    CountedResource("communityProviderLicenses", "CommunityProviderLicense"),
    CountedResource("postSecondaryInstitutions", "PostSecondaryInstitution"),
    CountedResource("organizationDepartments", "OrganizationDepartment"),
    # EducationOrgCalendar
    CountedResource("calendars", "Calendar"),
    CountedResource("academicWeeks", "AcademicWeek"),
    # MasterSchedule
    CountedResource("bellSchedules", "BellSchedule"),
    # Student, Parent, Contact
    CountedResource("people", "Person"),
    # StaffAssociation
    CountedResource("staffEducationOrganizationEmploymentAssociations",
                    "StaffEducationOrganizationEmploymentAssociation"),
    CountedResource("staffEducationOrganizationAssignmentAssociations",
                    "StaffEducationOrganizationAssignmentAssociation"),
    CountedResource("staffEducationOrganizationContactAssociations",
                    "StaffEducationOrganizationContactAssociation"),
    CountedResource("staffProgramAssociations", "StaffProgramAssociation"),
    CountedResource("staffLeaves", "StaffLeave"),
    CountedResource("staffAbsenceEvents", "StaffAbsenceEvent"),
    CountedResource("openStaffPositions", "OpenStaffPosition"),
    CountedResource("credentials", "Credential"),
    # StudentEnrollment
    CountedResource("graduationPlans", "GraduationPlan"),
    CountedResource("crisisEvents", "CrisisEvent"),
    CountedResource("studentEducationOrganizationResponsibilityAssociations",
                    "StudentEducationOrganizationResponsibilityAssociation"),
    # StudentAttendance
    CountedResource("studentInterventionAttendanceEvents", "StudentInterventionAttendanceEvent"),
    CountedResource("studentProgramAttendanceEvents", "StudentProgramAttendanceEvent"),
    CountedResource("sectionAttendanceTakenEvents", "SectionAttendanceTakenEvent"),
    # StudentDiscipline
    CountedResource("disciplineActions", "DisciplineAction"),
    CountedResource("staffDisciplineIncidentAssociations", "StaffDisciplineIncidentAssociation"),
)


class _Mapper(GuardianJson, JsonRecords):
    """One handler per resource (see the module's table)."""

    def __init__(self, source: str, skip_invalid: bool) -> None:
        super().__init__(source, skip_invalid)
        self.handlers = {
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
            "studentDisciplineIncidentNonOffenderAssociations": partial(
                self._not_read, "StudentDisciplineIncidentNonOffenderAssociation"),
        }
        self.init_guardians()

    def _not_read(self, element: str, item: Item) -> None:
        """A record of a kind caseload does not use, counted under its XML element's name, so
        that a sync's summary says what an import of the same data says (``left_out``)."""
        self.unread[element] += 1

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
        self.add_session(sid, name, kind, (begin, end), school, (year, ending), gp_ids,
                         self.soft(item, "totalInstructionalDays"))
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
        self.reading = sid  # (rejected: what refers to it is told so, not "unknown")
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
        preferred = (self.text(item, "preferredFirstName"), self.text(item, "preferredLastSurname"))
        self.add_user(sid, role, names, state_id, birth, email, preferred)
        self.note("users", sid)
        for part in ("GenerationCodeSuffix", "PersonalTitlePrefix"):
            if self.soft(item, part[0].lower() + part[1:]) is not None:
                self.name_parts[part] += 1  # counted in the summary (``left_out``)

    def _student(self, item: Item) -> None:
        self._person(item, "studentUniqueId", Role.STUDENT, "studentIdentificationSystemDescriptor")

    def _staff(self, item: Item) -> None:
        self._person(item, "staffUniqueId", Role.TEACHER, "staffIdentificationSystemDescriptor")

    def _student_edorg(self, item: Item) -> None:
        student = self.student_ref(item)
        self.applied_with(student, "StudentReference/StudentUniqueId")
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
        self.applied_with(staff, "StaffReference/StaffUniqueId")

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
        self.applied_with(student, "StudentReference/StudentUniqueId")

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
        max_points = self.first_present(partial(self.number, item), "maxPoints", "pointsPossible")
        if max_points == 0:
            name = "maxPoints" if item.get("maxPoints") is not None else "pointsPossible"
            raise self.error(name, "must be greater than 0")
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
        # points (DS5) are the entry's own; a numeric grade is a percentage (``edfi_scores``)
        points = self.number(item, "pointsEarned")
        percent = self.number(item, "numericGradeEarned")
        score = points if points is not None else percent
        letter = item.get("letterGradeEarned")
        if score is None and isinstance(letter, str) and letter.strip():
            self.letter_grades += 1  # counted in the summary (``left_out``)
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
            points=points is not None,
            percent=percent,
        )

    # -- discipline ------------------------------------------------------------------------------

    def _behaviors(self, item: Item) -> list[tuple[str, str | None]]:
        """(behavior, its detailed description) of each of ``behaviors`` with one: the first
        is kept, the others counted in the summary (``left_out``)."""
        return [
            (descriptor_value(value), self.soft(entry, "behaviorDetailedDescription"))
            for entry in self.array(item, "behaviors")
            if (value := self.soft(entry, "behaviorDescriptor"))
        ]

    def _participation(self, item: Item) -> set[str]:
        """The student's participation codes, casefolded: DS 4's
        ``studentParticipationCodeDescriptor``, DS 5's ``disciplineIncidentParticipationCodes``
        (on the behavior association; the non-offender associations are only counted)."""
        codes = [self.desc(item, "studentParticipationCodeDescriptor")] + [
            descriptor_value(value)
            for entry in self.array(item, "disciplineIncidentParticipationCodes")
            if (value := self.soft(entry, "disciplineIncidentParticipationCodeDescriptor"))
        ]
        return {code.casefold() for code in codes if code}

    def _weapons(self, item: Item) -> int:
        return sum(1 for w in self.array(item, "weapons") if self.soft(w, "weaponDescriptor"))

    def _discipline_incident(self, item: Item) -> None:
        number = self.req(item, "incidentIdentifier")
        school = self.school_ref(item)
        day = self.date(item, "incidentDate")
        assert day is not None
        behaviors = self._behaviors(item)
        description = self.text(item, "incidentDescription")
        if description is None:
            for entry in self.array(item, "behaviors"):
                description = self.soft(entry, "behaviorDetailedDescription")
                if description:
                    break
        iid = incident_id(school, number)
        self.claim("discipline_incidents", iid, "discipline incident")
        self.incidents[iid] = DisciplineIncident(
            iid, day, school, behaviors[0][0] if behaviors else None, description,
            self.desc(item, "incidentLocationDescriptor"),
        )
        self.note("discipline_incidents", iid)
        self.weapons += self._weapons(item)  # counted in the summary (``left_out``)
        self.incident_behaviors += max(len(behaviors) - 1, 0)  # the same

    def _student_incident(self, item: Item) -> None:
        student = self.student_ref(item)
        # DS 4's studentDisciplineIncidentAssociations: a participation code and behaviors;
        # the behavior associations: one behaviorDescriptor each, and the student's own
        # behaviorDetailedDescription.
        participation = self._participation(item)
        behavior = self.desc(item, "behaviorDescriptor")
        description = self.text(item, "behaviorDetailedDescription")
        behaviors = self._behaviors(item)
        if behavior is None and behaviors:
            behavior, description = behaviors[0]
            behaviors = behaviors[1:]
        further = len(behaviors)  # after the one kept: counted in the summary (``left_out``)
        if behavior is None and self.resource == "studentDisciplineIncidentBehaviorAssociations":
            # its behaviorDescriptor is part of its key: never stored without one
            raise self.error("behaviorDescriptor", "is required but missing or empty")
        # DS 4's incident associations with no behavior and another part than perpetrator
        if participation and "perpetrator" not in participation and behavior is None:
            self.bystanders += 1  # counted in the summary (``left_out``)
            return  # a victim, witness or reporter: not the student's own incident
        ref = self.ref(item, "disciplineIncidentReference")
        at = "disciplineIncidentReference"
        iid = incident_id(self.req(ref, "schoolId", at), self.req(ref, "incidentIdentifier", at))
        self.student_incidents.append(
            (iid, student, behavior, description, self.origin(), further)
        )
        self.weapons += self._weapons(item)  # counted in the summary (``left_out``)

    # -- assembly --------------------------------------------------------------------------------

    def finish(self) -> Dataset:
        return self.assemble()


@dataclass(frozen=True)
class CacheNeeds:
    """What a mapping of partial items (an incremental sync: only what changed) could not
    tell on its own, for the sync side (:func:`caseload.sources.edfi_sync.keep_cached`) to
    fill from the cache. Read-only views of the mapper's state."""

    gp_parent: Mapping[str, str]  # grading period id -> the session that lists it
    sections: Mapping[str, Section]  # class id -> the section read
    offering_titles: Mapping[tuple[str, str], str]  # (school, local course code) -> title
    school_assoc: Mapping[str, SchoolAssoc]  # student -> school association read
    state_ids: Mapping[str, str]  # student -> state id read
    staff_school: Mapping[str, str]  # staff -> school read
    # guardian links whose parent/contact did not change: (student, guardian id, relationship,
    # primary contact, the error to give when the cache has no such person, origin)
    guardian_links: tuple[PendingLink, ...] = ()


def map_items(
    source_name: str, items: Mapping[str, list[Any]], *, skip_invalid: bool = False,
    incremental: bool = False, counted: Mapping[str, int] | None = None,
) -> tuple[Dataset, CacheNeeds]:
    """:func:`to_dataset`, and what an incremental sync must take from the cache
    (``incremental``: guardian links whose person did not change are left to the cache).
    ``counted``: how many records each of :data:`COUNTED` holds (by resource name; those the
    sync could count), said in the summary's ``not read`` line."""
    mapper = _Mapper(source_name, skip_invalid)
    for res in RESOURCES:
        got = items.get(res.name)
        if got:
            mapper.read(res.name, got)
    for kind in COUNTED:
        n = (counted or {}).get(kind.name, 0)
        if n:
            mapper.unread[kind.element] += n
    pending = mapper.guardians_finish(incremental)
    ds = mapper.finish()
    needs = CacheNeeds(
        mapper.gp_parent, mapper.sections, mapper.offering_titles, mapper.school_assoc,
        mapper.state_ids, mapper.staff_school, tuple(pending),
    )
    return ds, needs


def to_dataset(
    source_name: str, items: Mapping[str, list[Any]], *, skip_invalid: bool = False,
    counted: Mapping[str, int] | None = None,
) -> Dataset:
    """Map Ed-Fi API items (keyed by resource name, see :data:`RESOURCES`) to a Dataset.

    Resources are read in :data:`RESOURCES` order whatever the mapping's order; names that
    are not in :data:`RESOURCES` are ignored. Raises :class:`SourceError` for a bad record
    unless ``skip_invalid``. The items are the whole truth, as in an import; for the items
    of an incremental sync, :func:`map_items` then
    :func:`caseload.sources.edfi_sync.keep_cached`.
    """
    return map_items(source_name, items, skip_invalid=skip_invalid, counted=counted)[0]
