"""line items: whether the source stated the maximum (Ed-Fi MaxPoints)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05

``line_items.max_stated``: True when an Ed-Fi gradebook entry gave its ``MaxPoints``; False
when it gave none, so it is read out of 100, or has no maximum when ``PointsEarned`` score it
(docs/DATA_FORMATS.md); NULL when not told (OneRoster, and every line item written before
this revision). An incremental sync or a partial import sees only some of an entry's records:
with this, points for an entry cached out of an assumed 100 make it one with no maximum, as
a full import would, and an entry re-sent alone keeps the no maximum it had (the load's
``keep_cached_maxima``). Both backends; line_items is shared whole on PostgreSQL (no policy).
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('line_items') as batch:
        batch.add_column(sa.Column('max_stated', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('line_items') as batch:
        batch.drop_column('max_stated')
