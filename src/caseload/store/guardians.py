"""Reading students' guardians (``guardians`` table) back as domain records."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from caseload.domain.records import Guardian
from caseload.store.tables import METADATA

guardians_t = METADATA.tables["guardians"]


def guardians_of(conn: Connection, student_ids: Iterable[str]) -> dict[str, list[Guardian]]:
    """Each student's guardians: primary contacts first, then by family and given name."""
    ids = sorted(set(student_ids))
    out: dict[str, list[Guardian]] = {}
    for i in range(0, len(ids), 500):
        for r in conn.execute(select(guardians_t).where(
                guardians_t.c.student_id.in_(ids[i : i + 500]))):
            out.setdefault(r.student_id, []).append(Guardian(
                r.student_id, r.guardian_id, r.given_name, r.family_name, r.relationship,
                r.phone, r.email, r.primary_contact, r.source))
    for found in out.values():
        found.sort(key=lambda g: (g.primary_contact is not True, g.family_name.casefold(),
                                  g.given_name.casefold(), g.guardian_id))
    return out
