"""Ed-Fi XML interchange reader: the DS 4 fixture, the Grand Bend sample, and bad input."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import pytest

from caseload.domain.records import (
    AttendanceCategory,
    CalendarDay,
    Category,
    DisciplineIncident,
    Org,
    Role,
    ScoreStatus,
    SessionType,
    StudentIncident,
)
from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.edfi_api_fields import school_year_text
from caseload.sources.edfi_common import school_year_end
from caseload.sources.edfi_xml import is_edfi_folder, read_edfi_folder

SMALL = Path(__file__).parent / "data" / "edfi_small"
GRAND_BEND = Path(__file__).resolve().parents[1].parent / "shared/data/edfi-grand-bend"

DS4 = "http://ed-fi.org/0400"
D = "uri://ed-fi.org/"
FALL = "900001:2021-2022:2021-2022 Fall Semester"
MATH = f"{FALL}:MATH-9:MATH9-01"
ENG = f"{FALL}:ENG-9:ENG9-01"


def by_id(records: list) -> dict:
    return {r.sourced_id: r for r in records}


# --- helpers to build small folders for bad-input tests ----------------------------------


def interchange(root: str, body: str) -> str:
    """An interchange file: the first record starts on line 3."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{DS4}">\n{body}\n</{root}>\n'


def student_ref(uid: str) -> str:
    return (
        f"<StudentReference><StudentIdentity><StudentUniqueId>{uid}</StudentUniqueId>"
        f"</StudentIdentity></StudentReference>"
    )


def school_ref(sid: str = "1") -> str:
    return (
        f"<SchoolReference><SchoolIdentity><SchoolId>{sid}</SchoolId>"
        "</SchoolIdentity></SchoolReference>"
    )


def attendance_event(
    day: str = "2021-09-14", category: str = "Excused Absence", uid: str = "S1"
) -> str:
    return (
        f"<StudentSchoolAttendanceEvent>{student_ref(uid)}{school_ref()}\n"
        f"  <EventDate>{day}</EventDate>\n"
        f"  <AttendanceEventCategory>{D}AttendanceEventCategoryDescriptor#{category}"
        f"</AttendanceEventCategory>\n"
        f"</StudentSchoolAttendanceEvent>"
    )


def gradebook(score: str) -> str:
    section = (
        "<SectionReference><SectionIdentity><SectionIdentifier>SEC-1</SectionIdentifier>"
        "<CourseOfferingReference><CourseOfferingIdentity><LocalCourseCode>C1</LocalCourseCode>"
        f"{school_ref()}<SessionReference><SessionIdentity><SessionName>Fall</SessionName>"
        f"<SchoolYear>2021-2022</SchoolYear>{school_ref()}</SessionIdentity></SessionReference>"
        "</CourseOfferingIdentity></CourseOfferingReference></SectionIdentity></SectionReference>"
    )
    entry = (
        "<GradebookEntryReference><GradebookEntryIdentity><GradebookEntryIdentifier>G1"
        "</GradebookEntryIdentifier><Namespace>uri://x</Namespace></GradebookEntryIdentity>"
        "</GradebookEntryReference>"
    )
    return interchange(
        "InterchangeStudentGradebook",
        f"<GradebookEntry><GradebookEntryIdentifier>G1</GradebookEntryIdentifier>"
        f"<Namespace>uri://x</Namespace><DateAssigned>2021-09-01</DateAssigned><Title>Quiz</Title>"
        f"{section}</GradebookEntry>\n"
        f"<StudentGradebookEntry>{entry}{student_ref('S1')}\n"
        f"  <NumericGradeEarned>{score}</NumericGradeEarned>\n"
        f"</StudentGradebookEntry>\n"
        f"<StudentGradebookEntry>{entry}{student_ref('S2')}<NumericGradeEarned>75</NumericGradeEarned>"
        f"</StudentGradebookEntry>",
    )


def folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


# --- the DS 4 fixture ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> Dataset:
    return read_edfi_folder(SMALL)


def test_small_fixture_is_detected() -> None:
    assert is_edfi_folder(SMALL)


def test_small_dataset_kind_and_counts(small: Dataset) -> None:
    assert small.kind == "edfi-xml"
    assert small.source == str(SMALL)
    assert small.rejects == []
    assert small.counts() == {
        "orgs": 3,
        "academic_sessions": 7,
        "calendar_days": 4,
        "users": 4,
        "courses": 2,
        "classes": 2,
        "enrollments": 4,
        "categories": 2,
        "line_items": 2,
        "results": 4,
        "attendance_events": 6,
        "discipline_incidents": 1,
        "student_incidents": 2,
    }


def test_small_orgs_with_lea_parent_by_identity_and_by_ref(small: Dataset) -> None:
    assert small.orgs == [
        Org("900", "Lakeview Unified (fictional)", "district", "900"),
        Org("900001", "Lakeview High School", "school", "900001", parent_id="900"),
        Org("900002", "Lakeview Middle School", "school", "900002", parent_id="900"),
    ]


def test_small_sessions_school_years_and_grading_periods(small: Dataset) -> None:
    s = by_id(small.academic_sessions)
    year = s["900001:2021-2022"]
    assert year.type is SessionType.SCHOOL_YEAR
    assert (year.start_date, year.end_date) == (dt.date(2021, 8, 16), dt.date(2022, 5, 27))
    assert year.school_year == 2022 and year.school_id == "900001" and year.parent_id is None
    assert s["900002:2021-2022"].end_date == dt.date(2021, 11, 19)

    fall = s[FALL]
    assert fall.type is SessionType.SEMESTER
    assert fall.title == "2021-2022 Fall Semester"
    assert fall.parent_id == "900001:2021-2022"
    assert fall.school_year == 2022
    assert s["900002:2021-2022:2021-2022 Trimester 1"].type is SessionType.TERM

    q1 = s["900001:2021-2022:First Nine Weeks:1"]  # referenced by identity
    q2 = s["900001:2021-2022:Second Nine Weeks:2"]  # referenced by ref="GP_2"
    for gp in (q1, q2):
        assert gp.type is SessionType.GRADING_PERIOD
        assert gp.parent_id == FALL
    assert q1.title == "First Nine Weeks"
    assert (q2.start_date, q2.end_date) == (dt.date(2021, 10, 18), dt.date(2021, 12, 17))


def test_small_calendar_days(small: Dataset) -> None:
    assert sorted(small.calendar_days, key=lambda d: d.date) == [
        CalendarDay("900001", dt.date(2021, 8, 16), True),  # Instructional day
        CalendarDay("900001", dt.date(2021, 9, 6), False),  # Holiday
        CalendarDay("900001", dt.date(2021, 10, 11), False),  # Teacher only day
        CalendarDay("900001", dt.date(2021, 10, 12), True),  # Make-up day
    ]


def test_small_courses_and_classes(small: Dataset) -> None:
    courses = by_id(small.courses)
    assert courses["900001:MATH-9"].title == "Algebra I"  # LocalCourseTitle
    assert courses["900001:ENG-9"].title == "English 9"  # from the Course catalog
    assert courses["900001:ENG-9"].course_code == "ENG-9"

    classes = by_id(small.classes)
    math = classes[MATH]
    assert math.title == "Algebra I (MATH9-01)"
    assert math.class_code == "MATH9-01"
    assert math.course_id == "900001:MATH-9"
    assert math.school_id == "900001"
    assert math.term_ids == (FALL,)
    assert math.period == "1st Period"
    eng = classes[ENG]
    assert eng.title == "English 9 (Honors)"
    assert eng.period == "2nd Period, 3rd Period"


def test_small_users(small: Dataset) -> None:
    users = by_id(small.users)
    avery = users["S1001"]
    assert avery.role is Role.STUDENT
    assert (avery.given_name, avery.middle_name, avery.family_name) == ("Avery", "Quinn", "Example")
    assert avery.identifier == "S1001"
    assert avery.state_id == "ST-55501"  # StudentIdentificationCode with a State system
    assert avery.birth_date == dt.date(2007, 3, 4)
    assert (avery.school_id, avery.grade_level) == ("900001", "09")
    # The latest StudentSchoolAssociation wins.
    assert (users["S1002"].school_id, users["S1002"].grade_level) == ("900001", "10")
    # No association: the school its attendance events name most often.
    assert (users["S1003"].school_id, users["S1003"].grade_level) == ("900002", None)
    teacher = users["T500"]
    assert teacher.role is Role.TEACHER
    assert teacher.email == "jteacher@lakeview.example"
    assert teacher.school_id == "900001"


def test_small_enrollments(small: Dataset) -> None:
    enr = by_id(small.enrollments)
    avery = enr[f"S1001:{MATH}:2021-08-16"]
    assert (avery.class_id, avery.user_id, avery.role) == (MATH, "S1001", Role.STUDENT)
    assert (avery.begin_date, avery.end_date) == (dt.date(2021, 8, 16), dt.date(2021, 12, 17))
    teacher = enr[f"T500:{MATH}:2021-08-16"]
    assert teacher.role is Role.TEACHER and teacher.primary


def test_small_attendance(small: Dataset) -> None:
    events = by_id(small.attendance_events)
    ev = events["S1001:900001:2021-09-14:excused_absence"]
    assert ev.class_id is None and ev.school_id == "900001"
    assert ev.category is AttendanceCategory.EXCUSED_ABSENCE
    assert (
        events["S1003:900002:2021-09-20:early_departure"].category
        is AttendanceCategory.EARLY_DEPARTURE
    )
    assert events["S1003:900001:2021-09-21:present"].category is AttendanceCategory.PRESENT
    tardy = events[f"S1002:{ENG}:2021-09-14:tardy"]
    assert tardy.class_id == ENG
    assert tardy.school_id == "900001"
    assert tardy.period == "2nd Period, 3rd Period"
    assert tardy.category is AttendanceCategory.TARDY


def test_small_gradebook(small: Dataset) -> None:
    assert small.categories == [
        Category("edfi-cat:Quiz", "Quiz"),
        Category("edfi-cat:Homework", "Homework"),
    ]
    items = by_id(small.line_items)
    quiz = items["GB-1"]
    assert (quiz.class_id, quiz.title, quiz.category_id) == (MATH, "Quiz 1", "edfi-cat:Quiz")
    assert (quiz.assign_date, quiz.due_date) == (dt.date(2021, 9, 1), dt.date(2021, 9, 3))
    assert quiz.max_points == 20.0
    assert quiz.grading_period_id == "900001:2021-2022:First Nine Weeks:1"
    assert items["GB-2"].max_points == 100.0  # no MaxPoints
    assert items["GB-2"].grading_period_id is None

    res = by_id(small.results)
    graded = res["GB-1:S1001"]
    assert (graded.score, graded.status, graded.late) == (18.0, ScoreStatus.FULLY_GRADED, False)
    assert graded.score_date == dt.date(2021, 9, 3)
    missing = res["GB-1:S1002"]
    assert (missing.score, missing.status, missing.missing) == (
        None,
        ScoreStatus.NOT_SUBMITTED,
        True,
    )
    assert missing.is_missing
    assert res["GB-2:S1001"].status is ScoreStatus.EXEMPT
    late = res["GB-2:S1002"]
    assert (late.score, late.status, late.late) == (90.5, ScoreStatus.FULLY_GRADED, True)


def test_small_discipline(small: Dataset) -> None:
    assert small.discipline_incidents == [
        DisciplineIncident(
            "900001:77",
            dt.date(2021, 10, 1),
            "900001",
            "School Code of Conduct",
            "Food thrown at lunch",
            "Cafeteria area",
        )
    ]
    # The witness (S1001) is not an offender; S1003's association uses ref="DI_77".
    assert small.student_incidents == [
        StudentIncident("900001:77", "S1002", "School Code of Conduct"),
        StudentIncident("900001:77", "S1003", "Other"),
    ]
    # ... and the summary counts the witness's link (it was left out without a word)
    assert (
        "not shown: 1 student link to discipline incidents as a victim, witness or reporter "
        "(caseload counts the incidents a student took part in)"
    ) in small.notices


def test_a_letter_grade_alone_is_counted_not_shown(tmp_path: Path) -> None:
    """A StudentGradebookEntry with only a LetterGradeEarned lost the letter without a word
    (the entry is listed with no score)."""
    xml = gradebook("90").replace(
        "<NumericGradeEarned>90</NumericGradeEarned>", "<LetterGradeEarned>B+</LetterGradeEarned>"
    )
    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    assert [r.score for r in sorted(ds.results, key=lambda r: r.student_id)] == [None, 75.0]
    assert (
        "not shown: 1 letter grade of gradebook entries with no points or numeric grade "
        "(caseload reads numbers: the entry is listed with no score and counts toward no grade)"
    ) in ds.notices


def test_records_and_interchanges_caseload_does_not_read_are_counted(grand_bend: Dataset) -> None:
    """The real Grand Bend export: suspensions (DisciplineAction), staff incident links and a
    whole intervention interchange were read past without a word."""
    notices = grand_bend.notices
    unread = next(n for n in notices if n.startswith("not read: ") and "records" in n)
    assert "25 DisciplineAction" in unread and "21 StaffDisciplineIncidentAssociation" in unread
    assert unread.endswith("(records caseload does not use)")
    assert (
        "not read: StudentIntervention.xml (InterchangeStudentIntervention): interchanges "
        "caseload does not use"
    ) in notices


def test_a_second_behavior_of_one_student_in_one_incident_is_counted(tmp_path: Path) -> None:
    incident = (
        "<DisciplineIncident><IncidentIdentifier>77</IncidentIdentifier>"
        "<IncidentDate>2021-10-01</IncidentDate>"
        f"{school_ref('900001')}</DisciplineIncident>"
    )

    def behavior(kind: str) -> str:
        return (
            f"<StudentDisciplineIncidentBehaviorAssociation>{student_ref('S1')}"
            "<DisciplineIncidentReference><DisciplineIncidentIdentity>"
            "<IncidentIdentifier>77</IncidentIdentifier>"
            f"{school_ref('900001')}</DisciplineIncidentIdentity></DisciplineIncidentReference>"
            f"<Behavior>{D}BehaviorDescriptor#{kind}</Behavior>"
            "</StudentDisciplineIncidentBehaviorAssociation>"
        )

    xml = interchange(
        "InterchangeStudentDiscipline", incident + behavior("Fight") + behavior("Weapon")
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}))
    assert [i.behavior for i in ds.student_incidents] == ["Fight"]
    assert (
        "not shown: 1 further behavior of a student in an incident (the first behavior read "
        "is kept)"
    ) in ds.notices


def test_small_origins_name_file_and_line(small: Dataset) -> None:
    assert small.origins[("users", "S1001")] == "export-a.xml:3"
    assert small.origins[
        ("attendance_events", "S1001:900001:2021-09-14:excused_absence")
    ].startswith("attendance.xml:")
    assert small.origins[("classes", MATH)].startswith("schedule.xml:")


def test_files_are_identified_by_root_element_not_name(tmp_path: Path) -> None:
    (tmp_path / "Student.xml").write_text(
        interchange("InterchangeStudentIntervention", "<Student/>"), encoding="utf-8"
    )
    (tmp_path / "whatever.XML").write_text(
        interchange(
            "InterchangeStudent",
            "<Student><StudentUniqueId>S9</StudentUniqueId>"
            "<Name><FirstName>Pat</FirstName><LastSurname>Doe</LastSurname></Name></Student>",
        ),
        encoding="utf-8",
    )
    (tmp_path / "Student.csv").write_text("not,xml\n", encoding="utf-8")
    ds = read_edfi_folder(tmp_path)
    assert [u.sourced_id for u in ds.users] == ["S9"]
    assert ds.users[0].school_id is None  # no school anywhere


def test_namespace_does_not_matter(tmp_path: Path) -> None:
    body = (
        "<Student><StudentUniqueId>S9</StudentUniqueId>"
        "<Name><FirstName>Pat</FirstName><LastSurname>Doe</LastSurname></Name></Student>"
    )
    for ns in ("http://ed-fi.org/0400", "http://ed-fi.org/5.2.0", "http://ed-fi.org/6.0.0"):
        (tmp_path / "s.xml").write_text(
            f'<InterchangeStudent xmlns="{ns}">{body}</InterchangeStudent>', encoding="utf-8"
        )
        assert [u.sourced_id for u in read_edfi_folder(tmp_path).users] == ["S9"]


def test_is_edfi_folder_false_cases(tmp_path: Path) -> None:
    assert not is_edfi_folder(tmp_path)  # empty
    (tmp_path / "catalog.xml").write_text("<catalog/>", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("<InterchangeStudent/>", encoding="utf-8")
    assert not is_edfi_folder(tmp_path)
    assert not is_edfi_folder(SMALL / "orgs.xml")  # a file, not a folder
    assert not is_edfi_folder(Path(__file__).parent / "data" / "oneroster_min")


# --- bad input ------------------------------------------------------------------------------


def test_bad_date_names_file_line_and_field(tmp_path: Path) -> None:
    path = folder(
        tmp_path,
        **{
            "att.xml": interchange(
                "InterchangeStudentAttendance", attendance_event(day="2021-13-45")
            )
        },
    )
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    err = exc.value
    assert (err.file, err.line, err.field) == ("att.xml", 4, "EventDate")
    assert err.reason == "2021-13-45 is not a real date: month 13 does not exist"
    assert str(err).startswith("att.xml:4: field 'EventDate':")


@pytest.mark.parametrize(
    "day", ["2021-09-14Tgarbage", "2021-09-14-junk", "2021-09-14Z!!", "2021-09-14T25:00:00"]
)
def test_a_date_with_text_after_it_is_refused(tmp_path: Path, day: str) -> None:
    """The day was read and whatever followed it ignored."""
    path = folder(tmp_path, **{
        "att.xml": interchange("InterchangeStudentAttendance", attendance_event(day=day))
    })
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    assert (exc.value.line, exc.value.field) == (4, "EventDate")
    assert day in exc.value.reason


@pytest.mark.parametrize(
    "day", ["2021-09-14Z", "2021-09-14-05:00", "2021-09-14T08:30:00", "2021-09-14T08:30:00.5Z"]
)
def test_a_date_with_a_zone_or_time_is_read_as_its_day(tmp_path: Path, day: str) -> None:
    path = folder(tmp_path, **{
        "att.xml": interchange("InterchangeStudentAttendance", attendance_event(day=day))
    })
    assert [e.date for e in read_edfi_folder(path).attendance_events] == [dt.date(2021, 9, 14)]


def test_unknown_attendance_category(tmp_path: Path) -> None:
    path = folder(
        tmp_path,
        **{
            "att.xml": interchange(
                "InterchangeStudentAttendance", attendance_event(category="Sick-ish")
            )
        },
    )
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == (
        "att.xml",
        5,
        "AttendanceEventCategory",
    )
    assert "unknown attendance category" in exc.value.reason


def test_non_numeric_score(tmp_path: Path) -> None:
    path = folder(tmp_path, **{"gb.xml": gradebook("A+")})
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == ("gb.xml", 5, "NumericGradeEarned")
    assert exc.value.reason == "not a number: 'A+'"


@pytest.mark.parametrize("score", ["1_0", "\uff18\uff15", "\u0668\u0665"])
def test_a_score_that_is_not_plain_ascii_digits_is_refused(tmp_path: Path, score: str) -> None:
    """float() reads 1_0, full-width and Arabic-Indic digits: they were stored as scores."""
    path = folder(tmp_path, **{"gb.xml": gradebook(score)})
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == ("gb.xml", 5, "NumericGradeEarned")
    assert exc.value.reason == f"not a number: {score!r}"


def test_negative_score(tmp_path: Path) -> None:
    path = folder(tmp_path, **{"gb.xml": gradebook("-3")})
    with pytest.raises(SourceError, match="must not be negative") as exc:
        read_edfi_folder(path)
    assert exc.value.field == "NumericGradeEarned"


def test_missing_required_element(tmp_path: Path) -> None:
    path = folder(
        tmp_path,
        **{
            "s.xml": interchange(
                "InterchangeStudent",
                "<Student>\n<Name><FirstName>Pat</FirstName><LastSurname>Doe</LastSurname></Name>\n</Student>",
            )
        },
    )
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == ("s.xml", 3, "StudentUniqueId")
    assert "required" in exc.value.reason


def test_duplicate_natural_key(tmp_path: Path) -> None:
    body = attendance_event() + "\n" + attendance_event()
    path = folder(tmp_path, **{"att.xml": interchange("InterchangeStudentAttendance", body)})
    with pytest.raises(SourceError, match=r"duplicate attendance event .*first seen at att.xml:3"):
        read_edfi_folder(path)


def test_skip_invalid_collects_rejects_and_keeps_the_rest(tmp_path: Path) -> None:
    body = "\n".join(
        [
            attendance_event(day="2021-09-14"),
            attendance_event(day="not-a-date", uid="S2"),
            attendance_event(category="Sick-ish", uid="S3"),
            attendance_event(day="2021-09-15"),
        ]
    )
    path = folder(
        tmp_path,
        **{"att.xml": interchange("InterchangeStudentAttendance", body), "gb.xml": gradebook("A+")},
    )
    ds = read_edfi_folder(path, skip_invalid=True)
    assert sorted(e.date for e in ds.attendance_events) == [
        dt.date(2021, 9, 14),
        dt.date(2021, 9, 15),
    ]
    assert [r.student_id for r in ds.results] == ["S2"]
    assert len(ds.line_items) == 1
    assert [(r.file, r.field) for r in ds.rejects] == [
        ("att.xml", "EventDate"),
        ("att.xml", "AttendanceEventCategory"),
        ("gb.xml", "NumericGradeEarned"),
    ]
    assert all(isinstance(r.line, int) for r in ds.rejects)
    assert ds.rejects[0].raw == {"element": "StudentSchoolAttendanceEvent"}


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<InterchangeStudent xmlns="http://ed-fi.org/0400"><Student><StudentUniqueId>&lol9;</StudentUniqueId></Student></InterchangeStudent>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE InterchangeStudent [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<InterchangeStudent xmlns="http://ed-fi.org/0400"><Student><StudentUniqueId>&xxe;</StudentUniqueId></Student></InterchangeStudent>
"""


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_billion_laughs_is_refused(tmp_path: Path, skip_invalid: bool) -> None:
    (tmp_path / "good.xml").write_text(
        interchange("InterchangeStudentAttendance", attendance_event()), encoding="utf-8"
    )
    (tmp_path / "bomb.xml").write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(tmp_path, skip_invalid=skip_invalid)  # never a mere reject
    assert exc.value.file == "bomb.xml"
    assert exc.value.line == 3
    assert "entity declarations are not allowed" in exc.value.reason
    assert "XML bomb" in exc.value.reason


def test_external_entity_is_refused(tmp_path: Path) -> None:
    (tmp_path / "xxe.xml").write_text(EXTERNAL_ENTITY, encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(tmp_path)
    assert exc.value.file == "xxe.xml"
    assert "external entity" in exc.value.reason
    assert "root:" not in str(exc.value)  # nothing from /etc/passwd leaks


def test_unsafe_files_do_not_make_a_folder_look_like_edfi(tmp_path: Path) -> None:
    (tmp_path / "bomb.xml").write_text(BILLION_LAUGHS, encoding="utf-8")
    assert not is_edfi_folder(tmp_path)


def test_malformed_xml(tmp_path: Path) -> None:
    (tmp_path / "broken.xml").write_text(
        interchange("InterchangeStudent", "<Student><StudentUniqueId>S1</Student>"),
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(tmp_path)
    assert (exc.value.file, exc.value.line) == ("broken.xml", 3)
    assert exc.value.reason.startswith("malformed XML: mismatched tag")


def test_unknown_ref_is_an_error(tmp_path: Path) -> None:
    body = (
        "<DisciplineIncident><IncidentIdentifier>1</IncidentIdentifier>"
        f"<IncidentDate>2021-10-01</IncidentDate>{school_ref()}</DisciplineIncident>\n"
        f"<StudentDisciplineIncidentBehaviorAssociation>{student_ref('S1')}"
        '<DisciplineIncidentReference ref="NOPE"/>'
        f"<Behavior>{D}BehaviorDescriptor#Other</Behavior>"  # (required: else rejected for it)
        "</StudentDisciplineIncidentBehaviorAssociation>"
    )
    path = folder(tmp_path, **{"d.xml": interchange("InterchangeStudentDiscipline", body)})
    with pytest.raises(SourceError, match="unknown reference ref='NOPE'") as exc:
        read_edfi_folder(path)
    assert (exc.value.file, exc.value.field) == ("d.xml", "DisciplineIncidentReference")
    ds = read_edfi_folder(path, skip_invalid=True)
    assert ds.student_incidents == [] and len(ds.rejects) == 1


# --- the Grand Bend sample (Ed-Fi DS 5.2, Apache-2.0) ----------------------------------------


@pytest.fixture(scope="module")
def grand_bend() -> Dataset:
    if not GRAND_BEND.is_dir():
        pytest.skip(
            f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}: "
            "put the shared data next to the repo (../shared/data/edfi-grand-bend)"
        )
    return read_edfi_folder(GRAND_BEND)


@pytest.mark.grandbend
def test_grand_bend_counts(grand_bend: Dataset) -> None:
    ds = grand_bend
    assert ds.rejects == []
    students = [u for u in ds.users if u.role is Role.STUDENT]
    assert len(students) == 960
    assert len([o for o in ds.orgs if o.type == "school"]) == 3
    sessions = Counter(s.type for s in ds.academic_sessions)
    assert sessions[SessionType.SEMESTER] + sessions[SessionType.TERM] == 6
    assert sessions[SessionType.SCHOOL_YEAR] == 3  # synthesized, one per school
    assert sessions[SessionType.GRADING_PERIOD] == 18
    school_events = [e for e in ds.attendance_events if e.class_id is None]
    assert len(school_events) == 1917
    assert Counter(e.category for e in school_events) == {
        AttendanceCategory.EXCUSED_ABSENCE: 1077,
        AttendanceCategory.UNEXCUSED_ABSENCE: 773,
        AttendanceCategory.TARDY: 66,
        AttendanceCategory.PARTIAL: 1,
    }
    section_events = [e for e in ds.attendance_events if e.class_id is not None]
    assert len(section_events) == 66
    assert {e.category for e in section_events} == {AttendanceCategory.TARDY}
    assert len(ds.line_items) == 10
    assert len(ds.results) == 250
    assert len(ds.discipline_incidents) == 21
    assert len(ds.student_incidents) == 21


@pytest.mark.grandbend
def test_grand_bend_student_schools(grand_bend: Dataset) -> None:
    users = by_id(grand_bend.users)
    schools = {o.sourced_id for o in grand_bend.orgs if o.type == "school"}
    attended: dict[str, Counter[str]] = {}
    for ev in grand_bend.attendance_events:
        if ev.class_id is None:
            attended.setdefault(ev.student_id, Counter())[str(ev.school_id)] += 1
    # Every student with whole-day attendance gets that school.
    assert len(attended) == 227
    for sid, counter in attended.items():
        assert users[sid].school_id == counter.most_common(1)[0][0]
    # The shared copy has no StudentEnrollment.xml; section tardies, gradebook scores and
    # discipline incidents place 35 more. The other 698 students appear in Student.xml only,
    # so no file says which school they attend.
    placed = [u for u in users.values() if u.school_id is not None]
    assert len(placed) == 262
    assert {u.school_id for u in placed} == schools


@pytest.mark.grandbend
def test_grand_bend_details(grand_bend: Dataset) -> None:
    ds = grand_bend
    orgs = by_id(ds.orgs)
    assert orgs["255901001"].name == "Grand Bend High School"
    assert orgs["255901001"].parent_id == "255901"
    assert orgs["255901"].type == "district"
    years = [s for s in ds.academic_sessions if s.type is SessionType.SCHOOL_YEAR]
    for year in years:
        assert (year.start_date, year.end_date, year.school_year) == (
            dt.date(2021, 8, 23),
            dt.date(2022, 5, 27),
            2022,
        )
    sessions = by_id(ds.academic_sessions)
    gp = sessions["255901001:2021-2022:First Six Weeks:2021-2022 Fall Semester Exam 1"]
    assert gp.parent_id == "255901001:2021-2022:2021-2022 Fall Semester"
    # SectionIdentifier alone is not unique in this sample; the class ids are.
    assert len(ds.classes) == 532 == len({k.sourced_id for k in ds.classes})
    assert len({k.class_code for k in ds.classes}) == 520
    assert Counter(r.late for r in ds.results) == {False: 225, True: 25}
    assert {r.status for r in ds.results} == {ScoreStatus.FULLY_GRADED}
    assert all(li.max_points == 100.0 for li in ds.line_items)
    incident = by_id(ds.discipline_incidents)["255901001:10"]
    assert (incident.date, incident.behavior, incident.location) == (
        dt.date(2021, 10, 18),
        "State Offense",
        "Parking lot",
    )


@pytest.mark.grandbend
def test_grand_bend_references_resolve(grand_bend: Dataset) -> None:
    ds = grand_bend
    users = {u.sourced_id for u in ds.users}
    classes = {k.sourced_id for k in ds.classes}
    sessions = {s.sourced_id for s in ds.academic_sessions}
    orgs = {o.sourced_id for o in ds.orgs}
    assert {e.student_id for e in ds.attendance_events} <= users
    assert {e.class_id for e in ds.attendance_events if e.class_id} <= classes
    assert {li.class_id for li in ds.line_items} <= classes
    assert {r.line_item_id for r in ds.results} <= {li.sourced_id for li in ds.line_items}
    assert {r.student_id for r in ds.results} <= users
    assert {si.incident_id for si in ds.student_incidents} <= {
        i.sourced_id for i in ds.discipline_incidents
    }
    assert {si.student_id for si in ds.student_incidents} <= users
    assert {t for k in ds.classes for t in k.term_ids} <= sessions
    assert {s.parent_id for s in ds.academic_sessions if s.parent_id} <= sessions
    assert {k.course_id for k in ds.classes} <= {c.sourced_id for c in ds.courses}
    assert {u.school_id for u in ds.users if u.school_id} <= orgs


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE InterchangeStudent>',
    '<!DOCTYPE InterchangeStudent SYSTEM "http://example.org/edfi.dtd">',
    '<!DOCTYPE InterchangeStudent [ <!ELEMENT Student ANY> ]>',
])
@pytest.mark.parametrize("skip_invalid", [False, True])
def test_a_document_type_declaration_is_refused(
    tmp_path: Path, doctype: str, skip_invalid: bool
) -> None:
    """docs/DATA_FORMATS.md: a DTD is refused, with or without entities in it."""
    (tmp_path / "dtd.xml").write_text(
        '<?xml version="1.0"?>\n' + doctype + "\n"
        + interchange("InterchangeStudentAttendance", attendance_event()).split("?>", 1)[-1],
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(tmp_path, skip_invalid=skip_invalid)
    assert exc.value.file == "dtd.xml" and exc.value.line == 2
    assert "document type declarations are not allowed" in exc.value.reason


def test_a_school_year_in_other_digits_is_not_a_school_year() -> None:
    """The year patterns used \\d, which matches any script's digits (int() then read them)."""
    assert school_year_end("2021-2022") == 2022
    assert school_year_end("\u0662\u0660\u0662\u0661-\u0662\u0660\u0662\u0662") is None
    assert school_year_text("\uff12\uff10\uff12\uff12") is None
    assert school_year_text("2022") == ("2021-2022", 2022)


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        ("orgs.xml", 'ref="LEA_900"', 'ref="NOPE"', "LocalEducationAgencyReference"),
        ("calendar.xml", 'ref="GP_2"', 'ref="NOPE"', "GradingPeriodReference"),
    ],
)
def test_a_ref_naming_no_record_is_refused(
    tmp_path: Path, file: str, old: str, new: str, field: str
) -> None:
    """An unknown ref= on a school's district or a session's grading period was ignored:
    the link was left out without a word."""
    data = tmp_path / "small"
    shutil.copytree(SMALL, data)
    text = (data / file).read_text(encoding="utf-8")
    assert old in text
    (data / file).write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(data)
    assert (exc.value.file, exc.value.line, exc.value.field) == (file, line, field)
    assert "unknown reference ref='NOPE'" in exc.value.reason
    skipped = read_edfi_folder(data, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in skipped.rejects] == [(file, line, field)]


def test_a_rejected_record_does_not_make_the_next_one_a_duplicate(tmp_path: Path) -> None:
    """With --skip-invalid, a record refused for a later field had already claimed its id:
    a valid record with the same id that followed was refused as its duplicate."""
    parents = interchange(
        "InterchangeParent",
        "<Parent><ParentUniqueId>P1</ParentUniqueId><Name><LastSurname>Doe</LastSurname>"
        "</Name></Parent>\n"
        "<Parent><ParentUniqueId>P1</ParentUniqueId><Name><FirstName>Jo</FirstName>"
        "<LastSurname>Doe</LastSurname></Name></Parent>",
    )
    base = gradebook("90")
    first = base.index("<StudentGradebookEntry>")
    end = base.index("</StudentGradebookEntry>", first) + len("</StudentGradebookEntry>")
    s1 = base[first:end]  # S1's score: refused for its date, then given again, valid
    bad = s1.replace("</NumericGradeEarned>",
                     "</NumericGradeEarned><DateFulfilled>2021-13-01</DateFulfilled>")
    scores = base[:first] + bad + "\n" + s1.replace(">90<", ">91<") + base[end:]
    ds = read_edfi_folder(folder(tmp_path, **{"p.xml": parents, "gb.xml": scores}),
                          skip_invalid=True)
    assert sorted(r.field for r in ds.rejects) == ["DateFulfilled", "FirstName"]
    assert sorted((r.student_id, r.score) for r in ds.results) == [("S1", 91.0), ("S2", 75.0)]


@pytest.mark.parametrize("name", ["MaxPoints", "PointsPossible"])
def test_a_zero_maximum_names_the_element_that_held_it(tmp_path: Path, name: str) -> None:
    xml = gradebook("90").replace("<Title>Quiz</Title>", f"<Title>Quiz</Title><{name}>0</{name}>")
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    assert exc.value.field == name and "must be greater than 0" in exc.value.reason


def _points(xml: str) -> str:
    """gradebook() with S1's numeric grade given as points (Data Standard 5)."""
    return xml.replace("<NumericGradeEarned>9</NumericGradeEarned>",
                       "<PointsEarned>9</PointsEarned>", 1)


@pytest.mark.parametrize(
    ("maximum", "s1_points", "want_max", "s2_score"),
    [
        ("", False, 100.0, 75.0),  # DS4: a numeric grade is a percentage
        # points of an unknown maximum: no maximum, never out of 100; S2's 75% of that
        # unknown maximum is no number of points (listed with no score, counted by the load)
        ("", True, None, None),
        ("<MaxPoints>10</MaxPoints>", True, 10.0, 7.5),  # 75% of 10 points
        ("<PointsPossible>10</PointsPossible>", True, 10.0, 7.5),
    ],
)
def test_points_earned_are_out_of_max_points_never_an_invented_100(
    tmp_path: Path, maximum: str, s1_points: bool, want_max: float | None,
    s2_score: float | None,
) -> None:
    """9 points of an entry with no MaxPoints are not 9%: the entry has no maximum (its
    scores listed, in no grade, the summary says so); a numeric grade stays out of 100."""
    xml = gradebook("9").replace("<Title>Quiz</Title>", f"<Title>Quiz</Title>{maximum}")
    if s1_points:
        xml = _points(xml)
        assert "<PointsEarned>9</PointsEarned>" in xml
    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    (item,) = ds.line_items
    assert item.max_points == want_max
    assert sorted((r.student_id, r.score) for r in ds.results) == [("S1", 9.0), ("S2", s2_score)]
    # S2's score is a percentage (NumericGradeEarned), kept with the result (0026)
    assert {r.student_id: r.score_percent for r in ds.results} == {
        "S1": None if s1_points else 9.0, "S2": 75.0}
    # what a later partial import decides with (the loader's keep_cached_maxima, 0023)
    assert item.max_stated is bool(maximum)
    assert ds.scored_in_points == ({"G1"} if s1_points else set())


def test_an_entry_scored_in_points_with_no_maximum_is_counted_in_the_summary(
    tmp_path: Path,
) -> None:
    from caseload.sources.load_checks import NO_MAXIMUM, no_maximum

    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": _points(gradebook("9"))}))
    assert no_maximum(ds) == 1  # (what the loader calls: the import's summary)
    assert NO_MAXIMUM.format(n="1 line item") in ds.notices
    assert "Ed-Fi: scored in PointsEarned with no MaxPoints" in ds.notices[-1]


def test_points_on_a_reference_without_the_entrys_namespace_still_leave_no_maximum(
    tmp_path: Path,
) -> None:
    """(review s19) A result whose reference lacks the entry's Namespace is read as the one
    entry with that identifier (``assemble``'s fallback): its PointsEarned make that entry
    one with no maximum too, never 9 points read as 9%."""
    xml = _points(gradebook("9")).replace(
        "</GradebookEntryIdentifier><Namespace>uri://x</Namespace></GradebookEntryIdentity>",
        "</GradebookEntryIdentifier></GradebookEntryIdentity>")
    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    (item,) = ds.line_items
    assert sorted((r.student_id, r.line_item_id, r.score) for r in ds.results) == [
        ("S1", "G1", 9.0), ("S2", "G1", None)]  # (S2's 75%: of no maximum, no points)
    assert item.max_points is None


def test_a_numeric_grade_on_an_entry_with_max_points_is_not_read_as_points(
    tmp_path: Path,
) -> None:
    """85 (a percentage) on a 10-point entry is not 85 of 10 points (850%)."""
    xml = gradebook("85").replace("<Title>Quiz</Title>",
                                  "<Title>Quiz</Title><MaxPoints>10</MaxPoints>")
    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    (item,) = ds.line_items
    scores = {r.student_id: r.score for r in ds.results}
    assert item.max_points is not None and scores["S1"] <= item.max_points


def test_a_date_in_another_shape_is_not_a_valid_date(tmp_path: Path) -> None:
    """A value not in the shape YYYY-MM-DD keeps its own words (the day-only words are for a
    value in the shape that no calendar has)."""
    path = folder(
        tmp_path,
        **{"att.xml": interchange("InterchangeStudentAttendance",
                                  attendance_event(day="2021-9-4"))},
    )
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(path)
    assert exc.value.reason == "not a valid date (YYYY-MM-DD): '2021-9-4'"
