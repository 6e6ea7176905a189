"""Ed-Fi XML: the people. ``InterchangeStudent`` (students), ``InterchangeStaffAssociation``
(staff, their schools and sections) and ``InterchangeStudentEnrollment`` (students' schools,
state ids and sections).

Ids and rules: see :mod:`caseload.sources.edfi_xml`.
"""

from __future__ import annotations

from typing import cast
from xml.etree.ElementTree import Element

from caseload.domain.records import Enrollment, Role
from caseload.sources.edfi_common import enrollment_id, is_state_system
from caseload.sources.edfi_xml_parse import xml_text
from caseload.sources.edfi_xml_refs import XmlRecords, handles


class PeopleRecords(XmlRecords):
    """Students, staff and who is enrolled where."""

    def _person(self, rec: Element, id_path: str, role: Role) -> None:
        sid = self.req(rec, id_path)
        self.reading = sid  # (rejected: what refers to it is told so, not "unknown")
        given = self.req(rec, "Name/FirstName")
        family = self.req(rec, "Name/LastSurname")
        birth = self.date(rec, ".//BirthDate", required=False)
        email = xml_text(rec, ".//ElectronicMailAddress")
        state_id = None
        for code in rec.iter(f"{rec.tag}IdentificationCode"):
            if is_state_system(xml_text(code, f"{rec.tag}IdentificationSystem")):
                state_id = xml_text(code, "IdentificationCode")
        self.claim("users", sid, rec, rec.tag.lower())
        names = (given, family, xml_text(rec, "Name/MiddleName"))
        preferred = (
            xml_text(rec, "Name/PreferredFirstName"),
            xml_text(rec, "Name/PreferredLastSurname"),
        )
        self.add_user(sid, role, names, state_id, birth, email, preferred)
        self.note("users", sid, rec)
        for part in ("GenerationCodeSuffix", "PersonalTitlePrefix"):
            if xml_text(rec, f"Name/{part}") is not None:
                self.name_parts[part] += 1  # counted in the summary (``left_out``)
        if rec.get("id"):
            self.xml_ids[(rec.tag, rec.attrib["id"])] = sid

    @handles("Student")
    def _student(self, rec: Element) -> None:
        self._person(rec, "StudentUniqueId", Role.STUDENT)

    @handles("Staff")
    def _staff(self, rec: Element) -> None:
        self._person(rec, "StaffUniqueId", Role.TEACHER)

    @handles("StaffSchoolAssociation")
    def _staff_school(self, rec: Element) -> None:
        staff = cast(str, self.ref_id(rec, "StaffReference", "StaffUniqueId", "Staff"))
        school = cast(str, self.school_ref(rec))
        self.staff_school.setdefault(staff, school)
        self.applied_with(staff, rec, "StaffReference/StaffUniqueId")

    @handles("StaffSectionAssociation")
    def _staff_section(self, rec: Element) -> None:
        staff = cast(str, self.ref_id(rec, "StaffReference", "StaffUniqueId", "Staff"))
        cid = self.section_ref(rec)
        begin = self.date(rec, "BeginDate", required=False)
        end = self.date(rec, "EndDate", required=False)
        position = (self.desc(rec, "ClassroomPosition") or "").casefold()
        eid = enrollment_id(staff, cid, begin)
        self.claim("enrollments", eid, rec, "staff section association")
        self.enrollments[eid] = Enrollment(
            eid, cid, staff, Role.TEACHER, begin, end, primary="teacher of record" in position
        )
        self.note("enrollments", eid, rec)

    @handles("StudentSchoolAssociation")
    def _student_school(self, rec: Element) -> None:
        student = self.student_ref(rec)
        school = cast(str, self.school_ref(rec))
        entry = self.date(rec, "EntryDate", required=False)
        self.add_school_assoc(student, school, entry, self.desc(rec, "EntryGradeLevel"))
        self.applied_with(student, rec, "StudentReference/StudentUniqueId")

    @handles("StudentEducationOrganizationAssociation")
    def _student_edorg(self, rec: Element) -> None:
        student = self.student_ref(rec)
        self.applied_with(student, rec, "StudentReference/StudentUniqueId")
        for code in rec.iter("StudentIdentificationCode"):
            value = xml_text(code, "IdentificationCode")
            if value and is_state_system(xml_text(code, "StudentIdentificationSystem")):
                self.state_ids[student] = value

    @handles("StudentSectionAssociation")
    def _student_section(self, rec: Element) -> None:
        student = self.student_ref(rec)
        cid = self.section_ref(rec)
        begin = self.date(rec, "BeginDate")
        end = self.date(rec, "EndDate", required=False)
        eid = enrollment_id(student, cid, begin)
        self.claim("enrollments", eid, rec, "student section association")
        self.enrollments[eid] = Enrollment(eid, cid, student, Role.STUDENT, begin, end)
        self.note("enrollments", eid, rec)
