"""results: the percentage an Ed-Fi score was read from

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

``results.score_percent``: an Ed-Fi StudentGradebookEntry's ``NumericGradeEarned``, a
percentage, when the result's score was read from it as that share of the gradebook entry's
maximum (85 on an entry with ``MaxPoints`` 10 is 8.5 points; out of 100, 85). NULL when the
score is in the line item's points as the source gave them (OneRoster, Ed-Fi's
``PointsEarned``, and every row written before this revision). An incremental sync or a
partial import that changes an entry's maximum reads its percentage scores again from this,
as a full import would (the load's ``score_percentages``; docs/DATA_FORMATS.md). Both
backends; results is already policed on PostgreSQL, and a new column needs no policy change.
"""
import sqlalchemy as sa
from alembic import op


revision = '0026'
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('results') as batch:
        batch.add_column(sa.Column('score_percent', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('results') as batch:
        batch.drop_column('score_percent')
