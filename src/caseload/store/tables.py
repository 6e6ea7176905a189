"""The cache's tables as SQLAlchemy Core, GENERATED from caseload.store.models
(the SQLModel classes, the schema as written) by ``python -m caseload.store.models``
(``make schema``). Do not edit: change models.py and regenerate
(tests/store/test_schema_generated.py fails until then).

Every table is keyed by the source's own ids; comments and the reasons for each column are in
models.py. The code reads and writes through these (``METADATA.tables[...]``), so running it
never builds SQLModel's pydantic models and ORM mappers.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from caseload.store.sqltypes import UTCDateTime

# One MetaData for the cache, with a naming convention so Alembic can name constraints
# identically on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

METADATA = MetaData(naming_convention=NAMING)

Table(
    "orgs",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("name", String(), nullable=False),
    Column("type", String(), nullable=False, default="school"),
    Column("identifier", String(), nullable=True),
    Column("parent_id", String(), nullable=True),
)

Table(
    "academic_sessions",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("title", String(), nullable=False),
    Column("type", String(), nullable=False),
    Column("start_date", Date(), nullable=False),
    Column("end_date", Date(), nullable=False),
    Column("parent_id", String(), nullable=True),
    Column("school_year", Integer(), nullable=True),
    Column("school_id", String(), nullable=True),
)

Table(
    "calendar_days",
    METADATA,
    Column("school_id", String(), primary_key=True, nullable=False),
    Column("date", Date(), primary_key=True, nullable=False),
    Column("instructional", Boolean(), nullable=False),
)

Table(
    "users",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("role", String(), nullable=False),
    Column("given_name", String(), nullable=False),
    Column("family_name", String(), nullable=False),
    Column("middle_name", String(), nullable=True),
    Column("identifier", String(), nullable=True, index=True),
    Column("state_id", String(), nullable=True, index=True),
    Column("grade_level", String(), nullable=True),
    Column("birth_date", Date(), nullable=True),
    Column("email", String(), nullable=True),
    Column("school_id", String(), nullable=True),
    Column("preferred_given_name", String(), nullable=True),
    Column("preferred_family_name", String(), nullable=True),
    Index("ix_users_role_family", "role", "family_name"),
    Index("ix_users_school_role", "school_id", "role"),
)

Table(
    "guardians",
    METADATA,
    Column("student_id", String(), primary_key=True, nullable=False),
    Column("guardian_id", String(), primary_key=True, nullable=False, index=True),
    Column("given_name", String(), nullable=False),
    Column("family_name", String(), nullable=False),
    Column("relationship", String(), nullable=True),
    Column("phone", String(), nullable=True),
    Column("email", String(), nullable=True),
    Column("primary_contact", Boolean(), nullable=True),
    Column("source", String(), nullable=True),
)

Table(
    "courses",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("title", String(), nullable=False),
    Column("course_code", String(), nullable=True),
    Column("school_id", String(), nullable=True),
)

Table(
    "classes",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("title", String(), nullable=False),
    Column("course_id", String(), nullable=True),
    Column("school_id", String(), nullable=True),
    Column("class_code", String(), nullable=True),
    Column("term_ids", String(), nullable=False, default=""),
    Column("period", String(), nullable=True),
)

Table(
    "enrollments",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("class_id", String(), nullable=False),
    Column("user_id", String(), nullable=False),
    Column("role", String(), nullable=False),
    Column("begin_date", Date(), nullable=True),
    Column("end_date", Date(), nullable=True),
    Column("primary", Boolean(), nullable=False, default=False),
    Index("ix_enrollments_class_role", "class_id", "role"),
    Index("ix_enrollments_user_class", "user_id", "class_id"),
)

Table(
    "categories",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("title", String(), nullable=False),
    Column("weight", Float(), nullable=True),
    Column("class_id", String(), nullable=True),
)

Table(
    "line_items",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("class_id", String(), nullable=False),
    Column("title", String(), nullable=False),
    Column("category_id", String(), nullable=True),
    Column("assign_date", Date(), nullable=True),
    Column("due_date", Date(), nullable=True),
    Column("min_points", Float(), nullable=False, default=0.0),
    Column("max_points", Float(), nullable=True),
    Column("grading_period_id", String(), nullable=True),
    Column("max_stated", Boolean(), nullable=True),
    Index("ix_line_items_class_due", "class_id", "due_date"),
)

Table(
    "results",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("line_item_id", String(), nullable=False),
    Column("student_id", String(), nullable=False),
    Column("score", Float(), nullable=True),
    Column("status", String(), nullable=False),
    Column("score_date", Date(), nullable=True),
    Column("comment", Text(), nullable=True),
    Column("late", Boolean(), nullable=False, default=False),
    Column("missing", Boolean(), nullable=False, default=False),
    Column("excused", Boolean(), nullable=False, server_default=false()),
    Column("score_percent", Float(), nullable=True),
    Index("ix_results_line_item", "line_item_id"),
    Index(
        "ix_results_student_line_item",
        "student_id",
        "line_item_id",
        "score",
        "status",
        "score_date",
        "missing",
    ),
)

Table(
    "attendance_events",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("student_id", String(), nullable=False),
    Column("date", Date(), nullable=False),
    Column("category", String(), nullable=False),
    Column("class_id", String(), nullable=True),
    Column("period", String(), nullable=True),
    Column("school_id", String(), nullable=True),
    Index("ix_attendance_student_date", "student_id", "date"),
)

Table(
    "discipline_incidents",
    METADATA,
    Column("sourced_id", String(), primary_key=True, nullable=False),
    Column("date", Date(), nullable=False),
    Column("school_id", String(), nullable=True),
    Column("behavior", String(), nullable=True),
    Column("description", Text(), nullable=True),
    Column("location", String(), nullable=True),
)

Table(
    "student_incidents",
    METADATA,
    Column("incident_id", String(), primary_key=True, nullable=False),
    Column("student_id", String(), primary_key=True, nullable=False, index=True),
    Column("behavior", String(), nullable=True),
    Column("description", Text(), nullable=True),
)

Table(
    "caseloads",
    METADATA,
    Column("counselor_id", String(), primary_key=True, nullable=False),
    Column("student_id", String(), primary_key=True, nullable=False, index=True),
)

Table(
    "grading_policies",
    METADATA,
    Column("class_id", String(), primary_key=True, nullable=False),
    Column("method", String(), nullable=False),
)

Table(
    "policy_categories",
    METADATA,
    Column("class_id", String(), primary_key=True, nullable=False),
    Column("category_id", String(), primary_key=True, nullable=False),
    Column("weight", Float(), nullable=True),
    Column("drop_lowest", Integer(), nullable=False, default=0),
)

Table(
    "import_runs",
    METADATA,
    Column("id", Integer(), primary_key=True, nullable=False),
    Column("source", String(), nullable=False),
    Column("kind", String(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("outcome", String(), nullable=False, default="running"),
    Column("counts", String(), nullable=False, default="{}"),
    Column("message", Text(), nullable=True),
)

Table(
    "mat_student",
    METADATA,
    Column("student_id", String(), primary_key=True, nullable=False),
    Column("enrolled_begin", Date(), nullable=True),
    Column("absent", LargeBinary(), nullable=False),
    Column("unexcused", LargeBinary(), nullable=False),
    Column("tardy", LargeBinary(), nullable=False),
    Column("attendance_through", Date(), nullable=True),
    Column("enrolled_end", Date(), nullable=True),
)

Table(
    "mat_class",
    METADATA,
    Column("class_id", String(), primary_key=True, nullable=False),
    Column("title", String(), nullable=False),
    Column("teacher", String(), nullable=True),
    Column("period", String(), nullable=True),
    Column("term_start", Date(), nullable=True),
    Column("term_end", Date(), nullable=True),
    Column("result_dates", LargeBinary(), nullable=False),
    Column("gradebook", Boolean(), nullable=False, default=True),
)

Table(
    "mat_class_facts",
    METADATA,
    Column("student_id", String(), primary_key=True, nullable=False),
    Column("class_id", String(), primary_key=True, nullable=False),
    Column("spans", LargeBinary(), nullable=False),
    Column("timeline_days", LargeBinary(), nullable=False),
    Column("timeline_grades", LargeBinary(), nullable=False),
    Column("timeline_nulls", Text(), nullable=True),
    Column("weekly_days", LargeBinary(), nullable=False),
    Column("weekly_grades", LargeBinary(), nullable=False),
    Column("scored", LargeBinary(), nullable=False),
    Column("missing", LargeBinary(), nullable=False),
    Index("ix_mat_class_facts_class", "class_id"),
)

Table(
    "mat_state",
    METADATA,
    Column("id", Integer(), primary_key=True, nullable=False),
    Column("run_id", Integer(), nullable=True),
    Column("settings", String(), nullable=False),
    Column("computed_at", UTCDateTime(), nullable=False),
)

Table(
    "mat_rank_state",
    METADATA,
    Column("as_of", Date(), primary_key=True, nullable=False),
    Column("scope", String(), primary_key=True, nullable=False),
    Column("facts_stamp", UTCDateTime(), nullable=False),
    Column("settings", String(), nullable=False),
    Column("computed_at", UTCDateTime(), nullable=False),
)

Table(
    "mat_rank",
    METADATA,
    Column("as_of", Date(), primary_key=True, nullable=False),
    Column("student_id", String(), primary_key=True, nullable=False),
    Column("name", String(), nullable=False),
    Column("sort_name", String(), nullable=False),
    Column("grade_level", String(), nullable=True),
    Column("local_id", String(), nullable=True),
    Column("counselor_ids", String(), nullable=False, default=""),
    Column("risk", Integer(), nullable=False),
    Column("flags", String(), nullable=False, default=""),
    Column("attendance_rate", Float(), nullable=True),
    Column("unexcused_30d", Integer(), nullable=True),
    Column("absence_streak", Integer(), nullable=True),
    Column("below_70", Integer(), nullable=False),
    Column("lowest_grade", Float(), nullable=True),
    Column("attendance_through", Date(), nullable=True),
    Index("ix_mat_rank_order", "as_of", "risk", "sort_name"),
)

Table(
    "sync_state",
    METADATA,
    Column("source", String(), primary_key=True, nullable=False),
    Column("kind", String(), nullable=False),
    Column("mark_type", String(), nullable=False),
    Column("mark", String(), nullable=False),
    Column("synced_at", UTCDateTime(), nullable=False),
)

Table(
    "last_seen",
    METADATA,
    Column("viewer", String(), primary_key=True, nullable=False),
    Column("scope", String(), primary_key=True, nullable=False),
    Column("as_of", Date(), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)

Table(
    "mat_pending",
    METADATA,
    Column("student_id", String(), primary_key=True, nullable=False),
    Column("run_id", Integer(), primary_key=True, nullable=False),
)

Table(
    "import_lock",
    METADATA,
    Column("id", Integer(), primary_key=True, nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("started_by", String(), nullable=False),
    Column("host", String(), nullable=False),
    Column("pid", Integer(), nullable=False),
    Column("what", String(), nullable=False),
)

Table(
    "notes",
    METADATA,
    Column("student_id", String(), nullable=False),
    Column("author_id", String(), nullable=False),
    Column("contact_date", Date(), nullable=False),
    Column("type", String(), nullable=False),
    Column("flags", Text(), nullable=False),
    Column("class_id", String(), nullable=True),
    Column("text", Text(), nullable=False),
    Column("follow_up", Date(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("deleted", Boolean(), nullable=False, default=False),
    Column("deleted_at", UTCDateTime(), nullable=True),
    Column("method", String(), nullable=True),
    Column("outcome", String(), nullable=True),
    Column("confidential", Boolean(), nullable=False, default=False),
    Column("updated_by", String(), nullable=True),
    Column("id", Integer(), primary_key=True, nullable=False),
    Column("status", String(), nullable=False, default="open"),
    Column("revision", Integer(), nullable=False, default=1),
    Index("ix_notes_follow_up", "follow_up"),
    Index("ix_notes_student_date", "student_id", "contact_date"),
)

Table(
    "note_revisions",
    METADATA,
    Column("student_id", String(), nullable=False),
    Column("author_id", String(), nullable=False),
    Column("contact_date", Date(), nullable=False),
    Column("type", String(), nullable=False),
    Column("flags", Text(), nullable=False),
    Column("class_id", String(), nullable=True),
    Column("text", Text(), nullable=False),
    Column("follow_up", Date(), nullable=True),
    Column("status", String(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("deleted", Boolean(), nullable=False, default=False),
    Column("deleted_at", UTCDateTime(), nullable=True),
    Column("method", String(), nullable=True),
    Column("outcome", String(), nullable=True),
    Column("confidential", Boolean(), nullable=False, default=False),
    Column("updated_by", String(), nullable=True),
    Column("note_id", Integer(), ForeignKey("notes.id"), primary_key=True, nullable=False),
    Column("revision", Integer(), primary_key=True, nullable=False),
    Column("replaced_at", UTCDateTime(), nullable=False),
)

Table(
    "note_drafts",
    METADATA,
    Column("author_id", String(), primary_key=True, nullable=False),
    Column("student_id", String(), primary_key=True, nullable=False),
    Column("note_key", Integer(), primary_key=True, nullable=False, default=0),
    Column("payload", Text(), nullable=False),
    Column("saved_at", UTCDateTime(), nullable=False),
)

Table(
    "audit_log",
    METADATA,
    Column("id", Integer(), primary_key=True, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(), nullable=False),
    Column("action", String(), nullable=False),
    Column("scope", String(), nullable=False),
    Column("format", String(), nullable=False),
    Column("path", Text(), nullable=False),
    Column("count", Integer(), nullable=False),
    Column("status", String(), nullable=False, server_default="ok"),
)
