"""Shared fixtures: the cache on SQLite and on a throwaway PostgreSQL, sample data paths.

Templates (tests/templates.py): the work every test would repeat is done once per session and
copied per test. ``engine``/``sqlite_engine`` get a copy of an empty migrated cache;
``sample_url``, ``sample_engine`` and ``sample_cache`` a copy of the imported sample school (its
import run's timestamps pinned to ``SYNCED``, its facts materialized). On SQLite the sample is
imported once per session, by ``caseload import sample_data`` in its own process
(``sample_cli_import``, whose output the README test compares); the sample template is a copy of
that database, pinned. SQLite templates are files
copied per test (0600); PostgreSQL templates are databases on the session's one cluster, copied
with ``CREATE DATABASE ... TEMPLATE``. Everything is built once across xdist workers (file locks
in the session's shared temp dir), in a background process started as soon as a worker has
collected tests that need it.

PostgreSQL: one cluster for the session, initialised in a temp dir and started on a free port
(as the ``postgres`` user when running as root, since PostgreSQL refuses root); the controller
stops it at the end. Each test gets its own database on it (created and dropped here). Without
PostgreSQL binaries those tests skip with the reason, unless CASELOAD_REQUIRE_POSTGRES=1 (CI),
where they fail.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests import templates as tpl
from tests.paths import GRAND_BEND, MIN_DATA, REPO
from tests.templates import PgServer

RAM_BASETEMP = pytest.StashKey[Path]()

# Hypothesis: no timing in tests (the guide's rule). Its deadline and its "input generation is
# slow" health check both measure wall time, which on a shared 2-core machine says how busy the
# machine is, not whether a property holds (a loaded run failed one on a 1.2 s budget). Every
# property keeps its example count and every other health check.
settings.register_profile("caseload", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("caseload")


# The cyclic garbage collector, tuned for a test process: a worker holds every module, the
# collected tests and the apps' objects, and at Python's default thresholds (700, 10, 10) its
# passes over them were about a quarter of the CPU of the TUI and facts tests (measured with
# gc.callbacks: 10.2 of 37.4 s; 3.1 of 28.2 s so). Young passes every 10,000 allocations, and
# what exists once tests are collected is frozen out of every pass (``pytest_collection_finish``).
# Garbage is still collected, only less often.
gc.set_threshold(10_000, 20, 20)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


# The tests' temp files in RAM when /dev/shm has room: many tests copy the 33 MB sample cache,
# a run writes about 4 GB, and on disk that costs writeback and SQLite's fsyncs (measured: 39 s
# of system CPU per run on disk, 17 s in RAM). The run's folder there replaces the previous
# run's in this checkout and is removed when every test passed. CASELOAD_TEST_TMP=disk keeps
# pytest's default (a numbered folder in the system's temp dir).
RAM_TMP = Path("/dev/shm")
RAM_TMP_ROOM = 8 * 2**30


def _ram_basetemp() -> Path | None:
    if os.environ.get("CASELOAD_TEST_TMP") == "disk" or not os.access(RAM_TMP, os.W_OK):
        return None
    try:
        if shutil.disk_usage(RAM_TMP).free < RAM_TMP_ROOM:
            return None
    except OSError:
        return None
    # one folder per user and checkout: runs in other checkouts never touch it
    checkout = hashlib.sha1(str(REPO).encode()).hexdigest()[:8]
    return RAM_TMP / f"caseload-tests-{os.getuid()}-{checkout}"


@pytest.hookimpl(tryfirst=True)  # before pytest's tmpdir plugin reads --basetemp
def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("CASELOAD_CONFIG", str(REPO / "tests" / "data" / "empty-config.toml"))
    if not os.environ.get("PYTEST_XDIST_WORKER") and not config.option.basetemp:
        ram = _ram_basetemp()  # the controller decides; xdist gives each worker a folder in it
        if ram is not None:
            config.option.basetemp = str(ram)
            config.stash[RAM_BASETEMP] = ram


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """This test's own copy of the minimal OneRoster export (``MIN_DATA``), to edit or load
    (tests/min_export.py)."""
    dst = tmp_path / "export"
    shutil.copytree(MIN_DATA, dst)
    return dst


@pytest.fixture
def grand_bend() -> Path:
    if not (GRAND_BEND / "Student.xml").exists():
        pytest.skip(f"Grand Bend Ed-Fi sample not found at {GRAND_BEND} (shared data absent)")
    return GRAND_BEND


def _shared_dir(factory: pytest.TempPathFactory) -> Path:
    """The session's temp dir every xdist worker sees (a worker's base temp is inside it)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


SAMPLE_FIXTURES = {"sample_template", "sample_cache", "sample_url", "sample_engine",
                   "pg_sample_template", "sample_cli_import", "ranked_engine"}
CACHE_FIXTURES = {"migrated_template", "pg_migrated_template", "db_url", "engine",
                  "sqlite_engine", "small_url"}


@pytest.hookimpl(trylast=True)  # after -m / -k deselection
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Start building the templates the collected tests need, in the background (not for
    ``--collect-only``: no test runs, and the session would end before the build)."""
    if config.option.collectonly:
        return
    names = set().union(*(getattr(item, "fixturenames", ()) for item in items))
    postgres = any(item.get_closest_marker("postgres") for item in items)
    sample = bool(names & SAMPLE_FIXTURES)
    if sample or names & CACHE_FIXTURES:
        tpl.start_builder(_shared_dir(config._tmp_path_factory),  # type: ignore[attr-defined]
                          sample=sample, postgres=postgres and tpl.pg_bin() is not None)


# At its end pytest collects garbage five times over (unraisableexception's cleanup, looking
# for exceptions in finalizers), after an xdist worker has reported its last test: each pass
# walks everything the worker made since collection, and on a busy machine a worker was still
# at it when the controller, 5 s after asking the worker to stop, interrupted it (execnet sends
# it SIGINT: a KeyboardInterrupt in Hypothesis's gc callback was printed). One pass here, in
# every process, finds the same garbage (its finalizers run, their exceptions are reported as
# before) and the survivors are frozen, so pytest's passes walk only what is made after.
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    gc.collect()
    gc.freeze()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller (or a run without xdist) stops the cluster, after every worker
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        tpl.stop_cluster(factory.getbasetemp())
    ram = session.config.stash.get(RAM_BASETEMP, None)
    if ram is not None and exitstatus == 0:
        shutil.rmtree(ram, ignore_errors=True)  # kept after a failure, to look at


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _shared_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def pg_server(shared_dir: Path) -> PgServer:
    """The session's one throwaway cluster."""
    bindir = tpl.pg_bin()
    if bindir is None:
        if os.environ.get("CASELOAD_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL binaries not found and CASELOAD_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these tests)")
    return tpl.pg_cluster(shared_dir, bindir)


@pytest.fixture(scope="session")
def migrated_template(shared_dir: Path) -> Path:
    """An empty SQLite cache at the head revision (read-only: copy it)."""
    return tpl.sqlite_migrated(shared_dir)


@pytest.fixture(scope="session")
def sample_template(shared_dir: Path) -> Path:
    """The sample school imported into a SQLite cache (read-only: copy it)."""
    return tpl.sqlite_sample(shared_dir)


@pytest.fixture(scope="session")
def sample_cli_import(shared_dir: Path) -> tuple[Path, str]:
    """``caseload import sample_data`` through the CLI, once per session: the database it made
    (read-only: copy it, see ``sample_cli_db``) and what it printed."""
    return tpl.sqlite_cli_import(shared_dir)


@pytest.fixture
def new_cache(migrated_template: Path, tmp_path: Path) -> Path:
    """``tmp_path/c.db``, a new SQLite cache at the head revision: what ``caseload --db PATH``
    makes of a path with nothing there, as a copy of the migrated template instead of running
    every migration again (tests of the migrations themselves start from an empty file)."""
    return tpl.copy_sqlite(migrated_template, tmp_path / "c.db")


@pytest.fixture
def default_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No --db, $CASELOAD_DB or $CASELOAD_CONFIG: caseload's default cache and config,
    under ``tmp_path/data`` and ``tmp_path/config`` (XDG)."""
    monkeypatch.delenv("CASELOAD_DB", raising=False)
    monkeypatch.delenv("CASELOAD_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def min_cli_db(new_cache: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``new_cache`` with the minimal OneRoster export (``MIN_DATA``) imported through the
    command line (``caseload --db PATH import``), as the path to pass to ``--db``; what the
    import printed is read away."""
    from caseload.cli import main

    db = str(new_cache)
    assert main(["--db", db, "import", str(MIN_DATA)]) == 0
    capsys.readouterr()
    return db


@pytest.fixture
def sample_cache(sample_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the sample school's SQLite cache file."""
    return tpl.copy_sqlite(sample_template, tmp_path / "cache.db")


@pytest.fixture(scope="session")
def pg_migrated_template(shared_dir: Path, pg_server: PgServer) -> str:
    return tpl.pg_migrated(shared_dir, pg_server)


@pytest.fixture(scope="session")
def pg_sample_template(shared_dir: Path, pg_server: PgServer) -> str:
    return tpl.pg_sample(shared_dir, pg_server)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def sample_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """This test's own copy of the imported sample school, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{request.getfixturevalue('sample_cache')}"
        return
    server = request.getfixturevalue("pg_server")
    with tpl.pg_copy(server, request.getfixturevalue("pg_sample_template")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def small_url(request: pytest.FixtureRequest, shared_dir: Path, tmp_path: Path) -> Iterator[str]:
    """This test's own copy of a cache holding the small generated school (tests/templates.py:
    ``small_school``), on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / 'cache.db')}"
        return
    server = request.getfixturevalue("pg_server")
    with tpl.pg_copy(server, tpl.pg_small(shared_dir, server)) as url:
        yield url


def _engine_on(url: str) -> Iterator[Any]:
    from caseload.store.engine import make_engine

    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def small_engine(small_url: str) -> Iterator[Any]:
    """An engine on this test's copy of the small school (both backends)."""
    yield from _engine_on(small_url)


@pytest.fixture
def sample_engine(sample_url: str) -> Iterator[Any]:
    """An engine on this test's copy of the sample school (both backends)."""
    yield from _engine_on(sample_url)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL on each backend: empty, or at the head revision when the test also
    asks for ``engine`` (then it is a copy of the migrated template)."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "cache.db"
        if migrated:
            tpl.copy_sqlite(request.getfixturevalue("migrated_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_migrated_template") if migrated else None
    with tpl.pg_copy(request.getfixturevalue("pg_server"), template) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    """A fresh migrated cache on each backend (``db_url``'s database)."""
    yield from _engine_on(db_url)


@pytest.fixture
def sqlite_engine(migrated_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    eng = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
    yield eng
    eng.dispose()
