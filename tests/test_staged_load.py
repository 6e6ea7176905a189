"""A SQLite import is staged beside the cache and applied in short transactions (issue 13:
a note never waits long behind an import); PostgreSQL keeps its one transaction.

Deterministic: a tiny chunk size and hooks inside the apply's transactions drive a note
writer against the loader; the tests wait for conditions (polling), never for fixed pauses,
and assert no timing."""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from caseload.domain.notes import NoteType
from caseload.domain.settings import Thresholds
from caseload.services.context import open_workspace
from caseload.services.notes import NewNote, add_note
from caseload.sources.dataset import ENTITIES
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store import handoff, staging
from caseload.store.engine import make_engine, open_store
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.min_export import edit, write_delta
from tests.paths import REPO
from tests.waiting import wait_for

T = METADATA.tables


@pytest.fixture
def reference(migrated_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second empty SQLite cache: the same imports, never interrupted."""
    eng = make_engine(f"sqlite:///{tpl.copy_sqlite(migrated_template, tmp_path / 'ref.db')}")
    yield eng
    eng.dispose()


def _state(engine: Any) -> dict[str, Any]:
    """Every table's rows (the run rows without their times and ids' order of writing)."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for name, table in METADATA.tables.items():
            if name == "import_runs":
                out[name] = [tuple(r) for r in conn.execute(text(
                    "SELECT id, source, kind, outcome, counts FROM import_runs ORDER BY id"))]
                continue
            out[name] = sorted(tuple(map(str, r)) for r in conn.execute(select(table)))
    return out


def _stage(engine: Any) -> Path:
    path = staging.stage_path(engine)
    assert path is not None
    return path


def test_entities_are_applied_in_the_datasets_order():
    assert staging.ENTITY_ORDER == ENTITIES


def test_the_stage_is_owner_only_and_removed_after_success(sqlite_engine, data, monkeypatch):
    modes: list[int] = []
    monkeypatch.setattr(staging, "AFTER_CHUNK", [
        lambda _step, _conn: modes.append(stat.S_IMODE(_stage(sqlite_engine).stat().st_mode))
    ])
    report = load(sqlite_engine, read_path(data))
    assert report.counts["results"] == 5
    assert modes and set(modes) == {0o600}  # it existed, owner-only, while it was applied
    assert not _stage(sqlite_engine).exists()
    writers = handoff.lock_path(sqlite_engine)
    assert writers is not None and stat.S_IMODE(writers.stat().st_mode) == 0o600
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM import_runs")).scalars().all() == ["ok"]


def test_a_waiting_note_gets_in_before_the_loaders_next_chunk(sqlite_engine, data, monkeypatch):
    """A note writer that starts while the loader holds SQLite's lock (inside a chunk) is
    saved before the loader's next chunk begins: the hand-off, not the busy handler's luck."""
    load(sqlite_engine, read_path(data))
    ws = open_workspace(str(sqlite_engine.url))
    monkeypatch.setattr(staging, "CHUNK_ROWS", 1)
    seen: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    writers: list[threading.Thread] = []

    def write_note() -> None:
        try:
            add_note(ws, NewNote("stu-1", NoteType.STUDENT_MEETING, "private words"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def hook(step: str, conn: Any) -> None:
        notes = conn.execute(text("SELECT count(*) FROM notes")).scalar_one()
        seen.append((step, notes))
        if step == "results" and not writers:  # the loader holds the write lock now
            writers.append(threading.Thread(target=write_note))
            writers[0].start()
            wait_for(lambda: handoff.writers_waiting(sqlite_engine), "the note writer to try",
                     within=120.0)

    monkeypatch.setattr(staging, "AFTER_CHUNK", [hook])
    edit(data / "results.csv", ",62,", ",12,")
    load(sqlite_engine, read_path(data))
    writers[0].join()
    assert errors == []
    first = next(i for i, (step, _) in enumerate(seen) if step == "results")
    assert seen[first] == ("results", 0)
    assert seen[first + 1] == ("results", 1)  # the next chunk already sees the note
    ws.engine.dispose()


def test_the_facts_refresh_lets_writers_in_between_its_chunks(sqlite_engine, data, monkeypatch):
    load(sqlite_engine, read_path(data))
    calls: list[str] = []
    real = handoff.let_writers_in
    monkeypatch.setattr(handoff, "let_writers_in", lambda e: (calls.append("handoff"), real(e)))
    students = mat.refresh(sqlite_engine, Thresholds(), full=True, chunk=1)
    assert students >= 2
    assert len(calls) >= students  # one hand-off before each student's write


def test_a_failure_while_staging_leaves_the_cache_and_no_stage(sqlite_engine, data):
    load(sqlite_engine, read_path(data))
    before = _state(sqlite_engine)
    edit(data / "results.csv", ",62,", ",12,")
    with pytest.raises(RuntimeError, match="injected"):
        load(sqlite_engine, read_path(data), fail_after="line_items")
    after = _state(sqlite_engine)
    assert [r[3] for r in after.pop("import_runs")] == ["ok", "failed"]
    before.pop("import_runs")
    assert after == before
    assert not _stage(sqlite_engine).exists()


@pytest.mark.parametrize("step", ["orgs", "line_items", "results", "deletions"])
def test_an_interrupted_apply_is_finished_by_the_next_import(
    sqlite_engine, reference, data, tmp_path, step
):
    delta = write_delta(tmp_path)
    for eng in (sqlite_engine, reference):
        load(eng, read_path(data))
    with pytest.raises(staging.ApplyInterrupted, match="finishes it from its staged copy"):
        load(sqlite_engine, read_path(delta), fail_after=f"apply:{step}")
    assert _stage(sqlite_engine).exists()
    with sqlite_engine.connect() as conn:
        outcomes = conn.execute(text("SELECT outcome FROM import_runs ORDER BY id")).scalars()
        assert list(outcomes) == ["ok", staging.APPLYING]
    edit(data / "results.csv", ",62,", ",12,")
    report = load(sqlite_engine, read_path(data))
    assert any("finished from its staged copy" in n for n in report.notices), report.notices
    load(reference, read_path(delta))
    load(reference, read_path(data))
    assert _state(sqlite_engine) == _state(reference)  # as if the delta had run once
    assert not _stage(sqlite_engine).exists()


@pytest.mark.parametrize("how", ["open_store", "open_workspace"])
def test_an_interrupted_apply_is_finished_when_the_cache_is_opened(
    sqlite_engine, reference, data, tmp_path, capsys, how
):
    delta = write_delta(tmp_path)
    for eng in (sqlite_engine, reference):
        load(eng, read_path(data))
    with pytest.raises(staging.ApplyInterrupted):
        load(sqlite_engine, read_path(delta), fail_after="apply:line_items")
    url = str(sqlite_engine.url)
    told: list[str] = []
    if how == "open_store":
        open_store(url, notify=told.append).dispose()
    else:  # what every command runs first: the user reads it on stderr
        open_workspace(url).engine.dispose()
        told = [capsys.readouterr().err]
    assert len(told) == 1
    assert "stopped while it was being written to the cache" in told[0]
    assert "finished from its staged copy" in told[0]
    load(reference, read_path(delta))
    assert _state(sqlite_engine) == _state(reference)
    assert not _stage(sqlite_engine).exists()
    opened: list[str] = []
    open_store(url, notify=opened.append).dispose()
    assert opened == []  # said once


def test_an_interrupted_apply_whose_stage_is_gone_is_reported(sqlite_engine, data, tmp_path):
    load(sqlite_engine, read_path(data))
    with pytest.raises(staging.ApplyInterrupted):
        load(sqlite_engine, read_path(write_delta(tmp_path)), fail_after="apply:orgs")
    _stage(sqlite_engine).unlink()
    report = load(sqlite_engine, read_path(data))
    assert any("staged copy is gone" in n and "import it again" in n for n in report.notices)
    with sqlite_engine.connect() as conn:
        outcomes = conn.execute(text("SELECT outcome FROM import_runs ORDER BY id")).scalars()
        assert list(outcomes) == ["ok", "failed", "ok"]


def test_an_apply_whose_stage_is_gone_is_reported_when_the_cache_is_opened(
    sqlite_engine, data, tmp_path
):
    """Not only by the next import: opening the cache says so, once, and the facts (which
    follow from no run now: part of the apply may be in the cache) are rebuilt, not read as
    fresh."""
    from caseload.services.facts import refresh_facts

    load(sqlite_engine, read_path(data))
    refresh_facts(sqlite_engine)
    with pytest.raises(staging.ApplyInterrupted):
        load(sqlite_engine, read_path(write_delta(tmp_path)), fail_after="apply:results")
    _stage(sqlite_engine).unlink()
    told: list[str] = []
    open_store(str(sqlite_engine.url), notify=told.append).dispose()
    assert len(told) == 1 and "staged copy is gone" in told[0] and "import it again" in told[0]
    with sqlite_engine.connect() as conn:
        outcomes = conn.execute(text("SELECT outcome FROM import_runs ORDER BY id")).scalars()
        assert list(outcomes) == ["ok", "failed"]
        assert conn.execute(text("SELECT count(*) FROM mat_state")).scalar() == 0
    opened: list[str] = []
    open_store(str(sqlite_engine.url), notify=opened.append).dispose()
    assert opened == []  # said once


def test_a_stage_left_by_an_unfinished_staging_is_discarded(sqlite_engine, data):
    """A stage without an ``applying`` run (the process died while staging): the cache was
    never touched, so the stage is thrown away and nothing is said."""
    load(sqlite_engine, read_path(data))
    staging.seal(staging.create(_stage(sqlite_engine)), _stage(sqlite_engine))
    before = _state(sqlite_engine)
    told: list[str] = []
    open_store(str(sqlite_engine.url), notify=told.append).dispose()
    assert told == [] and not _stage(sqlite_engine).exists()
    assert _state(sqlite_engine) == before


def test_postgresql_loads_in_one_transaction_without_a_stage(engine, data, monkeypatch):
    """PostgreSQL (row locks: a note never waits behind it) keeps the one-transaction load;
    a SQLite file is staged."""
    made: list[Path] = []
    real = staging.create
    monkeypatch.setattr(staging, "create", lambda path: (made.append(path), real(path))[1])
    load(engine, read_path(data))
    if engine.dialect.name == "postgresql":
        assert staging.stage_path(engine) is None and handoff.lock_path(engine) is None
        assert made == []
        edit(data / "results.csv", ",62,", ",12,")
        with pytest.raises(RuntimeError, match="injected failure after line_items"):
            load(engine, read_path(data), fail_after="line_items")
    else:
        assert made == [staging.stage_path(engine)]


LATE_TABLE = """
import sys
from pathlib import Path

from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.engine import make_engine

eng = make_engine("sqlite:///" + sys.argv[1])
assert "caseload.store.audit_log" not in sys.modules, "the module came first"
load(eng, read_path(Path(sys.argv[2])))
import caseload.store.audit_log  # a module that adds a table to METADATA, imported late
load(eng, read_path(Path(sys.argv[2])))
print("loaded twice")
"""


def test_a_table_defined_after_the_first_stage_is_in_the_next_stage(migrated_template, data,
                                                                     tmp_path):
    """The stage's CREATE TABLEs are compiled once per process, but its tables are those in
    METADATA at each stage (in a process of its own: which modules came first is the point)."""
    cache = tpl.copy_sqlite(migrated_template, tmp_path / "cache.db")
    done = subprocess.run([sys.executable, "-c", LATE_TABLE, str(cache), str(data)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "loaded twice\n"
