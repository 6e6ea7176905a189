"""A bulk (full) export imported again over the cache it filled (issue 13, incremental facts):
only the students whose records differ from the cache's have their facts refreshed, as a
delta's would be, and the facts left equal a full rebuild's. A nightly bulk export that
changed a few students' grades no longer rebuilds every student's facts."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from caseload.domain.settings import Thresholds
from caseload.services.importing import import_into
from caseload.store import facts as mat
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import MIN_DATA, SAMPLE_DATA

T = METADATA.tables


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A new cache (SQLite, or a PostgreSQL database) that the minimal export was imported
    into (its facts refreshed by that import)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{request.getfixturevalue('new_cache')}")
        import_into(eng, MIN_DATA)
        yield eng
        eng.dispose()
        return
    server = request.getfixturevalue("pg_server")
    with tpl.pg_copy(server, request.getfixturevalue("pg_migrated_template")) as url:
        eng = make_engine(url)
        import_into(eng, MIN_DATA)
        yield eng
        eng.dispose()


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """This test's copy of the bulk export the cache was built from."""
    return Path(shutil.copytree(MIN_DATA, tmp_path / "export"))


def _edit(path: Path, match: dict[str, str], change: dict[str, str]) -> None:
    """Change the columns ``change`` of the one row of ``path`` whose columns are ``match``."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    hits = [r for r in rows[1:] if all(r[header.index(k)] == v for k, v in match.items())]
    assert len(hits) == 1, hits
    for k, v in change.items():
        hits[0][header.index(k)] = v
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _facts(engine) -> dict[str, set[tuple]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {name: {tuple(r) for r in conn.execute(select(T[name]))}
                for name in ("mat_student", "mat_class", "mat_class_facts")}


def _equals_a_full_rebuild(engine) -> None:  # type: ignore[no-untyped-def]
    incremental = _facts(engine)
    done = mat.refresh_detail(engine, Thresholds(), full=True)
    assert done.full
    assert _facts(engine) == incremental


def _class_students(engine, class_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return mat.students_touched(conn, classes=[class_id])


def test_the_same_bulk_export_again_refreshes_no_student(engine, export) -> None:
    before = _facts(engine)
    summary = import_into(engine, export)
    assert summary.refreshed == 0
    assert "Refreshed facts for 0 students" in summary.lines()
    assert _facts(engine) == before


def test_one_changed_result_in_a_bulk_export_refreshes_its_student_only(engine, export) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(T["results"]).where(T["results"].c.score > 5)
                           .order_by(T["results"].c.sourced_id)).first()
    assert row is not None
    _edit(export / "results.csv", {"sourcedId": row.sourced_id}, {"score": "0"})
    summary = import_into(engine, export)
    assert summary.refreshed == 1
    assert "Refreshed facts for 1 student" in summary.lines()
    with engine.connect() as conn:
        assert conn.execute(select(T["results"].c.score)
                            .where(T["results"].c.sourced_id == row.sourced_id)).scalar() == 0
    _equals_a_full_rebuild(engine)


def test_a_changed_policy_weight_refreshes_the_students_of_its_class(engine, export) -> None:
    path = export / "gradingPolicies.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        first = next(r for r in csv.DictReader(fh) if r["categorySourcedId"])
    _edit(path, {"classSourcedId": first["classSourcedId"],
                 "categorySourcedId": first["categorySourcedId"]},
          {"weight": str(float(first["weight"]) + 0.25)})
    expected = _class_students(engine, first["classSourcedId"])
    assert expected
    summary = import_into(engine, export)
    assert summary.refreshed == len(expected)
    _equals_a_full_rebuild(engine)


def test_a_changed_enrollment_and_a_new_student_are_refreshed(engine, export) -> None:
    with engine.connect() as conn:
        enr = conn.execute(select(T["enrollments"]).where(T["enrollments"].c.role == "student")
                           .order_by(T["enrollments"].c.sourced_id)).first()
    assert enr is not None
    _edit(export / "enrollments.csv", {"sourcedId": enr.sourced_id}, {"endDate": "2026-10-01"})
    summary = import_into(engine, export)
    assert summary.refreshed == len(_class_students(engine, enr.class_id) | {enr.user_id})
    _equals_a_full_rebuild(engine)


def test_a_changed_school_calendar_still_refreshes_every_student(engine, export) -> None:
    with engine.connect() as conn:
        n = len(conn.execute(select(T["mat_student"].c.student_id)).all())
    path = export / "calendar.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        first = next(reader)
    col = next(i for i, h in enumerate(header) if h.casefold() in {"instructional", "isinstructional"})
    flipped = {"true": "false", "false": "true"}.get(first[col].casefold(), first[col])
    _edit(path, dict(zip(header[:col], first[:col], strict=True)), {header[col]: flipped})
    assert import_into(engine, export).refreshed == n


def test_one_changed_result_among_600_students_refreshes_one(
    sample_cli_import, tmp_path: Path
) -> None:
    """The same at the sample school's size: one result changed in its bulk export (600
    students, 130,000 results) refreshes that one student's facts, not 600."""
    cli_db, _out = sample_cli_import
    eng = make_engine(f"sqlite:///{tpl.copy_sqlite(cli_db, tmp_path / 'cache.db')}")
    export = Path(shutil.copytree(SAMPLE_DATA, tmp_path / "export"))
    with eng.connect() as conn:
        row = conn.execute(select(T["results"]).where(T["results"].c.score > 5)
                           .order_by(T["results"].c.sourced_id)).first()
    assert row is not None
    _edit(export / "results.csv", {"sourcedId": row.sourced_id}, {"score": "0"})
    summary = import_into(eng, export)
    assert summary.refreshed == 1
    assert "Refreshed facts for 1 student" in summary.lines()
    eng.dispose()
