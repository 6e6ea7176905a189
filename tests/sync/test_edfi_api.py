"""Ed-Fi ODS/API mapping (caseload.sources.edfi_api) and its test server (edfi_server.py).

1. ``to_dataset`` on small hand-written JSON items (Data Standard 4 and 5 shapes).
2. The test server: OAuth, paging, Bearer check, change versions and ``/deletes``.
3. Round trip: every resource fetched from the server (a tiny sequential httpx loop here,
   not the production client), mapped, loaded into a fresh SQLite cache, equals the cache an
   import of the same Ed-Fi XML gives: every table but the run log (``import_runs``) and the
   sync marks (``sync_state``), whose rows name the run's kind and time by nature. Done for
   the DS 4 fixture (always) and the Grand Bend sample (skipped when absent).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from caseload.domain.records import (
    AttendanceCategory,
    Category,
    Deletion,
    DisciplineIncident,
    Role,
    ScoreStatus,
    SessionType,
    StudentIncident,
)
from caseload.sources.dataset import ENTITIES, Dataset, SourceError
from caseload.sources.detect import read_path
from caseload.sources.edfi_api import (
    KIND,
    RESOURCES,
    map_items,
    school_year_text,
    to_dataset,
)
from caseload.sources.edfi_deletes import deleted_to_dataset
from caseload.sources.edfi_sync import keep_cached
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import GRAND_BEND
from tests.sync.edfi_server import EdfiServer, folder_items

SMALL = Path(__file__).resolve().parents[1] / "data" / "edfi_small"
SKIP_TABLES = {"import_runs", "sync_state", "mat_pending"}  # run bookkeeping (run ids)
D = "uri://ed-fi.org/"
SCHOOL = {"schoolId": 255901001}
SESSION = {"schoolId": 255901001, "schoolYear": 2022, "sessionName": "2021-2022 Fall Semester"}
FALL = "255901001:2021-2022:2021-2022 Fall Semester"
SECTION = {**SESSION, "localCourseCode": "ALG-1", "sectionIdentifier": "ALG1-01"}
ALG = f"{FALL}:ALG-1:ALG1-01"


def by_id(records: list) -> dict:
    return {r.sourced_id: r for r in records}


def student(uid: str = "604822") -> dict[str, Any]:
    return {"studentReference": {"studentUniqueId": uid}}


def school_event(day: str, category: str, uid: str = "604822", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"ev-{uid}-{day}",
        **student(uid),
        "schoolReference": SCHOOL,
        "sessionReference": SESSION,
        "eventDate": day,
        "attendanceEventCategoryDescriptor": f"{D}AttendanceEventCategoryDescriptor#{category}",
        **extra,
    }


def base_items() -> dict[str, list[dict[str, Any]]]:
    """A school, a session with two grading periods, a section, two students."""
    return {
        "localEducationAgencies": [
            {"localEducationAgencyId": 255901, "nameOfInstitution": "Grand Bend ISD"}
        ],
        "schools": [
            {
                "id": "a1",
                "schoolId": 255901001,
                "nameOfInstitution": "Grand Bend High School",
                "localEducationAgencyReference": {"localEducationAgencyId": 255901},
            }
        ],
        "courses": [
            {
                "courseCode": "ALG-1",
                "courseTitle": "Algebra I",
                "educationOrganizationReference": {"educationOrganizationId": 255901001},
            }
        ],
        "sessions": [
            {
                "sessionName": "2021-2022 Fall Semester",
                "schoolReference": SCHOOL,
                "schoolYearTypeReference": {"schoolYear": 2022},
                "beginDate": "2021-08-23",
                "endDate": "2021-12-17",
                "termDescriptor": f"{D}TermDescriptor#Fall Semester",
                "gradingPeriods": [
                    {
                        "gradingPeriodReference": {
                            "gradingPeriodDescriptor": f"{D}GradingPeriodDescriptor#First Six Weeks",
                            "gradingPeriodName": "Fall 1",
                            "schoolId": 255901001,
                            "schoolYear": 2022,
                        }
                    }
                ],
            }
        ],
        "gradingPeriods": [
            {
                "gradingPeriodDescriptor": f"{D}GradingPeriodDescriptor#First Six Weeks",
                "gradingPeriodName": "Fall 1",
                "periodSequence": 1,
                "schoolReference": SCHOOL,
                "schoolYearTypeReference": {"schoolYear": 2022},
                "beginDate": "2021-08-23",
                "endDate": "2021-10-03",
            },
            {  # DS 4 key: no name, the sequence
                "gradingPeriodDescriptor": f"{D}GradingPeriodDescriptor#Second Six Weeks",
                "periodSequence": 2,
                "schoolReference": SCHOOL,
                "schoolYearTypeReference": {"schoolYear": 2022},
                "beginDate": "2021-10-04",
                "endDate": "2022-06-03",
            },
        ],
        "calendarDates": [
            {
                "date": "2021-09-06",
                "calendarReference": {
                    "calendarCode": "C1",
                    "schoolId": 255901001,
                    "schoolYear": 2022,
                },
                "calendarEvents": [
                    {"calendarEventDescriptor": f"{D}CalendarEventDescriptor#Holiday"}
                ],
            }
        ],
        "courseOfferings": [
            {
                "localCourseCode": "ALG-1",
                "schoolReference": SCHOOL,
                "sessionReference": SESSION,
                "courseReference": {"courseCode": "ALG-1", "educationOrganizationId": 255901001},
            }
        ],
        "sections": [
            {
                "id": "sec1",
                "sectionIdentifier": "ALG1-01",
                "courseOfferingReference": {
                    k: v for k, v in SECTION.items() if k != "sectionIdentifier"
                },
                "sectionName": "Algebra 1 honors",
                "classPeriods": [
                    {"classPeriodReference": {"classPeriodName": "02", "schoolId": 255901001}}
                ],
            }
        ],
        "students": [
            {
                "id": "st1",
                "studentUniqueId": "604822",
                "firstName": "Lisa",
                "lastSurname": "Woods",
                "middleName": "Sybil",
                "birthDate": "2008-09-13",
            },
            {
                "id": "st2",
                "studentUniqueId": "604823",
                "firstName": "Julie",
                "lastSurname": "Randolph",
            },
        ],
    }


# --- the resource list ----------------------------------------------------------------------------


def test_resources_are_the_contract() -> None:
    names = [r.name for r in RESOURCES]
    assert len(names) == len(set(names))
    for r in RESOURCES:
        assert r.path == f"/ed-fi/{r.name}"
    required = {r.name for r in RESOURCES if not r.optional}
    for name in (
        "schools",
        "sessions",
        "gradingPeriods",
        "calendarDates",
        "courseOfferings",
        "sections",
        "students",
        "studentSchoolAssociations",
        "studentSectionAssociations",
        "studentSchoolAttendanceEvents",
        "studentSectionAttendanceEvents",
        "gradebookEntries",
        "studentGradebookEntries",
        "disciplineIncidents",
        "studentDisciplineIncidentBehaviorAssociations",
    ):
        assert name in required
    # DS 5 and later have no studentDisciplineIncidentAssociations: a 404 must not fail a sync
    assert "studentDisciplineIncidentAssociations" in {r.name for r in RESOURCES if r.optional}
    # referenced resources come first
    assert names.index("sections") < names.index("studentSectionAttendanceEvents")
    assert names.index("gradebookEntries") < names.index("studentGradebookEntries")


def test_school_year_text() -> None:
    assert school_year_text(2022) == ("2021-2022", 2022)
    assert school_year_text("2022") == ("2021-2022", 2022)
    assert school_year_text("2021-2022") == ("2021-2022", 2022)
    for bad in (True, "next year", 22, None, {"schoolYear": 2022}):
        assert school_year_text(bad) is None


# --- unit: to_dataset ---------------------------------------------------------------------------


def test_orgs_calendar_sessions_and_classes() -> None:
    ds = to_dataset("district", base_items())
    assert ds.kind == KIND == "edfi-api" and ds.source == "district"
    orgs = by_id(ds.orgs)
    assert orgs["255901001"].parent_id == "255901" and orgs["255901"].type == "district"
    s = by_id(ds.academic_sessions)
    year = s["255901001:2021-2022"]
    assert year.type is SessionType.SCHOOL_YEAR and year.school_year == 2022
    assert (year.start_date, year.end_date) == (dt.date(2021, 8, 23), dt.date(2022, 6, 3))
    fall = s[FALL]
    assert fall.type is SessionType.SEMESTER and fall.parent_id == "255901001:2021-2022"
    assert s["255901001:2021-2022:First Six Weeks:Fall 1"].parent_id == FALL
    second = s["255901001:2021-2022:Second Six Weeks:2"]
    assert second.parent_id == "255901001:2021-2022" and second.title == "Second Six Weeks"
    assert [(d.school_id, d.date, d.instructional) for d in ds.calendar_days] == [
        ("255901001", dt.date(2021, 9, 6), False)
    ]
    assert by_id(ds.courses)["255901001:ALG-1"].title == "Algebra I"  # from the course catalog
    klass = by_id(ds.classes)[ALG]
    assert klass.title == "Algebra I (Algebra 1 honors)"
    assert klass.term_ids == (FALL,) and klass.period == "02" and klass.class_code == "ALG1-01"
    users = by_id(ds.users)
    assert users["604822"].role is Role.STUDENT and users["604822"].middle_name == "Sybil"
    assert users["604822"].school_id == "255901001"  # the only school of the sync
    assert ds.origins[("classes", ALG)] == "sections:sec1"


def test_attendance_descriptors_and_ids() -> None:
    items = base_items()
    items["studentSchoolAttendanceEvents"] = [
        school_event("2021-09-01", "Excused Absence"),
        school_event("2021-09-02", "Unexcused Absence"),
        school_event("2021-09-03", "Tardy"),
        school_event("2021-09-07", "Early departure"),
        school_event("2021-09-08", "In Attendance"),
        school_event("2021-09-09", "Partial"),
        {
            **school_event("2021-09-10", "x"),
            "attendanceEventCategoryDescriptor": "unexcused absence",
        },
    ]
    ds = to_dataset("d", items)
    got = {(e.date.isoformat(), e.category) for e in ds.attendance_events}
    assert got == {
        ("2021-09-01", AttendanceCategory.EXCUSED_ABSENCE),
        ("2021-09-02", AttendanceCategory.UNEXCUSED_ABSENCE),
        ("2021-09-03", AttendanceCategory.TARDY),
        ("2021-09-07", AttendanceCategory.EARLY_DEPARTURE),
        ("2021-09-08", AttendanceCategory.PRESENT),
        ("2021-09-09", AttendanceCategory.PARTIAL),
        ("2021-09-10", AttendanceCategory.UNEXCUSED_ABSENCE),
    }
    ev = by_id(ds.attendance_events)["604822:255901001:2021-09-02:unexcused_absence"]
    assert ev.class_id is None and ev.school_id == "255901001" and ev.student_id == "604822"


def test_section_attendance_takes_period_and_school_from_the_section() -> None:
    items = base_items()
    items["studentSectionAttendanceEvents"] = [
        {
            **student("604823"),
            "sectionReference": SECTION,
            "eventDate": "2021-09-14T00:00:00",
            "attendanceEventCategoryDescriptor": f"{D}AttendanceEventCategoryDescriptor#Tardy",
        }
    ]
    ds = to_dataset("d", items)
    (ev,) = ds.attendance_events
    assert ev.sourced_id == f"604823:{ALG}:2021-09-14:tardy"
    assert (ev.class_id, ev.period, ev.school_id) == (ALG, "02", "255901001")
    assert ev.category is AttendanceCategory.TARDY
    # the student's school comes from the section when nothing better is known
    items["schools"].append({"schoolId": 255901002, "nameOfInstitution": "Other"})
    assert by_id(to_dataset("d", items).users)["604823"].school_id == "255901001"


def test_enrollments_school_association_and_state_id() -> None:
    items = base_items()
    items["studentSchoolAssociations"] = [
        {
            **student(),
            "schoolReference": SCHOOL,
            "entryDate": "2021-08-23",
            "entryGradeLevelDescriptor": f"{D}GradeLevelDescriptor#Ninth grade",
        },
    ]
    items["studentEducationOrganizationAssociations"] = [
        {
            **student(),
            "educationOrganizationReference": {"educationOrganizationId": 255901},
            "studentIdentificationCodes": [
                {
                    "studentIdentificationSystemDescriptor": f"{D}StudentIdentificationSystemDescriptor#State",
                    "identificationCode": "TX-1",
                    "assigningOrganizationIdentificationCode": "TX",
                }
            ],
        },
    ]
    items["studentSectionAssociations"] = [
        {
            **student(),
            "sectionReference": SECTION,
            "beginDate": "2021-08-23",
            "endDate": "2021-12-17",
        }
    ]
    items["staffs"] = [
        {
            "staffUniqueId": "T1",
            "firstName": "Ann",
            "lastSurname": "Teach",
            "electronicMails": [
                {
                    "electronicMailAddress": "ann@x.example",
                    "electronicMailTypeDescriptor": f"{D}ElectronicMailTypeDescriptor#Work",
                }
            ],
        }
    ]
    items["staffSectionAssociations"] = [
        {
            "staffReference": {"staffUniqueId": "T1"},
            "sectionReference": SECTION,
            "beginDate": "2021-08-23",
            "classroomPositionDescriptor": f"{D}ClassroomPositionDescriptor#Teacher of Record",
        }
    ]
    ds = to_dataset("d", items)
    users = by_id(ds.users)
    assert (users["604822"].grade_level, users["604822"].state_id) == ("09", "TX-1")
    assert users["T1"].role is Role.TEACHER and users["T1"].email == "ann@x.example"
    en = by_id(ds.enrollments)
    assert en[f"604822:{ALG}:2021-08-23"].end_date == dt.date(2021, 12, 17)
    teacher = en[f"T1:{ALG}:2021-08-23"]
    assert teacher.role is Role.TEACHER and teacher.primary


def gradebook_items() -> dict[str, list[dict[str, Any]]]:
    items = base_items()
    items["gradebookEntries"] = [
        {  # DS 5: identifier + namespace
            "id": "gb1",
            "gradebookEntryIdentifier": "GB-1",
            "namespace": "uri://gb",
            "title": "Quiz 1",
            "sectionReference": SECTION,
            "dateAssigned": "2021-09-01",
            "dueDate": "2021-09-03",
            "maxPoints": 20,
            "gradebookEntryTypeDescriptor": f"{D}GradebookEntryTypeDescriptor#Quiz",
            "gradingPeriodReference": {
                "gradingPeriodDescriptor": f"{D}GradingPeriodDescriptor#First Six Weeks",
                "gradingPeriodName": "Fall 1",
                "schoolId": 255901001,
                "schoolYear": 2022,
            },
        },
        {  # DS 4: the key is (section, dateAssigned, gradebookEntryTitle)
            "gradebookEntryTitle": "Homework 1",
            "sectionReference": SECTION,
            "dateAssigned": "2021-09-08",
            "gradebookEntryTypeDescriptor": f"{D}GradebookEntryTypeDescriptor#Homework",
        },
    ]
    ds4_ref = {**SECTION, "dateAssigned": "2021-09-08", "gradebookEntryTitle": "Homework 1"}
    items["studentGradebookEntries"] = [
        {
            "gradebookEntryReference": {
                "gradebookEntryIdentifier": "GB-1",
                "namespace": "uri://gb",
            },
            **student("604822"),
            "pointsEarned": 18,
            "dateFulfilled": "2021-09-03",
            "diagnosticStatement": "Good work",
        },
        {
            "gradebookEntryReference": {
                "gradebookEntryIdentifier": "GB-1",
                "namespace": "uri://gb",
            },
            **student("604823"),
            "submissionStatusDescriptor": f"{D}SubmissionStatusDescriptor#Missing",
        },
        {
            "gradebookEntryReference": ds4_ref,
            "studentSectionAssociationReference": {
                **SECTION,
                "beginDate": "2021-08-23",
                "studentUniqueId": "604822",
            },
            "submissionStatusDescriptor": f"{D}SubmissionStatusDescriptor#Exempt",
        },
        {
            "gradebookEntryReference": ds4_ref,
            **student("604823"),
            "pointsEarned": "9.5",
            "assignmentLateStatusDescriptor": f"{D}AssignmentLateStatusDescriptor#Late",
        },
    ]
    return items


def test_a_letter_grade_alone_is_counted_not_shown() -> None:
    items = gradebook_items()
    entry = dict(items["studentGradebookEntries"][0])
    del entry["pointsEarned"]
    entry["letterGradeEarned"] = "B+"
    items["studentGradebookEntries"][0] = entry
    ds = to_dataset("d", items)
    assert by_id(ds.results)["GB-1:604822"].score is None
    assert (
        "not shown: 1 letter grade of gradebook entries with no points or numeric grade "
        "(caseload reads numbers: the entry is listed with no score and counts toward no grade)"
    ) in ds.notices


def test_gradebook_entries_and_results() -> None:
    ds = to_dataset("d", gradebook_items())
    hw = f"{ALG}:2021-09-08:Homework 1"
    items = by_id(ds.line_items)
    assert set(items) == {"GB-1", hw}
    quiz = items["GB-1"]
    assert (quiz.class_id, quiz.title, quiz.max_points, quiz.category_id) == (
        ALG,
        "Quiz 1",
        20.0,
        "edfi-cat:Quiz",
    )
    assert quiz.grading_period_id == "255901001:2021-2022:First Six Weeks:Fall 1"
    assert (quiz.assign_date, quiz.due_date) == (dt.date(2021, 9, 1), dt.date(2021, 9, 3))
    # no maxPoints, scored in pointsEarned: 9.5 points of an unknown maximum, not 9.5%
    assert items[hw].title == "Homework 1" and items[hw].max_points is None
    assert sorted(ds.categories, key=lambda c: c.sourced_id) == [
        Category("edfi-cat:Homework", "Homework"),
        Category("edfi-cat:Quiz", "Quiz"),
    ]
    r = by_id(ds.results)
    graded = r["GB-1:604822"]
    assert (graded.score, graded.status, graded.score_date, graded.comment) == (
        18.0,
        ScoreStatus.FULLY_GRADED,
        dt.date(2021, 9, 3),
        "Good work",
    )
    missing = r["GB-1:604823"]
    assert missing.status is ScoreStatus.NOT_SUBMITTED and missing.missing and missing.is_missing
    assert r[f"{hw}:604822"].status is ScoreStatus.EXEMPT
    late = r[f"{hw}:604823"]
    assert (late.score, late.late, late.status) == (9.5, True, ScoreStatus.FULLY_GRADED)
    assert ds.origins[("line_items", "GB-1")] == "gradebookEntries:gb1"


def test_two_namespaces_with_one_identifier_get_namespaced_ids() -> None:
    items = gradebook_items()
    other = {**items["gradebookEntries"][0], "id": "gb2", "namespace": "uri://other"}
    items["gradebookEntries"].append(other)
    items["studentGradebookEntries"].append(
        {
            "gradebookEntryReference": {
                "gradebookEntryIdentifier": "GB-1",
                "namespace": "uri://other",
            },
            **student("604822"),
            "numericGradeEarned": 5,
        }
    )
    ds = to_dataset("d", items)
    assert {"uri://gb#GB-1", "uri://other#GB-1"} <= set(by_id(ds.line_items))
    assert {"uri://gb#GB-1:604822", "uri://other#GB-1:604822"} <= set(by_id(ds.results))


def test_discipline() -> None:
    items = base_items()
    items["disciplineIncidents"] = [
        {
            "incidentIdentifier": "10",
            "schoolReference": SCHOOL,
            "incidentDate": "2021-10-18",
            "incidentLocationDescriptor": f"{D}IncidentLocationDescriptor#Parking lot",
            "behaviors": [
                {
                    "behaviorDescriptor": f"{D}BehaviorDescriptor#State Offense",
                    "behaviorDetailedDescription": "Detailed",
                }
            ],
        },
    ]
    ref = {"incidentIdentifier": "10", "schoolId": 255901001}
    items["studentDisciplineIncidentBehaviorAssociations"] = [
        {
            **student("604822"),
            "disciplineIncidentReference": ref,
            "behaviorDescriptor": f"{D}BehaviorDescriptor#School Code of Conduct",
        },
    ]
    items["studentDisciplineIncidentAssociations"] = [  # DS 4
        {
            **student("604822"),
            "disciplineIncidentReference": ref,  # already known: first wins
            "studentParticipationCodeDescriptor": f"{D}StudentParticipationCodeDescriptor#Perpetrator",
            "behaviors": [{"behaviorDescriptor": f"{D}BehaviorDescriptor#Other"}],
        },
        {
            **student("604823"),
            "disciplineIncidentReference": ref,  # a witness: not theirs
            "studentParticipationCodeDescriptor": f"{D}StudentParticipationCodeDescriptor#Witness",
        },
    ]
    ds = to_dataset("d", items)
    assert ds.discipline_incidents == [
        DisciplineIncident(
            "255901001:10",
            dt.date(2021, 10, 18),
            "255901001",
            "State Offense",
            "Detailed",
            "Parking lot",
        )
    ]
    assert ds.student_incidents == [
        StudentIncident("255901001:10", "604822", "School Code of Conduct")
    ]
    # what was left out is counted in the summary, as the XML reader counts it
    assert (
        "not shown: 1 student link to discipline incidents as a victim, witness or reporter "
        "(caseload counts the incidents a student took part in)"
    ) in ds.notices
    assert (
        "not shown: 1 further behavior of a student in an incident (the first behavior read "
        "is kept)"
    ) in ds.notices


# --- unit: bad records ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "index", "change", "field", "reason"),
    [
        ("students", 0, {"birthDate": "13/09/2008"}, "birthDate", "not a valid date"),
        ("students", 0, {"birthDate": "2008-02-30"}, "birthDate",
         "2008-02-30 is not a real date: February 2008 has 29 days"),
        ("students", 1, {"lastSurname": ""}, "lastSurname", "is required"),
        ("sessions", 0, {"endDate": "2021-01-01"}, "endDate", "is before beginDate"),
        (
            "sessions",
            0,
            {"schoolYearTypeReference": {"schoolYear": "soon"}},
            "schoolYearTypeReference.schoolYear",
            "not a school year",
        ),
        (
            "sections",
            0,
            {"courseOfferingReference": {"localCourseCode": "ALG-1"}},
            "courseOfferingReference.schoolId",
            "is required",
        ),
        ("schools", 0, {"schoolId": {"nested": 1}}, "schoolId", "expected text, got an object"),
    ],
)
def test_a_bad_field_names_resource_record_and_field(
    resource: str, index: int, change: dict, field: str, reason: str
) -> None:
    items = base_items()
    items[resource][index].update(change)
    with pytest.raises(SourceError) as exc:
        to_dataset("d", items)
    err = exc.value
    assert (err.file, err.field) == (resource, field)
    assert reason in err.reason
    record = items[resource][index]
    assert err.line == record.get("id", err.line) and err.line
    for name in ("Lisa", "Woods", "Sybil", "Julie", "Randolph"):
        assert name not in str(err)


def test_record_without_id_is_named_by_its_natural_key() -> None:
    items = base_items()
    items["studentSchoolAttendanceEvents"] = [
        {**school_event("2021-09-01", "Sick"), "id": None},
    ]
    with pytest.raises(SourceError) as exc:
        to_dataset("d", items)
    err = exc.value
    assert err.file == "studentSchoolAttendanceEvents"
    assert err.field == "attendanceEventCategoryDescriptor"
    assert err.line == "604822/255901001/2022/2021-2022 Fall Semester/2021-09-01/Sick"
    assert "unknown attendance category" in err.reason
    assert str(err).startswith("studentSchoolAttendanceEvents (604822/")


def test_bad_numbers_and_duplicates() -> None:
    items = gradebook_items()
    items["studentGradebookEntries"][0]["numericGradeEarned"] = -5
    with pytest.raises(SourceError, match=r"numericGradeEarned.*must not be negative"):
        to_dataset("d", items)
    items = gradebook_items()
    items["gradebookEntries"][0]["maxPoints"] = 0
    with pytest.raises(SourceError, match=r"maxPoints.*greater than 0"):
        to_dataset("d", items)
    items = base_items()
    items["studentSchoolAttendanceEvents"] = [school_event("2021-09-01", "Tardy")] * 2
    with pytest.raises(SourceError, match="duplicate attendance event"):
        to_dataset("d", items)


def test_skip_invalid_rejects_the_record_and_keeps_the_rest() -> None:
    items = base_items()
    items["students"][0]["birthDate"] = "yesterday"
    items["studentSchoolAttendanceEvents"] = [
        school_event("2021-09-01", "Tardy", uid="604823"),
        school_event("2021-09-02", "Sleepy", uid="604823"),
        "not an object",
    ]
    ds = to_dataset("d", items, skip_invalid=True)
    assert set(by_id(ds.users)) == {"604823"}
    assert [e.date for e in ds.attendance_events] == [dt.date(2021, 9, 1)]
    assert [(r.file, r.line, r.field) for r in ds.rejects] == [
        ("students", "st1", "birthDate"),
        (
            "studentSchoolAttendanceEvents",
            "ev-604823-2021-09-02",
            "attendanceEventCategoryDescriptor",
        ),
        ("studentSchoolAttendanceEvents", None, None),
    ]
    assert ds.rejects[0].raw == {"resource": "students", "record": "st1"}
    assert "Lisa" not in repr(ds.rejects)


# --- unit: deletions ---------------------------------------------------------------------------


def test_deleted_items_map_to_our_ids() -> None:
    deleted = {
        "studentSchoolAttendanceEvents": [
            {
                "id": "x1",
                "changeVersion": 9,
                "keyValues": {
                    "attendanceEventCategoryDescriptor": f"{D}AttendanceEventCategoryDescriptor#Tardy",
                    "eventDate": "2021-09-03",
                    "schoolId": 255901001,
                    "schoolYear": 2022,
                    "sessionName": "2021-2022 Fall Semester",
                    "studentUniqueId": "604822",
                },
            }
        ],
        "studentSectionAssociations": [
            {
                "id": "x2",
                "keyValues": {**SECTION, "beginDate": "2021-08-23", "studentUniqueId": "604822"},
            }
        ],
        "sections": [{"id": "x3", "keyValues": SECTION}],
        "studentGradebookEntries": [
            {
                "id": "x4",
                "keyValues": {
                    "gradebookEntryIdentifier": "GB-1",
                    "namespace": "uri://gb",
                    "studentUniqueId": "604823",
                },
            }
        ],
        "students": [
            {"id": "x5", "keyValues": {"studentUniqueId": "604823"}},
            {"id": "only-an-id"},
        ],
        "calendarDates": [{"id": "x6", "keyValues": {"date": "2021-09-06"}}],
    }
    ds = deleted_to_dataset("d", deleted)
    assert ds.deletions == [
        Deletion("results", "GB-1:604823"),
        Deletion("attendance_events", "604822:255901001:2021-09-03:tardy"),
        Deletion("enrollments", f"604822:{ALG}:2021-08-23"),
        Deletion("classes", ALG),
        Deletion("users", "604823"),
    ]
    assert [(r.file, r.line) for r in ds.rejects] == [
        ("students", "only-an-id"),
        ("calendarDates", "x6"),
    ]
    with pytest.raises(SourceError):
        deleted_to_dataset("d", {"students": [{"id": "only-an-id"}]}, skip_invalid=False)


# --- the test server ----------------------------------------------------------------------------


@pytest.fixture
def small_server():
    with EdfiServer.from_folder(SMALL) as srv:
        yield srv


def token(srv: EdfiServer, client: httpx.Client, form: bool = False) -> str:
    if form:
        resp = client.post(
            srv.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": srv.client_id,
                "client_secret": srv.secret,
            },
        )
    else:
        resp = client.post(
            srv.token_url,
            data={"grant_type": "client_credentials"},
            auth=(srv.client_id, srv.secret),
        )
    resp.raise_for_status()
    body = resp.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    return body["access_token"]


def fetch_all(
    srv: EdfiServer, limit: int = 500, params: dict[str, Any] | None = None, suffix: str = ""
) -> dict[str, list[dict[str, Any]]]:
    """Every resource, page by page (a plain sequential loop, not the production client)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with httpx.Client(timeout=10) as client:
        headers = {"Authorization": f"Bearer {token(srv, client)}"}
        for res in RESOURCES:
            got: list[dict[str, Any]] = []
            total = None
            while True:
                resp = client.get(
                    srv.base_url + res.path + suffix,
                    headers=headers,
                    params={
                        "offset": len(got),
                        "limit": limit,
                        "totalCount": "true",
                        **(params or {}),
                    },
                )
                assert resp.status_code == 200, resp.text
                page = resp.json()
                total = int(resp.headers["Total-Count"])
                got.extend(page)
                if len(page) < limit:
                    break
            assert len(got) == total
            out[res.name] = got
    return out


def test_server_oauth_bearer_and_paging(small_server: EdfiServer) -> None:
    srv = small_server
    url = srv.base_url + "/ed-fi/studentSchoolAttendanceEvents"
    with httpx.Client(timeout=10) as client:
        assert client.get(url).status_code == 401
        assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        bad = client.post(
            srv.token_url, data={"grant_type": "client_credentials"}, auth=(srv.client_id, "wrong")
        )
        assert bad.status_code == 401
        form_token = token(srv, client, form=True)  # client id and secret as form fields
        assert client.get(url, headers={"Authorization": f"Bearer {form_token}"}).is_success
        auth = {"Authorization": f"Bearer {token(srv, client)}"}  # HTTP Basic
        first = client.get(url, headers=auth, params={"limit": 2, "totalCount": "true"})
        assert first.status_code == 200 and first.headers["Total-Count"] == "5"
        assert len(first.json()) == 2
        rest = client.get(url, headers=auth, params={"limit": 2, "offset": 4})
        assert len(rest.json()) == 1 and "Total-Count" not in rest.headers
        assert client.get(url, headers=auth, params={"limit": 501}).status_code == 400
        assert client.get(srv.base_url + "/ed-fi/nothing", headers=auth).status_code == 404
        ev = first.json()[0]
        assert ev["studentReference"] == {"studentUniqueId": "S1001"}
        assert ev["schoolReference"] == {"schoolId": 900001}
        assert ev["sessionReference"]["schoolYear"] == 2022
        assert ev["attendanceEventCategoryDescriptor"].startswith(
            "uri://ed-fi.org/AttendanceEventCategoryDescriptor#"
        )
        assert len(ev["id"]) == 32
        srv.expire_tokens()
        assert client.get(url, headers=auth).status_code == 401


def test_server_change_versions_and_deletes(small_server: EdfiServer) -> None:
    srv = small_server
    newest = srv.newest_change_version
    with httpx.Client(timeout=10) as client:
        auth = {"Authorization": f"Bearer {token(srv, client)}"}
        versions = client.get(
            srv.url + "/changeQueries/v1/availableChangeVersions", headers=auth
        ).json()
        assert versions["newestChangeVersion"] == newest
        res = "studentSchoolAttendanceEvents"
        ids = [it["id"] for it in srv.data[res]]
        srv.touch(res, ids[0], eventDate="2021-09-15")
        gone = srv.delete(res, ids[1])
        since = {"minChangeVersion": newest + 1, "totalCount": "true"}
        changed = client.get(srv.base_url + f"/ed-fi/{res}", headers=auth, params=since).json()
        assert [it["id"] for it in changed] == [ids[0]]
        deletes = client.get(
            srv.base_url + f"/ed-fi/{res}/deletes", headers=auth, params=since
        ).json()
        assert deletes == [gone]
    assert set(gone["keyValues"]) >= {
        "studentUniqueId",
        "schoolId",
        "schoolYear",
        "sessionName",
        "eventDate",
        "attendanceEventCategoryDescriptor",
    }


def test_deletes_from_the_server_name_records_the_import_has(small_server: EdfiServer) -> None:
    srv = small_server
    xml = read_edfi_folder(SMALL)
    start = srv.newest_change_version
    deletable = [
        "students",
        "staffs",
        "schools",
        "localEducationAgencies",
        "sessions",
        "gradingPeriods",
        "sections",
        "studentSectionAssociations",
        "staffSectionAssociations",
        "studentSchoolAttendanceEvents",
        "studentSectionAttendanceEvents",
        "gradebookEntries",
        "studentGradebookEntries",
        "disciplineIncidents",
    ]
    for res in deletable:
        srv.delete(res, srv.data[res][0]["id"])
    gone = fetch_all(srv, params={"minChangeVersion": start + 1}, suffix="/deletes")
    assert sum(map(len, gone.values())) == len(deletable)
    ds = deleted_to_dataset("d", gone)
    assert ds.rejects == []
    assert len(ds.deletions) == len(deletable)
    for d in ds.deletions:
        assert d.sourced_id in {r.sourced_id for r in getattr(xml, d.entity)}, d


# --- round trip: sync == import -------------------------------------------------------------------




def snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in METADATA.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def round_trip(folder: Path, tmp_path: Path, limit: int,
               migrated: Path) -> tuple[Dataset, dict, dict]:
    with EdfiServer.from_folder(folder) as srv:
        items = fetch_all(srv, limit=limit)
    assert items == folder_items(folder)  # paging lost and repeated nothing
    api = to_dataset("district", items)
    assert api.rejects == []
    synced = tpl.migrated_engine(migrated, tmp_path / "synced.db")
    load(synced, api)
    imported = tpl.migrated_engine(migrated, tmp_path / "imported.db")
    load(imported, read_path(folder))
    a, b = snapshot(imported), snapshot(synced)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"table {name} differs"
    synced.dispose()
    imported.dispose()
    return api, a, b


def test_sync_of_the_ds4_fixture_equals_its_xml_import(tmp_path: Path,
                                                      migrated_template: Path) -> None:
    api, imported, _ = round_trip(SMALL, tmp_path, limit=2, migrated=migrated_template)  # many short pages
    assert api.counts() == read_edfi_folder(SMALL).counts()
    assert {e: len(imported[e]) for e in ENTITIES if imported.get(e)} == {
        e: n for e, n in api.counts().items()
    }


@pytest.mark.grandbend
def test_sync_of_grand_bend_equals_its_xml_import(tmp_path: Path,
                                                 migrated_template: Path) -> None:
    if not GRAND_BEND.is_dir():
        pytest.skip(
            f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}: "
            "put the shared data next to the repo (../shared/data/edfi-grand-bend)"
        )
    api, imported, _ = round_trip(GRAND_BEND, tmp_path, limit=500,
                                  migrated=migrated_template)
    counts = api.counts()
    assert counts["users"] == 960
    assert counts["attendance_events"] == 1917 + 66
    assert counts["classes"] == 532 and counts["results"] == 250
    assert len(imported["users"]) == 960


# --- incremental: changed records only, with the cache for the rest --------------------------


def first_id(srv: EdfiServer, resource: str, **match: Any) -> str:
    for item in srv.data[resource]:
        if all(item.get(k) == v for k, v in match.items()):
            return item["id"]
    raise AssertionError(f"no {resource} matching {match}")


@pytest.mark.parametrize("folder", ["small", "grand_bend"])
def test_incremental_sync_with_the_cache_equals_a_full_sync(folder: str, tmp_path: Path,
                                                           migrated_template: Path) -> None:
    path = SMALL if folder == "small" else GRAND_BEND
    if not path.is_dir():
        pytest.skip(f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}")
    with EdfiServer.from_folder(path) as srv:
        cache = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
        load(cache, to_dataset("d", fetch_all(srv)))
        mark = srv.newest_change_version
        # changes that touch no natural key (a key change is a delete plus an add)
        stu = srv.data["students"][1]["id"]
        srv.touch("students", stu, firstName="Renamed")
        srv.touch("sessions", srv.data["sessions"][0]["id"], endDate="2021-12-22")
        srv.touch("gradingPeriods", srv.data["gradingPeriods"][0]["id"], endDate="2021-10-05")
        sec = srv.data["sections"][0]
        srv.touch("sections", sec["id"], sectionName="Renamed section")
        srv.touch(
            "studentSectionAttendanceEvents",
            srv.data["studentSectionAttendanceEvents"][0]["id"],
            arrivalTime="09:41:00",
        )
        srv.touch(
            "studentSchoolAttendanceEvents",
            srv.data["studentSchoolAttendanceEvents"][0]["id"],
            eventDuration=0.5,
        )
        srv.touch(
            "studentGradebookEntries",
            srv.data["studentGradebookEntries"][0]["id"],
            numericGradeEarned=1,
        )
        if folder == "small":  # the DS 4 fixture has associations and staff
            assoc = srv.data["studentSchoolAssociations"][0]
            srv.touch(
                "studentSchoolAssociations",
                assoc["id"],
                entryGradeLevelDescriptor=f"{D}GradeLevelDescriptor#Tenth grade",
            )
            srv.touch("staffs", srv.data["staffs"][0]["id"], middleName="Q")
            srv.touch(
                "studentEducationOrganizationAssociations",
                srv.data["studentEducationOrganizationAssociations"][0]["id"],
                studentIdentificationCodes=[
                    {
                        "studentIdentificationSystemDescriptor": f"{D}StudentIdentificationSystemDescriptor#State",
                        "identificationCode": "NEW-STATE-ID",
                    }
                ],
            )
        changed = fetch_all(srv, params={"minChangeVersion": mark + 1})
        assert sum(map(len, changed.values())) == (10 if folder == "small" else 7)
        ds, needs = map_items("d", changed)  # payload only
        keep_cached(cache, ds, needs)  # the sync side fills the rest from the cache
        load(cache, ds)
        fresh = tpl.migrated_engine(migrated_template, tmp_path / "fresh.db")
        load(fresh, to_dataset("d", fetch_all(srv)))
    a, b = snapshot(fresh), snapshot(cache)
    for name in a:
        assert a[name] == b[name], f"table {name} differs"
    users = {r[0]: r for r in b["users"]}
    assert users[srv.data["students"][1]["studentUniqueId"]][2] == "Renamed"


@pytest.mark.parametrize("name", ["maxPoints", "pointsPossible"])
def test_a_zero_maximum_names_the_field_that_held_it(name: str) -> None:
    items = gradebook_items()
    entry = dict(items["gradebookEntries"][0])
    entry.pop("maxPoints", None)
    entry[name] = 0
    items["gradebookEntries"][0] = entry
    with pytest.raises(SourceError) as exc:
        to_dataset("d", items)
    assert exc.value.field == name and "must be greater than 0" in exc.value.reason


def _ds5_points_items(with_results: bool = True) -> dict[str, list[dict[str, Any]]]:
    """A DS 5 entry with no maxPoints, scored in pointsEarned (9 of an unknown maximum)."""
    items = base_items()
    items["gradebookEntries"] = [{
        "id": "gb1", "gradebookEntryIdentifier": "GB-1", "namespace": "uri://gb",
        "title": "Quiz 1", "sectionReference": SECTION, "dateAssigned": "2021-09-01",
    }]
    ref = {"gradebookEntryIdentifier": "GB-1", "namespace": "uri://gb"}
    items["studentGradebookEntries"] = [
        {"id": "r1", "gradebookEntryReference": ref, **student("604822"), "pointsEarned": 9},
    ] if with_results else []
    return items


def test_points_on_a_reference_without_the_namespace_still_leave_no_maximum() -> None:
    """(review s19) The result is read as the one entry GB-1 (the identifier fallback); its
    points make that entry one with no maximum, as with the namespace given."""
    items = _ds5_points_items()
    items["studentGradebookEntries"][0]["gradebookEntryReference"] = {
        "gradebookEntryIdentifier": "GB-1"}
    ds = to_dataset("d", items)
    assert [(r.line_item_id, r.score) for r in ds.results] == [("GB-1", 9.0)]
    assert by_id(ds.line_items)["GB-1"].max_points is None


def _line_item_maxima(engine: Any) -> dict[str, float | None]:
    li = METADATA.tables["line_items"]
    with engine.connect() as conn:
        return dict(conn.execute(select(li.c.sourced_id, li.c.max_points)).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("delta", ["entry re-sent alone", "results after the entry"])
def test_an_incremental_sync_keeps_an_entry_scored_in_points_without_a_maximum(
    delta: str, tmp_path: Path, migrated_template: Path
) -> None:
    """(review s19) An entry without maxPoints scored in pointsEarned has no maximum after a
    full sync; an incremental sync must end with the same. Re-sent alone (its title changed),
    or first synced before any score and then scored, it is out of 100 instead: 9 points read
    as 9%."""
    full = _ds5_points_items()
    cache = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
    try:
        if delta == "entry re-sent alone":
            load(cache, to_dataset("d", full))
            assert _line_item_maxima(cache) == {"GB-1": None}
            full["gradebookEntries"][0]["title"] = "Quiz 1 (renamed)"
            changed = {"gradebookEntries": full["gradebookEntries"]}
        else:
            load(cache, to_dataset("d", _ds5_points_items(with_results=False)))
            changed = {"studentGradebookEntries": full["studentGradebookEntries"]}
        ds, needs = map_items("d", changed)
        keep_cached(cache, ds, needs)
        load(cache, ds)
        assert by_id(to_dataset("d", full).line_items)["GB-1"].max_points is None  # full sync
        assert _line_item_maxima(cache) == {"GB-1": None}
    finally:
        cache.dispose()
