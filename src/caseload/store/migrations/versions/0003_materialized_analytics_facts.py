"""materialized analytics facts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa



revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
  
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
    op.create_table('mat_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('settings', sa.String(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mat_state'))
    )
    op.create_table('mat_student',
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('enrolled_begin', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_mat_student'))
    )



def downgrade() -> None:
  
    op.drop_table('mat_student')
    op.drop_table('mat_state')
    op.drop_table('mat_day_status')
    op.drop_table('mat_class_facts')
    op.drop_table('mat_class_dates')

