"""What the Ed-Fi XML reader and the Ed-Fi ODS/API mapper share.

:mod:`caseload.sources.edfi_xml` (interchange files) and :mod:`caseload.sources.edfi_api`
(ODS/API JSON) read the same Ed-Fi entities in different shapes. Everything that does not
depend on the shape lives here, so that both build exactly the same records and ids (a sync
of some data must give the cache an import of the same data gives; tests/sync/test_edfi_api.py
checks it):

- the id scheme (the table in the :mod:`~caseload.sources.edfi_xml` docstring) as functions;
  ``school_year`` is the Ed-Fi XML text (``2021-2022``);
- the value rules: grade levels, instructional calendar events, school years, dates, session
  types, score statuses;
- :class:`EdfiRecords`, the records read so far and the assembly of the Dataset from them
  (school years, grading period parents, class titles, line item ids, students' schools).

Reading a field, and the error naming it (file and line, or resource and record), stays with
each format.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from caseload.domain.descriptors import descriptor_value
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    CalendarDay,
    Category,
    Course,
    DisciplineIncident,
    Enrollment,
    Klass,
    LineItem,
    Org,
    Result,
    Role,
    ScoreStatus,
    SessionType,
    StudentIncident,
    User,
)
from caseload.sources.csvutil import iso_day
from caseload.sources.dataset import Dataset
from caseload.sources.edfi_scores import result_score

# The parts of an Ed-Fi name caseload does not keep (counted in the summary, ``left_out``):
# the User has no place for them, and folding them into the legal names would change how
# students are sorted and found.
_NAME_PARTS = {  # the XML element -> (one, many, what it is) as the summary says it
    "GenerationCodeSuffix": ("name suffix", "name suffixes", "GenerationCodeSuffix: Jr, II..."),
    "PersonalTitlePrefix": ("title", "titles", "PersonalTitlePrefix: Mr, Ms..."),
}

_YEAR = re.compile(r"(?:[0-9]{4}\s*[-/]\s*)?([0-9]{4})")  # \d takes any script's digits

_GRADES = {
    "infant/toddler": "IT",
    "early education": "PR",
    "preschool/prekindergarten": "PK",
    "prekindergarten": "PK",
    "transitional kindergarten": "TK",
    "kindergarten": "KG",
    "first grade": "01",
    "second grade": "02",
    "third grade": "03",
    "fourth grade": "04",
    "fifth grade": "05",
    "sixth grade": "06",
    "seventh grade": "07",
    "eighth grade": "08",
    "ninth grade": "09",
    "tenth grade": "10",
    "eleventh grade": "11",
    "twelfth grade": "12",
    "grade 13": "13",
    "postsecondary": "PS",
    "ungraded": "UG",
    "adult education": "Other",
    "other": "Other",
}

_NON_INSTRUCTIONAL = ("non-instructional", "noninstructional", "non instructional")
_INSTRUCTIONAL = (
    "instructional",
    "make-up",
    "makeup",
    "late arrival",
    "early dismissal",
    "early release",
)


# --- values -----------------------------------------------------------------------------------


def school_year_end(text: str) -> int | None:
    """``2021-2022`` (or ``2022``) -> 2022; None if not a school year."""
    m = _YEAR.fullmatch(text.strip())
    return int(m.group(1)) if m else None


def grade_level(value: str) -> str:
    """A GradeLevel descriptor value -> caseload's grade (``Ninth grade`` -> ``09``)."""
    return _GRADES.get(value.casefold(), value)


def is_instructional_event(value: str) -> bool:
    """A CalendarEvent descriptor value: instructional, make-up, late arrival... day."""
    key = value.casefold()
    if any(word in key for word in _NON_INSTRUCTIONAL):
        return False
    return any(word in key for word in _INSTRUCTIONAL)


# What may follow the day in an xs:date (a zone) or an xs:dateTime (a time, then a zone)
_DATE_TAIL = re.compile(
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?",
    re.ASCII,
)


def iso_date(text: str) -> dt.date | None:
    """The day of an xs:date or xs:dateTime (``YYYY-MM-DD``, then perhaps a time
    ``Thh:mm:ss[.fff]`` and a zone ``Z`` or ``+hh:mm``); None for anything else, trailing
    text included (``2021-09-14Tgarbage``)."""
    if not iso_day(text[:10]) or _DATE_TAIL.fullmatch(text, 10) is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def session_type(term: str | None) -> SessionType:
    """A Term descriptor value -> semester or term."""
    return SessionType.SEMESTER if "semester" in (term or "").casefold() else SessionType.TERM


def score_status(
    submission: str | None, lateness: str | None, score: float | None
) -> tuple[ScoreStatus, bool, bool, bool]:
    """SubmissionStatus and AssignmentLateStatus descriptor values -> (status, late, missing,
    excused). The standard SubmissionStatusDescriptor has Exempt (and no Excused); a district's
    own descriptor whose value says "excused" is exempt for grading and kept as excused."""
    submission = (submission or "").casefold()
    lateness = (lateness or "").casefold()
    late = (
        "late" in lateness and not lateness.startswith(("not", "no ")) and "on-time" not in lateness
    ) or submission == "late"
    missing = "missing" in submission
    if "exempt" in submission or "excused" in submission:
        status = ScoreStatus.EXEMPT
    elif missing or "not submitted" in submission or "not turned in" in submission:
        status = ScoreStatus.NOT_SUBMITTED
    elif score is not None:
        status = ScoreStatus.FULLY_GRADED
    else:
        status = ScoreStatus.SUBMITTED
    return status, late, missing, "excused" in submission


def is_state_system(system: str | None) -> bool:
    """An IdentificationSystem descriptor naming the state id."""
    return descriptor_value(system or "").casefold() == "state"


# --- ids ----------------------------------------------------------------------------------------


def school_year_id(school_id: str, school_year: str) -> str:
    return f"{school_id}:{school_year}"


def session_id(school_id: str, school_year: str, session_name: str) -> str:
    return f"{school_id}:{school_year}:{session_name}"


def grading_period_id(school_id: str, school_year: str, descriptor: str, which: str) -> str:
    """``which`` is the GradingPeriodName, else the PeriodSequence."""
    return f"{school_id}:{school_year}:{descriptor}:{which}"


def course_id(school_id: str, local_course_code: str) -> str:
    return f"{school_id}:{local_course_code}"


def class_id(session: str, local_course_code: str, section_identifier: str) -> str:
    return f"{session}:{local_course_code}:{section_identifier}"


def enrollment_id(person_id: str, klass: str, begin: dt.date | None) -> str:
    return f"{person_id}:{klass}:{begin or ''}"


def attendance_id(student_id: str, place: str, day: dt.date, category: AttendanceCategory) -> str:
    """``place`` is the SchoolId (whole-day event) or the class id (section event)."""
    return f"{student_id}:{place}:{day}:{category.value}"


def category_id(gradebook_entry_type: str) -> str:
    return f"edfi-cat:{gradebook_entry_type}"


def composite_entry_key(klass: str, date_assigned: dt.date | None, title: str) -> str:
    """A gradebook entry without a GradebookEntryIdentifier (DS 4)."""
    return f"{klass}:{date_assigned}:{title}"


def result_id(line_item_id: str, student_id: str) -> str:
    return f"{line_item_id}:{student_id}"


def incident_id(school_id: str, incident_identifier: str) -> str:
    return f"{school_id}:{incident_identifier}"


# --- records read so far ----------------------------------------------------------------------


@dataclass
class Section:
    class_id: str
    identifier: str
    school_id: str
    course_code: str
    session_id: str
    name: str | None
    period: str | None


@dataclass
class PendingItem:
    key: tuple[str, str]  # (identifier or composite key, namespace)
    class_id: str
    title: str
    category_id: str | None
    assign_date: dt.date | None
    due_date: dt.date | None
    max_points: float | None  # None: no MaxPoints (see ``assemble``)
    grading_period_id: str | None
    origin: str | None


@dataclass
class PendingResult:
    key: tuple[str, str]
    student_id: str
    score: float | None
    status: ScoreStatus
    score_date: dt.date | None
    comment: str | None
    late: bool
    missing: bool
    origin: str | None
    excused: bool = False
    points: bool = False  # the score was read from PointsEarned (not NumericGradeEarned)
    percent: float | None = None  # the NumericGradeEarned read, beside the points or not


@dataclass
class SchoolAssoc:
    school_id: str
    entry: dt.date | None
    grade: str | None


class EdfiRecords:
    """The records one Ed-Fi import or sync has read, and the Dataset they make.

    A format's reader fills these (checking fields and claiming ids its own way) and calls
    the ``add_*`` helpers, then :meth:`assemble`.
    """

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.orgs: dict[str, Org] = {}
        self.sessions: dict[str, AcademicSession] = {}
        # school year id -> (school, school year text, year it ends in, begin, end)
        self.years: dict[str, tuple[str, str, int, dt.date, dt.date]] = {}
        self.grading_periods: dict[str, AcademicSession] = {}
        self.gp_parent: dict[str, str] = {}
        self.calendar: dict[tuple[str, dt.date], bool] = {}
        self.course_titles: dict[tuple[str, str], str] = {}  # (ed org id, course code)
        self.offering_titles: dict[tuple[str, str], str] = {}  # (school id, local code)
        self.courses: dict[str, Course] = {}
        self.sections: dict[str, Section] = {}
        self.users: dict[str, User] = {}
        self.state_ids: dict[str, str] = {}
        self.school_assoc: dict[str, SchoolAssoc] = {}
        self.staff_school: dict[str, str] = {}
        self.enrollments: dict[str, Enrollment] = {}
        self.attendance: dict[str, AttendanceEvent] = {}
        self.categories: dict[str, Category] = {}
        self.items: list[PendingItem] = []
        self.item_keys: dict[tuple[str, str], str] = {}  # key -> where first seen
        self.results: list[PendingResult] = []
        self.result_keys: dict[tuple[tuple[str, str], str], str] = {}
        self.incidents: dict[str, DisciplineIncident] = {}
        # (incident id, student, behavior, the student's own description, origin, further
        # behaviors the record lists: not shown, counted in the summary), in reading order
        self.student_incidents: list[
            tuple[str, str, str | None, str | None, str | None, int]
        ] = []
        # records read that the Dataset does not hold, by what they are (``left_out``), so
        # the summary counts them (never dropped in silence)
        self.bystanders = 0  # a student's link to an incident as a victim, witness, reporter
        self.unread: Counter[str] = Counter()  # records of a kind caseload does not read
        self.letter_grades = 0  # scores given only as a letter grade (caseload reads numbers)
        self.name_parts: Counter[str] = Counter()  # a name's suffix or title, not read
        self.weapons = 0  # weapons named by incidents and students' parts in them, not shown
        self.incident_behaviors = 0  # an incident's behaviors after its first, not shown

    # -- adding --------------------------------------------------------------------------------

    def span(self, school: str, year: str, ending: int, begin: dt.date, end: dt.date) -> None:
        """Widen the school year of ``school`` to cover ``begin``-``end``."""
        year_id = school_year_id(school, year)
        known = self.years.get(year_id)
        if known is not None:
            begin, end = min(begin, known[3]), max(end, known[4])
        self.years[year_id] = (school, year, ending, begin, end)

    def add_session(
        self,
        sid: str,
        name: str,
        kind: SessionType,
        dates: tuple[dt.date, dt.date],
        school: str,
        year: tuple[str, int],
        gp_ids: list[str],
        stated_days: str | None = None,
    ) -> None:
        """A session; ``year``: (school year text, year it ends in); ``gp_ids``: its periods;
        ``stated_days``: its TotalInstructionalDays as written (kept in
        ``Dataset.stated_days`` when a whole number; the import check compares it)."""
        text, ending = year
        begin, end = dates
        if stated_days is not None and stated_days.strip().isdecimal():
            self.ds.stated_days[sid] = int(stated_days.strip())
        self.sessions[sid] = AcademicSession(
            sid,
            name,
            kind,
            begin,
            end,
            parent_id=school_year_id(school, text),
            school_year=ending,
            school_id=school,
        )
        self.span(school, text, ending, begin, end)
        for gp in gp_ids:
            self.gp_parent.setdefault(gp, sid)

    def add_grading_period(
        self,
        gid: str,
        title: str,
        dates: tuple[dt.date, dt.date],
        school: str,
        year: tuple[str, int],
    ) -> None:
        """A grading period (its parent session is decided by :meth:`assemble`)."""
        text, ending = year
        begin, end = dates
        self.grading_periods[gid] = AcademicSession(
            gid, title, SessionType.GRADING_PERIOD, begin, end, school_year=ending, school_id=school
        )
        self.span(school, text, ending, begin, end)

    def add_calendar_day(
        self, school: str, day: dt.date, events: list[str], origin: str | None
    ) -> None:
        """A CalendarDate: instructional if any of its events (descriptor values) says so."""
        instructional = any(is_instructional_event(v) for v in events)
        key = (school, day)
        self.calendar[key] = self.calendar.get(key, False) or instructional
        if origin is not None:
            self.ds.origins.setdefault(("calendar_days", f"{school}/{day}"), origin)

    def add_course(self, school: str, code: str, title: str | None) -> bool:
        """A CourseOffering's course; True when it is new (its origin is to be noted)."""
        cid = course_id(school, code)
        if title:
            self.offering_titles.setdefault((school, code), title)
        if cid not in self.courses:
            self.courses[cid] = Course(cid, title or code, course_code=code, school_id=school)
            return True
        if title and self.courses[cid].title == code:
            self.courses[cid] = dataclasses.replace(self.courses[cid], title=title)
        return False

    def add_section(
        self,
        cid: str,
        identifier: str,
        offering: tuple[str, str, str],
        name: str | None,
        periods: list[str],
    ) -> Section:
        """A section; ``offering``: (school id, session id, local course code)."""
        school, session, code = offering
        section = Section(cid, identifier, school, code, session, name, ", ".join(periods) or None)
        self.sections[cid] = section
        return section

    def add_user(
        self,
        sid: str,
        role: Role,
        names: tuple[str, str, str | None],
        state_id: str | None,
        birth: dt.date | None,
        email: str | None,
        preferred: tuple[str | None, str | None] = (None, None),
    ) -> None:
        """A student or staff member; ``names``: (first, last surname, middle); ``preferred``:
        (preferred first name, preferred last surname), shown in place of the legal ones as
        OneRoster 1.2's preferred names are."""
        given, family, middle = names
        self.users[sid] = User(
            sid,
            role,
            given,
            family,
            middle_name=middle,
            identifier=sid,
            state_id=state_id,
            birth_date=birth,
            email=email,
            preferred_given_name=preferred[0],
            preferred_family_name=preferred[1],
        )

    @staticmethod
    def first_present(read: Callable[[str], float | None], *names: str) -> float | None:
        """``read(name)`` for the first of ``names`` that holds a value; None when none does.

        Ed-Fi carries some figures under an older name too (``pointsPossible`` beside
        ``maxPoints``): a later name is read, and checked, only when the ones before it are
        empty. (``numericGradeEarned`` is no older name for ``pointsEarned``: a percentage,
        read and checked always: ``edfi_scores``.)
        """
        for name in names:
            value = read(name)
            if value is not None:
                return value
        return None

    def add_school_assoc(
        self, student: str, school: str, entry: dt.date | None, grade_value: str | None
    ) -> None:
        """A StudentSchoolAssociation: the one with the latest entry date wins."""
        grade = grade_level(grade_value) if grade_value else None
        known = self.school_assoc.get(student)
        if known is None or (entry is not None and (known.entry is None or entry >= known.entry)):
            self.school_assoc[student] = SchoolAssoc(school, entry, grade)

    def add_item(
        self,
        key: tuple[str, str],
        cid: str,
        title: str,
        kind: str | None,
        dates: tuple[dt.date | None, dt.date | None],
        max_points: float | None,
        gp: str | None,
        where: tuple[str, str | None],
    ) -> None:
        """A gradebook entry checked not to be a duplicate.

        ``kind``: its GradebookEntryType descriptor value; ``dates``: (assigned, due);
        ``where``: (where it was read, for duplicates; its origin, if any).
        """
        cat = category_id(kind) if kind else None
        if kind and cat is not None and cat not in self.categories:
            self.categories[cat] = Category(cat, kind)
        self.item_keys[key] = where[0]
        self.items.append(
            PendingItem(
                key,
                cid,
                title,
                cat,
                dates[0],
                dates[1],
                max_points,
                gp,
                where[1],
            )
        )

    def add_result(
        self,
        key: tuple[str, str],
        student: str,
        score: float | None,
        statuses: tuple[str | None, str | None],
        score_date: dt.date | None,
        comment: str | None,
        origin: str | None,
        *,
        points: bool = False,
        percent: float | None = None,
    ) -> None:
        """A student's gradebook entry; ``statuses``: (SubmissionStatus, AssignmentLateStatus);
        ``points``: the score was read from PointsEarned; ``percent``: its NumericGradeEarned
        (``edfi_scores``: the score when no points are given, as that share of the maximum)."""
        status, late, missing, excused = score_status(statuses[0], statuses[1], score)
        self.results.append(
            PendingResult(
                key,
                student,
                score,
                status,
                score_date,
                comment,
                late,
                missing and score is None,
                origin,
                excused,
                points,
                percent,
            )
        )

    # -- assembly ------------------------------------------------------------------------------

    def left_out(self, more_behaviors: int = 0) -> list[str]:
        """The summary's lines on the records read that the Dataset does not hold."""
        out = []
        if self.unread:
            kinds = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.unread.items()))
            out.append(f"not read: {kinds} (records caseload does not use)")
        if self.bystanders:
            n = self.bystanders
            out.append(
                f"not shown: {n:,} student link{'s' if n != 1 else ''} to discipline incidents "
                "as a victim, witness or reporter (caseload counts the incidents a student "
                "took part in)"
            )
        if self.letter_grades:
            n = self.letter_grades
            out.append(
                f"not shown: {n:,} letter grade{'s' if n != 1 else ''} of gradebook entries "
                "with no points or numeric grade (caseload reads numbers: the entry is listed "
                "with no score and counts toward no grade)"
            )
        if self.name_parts:
            parts = " and ".join(
                f"{n:,} {one if n == 1 else many} ({what})"
                for key, (one, many, what) in _NAME_PARTS.items()
                if (n := self.name_parts[key])
            )
            out.append(
                f"not read: {parts} of students' and staff's names (caseload shows the first, "
                "middle and last names, and the preferred ones)"
            )
        if self.weapons:
            n = self.weapons
            out.append(
                f"not shown: {n:,} weapon{'s' if n != 1 else ''} named by discipline incidents "
                "or by a student's part in one (caseload shows an incident's behavior, location "
                "and description)"
            )
        if more_behaviors:
            out.append(
                f"not shown: {more_behaviors:,} further behavior"
                f"{'s' if more_behaviors != 1 else ''} of a student in an incident (the first "
                "behavior read is kept)"
            )
        if self.incident_behaviors:
            n = self.incident_behaviors
            out.append(
                f"not shown: {n:,} further behavior{'s' if n != 1 else ''} of a discipline "
                "incident (the first behavior read is kept)"
            )
        return out

    def assemble(self) -> Dataset:
        """Every record read, as the Dataset (line item and result ids are decided here)."""
        ds = self.ds
        ds.orgs = list(self.orgs.values())
        for year_id, (school, year, ending, begin, end) in self.years.items():
            ds.academic_sessions.append(
                AcademicSession(
                    year_id,
                    f"{year} school year",
                    SessionType.SCHOOL_YEAR,
                    begin,
                    end,
                    school_year=ending,
                    school_id=school,
                )
            )
        ds.academic_sessions.extend(self.sessions.values())
        for gid, gp in self.grading_periods.items():
            school, year = gid.split(":", 2)[:2]
            parent = self.gp_parent.get(gid)
            ds.academic_sessions.append(
                dataclasses.replace(gp, parent_id=parent or school_year_id(school, year))
            )

        ds.calendar_days = [CalendarDay(s, d, flag) for (s, d), flag in self.calendar.items()]
        ds.courses = list(self.courses.values())
        for section in self.sections.values():
            course_title = self.offering_titles.get(
                (section.school_id, section.course_code), section.course_code
            )
            ds.classes.append(
                Klass(
                    section.class_id,
                    class_title(course_title, section),
                    course_id=course_id(section.school_id, section.course_code),
                    school_id=section.school_id,
                    class_code=section.identifier,
                    term_ids=(section.session_id,),
                    period=section.period,
                )
            )

        # Line items: the identifier alone unless two namespaces share it in this import.
        namespaces: dict[str, set[str]] = {}
        for item in self.items:
            namespaces.setdefault(item.key[0], set()).add(item.key[1])
        item_ids: dict[tuple[str, str], str] = {}
        by_identifier: dict[str, list[str]] = {}
        for item in self.items:
            ident, ns = item.key
            lid = f"{ns}#{ident}" if len(namespaces[ident]) > 1 else ident
            item_ids[item.key] = lid
            by_identifier.setdefault(ident, []).append(lid)
        # Each result's line item: its entry's, else the one entry of this import with its
        # identifier, whatever the namespace its reference gives; else (not in this import)
        # the plain identifier (the cache may know it).
        result_items: list[str] = []
        for res in self.results:
            found = item_ids.get(res.key)
            if found is None:
                candidates = by_identifier.get(res.key[0], [])
                found = candidates[0] if len(candidates) == 1 else res.key[0]
            result_items.append(found)
        # A gradebook entry with no MaxPoints: a numeric grade (DS4's NumericGradeEarned) is
        # read out of 100, but points (DS5's PointsEarned) are out of an unknown maximum. An
        # entry scored in points here has no maximum (``timeline.NO_MAX``: its scores are
        # listed, in no grade; the summary counts it), never an invented 100. (An entry this
        # import does not carry, or carries with no points, may be cached: the loader's
        # ``keep_cached_maxima`` decides from ``max_stated`` and ``scored_in_points``.)
        in_points = {lid for res, lid in zip(self.results, result_items, strict=True)
                     if res.points}
        ds.scored_in_points = in_points
        for item in self.items:
            lid = item_ids[item.key]
            ds.line_items.append(
                LineItem(
                    lid,
                    item.class_id,
                    item.title,
                    item.category_id,
                    item.assign_date,
                    item.due_date,
                    0.0,
                    item.max_points if item.max_points is not None
                    else None if lid in in_points else 100.0,
                    item.grading_period_id,
                    item.max_points is not None,
                )
            )
            if item.origin is not None:
                ds.origins[("line_items", lid)] = item.origin
        ds.categories = list(self.categories.values())
        # a percentage (NumericGradeEarned) is that share of the entry's maximum (``edfi_scores``)
        maxima = {li.sourced_id: (li.max_points,) for li in ds.line_items}
        for res, found in zip(self.results, result_items, strict=True):
            rid = result_id(found, res.student_id)
            score, percent, beside = result_score(res.score, res.percent, res.points,
                                                  maxima.get(found))
            if beside is not None:
                ds.percent_beside_points[rid] = beside
            ds.results.append(
                Result(
                    rid,
                    found,
                    res.student_id,
                    score,
                    res.status,
                    res.score_date,
                    res.comment,
                    res.late,
                    res.missing,
                    res.excused,
                    percent,
                )
            )
            if res.origin is not None:
                ds.origins[("results", rid)] = res.origin

        ds.attendance_events = list(self.attendance.values())
        ds.enrollments = list(self.enrollments.values())
        ds.discipline_incidents = list(self.incidents.values())
        seen: set[tuple[str, str]] = set()
        more_behaviors = 0
        for iid, student, behavior, description, origin, further in self.student_incidents:
            more_behaviors += further  # the record's own behaviors after its first
            if (iid, student) in seen:
                more_behaviors += 1
                continue  # one row per student and incident; the first behavior wins
            seen.add((iid, student))
            ds.student_incidents.append(StudentIncident(iid, student, behavior, description))
            if origin is not None:
                ds.origins[("student_incidents", f"{iid}/{student}")] = origin

        ds.users = self._users()
        ds.notices.extend(self.left_out(more_behaviors))
        return ds

    def _users(self) -> list[User]:
        """Students' school and grade level, staff's school (see the edfi_xml docstring)."""
        class_school = {cid: s.school_id for cid, s in self.sections.items()}
        item_class = {li.sourced_id: li.class_id for li in self.ds.line_items}
        primary: dict[str, Counter[str]] = {}
        other: dict[str, Counter[str]] = {}
        for ev in self.ds.attendance_events:
            if ev.school_id is None:
                continue
            bucket = primary if ev.class_id is None else other
            bucket.setdefault(ev.student_id, Counter())[ev.school_id] += 1
        for en in self.ds.enrollments:
            school = class_school.get(en.class_id)
            if school:
                other.setdefault(en.user_id, Counter())[school] += 1
        for res in self.ds.results:
            school = class_school.get(item_class.get(res.line_item_id, ""), "")
            if school:
                other.setdefault(res.student_id, Counter())[school] += 1
        incident_school = {i.sourced_id: i.school_id for i in self.ds.discipline_incidents}
        for si in self.ds.student_incidents:
            school = incident_school.get(si.incident_id)
            if school:
                other.setdefault(si.student_id, Counter())[school] += 1
        schools = [o.sourced_id for o in self.orgs.values() if o.type == "school"]
        only = schools[0] if len(schools) == 1 else None

        users = []
        for uid, user in self.users.items():
            changes: dict[str, Any] = {}
            if user.role is Role.STUDENT:
                assoc = self.school_assoc.get(uid)
                if assoc is not None:
                    changes["school_id"] = assoc.school_id
                    changes["grade_level"] = assoc.grade
                elif uid in primary:
                    changes["school_id"] = primary[uid].most_common(1)[0][0]
                elif uid in other:
                    changes["school_id"] = other[uid].most_common(1)[0][0]
                else:
                    changes["school_id"] = only
                if uid in self.state_ids:
                    changes["state_id"] = self.state_ids[uid]
            else:
                school = self.staff_school.get(uid)
                if school is None and uid in other:
                    school = other[uid].most_common(1)[0][0]
                changes["school_id"] = school or only
            users.append(dataclasses.replace(user, **changes))
        return users


def class_title(course_title: str, section: Section) -> str:
    """``{course title} ({section name, else SectionIdentifier})``."""
    label = section.name if section.name and section.name != course_title else section.identifier
    return f"{course_title} ({label})"
