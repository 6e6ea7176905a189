"""``--db`` naming something that is not a caseload cache (review s22, items 1, 2 and 9):
another program's SQLite database or PostgreSQL schema is refused before anything changes it;
a path with no file is refused by the commands that only read a cache (a typo used to become
an empty district, exit 0); a failed import leaves no new cache behind; ``--db ""`` is a
usage error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from caseload.cli import main
from tests.paths import MIN_DATA

READS = [["flags"], ["changes", "--since", "2026-11-01"], ["notes", "list"],
         ["notes", "export", "--format", "csv", "-o", "OUT"], ["notes", "effects", "--student",
                                                                "S"], ["audit"],
         ["notes", "add", "--student", "S", "--type", "other", "--text", "x"]]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _foreign(path: Path, *sql: str) -> None:
    conn = sqlite3.connect(path)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()
    path.chmod(0o644)


@pytest.mark.parametrize("command", READS[:1] + READS[5:6] + [["import", str(MIN_DATA)]])
def test_another_programs_sqlite_database_is_refused_and_left_alone(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to gain caseload's schema, mode 0600 and WAL, and the command said "0 students"."""
    db = tmp_path / "app.sqlite"
    _foreign(db, "CREATE TABLE gradebook (id INTEGER PRIMARY KEY, note TEXT)",
             "CREATE TABLE b (x)", "CREATE TABLE c (x)", "CREATE TABLE d (x)")
    before = db.read_bytes()
    code, out, err = _run(capsys, ["--db", str(db), *command])
    assert code == 1 and out == "", err
    assert err == (f"caseload: error: {str(db)!r} is a SQLite database but not a caseload cache "
                   "(it has tables b, c, d, …): give the path of a caseload cache, or of a "
                   "file that does not exist yet\n")
    assert db.read_bytes() == before and db.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.sqlite"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_another_programs_alembic_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "app.sqlite"
    _foreign(db, "CREATE TABLE alembic_version (version_num TEXT)",
             "INSERT INTO alembic_version VALUES ('3f2a9c1b')", "CREATE TABLE gradebook (x)")
    code, _, err = _run(capsys, ["--db", str(db), "flags"])
    assert code == 1 and "is a SQLite database but not a caseload cache (it has tables " \
        "alembic_version, gradebook)" in err, err
    assert db.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("how", ["empty file", "no tables"])
def test_an_empty_sqlite_file_becomes_a_cache(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    if how == "empty file":
        db.touch()
    else:
        _foreign(db, "PRAGMA user_version = 1")  # a database file with no table
        assert db.stat().st_size
    code, out, err = _run(capsys, ["--db", str(db), "audit"])
    assert (code, out) == (0, "The audit log is empty.\n"), err
    assert db.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("command", READS)
def test_a_read_command_refuses_a_cache_that_does_not_exist(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "casload.db"
    argv = [str(tmp_path / "out.csv") if a == "OUT" else a for a in command]
    code, out, err = _run(capsys, ["--db", str(db), *argv])
    assert code == 1 and out == ""
    assert err == (f"caseload: error: no caseload cache at {str(db)!r}: `caseload import "
                   "PATH-TO-EXPORT` creates one (or check --db / $CASELOAD_DB)\n"), err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("default_paths")
def test_the_default_cache_is_not_created_by_a_read_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, ["flags"])
    assert code == 1 and "error: no caseload cache at " in err and "caseload.db" in err, err
    assert not (tmp_path / "data").exists()
    code, _, err = _run(capsys, ["import", str(MIN_DATA)])  # import creates it, as before
    assert code == 0, err
    assert (tmp_path / "data" / "caseload" / "caseload.db").is_file()
    assert _run(capsys, ["flags", "--counselor", "all"])[0] == 0


def test_a_failed_import_leaves_no_new_cache_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "export"
    bad.mkdir()
    for f in MIN_DATA.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    users = bad / "users.csv"
    users.write_text(users.read_text().rstrip("\n") + "\nshort,row\n")
    where = tmp_path / "cache"
    where.mkdir()
    code, _, err = _run(capsys, ["--db", str(where / "t.db"), "import", str(bad)])
    assert code == 1 and "Nothing was imported; the cache is unchanged." in err, err
    assert list(where.iterdir()) == []
    # a cache that was there stays
    assert main(["--db", str(where / "t.db"), "import", str(MIN_DATA)]) == 0
    before = sorted(p.name for p in where.iterdir())
    assert _run(capsys, ["--db", str(where / "t.db"), "import", str(bad)])[0] == 1
    assert sorted(p.name for p in where.iterdir()) == before


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_db_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It used to mean $CASELOAD_DB or the default cache (``--db "$DB"`` with DB unset)."""
    monkeypatch.setenv("CASELOAD_DB", str(tmp_path / "other.db"))
    monkeypatch.chdir(tmp_path)  # (a blank name was a file in the working folder)
    for argv in (["--db", value, "flags"], ["flags", "--db", value]):
        with pytest.raises(SystemExit) as ended:
            main(argv)
        assert ended.value.code == 2
        assert "caseload: error: --db names no database (an empty value)" in \
            capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_another_programs_postgresql_schema_is_refused(
    pg_server: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests import templates as tpl

    with tpl.pg_copy(pg_server, None) as url:  # type: ignore[arg-type]
        other = create_engine(url)
        with other.begin() as conn:
            conn.execute(text("CREATE TABLE gradebook (id int)"))
        for argv in (["flags"], ["import", str(MIN_DATA)], ["admin", "upgrade"]):
            code, out, err = _run(capsys, ["--db", url, *argv])
            assert code == 1 and out == "", argv
            assert "is not a caseload database (it has tables gradebook and no caseload " \
                "schema version): give the URL of a caseload database, or of an empty " \
                "one" in err, err
        with other.connect() as conn:
            tables = conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        other.dispose()
        assert tables == ["gradebook"]
