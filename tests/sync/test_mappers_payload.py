"""The SIS mappers on a payload alone (issue 15): dicts in, records out, no HTTP, no database.

Also: under caseload.sources only the modules whose name holds ``sync``, ``load`` or
``writ`` import the store, so the fetch, the map and the write stay three parts.
"""

from __future__ import annotations

import datetime as dt

import grimp
import pytest

from caseload.domain.records import AttendanceCategory, Role
from caseload.sources.edfi_api import map_items
from caseload.sources.edfi_api import to_dataset as edfi_to_dataset
from caseload.sources.edfi_deletes import deleted_to_dataset
from caseload.sources.oneroster_pages import PageMapper
from caseload.sources.oneroster_rest import to_dataset as oneroster_to_dataset

D = "uri://ed-fi.org/"


def _ref(sid: str) -> dict[str, str]:
    return {"sourcedId": sid, "href": f"/x/{sid}", "type": "x"}


ONEROSTER = {
    "orgs": [{"sourcedId": "sch-1", "status": "active", "name": "North High", "type": "school"}],
    "academicSessions": [{
        "sourcedId": "term-1", "status": "active", "title": "Fall", "type": "term",
        "startDate": "2026-08-31", "endDate": "2026-12-18", "schoolYear": "2027",
    }],
    "courses": [{"sourcedId": "crs-1", "status": "active", "title": "Algebra I",
                 "courseCode": "ALG1", "org": _ref("sch-1")}],
    "classes": [{"sourcedId": "cls-1", "status": "active", "title": "Algebra I - P1",
                 "course": _ref("crs-1"), "school": _ref("sch-1"), "terms": [_ref("term-1")],
                 "periods": ["1"]}],
    "users": [
        {"sourcedId": "stu-1", "status": "active", "givenName": "Ada", "familyName": "Byron",
         "role": "student", "grades": ["09"], "primaryOrg": _ref("sch-1"),
         "userIds": [{"type": "state", "identifier": "S-1"}],
         "roles": [{"roleType": "primary", "role": "student", "org": _ref("sch-1")}]},
    ],
    "demographics": [{"sourcedId": "stu-1", "status": "active", "birthDate": "2011-05-02"}],
    "enrollments": [{"sourcedId": "e-1", "status": "active", "class": _ref("cls-1"),
                     "user": _ref("stu-1"), "role": "student", "beginDate": "2026-08-31"}],
    "categories": [{"sourcedId": "cat-1", "status": "active", "title": "Tests"}],
    "lineItems": [{"sourcedId": "li-1", "status": "active", "title": "Unit 1",
                   "class": _ref("cls-1"), "category": _ref("cat-1"),
                   "assignDate": "2026-09-07", "dueDate": "2026-09-11",
                   "resultValueMin": 0.0, "resultValueMax": 100.0}],
    "results": [{"sourcedId": "r-1", "status": "active", "lineItem": _ref("li-1"),
                 "student": _ref("stu-1"), "scoreStatus": "fully graded", "score": 88.0,
                 "scoreDate": "2026-09-12"}],
}


def test_oneroster_payload_maps_to_records_without_a_database():
    ds = oneroster_to_dataset("district", ONEROSTER)
    assert ds.rejects == []
    (user,) = ds.users
    assert (user.sourced_id, user.role, user.birth_date) == ("stu-1", Role.STUDENT,
                                                            dt.date(2011, 5, 2))
    assert [(e.class_id, e.user_id) for e in ds.enrollments] == [("cls-1", "stu-1")]
    (result,) = ds.results
    assert (result.line_item_id, result.student_id, result.score) == ("li-1", "stu-1", 88.0)
    assert [k.sourced_id for k in ds.classes] == ["cls-1"]


def test_oneroster_pages_mapped_apart_give_the_same_records():
    import asyncio

    async def go():
        mapper = PageMapper("district", delta=False)
        mapper.start()
        for name, items in ONEROSTER.items():
            mapper.on_page(name, 0, items)
            mapper.on_done(name, items)
        await mapper.finish()
        return mapper.dataset(ONEROSTER)

    paged = asyncio.run(go())
    whole = oneroster_to_dataset("district", ONEROSTER)
    assert paged is not None
    assert paged.results == whole.results and paged.users == whole.users


SCHOOL = {"schoolId": 255901001}
SESSION = {"schoolId": 255901001, "schoolYear": 2022, "sessionName": "Fall"}
SECTION = {**SESSION, "localCourseCode": "ALG-1", "sectionIdentifier": "S1"}
EDFI = {
    "schools": [{"id": "a1", "schoolId": 255901001, "nameOfInstitution": "Grand Bend HS"}],
    "sessions": [{"id": "a2", "sessionName": "Fall", "schoolReference": SCHOOL,
                  "schoolYearTypeReference": {"schoolYear": 2022},
                  "beginDate": "2021-08-23", "endDate": "2021-12-17",
                  "termDescriptor": f"{D}TermDescriptor#Fall Semester"}],
    "courseOfferings": [{"id": "a3", "localCourseCode": "ALG-1", "localCourseTitle": "Algebra",
                         "schoolReference": SCHOOL, "sessionReference": SESSION}],
    "sections": [{"id": "a4", "sectionIdentifier": "S1",
                  "courseOfferingReference": {**SESSION, "localCourseCode": "ALG-1"}}],
    "students": [{"id": "a5", "studentUniqueId": "604822", "firstName": "Ada",
                  "lastSurname": "Byron", "birthDate": "2006-03-01"}],
    "studentSchoolAssociations": [{
        "id": "a6", "studentReference": {"studentUniqueId": "604822"},
        "schoolReference": SCHOOL, "entryDate": "2021-08-23",
        "entryGradeLevelDescriptor": f"{D}GradeLevelDescriptor#Ninth grade",
    }],
    "studentSectionAssociations": [{
        "id": "a7", "studentReference": {"studentUniqueId": "604822"},
        "sectionReference": SECTION, "beginDate": "2021-08-23",
    }],
    "studentSchoolAttendanceEvents": [{
        "id": "a8", "studentReference": {"studentUniqueId": "604822"},
        "schoolReference": SCHOOL, "eventDate": "2021-09-14",
        "attendanceEventCategoryDescriptor": f"{D}AttendanceEventCategoryDescriptor#Tardy",
        "sessionReference": SESSION,
    }],
}


def test_edfi_payload_maps_to_records_without_a_database():
    ds, needs = map_items("edfi", EDFI)
    assert ds.rejects == []
    (student,) = [u for u in ds.users if u.role is Role.STUDENT]
    assert (student.sourced_id, student.school_id) == ("604822", "255901001")
    assert [e.user_id for e in ds.enrollments] == ["604822"]
    (event,) = ds.attendance_events
    assert (event.date, event.category) == (dt.date(2021, 9, 14), AttendanceCategory.TARDY)
    # what an incremental sync would take from the cache: said, not looked up
    assert "604822" in needs.school_assoc and set(needs.sections) == {k.sourced_id
                                                                      for k in ds.classes}
    assert edfi_to_dataset("edfi", EDFI).users == ds.users
    gone = deleted_to_dataset("edfi", {"students": [{"id": "a5", "keyValues":
                                                    {"studentUniqueId": "604822"}}]})
    assert [(d.entity, d.sourced_id) for d in gone.deletions] == [("users", "604822")]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("caseload", cache_dir=None)


def test_only_sync_load_and_write_modules_of_sources_import_the_store(graph):
    offenders = {}
    for module in sorted(graph.modules):
        if not module.startswith("caseload.sources."):
            continue
        if any(w in module.rsplit(".", 1)[1] for w in ("sync", "load", "writ")):
            continue
        bad = [m for m in graph.find_modules_directly_imported_by(module)
               if m == "caseload.store" or m.startswith("caseload.store.")]
        if bad:
            offenders[module] = bad
    assert offenders == {}
