"""initial cache schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
  
    op.create_table('academic_sessions',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('parent_id', sa.String(), nullable=True),
    sa.Column('school_year', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_academic_sessions'))
    )
    op.create_table('attendance_events',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('category', sa.String(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=True),
    sa.Column('period', sa.String(), nullable=True),
    sa.Column('school_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_attendance_events'))
    )
    with op.batch_alter_table('attendance_events', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_student_date', ['student_id', 'date'], unique=False)

    op.create_table('calendar_days',
    sa.Column('school_id', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('instructional', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'date', name=op.f('pk_calendar_days'))
    )
    op.create_table('caseloads',
    sa.Column('counselor_id', sa.String(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('counselor_id', 'student_id', name=op.f('pk_caseloads'))
    )
    with op.batch_alter_table('caseloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caseloads_student_id'), ['student_id'], unique=False)

    op.create_table('categories',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('class_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_categories'))
    )
    op.create_table('classes',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('course_id', sa.String(), nullable=True),
    sa.Column('school_id', sa.String(), nullable=True),
    sa.Column('class_code', sa.String(), nullable=True),
    sa.Column('term_ids', sa.String(), nullable=False),
    sa.Column('period', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_classes'))
    )
    op.create_table('courses',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('course_code', sa.String(), nullable=True),
    sa.Column('school_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_courses'))
    )
    op.create_table('discipline_incidents',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('school_id', sa.String(), nullable=True),
    sa.Column('behavior', sa.String(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('location', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_discipline_incidents'))
    )
    op.create_table('enrollments',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('user_id', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('begin_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('primary', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_enrollments'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_class_role', ['class_id', 'role'], unique=False)
        batch_op.create_index('ix_enrollments_user_class', ['user_id', 'class_id'], unique=False)

    op.create_table('grading_policies',
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('method', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_grading_policies'))
    )
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('counts', sa.String(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_table('line_items',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('title', sa.String(), nullable=False),
    sa.Column('category_id', sa.String(), nullable=True),
    sa.Column('assign_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('min_points', sa.Float(), nullable=False),
    sa.Column('max_points', sa.Float(), nullable=True),
    sa.Column('grading_period_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_line_items'))
    )
    with op.batch_alter_table('line_items', schema=None) as batch_op:
        batch_op.create_index('ix_line_items_class_due', ['class_id', 'due_date'], unique=False)

    op.create_table('orgs',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('identifier', sa.String(), nullable=True),
    sa.Column('parent_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_orgs'))
    )
    op.create_table('policy_categories',
    sa.Column('class_id', sa.String(), nullable=False),
    sa.Column('category_id', sa.String(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('drop_lowest', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('class_id', 'category_id', name=op.f('pk_policy_categories'))
    )
    op.create_table('results',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('line_item_id', sa.String(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('score_date', sa.Date(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('missing', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_results'))
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_line_item', ['line_item_id'], unique=False)
        batch_op.create_index('ix_results_student_line_item', ['student_id', 'line_item_id'], unique=False)

    op.create_table('student_incidents',
    sa.Column('incident_id', sa.String(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('behavior', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('incident_id', 'student_id', name=op.f('pk_student_incidents'))
    )
    with op.batch_alter_table('student_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_incidents_student_id'), ['student_id'], unique=False)

    op.create_table('users',
    sa.Column('sourced_id', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('given_name', sa.String(), nullable=False),
    sa.Column('family_name', sa.String(), nullable=False),
    sa.Column('middle_name', sa.String(), nullable=True),
    sa.Column('identifier', sa.String(), nullable=True),
    sa.Column('state_id', sa.String(), nullable=True),
    sa.Column('grade_level', sa.String(), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('email', sa.String(), nullable=True),
    sa.Column('school_id', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('sourced_id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_identifier'), ['identifier'], unique=False)
        batch_op.create_index('ix_users_role_family', ['role', 'family_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_state_id'), ['state_id'], unique=False)




def downgrade() -> None:
  
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_state_id'))
        batch_op.drop_index('ix_users_role_family')
        batch_op.drop_index(batch_op.f('ix_users_identifier'))

    op.drop_table('users')
    with op.batch_alter_table('student_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_incidents_student_id'))

    op.drop_table('student_incidents')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_student_line_item')
        batch_op.drop_index('ix_results_line_item')

    op.drop_table('results')
    op.drop_table('policy_categories')
    op.drop_table('orgs')
    with op.batch_alter_table('line_items', schema=None) as batch_op:
        batch_op.drop_index('ix_line_items_class_due')

    op.drop_table('line_items')
    op.drop_table('import_runs')
    op.drop_table('grading_policies')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_user_class')
        batch_op.drop_index('ix_enrollments_class_role')

    op.drop_table('enrollments')
    op.drop_table('discipline_incidents')
    op.drop_table('courses')
    op.drop_table('classes')
    op.drop_table('categories')
    with op.batch_alter_table('caseloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caseloads_student_id'))

    op.drop_table('caseloads')
    op.drop_table('calendar_days')
    with op.batch_alter_table('attendance_events', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_student_date')

    op.drop_table('attendance_events')
    op.drop_table('academic_sessions')

