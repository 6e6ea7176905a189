"""A contact note about a student with one of their guardians filled in (issue 12).

Notes have no field of their own for the person contacted, so the note's text starts with a
``Contact:`` line naming the guardian, their relationship and the number or address used; the
note's type is a parent/guardian contact and its method the phone when there is one, else email.
"""

from __future__ import annotations

from typing import Any

from caseload.domain.notes import ContactMethod, NoteType
from caseload.domain.records import Guardian


def contact_line(guardian: Guardian) -> str:
    """``Contact: Rosa Able (parent, primary contact), 555-0101``: only what is known."""
    about = [w for w in (guardian.relationship,
                         "primary contact" if guardian.primary_contact else None) if w]
    line = f"Contact: {guardian.name}"
    if about:
        line += f" ({', '.join(about)})"
    reach = guardian.phone or guardian.email
    if reach:
        line += f", {reach}"
    return line


def note_prefill(guardian: Guardian) -> dict[str, Any]:
    """The note editor's fields for a contact with ``guardian`` (the editor's payload keys)."""
    method = (ContactMethod.PHONE if guardian.phone
              else ContactMethod.EMAIL if guardian.email else None)
    return {"type": NoteType.PARENT_CONTACT.value, "method": method.value if method else "",
            "text": contact_line(guardian) + "\n"}
