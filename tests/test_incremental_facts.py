"""Incremental facts (issue 13): a delta refreshes only the students it changed, and the facts
and stored rankings it leaves equal a full rebuild's, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, text

from caseload.domain.settings import Thresholds
from caseload.services.facts import refresh_facts, refreshed_line
from caseload.services.importing import import_into
from caseload.store import facts as mat
from caseload.store import ranking
from caseload.store.engine import make_engine
from caseload.store.repository import Repository
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import MIN_DATA

T = METADATA.tables
MANIFEST = (
    "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
    "file.results,delta\n"
)
RESULT_HEADER = (
    "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreScaleSourcedId,"
    "scoreStatus,score,textScore,scoreDate,comment,inProgress,incomplete,late,missing\n"
)
AS_OF = dt.date(2026, 11, 20)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def ranked_engine(request: pytest.FixtureRequest, shared_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """This test's copy of the imported sample school with its facts materialized and its
    caseload ranking stored for today and AS_OF, as ``caseload import sample_data`` leaves it
    (built once per session: on SQLite the session's CLI import itself, on PostgreSQL the
    sample template ranked by ``refresh_facts``), so no test ranks the same school again."""
    if request.param == "sqlite":
        cli_db, _out = request.getfixturevalue("sample_cli_import")
        eng = make_engine(f"sqlite:///{tpl.copy_sqlite(cli_db, tmp_path / 'cache.db')}")
        yield eng
        eng.dispose()
        return
    server = request.getfixturevalue("pg_server")
    with tpl.pg_copy(server, tpl.pg_ranked(shared_dir, server)) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


def _facts(engine) -> dict[str, set[tuple]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {
            name: {tuple(r) for r in conn.execute(select(T[name]))}
            for name in ("mat_student", "mat_class", "mat_class_facts")
        }


def _ranking(engine, as_of: dt.date) -> set[tuple]:  # type: ignore[no-untyped-def]
    rank = T["mat_rank"]
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(rank).where(rank.c.as_of == as_of))}


def _one_result_delta(engine, tmp_path: Path) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """A delta folder changing one existing result's score (to 0: it moves the grade)."""
    results = T["results"]
    with engine.connect() as conn:
        row = conn.execute(
            select(results).where(results.c.score.is_not(None)).order_by(results.c.sourced_id)
        ).first()
    assert row is not None
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "manifest.csv").write_text(MANIFEST)
    day = row.score_date.isoformat() if row.score_date else ""
    (delta / "results.csv").write_text(
        RESULT_HEADER
        + f"{row.sourced_id},active,2026-11-21T06:00:00Z,{row.line_item_id},{row.student_id},,"
        f"fully graded,0,,{day},,false,false,false,false\n"
    )
    return delta, row.student_id


def test_one_result_delta_refreshes_one_student_and_equals_a_full_rebuild(
    ranked_engine, tmp_path
):
    sample_engine = ranked_engine
    thresholds = Thresholds()
    refresh_facts(sample_engine, also_as_of=AS_OF)  # rankings stored for today and AS_OF
    with sample_engine.connect() as conn:
        before = mat.fresh_stamp(conn, thresholds)
        assert before is not None
        assert ranking.is_stored(conn, AS_OF, None, before, thresholds)
    delta, student = _one_result_delta(sample_engine, tmp_path)

    summary = import_into(sample_engine, delta)

    assert summary.refreshed == 1
    assert "Refreshed facts for 1 student" in summary.lines()
    incremental = _facts(sample_engine)
    incremental_rank = _ranking(sample_engine, AS_OF)
    with sample_engine.connect() as conn:
        stamp = mat.fresh_stamp(conn, thresholds)
        assert stamp is not None and stamp != before
        assert ranking.is_stored(conn, AS_OF, None, stamp, thresholds)  # brought forward

    # the same cache rebuilt in full, and ranked afresh, is the same
    done = mat.refresh_detail(sample_engine, thresholds, full=True)
    assert done.full and student in done.students and len(done.students) > 1
    assert _facts(sample_engine) == incremental
    with sample_engine.connect() as conn:
        ranking.forget(conn, [AS_OF])
        conn.commit()
    Repository(sample_engine, thresholds=thresholds).caseload_rows(None, AS_OF)
    assert _ranking(sample_engine, AS_OF) == incremental_rank


def test_a_load_that_changes_nothing_refreshes_no_student(ranked_engine, tmp_path):
    sample_engine = ranked_engine
    refresh_facts(sample_engine)
    delta = tmp_path / "empty"
    delta.mkdir()
    (delta / "manifest.csv").write_text(MANIFEST)
    (delta / "results.csv").write_text(RESULT_HEADER)
    assert import_into(sample_engine, delta).refreshed == 0


def test_a_calendar_change_rebuilds_every_student(ranked_engine):
    sample_engine = ranked_engine
    from caseload.domain.records import CalendarDay
    from caseload.sources.dataset import Dataset
    from caseload.sources.loader import load

    refresh_facts(sample_engine)
    with sample_engine.connect() as conn:
        n = len(conn.execute(select(T["mat_student"].c.student_id)).all())
        school, day, instructional = conn.execute(
            select(T["calendar_days"].c.school_id, T["calendar_days"].c.date,
                   T["calendar_days"].c.instructional)
        ).first()
    # (a day turned instructional or not: a record the cache already holds as it is, loaded
    # again, changes nothing on SQLite, where a load's unchanged rows name no student)
    load(sample_engine, Dataset(kind="oneroster-csv", source="test",
                                calendar_days=[CalendarDay(school, day, not instructional)]))
    assert refresh_facts(sample_engine) == n


def test_a_results_only_delta_leaves_the_attendance_coverage_alone(
    ranked_engine, tmp_path, monkeypatch
):
    """No load since the facts wrote attendance, people or deletions: every stored
    ``attendance_through`` still holds, and the pass over the district's attendance that
    looks for the students whose day moved (0.4 s at 75,000) is not made."""
    from caseload.store import facts_pending

    refresh_facts(ranked_engine)
    delta, student = _one_result_delta(ranked_engine, tmp_path)
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load

    load(ranked_engine, read_path(delta))
    with ranked_engine.connect() as conn:
        assert not facts_pending.coverage_may_have_moved(conn, mat.latest_run(conn))

    def refused(conn):  # type: ignore[no-untyped-def]
        raise AssertionError("the attendance coverage was read for a results-only delta")

    monkeypatch.setattr(mat, "coverage_moved", refused)
    done = mat.refresh_detail(ranked_engine, Thresholds())
    assert not done.full and done.students == {student}


def test_more_changed_students_than_incremental_max_rebuild_in_full_without_attendance(
    ranked_engine, tmp_path, monkeypatch
):
    """A load that changed more students than INCREMENTAL_MAX (or half the school) is one
    full rebuild (cheaper: the pool's workers, one pass over the results), also when it
    wrote no attendance or people and the coverage is not read (a nightly results sync
    that touched most students). Here the limit is 0, so the one result changed is over."""
    refresh_facts(ranked_engine)
    delta, _student = _one_result_delta(ranked_engine, tmp_path)
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load

    load(ranked_engine, read_path(delta))
    monkeypatch.setattr(mat, "INCREMENTAL_MAX", 0)
    assert mat.refresh_detail(ranked_engine, Thresholds()).full


def _late_attendance_delta(engine, tmp_path: Path) -> tuple[Path, set[str], dt.date]:  # type: ignore[no-untyped-def]
    """A delta folder with one attendance event three days after the school's last one;
    the students with facts, and that day."""
    with engine.connect() as conn:
        students = set(conn.execute(select(T["mat_student"].c.student_id)).scalars())
        (through,) = set(conn.execute(select(T["mat_student"].c.attendance_through)).scalars())
    assert through is not None
    later = through + dt.timedelta(days=3)
    delta = tmp_path / "attendance"
    delta.mkdir()
    (delta / "manifest.csv").write_text(MANIFEST)
    (delta / "results.csv").write_text(RESULT_HEADER)
    (delta / "attendance.csv").write_text(
        "sourcedId,studentSourcedId,date,category,classSourcedId,period\n"
        f"att-delta-1,{min(students)},{later.isoformat()},unexcused_absence,,\n"
    )
    return delta, students, later


def test_an_attendance_delta_moves_its_schools_coverage_for_every_student(
    ranked_engine, tmp_path
):
    """A new attendance event after the school's last day moves the day every student of
    that school is known through: all of them are refreshed, as a full rebuild would have
    them."""
    from caseload.store import facts_pending

    refresh_facts(ranked_engine)
    delta, students, later = _late_attendance_delta(ranked_engine, tmp_path)
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load

    load(ranked_engine, read_path(delta))
    with ranked_engine.connect() as conn:
        assert facts_pending.coverage_may_have_moved(conn, mat.latest_run(conn))
    done = mat.refresh_detail(ranked_engine, Thresholds())
    assert done.students == students
    incremental = _facts(ranked_engine)
    with ranked_engine.connect() as conn:
        assert set(conn.execute(select(T["mat_student"].c.attendance_through)).scalars()) == {
            later}
    mat.refresh_detail(ranked_engine, Thresholds(), full=True)
    assert _facts(ranked_engine) == incremental


def test_an_apply_stopped_half_way_whose_stage_is_gone_leaves_no_stale_facts(
    sample_cli_import, tmp_path
):
    """A SQLite import that stopped while it was being applied, its staged copy then lost,
    is recorded failed, yet part of it is in the cache (here its attendance event, after
    the school's last day). No ok run counts those rows and no mat_pending row names their
    students, so the next incremental refresh (after a results-only load, which leaves the
    coverage unread) would keep every student's old facts: they are rebuilt instead, as a
    full rebuild has them."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store import staging

    cli_db, _out = sample_cli_import
    engine = make_engine(f"sqlite:///{tpl.copy_sqlite(cli_db, tmp_path / 'cache.db')}")
    try:
        refresh_facts(engine)
        delta, _students, later = _late_attendance_delta(engine, tmp_path)
        with pytest.raises(staging.ApplyInterrupted):
            load(engine, read_path(delta), fail_after="apply:attendance_events")
        stage = staging.stage_path(engine)
        assert stage is not None
        stage.unlink()
        results, _student = _one_result_delta(engine, tmp_path)
        report = load(engine, read_path(results))
        assert any("staged copy is gone" in n for n in report.notices)
        mat.refresh_detail(engine, Thresholds())
        incremental = _facts(engine)
        with engine.connect() as conn:
            assert set(conn.execute(
                select(T["mat_student"].c.attendance_through)).scalars()) == {later}
        mat.refresh_detail(engine, Thresholds(), full=True)
        assert _facts(engine) == incremental
    finally:
        engine.dispose()


def test_refreshed_line_says_student_or_students():
    assert refreshed_line(1) == "Refreshed facts for 1 student"
    assert refreshed_line(0) == "Refreshed facts for 0 students"
    assert refreshed_line(1234) == "Refreshed facts for 1,234 students"


def test_facts_stored_under_older_rules_are_rebuilt(tmp_path: Path) -> None:
    """Facts stored by a caseload whose rules differed (no ``rules=`` in their settings: rules
    1) are stale: the next use rebuilds every student's, so a rule change reaches a cache
    that was built before it."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate(engine)
    load(engine, read_path(MIN_DATA))
    t = Thresholds()
    mat.refresh(engine, t)
    with engine.begin() as conn:
        assert mat.is_fresh(conn, t)
        conn.execute(text("UPDATE mat_state SET settings = :s"),
                     {"s": f"missing_counts_as_zero={t.missing_counts_as_zero}"})
        assert not mat.is_fresh(conn, t)
    assert mat.refresh(engine, t) == 3  # every student of the min school, not none
    with engine.connect() as conn:
        assert mat.is_fresh(conn, t)
    engine.dispose()
