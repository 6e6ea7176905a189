"""What a reader hands the loader: normalized records, deletions and rejected rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from caseload.domain.records import (
    AcademicSession,
    AttendanceEvent,
    CalendarDay,
    CaseloadAssignment,
    Category,
    Course,
    Deletion,
    DisciplineIncident,
    Enrollment,
    GradingPolicy,
    Guardian,
    Klass,
    LineItem,
    Org,
    Result,
    StudentIncident,
    User,
)


class SourceError(Exception):
    """Bad input. Names the file, the line (or record) and the field.

    Never carries a secret; may carry a source id, never a student's name. ``skippable``: a
    bad row or record that ``--skip-invalid`` would have left out (a reject) instead of
    refusing the import (:func:`row_refusal`); ``import --check`` suggests the option only
    then (a damaged or encrypted zip, a bad header, a missing file are not rows to skip).
    """

    skippable = False

    def __init__(self, file: str, line: int | str | None, field: str | None, reason: str):
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" if isinstance(self.line, int) else f" ({self.line})"
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {self.reason}"


def row_refusal(err: SourceError) -> SourceError:
    """``err``, marked as the refusal of a row or record that ``--skip-invalid`` would have
    rejected instead (``skippable``); raise what it returns."""
    err.skippable = True
    return err


@dataclass(frozen=True, slots=True)
class Reject:
    """A row left out under ``--skip-invalid``, with why."""

    file: str
    line: int | str | None
    field: str | None
    reason: str
    raw: dict[str, str] | None = None
    # the id the rejected row carries in its file's id column, when known: a later row that
    # refers to it is told it was rejected, not that it is unknown (never written out)
    key: str | None = None

    @classmethod
    def from_error(cls, err: SourceError, raw: dict[str, str] | None = None,
                   key: str | None = None) -> Reject:
        return cls(err.file, err.line, err.field, err.reason, raw, key or None)


@dataclass(frozen=True, slots=True)
class RoleFromCache:
    """A users.csv row whose role the import does not give: OneRoster 1.2 keeps roles in
    roles.csv, and a delta that changes a user's name or email carries no roles.csv row for
    them. ``user`` holds the row with a stand-in role (``Role.OTHER``, never written): the
    loader writes it with the role the cache holds, and refuses it (``file``, ``line``, field
    ``role``) when the cache does not hold the user. Guardian links are read with the role, so
    none is read from such a row (``agents``: it lists agentSourcedIds): the loader says so."""

    user: User
    file: str
    line: int
    agents: bool = False


# Entity names, in the order the loader applies them (parents before children).
ENTITIES: tuple[str, ...] = (
    "orgs",
    "academic_sessions",
    "calendar_days",
    "users",
    "guardians",
    "courses",
    "classes",
    "enrollments",
    "categories",
    "line_items",
    "results",
    "attendance_events",
    "discipline_incidents",
    "student_incidents",
    "caseloads",
    "grading_policies",
)


@dataclass
class Dataset:
    """Everything one import or sync read, ready for the loader.

    ``origins`` maps (entity, id) to where the record came from ("users.csv:14"), so the
    loader's foreign-key errors can name the file and line too.
    ``partial`` lists entities that came as delta files: the loader only upserts and deletes
    for them (it does the same for bulk files; bulk never deletes absent rows, so nothing in
    the cache is lost to a partial export).
    """

    kind: str
    source: str
    orgs: list[Org] = field(default_factory=list)
    academic_sessions: list[AcademicSession] = field(default_factory=list)
    calendar_days: list[CalendarDay] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    classes: list[Klass] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    line_items: list[LineItem] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    attendance_events: list[AttendanceEvent] = field(default_factory=list)
    discipline_incidents: list[DisciplineIncident] = field(default_factory=list)
    student_incidents: list[StudentIncident] = field(default_factory=list)
    caseloads: list[CaseloadAssignment] = field(default_factory=list)
    grading_policies: list[GradingPolicy] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    # CSV readers keep, per entity, the file and each id's line (cheaper than origins)
    line_maps: dict[str, tuple[str, dict[str, int]]] = field(default_factory=dict)
    partial: set[str] = field(default_factory=set)
    as_of: str | None = None  # a date the export itself declares (sample data), ISO
    # What the import summary must say beyond the counts: records read but not shown and why,
    # placeholders made, files that were absent ("not shown: 37 results for students not
    # enrolled in their class"). One plain sentence each, no student names.
    notices: list[str] = field(default_factory=list)
    # Ids of records a reader made as stand-ins (entity -> ids), e.g. a course for classes
    # whose courses.csv is absent: the loader writes one only where the cache has none.
    placeholders: dict[str, set[str]] = field(default_factory=dict)
    # Guardians whose every link to a student this dataset carries (a OneRoster guardian's
    # row lists all its students): the loader replaces their cached links with these.
    guardians_complete: set[str] = field(default_factory=set)
    # Users whose row this dataset carries but not their birth date (a demographics file read
    # as delta, or absent, with no row for them): the loader keeps the one the cache holds.
    birth_from_cache: set[str] = field(default_factory=set)
    # Users whose demographics record this dataset deletes (status tobedeleted): their birth
    # date is no longer known. The loader clears the cached one and counts them in a notice.
    birth_cleared: set[str] = field(default_factory=set)
    # Users whose role this dataset does not give (see RoleFromCache): not in ``users`` until
    # the loader has put the cached role in.
    role_from_cache: list[RoleFromCache] = field(default_factory=list)
    # Rows of other files applied with their user's record (OneRoster demographics.csv and
    # roles.csv; file, line, id column, user id): when the user is rejected, by the reader or
    # the loader's checks, each is rejected too, naming it (``load_checks.with_rejected_user``).
    user_rows: list[tuple[str, int | str, str, str]] = field(default_factory=list)
    # Line items this dataset's results score in points (Ed-Fi PointsEarned), whether or not
    # it carries the line item: one cached with no stated maximum (``LineItem.max_stated``
    # False) has none (the loader's ``keep_cached_maxima``), as a full import would say.
    scored_in_points: set[str] = field(default_factory=set)
    # Results scored by their Ed-Fi PointsEarned that gave a NumericGradeEarned too (result id
    # -> that percentage): not stored; the loader's ``edfi_scores.score_percentages`` counts
    # those that disagree with the points (with the maximum the load ends with).
    percent_beside_points: dict[str, float] = field(default_factory=dict)
    # The instructional days an export states for a session (Ed-Fi TotalInstructionalDays,
    # session id -> days): not stored, only compared with the school days caseload counts
    # (``import --check`` and the import summary say where they differ).
    stated_days: dict[str, int] = field(default_factory=dict)

    @property
    def edfi(self) -> bool:
        """Whether an Ed-Fi reader made it (``edfi-xml``, ``edfi-api``): the loader's checks
        that only Ed-Fi's records need (percentages, associations read apart) ask this."""
        return self.kind.startswith("edfi")

    def origin(self, entity: str, key: str) -> str | None:
        """Where a record came from, as "file:line", when the reader knows."""
        found = self.origins.get((entity, key))
        if found is None and entity in self.line_maps:
            file, lines = self.line_maps[entity]
            line = lines.get(key)
            if line is not None:
                found = f"{file}:{line}"
        return found

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ENTITIES if getattr(self, name)}
