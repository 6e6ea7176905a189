"""Deterministic synthetic high school in OneRoster 1.2 CSV, plus caseload's extension files.

``generate(out_dir)`` writes a plainly fictional school ("Harborview High School" in "Bayside
City Public Schools"): grades 9-12, three counselors with caseloads split by last name, about
35 teachers at 600 students, 6 or 7 fall classes per student, gradebooks (line items and
results) and attendance through a fixed as-of date in the fall semester. The data exercises
the early-warning rules on purpose:

* failing one class for weeks (about 6% of students), a sharp drop from a B or better in the
  last 2-3 weeks (about 4%), two teachers who stopped posting grades three weeks ago;
* chronic absence (about 8%), recent unexcused runs (about 4%; some with a current streak,
  one spanning a weekend, one with exactly 5 unexcused days in 30), period-level tardies and
  absences, one day per few students of period absences in half their classes;
* missing, late, exempt, extra-credit and not-yet-graded work, a few late enrollees.

Pure standard library, one ``random.Random(seed)``: the same arguments give byte-identical
files. Results, the bulk of the data, are written as they are generated.

CLI: ``python -m caseload.samplegen OUT_DIR [--students N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STUDENTS = 600
DEFAULT_SEED = 20261120
DEFAULT_AS_OF = dt.date(2026, 11, 20)

DISTRICT_ID = "org-bcps"
SCHOOL_ID = "org-hhs"

YEAR_ID = "as-2026-27"
FALL_ID = "as-2026-fall"
SPRING_ID = "as-2027-spring"
Q1_ID, Q2_ID, Q3_ID, Q4_ID = "as-2026-q1", "as-2026-q2", "as-2027-q3", "as-2027-q4"

D = dt.date.fromisoformat
YEAR_START, YEAR_END = D("2026-08-31"), D("2027-06-11")
FALL_START, FALL_END = D("2026-08-31"), D("2027-01-22")
SPRING_START, SPRING_END = D("2027-01-25"), D("2027-06-11")

# (sourcedId, title, type, start, end, parent)
SESSIONS: tuple[tuple[str, str, str, dt.date, dt.date, str], ...] = (
    (YEAR_ID, "2026-2027", "schoolYear", YEAR_START, YEAR_END, ""),
    (FALL_ID, "Fall 2026", "semester", FALL_START, FALL_END, YEAR_ID),
    (SPRING_ID, "Spring 2027", "semester", SPRING_START, SPRING_END, YEAR_ID),
    (Q1_ID, "Quarter 1", "gradingPeriod", D("2026-08-31"), D("2026-11-06"), FALL_ID),
    (Q2_ID, "Quarter 2", "gradingPeriod", D("2026-11-09"), D("2027-01-22"), FALL_ID),
    (Q3_ID, "Quarter 3", "gradingPeriod", D("2027-01-25"), D("2027-04-02"), SPRING_ID),
    (Q4_ID, "Quarter 4", "gradingPeriod", D("2027-04-05"), D("2027-06-11"), SPRING_ID),
)
FALL_PERIODS = tuple(s for s in SESSIONS if s[5] == FALL_ID)


def _days(first: str, last: str) -> list[dt.date]:
    a, b = D(first), D(last)
    return [a + dt.timedelta(n) for n in range((b - a).days + 1)]


# Weekdays without school (calendar.csv lists them as instructional=false).
HOLIDAYS: frozenset[dt.date] = frozenset(
    d
    for d in [
        D("2026-09-07"),  # Labor Day
        D("2026-09-21"),  # staff professional day
        D("2026-10-12"),  # Indigenous Peoples' Day
        D("2026-11-03"),  # Election Day
        *_days("2026-11-25", "2026-11-27"),  # Thanksgiving break
        *_days("2026-12-21", "2027-01-01"),  # winter break
        D("2027-01-18"),  # Martin Luther King Jr. Day
        D("2027-02-15"),  # Presidents' Day
        *_days("2027-04-06", "2027-04-10"),  # spring break
        D("2027-05-31"),  # Memorial Day
    ]
    if d.weekday() < 5
)
MAKEUP_DAYS: frozenset[dt.date] = frozenset({D("2027-03-13")})  # a Saturday make-up day

PERIODS = 7
SECTION_SIZE = 27  # target students per section when sizing a course
SECTION_CAP = 31  # soft cap when placing students
TEACHER_LOAD = 5  # sections per teacher (one planning period, one duty period)

# ---------------------------------------------------------------------------------------
# Names: generic lists, combined at random. Nobody real.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FEMALE = _words(
    "Emma Olivia Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Emily Ella Elizabeth "
    "Camila Luna Sofia Avery Mila Aria Scarlett Penelope Layla Chloe Victoria Madison Eleanor "
    "Grace Nora Riley Zoey Hannah Hazel Lily Ellie Violet Lillian Zoë Stella Aurora Natalie "
    "Leah Aubrey Willow Addison Lucy Audrey Bella Brooklyn Savannah Claire Skylar Isla Naomi "
    "Elena Caroline Maya Valentina Ximena Renée Anne-Marie Chloé Mariana Fatima Aaliyah Imani "
    "Jasmine Priya Mei Linh Keisha Daniela Gabriela Ana Lucía Josefina Hana Amara Siobhan"
)
MALE = _words(
    "Liam Noah Oliver Elijah James William Benjamin Lucas Henry Theodore Jack Levi Alexander "
    "Jackson Mateo Daniel Michael Mason Sebastian Ethan Logan Owen Samuel Jacob Asher Aiden "
    "John Joseph Wyatt David Leo Luke Julian Hudson Grayson Matthew Ezra Gabriel Carter Isaac "
    "Jayden Luca Anthony Dylan Lincoln Thomas Elias Josiah Charles Caleb Christopher Miles "
    "Isaiah Andrew Joshua Nathan Nolan Adrian Cameron Santiago Eli Aaron Ryan Angel Cooper "
    "Easton Kai Christian José Andrés Jamal DeShawn Malik Tariq Omar Arjun Minh Kenji "
    "Jean-Luc Darnell Marcus Ravi Tomás"
)
FAMILY = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood Bennett Gray Mendoza Ruiz Hughes Price "
    "Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry "
    "Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons Romero "
    "Jordan Patterson Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant "
    "Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens "
    "Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Chen Freeman Webb "
    "Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder "
    "Dixon Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox "
    "Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver "
    "Gardner Payne Grant Dunn Spencer Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley "
    "Knight Elliott Cunningham Duncan Armstrong Carroll Lane Andrews Alvarado Delgado Berry "
    "Perkins Hoffman Matthews Peña Richards Willis Carpenter Lawrence Sandoval O'Neil O'Brien "
    "Nuñez García-López Okafor Nwosu Haddad Kowalski Novak Yamamoto Sato Park Choi Le Pham "
    "Singh Shah Das Ali Khan D'Angelo MacLeod Dubois Lefèvre Smith-Jones Ibáñez Osei Mensah"
)
PREFERRED = {
    "Alexander": "Alex", "Benjamin": "Ben", "Christopher": "Chris", "Elizabeth": "Liz",
    "Gabriela": "Gabby", "Josefina": "Josie", "Matthew": "Matt", "Nathan": "Nate",
    "Samuel": "Sam", "Theodore": "Theo", "Valentina": "Vale", "William": "Will",
}

# ---------------------------------------------------------------------------------------
# Courses


@dataclass(frozen=True, slots=True)
class Course:
    code: str
    title: str
    grades: tuple[str, ...]
    dept: str
    subject: str
    subject_code: str
    year_long: bool = True

    @property
    def sourced_id(self) -> str:
        return f"crs-{self.code}"


def _c(code: str, title: str, grades: str, dept: str, subj: str, sc: str, year: bool = True):
    return Course(code, title, tuple(grades.split()), dept, subj, sc, year)


COURSES: dict[str, Course] = {
    c.code: c
    for c in (
        _c("ENG9", "English 9", "09", "ENG", "English Language and Literature", "01001"),
        _c("ENG10", "English 10", "10", "ENG", "English Language and Literature", "01002"),
        _c("ENG11", "English 11: American Literature", "11", "ENG",
           "English Language and Literature", "01003"),
        _c("ENG12", "English 12: World Literature", "12", "ENG",
           "English Language and Literature", "01004"),
        _c("ALG1", "Algebra I", "09 10", "MATH", "Mathematics", "02052"),
        _c("GEOM", "Geometry", "09 10 11", "MATH", "Mathematics", "02072"),
        _c("ALG2", "Algebra II", "10 11 12", "MATH", "Mathematics", "02056"),
        _c("PREC", "Precalculus", "11 12", "MATH", "Mathematics", "02110"),
        _c("STAT", "Statistics", "12", "MATH", "Mathematics", "02201"),
        _c("CALC", "AP Calculus AB", "12", "MATH", "Mathematics", "02124"),
        _c("BIO", "Biology", "09", "SCI", "Life and Physical Sciences", "03051"),
        _c("CHEM", "Chemistry", "10", "SCI", "Life and Physical Sciences", "03101"),
        _c("PHYS", "Physics", "11 12", "SCI", "Life and Physical Sciences", "03151"),
        _c("ENVS", "Environmental Science", "11 12", "SCI", "Life and Physical Sciences",
           "03003"),
        _c("ANAT", "Anatomy & Physiology", "12", "SCI", "Life and Physical Sciences", "03053"),
        _c("WHIS", "World History", "09", "SS", "Social Sciences and History", "04051"),
        _c("USHIS", "U.S. History", "10", "SS", "Social Sciences and History", "04101"),
        _c("GOV", "U.S. Government", "11", "SS", "Social Sciences and History", "04151", False),
        _c("ECON", "Economics", "12", "SS", "Social Sciences and History", "04201", False),
        _c("PSYC", "Psychology", "11 12", "SS", "Social Sciences and History", "04254", False),
        _c("SPAN1", "Spanish I", "09 10 11 12", "LANG", "World Languages", "06101"),
        _c("SPAN2", "Spanish II", "10 11 12", "LANG", "World Languages", "06102"),
        _c("SPAN3", "Spanish III", "11 12", "LANG", "World Languages", "06103"),
        _c("FREN1", "Français I", "09 10 11 12", "LANG", "World Languages", "06201"),
        _c("FREN2", "Français II", "10 11 12", "LANG", "World Languages", "06202"),
        _c("PE", "Physical Education", "09 10", "PE", "Physical, Health, and Safety Education",
           "08001"),
        _c("HLTH", "Health", "09 10", "PE", "Physical, Health, and Safety Education", "08051",
           False),
        _c("ART1", "Studio Art", "09 10 11 12", "ARTS", "Fine and Performing Arts", "05154"),
        _c("BAND", "Concert Band", "09 10 11 12", "ARTS", "Fine and Performing Arts", "05101"),
        _c("CHOR", "Chorus", "09 10 11 12", "ARTS", "Fine and Performing Arts", "05110"),
        _c("DRAM", "Theatre Arts", "09 10 11 12", "ARTS", "Fine and Performing Arts", "05052",
           False),
        _c("PHOT", "Photography", "10 11 12", "ARTS", "Fine and Performing Arts", "05162",
           False),
        _c("CSP", "Computer Science Principles", "10 11 12", "CTE", "Computer and Information "
           "Sciences", "10019"),
        _c("CULN", "Culinary Arts", "10 11 12", "CTE", "Hospitality and Tourism", "16052",
           False),
        _c("JOUR", "Journalism", "10 11 12", "CTE", "Communication and Audio/Visual Technology",
           "11101", False),
    )
}
ELECTIVES = ("ART1", "BAND", "CHOR", "DRAM", "PHOT", "CSP", "CULN", "JOUR", "PSYC")
DEPT_ROOMS = {"ENG": 100, "MATH": 200, "SCI": 300, "SS": 400, "LANG": 500, "PE": 600,
              "ARTS": 700, "CTE": 800}

# Gradebook categories per department: (key, title, weight when weighted).
TEMPLATES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "ENG": (("projects", "Projects", 0.30), ("tests", "Tests", 0.25),
            ("classwork", "Classwork", 0.25), ("homework", "Homework", 0.20)),
    "MATH": (("tests", "Tests", 0.50), ("quizzes", "Quizzes", 0.25),
             ("homework", "Homework", 0.25)),
    "SCI": (("tests", "Tests", 0.40), ("labs", "Labs", 0.25), ("quizzes", "Quizzes", 0.15),
            ("homework", "Homework", 0.20)),
    "SS": (("tests", "Tests", 0.40), ("projects", "Projects", 0.25),
           ("classwork", "Classwork", 0.20), ("homework", "Homework", 0.15)),
    "LANG": (("tests", "Tests", 0.35), ("quizzes", "Quizzes", 0.25),
             ("classwork", "Classwork", 0.20), ("homework", "Homework", 0.20)),
    "PE": (("participation", "Participation", 0.50), ("tests", "Skills Tests", 0.30),
           ("projects", "Projects", 0.20)),
    "ARTS": (("projects", "Projects", 0.50), ("classwork", "Classwork", 0.30),
             ("quizzes", "Quizzes", 0.20)),
    "CTE": (("projects", "Projects", 0.40), ("classwork", "Classwork", 0.30),
            ("quizzes", "Quizzes", 0.10), ("homework", "Homework", 0.20)),
}
# Per kind: max points, title stem, score offset from the student's level, score spread, and
# how likely it is to be missing relative to the student's usual rate (tests get made up).
KINDS: dict[str, tuple[float, str, float, float, float]] = {
    "homework": (10, "Homework", 4.0, 10.0, 1.6),
    "classwork": (20, "Classwork", 3.0, 8.0, 1.0),
    "labs": (25, "Lab", 2.0, 8.0, 0.8),
    "quizzes": (20, "Quiz", -2.0, 11.0, 0.5),
    "tests": (100, "Unit Test", -2.0, 9.0, 0.1),
    "projects": (100, "Project", 0.0, 8.0, 0.4),
    "participation": (10, "Participation: Week", 8.0, 5.0, 0.5),
}
COMMENTS_GOOD = ("Great work!", "Excellent analysis.", "Nice improvement!", "Très bien !",
                 "Strong effort — keep it up.", "Well organized and clear.")
COMMENTS_LOW = ("Please see me about corrections.", "Retake available before Friday.",
                "Show your work next time.", "Let's talk about the review packet.",
                "Check the rubric's citation section.", "Good start, but cite your sources.",
                'Re-read "The Lottery" and revise the thesis.')
COMMENTS_LATE = ("Late: 10% deduction.", "Turned in late — partial credit.")
COMMENTS_MISSING = ("Missing — please turn in ASAP.", "Not turned in; talk to me.")
COMMENTS_EXEMPT = ("Excused (medical).", "Exempt: school-sponsored trip.", "Excused — résumé "
                   "workshop conflict.")

HEADERS: dict[str, tuple[str, ...]] = {
    "manifest.csv": ("propertyName", "value"),
    "orgs.csv": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                 "parentSourcedId"),
    "academicSessions.csv": ("sourcedId", "status", "dateLastModified", "title", "type",
                             "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "courses.csv": ("sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                    "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"),
    "classes.csv": ("sourcedId", "status", "dateLastModified", "title", "grades",
                    "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
                    "termSourcedIds", "subjects", "subjectCodes", "periods"),
    "users.csv": ("sourcedId", "status", "dateLastModified", "enabledUser", "username",
                  "userIds", "givenName", "familyName", "middleName", "identifier", "email",
                  "sms", "phone", "agentSourcedIds", "grades", "password",
                  "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName",
                  "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId",
                  "pronouns"),
    "roles.csv": ("sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
                  "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"),
    "demographics.csv": ("sourcedId", "status", "dateLastModified", "birthDate", "sex",
                         "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                         "nativeHawaiianOrOtherPacificIslander", "white",
                         "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                         "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                         "publicSchoolResidenceStatus"),
    "enrollments.csv": ("sourcedId", "status", "dateLastModified", "classSourcedId",
                        "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
                        "endDate"),
    "categories.csv": ("sourcedId", "status", "dateLastModified", "title", "weight"),
    "lineItems.csv": ("sourcedId", "status", "dateLastModified", "title", "description",
                      "classSourcedId", "schoolSourcedId", "categorySourcedId",
                      "gradingPeriodSourcedId", "academicSessionSourcedId", "assignDate",
                      "dueDate", "scoreScaleSourcedId", "resultValueMin", "resultValueMax"),
    "results.csv": ("sourcedId", "status", "dateLastModified", "lineItemSourcedId",
                    "studentSourcedId", "scoreScaleSourcedId", "scoreStatus", "score",
                    "textScore", "scoreDate", "comment", "inProgress", "incomplete", "late",
                    "missing"),
    "attendance.csv": ("sourcedId", "studentSourcedId", "date", "category", "classSourcedId",
                       "period"),
    "calendar.csv": ("schoolSourcedId", "date", "instructional"),
    "caseloads.csv": ("counselorSourcedId", "studentSourcedId"),
    "gradingPolicies.csv": ("classSourcedId", "method", "categorySourcedId", "weight",
                            "dropLowest"),
}

MANIFEST_FILES = (
    ("academicSessions", "bulk"), ("categories", "bulk"), ("classes", "bulk"),
    ("classResources", "absent"), ("courses", "bulk"), ("courseResources", "absent"),
    ("demographics", "bulk"), ("enrollments", "bulk"), ("lineItemLearningObjectiveIds", "absent"),
    ("lineItems", "bulk"), ("lineItemScoreScales", "absent"), ("orgs", "bulk"),
    ("resources", "absent"), ("resultLearningObjectiveIds", "absent"), ("results", "bulk"),
    ("resultScoreScales", "absent"), ("roles", "bulk"), ("scoreScales", "absent"),
    ("userProfiles", "absent"), ("userResources", "absent"), ("users", "bulk"),
)

# ---------------------------------------------------------------------------------------
# Model


@dataclass(slots=True, eq=False)
class Person:
    sourced_id: str
    num: int
    given: str
    family: str
    sex: str
    middle: str = ""
    preferred: str = ""


@dataclass(slots=True, eq=False)
class Student(Person):
    grade: str = "09"
    courses: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    begin: dt.date = FALL_START
    level: float = 82.0  # typical percentage on ordinary work
    miss: float = 0.03  # chance a graded item is missing
    late: float = 0.04
    counselor: str = ""


@dataclass(slots=True, eq=False)
class Teacher(Person):
    dept: str = ""
    room: str = ""
    weighted: bool = True
    busy: set[int] = field(default_factory=set)
    sections: list[Section] = field(default_factory=list)
    stale_after: dt.date | None = None  # posts no scores dated after this


@dataclass(slots=True, eq=False)
class Section:
    course: Course
    number: int
    period: int
    students: list[Student] = field(default_factory=list)
    teacher: Teacher | None = None

    @property
    def sourced_id(self) -> str:
        return f"cls-{self.course.code}-{self.number:02d}"


@dataclass(slots=True)
class Category:
    key: str
    title: str
    weight: float | None
    drop_lowest: int = 0


@dataclass(slots=True)
class Item:
    kind: str
    title: str
    assign: dt.date
    due: dt.date
    max_points: float
    category: str  # category sourcedId
    grading_period: str
    description: str = ""
    scored: dt.date = FALL_START  # when the teacher posts scores (due + 1 to 3 days)


@dataclass(slots=True)
class Pattern:
    """An academic storyline for one student in one class."""

    kind: str  # "failing" or "drop"
    start: dt.date  # items due on or after this follow the storyline


# ---------------------------------------------------------------------------------------
# Calendar


def is_school_day(d: dt.date) -> bool:
    if d in MAKEUP_DAYS:
        return True
    return d.weekday() < 5 and d not in HOLIDAYS and YEAR_START <= d <= YEAR_END


def school_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """School days from ``first`` to ``last`` inclusive."""
    out = []
    d = first
    while d <= last:
        if is_school_day(d):
            out.append(d)
        d += dt.timedelta(1)
    return out


def _grading_period(d: dt.date) -> str:
    for sid, _t, _ty, start, end, _p in FALL_PERIODS:
        if start <= d <= end:
            return sid
    return Q2_ID


# ---------------------------------------------------------------------------------------
# Helpers


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum())


def _counselor_for(family: str) -> int:
    first = (_ascii(family)[:1] or "A").upper()
    if first <= "G":
        return 0
    if first <= "O":
        return 1
    return 2


def _num(x: float) -> str:
    """Compact number: 10, 8.5, 0.25."""
    if x == int(x):
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _quote(text: str) -> str:
    """A field as csv.writer's minimal quoting writes it."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tf(flag: bool) -> str:
    return "true" if flag else "false"


def _write(path: Path, name: str, rows: Iterable[Sequence[str]]) -> int:
    n = 0
    with (path / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADERS[name])
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _plot_level(plot: Pattern, it: Item, level: float, severity: int) -> tuple[float, float]:
    """Typical percentage and chance of missing work for a storyline student on ``it``."""
    factor = KINDS[it.kind][4]
    if plot.kind == "failing":
        if it.due >= plot.start:
            return 57.0 - 3.0 * severity, min(1.0, (0.2 + 0.05 * severity) * factor)
        return 74.0, 0.05 * factor
    if it.due < plot.start:  # a B or better until the drop
        return min(97.0, max(level, 90.0) + severity), 0.0
    if it.kind == "projects":
        return 50.0, 1.0
    if it.kind in ("tests", "quizzes"):  # stopped studying, skipped some
        return max(5.0, 28.0 - 5.0 * severity), min(1.0, 0.3 + 0.1 * severity)
    return 50.0, min(1.0, 0.9 + 0.05 * severity)  # stopped turning work in


def _outcome(rng: random.Random, it: Item, level: float, miss: float, late_p: float,
             bonus_ok: bool, exempt_p: float) -> tuple[str, float | None, bool, str]:
    """(scoreStatus, score, late, comment) for one student on one graded item."""
    maxp, _stem, adj, sd, _factor = KINDS[it.kind]
    r = rng.random()
    if r < exempt_p:
        return "exempt", None, False, rng.choice(COMMENTS_EXEMPT) if rng.random() < 0.5 else ""
    if r < exempt_p + miss:
        return ("not submitted", None, False,
                rng.choice(COMMENTS_MISSING) if rng.random() < 0.06 else "")
    late = rng.random() < late_p
    pct = rng.gauss(level + adj, sd)
    pct = 100.0 if pct > 100.0 else 0.0 if pct < 0.0 else pct
    if late:
        pct *= 0.9
    score = pct * maxp / 100.0
    score = round(score * 2) / 2 if maxp <= 25 else float(round(score))
    comment = ""
    if bonus_ok and pct >= 99.0 and rng.random() < 0.5:
        score = maxp + rng.choice((2, 3, 5))  # extra credit: above the maximum
        comment = "Bonus question correct!" if rng.random() < 0.5 else ""
    elif late and rng.random() < 0.25:
        comment = rng.choice(COMMENTS_LATE)
    elif rng.random() < 0.015:
        comment = rng.choice(COMMENTS_GOOD if pct >= 85 else COMMENTS_LOW)
    return "fully graded", score, late, comment


def _grade(results: Iterable[tuple[Item, str, float | None]], when: dt.date, method: str,
           weights: dict[str, float], drops: dict[str, int]) -> float | None:
    """The running grade at ``when`` under the early-warning rules (issue 3), for checking
    storylines: scores dated on or before ``when``; exempt left out; missing counts 0."""
    cats: dict[str, list[tuple[float, float]]] = {}
    for it, status, score in results:
        if it.scored > when or status == "exempt":
            continue
        cats.setdefault(it.category, []).append((score or 0.0, it.max_points))
    if not cats:
        return None
    for cat, pairs in cats.items():
        k = drops.get(cat, 0)
        if k:
            pairs.sort(key=lambda p: p[0] / p[1])
            del pairs[:min(k, len(pairs) - 1)]
    if method == "points":
        got = sum(p[0] for pairs in cats.values() for p in pairs)
        return 100.0 * got / sum(p[1] for pairs in cats.values() for p in pairs)
    total = sum(weights[c] for c in cats)
    return sum(weights[c] * 100.0 * sum(p[0] for p in pairs) / sum(p[1] for p in pairs)
               for c, pairs in cats.items()) / total


# ---------------------------------------------------------------------------------------
# The generator


class _School:
    def __init__(self, students: int, seed: int, as_of: dt.date) -> None:
        self.n = students
        self.seed = seed
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.stamp = f"{as_of.isoformat()}T06:00:00Z"
        self.students: list[Student] = []
        self.teachers: list[Teacher] = []
        self.counselors: list[Person] = []
        self.sections: list[Section] = []
        self.by_course: dict[str, list[Section]] = {}
        self.policies: dict[str, tuple[str, list[Category]]] = {}
        self.items: dict[str, list[Item]] = {}
        self.patterns: dict[tuple[str, str], Pattern] = {}
        self.attendance_kind: dict[str, str] = {}
        self.days = school_days(FALL_START, as_of)
        self.fall_days = school_days(FALL_START, FALL_END)
        self.fall_index = {d: i for i, d in enumerate(self.fall_days)}
        self.weeks: list[list[dt.date]] = []  # the fall's school days by ISO week
        for d in self.fall_days:
            if self.weeks and self.weeks[-1][0].isocalendar()[:2] == d.isocalendar()[:2]:
                self.weeks[-1].append(d)
            else:
                self.weeks.append([d])
        self.run_variant: dict[str, int] = {}
        self.truant: str | None = None
        self._names: set[tuple[str, str]] = set()

    # -- people ------------------------------------------------------------------------

    def _name(self, sex: str) -> tuple[str, str]:
        rng = self.rng
        for _ in range(1000):
            pool = FEMALE if sex == "female" else MALE if sex == "male" else FEMALE + MALE
            given, family = rng.choice(pool), rng.choice(FAMILY)
            if (given, family) not in self._names:
                break
        self._names.add((given, family))
        return given, family

    def make_people(self) -> None:
        rng = self.rng
        for i in range(1, self.n + 1):
            r = rng.random()
            sex = "female" if r < 0.495 else "male" if r < 0.99 else "unspecified"
            given, family = self._name(sex)
            grade = rng.choices(("09", "10", "11", "12"), (27, 25, 25, 23))[0]
            s = Student(f"stu-{i:05d}", i, given, family, sex, grade=grade)
            if rng.random() < 0.35:
                s.middle = rng.choice(FEMALE if sex == "female" else MALE)
            if given in PREFERRED and rng.random() < 0.6:
                s.preferred = PREFERRED[given]
            s.level = min(98.0, max(80.0, rng.gauss(87.0, 4.5)))
            s.miss = 0.005 + 0.03 * rng.random() ** 2 + max(0.0, 82.0 - s.level) * 0.003
            s.late = 0.02 + 0.04 * rng.random()
            s.counselor = f"cns-{_counselor_for(family) + 1}"
            self.students.append(s)
        for i in range(1, 4):
            sex = rng.choice(("female", "male"))
            given, family = self._name(sex)
            self.counselors.append(Person(f"cns-{i}", i, given, family, sex))

    # -- schedules ---------------------------------------------------------------------

    def choose_courses(self) -> None:
        rng = self.rng
        for s in self.students:
            target = 7 if rng.random() < 0.55 else 6
            g = s.grade
            core: list[str]
            if g == "09":
                core = ["ENG9", "ALG1" if rng.random() < 0.7 else "GEOM", "BIO", "WHIS",
                        "PE" if rng.random() < 0.5 else "HLTH"]
                lang = rng.choices(("SPAN1", "FREN1", ""), (55, 25, 20))[0]
            elif g == "10":
                core = ["ENG10", "GEOM" if rng.random() < 0.6 else "ALG2", "CHEM", "USHIS"]
                if rng.random() < 0.5:
                    core.append("PE" if rng.random() < 0.6 else "HLTH")
                lang = rng.choices(("SPAN2", "FREN2", "SPAN1", ""), (45, 20, 10, 25))[0]
            elif g == "11":
                core = ["ENG11", "ALG2" if rng.random() < 0.5 else "PREC",
                        "PHYS" if rng.random() < 0.6 else "ENVS", "GOV"]
                lang = rng.choices(("SPAN3", "SPAN2", "FREN2", ""), (30, 15, 10, 45))[0]
            else:
                core = ["ENG12", rng.choices(("PREC", "STAT", "CALC"), (40, 35, 25))[0],
                        "ANAT" if rng.random() < 0.6 else "ENVS", "ECON"]
                lang = rng.choices(("SPAN3", "FREN2", ""), (20, 10, 70))[0]
            if lang:
                core.append(lang)
            electives = [c for c in ELECTIVES if g in COURSES[c].grades and c not in core]
            rng.shuffle(electives)
            s.courses = (core + electives)[:target]

    def build_sections(self) -> None:
        rng = self.rng
        demand: dict[str, int] = {}
        for s in self.students:
            for c in s.courses:
                demand[c] = demand.get(c, 0) + 1
        load = [0] * (PERIODS + 1)
        for code in sorted(demand, key=lambda c: (-demand[c], c)):
            count = max(1, math.ceil(demand[code] / SECTION_SIZE))
            used: set[int] = set()
            secs = []
            for k in range(count):
                free = [p for p in range(1, PERIODS + 1) if p not in used] or list(
                    range(1, PERIODS + 1))
                p = min(free, key=lambda p: (load[p], rng.random()))
                used.add(p)
                load[p] += 1
                secs.append(Section(COURSES[code], k + 1, p))
            self.by_course[code] = secs

        order = list(self.students)
        rng.shuffle(order)
        for s in order:
            courses = sorted(s.courses, key=lambda c: (len(self.by_course[c]), c))
            chosen = self._place(courses, SECTION_CAP) or self._place(courses, 10**9)
            if chosen is None:
                chosen = self._place_greedy(s, courses)
            for sec in chosen:
                sec.students.append(s)
            s.sections = sorted(chosen, key=lambda x: x.period)
        for code in sorted(self.by_course):
            self.sections.extend(x for x in self.by_course[code] if x.students)
        self.sections.sort(key=lambda x: x.sourced_id)
        for sec in self.sections:
            sec.students.sort(key=lambda st: st.num)

    def _place(self, courses: list[str], cap: int) -> list[Section] | None:
        """Backtracking: one section per course, all in different periods."""
        budget = [400]
        chosen: list[Section] = []
        used: set[int] = set()

        def go(i: int) -> bool:
            if i == len(courses):
                return True
            budget[0] -= 1
            if budget[0] < 0:
                return False
            best: dict[int, Section] = {}
            for sec in self.by_course[courses[i]]:
                if sec.period in used or len(sec.students) >= cap:
                    continue
                cur = best.get(sec.period)
                if cur is None or len(sec.students) < len(cur.students):
                    best[sec.period] = sec
            for sec in sorted(best.values(), key=lambda x: (len(x.students), x.period)):
                used.add(sec.period)
                chosen.append(sec)
                if go(i + 1):
                    return True
                used.discard(sec.period)
                chosen.pop()
            return False

        return chosen if go(0) else None

    def _place_greedy(self, s: Student, courses: list[str]) -> list[Section]:
        """Last resort: place what fits, open a new section in a free period for the rest."""
        chosen: list[Section] = []
        used: set[int] = set()
        left = []
        for c in courses:
            options = [x for x in self.by_course[c] if x.period not in used]
            if options:
                sec = min(options, key=lambda x: len(x.students))
                chosen.append(sec)
                used.add(sec.period)
            else:
                left.append(c)
        for c in left:
            period = min(p for p in range(1, PERIODS + 1) if p not in used)
            sec = Section(COURSES[c], len(self.by_course[c]) + 1, period)
            self.by_course[c].append(sec)
            chosen.append(sec)
            used.add(period)
        return chosen

    def staff_sections(self) -> None:
        rng = self.rng
        by_dept: dict[str, list[Teacher]] = {}
        order = sorted(self.sections, key=lambda x: (x.course.dept, x.course.code, x.number))
        for sec in order:
            dept = sec.course.dept
            pool = [t for t in by_dept.get(dept, []) if len(t.sections) < TEACHER_LOAD
                    and sec.period not in t.busy]
            if pool:
                t = min(pool, key=lambda t: (
                    not any(x.course is sec.course for x in t.sections), len(t.sections), t.num))
            else:
                num = len(self.teachers) + 1
                sex = rng.choice(("female", "male"))
                given, family = self._name(sex)
                t = Teacher(f"tch-{num:03d}", num, given, family, sex, dept=dept)
                t.room = f"Room {DEPT_ROOMS[dept] + len(by_dept.get(dept, [])) + 1}"
                t.weighted = rng.random() < (0.85 if dept in ("ENG", "SCI", "SS", "MATH")
                                             else 0.35)
                by_dept.setdefault(dept, []).append(t)
                self.teachers.append(t)
            t.sections.append(sec)
            t.busy.add(sec.period)
            sec.teacher = t

    def make_policies(self) -> None:
        rng = self.rng
        for sec in self.sections:
            t = sec.teacher
            assert t is not None
            weighted = t.weighted
            cats = []
            for key, title, weight in TEMPLATES[sec.course.dept]:
                drop = 0
                if key == "homework" and rng.random() < 0.45:
                    drop = rng.choice((1, 1, 2))
                cats.append(Category(key, title, weight if weighted else None, drop))
            self.policies[sec.sourced_id] = ("weighted" if weighted else "points", cats)

    def make_items(self) -> None:
        for sec in self.sections:
            self.items[sec.sourced_id] = self.items_for(sec)

    # -- storylines --------------------------------------------------------------------

    def assign_patterns(self) -> None:
        rng = self.rng
        as_of = self.as_of
        # Two teachers stop posting grades three to four weeks before the as-of date.
        candidates = [t for t in self.teachers if t.dept != "PE"]
        busiest = max((len(t.sections) for t in candidates), default=0)
        candidates = [t for t in candidates if len(t.sections) >= min(3, busiest)]
        stale = sorted(rng.sample(candidates, min(2, len(candidates))), key=lambda t: t.num)
        for t, back in zip(stale, (28, 22), strict=False):
            t.stale_after = as_of - dt.timedelta(back)

        pool = list(self.students)
        rng.shuffle(pool)
        late_n = max(1, round(self.n * 0.01))
        late_dates = [d for d in school_days(D("2026-09-28"), D("2026-10-19"))
                      if d < as_of - dt.timedelta(28)] or [FALL_START]
        late, pool = pool[:late_n], pool[late_n:]
        for s in late:
            s.begin = rng.choice(late_dates)
            self.attendance_kind[s.sourced_id] = "late"

        def fresh(sec: Section) -> bool:
            return sec.teacher is not None and sec.teacher.stale_after is None

        failing_n = max(1, round(self.n * 0.06))
        drop_n = max(1, round(self.n * 0.04))
        taken = 0
        for s in pool:
            if failing_n <= 0:
                break
            options = [x for x in s.sections if fresh(x) and x.course.dept != "PE"]
            if not options:
                continue
            sec = rng.choice(options)
            start = FALL_START + dt.timedelta(rng.randint(0, 28))
            self.patterns[(s.sourced_id, sec.sourced_id)] = Pattern("failing", start)
            failing_n -= 1
            taken += 1
        rest = pool[taken:]
        taken = 0
        for s in rest:
            if drop_n <= 0:
                break
            taken += 1
            start = as_of - dt.timedelta(rng.randint(17, 20))

            def telling(sec: Section, start: dt.date = start) -> bool:
                """Weighted, and a test or project falls due and is scored in the window."""
                return fresh(sec) and self.policies[sec.sourced_id][0] == "weighted" and any(
                    it.kind in ("tests", "projects") and it.due >= start and it.scored <= as_of
                    for it in self.items[sec.sourced_id])

            options = [x for x in s.sections if telling(x)]
            if not options:
                continue
            sec = rng.choice(options)
            self.patterns[(s.sourced_id, sec.sourced_id)] = Pattern("drop", start)
            drop_n -= 1
            s.level = max(s.level, 86.0)
        rest = rest[taken:]
        # Attendance storylines, on students without an academic storyline where possible.
        chronic_n = max(1, round(self.n * 0.08))
        runs_n = max(2, round(self.n * 0.04))
        half_n = max(1, round(self.n / 300))
        for i, s in enumerate(rest[:runs_n]):
            self.attendance_kind[s.sourced_id] = "run"
            self.run_variant[s.sourced_id] = i % 4
            s.miss += 0.02
        for s in rest[runs_n:runs_n + chronic_n]:
            self.attendance_kind[s.sourced_id] = "chronic"
            s.level -= 3.0
            s.miss += 0.03
        if rest[runs_n:runs_n + chronic_n]:
            self.truant = rest[runs_n].sourced_id
        for s in rest[runs_n + chronic_n:runs_n + chronic_n + half_n]:
            self.attendance_kind[s.sourced_id] = "half"

    # -- gradebook ---------------------------------------------------------------------

    def items_for(self, sec: Section) -> list[Item]:
        rng = self.rng
        cid = sec.sourced_id
        keys = {c.key for c in self.policies[cid][1]}
        hw_per_week = rng.choice((1, 2, 2))
        quiz_every = rng.choice((1, 2))
        test_every = rng.choice((3, 4))
        test_offset = rng.randrange(test_every)
        project_every = 3 if sec.course.dept == "ARTS" else 5
        horizon = self.as_of + dt.timedelta(7)
        cal = self.fall_days
        index = self.fall_index
        items: list[Item] = []

        def add(kind: str, due: dt.date, lead: int) -> None:
            """An item due on ``due``, assigned ``lead`` school days before."""
            assign = cal[max(0, index[due] - lead)]
            if assign <= self.as_of:
                items.append(Item(kind, "", assign, due, KINDS[kind][0], f"cat-{cid}-{kind}",
                                  _grading_period(due)))

        for week, days in enumerate(self.weeks):
            if days[0] > horizon:
                break
            if "homework" in keys:
                for d in sorted(rng.sample(days, min(hw_per_week, len(days)))):
                    add("homework", d, 1)
            for kind in ("classwork", "labs", "participation"):
                if kind in keys:
                    add(kind, rng.choice(days), 0)
            if "quizzes" in keys and week % quiz_every == 0:
                add("quizzes", rng.choice(days), 2)
            if "tests" in keys and week > 0 and week % test_every == test_offset:
                add("tests", days[-1] if rng.random() < 0.6 else days[max(0, len(days) - 2)], 5)
            if "projects" in keys and week % project_every == project_every - 1:
                add("projects", days[-1], 12)
        items.sort(key=lambda it: (it.due, it.kind))
        delay_base = rng.choice((1, 2, 2, 3))
        for it in items:
            delay = min(3, max(1, delay_base + rng.choice((-1, 0, 0, 0, 1))))
            it.scored = it.due + dt.timedelta(delay)
        counters: dict[str, int] = {}
        for it in items:
            counters[it.kind] = counters.get(it.kind, 0) + 1
            n = counters[it.kind]
            stem = KINDS[it.kind][1]
            if it.kind == "tests" and sec.course.dept == "PE":
                stem = "Skills Test"
            it.title = f"{stem} {n}"
            if it.kind == "projects":
                it.description = f"{sec.course.title} project {n}: research, draft, final"
        return items

    def results_rows(self, sec: Section, items: list[Item]) -> Iterable[list[str]]:
        rng = self.rng
        as_of = self.as_of
        teacher = sec.teacher
        assert teacher is not None
        stale_after = teacher.stale_after
        cid = sec.sourced_id
        short = cid[4:]
        stamp = self.stamp
        shows_submitted = rng.random() < 0.5
        offsets = {s.num: rng.gauss(0.0, 2.5) for s in sec.students}
        plots = [(s, self.patterns.get((s.sourced_id, cid))) for s in sec.students]
        stories = {s.num: self._storyline(s, sec, plot, items)
                   for s, plot in plots if plot is not None}
        for n, it in enumerate(items, 1):
            scored = it.scored
            if it.due > as_of or (stale_after is not None and scored > stale_after):
                continue
            pending = scored > as_of
            li = f"li-{cid}-{n:03d}"
            miss_factor = KINDS[it.kind][4]
            bonus_ok = it.kind in ("tests", "projects") and rng.random() < 0.3
            date_s = scored.isoformat()
            for s, plot in plots:
                rid = f"res-{short}-{n:03d}-{s.num:05d}"
                if s.begin > it.due:
                    yield [rid, "active", stamp, li, s.sourced_id, "", "exempt", "", "",
                           date_s, "Enrolled after this was due.", "false", "false", "false",
                           "false"]
                    continue
                if pending:
                    if plot is None:
                        miss = s.miss * miss_factor
                    else:
                        miss = _plot_level(plot, it, s.level, 0)[1]
                    if shows_submitted and rng.random() > miss + 0.05:
                        yield [rid, "active", stamp, li, s.sourced_id, "", "submitted", "", "",
                               it.due.isoformat(), "", "false", "false", "false", "false"]
                    continue
                if plot is None:
                    status, score, late, comment = _outcome(
                        rng, it, s.level + offsets[s.num], s.miss * miss_factor, s.late,
                        bonus_ok, 0.006)
                else:
                    status, score, late, comment = stories[s.num][n]
                yield [rid, "active", stamp, li, s.sourced_id, "", status,
                       "" if score is None else _num(score), "", date_s, _quote(comment), "false",
                       "false", _tf(late), _tf(status == "not submitted")]

    def _storyline(self, s: Student, sec: Section, plot: Pattern, items: list[Item]
                   ) -> dict[int, tuple[str, float | None, bool, str]]:
        """Scored outcomes for a storyline, redrawn (harsher each time) until it shows.

        Uses its own ``Random`` so the redraws do not shift the rest of the data.
        """
        cid = sec.sourced_id
        stale_after = sec.teacher.stale_after if sec.teacher else None
        visible = [(n, it) for n, it in enumerate(items, 1)
                   if it.scored <= self.as_of and (stale_after is None or it.scored <= stale_after)]
        method, cats = self.policies[cid]
        weights = {f"cat-{cid}-{c.key}": c.weight or 0.0 for c in cats}
        drops = {f"cat-{cid}-{c.key}": c.drop_lowest for c in cats}
        last_sunday = self.as_of - dt.timedelta((self.as_of.weekday() + 1) % 7)
        sundays = [last_sunday - dt.timedelta(7 * k) for k in range(5, -1, -1)]
        out: dict[int, tuple[str, float | None, bool, str]] = {}
        for severity in range(12):
            rng = random.Random(f"{self.seed}/{s.sourced_id}/{cid}/{severity}")
            out = {}
            for n, it in visible:
                level, miss = _plot_level(plot, it, s.level, severity)
                out[n] = _outcome(rng, it, level, miss, s.late, False, 0.0)

            def grade(when: dt.date, out: dict[int, tuple[str, float | None, bool, str]] = out
                      ) -> float | None:
                return _grade([(items[n - 1], o[0], o[1]) for n, o in out.items()], when,
                              method, weights, drops)

            weekly = [grade(d) for d in sundays]
            now = grade(self.as_of)
            if now is None:
                break
            if plot.kind == "failing":
                if all(g is not None and g < 67.0 for g in weekly[-3:]) and now < 67.0:
                    break
            else:
                peak = max((g for g in weekly if g is not None), default=0.0)
                if peak >= 82.0 and now <= peak - 17.0:
                    break
        return out

    # -- attendance --------------------------------------------------------------------

    def attendance_rows(self) -> list[list[str]]:
        rng = self.rng
        as_of = self.as_of
        window = as_of - dt.timedelta(29)
        rows: list[list[str]] = []
        gp_start = next(s[3] for s in FALL_PERIODS if s[3] <= as_of <= s[4])
        for s in self.students:
            days = [d for d in self.days if d >= s.begin]
            if not days:
                continue
            sid = s.sourced_id
            kind = self.attendance_kind.get(sid, "normal")
            whole: dict[dt.date, str] = {}
            recent = [d for d in days if d >= window]
            if kind == "chronic":
                rate = rng.uniform(0.11, 0.3)
                unexcused = rng.uniform(0.2, 0.8)
                if sid == self.truant:
                    rate, unexcused = 0.36, 0.95  # truancy: > 15 unexcused days this term
                k = min(len(days), math.ceil(rate * len(days)))
                while len(whole) < k:
                    start = rng.randrange(len(days))
                    span = rng.choice((1, 1, 1, 2, 3))
                    for d in days[start:start + span]:
                        if len(whole) < k:
                            whole[d] = ("unexcused_absence" if rng.random() < unexcused
                                        else "excused_absence")
            elif kind == "run":
                variant = self.run_variant[sid]
                if variant == 0:  # a streak spanning a weekend, through the as-of date
                    chosen = recent[-7:]
                elif variant == 1:  # exactly 5 in 30 days: a 3-day streak and 2 earlier
                    chosen = recent[-3:] + rng.sample(recent[:-4], min(2, len(recent) - 4))
                elif variant == 2:  # scattered, no current streak
                    chosen = rng.sample(recent[:-1], min(len(recent) - 1, rng.choice((5, 6))))
                else:  # more than 8 in the current grading period
                    gp = [d for d in days if d >= gp_start]
                    gp = gp if len(gp) >= 10 else days[-10:]
                    chosen = [d for i, d in enumerate(gp) if i != 1][-9:]
                for d in chosen:
                    whole[d] = "unexcused_absence"
                early = [d for d in days if d < window]
                for d in rng.sample(early, min(len(early), rng.randint(0, 2))):
                    whole[d] = "excused_absence"
            else:
                k = rng.choices((0, 1, 2, 3, 4, 5), (34, 26, 17, 11, 7, 5))[0]
                k = min(k, int(len(days) * 0.08))
                while len(whole) < k:
                    start = rng.randrange(len(days))
                    span = 2 if rng.random() < 0.15 else 1
                    reason = "excused_absence" if rng.random() < 0.78 else "unexcused_absence"
                    for d in days[start:start + span]:
                        if len(whole) < k:
                            whole[d] = reason
            if rng.random() < 0.05:
                d = rng.choice(days)
                whole.setdefault(d, "early_departure")
            for d, cat in whole.items():
                rows.append([f"att-{s.num:05d}-{d:%Y%m%d}", sid, d.isoformat(), cat, "", ""])

            # Period-level records on days without a whole-day record.
            present = [d for d in days if d not in whole]
            if not present:
                continue
            by_period = {x.period: x for x in s.sections}
            periods = sorted(by_period)
            period_rows: dict[tuple[dt.date, int], str] = {}
            r = rng.random()
            tardies = (rng.randint(6, 14) if r < 0.1 else rng.randint(2, 5) if r < 0.4
                       else rng.randint(0, 1))
            for _ in range(tardies):
                p = periods[0] if r < 0.1 and rng.random() < 0.8 else rng.choice(periods)
                period_rows[(rng.choice(present), p)] = "tardy"
            if rng.random() < 0.06:
                for _ in range(rng.randint(1, 2)):
                    reason = "unexcused_absence" if rng.random() < 0.6 else "excused_absence"
                    period_rows[(rng.choice(present), rng.choice(periods))] = reason
            if kind == "half":  # left at lunch: period absences in at least half the classes
                d = rng.choice([x for x in present if x >= window] or present)
                for p in periods[len(periods) // 2:]:
                    period_rows[(d, p)] = "unexcused_absence"
            for (d, p), cat in period_rows.items():
                sec = by_period[p]
                rows.append([f"att-{s.num:05d}-{d:%Y%m%d}-p{p}", sid, d.isoformat(), cat,
                             sec.sourced_id, str(p)])
        rows.sort(key=lambda row: (row[1], row[2], row[5]))
        return rows

    # -- output ------------------------------------------------------------------------

    def write(self, out: Path) -> dict[str, int]:
        stamp = self.stamp
        counts: dict[str, int] = {}
        manifest = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
        manifest += [(f"file.{name}", mode) for name, mode in MANIFEST_FILES]
        manifest += [("source.systemName", "caseload sample generator"),
                     ("source.systemCode", "caseload-sample"),
                     ("caseload.asOfDate", self.as_of.isoformat())]
        counts["manifest.csv"] = _write(out, "manifest.csv", manifest)
        counts["orgs.csv"] = _write(out, "orgs.csv", [
            [DISTRICT_ID, "active", stamp, "Bayside City Public Schools", "district", "BCPS", ""],
            [SCHOOL_ID, "active", stamp, "Harborview High School", "school", "0417",
             DISTRICT_ID],
        ])
        counts["academicSessions.csv"] = _write(out, "academicSessions.csv", sorted(
            [sid, "active", stamp, title, typ, a.isoformat(), b.isoformat(), parent, "2027"]
            for sid, title, typ, a, b, parent in SESSIONS))
        used = sorted({x.course.code for x in self.sections})
        counts["courses.csv"] = _write(out, "courses.csv", (
            [COURSES[c].sourced_id, "active", stamp, YEAR_ID, COURSES[c].title, c,
             ",".join(COURSES[c].grades), SCHOOL_ID, COURSES[c].subject, COURSES[c].subject_code]
            for c in used))
        counts["classes.csv"] = _write(out, "classes.csv", (
            [x.sourced_id, "active", stamp, x.course.title, ",".join(x.course.grades),
             x.course.sourced_id, f"{x.course.code}-{x.number:02d}", "scheduled",
             x.teacher.room if x.teacher else "", SCHOOL_ID,
             f"{FALL_ID},{SPRING_ID}" if x.course.year_long else FALL_ID,
             x.course.subject, x.course.subject_code, str(x.period)]
            for x in self.sections))
        counts["users.csv"] = _write(out, "users.csv", sorted(self._user_rows()))
        counts["roles.csv"] = _write(out, "roles.csv", sorted(
            [f"role-{sid}", "active", stamp, sid, "primary", role, YEAR_START.isoformat(), "",
             SCHOOL_ID, ""] for sid, role in self._roles()))
        counts["demographics.csv"] = _write(out, "demographics.csv", self._demographics())
        counts["enrollments.csv"] = _write(out, "enrollments.csv", self._enrollments())
        cat_rows, policy_rows = [], []
        for x in self.sections:
            cid = x.sourced_id
            method, cats = self.policies[cid]
            policy_rows.append([cid, method, "", "", ""])
            for c in cats:
                cat_id = f"cat-{cid}-{c.key}"
                w = "" if c.weight is None else _num(c.weight)
                cat_rows.append([cat_id, "active", stamp, c.title, w])
                if c.weight is not None or c.drop_lowest:
                    policy_rows.append([cid, method, cat_id, w, str(c.drop_lowest)])
        counts["categories.csv"] = _write(out, "categories.csv", sorted(cat_rows))
        counts["gradingPolicies.csv"] = _write(out, "gradingPolicies.csv", policy_rows)

        # Line items and results stream out class by class.
        li_fh = (out / "lineItems.csv").open("w", encoding="utf-8", newline="")
        res_fh = (out / "results.csv").open("w", encoding="utf-8", newline="")
        with li_fh, res_fh:
            li_w = csv.writer(li_fh, lineterminator="\n")
            li_w.writerow(HEADERS["lineItems.csv"])
            res_fh.write(",".join(HEADERS["results.csv"]) + "\n")
            n_li = n_res = 0
            for x in self.sections:
                cid = x.sourced_id
                items = self.items[cid]
                for n, it in enumerate(items, 1):
                    li_w.writerow([f"li-{cid}-{n:03d}", "active", stamp, it.title,
                                   it.description, cid, SCHOOL_ID, it.category,
                                   it.grading_period, FALL_ID, it.assign.isoformat(),
                                   it.due.isoformat(), "", "0", _num(it.max_points)])
                n_li += len(items)
                # The hot path: join rows by hand, quoting exactly as csv.writer would
                # (only comments can hold a comma or a quote).
                lines = [",".join(row) for row in self.results_rows(x, items)]
                if lines:
                    res_fh.write("\n".join(lines))
                    res_fh.write("\n")
                n_res += len(lines)
        counts["lineItems.csv"] = n_li
        counts["results.csv"] = n_res

        counts["attendance.csv"] = _write(out, "attendance.csv", self.attendance_rows())
        counts["calendar.csv"] = _write(out, "calendar.csv", (
            [SCHOOL_ID, d.isoformat(), _tf(d in MAKEUP_DAYS)]
            for d in sorted(HOLIDAYS | MAKEUP_DAYS)))
        counts["caseloads.csv"] = _write(out, "caseloads.csv", sorted(
            [s.counselor, s.sourced_id] for s in self.students))
        return counts

    def _user_rows(self) -> Iterable[list[str]]:
        stamp = self.stamp
        for s in self.students:
            user = f"{_slug(s.given)[:1]}{_slug(s.family)[:12]}{s.num % 1000:03d}"
            state = f"{{stateId:MD{7_000_000_000 + s.num * 37:010d}}}"
            yield [s.sourced_id, "active", stamp, "true", user, state, s.given, s.family,
                   s.middle, f"S{100000 + s.num}", f"{user}@students.bcps.example", "", "", "",
                   s.grade, "", "", "", s.preferred, "", "", SCHOOL_ID, ""]
        staff: list[tuple[Person, str]] = [(t, "T") for t in self.teachers]
        staff += [(c, "C") for c in self.counselors]
        for p, letter in staff:
            user = f"{_slug(p.given)}.{_slug(p.family)}"
            ident = f"{letter}{2000 + p.num}" if letter == "T" else f"{letter}{300 + p.num}"
            yield [p.sourced_id, "active", stamp, "true", user, "", p.given, p.family, "",
                   ident, f"{user}@bcps.example", "", "", "", "", "", "", "", "", "", "",
                   SCHOOL_ID, ""]

    def _roles(self) -> Iterable[tuple[str, str]]:
        for s in self.students:
            yield s.sourced_id, "student"
        for t in self.teachers:
            yield t.sourced_id, "teacher"
        for c in self.counselors:
            yield c.sourced_id, "counselor"

    def _demographics(self) -> Iterable[list[str]]:
        rng = random.Random(self.rng.random())
        races = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                 "nativeHawaiianOrOtherPacificIslander", "white")
        for s in self.students:
            # 14 on 1 September 2026 in grade 9 (a few a year older)
            year = 2026 - int(s.grade) - 6 - (1 if rng.random() < 0.03 else 0)
            birth = dt.date(year, 9, 2) + dt.timedelta(rng.randrange(365))
            picks = {rng.choices(races, (1, 8, 30, 1, 48))[0]}
            if rng.random() < 0.07:
                picks.add(rng.choice(races))
            flags = [_tf(r in picks) for r in races]
            us = rng.random() < 0.9
            state = rng.choices(("MD", "VA", "PA", "DC", "NY", "TX"), (80, 6, 4, 4, 3, 3))[0]
            yield [s.sourced_id, "active", self.stamp, birth.isoformat(), s.sex, *flags,
                   _tf(len(picks) > 1), _tf(rng.random() < 0.22),
                   "US" if us else rng.choice(("MX", "SV", "GT", "VN", "PH", "NG", "IN", "HT")),
                   state if us else "", "Bayside City" if us and state == "MD" and
                   rng.random() < 0.6 else "", "01652"]

    def _enrollments(self) -> Iterable[list[str]]:
        stamp = self.stamp
        for x in self.sections:
            cid = x.sourced_id
            end = (YEAR_END if x.course.year_long else FALL_END).isoformat()
            assert x.teacher is not None
            yield [f"enr-{cid}-{x.teacher.sourced_id}", "active", stamp, cid, SCHOOL_ID,
                   x.teacher.sourced_id, "teacher", "true", FALL_START.isoformat(), end]
            for s in x.students:
                yield [f"enr-{cid}-{s.sourced_id}", "active", stamp, cid, SCHOOL_ID,
                       s.sourced_id, "student", "false", s.begin.isoformat(), end]


def generate(
    out_dir: Path,
    students: int = DEFAULT_STUDENTS,
    seed: int = DEFAULT_SEED,
    as_of: dt.date = DEFAULT_AS_OF,
) -> Path:
    """Write the synthetic school to ``out_dir`` (created if needed); return ``out_dir``.

    ``as_of`` is the date the data runs through; it must fall in the fall semester at least
    five weeks after it starts (the storylines look back up to four weeks). The storylines
    are tuned for the default, mid-November: late in the semester a three-week slump moves
    a running grade less, so fewer students show a 15-point drop.
    """
    if students < 1:
        raise ValueError("students must be at least 1")
    if not (FALL_START + dt.timedelta(35) <= as_of <= FALL_END):
        raise ValueError(f"as_of must be between {FALL_START + dt.timedelta(35)} and {FALL_END}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    school = _School(students, seed, as_of)
    school.make_people()
    school.choose_courses()
    school.build_sections()
    school.staff_sections()
    school.make_policies()
    school.make_items()
    school.assign_patterns()
    school.write(out_dir)
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m caseload.samplegen",
        description="Write a deterministic synthetic high school as OneRoster 1.2 CSV.")
    parser.add_argument("out_dir", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--students", type=int, default=DEFAULT_STUDENTS,
                        help=f"number of students (default {DEFAULT_STUDENTS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF,
                        help=f"date the data runs through (default {DEFAULT_AS_OF})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        out = generate(args.out_dir, args.students, args.seed, args.as_of)
    except ValueError as exc:
        parser.error(str(exc))
    took = time.perf_counter() - started
    print(f"wrote {out} ({args.students} students, seed {args.seed}) in {took:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
