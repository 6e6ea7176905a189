"""audit log: a granted login may only settle the status of its own started entries

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

PostgreSQL only (a shared database; SQLite has one user). A granted login had UPDATE on the
whole ``audit_log`` table, and the policy checked only that the entry was its own: in plain
SQL it could rewrite an export's count, path, time or status after the fact. The policy now
lets it update only its entries still ``started`` (an export records its entry before writing
the file, then sets ``ok`` or ``failed``), and its privilege is UPDATE on the ``status``
column alone (``caseload.store.access``; the privileges are renewed after every upgrade).
"""
from alembic import op


revision = '0018'
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.apply_policies(conn, ('audit_log',), frozen.POLICIES_0022)


def downgrade() -> None:
    # The earlier policy (own entries, any column) is not put back: a downgrade keeps the
    # stricter one, which the earlier caseload's exports satisfy.
    pass
