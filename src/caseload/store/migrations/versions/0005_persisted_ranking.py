"""persisted caseload ranking per as-of date

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Derived data (caseload.store.ranking): each student's caseload-table row at an as-of date,
so the "all students" view of a large district pages through stored rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mat_rank_state',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(), nullable=False),
    sa.Column('facts_stamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settings', sa.String(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('as_of', 'scope', name=op.f('pk_mat_rank_state'))
    )
    op.create_table('mat_rank',
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
    sa.Column('unexcused_30d', sa.Integer(), nullable=False),
    sa.Column('absence_streak', sa.Integer(), nullable=False),
    sa.Column('below_70', sa.Integer(), nullable=False),
    sa.Column('lowest_grade', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('as_of', 'student_id', name=op.f('pk_mat_rank'))
    )
    op.create_index('ix_mat_rank_order', 'mat_rank', ['as_of', 'risk', 'sort_name'], unique=False)


def downgrade() -> None:
    # Derived data only: the ranking is recomputed from the facts when next needed.
    op.drop_index('ix_mat_rank_order', table_name='mat_rank')
    op.drop_table('mat_rank')
    op.drop_table('mat_rank_state')
