"""notes: a granted login's new note is its first revision, saved by the login (PostgreSQL)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05

PostgreSQL only. 0021 keeps a note's history when a login changes it, but a login could
still insert a note that claims a history it never had: at revision 7 (versions 1-6 never
saved) or with ``updated_by`` a colleague (a version signed by someone else). The ``notes``
insert policy now asks for revision 1 and ``updated_by`` the login's own person, as the app's
``NotesStore.add`` writes. A downgrade keeps the stricter policy (the earlier caseload's
notes satisfy it).
"""
from alembic import op


revision = '0022'
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.apply_policies(conn, ('notes',), frozen.POLICIES_0022)


def downgrade() -> None:
    # The earlier policy is not put back: a downgrade keeps the stricter one, which the
    # earlier caseload's notes satisfy.
    pass
