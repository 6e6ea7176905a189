"""Shared fixtures: the cache on SQLite and on a throwaway PostgreSQL, sample data paths.

PostgreSQL: one cluster for the test session, initialised in a temp dir and started on a free
port (as the ``postgres`` user when running as root, since PostgreSQL refuses root) by whichever
xdist worker needs it first; the controller stops it at the end. Each test gets its own database
on it (created and dropped here). Without PostgreSQL binaries those tests skip with the reason,
unless CASELOAD_REQUIRE_POSTGRES=1 (CI), where they fail.

Templates: the work every test would repeat is done once per session and copied per test.
``engine``/``sqlite_engine`` get a copy of an empty migrated cache; ``sample_url``,
``sample_engine`` and ``sample_cache`` a copy of the imported sample school (its import run's
timestamps pinned to ``SYNCED``, its facts materialized). SQLite templates are built once
across xdist workers (a file lock in the session's shared temp dir) and copied as files (0600);
PostgreSQL templates once on the session's one cluster (shared by the workers), copied with
``CREATE DATABASE ... TEMPLATE``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import glob
import itertools
import json
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


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (one xdist worker at a time)."""
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _shared_dir(factory: pytest.TempPathFactory) -> Path:
    """The session's temp dir every xdist worker sees (a worker's base temp is inside it)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _start_cluster(bindir: Path) -> dict[str, str | int]:
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
    return {"dir": str(tmp), "port": port, "bindir": str(bindir)}


def _stop_cluster(cluster: dict[str, str | int]) -> None:
    tmp = Path(str(cluster["dir"]))
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*run_as, str(Path(str(cluster["bindir"])) / "pg_ctl"), "-D", str(tmp / "data"),
         "-m", "immediate", "stop"],
        capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> PgServer:
    """One throwaway cluster for the whole session, started by the first worker that needs it
    and stopped by the controller at the end (``pytest_sessionfinish``)."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CASELOAD_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL binaries not found and CASELOAD_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these tests)")
    shared = _shared_dir(tmp_path_factory)
    info = shared / PG_CLUSTER
    with _locked(shared / "pg.lock"):
        if not info.exists():
            info.write_text(json.dumps(_start_cluster(bindir)))
    return PgServer(host="127.0.0.1", port=int(json.loads(info.read_text())["port"]))


PG_CLUSTER = "pg-cluster.json"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller (or a run without xdist) stops the cluster, after every worker
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    info = factory.getbasetemp() / PG_CLUSTER
    if info.exists():
        _stop_cluster(json.loads(info.read_text()))
        info.unlink()


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


def _sqlite_template(factory: pytest.TempPathFactory, name: str,
                     build: Callable[[str], None], start: Path | None = None) -> Path:
    """``build`` into ``name``.db once for the whole session, whichever worker comes first."""
    shared = _shared_dir(factory)
    path = shared / f"{name}.db"
    with _locked(shared / f"{name}.lock"):
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


def _pg_admin(server: PgServer, sql: str) -> bool:
    """Run ``sql`` on the maintenance database; whether it returned a row."""
    import psycopg

    with psycopg.connect(host=server.host, port=server.port, user=server.user,
                         dbname=server.maintenance_dbname, autocommit=True) as conn:
        cur = conn.execute(sql)  # type: ignore[arg-type]
        return cur.description is not None and cur.fetchone() is not None


def _pg_template(factory: pytest.TempPathFactory, server: PgServer, name: str,
                 build: Callable[[str], None], start: str | None = None) -> str:
    """``build`` into database ``name`` once for the whole session (every worker shares the
    cluster), built under another name and renamed when complete."""
    with _locked(_shared_dir(factory) / f"{name}.lock"):
        if not _pg_admin(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            part = f"{name}_part"
            _pg_admin(server, f'DROP DATABASE IF EXISTS "{part}"')
            _pg_admin(server, f'CREATE DATABASE "{part}"'
                      + (f' TEMPLATE "{start}"' if start else ""))
            build(_pg_url(server, part))  # disposes its engine: no connection may remain
            _pg_admin(server, f'ALTER DATABASE "{part}" RENAME TO "{name}"')
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
def pg_migrated_template(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> str:
    return _pg_template(tmp_path_factory, pg_server, "tpl_migrated", _migrate_url)


@pytest.fixture(scope="session")
def pg_sample_template(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer,
                       pg_migrated_template: str) -> str:
    return _pg_template(tmp_path_factory, pg_server, "tpl_sample", _import_sample,
                        start=pg_migrated_template)


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
    """A fresh database URL on each backend: empty, or at the head revision when the test also
    asks for ``engine`` (then it is a copy of the migrated template)."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "cache.db"
        if migrated:
            _copy_sqlite(request.getfixturevalue("migrated_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_migrated_template") if migrated else None
    with _pg_copy(request.getfixturevalue("pg_server"), template) as url:
        yield url


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    """A fresh migrated cache on each backend (``db_url``'s database)."""
    from caseload.store.engine import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(migrated_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from caseload.store.engine import make_engine

    eng = make_engine(f"sqlite:///{_copy_sqlite(migrated_template, tmp_path / 'cache.db')}")
    yield eng
    eng.dispose()
