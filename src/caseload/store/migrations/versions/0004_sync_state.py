"""sync state: each source's high-water mark for incremental syncs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

One row per configured sync source (caseload.sources.sync), written in the same transaction
as the sync's data. Holds no secrets.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_state',
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('mark_type', sa.String(), nullable=False),
    sa.Column('mark', sa.String(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_sync_state'))
    )


def downgrade() -> None:
    # Only forgets where incremental syncs got to: the next sync is a full one.
    op.drop_table('sync_state')
