"""intervention notes, revisions, drafts and the audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Tables for what the counselor writes (caseload.store.notes). Imports never touch them.
Timestamps are timezone-aware UTC, as in 0001.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('author_id', sa.String(), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Date(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    op.create_index('ix_notes_student_date', 'notes', ['student_id', 'contact_date'], unique=False)
    op.create_index('ix_notes_follow_up', 'notes', ['follow_up'], unique=False)

    op.create_table('note_revisions',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('author_id', sa.String(), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('class_id', sa.String(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Date(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'],
                            name=op.f('fk_note_revisions_note_id_notes')),
    sa.PrimaryKeyConstraint('note_id', 'revision', name=op.f('pk_note_revisions'))
    )

    op.create_table('note_drafts',
    sa.Column('author_id', sa.String(), nullable=False),
    sa.Column('student_id', sa.String(), nullable=False),
    sa.Column('note_key', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('author_id', 'student_id', 'note_key', name=op.f('pk_note_drafts'))
    )

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('scope', sa.String(), nullable=False),
    sa.Column('format', sa.String(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )


def downgrade() -> None:
    # Dropping these loses every note: only for development databases.
    op.drop_table('audit_log')
    op.drop_table('note_drafts')
    op.drop_table('note_revisions')
    op.drop_index('ix_notes_follow_up', table_name='notes')
    op.drop_index('ix_notes_student_date', table_name='notes')
    op.drop_table('notes')
