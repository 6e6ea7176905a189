"""Every cache table is classified for access control (issue 13): policed by row-level
security (``caseload.store.access.POLICIES``) or shared whole (``SHARED_TABLES``). A new
table in neither is never granted to a login, so it fails here until someone decides."""

from __future__ import annotations

import caseload.store.notes  # noqa: F401  (registers the notes tables)
from caseload.store import access, access_frozen
from caseload.store.tables import METADATA


def test_every_cache_table_is_policed_or_shared() -> None:
    known = set(access.POLICIES) | set(access.SHARED_TABLES)
    assert sorted(set(METADATA.tables) - known) == []
    assert not set(access.POLICIES) & set(access.SHARED_TABLES)


def test_tables_with_a_student_column_are_policed() -> None:
    for name, table in METADATA.tables.items():
        if {"student_id", "user_id"} & set(table.c.keys()):
            assert name in access.POLICIES, name


def test_note_history_compares_every_column_of_a_note() -> None:
    """The note-history trigger and the note_revisions policy compare a saved version with
    the note column for column (0021). A new note column needs a migration that recreates
    both with it (``access.create_note_history``, ``apply_policies``) and a new list."""
    notes, revisions = METADATA.tables["notes"], METADATA.tables["note_revisions"]
    shared = set(notes.c.keys()) & set(revisions.c.keys()) - {"revision"}
    assert sorted(access_frozen.NOTE_HISTORY_0021) == sorted(shared)


def test_note_history_leaves_no_column_of_a_note_unchecked() -> None:
    """(review s19) The check above takes the columns a note and a revision share: a column
    added to ``notes`` alone would be compared by neither the trigger nor the policy, and a
    login could rewrite it freely. Every note column but its id and revision is compared."""
    notes = METADATA.tables["notes"]
    assert set(notes.c.keys()) - {"id", "revision"} == set(access_frozen.NOTE_HISTORY_0021)
