"""The base of the Ed-Fi XML reader: reading one interchange file record by record, the
errors that name file, line and element, and the references between records (``ref="..."``
attributes and ``...Identity`` elements) every interchange family resolves.

Each family (:mod:`~caseload.sources.edfi_xml_orgs`, :mod:`~caseload.sources.edfi_xml_people`,
:mod:`~caseload.sources.edfi_xml_activity`) subclasses :class:`XmlRecords`, adds its element
handlers in :meth:`XmlRecords.element_handlers` and the references it resolves at the end in
:meth:`XmlRecords.resolve`; :mod:`caseload.sources.edfi_xml` combines them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast
from xml.etree.ElementTree import Element

from caseload.domain.descriptors import descriptor_value
from caseload.sources.csvutil import no_real_day, plain_number
from caseload.sources.dataset import Dataset, Reject, SourceError, row_refusal
from caseload.sources.edfi_common import (
    EdfiRecords,
    class_id,
    grading_period_id,
    iso_date,
    session_id,
)
from caseload.sources.edfi_xml_parse import (
    SUPPORTED,
    UnsupportedStandard,
    XmlFile,
    field_name,
    parse_records,
    xml_line,
    xml_text,
)

Handlers = dict[str, Callable[[Element], None]]
_Handler = TypeVar("_Handler", bound=Callable[..., None])
_ELEMENTS = "edfi_record_elements"


def handles(*elements: str) -> Callable[[_Handler], _Handler]:
    """Mark a method of an :class:`XmlRecords` family as the handler of these record
    elements (local names); :meth:`XmlRecords.element_handlers` collects the marks."""

    def mark(method: _Handler) -> _Handler:
        setattr(method, _ELEMENTS, elements)
        return method

    return mark


class XmlRecords(EdfiRecords):
    """The records read from one folder of interchange files, and how to read them."""

    def __init__(self, folder: Path, skip_invalid: bool) -> None:
        super().__init__(Dataset(kind="edfi-xml", source=str(folder)))
        self.skip_invalid = skip_invalid
        self.file = ""
        self.reading: str | None = None  # the person the record being read is (rejects' key)
        self.xml_ids: dict[tuple[str, str], str] = {}  # (element, @id) -> our id
        self.offering_refs: dict[str, tuple[str, str]] = {}  # @id -> (session id, local code)
        self.section_by_identifier: dict[str, list[str]] = {}
        self.handlers = self.element_handlers()

    def element_handlers(self) -> Handlers:
        """Record element (local name) -> its handler: the methods each family marks with
        :func:`handles`."""
        handlers: Handlers = {}
        for cls in reversed(type(self).__mro__):
            for name, attr in vars(cls).items():
                for element in getattr(attr, _ELEMENTS, ()):
                    handlers[element] = getattr(self, name)
        return handlers

    def resolve(self) -> None:
        """Once every file is read: resolve the references kept for the end."""

    def reject(self, err: SourceError) -> None:
        """Raise ``err``, or list it as a reject with ``--skip-invalid``."""
        if not self.skip_invalid:
            raise row_refusal(err)
        self.ds.rejects.append(Reject.from_error(err))

    def finish(self) -> Dataset:
        self.resolve()
        return self.assemble()

    # -- plumbing --------------------------------------------------------------------------

    def read_file(self, path: XmlFile) -> None:
        self.file = path.name
        handlers = self.handlers
        shape_checked = False
        for batch in parse_records(path):
            for rec in batch:
                handler = handlers.get(rec.tag)
                if handler is None:
                    self.unread[rec.tag] += 1  # counted in the summary (``left_out``)
                    continue
                if not shape_checked:  # the first record tells the file's Data Standard
                    shape_checked = True
                    for el in rec.iter():
                        self.legacy_descriptor(el, rec)
                self.reading = None
                try:
                    handler(rec)
                except UnsupportedStandard:
                    raise
                except SourceError as err:
                    if not self.skip_invalid:
                        row_refusal(err)
                        raise
                    key = self.reading if self.reading not in self.users else None
                    self.ds.rejects.append(Reject.from_error(err, {"element": rec.tag}, key))

    def error(
        self, el: Element | None, fallback: Element, field: str | None, reason: str
    ) -> SourceError:
        line = xml_line(el) if el is not None else None
        if line is None:
            line = xml_line(fallback)
        return SourceError(self.file, line, field, reason)

    def origin(self, rec: Element) -> str:
        return f"{self.file}:{xml_line(rec)}"

    def applied_with(self, person: str, rec: Element, field: str) -> None:
        """``rec`` is applied with ``person``'s record (``Dataset.user_rows``): the loader
        rejects it when that record is rejected or not to be found."""
        self.ds.user_rows.append((self.file, xml_line(rec) or 0, field, person))

    def claim(self, entity: str, sid: str, rec: Element, what: str) -> None:
        """Record where ``sid`` came from; a SourceError if it was already read."""
        key = (entity, sid)
        first = self.ds.origins.get(key)
        if first is not None:
            raise self.error(None, rec, None, f"duplicate {what} {sid!r} (first seen at {first})")

    def note(self, entity: str, sid: str, rec: Element) -> None:
        self.ds.origins[(entity, sid)] = self.origin(rec)

    def req(self, rec: Element, path: str) -> str:
        value = xml_text(rec, path)
        if value is None:
            raise self.error(
                rec.find(path), rec, field_name(path), "is required but missing or empty"
            )
        return value

    def date(self, rec: Element, path: str, required: bool = True) -> dt.date | None:
        el = rec.find(path)
        text = el.text.strip() if el is not None and el.text else ""
        if not text:
            if required:
                raise self.error(el, rec, field_name(path), "is required but missing or empty")
            return None
        day = iso_date(text)
        if day is None:
            raise self.error(el, rec, field_name(path),
                             no_real_day(text) or f"not a valid date (YYYY-MM-DD): {text!r}")
        return day

    def number(self, rec: Element, path: str) -> float | None:
        el = rec.find(path)
        text = el.text.strip() if el is not None and el.text else ""
        if not text:
            return None
        try:
            value = float(text) if plain_number(text) else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise self.error(el, rec, field_name(path), f"not a number: {text!r}")
        if value < 0:
            raise self.error(el, rec, field_name(path), f"must not be negative: {text!r}")
        return value

    def legacy_descriptor(self, el: Element | None, rec: Element) -> None:
        """A descriptor written as ``<CodeValue>``/``<Namespace>`` children is Data Standard 2's
        shape (even without its namespace): refuse the export rather than misread it."""
        if el is not None and el.find("CodeValue") is not None:
            raise UnsupportedStandard(
                self.file, xml_line(el) or xml_line(rec), el.tag,
                "a descriptor with CodeValue/Namespace elements: this is Ed-Fi Data Standard 2 "
                f"XML, which is not supported ({SUPPORTED})",
            )

    def desc(self, rec: Element, path: str) -> str | None:
        self.legacy_descriptor(rec.find(path), rec)
        text = xml_text(rec, path)
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
        value = xml_text(ref_el, f".//{key}")
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
        which = xml_text(ident, "GradingPeriodName") or xml_text(ident, "PeriodSequence")
        if which is None:
            raise self.error(
                None, rec, "PeriodSequence", "GradingPeriodName or PeriodSequence is required"
            )
        year = self.req(ident, "SchoolYear")
        school = self.req(ident, ".//SchoolId")
        return grading_period_id(school, year, descriptor, which)
