"""Reading Ed-Fi ODS/API JSON items: field access, references and record plumbing.

The base of the Ed-Fi API mapper (:mod:`caseload.sources.edfi_api`, one handler per
resource) and of the deletions' mapper (:mod:`caseload.sources.edfi_deletes`): how a field
is read and checked (text, dates, numbers, descriptors, school years), how a reference
becomes our id (sessions, sections, grading periods), how a bad record is named (its ``id``,
else its natural key) and rejected. Payload in, nothing else: no HTTP, no cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from caseload.domain.descriptors import descriptor_value
from caseload.sources.csvutil import no_real_day, plain_number
from caseload.sources.dataset import Dataset, Reject, SourceError
from caseload.sources.edfi_common import (
    EdfiRecords,
    class_id,
    grading_period_id,
    iso_date,
    school_year_end,
    session_id,
)

KIND = "edfi-api"

Item = dict[str, Any]

_YEAR_TEXT = re.compile(r"[0-9]{4}\s*[-/]\s*[0-9]{4}")

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
    elif isinstance(value, str) and value.strip().isdigit() and value.isascii():
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


def label(item: Mapping[str, Any]) -> str:
    rid = item.get("id")
    if isinstance(rid, str) and rid.strip():
        return rid.strip()
    return _natural_key(item)


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "text"



class JsonRecords(EdfiRecords):
    """JSON items -> records; the same rules as edfi_xml._Reader, field for field.

    What does not depend on the shape (ids, value rules, assembly) is :class:`EdfiRecords`;
    a subclass fills :attr:`handlers` (resource name -> the function reading one item).
    """

    def __init__(self, source: str, skip_invalid: bool) -> None:
        super().__init__(Dataset(kind=KIND, source=source))
        self.skip_invalid = skip_invalid
        self.resource = ""
        self.item: Item = {}
        self.seen: dict[tuple[str, str], str] = {}  # (entity, id) -> "resource (record)"
        self.handlers: dict[str, Callable[[Item], None]] = {}
        self.reading: str | None = None  # the person the item being read is (rejects' key)

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
            self.reading = None
            try:
                handler(item)
            except SourceError as err:
                key = self.reading if self.reading not in self.users else None
                self._reject(err, {"resource": resource, "record": label(item)}, key)

    def _reject(self, err: SourceError, raw: dict[str, str] | None = None,
                key: str | None = None) -> None:
        if not self.skip_invalid:
            raise err
        self.ds.rejects.append(Reject.from_error(err, raw, key))

    def applied_with(self, person: str, field: str) -> None:
        """The item is applied with ``person``'s record (``Dataset.user_rows``): the loader
        rejects it when that record is rejected or not to be found."""
        self.ds.user_rows.append((self.resource, label(self.item), field, person))

    def error(self, field: str | None, reason: str) -> SourceError:
        return SourceError(self.resource, label(self.item), field, reason)

    def where(self) -> str:
        return f"{self.resource} ({label(self.item)})"

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
            raise self.error(self._path(at, key), f"expected text, got {kind_of(value)}")
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
            raise self.error(key, f"expected an object, got {kind_of(value)}")
        return value

    def array(self, obj: Mapping[str, Any], key: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected an array, got {kind_of(value)}")
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
            if why := no_real_day(value.strip()):
                raise self.error(self._path(at, key), why)
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
                number = float(value.strip()) if plain_number(value) else math.nan
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
