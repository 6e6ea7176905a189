"""Shared fixtures: the cache on SQLite and on a throwaway PostgreSQL, sample data paths.

PostgreSQL: a cluster is initialised in a temp dir and started on a free port for the test
session (as the ``postgres`` user when running as root, since PostgreSQL refuses root), then
pytest-postgresql's no-process fixture hands each test a fresh database. Without PostgreSQL
binaries those tests skip with the reason, unless CASELOAD_REQUIRE_POSTGRES=1 (CI), where
they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_postgresql import factories

from tests.paths import GRAND_BEND, REPO


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
    password: str | None = None
    options: str = ""
    maintenance_dbname: str = "postgres"
    template_dbname: str | None = None
    dbname: str = "tests"


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


pg_noproc = factories.postgresql_noproc(depends_on="pg_server")
postgresql = factories.postgresql("pg_noproc")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cache.db'}"
    conn = request.getfixturevalue("postgresql")
    info = conn.info
    return f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{info.dbname}"


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from caseload.store.engine import make_engine, migrate

    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    from caseload.store.engine import make_engine, migrate

    eng = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    migrate(eng)
    yield eng
    eng.dispose()
