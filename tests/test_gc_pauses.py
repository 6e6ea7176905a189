"""No garbage-collection pause inside an import's write transactions (issue 13: a note never
waits more than a second behind an import).

At 75,000 students a note write waited 5.4 s behind a full import: the importing process
still held every record it had read (millions of objects) while the facts refresh wrote, and a
full collection over them, started inside one of the refresh's write transactions, kept
SQLite's lock that long: the refresh's writes ran inside the one-process computation's
collector pause, but not the writes of chunks computed by refresh workers. So the import lets
its records go before the refresh, and every facts write runs with the collector paused
(``caseload._runtime.gc_paused``), as the stage's apply already did.
"""

from __future__ import annotations

import gc
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from caseload.domain.settings import Thresholds
from caseload.services import importing
from caseload.sources import detect
from caseload.store import refresh_pool
from caseload.store.engine import make_engine
from caseload.store.facts import refresh
from tests.paths import SAMPLE_DATA


@pytest.fixture
def gc_enabled() -> Iterator[None]:
    """The collector on for the test, as it was after."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _collector_during(engine: Any, prefix: str) -> list[bool]:
    """Whether the collector was on at each statement starting with ``prefix``."""
    seen: list[bool] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(prefix):
            seen.append(gc.isenabled())

    event.listen(engine, "before_cursor_execute", before)
    return seen


@pytest.mark.usefixtures("gc_enabled")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_facts_refresh_writes_with_the_collector_paused(
    small_engine: Any, workers: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Wherever a chunk is written: by the calling process, or (from the twenty-third
    session) by the worker process that computed it. Workers are forked here so that a
    listener on every engine reaches them; each statement's collector state goes to a file
    (a worker's memory is its own)."""
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, workers)
    monkeypatch.setattr(refresh_pool, "start_method", lambda: "fork")
    with small_engine.connect() as conn:
        students = conn.exec_driver_sql("SELECT count(*) FROM users WHERE role = 'student'")
        chunk = students.scalar_one() // 3 + 1  # three chunks: with workers, two processes
    log = tmp_path / "collector.log"
    me = os.getpid()

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # (the chunk's delete, in its write transaction: PostgreSQL's rows go by COPY)
        if statement.lstrip().upper().startswith("DELETE FROM MAT_STUDENT"):
            with log.open("a") as out:
                out.write(f"{'in' if os.getpid() == me else 'worker'} {gc.isenabled()}\n")

    event.listen(Engine, "before_cursor_execute", before)
    try:
        refresh(small_engine, Thresholds(), full=True, chunk=chunk)
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    seen = log.read_text().splitlines()
    assert len(seen) == 3, "the refresh wrote its facts in other statements than expected"
    where = "in" if workers == "1" else "worker"
    assert seen == [f"{where} False"] * 3
    assert gc.isenabled()


@pytest.mark.usefixtures("gc_enabled")
def test_an_import_applies_with_the_collector_paused(new_cache: Path) -> None:
    engine = make_engine(f"sqlite:///{new_cache}")
    seen = _collector_during(engine, "INSERT INTO MAIN.")  # the stage's apply
    importing.import_into(engine, SAMPLE_DATA)
    engine.dispose()
    assert seen, "the import applied nothing from its stage"
    assert not any(seen)
    assert gc.isenabled()


def test_an_import_lets_its_records_go_before_the_refresh(
    new_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[weakref.ref[Any]] = []
    alive_at_refresh: list[bool] = []
    real_read, real_refresh = detect.read_path, importing.refresh_facts

    def reading(*args: Any, **kwargs: Any) -> Any:
        ds = real_read(*args, **kwargs)
        read.append(weakref.ref(ds))
        return ds

    def refreshing(*args: Any, **kwargs: Any) -> Any:
        gc.collect()  # (only a cycle would keep them; none should)
        alive_at_refresh.append(read[0]() is not None)
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(detect, "read_path", reading)
    monkeypatch.setattr(importing, "refresh_facts", refreshing)
    engine = make_engine(f"sqlite:///{new_cache}")
    summary = importing.import_into(engine, SAMPLE_DATA)
    engine.dispose()
    assert alive_at_refresh == [False]
    assert summary.refreshed and summary.counts["users"] > 0  # and the summary is whole
    assert summary.as_of is not None


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_freeze_long_lived_frees_the_garbage_before_it_freezes(gc_enabled):
    from caseload._runtime import freeze_long_lived, thaw

    garbage = _Cycle()
    gone = weakref.ref(garbage)
    kept = _Cycle()
    del garbage
    try:
        freeze_long_lived()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert all(o is not kept for o in gc.get_objects())  # frozen: in no generation
    finally:
        thaw()
    assert gc.get_freeze_count() == 0


def test_a_promoting_pause_keeps_what_the_app_froze_frozen(gc_enabled):
    from caseload._runtime import freeze_long_lived, gc_paused, thaw

    try:
        freeze_long_lived()
        before = gc.get_freeze_count()
        with gc_paused(promote=True):
            made = [_Cycle() for _ in range(100)]
        assert gc.get_freeze_count() >= before + len(made)
    finally:
        thaw()
    with gc_paused(promote=True):
        made = [_Cycle() for _ in range(100)]
    assert gc.get_freeze_count() == 0  # nothing frozen before: promoted, not frozen


def test_a_caseload_hands_back_its_reports_in_the_oldest_generation(
    sample_engine: Any, gc_enabled: None
) -> None:
    """A caseload's reports (a ``ClassMetrics`` per student-class, millions of objects at
    75,000 students) are promoted as its pause ends, not left for a young pass to walk
    right after (about a second of a 4.5 s warm caseload at 75,000 students)."""
    import datetime as dt

    from caseload.store.repository import Repository

    repo = Repository(sample_engine)
    repo.caseload(None, dt.date(2026, 11, 20))  # cold: the facts read and kept
    reports = repo.caseload(None, dt.date(2026, 11, 20))
    assert reports
    young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation=generation)}
    assert not [r for r in reports if id(r) in young]
    assert not [m for r in reports for m in r.metrics.classes if id(m) in young]


def test_a_refresh_chunk_hands_back_its_reader_in_the_oldest_generation(
    sample_engine: Any, gc_enabled: None
) -> None:
    """What a refresh's reader keeps across chunks (every class's line items, read by its
    first chunk) is promoted as the chunk's pause ends, not left for the young passes."""
    from caseload.store import inputs as source
    from caseload.store.facts_rows import compute_part, reader_for

    with sample_engine.connect() as conn:
        ids = sorted(conn.execute(source.scope(None)).scalars())[:40]
        reader = reader_for(conn, Thresholds(), class_dates=False)
        compute_part(reader, ids, Thresholds())
        kept = [li for items in reader.items_of.values() for li in items]
        assert kept
        young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation=generation)}
        assert not [li for li in kept if id(li) in young]
