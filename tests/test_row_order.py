"""Answers that must not depend on the order the database returns rows in.

Rows that tie under a query's ORDER BY (or come with none) come in the plan's order: on
SQLite its scan's (an index, then rowid: the order rows were written), on PostgreSQL the
heap's or an index's, which moves with updates and, since the refresh analyzes the tables
(store/planner_stats.py), with the plan. Each test writes the tying rows in both orders and
expects one answer, on both backends.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from caseload.domain.records import Role
from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.detect import read_path
from caseload.sources.edfi_sync import _guardians_from_cache
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store.note_drafts import NoteDrafts
from caseload.store.repository import Repository
from caseload.store.tables import METADATA
from tests.paths import MIN_DATA

T = METADATA.tables
AS_OF = dt.date(2026, 10, 2)
ORDERS = ["forward", "reverse"]


def _write(engine: Engine, table: str, rows: list[dict[str, Any]], order: str) -> None:
    """``rows`` into ``table``, one statement each, in ``order``."""
    with engine.begin() as conn:
        for row in rows if order == "forward" else rows[::-1]:
            conn.execute(insert(T[table]), row)


def _user(sid: str, role: Role, given: str, family: str) -> dict[str, Any]:
    return {"sourced_id": sid, "role": role.value, "given_name": given, "family_name": family,
            "school_id": "sch-1"}


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine, read_path(MIN_DATA))
    return engine


@pytest.mark.parametrize("order", ORDERS)
def test_a_class_with_two_primary_teachers_of_one_family_name_names_one(loaded, order):
    """Two primary teachers of cls-alg sharing a family name: the first by given name (then
    id) is the class's teacher, in the drill-down (the pure path) and in the stored facts."""
    with loaded.begin() as conn:
        conn.execute(T["enrollments"].delete().where(T["enrollments"].c.sourced_id == "e6"))
        conn.execute(insert(T["users"]), [_user("tch-z", Role.TEACHER, "Zoe", "Adams"),
                                          _user("tch-a", Role.TEACHER, "Amy", "Adams")])
    _write(loaded, "enrollments", [
        {"sourced_id": f"e-{t}", "class_id": "cls-alg", "user_id": t, "role": "teacher",
         "primary": True} for t in ("tch-a", "tch-z")
    ], order)
    repo = Repository(loaded)
    mat.refresh(loaded, repo.thresholds, full=True)
    assert repo.class_detail("stu-1", "cls-alg", AS_OF).teacher == "Adams, Amy"
    with loaded.connect() as conn:
        stored = conn.execute(
            T["mat_class"].select().where(T["mat_class"].c.class_id == "cls-alg")
        ).one()
    assert stored.teacher == "Adams, Amy"
    alg = [c for c in repo.student("stu-1", AS_OF).report.metrics.classes if c.id == "cls-alg"]
    assert [c.teacher for c in alg] == ["Adams, Amy"]


@pytest.mark.parametrize("order", ORDERS)
def test_a_students_incidents_on_one_day_come_in_id_order(loaded, order):
    day = dt.date(2026, 9, 20)
    _write(loaded, "discipline_incidents", [
        {"sourced_id": i, "date": day, "school_id": "sch-1", "behavior": "Tardy"}
        for i in ("inc-a", "inc-b", "inc-c")
    ], order)
    _write(loaded, "student_incidents", [
        {"incident_id": i, "student_id": "stu-1"} for i in ("inc-a", "inc-b", "inc-c")
    ], order)
    _write(loaded, "discipline_incidents", [
        {"sourced_id": "inc-0", "date": day - dt.timedelta(days=1), "school_id": "sch-1"}
    ], order)
    _write(loaded, "student_incidents", [{"incident_id": "inc-0", "student_id": "stu-1"}], order)
    detail = Repository(loaded).student("stu-1", AS_OF)
    # newest first, as before; a day's by incident id
    assert [i.incident_id for i in detail.incidents] == ["inc-a", "inc-b", "inc-c", "inc-0"]


@pytest.mark.parametrize("order", ORDERS)
def test_counselors_sharing_a_name_are_listed_in_id_order(loaded, order):
    _write(loaded, "users", [_user(c, Role.COUNSELOR, "Carl", "Counsel")
                             for c in ("cns-0", "cns-2")], order)
    _write(loaded, "users", [_user("cns-9", Role.COUNSELOR, "Ann", "Counsel")], order)
    got = [c.sourced_id for c in Repository(loaded).counselors()]
    assert got == ["cns-9", "cns-0", "cns-1", "cns-2"]


@pytest.mark.parametrize("order", ORDERS)
def test_freshness_of_runs_finished_at_once_names_the_first_run(loaded, order):
    """Runs that finished at the same instant: the one with the lower id names the source,
    as SQLite always gave (its scan of import_runs is in id order)."""
    at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    _write(loaded, "import_runs", [
        {"id": 100 + n, "source": f"src-{n}", "kind": kind, "started_at": at,
         "finished_at": at, "outcome": "ok", "counts": '{"results": 1}'}
        for n, kind in enumerate(("oneroster-csv", "edfi-xml"))
    ], order)
    fresh = {f.what: f for f in Repository(loaded).freshness()}
    assert fresh["grades"].source == "oneroster-csv: src-0"  # run 100


def disagreeing_guardian(phones: dict[str, str]) -> list[dict[str, Any]]:
    """The cached links of parent:9, one per student of ``phones``, each with its own phone
    (an incremental sync rewrote some of them)."""
    row = {"guardian_id": "parent:9", "given_name": "Pat", "family_name": "Parent",
           "relationship": "Mother", "primary_contact": True, "source": "edfi-api"}
    return [{**row, "student_id": s, "phone": phone} for s, phone in phones.items()]


def copied_for_a_new_link(engine: Engine) -> list[tuple[str, str | None]]:
    """(student, phone) of the link to parent:9 an incremental Ed-Fi sync makes for stu-3,
    its other fields copied from the cache (``_guardians_from_cache``)."""
    ds = Dataset(kind="edfi-api", source="test")
    missing = SourceError("studentParentAssociations", 1, "parentReference", "unknown")
    needs: Any = SimpleNamespace(
        guardian_links=(("stu-3", "parent:9", "Mother", True, missing, None),))
    _guardians_from_cache(engine, ds, needs, False)
    return [(g.student_id, g.phone) for g in ds.guardians]


@pytest.mark.parametrize("order", ORDERS)
def test_a_guardian_taken_from_the_cache_is_one_student_s_copy(loaded, order):
    """A guardian whose cached links disagree (an incremental sync rewrote one of them): the
    link an incremental sync takes from the cache copies the link of the first student by
    id, whichever row the database returns first."""
    _write(loaded, "guardians",
           disagreeing_guardian({"stu-1": "555-0101", "stu-2": "555-0202"}), order)
    assert copied_for_a_new_link(loaded) == [("stu-3", "555-0101")]


@pytest.mark.parametrize("order", ORDERS)
def test_drafts_saved_at_once_for_one_student_come_in_note_order(loaded, order):
    at = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    _write(loaded, "note_drafts", [
        {"author_id": "cns-1", "student_id": "stu-1", "note_key": key, "payload": "{}",
         "saved_at": at} for key in (0, 7)
    ], order)
    drafts = NoteDrafts(loaded).drafts("cns-1")
    assert [(d.student_id, d.note_id) for d in drafts] == [("stu-1", None), ("stu-1", 7)]
