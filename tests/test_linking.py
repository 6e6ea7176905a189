"""Several sources, one student: OneRoster rosters and grades, Ed-Fi attendance, linked by the
student's state or local id (issue 6: "the student's state/local id links them")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from caseload.domain.records import AttendanceCategory, AttendanceEvent, Role, User
from caseload.sources.dataset import Dataset
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests.paths import MIN_DATA

users = METADATA.tables["users"]
attendance = METADATA.tables["attendance_events"]


def _edfi(*users_: User, events: tuple[AttendanceEvent, ...] = ()) -> Dataset:
    ds = Dataset(kind="edfi-api", source="state")
    ds.users = list(users_)
    ds.attendance_events = list(events)
    return ds


def test_an_edfi_student_with_a_known_state_id_is_the_cached_student(engine):
    load(engine, read_path(MIN_DATA))  # OneRoster: stu-1 has state id MD001, local id S001
    with engine.connect() as conn:
        before = conn.execute(select(users.c.sourced_id)).scalars().all()
        assert conn.execute(
            select(users.c.email).where(users.c.sourced_id == "stu-1")
        ).scalar_one() is None
    day = dt.date(2026, 10, 5)
    report = load(engine, _edfi(
        # Ed-Fi's studentUniqueId 604001 is new here; its state id is stu-1's
        User("604001", Role.STUDENT, "Ada", "Able", state_id="MD001",
             birth_date=dt.date(2011, 3, 4), email="ada@state.example"),
        events=(
            AttendanceEvent("att-1", "604001", day, AttendanceCategory.UNEXCUSED_ABSENCE),
            # a reference by the local id alone links too
            AttendanceEvent("att-2", "S002", day, AttendanceCategory.EXCUSED_ABSENCE),
        ),
    ))
    assert report.linked == 2
    with engine.connect() as conn:
        after = conn.execute(select(users.c.sourced_id)).scalars().all()
        rows = dict(conn.execute(select(attendance.c.sourced_id, attendance.c.student_id)).all())
        email, birth = conn.execute(
            select(users.c.email, users.c.birth_date).where(users.c.sourced_id == "stu-1")
        ).one()
    assert sorted(after) == sorted(before)  # no duplicate student
    assert rows["att-1"] == "stu-1" and rows["att-2"] == "stu-2"
    assert email == "ada@state.example"  # the second source filled what the first lacked
    assert birth == dt.date(2012, 3, 4)  # and left what the first had
    # the same Ed-Fi data again changes nothing
    load(engine, _edfi(
        User("604001", Role.STUDENT, "Ada", "Able", state_id="MD001"),
        events=(AttendanceEvent("att-1", "604001", day, AttendanceCategory.UNEXCUSED_ABSENCE),),
    ))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(users.c.sourced_id)).scalars().all()) == sorted(before)


def test_an_ambiguous_or_unknown_id_is_not_linked(engine):
    load(engine, read_path(MIN_DATA))
    # a new student with an unknown state id is a new student
    report = load(engine, _edfi(User("604999", Role.STUDENT, "Cy", "Cole", state_id="MD999")))
    assert report.linked == 0
    with engine.connect() as conn:
        assert conn.execute(
            select(users.c.sourced_id).where(users.c.sourced_id == "604999")
        ).scalar_one() == "604999"
