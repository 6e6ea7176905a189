"""Materialized facts agree with the pure domain path (hypothesis), and stay fresh."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from caseload.domain import analysis
from caseload.domain.records import AttendanceCategory, AttendanceEvent, Result, ScoreStatus
from caseload.domain.settings import Thresholds
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store.engine import make_engine
from caseload.store.repository import Repository
from tests import templates as tpl
from tests.paths import MIN_DATA

STUDENTS = ["stu-1", "stu-2", "stu-3"]
CLASSES = {"cls-alg": ["li-1", "li-2"], "cls-eng": ["li-3"]}
START = dt.date(2026, 8, 31)

days = st.integers(min_value=0, max_value=60).map(lambda n: START + dt.timedelta(days=n))
attendance_events = st.lists(
    st.tuples(
        st.sampled_from(STUDENTS),
        days,
        st.sampled_from(list(AttendanceCategory)),
        st.sampled_from([None, "cls-alg", "cls-eng"]),
    ),
    max_size=40,
)
results = st.lists(
    st.tuples(
        st.sampled_from(STUDENTS),
        st.sampled_from(["li-1", "li-2", "li-3"]),
        st.one_of(st.none(), st.floats(min_value=0, max_value=120, allow_nan=False)),
        st.sampled_from(list(ScoreStatus)),
        st.one_of(st.none(), days),
    ),
    max_size=30,
)


def _reports_pure(repo: Repository, as_of: dt.date):
    with repo.engine.connect() as conn:
        inputs = repo.inputs(conn, repo._scope(None))
    return sorted(
        (analysis.student_report(i, as_of, repo.thresholds) for i in inputs), key=lambda r: r.id
    )


def _assert_decoded_facts_equal_pure(repo: Repository) -> None:
    """The packed facts decode to the pure path's, every ClassFacts field included (None
    grades in timelines, empty series, open enrollment spans)."""
    fresh = Repository(repo.engine, thresholds=repo.thresholds)
    decoded = {f.student.sourced_id: f for f in fresh.facts(None) or []}
    with repo.engine.connect() as conn:
        inputs = repo.inputs(conn, repo._scope(None), with_notes=False)
    pure = {i.student.sourced_id: analysis.student_facts(i, repo.thresholds) for i in inputs}
    assert decoded == pure
    for sid, want in pure.items():
        got = {c.class_id: c for c in decoded[sid].classes}
        for c in want.classes:
            for f in fields(analysis.ClassFacts):
                assert getattr(got[c.class_id], f.name) == getattr(c, f.name), f.name


@pytest.fixture(scope="module")
def fresh_cache(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A function making a new cache for each example: the session's migrated cache copied
    over one file (conftest.py), not 30 runs of the migrations, behind one engine for all the
    examples (disposed before each copy), so SQLAlchemy compiles each statement once, not once
    per example."""
    path = tmp_path_factory.mktemp("facts") / "c.db"
    engine = make_engine(f"sqlite:///{path}")

    def fresh() -> Engine:
        engine.dispose()
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)
        tpl.copy_sqlite(migrated_template, path)
        return engine

    yield fresh
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attendance_events, results, days, st.booleans())
def test_materialized_path_equals_pure_path(fresh_cache, events, scores, as_of, zero):
    engine = fresh_cache()
    try:
        ds = read_path(MIN_DATA)
        ds.attendance_events = [
            AttendanceEvent(f"a{i}", s, d, c, cls, None) for i, (s, d, c, cls) in enumerate(events)
        ]
        seen = set()
        ds.results = []
        for i, (s, li, score, status, when) in enumerate(scores):
            if (s, li) in seen:
                continue
            seen.add((s, li))
            ds.results.append(Result(f"r{i}", li, s, score, status, when))
        load(engine, ds)
        repo = Repository(engine, thresholds=Thresholds(missing_counts_as_zero=zero))
        mat.refresh(engine, repo.thresholds)
        materialized = sorted(repo.caseload(None, as_of), key=lambda r: r.id)
        with engine.connect() as conn:
            assert mat.is_fresh(conn, repo.thresholds)
        assert materialized == _reports_pure(repo, as_of)
        _assert_decoded_facts_equal_pure(repo)
    finally:
        engine.dispose()


def test_facts_go_stale_after_an_import_and_when_settings_change(sqlite_engine):
    load(sqlite_engine, read_path(MIN_DATA))
    t = Thresholds()
    mat.refresh(sqlite_engine, t)
    with sqlite_engine.connect() as conn:
        assert mat.is_fresh(conn, t)
        assert not mat.is_fresh(conn, Thresholds(missing_counts_as_zero=False))
    load(sqlite_engine, read_path(MIN_DATA))
    with sqlite_engine.connect() as conn:
        assert not mat.is_fresh(conn, t)
    # a stale reader refreshes itself and answers the same as the pure path
    repo = Repository(sqlite_engine, thresholds=t)
    as_of = dt.date(2026, 10, 2)
    assert sorted(repo.caseload(None, as_of), key=lambda r: r.id) == _reports_pure(repo, as_of)
    with sqlite_engine.connect() as conn:
        assert mat.is_fresh(conn, t)
        assert conn.execute(text("SELECT count(*) FROM mat_class_facts")).scalar() == 5


_PURE: dict[tuple[Path, bool], dict[str, analysis.StudentFacts]] = {}


def _pure_sample_facts(template: Path, thresholds: Thresholds) -> dict[str, analysis.StudentFacts]:
    """Every sample student's facts by the pure path, from the session's SQLite sample
    template (read only), worked out once per process and setting: the sample's rows are the
    same on both backends (tests/sync and test_store_import compare them)."""
    key = (template, thresholds.missing_counts_as_zero)
    if key not in _PURE:
        engine = make_engine(f"sqlite:///file:{template}?mode=ro&uri=true")
        try:
            repo = Repository(engine, thresholds=thresholds)
            with engine.connect() as conn:
                inputs = repo.inputs(conn, repo._scope(None), with_notes=False)
        finally:
            engine.dispose()
        _PURE[key] = {
            i.student.sourced_id: _by_class(analysis.student_facts(i, thresholds))
            for i in inputs
        }
    return _PURE[key]


@pytest.mark.parametrize("zero", [True, False])
def test_full_refresh_of_the_sample_school_equals_the_pure_path(sample_engine, sample_template,
                                                                 zero):
    """Every student's stored facts after a full refresh of the sample school (weighted and
    points gradebooks, drop-lowest, attendance with period records) decode to the pure path's,
    field by field, on each backend and with either missing-results setting."""
    thresholds = Thresholds(missing_counts_as_zero=zero)
    done = mat.refresh_detail(sample_engine, thresholds, full=True)
    assert done.full and len(done.students) > 100
    repo = Repository(sample_engine, thresholds=thresholds)
    decoded = {f.student.sourced_id: _by_class(f) for f in repo.facts(None) or []}
    pure = _pure_sample_facts(sample_template, thresholds)
    assert decoded.keys() == pure.keys()
    for sid, want in pure.items():
        got = decoded[sid]
        assert got == want, sid
        for g, w in zip(got.classes, want.classes, strict=True):
            for f in fields(analysis.ClassFacts):
                assert getattr(g, f.name) == getattr(w, f.name), (sid, w.class_id, f.name)


def _by_class(facts: analysis.StudentFacts) -> analysis.StudentFacts:
    """The facts with their classes in class id order (PostgreSQL hands the stored rows back
    in no set order; the reports read ``ordered_classes``)."""
    return replace(facts, classes=tuple(sorted(facts.classes, key=lambda c: c.class_id)))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_full_refresh_class_dates_include_results_of_users_no_longer_students(
    engine, workers, monkeypatch
):
    """A full refresh collects each class's result dates (stale gradebook) from the students'
    results it reads; the shown results of a user who is not a student (here one whose role
    changed after the import) count too, as the per-class query of the pure path counts them:
    in a class with a roster (the user still enrolled as a student) and in one without. With
    worker processes, the calling process reads those while they compute (``meanwhile``)."""
    from caseload.store import refresh_pool

    monkeypatch.setenv(refresh_pool.ENV_WORKERS, workers)
    calls: list[bool] = []
    real = refresh_pool.computed

    def spy(*args, meanwhile=None, **kw):
        calls.append(meanwhile is not None)
        return real(*args, meanwhile=meanwhile, **kw)

    monkeypatch.setattr(refresh_pool, "computed", spy)
    load(engine, read_path(MIN_DATA))
    with engine.begin() as conn:
        conn.execute(text("UPDATE results SET score_date = :d WHERE sourced_id = 'res-1'"),
                     {"d": dt.date(2026, 10, 5)})
        conn.execute(text("DELETE FROM enrollments WHERE class_id = 'cls-eng' "
                          "AND role = 'student'"))
        conn.execute(
            text("INSERT INTO results (sourced_id, line_item_id, student_id, score, status, "
                 "score_date, late, missing, excused) VALUES ('res-x', 'li-3', 'stu-1', 80, "
                 "'fully graded', :d, false, false, false)"),
            {"d": dt.date(2026, 10, 6)},
        )
        conn.execute(text("UPDATE users SET role = 'teacher' WHERE sourced_id = 'stu-1'"))
    done = mat.refresh_detail(engine, Thresholds(), full=True, chunk=1)
    assert done.full and done.students == {"stu-2", "stu-3"}
    assert calls == ([True] if workers == "2" else [])
    repo = Repository(engine, thresholds=Thresholds())
    classes = {c.class_id: c for f in repo.facts(None) or [] for c in f.classes}
    assert dt.date(2026, 10, 5) in classes["cls-alg"].class_result_dates
    assert dt.date(2026, 10, 6) in classes["cls-eng"].class_result_dates
    _assert_decoded_facts_equal_pure(repo)


@pytest.mark.parametrize("zero", [True, False])
def test_full_refresh_reads_results_as_columns_and_rows_where_sums_round(engine, zero):
    """The full refresh reads results as columns and computes the timelines in batches
    (store/result_columns.py, domain/timeline_batch.py); a class whose sums might round (a
    score of 8.33, one too large, one finer than 1/1024), a student with two results for one
    line item or a result for a line item of no stored class is computed from its rows
    instead. Every case decodes to the pure path's facts, on both backends."""
    load(engine, read_path(MIN_DATA))
    insert = text(
        "INSERT INTO results (sourced_id, line_item_id, student_id, score, status, score_date, "
        "late, missing, excused) VALUES (:r, :li, :s, :score, :status, :d, false, :m, false)"
    )
    rows = [
        ("x-1", "li-2", "stu-1", 8.33, "fully graded", dt.date(2026, 9, 20), False),
        ("x-2", "li-1", "stu-2", None, "not submitted", None, True),  # a second for li-1
        ("x-3", "li-9", "stu-2", 50.0, "fully graded", dt.date(2026, 9, 21), False),
        ("x-4", "li-3", "stu-3", 2.0**-11, "partially graded", None, False),
        ("x-5", "li-2", "stu-3", 1e7, "fully graded", dt.date(2026, 9, 22), False),
        ("x-6", "li-3", "stu-1", 19.25, "exempt", dt.date(2026, 9, 23), False),
    ]
    replace_theirs = {"x-1", "x-4", "x-5", "x-6"}  # (x-2 and x-3 are added beside)
    with engine.begin() as conn:
        for r, li, s, score, status, d, m in rows:
            if r in replace_theirs:
                conn.execute(text("DELETE FROM results WHERE line_item_id = :li"
                                  " AND student_id = :s"), {"li": li, "s": s})
            conn.execute(insert, {"r": r, "li": li, "s": s, "score": score, "status": status,
                                  "d": d, "m": m})
    thresholds = Thresholds(missing_counts_as_zero=zero)
    done = mat.refresh_detail(engine, thresholds, full=True)
    assert done.full and done.students == set(STUDENTS)
    _assert_decoded_facts_equal_pure(Repository(engine, thresholds=thresholds))


def test_a_line_item_id_holding_the_column_separator_is_read_as_rows(engine):
    """The batch reader joins line item ids with U+001F; ids are the sources' own text, and an
    id holding that character would misalign the columns: such a chunk is read as rows (the
    refresh's path before the batch reader), and its facts are the pure path's."""
    load(engine, read_path(MIN_DATA))
    odd = "li-1\x1fodd"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO line_items (sourced_id, class_id, title, category_id, "
                          "assign_date, due_date, min_points, max_points, grading_period_id) "
                          "SELECT :odd, class_id, title, category_id, assign_date, due_date, "
                          "min_points, max_points, grading_period_id FROM line_items "
                          "WHERE sourced_id = 'li-1'"), {"odd": odd})
        conn.execute(text("UPDATE results SET line_item_id = :odd WHERE line_item_id = 'li-1'"),
                     {"odd": odd})
        conn.execute(text("DELETE FROM line_items WHERE sourced_id = 'li-1'"))
    thresholds = Thresholds()
    done = mat.refresh_detail(engine, thresholds, full=True)
    assert done.full and done.students == set(STUDENTS)
    repo = Repository(engine, thresholds=thresholds)
    alg = [c for f in repo.facts(None) or [] for c in f.classes if c.class_id == "cls-alg"]
    assert any(c.timeline for c in alg)  # the results of the odd line item count
    _assert_decoded_facts_equal_pure(repo)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.integers(1, 800_000), max_size=40), min_size=1, max_size=6))
def test_united_dates_is_the_packed_union(parts: list[set[int]]) -> None:
    """A full refresh's chunks send each class's days packed (``packed_dates``); the
    refresh unites them (``united_dates``) into what ``packed_dates`` of the union gives."""
    from caseload.store.facts_rows import packed_dates, united_dates

    got = united_dates([packed_dates(p) for p in parts])
    assert got == packed_dates(set().union(*parts))
