""""since you last looked" is each person's own: last_seen keyed by viewer and scope

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

``last_seen.viewer``: who looked (on PostgreSQL the person of the login's grant; "" for the
cache's owner and on SQLite, which has one user), beside ``scope`` (the caseload looked at:
a counselor's id, "" for every student the viewer sees). Before, one row per scope served
everyone: a district login looking at a counselor's caseload moved that counselor's "since"
date, and a school lead, whose grant covers no counselor's row, got no "since you last
looked" at all. A login now reads and writes its own rows only.

Rows already written keep their dates: on PostgreSQL a counselor's scope was written by that
counselor's login (the old policy let no other login write it but a district one, and the
owner), so such a row becomes its counselor's (``viewer`` = ``scope``); the rest become the
owner's (""): a district login's earlier "every student" date is then the owner's, and that
login's next opening shows no "since you last looked" once.
"""
import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = "0019"
branch_labels = None
depends_on = None

def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table('last_seen') as batch:
        batch.add_column(sa.Column('viewer', sa.String(), nullable=False, server_default=''))
    if conn.dialect.name == 'postgresql':
        op.execute("UPDATE last_seen SET viewer = scope WHERE scope <> ''")
    with op.batch_alter_table('last_seen') as batch:
        batch.alter_column('viewer', server_default=None)
        batch.drop_constraint('pk_last_seen', type_='primary')
        batch.create_primary_key('pk_last_seen', ['viewer', 'scope'])
    if conn.dialect.name == 'postgresql':
        from caseload.store import access, access_frozen as frozen

        access.apply_policies(conn, ('last_seen',), frozen.POLICIES_0022)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':  # (first: the policies name the column dropped below)
        from caseload.store import access, access_frozen as frozen

        access.apply_policies(conn, ('last_seen',), {'last_seen': frozen.LAST_SEEN_0014})
    # one row per scope again: the latest look at it, whoever's
    op.execute(
        "DELETE FROM last_seen WHERE EXISTS (SELECT 1 FROM last_seen newer "
        "WHERE newer.scope = last_seen.scope AND (newer.seen_at > last_seen.seen_at OR "
        "(newer.seen_at = last_seen.seen_at AND newer.viewer > last_seen.viewer)))"
    )
    with op.batch_alter_table('last_seen') as batch:
        batch.drop_constraint('pk_last_seen', type_='primary')
        batch.create_primary_key('pk_last_seen', ['scope'])
        batch.drop_column('viewer')
