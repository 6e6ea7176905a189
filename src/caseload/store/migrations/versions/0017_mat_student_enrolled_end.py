"""materialized student facts: the last enrolled day

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

``mat_student.enrolled_end``: the last day of the student's last enrollment when every one of
them has ended (a student who withdrew), NULL when no end is known. Days after it are not
enrolled: the attendance figures stop counting there instead of taking them as present. The
facts stored before this revision are stale (``caseload.store.facts.RULES`` 3): the first use
rebuilds them.
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mat_student') as batch:
        batch.add_column(sa.Column('enrolled_end', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mat_student') as batch:
        batch.drop_column('enrolled_end')
