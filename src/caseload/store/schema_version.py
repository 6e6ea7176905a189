"""The Alembic head this code expects. A test checks it against the migration scripts."""

HEAD = "0027"
