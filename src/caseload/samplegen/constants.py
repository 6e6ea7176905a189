"""The sample school's fixed facts: dates and calendar, names, courses, gradebook templates and
the files' headers. Pure data, no randomness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def _c(
    code: str, title: str, grades: str, dept: str, subj: str, sc: str, year: bool = True
) -> Course:
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
    "incidents.csv": ("sourcedId", "incidentSourcedId", "schoolSourcedId", "date",
                      "studentSourcedId", "behavior", "description", "location"),
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
