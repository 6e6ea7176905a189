"""The test session's shared, expensive state, built once and copied per test (see conftest.py).

- SQLite templates (an empty migrated cache; the imported sample school) are files in the
  session's shared temp dir, built once across xdist workers under a file lock, copied per
  test with owner-only (0600) modes.
- One throwaway PostgreSQL cluster per session (its port in ``pg-cluster.json``), with the same
  two templates as databases, copied per test with ``CREATE DATABASE ... TEMPLATE``.

The first worker that collects tests needing them starts ``python -m tests.templates`` in the
background, which takes every lock first and then builds, so the workers run the tests that need
nothing while the templates are made; a fixture that needs a template that is not ready yet waits
on its lock (or builds it itself, if no builder ran).
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
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.paths import SAMPLE_DATA

if TYPE_CHECKING:
    from sqlalchemy import Engine

# the sample template's import run: the TUI header reads "grades synced 4 h ago" at NOW
SYNCED = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)

SQLITE_MIGRATED = "migrated-template"
SQLITE_SAMPLE = "sample-template"
SQLITE_CLI_IMPORT = "cli-import"
PG_MIGRATED = "tpl_migrated"
PG_SAMPLE = "tpl_sample"
PG_CLUSTER = "pg-cluster.json"
PG_LOCK = "pg"


@contextmanager
def locked(shared: Path, name: str) -> Iterator[None]:
    """Hold the exclusive lock ``name`` in ``shared`` (one process at a time)."""
    with (shared / f"{name}.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


# --- builds ------------------------------------------------------------------------------------


def migrate_url(url: str) -> None:
    from caseload.store.engine import make_engine, migrate

    eng = make_engine(url)
    migrate(eng)
    eng.dispose()


def import_sample(url: str) -> None:
    """The sample school into the (migrated) cache at ``url``, as the TUI tests want it."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine

    eng = make_engine(url)
    load(eng, read_path(SAMPLE_DATA))
    eng.dispose()
    pin_sample(url)


def pin_sample(url: str) -> None:
    """Make the cache at ``url``, holding the sample school's one import, the sample template:
    its import run pinned to ``SYNCED`` (from ``sample_data``), no stored ranking (``caseload
    import`` ranks for the day it runs, which would vary), the facts materialized."""
    from sqlalchemy import delete, update

    from caseload.store import facts as mat
    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository
    from caseload.store.tables import METADATA

    eng = make_engine(url)
    runs = METADATA.tables["import_runs"]
    with eng.begin() as conn:
        conn.execute(update(runs).values(source="sample_data", started_at=SYNCED,
                                         finished_at=SYNCED))
        for name in RANKING_TABLES:
            conn.execute(delete(METADATA.tables[name]))
    mat.refresh(eng, Repository(eng).thresholds)
    eng.dispose()


# what `caseload import` stores beyond `load` and the materialized facts: the rankings
RANKING_TABLES = ("mat_rank", "mat_rank_state")


def import_small_school(shared: Path) -> Callable[[str], None]:
    """``caseload import`` of the session's small generated school (see ``small_school``)."""

    def build(url: str) -> None:
        from caseload.services.importing import import_into
        from caseload.store.engine import make_engine

        eng = make_engine(url)
        import_into(eng, small_school(shared))
        eng.dispose()

    return build


# --- SQLite ------------------------------------------------------------------------------------


def copy_sqlite(template: Path, dest: Path) -> Path:
    shutil.copyfile(template, dest)
    os.chmod(dest, 0o600)  # owner only, like every cache caseload creates
    return dest


def migrated_engine(template: Path, path: Path) -> Engine:
    """An engine on a new cache at ``path``: a copy of the session's migrated template (the
    ``migrated_template`` fixture), instead of running every migration again."""
    from caseload.store.engine import make_engine

    return make_engine(f"sqlite:///{copy_sqlite(template, path)}")


def _build_sqlite(shared: Path, name: str, build: Callable[[str], None],
                  start: Path | None) -> Path:
    path = shared / f"{name}.db"
    if not path.exists():
        part = shared / f"{name}.part.db"
        for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            leftover.unlink(missing_ok=True)
        if start is not None:
            copy_sqlite(start, part)
        build(f"sqlite:///{part}")
        for suffix in ("-wal", "-shm"):  # closed cleanly, SQLite removes them; be sure
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        os.replace(part, path)
    return path


def sqlite_template(shared: Path, name: str, build: Callable[[str], None],
                    start: Path | None = None) -> Path:
    """``build`` into ``name``.db once for the whole session, whichever process comes first."""
    with locked(shared, name):
        return _build_sqlite(shared, name, build, start)


def sqlite_migrated(shared: Path) -> Path:
    return sqlite_template(shared, SQLITE_MIGRATED, migrate_url)


def sqlite_sample(shared: Path) -> Path:
    """The sample template on SQLite: a copy of the session's ``caseload import sample_data``
    (``sqlite_cli_import``), pinned (``pin_sample``): the sample is imported once on SQLite."""
    return sqlite_template(shared, SQLITE_SAMPLE, pin_sample, start=sqlite_cli_import(shared)[0])


SMALL_SCHOOL = "small-school"
SMALL_STUDENTS = 30
SQLITE_SMALL = "small-template"
PG_SMALL = "tpl_small"


def small_school(shared: Path) -> Path:
    """A small school from the generator (``SMALL_STUDENTS`` students, the sample's shape), in
    CSV files written once for the session: cheap to import again and again."""
    folder = shared / SMALL_SCHOOL
    with locked(shared, SMALL_SCHOOL):
        if not folder.exists():
            from caseload import samplegen

            part = shared / f"{SMALL_SCHOOL}.part"
            shutil.rmtree(part, ignore_errors=True)
            samplegen.generate(part, students=SMALL_STUDENTS)
            os.replace(part, folder)
    return folder


def sqlite_small(shared: Path) -> Path:
    """The small school imported (``caseload import``) into a SQLite cache (copy it)."""
    return sqlite_template(shared, SQLITE_SMALL, import_small_school(shared),
                           start=sqlite_migrated(shared))



def sqlite_cli_import(shared: Path) -> tuple[Path, str]:
    """``caseload import sample_data`` run once for the session, as a user runs it: the CLI in
    its own process, from the repository root, into a fresh database file. Returns that file
    (read-only: copy it) and what the import printed on stdout."""
    with locked(shared, SQLITE_CLI_IMPORT):
        return _cli_import_finish(shared, _cli_import_start(shared))


def _cli_import_start(shared: Path) -> subprocess.Popen[str] | None:
    """Start ``caseload import sample_data`` into the part file, unless it is done already
    (hold the lock)."""
    if (shared / f"{SQLITE_CLI_IMPORT}.db").exists():
        return None
    part = shared / f"{SQLITE_CLI_IMPORT}.part.db"
    for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        leftover.unlink(missing_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "caseload", "--db", str(part), "import", "sample_data"],
        cwd=SAMPLE_DATA.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _cli_import_finish(shared: Path, proc: subprocess.Popen[str] | None) -> tuple[Path, str]:
    path, out = shared / f"{SQLITE_CLI_IMPORT}.db", shared / f"{SQLITE_CLI_IMPORT}.out"
    if proc is not None:
        stdout, stderr = proc.communicate()
        assert proc.returncode == 0, stderr
        part = shared / f"{SQLITE_CLI_IMPORT}.part.db"
        for suffix in ("-wal", "-shm"):
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        out.write_text(stdout, encoding="utf-8")
        os.replace(part, path)
    return path, out.read_text(encoding="utf-8")


# --- PostgreSQL --------------------------------------------------------------------------------


@dataclass
class PgServer:
    host: str
    port: int
    user: str = "postgres"
    maintenance_dbname: str = "postgres"


def pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> list[str]:
    # PostgreSQL refuses to run as root: run it as the postgres user then
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _start_cluster(bindir: Path) -> dict[str, str | int]:
    tmp = Path(tempfile.mkdtemp(prefix="caseload-pg-"))
    data = tmp / "data"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*_run_as(), str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, env=env,
    )
    subprocess.run(
        [*_run_as(), str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(tmp / "log"),
         "-o", f"-p {port} -k {tmp} -h 127.0.0.1 -F", "start"],
        check=True, capture_output=True, env=env,
    )
    return {"dir": str(tmp), "port": port, "bindir": str(bindir)}


def _ensure_cluster(shared: Path, bindir: Path) -> PgServer:
    info = shared / PG_CLUSTER
    if not info.exists():
        info.write_text(json.dumps(_start_cluster(bindir)))
    return PgServer(host="127.0.0.1", port=int(json.loads(info.read_text())["port"]))


def pg_cluster(shared: Path, bindir: Path) -> PgServer:
    """The session's cluster, started by the first process that needs it."""
    with locked(shared, PG_LOCK):
        return _ensure_cluster(shared, bindir)


def stop_cluster(shared: Path) -> None:
    """Stop the session's cluster, if one was started, and remove its files."""
    info = shared / PG_CLUSTER
    if not info.exists():
        return
    cluster = json.loads(info.read_text())
    tmp = Path(str(cluster["dir"]))
    subprocess.run(
        [*_run_as(), str(Path(str(cluster["bindir"])) / "pg_ctl"), "-D", str(tmp / "data"),
         "-m", "immediate", "stop"],
        capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    shutil.rmtree(tmp, ignore_errors=True)
    info.unlink()


def pg_url(server: PgServer, dbname: str) -> str:
    return f"postgresql+psycopg://{server.user}@{server.host}:{server.port}/{dbname}"


def pg_admin(server: PgServer, sql: str) -> bool:
    """Run ``sql`` on the maintenance database; whether it returned a row."""
    import psycopg

    with psycopg.connect(host=server.host, port=server.port, user=server.user,
                         dbname=server.maintenance_dbname, autocommit=True) as conn:
        cur = conn.execute(sql)  # type: ignore[arg-type]
        return cur.description is not None and cur.fetchone() is not None


def _build_pg(server: PgServer, name: str, build: Callable[[str], None],
              start: str | None) -> str:
    if not pg_admin(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        part = f"{name}_part"
        pg_admin(server, f'DROP DATABASE IF EXISTS "{part}"')
        pg_admin(server, f'CREATE DATABASE "{part}"' + (f' TEMPLATE "{start}"' if start else ""))
        build(pg_url(server, part))  # disposes its engine: no connection may remain
        pg_admin(server, f'ALTER DATABASE "{part}" RENAME TO "{name}"')
    return name


def pg_template(shared: Path, server: PgServer, name: str, build: Callable[[str], None],
                start: str | None = None) -> str:
    """``build`` into database ``name`` once for the session (built under another name and
    renamed when complete)."""
    with locked(shared, name):
        return _build_pg(server, name, build, start)


def pg_migrated(shared: Path, server: PgServer) -> str:
    return pg_template(shared, server, PG_MIGRATED, migrate_url)


def pg_sample(shared: Path, server: PgServer) -> str:
    return pg_template(shared, server, PG_SAMPLE, import_sample, start=pg_migrated(shared, server))


PG_RANKED = "tpl_sample_ranked"
RANKED_AS_OF = "2026-11-20"  # the sample's own date, which `caseload import sample_data` ranks


def rank_sample(url: str) -> None:
    """What ``caseload import sample_data`` leaves beyond the sample template: the caseload
    ranking stored for today and the sample's date (services/facts.py: ``refresh_facts``)."""
    from caseload.services.facts import refresh_facts
    from caseload.store.engine import make_engine

    eng = make_engine(url)
    refresh_facts(eng, also_as_of=RANKED_AS_OF)
    eng.dispose()


def pg_ranked(shared: Path, server: PgServer) -> str:
    """The sample template with its rankings stored (``rank_sample``), on PostgreSQL. (On
    SQLite, the session's ``caseload import sample_data`` database is that state.)"""
    return pg_template(shared, server, PG_RANKED, rank_sample, start=pg_sample(shared, server))


def pg_small(shared: Path, server: PgServer) -> str:
    """The small school imported into a PostgreSQL database (copy it with ``pg_copy``)."""
    return pg_template(shared, server, PG_SMALL, import_small_school(shared),
                       start=pg_migrated(shared, server))


_pg_names = itertools.count()


@contextmanager
def pg_copy(server: PgServer, template: str | None) -> Iterator[str]:
    """A new database (a copy of ``template``, or empty), dropped afterwards."""
    name = f"t{os.getpid()}_{next(_pg_names)}"
    pg_admin(server, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield pg_url(server, name)
    finally:
        pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the background builder --------------------------------------------------------------------

BUILDER_STARTED = "templates-builder.started"


def start_builder(shared: Path, *, sample: bool, postgres: bool) -> None:
    """Start building the templates in a background process, once per session; returns when
    that process holds every lock (so no fixture starts the same build meanwhile)."""
    try:
        fd = os.open(shared / BUILDER_STARTED, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return  # another worker started it
    os.close(fd)
    args = [sys.executable, "-m", "tests.templates", str(shared)]
    args += ["--sample"] * sample + ["--postgres"] * postgres
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=Path(__file__).parents[1],
                            text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # "locked"; EOF if it failed (the fixtures then build themselves)


def _builder(shared: Path, *, sample: bool, postgres: bool) -> None:
    bindir = pg_bin() if postgres else None
    names = [SQLITE_MIGRATED] + [SQLITE_CLI_IMPORT, SQLITE_SAMPLE] * sample
    if bindir is not None:
        names += [PG_LOCK, PG_MIGRATED] + [PG_SAMPLE] * sample
    with ExitStack() as stack:
        held = {name: stack.enter_context(ExitStack()) for name in names}
        for name in names:
            held[name].enter_context(locked(shared, name))
        print("locked", flush=True)
        # the CLI import runs in its own process meanwhile (the SQLite sample is a copy of it)
        cli = _cli_import_start(shared) if sample else None
        _build_sqlite(shared, SQLITE_MIGRATED, migrate_url, None)
        held[SQLITE_MIGRATED].close()
        if bindir is not None:
            server = _ensure_cluster(shared, bindir)
            held[PG_LOCK].close()
            _build_pg(server, PG_MIGRATED, migrate_url, None)
            held[PG_MIGRATED].close()
        if sample:
            cli_db, _out = _cli_import_finish(shared, cli)
            held[SQLITE_CLI_IMPORT].close()
            _build_sqlite(shared, SQLITE_SAMPLE, pin_sample, cli_db)
            held[SQLITE_SAMPLE].close()
            if bindir is not None:
                _build_pg(server, PG_SAMPLE, import_sample, PG_MIGRATED)


if __name__ == "__main__":
    _builder(Path(sys.argv[1]), sample="--sample" in sys.argv, postgres="--postgres" in sys.argv)
