"""Read a folder (or a .zip: :mod:`caseload.sources.edfi_zip`) of Ed-Fi XML interchange files
(Data Standard 4 to 6) into a Dataset.

Files are recognised by their root element, never by their name:
``InterchangeEducationOrganization``, ``InterchangeEducationOrgCalendar``,
``InterchangeMasterSchedule``, ``InterchangeStudent``, ``InterchangeStaffAssociation``,
``InterchangeStudentEnrollment``, ``InterchangeStudentAttendance``,
``InterchangeStudentGradebook``, ``InterchangeStudentDiscipline`` and the guardians'
``InterchangeParent`` (DS 4) / ``InterchangeContact`` (DS 5+). Other interchanges
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

The reader is split by interchange family: :mod:`~caseload.sources.edfi_xml_parse` (the
defused streaming parse, the Data Standard check), :mod:`~caseload.sources.edfi_xml_refs`
(reading a file, errors, references), :mod:`~caseload.sources.edfi_xml_orgs` (education
organizations, calendar, master schedule), :mod:`~caseload.sources.edfi_xml_people`
(students, staff, enrollment) and :mod:`~caseload.sources.edfi_xml_activity` (attendance,
gradebook, discipline).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.edfi_xml_activity import ActivityRecords
from caseload.sources.edfi_xml_guardians import GuardianRecords
from caseload.sources.edfi_xml_orgs import OrgsScheduleRecords
from caseload.sources.edfi_xml_parse import (
    UnreadableFile,
    UnsupportedStandard,
    XmlFile,
    check_standard,
    peek_root,
    root_name,
    xml_files,
)
from caseload.sources.edfi_xml_people import PeopleRecords

__all__ = [
    "INTERCHANGES", "UnsupportedStandard", "is_edfi_folder", "is_edfi_zip", "read_edfi_folder",
    "read_edfi_zip",
]

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
    "InterchangeParent",
    "InterchangeContact",
)
_ORDER = {name: i for i, name in enumerate(INTERCHANGES)}


class _Reader(OrgsScheduleRecords, PeopleRecords, ActivityRecords, GuardianRecords):
    """Every interchange family this reader handles."""


def is_edfi_folder(path: Path) -> bool:
    """True for a folder holding at least one ``*.xml`` whose root is an ``Interchange...``.

    :class:`UnreadableFile` for an ``*.xml`` the disk would not give: whether it is an
    interchange cannot be told, and the import would have to read it."""
    if not path.is_dir():
        return False
    return _has_interchange(xml_files(path))


def is_edfi_zip(path: Path) -> bool:
    """True for a .zip holding at least one ``*.xml`` member whose root is an
    ``Interchange...`` (:mod:`caseload.sources.edfi_zip`); SourceError for a zip whose XML
    files cannot be told apart (two places, two of one name) or that is damaged."""
    from caseload.sources.edfi_zip import xml_zip
    from caseload.sources.zipsafe import is_zip

    if not (path.is_file() and is_zip(path)):
        return False
    with xml_zip(path) as members:  # (none: a zip with no XML file)
        # a damaged member names the archive ("export.zip:Student.xml"): said as such, not
        # "not a recognized export"; a malformed one names the file and is passed over here
        return _has_interchange(members, f"{path.name}:")


def _has_interchange(files: Sequence[XmlFile], archive: str | None = None) -> bool:
    for file in files:
        try:
            name = root_name(file)
        except UnreadableFile:  # (a disk error: named, not "not a recognized export")
            raise
        except SourceError as err:
            if archive is not None and (err.file or "").startswith(archive):
                raise
            continue
        except OSError:
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
    return _read(path, xml_files(path), skip_invalid)


def read_edfi_zip(path: Path, *, skip_invalid: bool = False) -> Dataset:
    """:func:`read_edfi_folder` for a .zip of the interchange files (read in place:
    :mod:`caseload.sources.edfi_zip`); errors name the member's file name."""
    from caseload.sources.edfi_zip import xml_zip

    with xml_zip(path) as members:
        return _read(path, members, skip_invalid)


def _read(path: Path, found: Sequence[XmlFile], skip_invalid: bool) -> Dataset:
    files: list[tuple[int, str, XmlFile]] = []
    unread: list[str] = []
    for file in found:
        root = peek_root(file)
        name = root.root_name
        if name and name.startswith("Interchange"):
            check_standard(file, root)
        if name in _ORDER:
            files.append((_ORDER[name], file.name, file))
        elif name and name.startswith("Interchange"):
            unread.append(f"{file.name} ({name})")
    reader = _Reader(path, skip_invalid)
    for _, _, file in sorted(files, key=lambda f: (f[0], f[1])):
        reader.read_file(file)
    ds = reader.finish()
    if unread:  # interchanges caseload does not use, counted as OneRoster's unread files are
        ds.notices.append(f"not read: {', '.join(unread)}: interchanges caseload does not use")
    return ds
