"""The cache's schema as written: SQLModel classes, one per table (the source of truth).

Every table is keyed by the source's own ids. Tables hold what the sources send and nothing
the counselor writes (notes live in their own tables, which imports never touch).
Schema changes go through Alembic (``store/migrations``); never edit a released migration.

Nothing imports this module at run time: the code reads the tables from
:mod:`caseload.store.tables`, the same tables as plain SQLAlchemy Core, generated from these
classes by ``python -m caseload.store.models`` (``make schema``). Building SQLModel classes
costs pydantic models and ORM mappers that caseload never uses (it reads and writes through
Core), about a third of the app's start; tests/store/test_schema_generated.py fails when
tables.py is not what this module generates, or when the two differ in any column, default,
index or constraint, or in their DDL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlmodel import Field, SQLModel

# One MetaData for the cache, with a naming convention so Alembic can name constraints
# identically on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class CacheModel(SQLModel):
    metadata = MetaData(naming_convention=NAMING)


class OrgRow(CacheModel, table=True):
    __tablename__ = "orgs"
    sourced_id: str = Field(primary_key=True)
    name: str
    type: str = "school"
    identifier: str | None = None
    parent_id: str | None = None


class AcademicSessionRow(CacheModel, table=True):
    __tablename__ = "academic_sessions"
    sourced_id: str = Field(primary_key=True)
    title: str
    type: str
    start_date: dt.date
    end_date: dt.date
    parent_id: str | None = None
    school_year: int | None = None
    school_id: str | None = None


class CalendarDayRow(CacheModel, table=True):
    __tablename__ = "calendar_days"
    school_id: str = Field(primary_key=True)
    date: dt.date = Field(primary_key=True)
    instructional: bool


class UserRow(CacheModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_role_family", "role", "family_name"),
        # one school's people (store/attendance_coverage.py: school_coverage; the access policies)
        Index("ix_users_school_role", "school_id", "role"),
    )
    sourced_id: str = Field(primary_key=True)
    role: str
    given_name: str
    family_name: str
    middle_name: str | None = None
    identifier: str | None = Field(default=None, index=True)
    state_id: str | None = Field(default=None, index=True)
    grade_level: str | None = None
    birth_date: dt.date | None = None
    email: str | None = None
    school_id: str | None = None
    preferred_given_name: str | None = None
    preferred_family_name: str | None = None


class GuardianRow(CacheModel, table=True):
    """A student's parent, guardian or relative (``caseload.domain.records.Guardian``): one
    row per student and guardian, the guardian's name and contacts as the source gave them."""

    __tablename__ = "guardians"
    student_id: str = Field(primary_key=True)
    guardian_id: str = Field(primary_key=True, index=True)
    given_name: str
    family_name: str
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None
    primary_contact: bool | None = None
    source: str | None = None


class CourseRow(CacheModel, table=True):
    __tablename__ = "courses"
    sourced_id: str = Field(primary_key=True)
    title: str
    course_code: str | None = None
    school_id: str | None = None


class ClassRow(CacheModel, table=True):
    __tablename__ = "classes"
    sourced_id: str = Field(primary_key=True)
    title: str
    course_id: str | None = None
    school_id: str | None = None
    class_code: str | None = None
    term_ids: str = ""  # comma-separated academic session ids
    period: str | None = None


class EnrollmentRow(CacheModel, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (
        Index("ix_enrollments_user_class", "user_id", "class_id"),
        Index("ix_enrollments_class_role", "class_id", "role"),
    )
    sourced_id: str = Field(primary_key=True)
    class_id: str
    user_id: str
    role: str
    begin_date: dt.date | None = None
    end_date: dt.date | None = None
    primary: bool = False


class CategoryRow(CacheModel, table=True):
    __tablename__ = "categories"
    sourced_id: str = Field(primary_key=True)
    title: str
    weight: float | None = None
    class_id: str | None = None


class LineItemRow(CacheModel, table=True):
    __tablename__ = "line_items"
    __table_args__ = (Index("ix_line_items_class_due", "class_id", "due_date"),)
    sourced_id: str = Field(primary_key=True)
    class_id: str
    title: str
    category_id: str | None = None
    assign_date: dt.date | None = None
    due_date: dt.date | None = None
    min_points: float = 0.0
    max_points: float | None = None
    grading_period_id: str | None = None
    max_stated: bool | None = None  # 0023: Ed-Fi's MaxPoints given (records.LineItem)


class ResultRow(CacheModel, table=True):
    __tablename__ = "results"
    __table_args__ = (
        # 0027: the index ends with what the full facts refresh reads of each result
        # (store.result_columns.read), so SQLite answers that query from the index alone
        Index(
            "ix_results_student_line_item",
            "student_id", "line_item_id", "score", "status", "score_date", "missing",
        ),
        Index("ix_results_line_item", "line_item_id"),
    )
    sourced_id: str = Field(primary_key=True)
    line_item_id: str
    student_id: str
    score: float | None = None
    status: str
    score_date: dt.date | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    late: bool = False
    missing: bool = False
    excused: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                          server_default=false()))  # 0011
    score_percent: float | None = None  # 0026: Ed-Fi's NumericGradeEarned (records.Result)


class AttendanceEventRow(CacheModel, table=True):
    __tablename__ = "attendance_events"
    __table_args__ = (Index("ix_attendance_student_date", "student_id", "date"),)
    sourced_id: str = Field(primary_key=True)
    student_id: str
    date: dt.date
    category: str
    class_id: str | None = None
    period: str | None = None
    school_id: str | None = None


class DisciplineIncidentRow(CacheModel, table=True):
    __tablename__ = "discipline_incidents"
    sourced_id: str = Field(primary_key=True)
    date: dt.date
    school_id: str | None = None
    behavior: str | None = None
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    location: str | None = None


class StudentIncidentRow(CacheModel, table=True):
    __tablename__ = "student_incidents"
    incident_id: str = Field(primary_key=True)
    student_id: str = Field(primary_key=True, index=True)
    behavior: str | None = None
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CaseloadRow(CacheModel, table=True):
    __tablename__ = "caseloads"
    counselor_id: str = Field(primary_key=True)
    student_id: str = Field(primary_key=True, index=True)


class GradingPolicyRow(CacheModel, table=True):
    __tablename__ = "grading_policies"
    class_id: str = Field(primary_key=True)
    method: str


class PolicyCategoryRow(CacheModel, table=True):
    __tablename__ = "policy_categories"
    class_id: str = Field(primary_key=True)
    category_id: str = Field(primary_key=True)
    weight: float | None = None
    drop_lowest: int = 0


class ImportRunRow(CacheModel, table=True):
    """One import or sync run: what came from where, when, and how it ended."""

    __tablename__ = "import_runs"
    id: int | None = Field(default=None, primary_key=True)
    source: str  # a path or a configured source name; never a secret
    kind: str  # oneroster-csv, edfi-xml, oneroster-api, edfi-api, demo
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    outcome: str = "running"  # running, ok, failed
    counts: str = "{}"  # JSON object: entity -> rows applied
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# --- Materialized analytics facts (derived; rebuilt by caseload.store.facts.refresh) -----------


# Day lists are packed little-endian int32 arrays of day ordinals (0: an open span end), grades
# packed float64 arrays; ``caseload.store.facts`` encodes and decodes them.


class MatStudentRow(CacheModel, table=True):
    """Per student: the enrollment start and the school days that were not plainly present:
    full-day absences (any reason), the unexcused ones among them, tardy days (packed); the
    day the school's attendance was recorded through (NULL: none loaded, unknown); the last
    day of the student's last enrollment when every one has ended (NULL: no end known)."""

    __tablename__ = "mat_student"
    student_id: str = Field(primary_key=True)
    enrolled_begin: dt.date | None = None
    absent: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    unexcused: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    tardy: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    attendance_through: dt.date | None = None
    enrolled_end: dt.date | None = None  # 0017


class MatClassRow(CacheModel, table=True):
    """Per class: what every student's facts of it share, with the effective dates of every
    student's shown results (packed; stale gradebook); ``gradebook`` False: no line items."""

    __tablename__ = "mat_class"
    class_id: str = Field(primary_key=True)
    title: str
    teacher: str | None = None
    period: str | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    result_dates: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    gradebook: bool = True


class MatClassFactsRow(CacheModel, table=True):
    """Per student and class: enrollment spans (begin, end pairs), the grade timeline (its
    days and grades; ``timeline_nulls`` the JSON indices of its None grades, NULL for none),
    the grade at the end of each week (Sundays and grades), scored and missing dates."""

    __tablename__ = "mat_class_facts"
    # a class's rows (the refresh drops mat_class rows no student's facts refer to)
    __table_args__ = (Index("ix_mat_class_facts_class", "class_id"),)
    student_id: str = Field(primary_key=True)
    class_id: str = Field(primary_key=True)
    spans: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    timeline_days: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    timeline_grades: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    timeline_nulls: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    weekly_days: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    weekly_grades: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    scored: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    missing: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))


class MatStateRow(CacheModel, table=True):
    """Which import run and settings the materialized facts were computed from."""

    __tablename__ = "mat_state"
    id: int = Field(primary_key=True)
    run_id: int | None = None
    settings: str
    computed_at: dt.datetime


# --- Persisted caseload ranking (derived; per as-of date, see caseload.store.ranking) --------


class MatRankStateRow(CacheModel, table=True):
    """Which rankings are stored: per as-of date and scope ("" for every student, else a
    counselor id), with the facts stamp and settings they were computed from."""

    __tablename__ = "mat_rank_state"
    as_of: dt.date = Field(primary_key=True)
    scope: str = Field(primary_key=True)
    facts_stamp: dt.datetime
    settings: str
    computed_at: dt.datetime


class MatRankRow(CacheModel, table=True):
    """One student's caseload-table row at an as-of date (no note figures: those are read
    live). ``flags`` is "CODE:severity" items separated by spaces, worst first."""

    __tablename__ = "mat_rank"
    __table_args__ = (Index("ix_mat_rank_order", "as_of", "risk", "sort_name"),)
    as_of: dt.date = Field(primary_key=True)
    student_id: str = Field(primary_key=True)
    name: str
    sort_name: str  # name.casefold(): triage order's last key
    grade_level: str | None = None
    local_id: str | None = None
    counselor_ids: str = ""
    risk: int
    flags: str = ""
    attendance_rate: float | None = None
    unexcused_30d: int | None = None  # NULL (with absence_streak): attendance unknown
    absence_streak: int | None = None
    below_70: int
    lowest_grade: float | None = None
    attendance_through: dt.date | None = None


# --- Sync state (one row per configured source; written with the sync's own load) ---------------


class SyncStateRow(CacheModel, table=True):
    """Where a source's last successful sync got to: the time (OneRoster ``dateLastModified``)
    or the Ed-Fi change version the next incremental sync asks from. Never a secret."""

    __tablename__ = "sync_state"
    source: str = Field(primary_key=True)  # the [sources.NAME] name
    kind: str  # oneroster-rest, edfi-api
    mark_type: str  # "time" (ISO 8601 UTC) or "change_version"
    mark: str
    synced_at: dt.datetime


# --- When each counselor last looked (issue 14 §2; caseload.store.last_seen) ----------------


class LastSeenRow(CacheModel, table=True):
    """When a person (``viewer``: a PostgreSQL login's person; "" for the owner and on SQLite)
    last opened the app on a scope ("" for every student they see, else a counselor id): the
    moment (UTC) and the as-of date shown then, the next opening's "since" date (0020)."""

    __tablename__ = "last_seen"
    viewer: str = Field(primary_key=True)
    scope: str = Field(primary_key=True)
    as_of: dt.date
    seen_at: dt.datetime


METADATA = CacheModel.metadata


# --- Incremental facts and the import lock (issue 13; see caseload.store.facts, import_lock) --


class MatPendingRow(CacheModel, table=True):
    """Students whose facts an import or sync changed since the facts were computed: the
    loader adds them in its own transaction (``student_id`` "*": every student), the facts
    refresh recomputes them and removes the rows of the runs it covered."""

    __tablename__ = "mat_pending"
    student_id: str = Field(primary_key=True)
    run_id: int = Field(primary_key=True)


class ImportLockRow(CacheModel, table=True):
    """The import or sync running now (one row at most): who started it, where and when."""

    __tablename__ = "import_lock"
    id: int = Field(primary_key=True)
    started_at: dt.datetime
    started_by: str
    host: str
    pid: int
    what: str


# --- What the counselor writes: notes, their revisions, drafts, the export audit log ---------


class _NoteColumns(CacheModel):
    """The columns a note and each of its revisions both have (a revision is a full copy)."""

    student_id: str
    author_id: str
    contact_date: dt.date
    type: str
    flags: str = Field(sa_type=Text, nullable=False)  # JSON array (the store writes "[]" for none)
    class_id: str | None = None
    text: str = Field(sa_type=Text, nullable=False)
    follow_up: dt.date | None = None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted: bool = False
    deleted_at: dt.datetime | None = None
    method: str | None = None  # ContactMethod (0008)
    outcome: str | None = None  # ContactOutcome (0008)
    confidential: bool = False  # read only by its author where access is enforced (0012)
    updated_by: str | None = None  # who saved this version (0011; backfilled: the author)


class NoteRow(_NoteColumns, table=True):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_student_date", "student_id", "contact_date"),
        Index("ix_notes_follow_up", "follow_up"),
    )
    id: int | None = Field(default=None, primary_key=True)
    status: str = "open"
    revision: int = 1


class NoteRevisionRow(_NoteColumns, table=True):
    """A full copy of a note as it was before an edit replaced it."""

    __tablename__ = "note_revisions"
    note_id: int = Field(
        sa_column=Column(Integer, ForeignKey("notes.id"), primary_key=True, nullable=False)
    )
    revision: int = Field(primary_key=True)
    replaced_at: dt.datetime


class NoteDraftRow(CacheModel, table=True):
    """Unsaved editor contents, one per (author, student, note; 0 = a new note)."""

    __tablename__ = "note_drafts"
    author_id: str = Field(primary_key=True)
    student_id: str = Field(primary_key=True)
    note_key: int = Field(default=0, primary_key=True)  # the note id, or 0 for a new note
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON object
    saved_at: dt.datetime


class AuditRow(CacheModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    actor: str
    action: str
    scope: str
    format: str
    path: str = Field(sa_column=Column(Text, nullable=False))
    count: int
    # started (recorded before the file exists), then ok or failed; see AuditStatus
    status: str = Field(
        default="ok", sa_column=Column(String, nullable=False, server_default="ok")
    )


# --- caseload.store.tables: these tables as SQLAlchemy Core, generated -------------------------

GENERATED = "src/caseload/store/tables.py"  # (relative to the checkout)

_HEADER = '''"""The cache's tables as SQLAlchemy Core, GENERATED from caseload.store.models
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
NAMING = {{
{naming}}}

METADATA = MetaData(naming_convention=NAMING)
'''


def _q(value: object) -> str:
    """A str or other literal as source, strings in double quotes (the code's style)."""
    import json

    return json.dumps(value) if isinstance(value, str) else repr(value)


def _type_source(column: Column[Any]) -> str:
    name = type(column.type).__name__
    if name == "AutoString":  # SQLModel's str: plain String on SQLite and PostgreSQL
        return "String()"
    text = repr(column.type)
    allowed = ("Boolean()", "Date()", "Float()", "Integer()", "LargeBinary()", "String()",
               "Text()", "UTCDateTime()")
    if text not in allowed:
        raise ValueError(f"{column.table.name}.{column.name}: teach render() the type {text}")
    return text


def _server_default_source(column: Column[Any]) -> str:
    arg = getattr(column.server_default, "arg", None)
    if isinstance(arg, str):
        return _q(arg)
    if type(arg).__name__ == "False_":
        return "false()"
    raise ValueError(f"{column.table.name}.{column.name}: teach render() the server default")


def _column_source(column: Column[Any]) -> str:
    if column.key != column.name or column.comment or column.autoincrement != "auto":
        raise ValueError(f"{column.table.name}.{column.name}: teach render() this column")
    parts = [_q(column.name), _type_source(column)]
    parts += [f"ForeignKey({_q(fk.target_fullname)})" for fk in column.foreign_keys]
    if column.primary_key:
        parts.append("primary_key=True")
    parts.append(f"nullable={column.nullable}")
    if column.default is not None:
        if not column.default.is_scalar:
            raise ValueError(f"{column.table.name}.{column.name}: a default that is not a value")
        parts.append(f"default={_q(column.default.arg)}")  # type: ignore[attr-defined]
    if column.server_default is not None:
        parts.append(f"server_default={_server_default_source(column)}")
    if column.index:
        parts.append("index=True")
    if column.unique:
        parts.append("unique=True")
    return f"    Column({', '.join(parts)}),"


def render(metadata: MetaData) -> str:
    """The source of caseload.store.tables for ``metadata`` (these classes' tables)."""
    from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint

    naming = "".join(f"    {_q(k)}: {_q(v)},\n" for k, v in metadata.naming_convention.items())
    out = [_HEADER.format(naming=naming)]
    for table in metadata.tables.values():
        if table.kwargs or table.comment:
            raise ValueError(f"{table.name}: teach render() its options")
        for constraint in table.constraints:
            if not isinstance(constraint, PrimaryKeyConstraint | ForeignKeyConstraint):
                raise ValueError(f"{table.name}: teach render() the constraint {constraint!r}")
        lines = [f"\nTable(\n    {_q(table.name)},\n    METADATA,"]
        lines += [_column_source(c) for c in table.columns]
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if index._column_flag:  # made by its column's index=True
                continue
            if index.expressions != list(index.columns) or index.kwargs or index.dialect_kwargs:
                raise ValueError(f"{table.name}: teach render() the index {index.name}")
            cols = ", ".join(_q(c.name) for c in index.columns)
            unique = ", unique=True" if index.unique else ""
            line = f"    Index({_q(str(index.name))}, {cols}{unique}),"
            if len(line) > 100:  # (ruff's line length) one column a line
                line = "\n".join(
                    [f"    Index(\n        {_q(str(index.name))},"]
                    + [f"        {_q(c.name)}," for c in index.columns]
                    + (["        unique=True,"] if index.unique else [])
                    + ["    ),"]
                )
            lines.append(line)
        lines.append(")")
        out.append("\n".join(lines) + "\n")
    return "".join(out)


def main() -> None:  # pragma: no cover - a developer's command (make schema)
    from pathlib import Path

    target = Path(__file__).resolve().parents[3] / GENERATED
    target.write_text(render(METADATA), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
