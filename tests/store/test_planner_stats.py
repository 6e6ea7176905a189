"""PostgreSQL's planner statistics after a large write (store/planner_stats.py, issue 13).

Without statistics PostgreSQL planned the facts refresh's per-chunk read of ``results`` as a
scan of the whole table (it guesses that 250 student ids match every row): a full refresh
right after a full import, before autovacuum's analyze, scanned ``results`` once per chunk.
The load now analyzes (and vacuums) the tables it wrote past autovacuum's threshold before
anything reads them, and the refresh and the rankings analyze the tables they wrote."""

from __future__ import annotations

import sys
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from caseload.services.importing import import_into
from caseload.store import planner_stats
from caseload.store.engine import make_engine
from caseload.store.planner_stats import analyze_written, stale
from tests import templates as tpl


def test_stale_follows_autovacuums_threshold() -> None:
    assert stale({"results": 1}, {}) == ["results"]  # never analyzed: whatever was written
    assert stale({"results": 1}, {"results": -1.0}) == ["results"]
    assert stale({"results": 150}, {"results": 1000.0}) == []  # 50 + 10% of 1,000
    assert stale({"results": 151}, {"results": 1000.0}) == ["results"]
    assert stale({"results": 0, "users": -3}, {}) == []  # nothing written
    assert stale({"users": 10, "results": 10}, {}) == ["results", "users"]


def test_sqlite_is_left_as_it_is(sqlite_engine: Engine) -> None:
    assert analyze_written(sqlite_engine, {"results": 10**6}) == []
    with sqlite_engine.connect() as conn:
        stat = conn.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        )).scalar_one()
    assert stat == 0  # (SQLite's planner prefers the indexes; no ANALYZE changes its plans)


def test_analyzing_in_a_thread_on_postgresql_only(sqlite_engine: Engine) -> None:
    before = threading.active_count()
    done = planner_stats.analyzing(sqlite_engine, {"results": 10**6})
    assert threading.active_count() == before  # (no thread started: nothing to analyze)
    assert done() == []


def _recording(monkeypatch: pytest.MonkeyPatch, calls: list[Any] | None = None) -> list[Any]:
    """``analyze_written``'s calls as [written, analyzed, the thread's name], appended to
    ``calls`` (a list the test shares with other spies, to see the order) as each call
    begins (``analyzed`` filled in when it returns), or to a new list."""
    calls = [] if calls is None else calls
    real = planner_stats.analyze_written

    def record(engine: Engine, written: Any, **kw: Any) -> list[str]:
        call = [dict(written), None, threading.current_thread().name]
        calls.append(call)
        call[1] = got = real(engine, written, **kw)
        return got

    monkeypatch.setattr(planner_stats, "analyze_written", record)
    return calls


@pytest.mark.postgres
def test_an_import_analyzes_what_it_wrote_before_the_refresh_reads_it(
    pg_server: Any, pg_migrated_template: str, shared_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _recording(monkeypatch)
    with tpl.pg_copy(pg_server, pg_migrated_template) as url:
        engine = make_engine(url)
        try:
            import_into(engine, tpl.small_school(shared_dir))
            # first the load's tables, then the facts', then the rankings'
            assert {"results", "enrollments", "attendance_events", "line_items", "users",
                    "policy_categories"} <= set(calls[0][1])
            assert {"mat_student", "mat_class", "mat_class_facts"} <= set(calls[1][1])
            assert any("mat_rank" in got for _, got, _ in calls[2:])
            with engine.connect() as conn:
                known = conn.execute(text(
                    "SELECT reltuples FROM pg_class WHERE relname = 'results'"
                )).scalar_one()
                columns = set(conn.execute(text(
                    "SELECT attname FROM pg_stats WHERE tablename = 'results'"
                )).scalars())
            assert known > 0  # (-1: never analyzed)
            assert "student_id" in columns
            # a few rows more than it knows of: left to autovacuum
            assert analyze_written(engine, {"results": 10}) == []
            assert analyze_written(engine, {"results": int(known) + 1}) == ["results"]
            assert analyze_written(engine, {"not_a_table": 10**6}) == []
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_an_import_vacuums_what_it_wrote_so_indexes_answer_alone(
    pg_server: Any, pg_migrated_template: str, shared_dir: Path,
) -> None:
    """The visibility map set (by VACUUM only): the refresh's read of a chunk's results is
    then an index-only scan, not a scan of the whole table by three processes."""
    with tpl.pg_copy(pg_server, pg_migrated_template) as url:
        engine = make_engine(url)
        try:
            import_into(engine, tpl.small_school(shared_dir))
            with engine.connect() as conn:
                pages = {
                    name: (relpages, visible) for name, relpages, visible in conn.execute(text(
                        "SELECT relname, relpages, relallvisible FROM pg_class "
                        "WHERE relname = ANY(:names)"
                    ), {"names": ["results", "enrollments", "attendance_events", "line_items"]})
                }
                # (the refresh's own tables are analyzed, not vacuumed: its time)
                facts = conn.execute(text(
                    "SELECT relallvisible FROM pg_class WHERE relname = 'mat_class_facts'"
                )).scalar_one()
        finally:
            engine.dispose()
    assert len(pages) == 4
    for name, (relpages, visible) in pages.items():
        assert relpages > 0 and visible == relpages, (name, relpages, visible)
    assert facts == 0


@pytest.mark.postgres
def test_an_error_is_logged_never_raised(
    pg_server: Any, pg_migrated_template: str, caplog: pytest.LogCaptureFixture
) -> None:
    with tpl.pg_copy(pg_server, pg_migrated_template) as url:
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE mat_pending"))
            assert analyze_written(engine, {"mat_pending": 10**6}) == []
        finally:
            engine.dispose()
    assert "updating the planner statistics failed: ProgrammingError" in caplog.text


def test_the_facts_keys_are_their_tables_columns() -> None:
    from caseload.store.tables import METADATA

    for name, columns in planner_stats.KEYS.items():
        assert set(columns) <= set(METADATA.tables[name].c.keys()), name


@pytest.mark.postgres
def test_the_facts_tables_are_analyzed_on_their_keys_only(
    pg_server: Any, pg_migrated_template: str, shared_dir: Path,
) -> None:
    """The facts tables' packed arrays are not sampled (most of the time ANALYZE took after
    a full refresh); their keys are, and the planner learns how many rows they hold."""
    with tpl.pg_copy(pg_server, pg_migrated_template) as url:
        engine = make_engine(url)
        try:
            import_into(engine, tpl.small_school(shared_dir))  # (its refresh analyzes too)
            assert set(analyze_written(engine, {
                "mat_class_facts": 10**6, "mat_student": 10**6, "mat_class": 10**6,
                "mat_rank": 10**6,
            })) == {"mat_class_facts", "mat_student", "mat_class", "mat_rank"}
            with engine.connect() as conn:
                analyzed = {
                    (t, c) for t, c in conn.execute(text(
                        "SELECT tablename, attname FROM pg_stats WHERE tablename LIKE 'mat_%'"
                    ))
                }
                known = conn.execute(text(
                    "SELECT reltuples FROM pg_class WHERE relname = 'mat_class_facts'"
                )).scalar_one()
                rows = conn.execute(text("SELECT count(*) FROM mat_class_facts")).scalar_one()
        finally:
            engine.dispose()
    for name, columns in planner_stats.KEYS.items():
        assert {c for t, c in analyzed if t == name} == set(columns), name
    assert ("mat_rank", "sort_name") in analyzed  # (any other table: every column)
    assert known == rows > 0


@pytest.mark.postgres
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_with_workers_the_facts_tables_are_analyzed_while_they_compute(
    pg_server: Any, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full refresh by worker processes: the calling process analyzes the tables the
    workers write once half of their chunks are in, in a thread of its own while the others
    come in (it only waits for them then), not after the last, and not again at the end; the
    class heads it writes itself, at the end."""
    from caseload.domain.settings import Thresholds
    from caseload.store import facts as mat
    from caseload.store import refresh_pool

    template = tpl.pg_small(shared_dir, pg_server)  # (built before the spies are set)
    # each chunk's students as it comes in, then "analyzing" where the thread is started and
    # "waited" where it is waited for, all in this thread
    events: list[Any] = []
    real_computed, real_analyzing = refresh_pool.computed, planner_stats.analyzing

    def computed(*args: Any, **kw: Any) -> Any:
        with closing(real_computed(*args, **kw)) as chunks:  # (its workers awaited as before)
            for i, done in chunks:
                events.append(len(done.students))
                yield i, done

    def analyzing(*args: Any) -> Any:
        events.append("analyzing")
        wait = real_analyzing(*args)

        def waited() -> list[str]:
            events.append("waited")
            return wait()

        return waited

    calls = _recording(monkeypatch)  # (analyze_written's, in whichever thread)
    monkeypatch.setattr(planner_stats, "analyzing", analyzing)
    monkeypatch.setattr(planner_stats, "BASE", 0)  # (a small school: past the threshold)
    monkeypatch.setattr(refresh_pool, "computed", computed)
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "fork")
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "2")
    with tpl.pg_copy(pg_server, template) as url:
        engine = make_engine(url)
        try:
            done = mat.refresh_detail(engine, Thresholds(), full=True, chunk=7)
            with engine.connect() as conn:
                analyzed = set(conn.execute(text(
                    "SELECT tablename FROM pg_stats WHERE tablename LIKE 'mat_%'"
                )).scalars())
        finally:
            engine.dispose()
    chunks = [e for e in events if isinstance(e, int)]
    assert len(chunks) >= 4 and sum(chunks) == len(done.students)
    at = events.index("analyzing")
    assert at == len(chunks) // 2  # begun after half of the chunks, before the others
    assert events[-1] == "waited"  # (after the last chunk)
    (mid, mid_got, mid_thread), (end, end_got, end_thread) = calls
    assert mid_thread == "caseload-analyze" and end_thread == threading.current_thread().name
    assert mid == {"mat_student": sum(chunks[:at]), "mat_class_facts": mid["mat_class_facts"]}
    assert mid["mat_class_facts"] > 0
    assert mid_got == ["mat_class_facts", "mat_student"]
    assert set(end) == set(end_got) == {"mat_class"}
    assert {"mat_student", "mat_class_facts", "mat_class"} <= analyzed
