"""users by school, on SQLite too

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

``ix_users_school_role`` (school_id, role): the people of one school, found without reading
the district's users. A drill-down asks how far its student's school's attendance counts
(store/attendance_coverage.py: ``school_coverage``); without the index SQLite read every user (75,000
students and their guardians and teachers) on each student and class screen. PostgreSQL has
had the index since 0012 (the access policies look students up by school: access.py), so it
is made where it is missing and, going down, dropped on SQLite only.
"""
from alembic import op


revision = '0015'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_users_school_role ON users (school_id, role)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":  # there it belongs to 0012's schema
        op.drop_index('ix_users_school_role', table_name='users')
