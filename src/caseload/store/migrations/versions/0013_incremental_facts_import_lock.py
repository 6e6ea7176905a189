"""incremental facts (mat_pending) and the import lock (import_lock)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

``mat_pending``: the students an import or sync changed, written by the loader in its own
transaction, so the facts refresh recomputes only them (issue 13, "Incremental facts").
``import_lock``: the import or sync running now, so a second one waits for it and says whose
it is (issue 13, "Writes never fail under load"). Both derived/bookkeeping: no source data.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mat_pending',
        sa.Column('student_id', sa.String(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('student_id', 'run_id', name=op.f('pk_mat_pending')),
    )
    op.create_table(
        'import_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_by', sa.String(), nullable=False),
        sa.Column('host', sa.String(), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('what', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_lock')),
    )
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':  # shared database: pending students are student data
        from caseload.store import access, access_frozen as frozen

        access.apply_policies(conn, ('mat_pending',), frozen.POLICIES_0022)


def downgrade() -> None:
    op.drop_table('import_lock')
    op.drop_table('mat_pending')
