"""Ed-Fi ODS/API guardians: ``parents`` and ``studentParentAssociations`` (Data Standard 4),
``contacts`` and ``studentContactAssociations`` (Data Standard 5 and later), read as the XML
reader reads ``InterchangeParent``/``InterchangeContact``
(:mod:`caseload.sources.edfi_xml_guardians`):
ids ``parent:{parentUniqueId}``/``contact:{contactUniqueId}``, the ``relationDescriptor`` value,
``primaryContactStatus`` (absent: unknown), the first of ``telephones`` by ``orderOfPriority``
and the ``electronicMails`` entry with ``primaryEmailAddressIndicator`` (else the first).

Payload in, records out. An association whose parent or contact is not among the items is an
error naming resource, record and field in a full sync; in an incremental sync it is handed to
:func:`caseload.sources.edfi_sync.keep_cached` (``CacheNeeds.guardian_links``), which takes
the person from the cache.
"""

from __future__ import annotations

from typing import Any

from caseload.domain.records import Guardian
from caseload.sources.dataset import SourceError
from caseload.sources.edfi_api_fields import Item, JsonRecords

# (student id, guardian id, relationship, primary contact, resource (record), origin)
PendingLink = tuple[str, str, str | None, bool | None, SourceError, str | None]


class GuardianJson(JsonRecords):
    """The four resources' handlers (mixed into the Ed-Fi API mapper)."""

    def init_guardians(self) -> None:
        self.guardian_persons: dict[str, tuple[str, str, str | None, str | None]] = {}
        self.guardian_links: list[PendingLink] = []
        self.handlers.update({
            "parents": self._guardian_person, "contacts": self._guardian_person,
            "studentParentAssociations": self._guardian_link,
            "studentContactAssociations": self._guardian_link,
        })

    def _kind(self) -> str:
        return "parent" if "arent" in self.resource else "contact"

    def _guardian_person(self, item: Item) -> None:
        kind = self._kind()
        gid = f"{kind}:{self.req(item, f'{kind}UniqueId')}"
        self.claim("guardian_persons", gid, kind)
        self.note("guardian_persons", gid)
        phones: list[tuple[float, int, str]] = []
        for i, tel in enumerate(self.array(item, "telephones")):
            number = self.soft(tel, "telephoneNumber")
            if number:
                order = self.soft(tel, "orderOfPriority")
                # ("²".isdigit() is True, and int("²") fails)
                rank = int(order) if order and order.isascii() and order.isdigit() else 1e9
                phones.append((rank, i, number))
        email = None
        for mail in self.array(item, "electronicMails"):
            address = self.soft(mail, "electronicMailAddress")
            primary = isinstance(mail, dict) and mail.get("primaryEmailAddressIndicator")
            if address and primary is True:
                email = address
                break
            email = email or address
        self.guardian_persons[gid] = (self.req(item, "firstName"), self.req(item, "lastSurname"),
                                      min(phones)[2] if phones else None, email)

    def _guardian_link(self, item: Item) -> None:
        kind = self._kind()
        student = self.student_ref(item)
        at = f"{kind}Reference"
        gid = f"{kind}:{self.req(self.ref(item, at), f'{kind}UniqueId', at)}"
        primary: Any = item.get("primaryContactStatus")
        if primary is not None and not isinstance(primary, bool):
            raise self.error("primaryContactStatus", "expected true or false")
        self.claim("guardians", f"{gid}/{student}", f"{kind} association")
        self.note("guardians", f"{gid}/{student}")
        missing = self.error(at, f"unknown {kind} {gid.split(':', 1)[1]!r} (not in this sync)")
        self.guardian_links.append((student, gid, self.desc(item, "relationDescriptor"), primary,
                                    missing, self.origin()))

    def guardians_finish(self, incremental: bool) -> list[PendingLink]:
        """Links to ``ds.guardians``; those whose person is not among the items: returned
        (incremental), or errors (a full sync: the items are the whole truth)."""
        pending = []
        for student, gid, relationship, primary, missing, _origin in self.guardian_links:
            person = self.guardian_persons.get(gid)
            if person is None:
                if incremental:
                    pending.append((student, gid, relationship, primary, missing, _origin))
                else:
                    self._reject(missing)
                continue
            self.ds.guardians.append(Guardian(student, gid, *person[:2], relationship,
                                              person[2], person[3], primary, self.ds.kind))
        return pending
