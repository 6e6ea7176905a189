"""The tables of what the counselor writes: notes, their revisions, unsaved drafts and the
export audit log (see :mod:`caseload.store.notes`). Importing this module registers them on
``METADATA``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text
from sqlmodel import Field

from caseload.store.tables import METADATA, CacheModel


class _NoteColumns(CacheModel):
    """The columns a note and each of its revisions both have (a revision is a full copy)."""

    student_id: str
    author_id: str
    contact_date: dt.date
    type: str
    flags: str = Field(sa_type=Text, nullable=False)  # JSON array (the store writes "[]" for none)
    class_id: str | None = None
    text: str = Field(sa_type=Text, nullable=False)
    follow_up: dt.date | None = None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted: bool = False
    deleted_at: dt.datetime | None = None
    method: str | None = None  # ContactMethod (0008)
    outcome: str | None = None  # ContactOutcome (0008)
    confidential: bool = False  # read only by its author where access is enforced (0012)
    updated_by: str | None = None  # who saved this version (0011; backfilled: the author)


class NoteRow(_NoteColumns, table=True):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_student_date", "student_id", "contact_date"),
        Index("ix_notes_follow_up", "follow_up"),
    )
    id: int | None = Field(default=None, primary_key=True)
    status: str = "open"
    revision: int = 1


class NoteRevisionRow(_NoteColumns, table=True):
    """A full copy of a note as it was before an edit replaced it."""

    __tablename__ = "note_revisions"
    note_id: int = Field(
        sa_column=Column(Integer, ForeignKey("notes.id"), primary_key=True, nullable=False)
    )
    revision: int = Field(primary_key=True)
    replaced_at: dt.datetime


class NoteDraftRow(CacheModel, table=True):
    """Unsaved editor contents, one per (author, student, note; 0 = a new note)."""

    __tablename__ = "note_drafts"
    author_id: str = Field(primary_key=True)
    student_id: str = Field(primary_key=True)
    note_key: int = Field(default=0, primary_key=True)  # the note id, or 0 for a new note
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON object
    saved_at: dt.datetime


class AuditRow(CacheModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    actor: str
    action: str
    scope: str
    format: str
    path: str = Field(sa_column=Column(Text, nullable=False))
    count: int
    # started (recorded before the file exists), then ok or failed; see AuditStatus
    status: str = Field(
        default="ok", sa_column=Column(String, nullable=False, server_default="ok")
    )


NOTE_TABLES = ("notes", "note_revisions", "note_drafts", "audit_log")
NOTES: Table = METADATA.tables["notes"]
REVISIONS: Table = METADATA.tables["note_revisions"]
DRAFTS: Table = METADATA.tables["note_drafts"]
AUDIT: Table = METADATA.tables["audit_log"]
