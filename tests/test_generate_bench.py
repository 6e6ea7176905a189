"""benchmarks/generate.py: the streamed district the issue-13 benchmarks import."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest

from tests.paths import REPO


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "benchmarks" /
                                                  "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.csv"))}


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("district")
    return out, gen.generate(out, 41, per_school=15)


def test_school_sizes_near_equal_and_capped() -> None:
    assert gen.school_sizes(300) == [300]
    assert gen.school_sizes(2500) == [2500]
    assert gen.school_sizes(3000) == [1500, 1500]
    assert gen.school_sizes(75_000) == [2500] * 30
    assert gen.school_sizes(41, per_school=15) == [14, 14, 13]
    with pytest.raises(ValueError):
        gen.school_sizes(0)


def test_tag_ids_tags_every_id_field_and_nothing_else() -> None:
    text = ('res-A-001-00001,active,li-cls-A-01-001,stu-00001,,"Late, see stu-x",org-hhs\n'
            'enr-cls-A-01-tch-001,cls-A-01,org-hhs,tch-001,org-bcps\n')
    assert gen.tag_ids(text, "s02") == (
        'res-s02-A-001-00001,active,li-s02-cls-A-01-001,stu-s02-00001,,"Late, see stu-x",'
        'org-hhs-s02\nenr-s02-cls-A-01-tch-001,cls-s02-A-01,org-hhs-s02,tch-s02-001,org-bcps\n')


def test_district_counts_and_unique_ids(district: tuple[Path, dict[str, int]]) -> None:
    out, counts = district
    users = _rows(out / "users.csv")
    assert counts["users.csv"] == len(users)
    assert len({u[0] for u in users}) == len(users)  # no id shared by two schools
    assert len(_rows(out / "caseloads.csv")) == 41
    orgs = _rows(out / "orgs.csv")
    assert [o[4] for o in orgs] == ["district", "school", "school", "school"]
    assert len(_rows(out / "academicSessions.csv")) == counts["academicSessions.csv"] == 7
    results = _rows(out / "results.csv")
    assert len({r[0] for r in results}) == len(results) == counts["results.csv"] > 1000


def test_deterministic_and_seeded(district: tuple[Path, dict[str, int]],
                                  tmp_path: Path) -> None:
    out, _ = district
    again = gen.generate(tmp_path / "again", 41, per_school=15)
    assert _digest(tmp_path / "again") == _digest(out)
    assert again["results.csv"] > 0
    gen.generate(tmp_path / "other", 41, seed=7, per_school=15)
    assert _digest(tmp_path / "other") != _digest(out)


def test_imports_cleanly_every_row_stored(district: tuple[Path, dict[str, int]],
                                          tmp_path: Path) -> None:
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine, migrate

    out, counts = district
    db = tmp_path / "cache.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    load(engine, read_path(out))  # strict: a dangling reference would refuse the import
    engine.dispose()
    conn = sqlite3.connect(db)
    try:
        def n(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        assert n("SELECT count(*) FROM users WHERE role = 'student'") == 41
        assert n("SELECT count(*) FROM users") == counts["users.csv"]
        assert n("SELECT count(*) FROM results") == counts["results.csv"]
        assert n("SELECT count(*) FROM enrollments") == counts["enrollments.csv"]
        assert n("SELECT count(*) FROM attendance_events") == counts["attendance.csv"]
        assert n("SELECT count(DISTINCT school_id) FROM users WHERE role = 'student'") == 3
    finally:
        conn.close()
