"""access enforced by the database: grants, row-level security, confidential notes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10

Issue 13, "Access enforced by the database". ``notes.confidential`` and its copy in ``note_revisions`` (both backends; false for
every note written before): a confidential note is read only by its author. On PostgreSQL
only: the owner-only ``caseload_grants`` table (login -> person and scope), the SECURITY
DEFINER functions the policies call, and row-level security policies on every table that
holds student data (frozen in ``caseload.store.access_frozen``: the snapshots of their
latest text, which later revisions apply too). SQLite is one user: nothing more.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('notes', 'note_revisions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('confidential', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.create_schema(
            conn, frozen.CREATE_GRANTS_0012, frozen.FUNCTIONS_0019, frozen.POLICIES_0022
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access

        access.drop_schema(conn)
    for table in ('note_revisions', 'notes'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('confidential')
