"""A full facts refresh goes school by school, a new reader for each school (issue 13).

``facts_pending.school_parts`` cuts the students (in school order) into chunks that never
hold part of one school and part of another, and numbers them in groups (a school cut in
several chunks is one group); ``facts_rows.readers`` gives the first chunk of each group a
new ``InputReader``, in the calling process and in each worker, so a reader keeps what one
school's classes share, not a district's (which slowed every chunk after the first
schools). The facts are those one reader computes (a three-school district from
``benchmarks/generate.py``, workers forked and spawned)."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from caseload.domain.settings import Thresholds
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store import facts_rows, refresh_pool
from caseload.store.engine import make_engine, migrate
from caseload.store.facts_pending import school_parts
from tests.forked_refresh import refresh_with_spy
from tests.paths import REPO

TABLES = ("mat_student", "mat_class", "mat_class_facts")


def _ids_in_school_order(sizes: list[int]) -> tuple[list[str], dict[str, str | None]]:
    """Students of schools of ``sizes`` (the last school None: students without one sort
    first, as the refresh sorts them), in the refresh's order."""
    school_of: dict[str, str | None] = {}
    for k, n in enumerate(sizes):
        for j in range(n):
            school_of[f"stu-{k:02d}-{j:04d}"] = None if k == len(sizes) - 1 else f"org-{k:02d}"
    ids = sorted(school_of, key=lambda s: (school_of[s] or "", s))
    return ids, school_of


@given(st.lists(st.integers(1, 40), min_size=1, max_size=8), st.integers(1, 30))
def test_school_parts_never_mix_part_of_a_school_with_another(
    sizes: list[int], size: int
) -> None:
    ids, school_of = _ids_in_school_order(sizes)
    parts, groups = school_parts(ids, school_of, size)

    assert [s for p in parts for s in p] == ids  # every student once, in order
    assert len(groups) == len(parts)
    assert all(0 < len(p) <= size for p in parts)
    assert groups[0] == 0 and all(b - a in (0, 1) for a, b in itertools.pairwise(groups))
    count = {school: 0 for school in school_of.values()}
    for s in ids:
        count[school_of[s]] += 1
    for part in parts:
        schools = {school_of[s] for s in part}
        if len(schools) > 1:  # several schools in a chunk: each of them whole
            assert all(sum(school_of[s] == school for s in part) == count[school]
                       for school in schools)
    for g in set(groups):
        of_group = [p for p, k in zip(parts, groups, strict=True) if k == g]
        schools = {school_of[s] for p in of_group for s in p}
        if len(of_group) > 1:  # one school cut in near-equal chunks
            assert len(schools) == 1
            assert count[next(iter(schools))] > size
            lengths = [len(p) for p in of_group]
            assert max(lengths) - min(lengths) <= 1
        else:  # whole schools
            assert sum(count[school] for school in schools) == len(of_group[0])


def test_school_parts_of_two_schools_of_2500() -> None:
    ids, school_of = _ids_in_school_order([2_500, 2_500, 1])
    parts, groups = school_parts(ids, school_of, 500)
    assert [len(p) for p in parts] == [1, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500]
    assert groups == [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]
    ids, school_of = _ids_in_school_order([2_600, 10])
    parts, groups = school_parts(ids, school_of, 500)
    assert [len(p) for p in parts] == [10, 434, 434, 433, 433, 433, 433]


@given(st.lists(st.integers(1, 60), min_size=1, max_size=30), st.integers(1, 8))
def test_shares_are_contiguous_runs_of_about_as_many_students(
    lengths: list[int], workers: int
) -> None:
    parts = [["s"] * n for n in lengths]
    runs = refresh_pool.shares(parts, workers)
    assert len(runs) == workers
    assert [i for run in runs for i in run] == list(range(len(parts)))
    total = sum(lengths)
    for k, run in enumerate(runs):
        students = sum(lengths[i] for i in run)
        assert abs(students - total / workers) <= max(lengths)  # within one chunk of a share
        if k:
            assert not run or runs[k - 1] == [] or run[0] == runs[k - 1][-1] + 1


def _load_generate() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bench_generate_schools", REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def district_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three schools of 14, 14 and 13 students, imported once (copy it)."""
    folder = tmp_path_factory.mktemp("district")
    _load_generate().generate(folder / "csv", 41, per_school=15)
    cache = folder / "cache.db"
    engine = make_engine(f"sqlite:///{cache}")
    migrate(engine)
    load(engine, read_path(folder / "csv"))
    engine.dispose()
    return cache


@pytest.fixture
def district(district_cache: Path, tmp_path: Path) -> Iterator[Any]:
    copy = tmp_path / "cache.db"
    copy.write_bytes(district_cache.read_bytes())
    os.chmod(copy, 0o600)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def _facts(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in TABLES
        }


def _schools(engine: Any) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT sourced_id, school_id FROM users WHERE role = 'student'")).all())


def test_one_process_takes_a_new_reader_for_each_school(
    district: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    school_of = _schools(district)
    assert len(set(school_of.values())) == 3
    served: list[tuple[int, set[str]]] = []  # (the reader, the schools of a chunk it read)
    keep: list[Any] = []  # (readers kept alive: their ids stay theirs)
    real = facts_rows.compute_part

    def spy(reader: Any, part: list[str], thresholds: Any) -> Any:
        keep.append(reader)
        served.append((id(reader), {school_of[s] for s in part}))
        return real(reader, part, thresholds)

    monkeypatch.setattr(facts_rows, "compute_part", spy)
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "1")
    mat.refresh_detail(district, Thresholds(), full=True, chunk=5)

    assert len(served) == 9  # 14, 14, 13 students: three chunks of each school
    by_reader: dict[int, set[str]] = {}
    for reader, schools in served:
        assert len(schools) == 1
        by_reader.setdefault(reader, set()).update(schools)
    assert len(by_reader) == 3 and all(len(s) == 1 for s in by_reader.values())


_SPY = """
real = refresh_pool.compute_part
keep = []


def spy(reader, part, thresholds):
    keep.append(reader)  # (its id stays its own)
    with open(sys.argv[2], "a") as out:
        out.write(json.dumps([os.getpid(), id(reader), part]) + "\\n")
    return real(reader, part, thresholds)


refresh_pool.compute_part = spy
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_each_worker_takes_a_new_reader_for_each_school(
    district: Any, tmp_path: Path
) -> None:
    school_of = _schools(district)
    cache = district.url.database
    district.dispose()
    log = tmp_path / "served.jsonl"
    refresh_with_spy(_SPY, cache, log, chunk=5)

    served = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(s for _, _, part in served for s in part) == sorted(school_of)
    assert len({pid for pid, _, _ in served}) == 2  # two workers
    by_reader: dict[tuple[int, int], set[str]] = {}
    for pid, reader, part in served:
        by_reader.setdefault((pid, reader), set()).update(school_of[s] for s in part)
    assert all(len(schools) == 1 for schools in by_reader.values())
    # a worker given parts of two schools read them with two readers
    assert len(by_reader) >= 3


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_facts_by_school_are_the_facts_one_reader_computes(
    district: Any, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    if method == "fork" and not sys.platform.startswith("linux"):
        pytest.skip("workers are forked on Linux only")
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "1")
    mat.refresh_detail(district, Thresholds(), full=True, chunk=900)  # one chunk, one reader
    expected = _facts(district)
    assert all(expected[t] for t in TABLES)
    with district.begin() as conn:
        for t in TABLES:
            conn.execute(text(f"DELETE FROM {t}"))

    monkeypatch.setattr(refresh_pool, "start_method", lambda: method)
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "2")
    got = mat.refresh_detail(district, Thresholds(), full=True, chunk=5)
    assert len(got.students) == 41 and got.full
    assert _facts(district) == expected
