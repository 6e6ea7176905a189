"""students' parts in incidents: their own description

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06

``student_incidents.description``: the detailed description of a student's own part in a
discipline incident (Ed-Fi ``BehaviorDetailedDescription`` of a
StudentDisciplineIncidentBehaviorAssociation, or of a DS 4 StudentDisciplineIncidentAssociation's
behavior), which the student screen shows for that student in place of the incident's
description. NULL when the source gives none (OneRoster, and every row written before this
revision: the incident's description is shown, as before). Both backends; student_incidents
is already policed on PostgreSQL, and a new column needs no policy change.
"""
import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('student_incidents') as batch:
        batch.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('student_incidents') as batch:
        batch.drop_column('description')
