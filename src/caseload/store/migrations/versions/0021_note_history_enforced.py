"""notes: a granted login changes a note only with its history kept (PostgreSQL)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05

PostgreSQL only (a shared database; SQLite has one user). The app saves a note's version in
``note_revisions`` before it edits or deletes the note, and raises the note's revision by
one. A granted login may update its own notes, so in plain SQL it could rewrite one (its
text, its date, its confidentiality) with no trace in the history. A trigger now refuses a
login's update of a note unless the version it replaces is saved, column for column, and the
revision goes up by one; a note's id, student, author and creation time never change, and the
new version is signed by the login's person (``caseload.store.access.create_note_history``).
A login's note, each new version of it and each saved version are dated by the database's
clock (``created_at``, ``updated_at``, ``deleted_at``, ``replaced_at``): the app's clock, a
laptop's, would let a login date an edit years back. The owner is not checked (it owns the
tables, and could drop the triggers).

The ``note_revisions`` policy compared a saved version with the note on its author, student,
revision and text only: a login could save as the note's history a version that never was
(another contact date, not confidential). It now compares every column. A downgrade keeps
the stricter policy (the earlier caseload's revisions satisfy it) and drops the trigger.
"""
from alembic import op


revision = '0021'
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.create_note_history(conn, frozen.NOTE_HISTORY_0021, frozen.NOTE_HISTORY_SQL_0021)
        access.apply_policies(conn, ('note_revisions',), frozen.POLICIES_0022)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access

        access.drop_note_history(conn)
