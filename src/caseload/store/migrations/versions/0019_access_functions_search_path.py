"""access: the SECURITY DEFINER functions search the cache's schema, then pg_temp; a note
revision may only be its author's note as it stands

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05

PostgreSQL only (a shared database; SQLite has one user). The functions the row-level
security policies call (``caseload_visible_students`` and the others) ran with the search
path they were created under ("FROM CURRENT"), which does not name ``pg_temp``: PostgreSQL then
searches a session's temporary schema first, so a granted login could create a temporary table
named ``caseload_grants`` holding a district grant for itself and see every student. They are
created again with ``SET search_path = <schema>, pg_temp`` (``access.create_functions``).
And a login could insert a revision for any note it could read (a forged history); the
insert policy of ``note_revisions`` now requires the login's own note, at the revision and
with the text the revision copies.
"""
from alembic import op


revision = '0019'
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.create_functions(conn, frozen.FUNCTIONS_0019)
        access.apply_policies(conn, ('note_revisions',), frozen.POLICIES_0022)


def downgrade() -> None:
    # The earlier, unsafe search path and policy are not put back: a downgrade keeps the
    # stricter ones, which the earlier caseload satisfies.
    pass
