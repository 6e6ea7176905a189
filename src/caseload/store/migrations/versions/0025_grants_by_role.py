"""access: a grant is bound to the role granted, not to its name; a login's audit entries
are dated by the database

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06

PostgreSQL only (a shared database; SQLite has one user). Grants were keyed by the login's
name: when its role was dropped (the DBA's ``DROP OWNED BY x; DROP ROLE x``, or a restore
into a cluster without it) the grant stayed, and a new, unrelated role of that name was given
the old scope: at once by the functions the policies call, and its privileges at the next
upgrade (audit s20c, finding 1). ``caseload_grants.role_oid`` now records the granted role's
OID; each existing grant is bound to the role of its name as it is now (none: it matches no
role until it is granted again). The SECURITY DEFINER functions answer only when the
session's role is that role, and ``access.sync_privileges`` renews only such logins.

And ``audit_log.at`` came from the client: a login could append an export dated 2019 in plain
SQL (finding 8). A trigger dates a login's entry by the database's clock, as its notes are
(0021); the owner is not checked.

A downgrade puts back the 0019 functions, drops the column and the trigger (an upgrade again
binds each grant to the role then of its name).
"""
from alembic import op


revision = '0025'
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.alter_grants(conn, frozen.BIND_GRANTS_0025)
        access.create_functions(conn, frozen.FUNCTIONS_0025)
        access.create_audit_clock(conn, frozen.AUDIT_CLOCK_SQL_0025)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.drop_audit_clock(conn)
        access.create_functions(conn, frozen.FUNCTIONS_0019)
        access.alter_grants(conn, frozen.UNBIND_GRANTS_0025)
