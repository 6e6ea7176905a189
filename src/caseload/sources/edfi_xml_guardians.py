"""Ed-Fi XML: students' parents and contacts. ``InterchangeParent`` (Data Standard 4: ``Parent``,
``StudentParentAssociation``) and ``InterchangeContact`` (Data Standard 5 and later: ``Contact``,
``StudentContactAssociation``).

A guardian record (``caseload.domain.records.Guardian``) per association: the person's
``ParentUniqueId``/``ContactUniqueId`` and name, the association's ``Relation`` descriptor value
("Mother", "Grandparent"...) and ``PrimaryContactStatus`` (absent: unknown, None), the first
``Telephone`` by ``OrderOfPriority`` (else in file order) and the ``ElectronicMail`` marked
``PrimaryEmailAddressIndicator`` (else the first). An association whose parent or contact is not
in the import is an error naming file and line (a reject under ``--skip-invalid``); one whose
student is neither in the import nor in the cache is the loader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from caseload.domain.records import Guardian
from caseload.sources.dataset import SourceError
from caseload.sources.edfi_xml_parse import xml_line, xml_text
from caseload.sources.edfi_xml_refs import XmlRecords, handles


@dataclass(frozen=True, slots=True)
class _Person:
    given: str
    family: str
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class _Link:
    student: str
    person: str | None  # the unique id, or None when given by @ref
    ref: str | None
    kind: str  # Parent or Contact
    relationship: str | None
    primary: bool | None
    file: str
    line: int | None


def _first_phone(rec: Element) -> str | None:
    phones = []
    for i, tel in enumerate(rec.iter("Telephone")):
        number = xml_text(tel, "TelephoneNumber")
        if number:
            order = xml_text(tel, "OrderOfPriority")
            rank = int(order) if order and order.isascii() and order.isdigit() else 1_000_000
            phones.append((rank, i, number))
    return min(phones)[2] if phones else None


def _first_email(rec: Element) -> str | None:
    first = None
    for mail in rec.iter("ElectronicMail"):
        address = xml_text(mail, "ElectronicMailAddress")
        if not address:
            continue
        if (xml_text(mail, "PrimaryEmailAddressIndicator") or "").casefold() == "true":
            return address
        first = first or address
    return first


class GuardianRecords(XmlRecords):
    """Parents/contacts and their student associations."""

    def __init__(self, folder: Path, skip_invalid: bool) -> None:
        super().__init__(folder, skip_invalid)
        self.persons: dict[str, _Person] = {}
        self.links: list[_Link] = []

    @handles("Parent", "Contact")
    def _person_of_student(self, rec: Element) -> None:
        uid = self.req(rec, f"{rec.tag}UniqueId")
        key = f"{rec.tag.lower()}:{uid}"
        person = _Person(self.req(rec, "Name/FirstName"), self.req(rec, "Name/LastSurname"),
                         _first_phone(rec), _first_email(rec))
        # checks done (a record rejected above claims no id): commit
        self.claim("guardian_persons", key, rec, rec.tag.lower())
        self.note("guardian_persons", key, rec)
        self.persons[key] = person
        if rec.get("id"):
            self.xml_ids[(rec.tag, rec.attrib["id"])] = uid

    @handles("StudentParentAssociation", "StudentContactAssociation")
    def _association(self, rec: Element) -> None:
        kind = "Parent" if rec.tag == "StudentParentAssociation" else "Contact"
        student = self.student_ref(rec)
        ref_el = rec.find(f"{kind}Reference")
        if ref_el is None:
            raise self.error(None, rec, f"{kind}Reference", "is required but missing")
        person = xml_text(ref_el, f".//{kind}UniqueId")
        if person is None and not ref_el.get("ref"):
            raise self.error(ref_el, rec, f"{kind}Reference",
                             "has neither an identity nor a ref attribute")
        status = (xml_text(rec, "PrimaryContactStatus") or "").casefold()
        if status not in ("", "true", "false", "1", "0"):
            raise self.error(rec.find("PrimaryContactStatus"), rec, "PrimaryContactStatus",
                             f"not a boolean: {status!r}")
        self.links.append(_Link(
            student, person, ref_el.get("ref"), kind, self.desc(rec, "Relation"),
            None if not status else status in ("true", "1"), self.file, xml_line(rec)))

    def resolve(self) -> None:
        seen: set[tuple[str, str]] = set()
        for link in self.links:
            uid = link.person or self.xml_ids.get((link.kind, link.ref or ""))
            person = self.persons.get(f"{link.kind.lower()}:{uid}") if uid else None
            if uid is None or person is None:
                what = f"{link.kind}UniqueId {uid!r}" if uid else f"ref={link.ref!r}"
                self.reject(SourceError(
                    link.file, link.line, f"{link.kind}Reference",
                    f"unknown {link.kind.lower()} {what} (no {link.kind} in this import)"))
                continue
            gid = f"{link.kind.lower()}:{uid}"
            if (link.student, gid) in seen:
                self.reject(SourceError(
                    link.file, link.line, f"{link.kind}Reference",
                    f"duplicate association of {link.kind.lower()} {uid!r} and student "
                    f"{link.student!r}"))
                continue
            seen.add((link.student, gid))
            self.ds.guardians.append(Guardian(
                link.student, gid, person.given, person.family, link.relationship,
                person.phone, person.email, link.primary, self.ds.kind))
            self.ds.origins[("guardians", f"{gid}/{link.student}")] = f"{link.file}:{link.line}"
        super().resolve()
