"""Shared fixtures: the cache on SQLite and on a throwaway PostgreSQL, sample data paths.

PostgreSQL: a cluster is initialised in a temp dir and started on a free port for the test
session (as the ``postgres`` user when running as root, since PostgreSQL refuses root), then each test
gets its own database on it (created and dropped here). Without PostgreSQL
binaries those tests skip with the reason, unless CASELOAD_REQUIRE_POSTGRES=1 (CI), where
they fail.

Templates: the work every test would repeat is done once per session and copied per test.
``engine``/``sqlite_engine`` get a copy of an empty migrated cache; ``sample_url``,
``sample_engine`` and ``sample_cache`` a copy of the imported sample school (its import run's
timestamps pinned to ``SYNCED``, its facts materialized). SQLite templates are built once
across xdist workers (a file lock in the session's shared temp dir) and copied as files (0600);
PostgreSQL templates once per worker's cluster, copied with ``CREATE DATABASE ... TEMPLATE``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import GRAND_BEND, REPO, SAMPLE_DATA

# the sample template's import run: the TUI header reads "grades synced 4 h ago" at NOW
SYNCED = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("CASELOAD_CONFIG", str(REPO / "tests" / "data" / "empty-config.toml"))


@pytest.fixture
def grand_bend() -> Path:
    if not (GRAND_BEND / "Student.xml").exists():
        pytest.skip(f"Grand Bend Ed-Fi sample not found at {GRAND_BEND} (shared data absent)")
    return GRAND_BEND


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    host: str
    port: int
    user: str = "postgres"
    maintenance_dbname: str = "postgres"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CASELOAD_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL binaries not found and CASELOAD_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these tests)")
    root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="caseload-pg-"))
    data = tmp / "data"
    port = _free_port()
    run_as = ["runuser", "-u", "postgres", "--"] if root else []
    if root:
        shutil.chown(tmp, "postgres")
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, env=env,
    )
    subprocess.run(
        [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(tmp / "log"),
         "-o", f"-p {port} -k {tmp} -h 127.0.0.1 -F", "start"],
        check=True, capture_output=True, env=env,
    )
    try:
        yield PgServer(host="127.0.0.1", port=port)
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, env=env,
        )
        shutil.rmtree(tmp, ignore_errors=True)


# --- templates built once, copied per test ---------------------------------------------------


def _migrate_url(url: str) -> None:
    from caseload.store.engine import make_engine, migrate

    eng = make_engine(url)
    migrate(eng)
    eng.dispose()


def _import_sample(url: str) -> None:
    """The sample school into the (migrated) cache at ``url``, as the TUI tests want it."""
    from sqlalchemy import update

    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store import facts as mat
    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository
    from caseload.store.tables import METADATA

    eng = make_engine(url)
    load(eng, read_path(SAMPLE_DATA))
    runs = METADATA.tables["import_runs"]
    with eng.begin() as conn:
        conn.execute(update(runs).values(source="sample_data", started_at=SYNCED,
                                         finished_at=SYNCED))
    mat.refresh(eng, Repository(eng).thresholds)
    eng.dispose()


def _shared_dir(factory: pytest.TempPathFactory) -> Path:
    """The session's temp dir every xdist worker sees (a worker's base temp is inside it)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _sqlite_template(factory: pytest.TempPathFactory, name: str,
                     build: Callable[[str], None], start: Path | None = None) -> Path:
    """``build`` into ``name``.db once for the whole session, whichever worker comes first."""
    shared = _shared_dir(factory)
    path = shared / f"{name}.db"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            part = shared / f"{name}.part.db"
            if start is not None:
                shutil.copyfile(start, part)
                os.chmod(part, 0o600)
            build(f"sqlite:///{part}")
            for suffix in ("-wal", "-shm"):  # closed cleanly, SQLite removes them; be sure
                Path(f"{part}{suffix}").unlink(missing_ok=True)
            os.replace(part, path)
    return path


def _copy_sqlite(template: Path, dest: Path) -> Path:
    shutil.copyfile(template, dest)
    os.chmod(dest, 0o600)  # owner only, like every cache caseload creates
    return dest


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite cache at the head revision (read-only: copy it)."""
    return _sqlite_template(tmp_path_factory, "migrated-template", _migrate_url)


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """The sample school imported into a SQLite cache (read-only: copy it)."""
    return _sqlite_template(tmp_path_factory, "sample-template", _import_sample,
                            start=migrated_template)


@pytest.fixture
def sample_cache(sample_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the sample school's SQLite cache file."""
    return _copy_sqlite(sample_template, tmp_path / "cache.db")


_pg_names = itertools.count()


def _pg_url(server: PgServer, dbname: str) -> str:
    return f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/{dbname}"


def _pg_admin(server: PgServer, sql: str) -> None:
    import psycopg

    with psycopg.connect(host=server.host, port=server.port, user=server.user,
                         dbname=server.maintenance_dbname, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _pg_template(server: PgServer, name: str, build: Callable[[str], None],
                 start: str | None = None) -> str:
    _pg_admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{start}"' if start else ""))
    build(_pg_url(server, name))  # disposes its engine: a template must have no connections
    return name


@contextmanager
def _pg_copy(server: PgServer, template: str | None) -> Iterator[str]:
    """A new database (a copy of ``template``, or empty), dropped afterwards."""
    name = f"t{os.getpid()}_{next(_pg_names)}"
    _pg_admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _pg_url(server, name)
    finally:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_migrated_template(pg_server: PgServer) -> str:
    return _pg_template(pg_server, "tpl_migrated", _migrate_url)


@pytest.fixture(scope="session")
def pg_sample_template(pg_server: PgServer, pg_migrated_template: str) -> str:
    return _pg_template(pg_server, "tpl_sample", _import_sample, start=pg_migrated_template)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def sample_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """This test's own copy of the imported sample school, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{request.getfixturevalue('sample_cache')}"
        return
    server = request.getfixturevalue("pg_server")
    with _pg_copy(server, request.getfixturevalue("pg_sample_template")) as url:
        yield url


@pytest.fixture
def sample_engine(sample_url: str):  # type: ignore[no-untyped-def]
    """An engine on this test's copy of the sample school (both backends)."""
    from caseload.store.engine import make_engine

    eng = make_engine(sample_url)
    yield eng
    eng.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cache.db'}"
        return
    with _pg_copy(request.getfixturevalue("pg_server"), None) as url:
        yield url


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``db_url``'s database, migrated (a copy of the migrated template put in its place)."""
    from sqlalchemy.engine import make_url

    from caseload.store.engine import make_engine

    database = make_url(db_url).database
    assert database
    if db_url.startswith("sqlite"):
        _copy_sqlite(request.getfixturevalue("migrated_template"), Path(database))
    else:
        server = request.getfixturevalue("pg_server")
        template = request.getfixturevalue("pg_migrated_template")
        _pg_admin(server, f'DROP DATABASE "{database}"')  # nobody has connected to it yet
        _pg_admin(server, f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(migrated_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from caseload.store.engine import make_engine

    eng = make_engine(f"sqlite:///{_copy_sqlite(migrated_template, tmp_path / 'cache.db')}")
    yield eng
    eng.dispose()
