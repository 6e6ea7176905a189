"""Answers that must not depend on the database's collation.

SQLite compares text by its bytes (UTF-8: code point order, as Python compares strings).
A PostgreSQL database compares text with its collation, fixed when the database is created
(``CREATE DATABASE caseload``, docs/DEPLOY.md, takes the cluster's locale: en_US.UTF-8 on most
servers), which is case-insensitive at first (``abbey`` before ``Abbot``). The suite's own
cluster is initialized in C.UTF-8, which orders as SQLite does; these tests run PostgreSQL on a
database created with an en-US collation (ICU, so no OS locale is needed) and expect the
answers SQLite gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from caseload.domain.records import Role
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store.engine import make_engine
from caseload.store.repository import Repository
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.conftest import BACKENDS
from tests.paths import MIN_DATA

T = METADATA.tables
AS_OF = dt.date(2026, 10, 2)
EN_US = "en-US"


@pytest.fixture(params=BACKENDS)
def collated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The small OneRoster export loaded into a new cache: on SQLite, or on a PostgreSQL
    database whose default collation is en-US."""
    if request.param == "sqlite":
        path = tpl.copy_sqlite(request.getfixturevalue("migrated_template"),
                               tmp_path / "cache.db")
        url = f"sqlite:///{path}"
        name = None
    else:
        server = request.getfixturevalue("pg_server")
        name = f"en_{tmp_path.name}"[:60].replace("-", "_")
        tpl.pg_admin(server, f'CREATE DATABASE "{name}" TEMPLATE template0 '
                             f"LOCALE_PROVIDER icu ICU_LOCALE '{EN_US}' LOCALE 'C.UTF-8'")
        url = tpl.pg_url(server, name)
    eng = make_engine(url)
    try:
        if name is not None:
            tpl.migrate_url(url)
        load(eng, read_path(MIN_DATA))
        yield eng
    finally:
        eng.dispose()
        if name is not None:
            tpl.pg_admin(request.getfixturevalue("pg_server"),
                         f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _user(sid: str, role: Role, given: str, family: str, **more: Any) -> dict[str, Any]:
    return {"sourced_id": sid, "role": role.value, "given_name": given, "family_name": family,
            "school_id": "sch-1", **more}


def _add(engine: Engine, table: str, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(T[table]), rows)


def test_the_collated_database_is_case_insensitive_at_first(collated):
    """The premise: on PostgreSQL this database puts ``abbey`` before ``Abbot``."""
    from sqlalchemy import literal, select

    with collated.connect() as conn:
        less = conn.execute(select(literal("abbey") < literal("Abbot"))).scalar()
    assert less is (collated.dialect.name == "postgresql")


# --- the counselor and student lists -----------------------------------------------------------
# Listed as the caseload table lists names (tui/screens/caseload.py "name", the triage order's
# name key) and as the "Who are you?" picker lists counselors: by the shown name, casefolded,
# then by id. SQLite compared legal names byte by byte (every capital before every small
# letter); PostgreSQL by the database's collation (accents ignored at first).

NAMES = [("x-a", "Ann", "abbey"), ("x-b", "Bo", "Abbot"), ("x-e", "Eve", "Émond"),
         ("x-z", "Zoe", "Ezra"), ("x-p", "Al", "Zed")]


def _add_named(engine: Engine, role: Role) -> None:
    """NAMES as users of ``role``; x-p goes by the preferred family name "aaron" (the name
    shown, and the one the lists go by)."""
    _add(engine, "users", [_user(sid, role, g, f) for sid, g, f in NAMES])
    with engine.begin() as conn:
        conn.execute(T["users"].update().where(T["users"].c.sourced_id == "x-p")
                     .values(preferred_family_name="aaron"))


def test_counselors_are_listed_by_shown_name_ignoring_case(collated):
    _add_named(collated, Role.COUNSELOR)
    got = [c.sourced_id for c in Repository(collated).counselors()]
    assert got == ["x-p", "x-a", "x-b", "cns-1", "x-z", "x-e"]


def test_students_are_listed_by_shown_name_ignoring_case(collated):
    _add_named(collated, Role.STUDENT)
    got = [s.sourced_id for s in Repository(collated).students()]
    # stu-1 Able, Ada; stu-2 Baker, Ben; stu-3 O'Connor, Cy
    assert got == ["x-p", "x-a", "x-b", "stu-1", "stu-2", "x-z", "stu-3", "x-e"]


# --- ids: code point order on both backends (store/collation.py) -------------------------------


def test_the_stored_ranking_breaks_a_name_tie_by_id_as_the_computed_one(collated):
    """Two students of one name and one risk: the triage order (domain/report.py triage_key)
    puts "stu-B" before "stu-a" (Python compares ids by code point); the stored ranking must
    read them back in that order, and its first page must be the same students."""
    _add(collated, "users", [_user(sid, Role.STUDENT, "Sam", "Same") for sid in ("stu-a", "stu-B")])
    repo = Repository(collated)
    mat.refresh(collated, repo.thresholds, full=True)
    computed = [r.id for r in repo.caseload_rows(None, AS_OF)]
    assert computed.index("stu-B") < computed.index("stu-a")
    assert [r.id for r in repo.caseload_rows(None, AS_OF)] == computed  # (stored, read back)
    head = repo.caseload_head(None, AS_OF, computed.index("stu-B") + 1)
    assert head is not None and [r.id for r in head[0]][-1] == "stu-B"


def test_a_class_with_two_primary_teachers_names_the_first_by_code_point(collated):
    """Two primary teachers of cls-alg: the first by family name, as SQLite compares it
    ("Abbot" before "abbey"), is the class's teacher on both backends, computed or stored."""
    with collated.begin() as conn:
        conn.execute(T["enrollments"].delete().where(T["enrollments"].c.sourced_id == "e6"))
    _add(collated, "users", [_user("tch-x", Role.TEACHER, "Amy", "abbey"),
                             _user("tch-y", Role.TEACHER, "Zed", "Abbot")])
    _add(collated, "enrollments", [
        {"sourced_id": f"e-{t}", "class_id": "cls-alg", "user_id": t, "role": "teacher",
         "primary": True} for t in ("tch-x", "tch-y")
    ])
    repo = Repository(collated)
    assert repo.class_detail("stu-1", "cls-alg", AS_OF).teacher == "Abbot, Zed"
    mat.refresh(collated, repo.thresholds, full=True)
    alg = [c for c in repo.student("stu-1", AS_OF).report.metrics.classes if c.id == "cls-alg"]
    assert [c.teacher for c in alg] == ["Abbot, Zed"]


def test_a_students_counselors_come_in_id_order(collated):
    _add(collated, "users", [_user(c, Role.COUNSELOR, "C", "Co") for c in ("cns-a", "cns-B")])
    _add(collated, "caseloads", [{"counselor_id": c, "student_id": "stu-1"}
                                 for c in ("cns-a", "cns-B")])
    repo = Repository(collated)
    want = ["cns-1", "cns-B", "cns-a"]
    (pure,) = [r for r in repo.caseload(None, AS_OF) if r.id == "stu-1"]  # (facts stale: pure)
    mat.refresh(collated, repo.thresholds, full=True)
    (stored,) = [r for r in repo.caseload(None, AS_OF) if r.id == "stu-1"]
    assert list(pure.counselor_ids) == list(stored.counselor_ids) == want


def test_the_largest_caseloads_tie_goes_to_the_first_counselor_by_id(collated):
    _add(collated, "users", [_user(c, Role.COUNSELOR, "C", "Co") for c in ("cns-a", "cns-B")])
    with collated.begin() as conn:
        conn.execute(T["caseloads"].delete())
    _add(collated, "caseloads", [{"counselor_id": c, "student_id": s}
                                 for c in ("cns-a", "cns-B") for s in ("stu-1", "stu-2")])
    assert Repository(collated).default_counselor() == "cns-B"


def test_a_guardian_taken_from_the_cache_is_the_first_student_by_code_point(collated):
    """The cached links of parent:9 disagree: an incremental Ed-Fi sync copies the link of the
    first student by id, "stu-B" (as SQLite compares ids) before "stu-a"."""
    from tests.test_row_order import copied_for_a_new_link, disagreeing_guardian

    _add(collated, "users", [_user(s, Role.STUDENT, "S", "S") for s in ("stu-a", "stu-B")])
    _add(collated, "guardians",
         disagreeing_guardian({"stu-a": "555-0101", "stu-B": "555-0202"}))
    assert copied_for_a_new_link(collated) == [("stu-3", "555-0202")]


def test_drafts_saved_at_once_come_in_student_id_code_point_order(collated):
    from caseload.store.note_drafts import NoteDrafts

    _add(collated, "users", [_user(s, Role.STUDENT, "S", "S") for s in ("stu-a", "stu-B")])
    at = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    _add(collated, "note_drafts", [
        {"author_id": "cns-1", "student_id": s, "note_key": 0, "payload": "{}", "saved_at": at}
        for s in ("stu-a", "stu-B")
    ])
    assert [d.student_id for d in NoteDrafts(collated).drafts("cns-1")] == ["stu-B", "stu-a"]


def test_a_students_classes_come_in_one_order_computed_or_stored(collated):
    """stu-1 in classes "cls-B" and "cls-a" of one title and period besides cls-alg and
    cls-eng: the report lists them by id (domain/analysis.py ClassFacts.sort_key), whether
    computed from the cache or decoded from the stored facts. (Not a difference: the order is
    Python's, whatever the database returns; kept as a guard.)"""
    with collated.connect() as conn:
        alg = conn.execute(T["classes"].select().where(T["classes"].c.sourced_id == "cls-alg")
                           ).mappings().one()
    _add(collated, "classes", [{**alg, "sourced_id": c, "title": "Same"} for c in ("cls-a", "cls-B")])
    _add(collated, "enrollments", [
        {"sourced_id": f"e-{c}", "class_id": c, "user_id": "stu-1", "role": "student",
         "primary": False, "begin_date": dt.date(2026, 8, 31)} for c in ("cls-a", "cls-B")
    ])
    repo = Repository(collated)
    pure = [c.id for c in repo.student("stu-1", AS_OF).report.metrics.classes]
    mat.refresh(collated, repo.thresholds, full=True)
    stored = [c.id for c in repo.student("stu-1", AS_OF).report.metrics.classes]
    assert pure == stored
    assert pure.index("cls-B") < pure.index("cls-a")


def test_a_students_incidents_of_one_day_come_in_id_code_point_order(collated):
    """Newest first; one day's by incident id as Python compares it ("inc-B" before "inc-a")."""
    day = dt.date(2026, 9, 20)
    _add(collated, "discipline_incidents", [
        {"sourced_id": i, "date": day, "school_id": "sch-1", "behavior": "Tardy"}
        for i in ("inc-a", "inc-B")
    ])
    _add(collated, "student_incidents", [
        {"incident_id": i, "student_id": "stu-1"} for i in ("inc-a", "inc-B")
    ])
    detail = Repository(collated).student("stu-1", AS_OF)
    assert [i.incident_id for i in detail.incidents] == ["inc-B", "inc-a"]
