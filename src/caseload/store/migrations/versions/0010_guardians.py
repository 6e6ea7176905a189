"""guardians

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

``guardians``: a student's parents, guardians and relatives (issue 12, "Guardians"), one row
per student and guardian: OneRoster users with role guardian/parent/relative linked through
``agentSourcedIds``, Ed-Fi Parent/Contact with their student associations. Empty for caches
imported before (the next import fills it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'guardians',
        sa.Column('student_id', sa.String(), nullable=False),
        sa.Column('guardian_id', sa.String(), nullable=False),
        sa.Column('given_name', sa.String(), nullable=False),
        sa.Column('family_name', sa.String(), nullable=False),
        sa.Column('relationship', sa.String(), nullable=True),
        sa.Column('phone', sa.String(), nullable=True),
        sa.Column('email', sa.String(), nullable=True),
        sa.Column('primary_contact', sa.Boolean(), nullable=True),
        sa.Column('source', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('student_id', 'guardian_id', name=op.f('pk_guardians')),
    )
    op.create_index(op.f('ix_guardians_guardian_id'), 'guardians', ['guardian_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_guardians_guardian_id'), table_name='guardians')
    op.drop_table('guardians')
