"""The repository on both backends: same reports on SQLite and PostgreSQL, drill-downs work."""

from __future__ import annotations

import datetime as dt

import pytest

from caseload.domain.report import FlagCode
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store.repository import Repository
from tests.paths import MIN_DATA

AS_OF = dt.date(2026, 10, 2)


@pytest.fixture
def repo(engine) -> Repository:
    load(engine, read_path(MIN_DATA))
    r = Repository(engine)
    mat.refresh(engine, r.thresholds)
    return r


def test_caseload_scope_and_triage(repo):
    reports = repo.caseload("cns-1", AS_OF)
    assert [r.id for r in reports] == ["stu-1", "stu-2"]  # stu-1 is at risk
    everyone = repo.caseload(None, AS_OF)
    assert {r.id for r in everyone} == {"stu-1", "stu-2", "stu-3"}
    assert [c.family_name for c in repo.counselors()] == ["Counsel"]
    assert repo.default_counselor() == "cns-1"
    assert repo.has_students()


def test_student_and_class_drill_down(repo):
    detail = repo.student("stu-1", AS_OF)
    assert detail.report.name == "Able, Ada"
    assert detail.school == "Test High School"
    assert detail.counselors == ("Counsel, Carl",)
    alg = repo.class_detail("stu-1", "cls-alg", AS_OF)
    # weighted: Tests 60% (62/100), Homework 40% (missing HW counts 0, but drop lowest 1 keeps one)
    assert alg.policy_text.startswith("weighted: Tests 60%, Homework 40%")
    assert alg.grade == pytest.approx(0.6 * 62 + 0.4 * 0)
    codes = {f.code for f in repo.caseload("cns-1", AS_OF)[0].flags}
    assert FlagCode.LOW_GRADE in codes or FlagCode.FAILING_STREAK in codes
    with pytest.raises(KeyError):
        repo.student("nobody", AS_OF)


def test_freshness_names_the_import(repo):
    fresh = {f.what: f for f in repo.freshness()}
    assert {"grades", "attendance", "roster"} <= set(fresh)
    assert fresh["grades"].synced_at is not None
    assert fresh["grades"].synced_at.tzinfo is not None
