"""results: the student index carries what the facts refresh reads

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05

``ix_results_student_line_item`` was (student_id, line_item_id). The facts refresh reads every
result of a chunk of students by it (``store.result_columns.read``): the index walk itself is
cheap, the lookup of each result's row in the table (spread over the file in import order) is
most of the query. The index now ends with the four columns that query reads (score, status,
score_date, missing), so SQLite answers it from the index alone: at 5,000 students the query
went from 2.1 to 0.7 s of a one-process refresh of 6.3 s, the file grew about 5% (the index is
widened, not added: an extra covering index tried in the thirteenth session grew the cache a
quarter and cost the import its ratio). Same columns on PostgreSQL (an index-only scan there
needs a vacuumed table; the index still serves the student lookups it served). Index only: no
row changes, no policy changes.
"""
from alembic import op


revision = '0027'
down_revision = "0026"
branch_labels = None
depends_on = None

_NAME = "ix_results_student_line_item"
_COVERING = ["student_id", "line_item_id", "score", "status", "score_date", "missing"]


def upgrade() -> None:
    op.drop_index(_NAME, table_name="results")
    op.create_index(_NAME, "results", _COVERING, unique=False)


def downgrade() -> None:
    op.drop_index(_NAME, table_name="results")
    op.create_index(_NAME, "results", ["student_id", "line_item_id"], unique=False)
