"""Read a folder of Ed-Fi XML interchange files (Data Standard 4 to 6) into a Dataset.

Files are recognised by their root element, never by their name:
``InterchangeEducationOrganization``, ``InterchangeEducationOrgCalendar``,
``InterchangeMasterSchedule``, ``InterchangeStudent``, ``InterchangeStaffAssociation``,
``InterchangeStudentEnrollment``, ``InterchangeStudentAttendance``,
``InterchangeStudentGradebook`` and ``InterchangeStudentDiscipline``. Other interchanges
(``InterchangeStudentIntervention``, descriptors, assessments...) and files not ending in
``.xml`` are ignored. Elements are matched by local name, so the namespace URI
(``http://ed-fi.org/0400``, ``http://ed-fi.org/5.2.0``...) does not matter. Files are read
in dependency order (organizations, calendar, master schedule, students, staff, enrollment,
attendance, gradebook, discipline), so ``ref="..."`` references to earlier files resolve.

Ed-Fi Data Standard 2.x (and 1.x) XML is refused, never misread: its descriptors are
``<CodeValue>``/``<Namespace>`` elements and its sessions are keyed by term, not by name. A file
whose root namespace is ``http://ed-fi.org/0200`` (or ``/0100``), or a record with a descriptor in
that shape, stops the import with a message naming "Data Standard 2", also under
``--skip-invalid`` (:class:`UnsupportedStandard`).

Parsing uses :mod:`defusedxml`: entity declarations (billion laughs, external entities) and
external references are refused with a :class:`SourceError`, as is malformed XML. Each file
is streamed: one top-level record element is built at a time, handled, then dropped, and
every element remembers its line, so errors name file, line and element.

Ids (all strings; ``{SchoolYear}`` is the text of the Ed-Fi element, e.g. ``2021-2022``;
descriptor values are the part after ``#`` of the descriptor URI):

===================  ==========================================================================
record               sourced_id
===================  ==========================================================================
school (Org)         ``SchoolId``; LEAs (type ``district``) ``LocalEducationAgencyId``; a
                     school's ``parent_id`` is its LEA
school year          ``{SchoolId}:{SchoolYear}`` (synthesized, one per school and school year,
(AcademicSession)    spanning its sessions; ``school_year`` = the calendar year it ends in)
session              ``{SchoolId}:{SchoolYear}:{SessionName}``; type ``semester`` when the Term
                     descriptor says Semester, else ``term``; parent = the school year
grading period       ``{SchoolId}:{SchoolYear}:{GradingPeriod descriptor}:{GradingPeriodName or
                     PeriodSequence}``; parent = the session listing it, else the school year
calendar day         (``SchoolId``, ``Date``); instructional when a CalendarEvent is an
                     instructional, make-up or late-arrival/early-dismissal day; holidays,
                     teacher-only, weather, strike and other days are not (several calendars
                     of one school: instructional if any says so)
course               ``{SchoolId}:{LocalCourseCode}`` (from CourseOffering; the title is
                     LocalCourseTitle, else the Course's CourseTitle, else the code)
class (Klass)        ``{session id}:{LocalCourseCode}:{SectionIdentifier}``, i.e. the Ed-Fi
                     section natural key (SectionIdentifier alone is not unique: the Grand
                     Bend sample reuses 12 of them across two courses); ``class_code`` =
                     SectionIdentifier, ``period`` = ClassPeriodName(s)
student / staff      ``StudentUniqueId`` / ``StaffUniqueId``
enrollment           ``{StudentUniqueId}:{class id}:{BeginDate}`` (StudentSectionAssociation);
                     ``{StaffUniqueId}:{class id}:{BeginDate}`` for StaffSectionAssociation
attendance event     ``{StudentUniqueId}:{SchoolId}:{EventDate}:{category}`` (whole day) or
                     ``{StudentUniqueId}:{class id}:{EventDate}:{category}`` (section);
                     category is caseload's (``excused_absence``...)
line item            ``GradebookEntryIdentifier`` (``{Namespace}#{GradebookEntryIdentifier}``
                     when one import has the same identifier in two namespaces); without an
                     identifier ``{class id}:{DateAssigned}:{Title}``
category             ``edfi-cat:{GradebookEntryType descriptor value}``
result               ``{line item id}:{StudentUniqueId}``
discipline incident  ``{SchoolId}:{IncidentIdentifier}``
student incident     (incident id, ``StudentUniqueId``)
===================  ==========================================================================

The ids are built, and the records assembled, by :mod:`caseload.sources.edfi_common`, which
the Ed-Fi ODS/API mapping (:mod:`caseload.sources.edfi_api`) shares.

A student's ``school_id`` and ``grade_level`` come from their StudentSchoolAssociation
(latest EntryDate; ``Ninth grade`` becomes ``09``, ``Kindergarten`` ``KG``). Without one, the
school is the one their whole-day attendance events name most often, else the one their
sections, gradebook scores or discipline incidents point to most often, else the only
school of the import, else none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser

from caseload.domain.descriptors import attendance_category, descriptor_value
from caseload.domain.records import (
    AttendanceCategory,
    AttendanceEvent,
    DisciplineIncident,
    Enrollment,
    Org,
    Role,
)
from caseload.sources.dataset import Dataset, Reject, SourceError
from caseload.sources.edfi_common import (
    EdfiRecords,
    attendance_id,
    class_id,
    composite_entry_key,
    course_id,
    enrollment_id,
    grading_period_id,
    incident_id,
    is_state_system,
    iso_date,
    school_year_end,
    session_id,
    session_type,
)

__all__ = ["INTERCHANGES", "UnsupportedStandard", "is_edfi_folder", "read_edfi_folder"]

# Root namespaces of the Data Standards this reader does not read, and how to name them.
_OLD_STANDARDS = {
    "http://ed-fi.org/0100": "Data Standard 1",
    "http://ed-fi.org/0200": "Data Standard 2",
}
_SUPPORTED = "caseload reads Ed-Fi Data Standard 4 and later (namespace http://ed-fi.org/0400, 5.x)"


class UnsupportedStandard(SourceError):
    """An export in an Ed-Fi Data Standard caseload does not read: fatal, even when skipping
    invalid rows (every record would be misread, not just one)."""

# Interchanges we read, in the order they are applied (referenced data first).
INTERCHANGES: tuple[str, ...] = (
    "InterchangeEducationOrganization",
    "InterchangeEducationOrgCalendar",
    "InterchangeMasterSchedule",
    "InterchangeStudent",
    "InterchangeStaffAssociation",
    "InterchangeStudentEnrollment",
    "InterchangeStudentAttendance",
    "InterchangeStudentGradebook",
    "InterchangeStudentDiscipline",
)
_ORDER = {name: i for i, name in enumerate(INTERCHANGES)}

_CHUNK = 1 << 16
_LINE = "{urn:caseload}line"  # private attribute: the line an element starts on


class _Peeked(Exception):
    """Raised by the parser target once the root element is known (peek mode)."""


# --- streaming parse ------------------------------------------------------------------


class _Collector:
    """Parser target: builds the tree with local names, queues each finished record.

    A record is a child of the root element. Every element gets its start line in the
    private ``_LINE`` attribute.
    """

    def __init__(self, peek: bool = False) -> None:
        self._tb = TreeBuilder()
        self._depth = 0
        self._local: dict[str, str] = {}
        self._peek = peek
        self.expat: Any = None
        self.root: Element | None = None
        self.root_name: str | None = None
        self.root_ns: str = ""
        self.root_line: int | None = None
        self.done: list[Element] = []
        # Character data goes straight to the tree builder (expat calls it directly).
        self.data: Callable[[str], None] = self._tb.data

    def start(self, tag: str, attrib: dict[str, Any]) -> Element:
        local = self._local.get(tag)
        if local is None:
            local = self._local[tag] = tag.rpartition("}")[2]
        self._depth += 1
        attrib[_LINE] = self.expat.CurrentLineNumber
        el = self._tb.start(local, attrib)
        if self._depth == 1:
            self.root, self.root_name = el, local
            self.root_ns = tag[1:].partition("}")[0] if tag.startswith("{") else ""
            self.root_line = attrib[_LINE]
            if self._peek:
                raise _Peeked
        return el

    def end(self, tag: str) -> Element:
        el = self._tb.end(tag)
        if self._depth == 2:
            self.done.append(el)
        self._depth -= 1
        return el

    def close(self) -> Element:
        return self._tb.close()


def _xml_error(name: str, exc: Exception, line: int | None) -> SourceError:
    if isinstance(exc, EntitiesForbidden):
        if exc.sysid or exc.pubid:
            reason = (
                "XML external entity declarations are not allowed "
                f"(entity {exc.name!r}; possible external entity attack)"
            )
        else:
            reason = (
                f"XML entity declarations are not allowed (entity {exc.name!r}; possible XML bomb)"
            )
    elif isinstance(exc, ExternalReferenceForbidden):
        reason = "XML external references are not allowed (possible external entity attack)"
    elif isinstance(exc, DTDForbidden):
        reason = "XML document type declarations are not allowed"
    elif isinstance(exc, DefusedXmlException):
        reason = f"unsafe XML construct refused: {exc}"
    else:
        msg = re.sub(r":? ?line \d+, column (\d+)$", r" (column \1)", str(exc))
        reason = f"malformed XML: {msg}"
        position = getattr(exc, "position", None)
        if position:
            line = position[0]
    return SourceError(name, line, None, reason)


def _parse(path: Path) -> Iterator[list[Element]]:
    """Feed ``path`` to a defused parser; yield batches of finished records."""
    target = _Collector()
    parser = DefusedXMLParser(target=target)
    target.expat = parser.parser
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                parser.feed(chunk)
                if target.done:
                    batch, target.done = target.done, []
                    yield batch
                    if target.root is not None:
                        target.root.clear()
            parser.close()
        if target.done:
            yield target.done
    except (DefusedXmlException, ParseError) as exc:
        line = getattr(target.expat, "CurrentLineNumber", None)
        raise _xml_error(path.name, exc, line) from None


def _root_name(path: Path) -> str | None:
    """The local name of the root element; SourceError for unsafe or malformed XML."""
    return _peek_root(path).root_name


def _peek_root(path: Path) -> _Collector:
    """Parse up to the root element (its local name, namespace and line)."""
    collector = _Collector(peek=True)
    parser = DefusedXMLParser(target=collector)
    collector.expat = parser.parser
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                parser.feed(chunk)
            parser.close()
    except _Peeked:
        pass
    except (DefusedXmlException, ParseError) as exc:
        raise _xml_error(
            path.name, exc, getattr(collector.expat, "CurrentLineNumber", None)
        ) from None
    return collector


def _check_standard(path: Path, root: _Collector) -> None:
    """Refuse an interchange file of a Data Standard this reader does not read."""
    standard = _OLD_STANDARDS.get(root.root_ns.rstrip("/"))
    if standard is not None:
        raise UnsupportedStandard(
            path.name, root.root_line, None,
            f"Ed-Fi {standard} XML (namespace {root.root_ns}) is not supported: {_SUPPORTED}. "
            "Export the data again in a current Data Standard",
        )


def _xml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.casefold() == ".xml")


def is_edfi_folder(path: Path) -> bool:
    """True for a folder holding at least one ``*.xml`` whose root is an ``Interchange...``."""
    if not path.is_dir():
        return False
    for file in _xml_files(path):
        try:
            name = _root_name(file)
        except (SourceError, OSError):
            continue
        if name and name.startswith("Interchange"):
            return True
    return False


def read_edfi_folder(path: Path, *, skip_invalid: bool = False) -> Dataset:
    """Read every Ed-Fi interchange file in ``path`` into one Dataset (``kind="edfi-xml"``).

    Bad values raise :class:`SourceError` naming file, line and element; with
    ``skip_invalid`` the record is left out and listed in ``dataset.rejects`` instead.
    Unsafe or malformed XML always raises.
    """
    if not path.is_dir():
        raise SourceError(str(path), None, None, "not a folder")
    files: list[tuple[int, str, Path]] = []
    for file in _xml_files(path):
        root = _peek_root(file)
        name = root.root_name
        if name and name.startswith("Interchange"):
            _check_standard(file, root)
        if name in _ORDER:
            files.append((_ORDER[name], file.name, file))
    reader = _Reader(path, skip_invalid)
    for _, _, file in sorted(files):
        reader.read_file(file)
    return reader.finish()


# --- element helpers --------------------------------------------------------------------


def _line(el: Element) -> int | None:
    return cast("int | None", el.attrib.get(_LINE))


def _txt(el: Element | None, path: str) -> str | None:
    if el is None:
        return None
    value = el.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _field(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# --- the reader -------------------------------------------------------------------------


class _Reader(EdfiRecords):
    def __init__(self, folder: Path, skip_invalid: bool) -> None:
        super().__init__(Dataset(kind="edfi-xml", source=str(folder)))
        self.skip_invalid = skip_invalid
        self.file = ""
        self.xml_ids: dict[tuple[str, str], str] = {}  # (element, @id) -> our id
        self.org_parent_refs: list[tuple[str, str, int | None]] = []  # (org id, @ref, line)
        self.gp_parent_refs: list[tuple[str, str]] = []  # (session id, @ref)
        self.offering_refs: dict[str, tuple[str, str]] = {}  # @id -> (session id, local code)
        self.section_by_identifier: dict[str, list[str]] = {}
        # (incident id or None, @ref or None, student, behavior, file, line)
        self.incident_refs: list[
            tuple[str | None, str | None, str, str | None, str, int | None]
        ] = []
        self.handlers: dict[str, Callable[[Element], None]] = {
            "School": self._school,
            "LocalEducationAgency": self._lea,
            "Course": self._course,
            "Session": self._session,
            "GradingPeriod": self._grading_period,
            "CalendarDate": self._calendar_date,
            "CourseOffering": self._course_offering,
            "Section": self._section,
            "Student": self._student,
            "Staff": self._staff,
            "StaffSchoolAssociation": self._staff_school,
            "StaffSectionAssociation": self._staff_section,
            "StudentSchoolAssociation": self._student_school,
            "StudentEducationOrganizationAssociation": self._student_edorg,
            "StudentSectionAssociation": self._student_section,
            "StudentSchoolAttendanceEvent": self._school_attendance,
            "StudentSectionAttendanceEvent": self._section_attendance,
            "GradebookEntry": self._gradebook_entry,
            "StudentGradebookEntry": self._student_gradebook_entry,
            "DisciplineIncident": self._discipline_incident,
            "StudentDisciplineIncidentBehaviorAssociation": self._student_incident,
            "StudentDisciplineIncidentAssociation": self._student_incident,
        }

    # -- plumbing --------------------------------------------------------------------------

    def read_file(self, path: Path) -> None:
        self.file = path.name
        handlers = self.handlers
        shape_checked = False
        for batch in _parse(path):
            for rec in batch:
                handler = handlers.get(rec.tag)
                if handler is None:
                    continue
                if not shape_checked:  # the first record tells the file's Data Standard
                    shape_checked = True
                    for el in rec.iter():
                        self.legacy_descriptor(el, rec)
                try:
                    handler(rec)
                except UnsupportedStandard:
                    raise
                except SourceError as err:
                    if not self.skip_invalid:
                        raise
                    self.ds.rejects.append(Reject.from_error(err, {"element": rec.tag}))

    def error(
        self, el: Element | None, fallback: Element, field: str | None, reason: str
    ) -> SourceError:
        line = _line(el) if el is not None else None
        return SourceError(self.file, line if line is not None else _line(fallback), field, reason)

    def origin(self, rec: Element) -> str:
        return f"{self.file}:{_line(rec)}"

    def claim(self, entity: str, sid: str, rec: Element, what: str) -> None:
        """Record where ``sid`` came from; a SourceError if it was already read."""
        key = (entity, sid)
        first = self.ds.origins.get(key)
        if first is not None:
            raise self.error(None, rec, None, f"duplicate {what} {sid!r} (first seen at {first})")

    def note(self, entity: str, sid: str, rec: Element) -> None:
        self.ds.origins[(entity, sid)] = self.origin(rec)

    def req(self, rec: Element, path: str) -> str:
        value = _txt(rec, path)
        if value is None:
            raise self.error(rec.find(path), rec, _field(path), "is required but missing or empty")
        return value

    def date(self, rec: Element, path: str, required: bool = True) -> dt.date | None:
        el = rec.find(path)
        text = el.text.strip() if el is not None and el.text else ""
        if not text:
            if required:
                raise self.error(el, rec, _field(path), "is required but missing or empty")
            return None
        day = iso_date(text)
        if day is None:
            raise self.error(el, rec, _field(path), f"not a valid date (YYYY-MM-DD): {text!r}")
        return day

    def number(self, rec: Element, path: str) -> float | None:
        el = rec.find(path)
        text = el.text.strip() if el is not None and el.text else ""
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise self.error(el, rec, _field(path), f"not a number: {text!r}")
        if value < 0:
            raise self.error(el, rec, _field(path), f"must not be negative: {text!r}")
        return value

    def legacy_descriptor(self, el: Element | None, rec: Element) -> None:
        """A descriptor written as ``<CodeValue>``/``<Namespace>`` children is Data Standard 2's
        shape (even without its namespace): refuse the export rather than misread it."""
        if el is not None and el.find("CodeValue") is not None:
            raise UnsupportedStandard(
                self.file, _line(el) or _line(rec), el.tag,
                "a descriptor with CodeValue/Namespace elements: this is Ed-Fi Data Standard 2 "
                f"XML, which is not supported ({_SUPPORTED})",
            )

    def desc(self, rec: Element, path: str) -> str | None:
        self.legacy_descriptor(rec.find(path), rec)
        text = _txt(rec, path)
        return descriptor_value(text) or None if text else None

    def by_ref(self, ref_el: Element, rec: Element, kind: str) -> str:
        ref = ref_el.get("ref")
        if ref:
            found = self.xml_ids.get((kind, ref))
            if found is not None:
                return found
            raise self.error(
                ref_el, rec, ref_el.tag, f"unknown reference ref={ref!r} (no {kind} with that id)"
            )
        raise self.error(ref_el, rec, ref_el.tag, "has neither an identity nor a ref attribute")

    def ref_id(
        self, rec: Element, ref_name: str, key: str, kind: str, required: bool = True
    ) -> str | None:
        """The natural id inside ``<ref_name>`` (``key`` anywhere below it), or via ``@ref``.

        ``<ref_name>`` may sit deeper (DS 4 StudentGradebookEntry names its student inside a
        StudentSectionAssociationReference).
        """
        ref_el = rec.find(ref_name)
        if ref_el is None:
            ref_el = rec.find(f".//{ref_name}")
        if ref_el is None:
            if required:
                raise self.error(None, rec, ref_name, "is required but missing")
            return None
        value = _txt(ref_el, f".//{key}")
        if value is not None:
            return value
        return self.by_ref(ref_el, rec, kind)

    def student_ref(self, rec: Element) -> str:
        return cast(str, self.ref_id(rec, "StudentReference", "StudentUniqueId", "Student"))

    def school_ref(
        self, rec: Element, name: str = "SchoolReference", required: bool = True
    ) -> str | None:
        return self.ref_id(rec, name, "SchoolId", "School", required)

    def session_id(self, ref_el: Element, rec: Element) -> str:
        """A SessionReference -> ``{SchoolId}:{SchoolYear}:{SessionName}``."""
        ident = ref_el.find("SessionIdentity")
        if ident is None:
            return self.by_ref(ref_el, rec, "Session")
        name = self.req(ident, "SessionName")
        year = self.req(ident, "SchoolYear")
        school = self.req(ident, ".//SchoolId")
        return session_id(school, year, name)

    def offering(self, ref_el: Element, rec: Element) -> tuple[str, str, str]:
        """A CourseOfferingReference -> (school id, session id, local course code)."""
        ident = ref_el.find("CourseOfferingIdentity")
        if ident is None:
            found = self.offering_refs.get(ref_el.get("ref") or "")
            if found is None:
                self.by_ref(ref_el, rec, "CourseOffering")  # raises: unknown or missing ref
                raise AssertionError("unreachable")
            session, code = found
            return session.split(":", 1)[0], session, code
        code = self.req(ident, "LocalCourseCode")
        school = cast(str, self.school_ref(ident))
        session_ref = ident.find("SessionReference")
        if session_ref is None:
            raise self.error(None, rec, "SessionReference", "is required but missing")
        return school, self.session_id(session_ref, rec), code

    def section_ref(self, rec: Element, name: str = "SectionReference") -> str:
        """A SectionReference -> our class id."""
        ref_el = rec.find(name)
        if ref_el is None:
            raise self.error(None, rec, name, "is required but missing")
        ident = ref_el.find("SectionIdentity")
        if ident is None:
            return self.by_ref(ref_el, rec, "Section")
        identifier = self.req(ident, "SectionIdentifier")
        offering_el = ident.find("CourseOfferingReference")
        if offering_el is None:
            ids = self.section_by_identifier.get(identifier, [])
            if len(ids) == 1:
                return ids[0]
            reason = "is ambiguous" if ids else "is unknown"
            raise self.error(
                ident.find("SectionIdentifier"),
                rec,
                "SectionIdentifier",
                f"{identifier!r} {reason} without a CourseOfferingReference",
            )
        _, session, code = self.offering(offering_el, rec)
        return class_id(session, code, identifier)

    # -- education organizations -----------------------------------------------------------

    def _add_org(self, rec: Element, org: Org) -> None:
        self.claim("orgs", org.sourced_id, rec, "education organization")
        self.orgs[org.sourced_id] = org
        self.note("orgs", org.sourced_id, rec)
        if rec.get("id"):
            self.xml_ids[(rec.tag, rec.attrib["id"])] = org.sourced_id

    def _school(self, rec: Element) -> None:
        sid = self.req(rec, "SchoolId")
        name = self.req(rec, "NameOfInstitution")
        parent = None
        ref_el = rec.find("LocalEducationAgencyReference")
        pending = None
        if ref_el is not None:
            parent = _txt(ref_el, ".//LocalEducationAgencyId")
            if parent is None and ref_el.get("ref"):
                pending = (sid, ref_el.attrib["ref"], _line(ref_el))
        self._add_org(rec, Org(sid, name, "school", identifier=sid, parent_id=parent))
        if pending:
            self.org_parent_refs.append(pending)

    def _lea(self, rec: Element) -> None:
        sid = self.req(rec, "LocalEducationAgencyId")
        name = self.req(rec, "NameOfInstitution")
        self._add_org(rec, Org(sid, name, "district", identifier=sid))

    def _course(self, rec: Element) -> None:
        code = _txt(rec, "CourseCode")
        title = _txt(rec, "CourseTitle")
        edorg = _txt(rec, ".//EducationOrganizationId")
        if code and title and edorg:
            self.course_titles[(edorg, code)] = title

    # -- calendar -------------------------------------------------------------------------

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
        gp_refs: list[str] = []
        for gp_ref in rec.findall("GradingPeriodReference"):
            ident = gp_ref.find("GradingPeriodIdentity")
            if ident is not None:
                gp_ids.append(self.gp_id(ident, rec))
            elif gp_ref.get("ref"):
                gp_refs.append(gp_ref.attrib["ref"])
        # Checks done: commit.
        self.gp_parent_refs.extend((sid, ref) for ref in gp_refs)
        self.add_session(sid, name, kind, (begin, end), school, (year, ending), gp_ids)
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

    def gp_id(self, ident: Element, rec: Element) -> str:
        """A GradingPeriod (or its identity) -> our grading period id."""
        descriptor = self.desc(ident, "GradingPeriod")
        if descriptor is None:
            raise self.error(
                ident.find("GradingPeriod"),
                rec,
                "GradingPeriod",
                "is required but missing or empty",
            )
        which = _txt(ident, "GradingPeriodName") or _txt(ident, "PeriodSequence")
        if which is None:
            raise self.error(
                None, rec, "PeriodSequence", "GradingPeriodName or PeriodSequence is required"
            )
        year = self.req(ident, "SchoolYear")
        school = self.req(ident, ".//SchoolId")
        return grading_period_id(school, year, descriptor, which)

    def _grading_period(self, rec: Element) -> None:
        gid = self.gp_id(rec, rec)
        school, year = gid.split(":", 2)[:2]
        begin, end = self._dates(rec)
        ending = self.school_year(rec, year)
        self.claim("academic_sessions", gid, rec, "grading period")
        title = _txt(rec, "GradingPeriodName") or cast(str, self.desc(rec, "GradingPeriod"))
        self.add_grading_period(gid, title, (begin, end), school, (year, ending))
        self.note("academic_sessions", gid, rec)
        if rec.get("id"):
            self.xml_ids[("GradingPeriod", rec.attrib["id"])] = gid

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

    def _course_offering(self, rec: Element) -> None:
        code = self.req(rec, "LocalCourseCode")
        school = cast(str, self.school_ref(rec))
        session_ref = rec.find("SessionReference")
        session = self.session_id(session_ref, rec) if session_ref is not None else None
        title = _txt(rec, "LocalCourseTitle")
        if title is None:
            course = rec.find("CourseReference")
            ccode = _txt(course, ".//CourseCode")
            edorg = _txt(course, ".//EducationOrganizationId")
            if ccode and edorg:
                title = self.course_titles.get((edorg, ccode))
        if self.add_course(school, code, title):
            self.note("courses", course_id(school, code), rec)
        if rec.get("id") and session is not None:
            self.offering_refs[rec.attrib["id"]] = (session, code)

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
            for p in (_txt(r, ".//ClassPeriodName") for r in rec.findall("ClassPeriodReference"))
            if p
        ]
        self.add_section(cid, identifier, offering, _txt(rec, "SectionName"), periods)
        self.section_by_identifier.setdefault(identifier, []).append(cid)
        self.note("classes", cid, rec)
        if rec.get("id"):
            self.xml_ids[("Section", rec.attrib["id"])] = cid

    # -- people --------------------------------------------------------------------------

    def _person(self, rec: Element, id_path: str, role: Role) -> None:
        sid = self.req(rec, id_path)
        given = self.req(rec, "Name/FirstName")
        family = self.req(rec, "Name/LastSurname")
        birth = self.date(rec, ".//BirthDate", required=False)
        email = _txt(rec, ".//ElectronicMailAddress")
        state_id = None
        for code in rec.iter(f"{rec.tag}IdentificationCode"):
            if is_state_system(_txt(code, f"{rec.tag}IdentificationSystem")):
                state_id = _txt(code, "IdentificationCode")
        self.claim("users", sid, rec, rec.tag.lower())
        names = (given, family, _txt(rec, "Name/MiddleName"))
        self.add_user(sid, role, names, state_id, birth, email)
        self.note("users", sid, rec)
        if rec.get("id"):
            self.xml_ids[(rec.tag, rec.attrib["id"])] = sid

    def _student(self, rec: Element) -> None:
        self._person(rec, "StudentUniqueId", Role.STUDENT)

    def _staff(self, rec: Element) -> None:
        self._person(rec, "StaffUniqueId", Role.TEACHER)

    def _staff_school(self, rec: Element) -> None:
        staff = cast(str, self.ref_id(rec, "StaffReference", "StaffUniqueId", "Staff"))
        school = cast(str, self.school_ref(rec))
        self.staff_school.setdefault(staff, school)

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

    def _student_school(self, rec: Element) -> None:
        student = self.student_ref(rec)
        school = cast(str, self.school_ref(rec))
        entry = self.date(rec, "EntryDate", required=False)
        self.add_school_assoc(student, school, entry, self.desc(rec, "EntryGradeLevel"))

    def _student_edorg(self, rec: Element) -> None:
        student = self.student_ref(rec)
        for code in rec.iter("StudentIdentificationCode"):
            value = _txt(code, "IdentificationCode")
            if value and is_state_system(_txt(code, "StudentIdentificationSystem")):
                self.state_ids[student] = value

    def _student_section(self, rec: Element) -> None:
        student = self.student_ref(rec)
        cid = self.section_ref(rec)
        begin = self.date(rec, "BeginDate")
        end = self.date(rec, "EndDate", required=False)
        eid = enrollment_id(student, cid, begin)
        self.claim("enrollments", eid, rec, "student section association")
        self.enrollments[eid] = Enrollment(eid, cid, student, Role.STUDENT, begin, end)
        self.note("enrollments", eid, rec)

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

    def _school_attendance(self, rec: Element) -> None:
        student = self.student_ref(rec)
        school = cast(str, self.school_ref(rec))
        day = cast(dt.date, self.date(rec, ".//EventDate"))
        category = self._category(rec)
        eid = attendance_id(student, school, day, category)
        self.claim("attendance_events", eid, rec, "attendance event")
        self.attendance[eid] = AttendanceEvent(eid, student, day, category, None, None, school)
        self.note("attendance_events", eid, rec)

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
        identifier = _txt(ident, "GradebookEntryIdentifier")
        if identifier is not None:
            return identifier, _txt(ident, "Namespace") or ""
        if cid is None:
            cid = self.section_ref(ident)
        assigned = self.date(ident, "DateAssigned")
        title = _txt(ident, "Title") or self.req(ident, "GradebookEntryTitle")
        return composite_entry_key(cid, assigned, title), ""

    def _gradebook_entry(self, rec: Element) -> None:
        cid = self.section_ref(rec)
        key = self._entry_key(rec, rec, cid)
        title = _txt(rec, "Title") or _txt(rec, "GradebookEntryTitle") or key[0]
        assigned = self.date(rec, "DateAssigned", required=False)
        due = self.date(rec, "DueDate", required=False)
        max_points = self.number(rec, "MaxPoints")
        if max_points is None:
            max_points = self.number(rec, "PointsPossible")
        if max_points == 0:
            raise self.error(rec.find("MaxPoints"), rec, "MaxPoints", "must be greater than 0")
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

    def _student_gradebook_entry(self, rec: Element) -> None:
        ref_el = rec.find("GradebookEntryReference")
        if ref_el is None:
            raise self.error(None, rec, "GradebookEntryReference", "is required but missing")
        ident = ref_el.find("GradebookEntryIdentity")
        if ident is None:
            raise self.error(ref_el, rec, "GradebookEntryIdentity", "is required but missing")
        key = self._entry_key(ident, rec, None)
        student = self.student_ref(rec)
        points = self.number(rec, "PointsEarned")
        score = points if points is not None else self.number(rec, "NumericGradeEarned")
        statuses = (self.desc(rec, "SubmissionStatus"), self.desc(rec, "AssignmentLateStatus"))
        if (key, student) in self.result_keys:
            raise self.error(
                None,
                rec,
                "StudentReference",
                f"duplicate score for gradebook entry {key[0]!r} and student {student!r} "
                f"(first seen at {self.result_keys[(key, student)]})",
            )
        self.result_keys[(key, student)] = self.origin(rec)
        self.add_result(
            key,
            student,
            score,
            statuses,
            self.date(rec, "DateFulfilled", required=False),
            _txt(rec, "DiagnosticStatement"),
            self.origin(rec),
        )

    # -- discipline ----------------------------------------------------------------------------

    def _discipline_incident(self, rec: Element) -> None:
        number = self.req(rec, "IncidentIdentifier")
        school = cast(str, self.school_ref(rec))
        day = cast(dt.date, self.date(rec, "IncidentDate"))
        behavior = None
        for el in rec.iter("Behavior"):
            if len(el) == 0 and el.text and el.text.strip():
                behavior = descriptor_value(el.text)
                break
        description = _txt(rec, "IncidentDescription") or _txt(
            rec, ".//BehaviorDetailedDescription"
        )
        iid = incident_id(school, number)
        self.claim("discipline_incidents", iid, rec, "discipline incident")
        self.incidents[iid] = DisciplineIncident(
            iid, day, school, behavior, description, self.desc(rec, "IncidentLocation")
        )
        self.note("discipline_incidents", iid, rec)
        if rec.get("id"):
            self.xml_ids[("DisciplineIncident", rec.attrib["id"])] = iid

    def _student_incident(self, rec: Element) -> None:
        student = self.student_ref(rec)
        participation = (self.desc(rec, "StudentParticipationCode") or "").casefold()
        behavior = None
        for el in rec.iter("Behavior"):
            if len(el) == 0 and el.text and el.text.strip():
                behavior = descriptor_value(el.text)
                break
        if participation and participation != "perpetrator" and behavior is None:
            return  # a victim, witness or reporter: not the student's own incident
        ref_el = rec.find("DisciplineIncidentReference")
        if ref_el is None:
            raise self.error(None, rec, "DisciplineIncidentReference", "is required but missing")
        ident = ref_el.find("DisciplineIncidentIdentity")
        if ident is not None:
            iid = incident_id(self.req(ident, ".//SchoolId"), self.req(ident, "IncidentIdentifier"))
            self.incident_refs.append((iid, None, student, behavior, self.file, _line(rec)))
        elif ref_el.get("ref"):
            self.incident_refs.append(
                (None, ref_el.attrib["ref"], student, behavior, self.file, _line(ref_el))
            )
        else:
            raise self.error(
                ref_el,
                rec,
                "DisciplineIncidentReference",
                "has neither an identity nor a ref attribute",
            )

    # -- assembly --------------------------------------------------------------------------

    def _reject(self, err: SourceError) -> None:
        if not self.skip_invalid:
            raise err
        self.ds.rejects.append(Reject.from_error(err))

    def finish(self) -> Dataset:
        for org_id, ref, _line_no in self.org_parent_refs:
            parent = self.xml_ids.get(("LocalEducationAgency", ref))
            if parent is not None:
                self.orgs[org_id] = dataclasses.replace(self.orgs[org_id], parent_id=parent)
        for session, ref in self.gp_parent_refs:
            gp_id = self.xml_ids.get(("GradingPeriod", ref))
            if gp_id is not None:
                self.gp_parent.setdefault(gp_id, session)
        for known_id, inc_ref, student, behavior, file, line in self.incident_refs:
            iid = known_id or self.xml_ids.get(("DisciplineIncident", cast(str, inc_ref)))
            if iid is None:
                self._reject(
                    SourceError(
                        file,
                        line,
                        "DisciplineIncidentReference",
                        f"unknown reference ref={inc_ref!r} (no DisciplineIncident with that id)",
                    )
                )
                continue
            self.student_incidents.append((iid, student, behavior, f"{file}:{line}"))
        return self.assemble()
