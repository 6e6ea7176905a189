"""packed materialized facts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

The materialized facts (caseload.store.facts) are stored as packed arrays (BLOB / bytea)
instead of JSON text and per-day rows, so a cold read decodes them with ``array``: per
student (``mat_student``: enrollment start, absent, unexcused and tardy days; replaces
``mat_day_status``), per class (``mat_class``: title, teacher, period, term, every student's
result dates; replaces ``mat_class_dates``) and per student and class (``mat_class_facts``).

Facts are derived data: the tables are recreated empty and ``mat_state`` is cleared, so the
next reader finds the facts stale and rebuilds them (``facts.refresh``) instead of misreading
the old format. The downgrade does the same with the 0003 tables.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text('DELETE FROM mat_state'))
    op.drop_table('mat_student')
    op.drop_table('mat_day_status')
    op.drop_table('mat_class_facts')
    op.drop_table('mat_class_dates')
    op.create_table('mat_student',
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('enrolled_begin', sa.Date(), nullable=True),
    sa.Column('absent', sa.LargeBinary(), nullable=False),
    sa.Column('unexcused', sa.LargeBinary(), nullable=False),
    sa.Column('tardy', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_mat_student'))
    )
    op.create_table('mat_class',
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('teacher', sa.String(), nullable=True),
    sa.Column('period', sa.String(), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('result_dates', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_mat_class'))
    )
    op.create_table('mat_class_facts',
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('spans', sa.LargeBinary(), nullable=False),
    sa.Column('timeline_days', sa.LargeBinary(), nullable=False),
    sa.Column('timeline_grades', sa.LargeBinary(), nullable=False),
    sa.Column('timeline_nulls', sa.Text(), nullable=True),
    sa.Column('weekly_days', sa.LargeBinary(), nullable=False),
    sa.Column('weekly_grades', sa.LargeBinary(), nullable=False),
    sa.Column('scored', sa.LargeBinary(), nullable=False),
    sa.Column('missing', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('student_id', 'class_id', name=op.f('pk_mat_class_facts'))
    )


def downgrade() -> None:
    # Derived data only: the 0003 tables come back empty and stale, and are rebuilt.
    op.execute(sa.text('DELETE FROM mat_state'))
    op.drop_table('mat_class_facts')
    op.drop_table('mat_class')
    op.drop_table('mat_student')
    op.create_table('mat_class_dates',
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('dates', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_mat_class_dates'))
    )
    op.create_table('mat_class_facts',
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('teacher', sa.String(), nullable=True),
    sa.Column('period', sa.String(), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('spans', sa.Text(), nullable=False),
    sa.Column('timeline', sa.Text(), nullable=False),
    sa.Column('weekly', sa.Text(), nullable=False),
    sa.Column('scored', sa.Text(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('student_id', 'class_id', name=op.f('pk_mat_class_facts'))
    )
    op.create_table('mat_day_status',
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('student_id', 'date', name=op.f('pk_mat_day_status'))
    )
    op.create_table('mat_student',
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('enrolled_begin', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_mat_student'))
    )
