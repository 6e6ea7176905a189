"""audit status, contact method and outcome

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

``audit_log.status``: an export (or a machine-readable notes listing) records its audit row
*before* the file exists, as ``started``, then marks it ``ok`` or ``failed`` (issue 11, "Audit
first"). Rows written before this revision were all recorded after a successful write: ``ok``.

``notes.method`` / ``notes.outcome`` (and the same in ``note_revisions``): how a contact was
made and what came of it (issue 12, "The contact log"); null for notes written before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(
            sa.Column('status', sa.String(), nullable=False, server_default='ok')
        )
    for table in ('notes', 'note_revisions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('method', sa.String(), nullable=True))
            batch.add_column(sa.Column('outcome', sa.String(), nullable=True))


def downgrade() -> None:
    for table in ('note_revisions', 'notes'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('outcome')
            batch.drop_column('method')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('status')
