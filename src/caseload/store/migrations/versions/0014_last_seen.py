"""when each counselor last looked

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

``last_seen``: per scope ("" for every student, else a counselor id), when the app was last
opened on it and the as-of date it showed: the next opening's "since you last looked" date
(issue 14 §2). Written by the app, never by an import.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('last_seen',
    sa.Column('scope', sa.String(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_last_seen'))
    )
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':  # shared database: a login sees its own person's row
        from caseload.store import access, access_frozen as frozen

        access.apply_policies(conn, ('last_seen',), {'last_seen': frozen.LAST_SEEN_0014})


def downgrade() -> None:
    op.drop_table('last_seen')
