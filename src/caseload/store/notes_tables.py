"""The tables of what the counselor writes: notes, their revisions, unsaved drafts and the
export audit log (see :mod:`caseload.store.notes`; defined in :mod:`caseload.store.models`,
read from :mod:`caseload.store.tables` like every table).
"""

from __future__ import annotations

from sqlalchemy import Table

from caseload.store.tables import METADATA

NOTE_TABLES = ("notes", "note_revisions", "note_drafts", "audit_log")
NOTES: Table = METADATA.tables["notes"]
REVISIONS: Table = METADATA.tables["note_revisions"]
DRAFTS: Table = METADATA.tables["note_drafts"]
AUDIT: Table = METADATA.tables["audit_log"]
