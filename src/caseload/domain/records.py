"""Normalized records: what every source yields and what the store holds.

Plain, frozen dataclasses with no I/O. Readers (``caseload.sources``) turn OneRoster CSV,
Ed-Fi XML and the HTTP APIs into these; the loader writes them to the cache; queries read
them back; the analytics in ``caseload.domain`` compute on them.

Identifiers are the source's own ids: OneRoster ``sourcedId``s, Ed-Fi unique ids (see
docs/DATA_FORMATS.md for how Ed-Fi natural keys become ids).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from caseload.domain.frozen import quick_init


class SessionType(StrEnum):
    SCHOOL_YEAR = "schoolYear"
    SEMESTER = "semester"
    TERM = "term"
    GRADING_PERIOD = "gradingPeriod"


class Role(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    COUNSELOR = "counselor"
    ADMINISTRATOR = "administrator"
    AIDE = "aide"
    GUARDIAN = "guardian"
    PARENT = "parent"
    OTHER = "other"


class ScoreStatus(StrEnum):
    """OneRoster 1.2 scoreStatus values."""

    EXEMPT = "exempt"
    FULLY_GRADED = "fully graded"
    NOT_SUBMITTED = "not submitted"
    PARTIALLY_GRADED = "partially graded"
    SUBMITTED = "submitted"


class AttendanceCategory(StrEnum):
    PRESENT = "present"
    TARDY = "tardy"
    EXCUSED_ABSENCE = "excused_absence"
    UNEXCUSED_ABSENCE = "unexcused_absence"
    EARLY_DEPARTURE = "early_departure"
    PARTIAL = "partial"  # Ed-Fi "Partial": not a full-day absence

    @property
    def is_absence(self) -> bool:
        return self in (AttendanceCategory.EXCUSED_ABSENCE, AttendanceCategory.UNEXCUSED_ABSENCE)


class GradingMethod(StrEnum):
    POINTS = "points"
    WEIGHTED = "weighted"


@dataclass(frozen=True, slots=True)
class Org:
    sourced_id: str
    name: str
    type: str = "school"  # school, district, ...
    identifier: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class AcademicSession:
    sourced_id: str
    title: str
    type: SessionType
    start_date: dt.date
    end_date: dt.date
    parent_id: str | None = None
    school_year: int | None = None  # the calendar year the school year ends in (OneRoster)
    school_id: str | None = None  # None: applies to every school


@dataclass(frozen=True, slots=True)
class CalendarDay:
    school_id: str
    date: dt.date
    instructional: bool


@dataclass(frozen=True, slots=True)
class User:
    sourced_id: str
    role: Role
    given_name: str
    family_name: str
    middle_name: str | None = None
    identifier: str | None = None  # local id
    state_id: str | None = None
    grade_level: str | None = None
    birth_date: dt.date | None = None
    email: str | None = None
    school_id: str | None = None
    # OneRoster 1.2 preferredGivenName/preferredFamilyName (REST preferredFirstName/LastName)
    preferred_given_name: str | None = None
    preferred_family_name: str | None = None

    @property
    def sort_name(self) -> str:
        """The name shown everywhere, "Family, Given", preferred names first."""
        return (f"{self.preferred_family_name or self.family_name}, "
                f"{self.preferred_given_name or self.given_name}")

    @property
    def legal_name(self) -> str:
        """The legal name, "Family, Given" (the student screen shows it beside the shown one)."""
        return f"{self.family_name}, {self.given_name}"


def by_name(people: Iterable[User]) -> list[User]:
    """``people`` as caseload lists names (the counselor and student lists, the "Who are you?"
    picker): by the shown name casefolded, then id. Sorted in Python, never by a database's
    collation (a PostgreSQL database's en_US is case- and accent-blind at first, SQLite puts
    every capital before every small letter): the order must not depend on the backend."""
    return sorted(people, key=lambda u: (u.sort_name.casefold(), u.sourced_id))


@dataclass(frozen=True, slots=True)
class Guardian:
    """A parent, guardian or relative of a student: who to call.

    OneRoster: a user with role ``guardian``, ``parent`` or ``relative`` linked to the student
    through ``agentSourcedIds`` (``agents``); its CSV has no relationship column, so
    ``relationship`` is the role word. Ed-Fi: a ``Parent``/``Contact`` and its
    ``StudentParentAssociation``/``StudentContactAssociation`` (relation descriptor, primary
    contact status). What the source does not say stays None: never invented.
    """

    student_id: str
    guardian_id: str
    given_name: str
    family_name: str
    relationship: str | None = None
    phone: str | None = None
    email: str | None = None
    primary_contact: bool | None = None  # None: the source does not say
    source: str | None = None  # the dataset kind it came from (oneroster-csv, edfi-xml...)

    @property
    def name(self) -> str:
        """"Given Family", as a person is named on the phone."""
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True, slots=True)
class Course:
    sourced_id: str
    title: str
    course_code: str | None = None
    school_id: str | None = None


@dataclass(frozen=True, slots=True)
class Klass:
    """A class (section). ``class`` is a keyword, hence the spelling."""

    sourced_id: str
    title: str
    course_id: str | None = None
    school_id: str | None = None
    class_code: str | None = None
    term_ids: tuple[str, ...] = ()
    period: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Enrollment:
    sourced_id: str
    class_id: str
    user_id: str
    role: Role
    begin_date: dt.date | None = None
    end_date: dt.date | None = None
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Category:
    sourced_id: str
    title: str
    weight: float | None = None
    class_id: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class LineItem:
    sourced_id: str
    class_id: str
    title: str
    category_id: str | None = None
    assign_date: dt.date | None = None
    due_date: dt.date | None = None
    min_points: float = 0.0
    max_points: float | None = None
    grading_period_id: str | None = None
    # Ed-Fi: whether the entry stated its maximum (MaxPoints); False: none given, so it is
    # out of 100 or, scored in PointsEarned, has none (None: not told, as in OneRoster)
    max_stated: bool | None = None


@quick_init  # one per row of results.csv: see domain/frozen.py
@dataclass(frozen=True, slots=True)
class Result:
    sourced_id: str
    line_item_id: str
    student_id: str
    score: float | None
    status: ScoreStatus
    score_date: dt.date | None = None
    comment: str | None = None
    late: bool = False
    missing: bool = False
    excused: bool = False  # exempt, and the source said "excused" (an Ed-Fi district value)
    # Ed-Fi: the percentage (NumericGradeEarned) the score was read from, as that share of the
    # line item's maximum; None: the score is in the line item's points as given (OneRoster's
    # score, Ed-Fi's PointsEarned). Kept so that a later maximum reads the score again from it.
    score_percent: float | None = None

    @property
    def exempt(self) -> bool:
        return self.status is ScoreStatus.EXEMPT

    @property
    def is_missing(self) -> bool:
        """Not submitted (or flagged missing) and no score."""
        return self.score is None and (self.missing or self.status is ScoreStatus.NOT_SUBMITTED)


@quick_init
@dataclass(frozen=True, slots=True)
class AttendanceEvent:
    sourced_id: str
    student_id: str
    date: dt.date
    category: AttendanceCategory
    class_id: str | None = None  # None: a whole-day record
    period: str | None = None
    school_id: str | None = None


@dataclass(frozen=True, slots=True)
class DisciplineIncident:
    sourced_id: str
    date: dt.date
    school_id: str | None = None
    behavior: str | None = None
    description: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class StudentIncident:
    """A student's part in a discipline incident."""

    incident_id: str
    student_id: str
    behavior: str | None = None
    # the student's own detailed description (Ed-Fi BehaviorDetailedDescription of the
    # student's part), shown for the student in place of the incident's description
    description: str | None = None


@dataclass(frozen=True, slots=True)
class CaseloadAssignment:
    counselor_id: str
    student_id: str


@dataclass(frozen=True, slots=True)
class PolicyCategory:
    category_id: str
    weight: float | None = None
    drop_lowest: int = 0


@dataclass(frozen=True, slots=True)
class GradingPolicy:
    class_id: str
    method: GradingMethod
    categories: tuple[PolicyCategory, ...] = field(default=())

    def category(self, category_id: str | None) -> PolicyCategory | None:
        for c in self.categories:
            if c.category_id == category_id:
                return c
        return None


@dataclass(frozen=True, slots=True)
class Deletion:
    """A ``status=tobedeleted`` row: remove ``sourced_id`` from ``entity``.

    An entity kept by a key of several ids instead of a sourced id (``student_incidents``: the
    incident's and the student's) is named by them all, in the order of its key's columns, as
    a JSON array in ``sourced_id`` (:meth:`by_key`, :attr:`key`)."""

    entity: str
    sourced_id: str

    @classmethod
    def by_key(cls, entity: str, *ids: str) -> Deletion:
        return cls(entity, json.dumps(list(ids), ensure_ascii=False))

    @property
    def key(self) -> tuple[str, ...]:
        """The ids of a deletion made by :meth:`by_key`."""
        return tuple(json.loads(self.sourced_id))
