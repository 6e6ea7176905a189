"""who last changed a note; excused results

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

``notes.updated_by`` (and the same in ``note_revisions``): the id of whoever saved the note's
latest version (an edit, a done, a delete or a restore), so a conflicting edit can say in
plain words who changed the note and when (issue 12, "The contact log"). Notes written before
this revision were last saved by their author as far as the cache knows: backfilled with
``author_id``.

``results.excused``: an exempt result whose source said "excused" (a district's own Ed-Fi
SubmissionStatusDescriptor; no standard value says so), shown as "excused" on the class page
and graded as exempt. False for results imported before (they were stored as exempt; a
re-import or sync tells them apart).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('notes', 'note_revisions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('updated_by', sa.String(), nullable=True))
        op.execute(f"UPDATE {table} SET updated_by = author_id WHERE updated_by IS NULL")
    with op.batch_alter_table('results') as batch:
        batch.add_column(
            sa.Column('excused', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('results') as batch:
        batch.drop_column('excused')
    for table in ('note_revisions', 'notes'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('updated_by')
