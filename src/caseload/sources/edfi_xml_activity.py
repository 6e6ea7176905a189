"""Ed-Fi XML: what happens in class. ``InterchangeStudentAttendance`` (whole-day and section
attendance events), ``InterchangeStudentGradebook`` (gradebook entries and scores) and
``InterchangeStudentDiscipline`` (incidents and the students' part in them).

Ids and rules: see :mod:`caseload.sources.edfi_xml`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import NamedTuple, cast
from xml.etree.ElementTree import Element

from caseload.domain.descriptors import attendance_category, descriptor_value
from caseload.domain.records import AttendanceCategory, AttendanceEvent, DisciplineIncident
from caseload.sources.dataset import SourceError
from caseload.sources.edfi_common import attendance_id, composite_entry_key, incident_id
from caseload.sources.edfi_xml_parse import xml_line, xml_text
from caseload.sources.edfi_xml_refs import XmlRecords, handles


class _Part(NamedTuple):
    """A student's part in an incident, its incident known once every file is read."""

    known_id: str | None  # the incident's id, or None: ``ref`` names it
    ref: str | None  # the DisciplineIncident's @id
    student: str
    behavior: str | None
    description: str | None  # the student's own BehaviorDetailedDescription
    further: int  # behaviors the record lists after the first (not shown: counted)
    weapons: int  # Weapon elements (not shown: counted in the summary)
    file: str
    line: int | None


def _is_value(el: Element) -> bool:
    return len(el) == 0 and bool(el.text and el.text.strip())


def _behaviors(rec: Element) -> list[tuple[str, str | None]]:
    """Every (behavior, detailed description) of a student's part in an incident, the first
    being the one kept: DS 5's behavior association has both as its own children (one
    ``Behavior``); DS 4's incident association a ``Behavior`` collection, each with its own
    description. Those after the first are counted in the summary."""
    found = [
        (descriptor_value(cast(str, el.text)), xml_text(rec, "BehaviorDetailedDescription"))
        for el in rec.findall("Behavior")
        if _is_value(el)
    ]
    for holder in rec.findall("Behavior"):
        found.extend(
            (descriptor_value(cast(str, el.text)), xml_text(holder, "BehaviorDetailedDescription"))
            for el in holder.findall("Behavior")
            if _is_value(el)
        )
    return found


def _participation(rec: Element) -> set[str]:
    """The student's participation codes, casefolded: DS 4's ``StudentParticipationCode``
    (one), DS 5's ``DisciplineIncidentParticipationCode`` (a collection, on the behavior
    association; DS 5's StudentDisciplineIncidentNonOffenderAssociation is not read: counted
    as ``not read``)."""
    codes = {
        descriptor_value(cast(str, el.text)).casefold()
        for name in ("StudentParticipationCode", "DisciplineIncidentParticipationCode")
        for el in rec.findall(name)
        if _is_value(el)
    }
    return codes - {""}


def _weapons(rec: Element) -> int:
    return sum(1 for el in rec.iter("Weapon") if el.text and el.text.strip())


class ActivityRecords(XmlRecords):
    """Attendance, gradebook and discipline records."""

    def __init__(self, folder: Path, skip_invalid: bool) -> None:
        super().__init__(folder, skip_invalid)
        self.incident_refs: list[_Part] = []

    def resolve(self) -> None:
        for part in self.incident_refs:
            iid = part.known_id or self.xml_ids.get(("DisciplineIncident", cast(str, part.ref)))
            if iid is None:
                self.reject(
                    SourceError(
                        part.file,
                        part.line,
                        "DisciplineIncidentReference",
                        f"unknown reference ref={part.ref!r} (no DisciplineIncident with that id)",
                    )
                )
                continue
            self.weapons += part.weapons  # counted in the summary (``left_out``)
            self.student_incidents.append((
                iid, part.student, part.behavior, part.description, f"{part.file}:{part.line}",
                part.further,
            ))
        super().resolve()

    # -- attendance ------------------------------------------------------------------------

    def _category(self, rec: Element) -> AttendanceCategory:
        el = rec.find(".//AttendanceEventCategory")
        self.legacy_descriptor(el, rec)
        text = el.text.strip() if el is not None and el.text else ""
        if not text:
            raise self.error(el, rec, "AttendanceEventCategory", "is required but missing or empty")
        try:
            return attendance_category(text)
        except ValueError as exc:
            raise self.error(el, rec, "AttendanceEventCategory", str(exc)) from None

    @handles("StudentSchoolAttendanceEvent")
    def _school_attendance(self, rec: Element) -> None:
        student = self.student_ref(rec)
        school = cast(str, self.school_ref(rec))
        day = cast(dt.date, self.date(rec, ".//EventDate"))
        category = self._category(rec)
        eid = attendance_id(student, school, day, category)
        self.claim("attendance_events", eid, rec, "attendance event")
        self.attendance[eid] = AttendanceEvent(eid, student, day, category, None, None, school)
        self.note("attendance_events", eid, rec)

    @handles("StudentSectionAttendanceEvent")
    def _section_attendance(self, rec: Element) -> None:
        student = self.student_ref(rec)
        cid = self.section_ref(rec)
        day = cast(dt.date, self.date(rec, ".//EventDate"))
        category = self._category(rec)
        section = self.sections.get(cid)
        school = section.school_id if section else cid.split(":", 1)[0]
        eid = attendance_id(student, cid, day, category)
        self.claim("attendance_events", eid, rec, "attendance event")
        self.attendance[eid] = AttendanceEvent(
            eid, student, day, category, cid, section.period if section else None, school
        )
        self.note("attendance_events", eid, rec)

    # -- gradebook ---------------------------------------------------------------------------

    def _entry_key(self, ident: Element, rec: Element, cid: str | None) -> tuple[str, str]:
        identifier = xml_text(ident, "GradebookEntryIdentifier")
        if identifier is not None:
            return identifier, xml_text(ident, "Namespace") or ""
        if cid is None:
            cid = self.section_ref(ident)
        assigned = self.date(ident, "DateAssigned")
        title = xml_text(ident, "Title") or self.req(ident, "GradebookEntryTitle")
        return composite_entry_key(cid, assigned, title), ""

    @handles("GradebookEntry")
    def _gradebook_entry(self, rec: Element) -> None:
        cid = self.section_ref(rec)
        key = self._entry_key(rec, rec, cid)
        title = xml_text(rec, "Title") or xml_text(rec, "GradebookEntryTitle") or key[0]
        assigned = self.date(rec, "DateAssigned", required=False)
        due = self.date(rec, "DueDate", required=False)
        max_points = self.first_present(partial(self.number, rec), "MaxPoints", "PointsPossible")
        if max_points == 0:
            name = "MaxPoints" if xml_text(rec, "MaxPoints") is not None else "PointsPossible"
            raise self.error(rec.find(name), rec, name, "must be greater than 0")
        gp = None
        gp_ref = rec.find("GradingPeriodReference")
        if gp_ref is not None:
            ident = gp_ref.find("GradingPeriodIdentity")
            gp = (
                self.gp_id(ident, rec)
                if ident is not None
                else self.by_ref(gp_ref, rec, "GradingPeriod")
            )
        kind = self.desc(rec, "GradebookEntryType")
        first = self.item_keys.get(key)
        if first is not None:
            raise self.error(
                None,
                rec,
                "GradebookEntryIdentifier",
                f"duplicate gradebook entry {key[0]!r} (first seen at {first})",
            )
        where = self.origin(rec)
        self.add_item(key, cid, title, kind, (assigned, due), max_points, gp, (where, where))

    @handles("StudentGradebookEntry")
    def _student_gradebook_entry(self, rec: Element) -> None:
        ref_el = rec.find("GradebookEntryReference")
        if ref_el is None:
            raise self.error(None, rec, "GradebookEntryReference", "is required but missing")
        ident = ref_el.find("GradebookEntryIdentity")
        if ident is None:
            raise self.error(ref_el, rec, "GradebookEntryIdentity", "is required but missing")
        key = self._entry_key(ident, rec, None)
        student = self.student_ref(rec)
        # points (DS5) are the entry's own; a numeric grade is a percentage (``edfi_scores``)
        points = self.number(rec, "PointsEarned")
        percent = self.number(rec, "NumericGradeEarned")
        score = points if points is not None else percent
        statuses = (self.desc(rec, "SubmissionStatus"), self.desc(rec, "AssignmentLateStatus"))
        fulfilled = self.date(rec, "DateFulfilled", required=False)
        if (key, student) in self.result_keys:
            raise self.error(
                None,
                rec,
                "StudentReference",
                f"duplicate score for gradebook entry {key[0]!r} and student {student!r} "
                f"(first seen at {self.result_keys[(key, student)]})",
            )
        # Checks done (a record rejected above claims nothing): commit.
        if score is None and xml_text(rec, "LetterGradeEarned") is not None:
            self.letter_grades += 1  # counted in the summary (``left_out``)
        self.result_keys[(key, student)] = self.origin(rec)
        self.add_result(
            key,
            student,
            score,
            statuses,
            fulfilled,
            xml_text(rec, "DiagnosticStatement"),
            self.origin(rec),
            points=points is not None,
            percent=percent,
        )

    # -- discipline ----------------------------------------------------------------------------

    @handles("DisciplineIncident")
    def _discipline_incident(self, rec: Element) -> None:
        number = self.req(rec, "IncidentIdentifier")
        school = cast(str, self.school_ref(rec))
        day = cast(dt.date, self.date(rec, "IncidentDate"))
        behaviors = [descriptor_value(cast(str, el.text))
                     for el in rec.iter("Behavior") if _is_value(el)]
        description = xml_text(rec, "IncidentDescription") or xml_text(
            rec, ".//BehaviorDetailedDescription"
        )
        iid = incident_id(school, number)
        self.claim("discipline_incidents", iid, rec, "discipline incident")
        self.incidents[iid] = DisciplineIncident(
            iid, day, school, behaviors[0] if behaviors else None, description,
            self.desc(rec, "IncidentLocation"),
        )
        self.note("discipline_incidents", iid, rec)
        self.weapons += _weapons(rec)  # counted in the summary (``left_out``)
        self.incident_behaviors += max(len(behaviors) - 1, 0)  # the same
        if rec.get("id"):
            self.xml_ids[("DisciplineIncident", rec.attrib["id"])] = iid

    @handles(
        "StudentDisciplineIncidentBehaviorAssociation",
        "StudentDisciplineIncidentAssociation",
    )
    def _student_incident(self, rec: Element) -> None:
        student = self.student_ref(rec)
        for name in ("StudentParticipationCode", "DisciplineIncidentParticipationCode"):
            for el in rec.findall(name):
                self.legacy_descriptor(el, rec)
        participation = _participation(rec)
        behaviors = _behaviors(rec)
        if not behaviors and rec.tag == "StudentDisciplineIncidentBehaviorAssociation":
            # its Behavior is part of its key (Data Standard 4 and 5): never stored without
            raise self.error(rec.find("Behavior"), rec, "Behavior",
                             "is required but missing or empty")
        behavior, description = (
            behaviors[0] if behaviors else (None, xml_text(rec, "BehaviorDetailedDescription"))
        )
        # DS 4's incident associations with no behavior and another part than perpetrator
        if participation and "perpetrator" not in participation and behavior is None:
            self.bystanders += 1  # counted in the summary (``left_out``)
            return  # a victim, witness or reporter: not the student's own incident
        ref_el = rec.find("DisciplineIncidentReference")
        if ref_el is None:
            raise self.error(None, rec, "DisciplineIncidentReference", "is required but missing")
        ident = ref_el.find("DisciplineIncidentIdentity")
        part = partial(_Part, student=student, behavior=behavior, description=description,
                       further=max(len(behaviors) - 1, 0), weapons=_weapons(rec), file=self.file)
        if ident is not None:
            iid = incident_id(self.req(ident, ".//SchoolId"), self.req(ident, "IncidentIdentifier"))
            self.incident_refs.append(part(iid, None, line=xml_line(rec)))
        elif ref_el.get("ref"):
            self.incident_refs.append(part(None, ref_el.attrib["ref"], line=xml_line(ref_el)))
        else:
            raise self.error(
                ref_el,
                rec,
                "DisciplineIncidentReference",
                "has neither an identity nor a ref attribute",
            )
