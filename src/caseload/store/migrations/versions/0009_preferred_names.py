"""users' preferred names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

``users.preferred_given_name`` / ``users.preferred_family_name``: OneRoster 1.2
``preferredGivenName``/``preferredFamilyName`` (CSV) and ``preferredFirstName``/
``preferredLastName`` (REST), shown wherever a name is shown (issue 12, "Finding students").
Null for users imported before, and for sources without them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('preferred_given_name', sa.String(), nullable=True))
        batch.add_column(sa.Column('preferred_family_name', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('preferred_family_name')
        batch.drop_column('preferred_given_name')
