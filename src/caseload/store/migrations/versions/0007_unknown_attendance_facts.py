"""facts and ranking that carry "unknown"

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Issue 11 §1: what was not loaded is unknown, never 0, 100% or "present". The materialized
facts (caseload.store.facts) gain ``mat_student.attendance_through`` (the day the student's
school's attendance was recorded through; NULL: no attendance loaded for it, unknown) and
``mat_class.gradebook`` (False: the class has no line items, "no gradebook"). The stored
ranking (caseload.store.ranking) lets ``unexcused_30d`` and ``absence_streak`` be NULL
(unknown) and gains ``attendance_through``.

Facts and rankings are derived data: the tables are recreated empty and ``mat_state`` and
``mat_rank_state`` are cleared, so the next reader finds them stale and rebuilds them instead
of misreading rows computed when a school without attendance read as 100% present. The
downgrade does the same with the 0006 tables.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _mat_student(unknown: bool) -> None:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column('student_id', sa.String(), nullable=False),
        sa.Column('enrolled_begin', sa.Date(), nullable=True),
        sa.Column('absent', sa.LargeBinary(), nullable=False),
        sa.Column('unexcused', sa.LargeBinary(), nullable=False),
        sa.Column('tardy', sa.LargeBinary(), nullable=False),
    ]
    if unknown:
        columns.append(sa.Column('attendance_through', sa.Date(), nullable=True))
    op.create_table('mat_student', *columns,
                    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_mat_student')))


def _mat_class(unknown: bool) -> None:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column('class_id', sa.String(), nullable=False),
        sa.Column('title', sa.String(), nullable=False),
        sa.Column('teacher', sa.String(), nullable=True),
        sa.Column('period', sa.String(), nullable=True),
        sa.Column('term_start', sa.Date(), nullable=True),
        sa.Column('term_end', sa.Date(), nullable=True),
        sa.Column('result_dates', sa.LargeBinary(), nullable=False),
    ]
    if unknown:
        columns.append(sa.Column('gradebook', sa.Boolean(), nullable=False))
    op.create_table('mat_class', *columns,
                    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_mat_class')))


def _mat_rank(unknown: bool) -> None:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('student_id', sa.String(), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('sort_name', sa.String(), nullable=False),
        sa.Column('grade_level', sa.String(), nullable=True),
        sa.Column('local_id', sa.String(), nullable=True),
        sa.Column('counselor_ids', sa.String(), nullable=False),
        sa.Column('risk', sa.Integer(), nullable=False),
        sa.Column('flags', sa.String(), nullable=False),
        sa.Column('attendance_rate', sa.Float(), nullable=True),
        sa.Column('unexcused_30d', sa.Integer(), nullable=unknown),
        sa.Column('absence_streak', sa.Integer(), nullable=unknown),
        sa.Column('below_70', sa.Integer(), nullable=False),
        sa.Column('lowest_grade', sa.Float(), nullable=True),
    ]
    if unknown:
        columns.append(sa.Column('attendance_through', sa.Date(), nullable=True))
    op.create_table('mat_rank', *columns,
                    sa.PrimaryKeyConstraint('as_of', 'student_id', name=op.f('pk_mat_rank')))
    op.create_index('ix_mat_rank_order', 'mat_rank', ['as_of', 'risk', 'sort_name'],
                    unique=False)


def _recreate(unknown: bool) -> None:
    op.execute(sa.text('DELETE FROM mat_state'))
    op.execute(sa.text('DELETE FROM mat_rank_state'))
    op.execute(sa.text('DELETE FROM mat_class_facts'))
    op.drop_index('ix_mat_rank_order', table_name='mat_rank')
    op.drop_table('mat_rank')
    op.drop_table('mat_class')
    op.drop_table('mat_student')
    _mat_student(unknown)
    _mat_class(unknown)
    _mat_rank(unknown)


def upgrade() -> None:
    _recreate(unknown=True)


def downgrade() -> None:
    # Derived data only: the 0006 tables come back empty and stale, and are rebuilt.
    _recreate(unknown=False)
