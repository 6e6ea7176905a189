"""Ed-Fi XML: the interchanges that set the scene. ``InterchangeEducationOrganization``
(schools, LEAs, courses), ``InterchangeEducationOrgCalendar`` (sessions, grading periods,
calendar dates) and ``InterchangeMasterSchedule`` (course offerings, sections).

Ids and rules: see :mod:`caseload.sources.edfi_xml`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import cast
from xml.etree.ElementTree import Element

from caseload.domain.descriptors import descriptor_value
from caseload.domain.records import Org
from caseload.sources.dataset import SourceError
from caseload.sources.edfi_common import (
    class_id,
    course_id,
    school_year_end,
    session_id,
    session_type,
)
from caseload.sources.edfi_xml_parse import xml_line, xml_text
from caseload.sources.edfi_xml_refs import XmlRecords, handles


class OrgsScheduleRecords(XmlRecords):
    """Education organizations, their calendar and their master schedule."""

    def __init__(self, folder: Path, skip_invalid: bool) -> None:
        super().__init__(folder, skip_invalid)
        # (org id, @ref, file, line) and (session id, @ref, file, line), resolved at the end
        self.org_parent_refs: list[tuple[str, str, str, int | None]] = []
        self.gp_parent_refs: list[tuple[str, str, str, int | None]] = []

    def resolve(self) -> None:
        # A ref= naming no record of the export is an error (a reject with --skip-invalid,
        # the record kept without the link), as an unknown DisciplineIncidentReference is.
        for org_id, ref, file, line in self.org_parent_refs:
            parent = self.xml_ids.get(("LocalEducationAgency", ref))
            if parent is None:
                self.reject(SourceError(
                    file, line, "LocalEducationAgencyReference",
                    f"unknown reference ref={ref!r} (no LocalEducationAgency with that id; "
                    "with --skip-invalid the school is kept without it)",
                ))
                continue
            self.orgs[org_id] = dataclasses.replace(self.orgs[org_id], parent_id=parent)
        for session, ref, file, line in self.gp_parent_refs:
            gp_id = self.xml_ids.get(("GradingPeriod", ref))
            if gp_id is None:
                self.reject(SourceError(
                    file, line, "GradingPeriodReference",
                    f"unknown reference ref={ref!r} (no GradingPeriod with that id; "
                    "with --skip-invalid the session is kept without it)",
                ))
                continue
            self.gp_parent.setdefault(gp_id, session)
        super().resolve()

    # -- education organizations -----------------------------------------------------------

    def _add_org(self, rec: Element, org: Org) -> None:
        self.claim("orgs", org.sourced_id, rec, "education organization")
        self.orgs[org.sourced_id] = org
        self.note("orgs", org.sourced_id, rec)
        if rec.get("id"):
            self.xml_ids[(rec.tag, rec.attrib["id"])] = org.sourced_id

    @handles("School")
    def _school(self, rec: Element) -> None:
        sid = self.req(rec, "SchoolId")
        name = self.req(rec, "NameOfInstitution")
        parent = None
        ref_el = rec.find("LocalEducationAgencyReference")
        pending = None
        if ref_el is not None:
            parent = xml_text(ref_el, ".//LocalEducationAgencyId")
            if parent is None and ref_el.get("ref"):
                pending = (sid, ref_el.attrib["ref"], self.file, xml_line(ref_el))
        self._add_org(rec, Org(sid, name, "school", identifier=sid, parent_id=parent))
        if pending:
            self.org_parent_refs.append(pending)

    @handles("LocalEducationAgency")
    def _lea(self, rec: Element) -> None:
        sid = self.req(rec, "LocalEducationAgencyId")
        name = self.req(rec, "NameOfInstitution")
        self._add_org(rec, Org(sid, name, "district", identifier=sid))

    @handles("Course")
    def _course(self, rec: Element) -> None:
        code = xml_text(rec, "CourseCode")
        title = xml_text(rec, "CourseTitle")
        edorg = xml_text(rec, ".//EducationOrganizationId")
        if code and title and edorg:
            self.course_titles[(edorg, code)] = title

    # -- calendar -------------------------------------------------------------------------

    @handles("Session")
    def _session(self, rec: Element) -> None:
        name = self.req(rec, "SessionName")
        year = self.req(rec, "SchoolYear")
        school = cast(str, self.school_ref(rec))
        begin, end = self._dates(rec)
        ending = self.school_year(rec, year)
        kind = session_type(self.desc(rec, "Term"))
        sid = session_id(school, year, name)
        self.claim("academic_sessions", sid, rec, "session")
        gp_ids: list[str] = []
        gp_refs: list[tuple[str, str, str, int | None]] = []
        for gp_ref in rec.findall("GradingPeriodReference"):
            ident = gp_ref.find("GradingPeriodIdentity")
            if ident is not None:
                gp_ids.append(self.gp_id(ident, rec))
            elif gp_ref.get("ref"):
                gp_refs.append((sid, gp_ref.attrib["ref"], self.file, xml_line(gp_ref)))
        # Checks done: commit.
        self.gp_parent_refs.extend(gp_refs)
        self.add_session(sid, name, kind, (begin, end), school, (year, ending), gp_ids,
                         xml_text(rec, "TotalInstructionalDays"))
        self.note("academic_sessions", sid, rec)
        if rec.get("id"):
            self.xml_ids[("Session", rec.attrib["id"])] = sid

    def _dates(self, rec: Element) -> tuple[dt.date, dt.date]:
        begin = cast(dt.date, self.date(rec, "BeginDate"))
        end = cast(dt.date, self.date(rec, "EndDate"))
        if end < begin:
            raise self.error(
                rec.find("EndDate"), rec, "EndDate", f"{end} is before BeginDate {begin}"
            )
        return begin, end

    def school_year(self, rec: Element, year: str) -> int:
        """A SchoolYear's text -> the year it ends in."""
        ending = school_year_end(year)
        if ending is None:
            raise self.error(
                rec.find("SchoolYear"), rec, "SchoolYear", f"not a school year: {year!r}"
            )
        return ending

    @handles("GradingPeriod")
    def _grading_period(self, rec: Element) -> None:
        gid = self.gp_id(rec, rec)
        school, year = gid.split(":", 2)[:2]
        begin, end = self._dates(rec)
        ending = self.school_year(rec, year)
        self.claim("academic_sessions", gid, rec, "grading period")
        title = xml_text(rec, "GradingPeriodName") or cast(str, self.desc(rec, "GradingPeriod"))
        self.add_grading_period(gid, title, (begin, end), school, (year, ending))
        self.note("academic_sessions", gid, rec)
        if rec.get("id"):
            self.xml_ids[("GradingPeriod", rec.attrib["id"])] = gid

    @handles("CalendarDate")
    def _calendar_date(self, rec: Element) -> None:
        day = cast(dt.date, self.date(rec, "Date"))
        school = self.req(rec, ".//SchoolId")
        events = [
            descriptor_value(e.text) for e in rec.iter("CalendarEvent") if e.text and e.text.strip()
        ]
        if not events:
            raise self.error(None, rec, "CalendarEvent", "is required but missing")
        self.add_calendar_day(school, day, events, self.origin(rec))

    # -- master schedule --------------------------------------------------------------------

    @handles("CourseOffering")
    def _course_offering(self, rec: Element) -> None:
        code = self.req(rec, "LocalCourseCode")
        school = cast(str, self.school_ref(rec))
        session_ref = rec.find("SessionReference")
        session = self.session_id(session_ref, rec) if session_ref is not None else None
        title = xml_text(rec, "LocalCourseTitle")
        if title is None:
            course = rec.find("CourseReference")
            ccode = xml_text(course, ".//CourseCode")
            edorg = xml_text(course, ".//EducationOrganizationId")
            if ccode and edorg:
                title = self.course_titles.get((edorg, ccode))
        if self.add_course(school, code, title):
            self.note("courses", course_id(school, code), rec)
        if rec.get("id") and session is not None:
            self.offering_refs[rec.attrib["id"]] = (session, code)

    @handles("Section")
    def _section(self, rec: Element) -> None:
        identifier = self.req(rec, "SectionIdentifier")
        offering_el = rec.find("CourseOfferingReference")
        if offering_el is None:
            raise self.error(None, rec, "CourseOfferingReference", "is required but missing")
        offering = self.offering(offering_el, rec)
        cid = class_id(offering[1], offering[2], identifier)
        self.claim("classes", cid, rec, "section")
        periods = [
            p
            for p in (
                xml_text(r, ".//ClassPeriodName") for r in rec.findall("ClassPeriodReference")
            )
            if p
        ]
        self.add_section(cid, identifier, offering, xml_text(rec, "SectionName"), periods)
        self.section_by_identifier.setdefault(identifier, []).append(cid)
        self.note("classes", cid, rec)
        if rec.get("id"):
            self.xml_ids[("Section", rec.attrib["id"])] = cid
