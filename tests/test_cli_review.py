"""What a reviewer exercising the CLI found: each case once failed with an "unexpected ..."
message, a misleading one, or a contract left out of the help and the docs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from caseload.cli import main
from tests.paths import MIN_DATA

STUDENT = "stu-00536"  # a student of the sample school

# --- 1. dates far outside any school's records --------------------------------------------


@pytest.mark.parametrize("argv, option", [
    (["flags", "--as-of", "0001-01-01"], "--as-of"),
    (["flags", "--as-of", "9999-12-31"], "--as-of"),
    (["changes", "--since", "0001-01-01"], "--since"),
    (["changes", "--since", "2026-11-01", "--as-of", "9999-12-31"], "--as-of"),
    (["notes", "effects", "--student", "S", "--as-of", "0001-01-02"], "--as-of"),
    (["notes", "effects", "--student", "S", "--as-of", "9999-12-31"], "--as-of"),
    (["notes", "export", "--format", "pdf", "-o", "x.pdf", "--as-of", "9999-12-31"], "--as-of"),
    (["notes", "list", "--since", "1899-12-31"], "--since"),
    (["notes", "add", "--student", "S", "--type", "other", "--text", "x", "--date=+9999w"],
     "--date"),
    (["open", "--as-of", "2101-01-01"], "--as-of"),
])
def test_an_extreme_date_is_refused_as_it_is_parsed(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """These used to end in "unexpected OverflowError" or "unexpected ValueError" (exit 1):
    now a usage error naming the option and the dates accepted, before any cache is opened."""
    db = tmp_path / "c.db"
    argv = [str(tmp_path / a) if a == "x.pdf" else a for a in argv]  # (never in the cwd)
    with pytest.raises(SystemExit) as ended:
        main(["--db", str(db), *argv])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}:" in err and "1900-01-01 to 2100-12-31" in err, err
    assert "unexpected" not in err and "Traceback" not in err
    assert not db.exists()


def test_the_first_and_last_dates_accepted_work(
    sample_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(sample_cache)
    for day in ("1900-01-01", "2100-12-31"):
        assert main(["--db", db, "notes", "add", "--student", STUDENT, "--type", "referral",
                     "--text", "x", "--date", day, "--author", "cns-1"]) == 0, day
    capsys.readouterr()
    for argv in (["flags", "--as-of", "1900-01-01", "--format", "json"],
                 ["flags", "--as-of", "2100-12-31", "--format", "json"],
                 ["changes", "--since", "1900-01-01", "--as-of", "2100-12-31", "--format", "json"],
                 ["notes", "effects", "--student", STUDENT, "--as-of", "1900-01-01"],
                 ["notes", "effects", "--student", STUDENT, "--as-of", "2100-12-31",
                  "--format", "json"]):
        code = main(["--db", db, *argv])
        captured = capsys.readouterr()
        assert code == 0, (argv, captured.err)
        if "json" in argv:
            json.loads(captured.out)


# --- 2. a note's text in bytes that are not UTF-8 -----------------------------------------

SECRET = "Mother said xyzzy"
NOT_UTF8_TEXT = SECRET + "\udcff\udcfe"  # $'...\xff\xfe' as Python hands it in


def _notes_of(db: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["--db", db, "notes", "list", "--student", STUDENT, "--format", "json"]) == 0
    notes: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return notes


def test_a_note_text_not_utf8_is_refused_without_repeating_it(
    sample_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to end in "unexpected UnicodeEncodeError" with nothing saved."""
    db = str(sample_cache)
    with pytest.raises(SystemExit) as ended:
        main(["--db", db, "notes", "add", "--student", STUDENT, "--type", "other",
              "--text", NOT_UTF8_TEXT, "--author", "cns-1"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "the note's text is not valid UTF-8" in err and "convert it to UTF-8" in err, err
    assert "xyzzy" not in err and "udc" not in err and "unexpected" not in err
    assert _notes_of(db, capsys) == []


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_a_note_text_not_utf8_on_stdin_is_refused(
    errors: str, sample_cache: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--text -``: a strict UTF-8 stdin fails to decode; one decoded with surrogateescape
    (the C locale's) hands the store lone surrogates, which it refuses."""
    import io

    db = str(sample_cache)
    raw = io.BytesIO(SECRET.encode() + b"\xff\xfe")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw, encoding="utf-8", errors=errors))
    code = main(["--db", db, "notes", "add", "--student", STUDENT, "--type", "other",
                 "--text", "-", "--author", "cns-1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the note's text" in err and "is not valid UTF-8" in err, err
    assert "nothing was saved" in err and "xyzzy" not in err and "unexpected" not in err
    assert _notes_of(db, capsys) == []


def test_the_notes_store_refuses_text_and_ids_not_utf8(sample_cache: Path) -> None:
    """The app's writes go through the same checks (a note's text, its ids, its class)."""
    from caseload.domain.notes import NoteValidationError
    from caseload.store.engine import make_engine
    from caseload.store.notes import NotesStore

    engine = make_engine(f"sqlite:///{sample_cache}")
    try:
        store = NotesStore(engine)
        for field, values in (("text", {"text": NOT_UTF8_TEXT}),
                              ("author_id", {"author_id": "cns\udcff"}),
                              ("student_id", {"student_id": "stu\udcff"}),
                              ("class_id", {"class_id": "cls\udcff"})):
            given = {"student_id": STUDENT, "author_id": "cns-1", "type": "other",
                     "text": "x", **values}
            with pytest.raises(NoteValidationError, match="not valid UTF-8") as caught:
                store.add(**given)  # type: ignore[arg-type]
            assert caught.value.field == field and "xyzzy" not in str(caught.value)
    finally:
        engine.dispose()


@pytest.mark.parametrize("argv, option", [
    (["notes", "list", "--student", "\udcff"], "--student"),
    (["flags", "--search", "jos\udce9"], "--search"),
    (["notes", "add", "--student", "S", "--type", "other", "--text", "x", "--class", "\udcff"],
     "--class"),
    (["login", "\udcff"], "NAME"),
])
def test_any_word_not_utf8_is_a_usage_error_naming_the_option(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    argv = [str(tmp_path / a) if a == "x.pdf" else a for a in argv]  # (never in the cwd)
    with pytest.raises(SystemExit) as ended:
        main(["--db", str(db), *argv])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert f"the value of {option} is not valid UTF-8" in err, err
    assert not db.exists()


def test_a_file_name_not_utf8_is_still_a_file_name(
    new_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Latin-1 file name is a file name: --db, --config and -o take any bytes."""
    db = tmp_path / "caf\udce9.db"
    assert main(["--db", str(db), "notes", "list"]) == 1  # (no cache there yet: refused)
    assert "no caseload cache at" in capsys.readouterr().err
    new_cache.rename(db)
    assert main(["--db", str(db), "notes", "list"]) == 0, capsys.readouterr().err
    assert db.exists()


# --- 3. a --db that cannot be opened -------------------------------------------------------

PASSWORD = "hunter2xyzzy"


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "unexpected" not in err and "Traceback" not in err and PASSWORD not in err, err
    return err


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", [["flags"], ["notes", "list"], ["import", "x", "--check"],
                                     ["admin", "who"]])
def test_an_unknown_kind_of_database_is_named(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Used to be "unexpected NoSuchModuleError" (and, for admin, "a SQLite cache")."""
    err = _refused(["--db", f"nonsense://me:{PASSWORD}@host/x", *command], capsys)
    assert "cannot open the database 'nonsense://me:***@host/x'" in err, err
    assert "'nonsense' is not a kind of database" in err and "postgresql+psycopg://" in err


@pytest.mark.parametrize("command", [["flags"], ["notes", "list"], ["admin", "who"]])
def test_an_unreachable_server_is_named_without_its_password(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Used to be "unexpected OperationalError"."""
    url = f"postgresql+psycopg://bob:{PASSWORD}@127.0.0.1:{_free_port()}/caseload"
    err = _refused(["--db", url, *command], capsys)
    assert "cannot connect to the database 'postgresql+psycopg://bob:***@127.0.0.1:" in err
    assert "check that the server is running" in err and "the login, its password" in err


def test_a_url_that_cannot_be_read_is_named_without_its_password(
    capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(["--db", f"postgresql://bob:{PASSWORD}@host:port/db", "flags"], capsys)
    assert "the database URL 'postgresql://bob:***@host:port/db' cannot be read" in err, err


@pytest.mark.postgres
def test_an_unknown_login_or_database_on_a_running_server(
    pg_server, capsys: pytest.CaptureFixture[str]
) -> None:
    where = f"{pg_server.host}:{pg_server.port}"
    err = _refused(["--db", f"postgresql+psycopg://ghost_{os.getpid()}:{PASSWORD}@{where}/x",
                    "flags"], capsys)
    assert f"cannot connect to the database 'postgresql+psycopg://ghost_{os.getpid()}:***@" in err
    assert "does not exist" in err and "the login, its password" in err, err
    err = _refused(["--db", f"postgresql+psycopg://{pg_server.user}@{where}/nodb_{os.getpid()}",
                    "admin", "who"], capsys)
    assert "cannot connect to the database" in err and "does not exist" in err, err


def test_a_folder_or_another_kind_of_file_is_not_a_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder used to be "unexpected IsADirectoryError"."""
    err = _refused(["--db", str(tmp_path), "flags"], capsys)
    assert f"the database 'sqlite:///{tmp_path}' is a folder, not a file" in err, err
    assert f"{tmp_path / 'caseload.db'}" in err
    text = tmp_path / "notes.txt"
    text.write_text("not a database, but long enough to have a first page of sorts\n" * 20)
    text.chmod(0o644)
    err = _refused(["--db", str(text), "notes", "list"], capsys)
    assert "is not a SQLite database" in err, err
    assert text.stat().st_mode & 0o777 == 0o644  # refused before its permissions were touched


@pytest.mark.parametrize("command", [["flags"], ["notes", "list"], ["import", "x"],
                                     ["import", "x", "--check"], ["changes", "--since",
                                                                  "2026-11-01"]])
@pytest.mark.parametrize("how", ["--db", "$CASELOAD_DB"])
def test_a_named_cache_in_a_folder_that_does_not_exist_is_refused(
    command: list[str], how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Used to create the missing folders and an empty cache there (a mistyped path left a
    new, empty cache behind and showed no students): now one line naming the folder."""
    db = tmp_path / "nonexistent" / "dir" / "x.db"
    if how == "--db":
        argv = ["--db", str(db), *command]
    else:
        monkeypatch.setenv("CASELOAD_DB", str(db))
        argv = command
    err = _refused(argv, capsys)
    assert err == (f"caseload: error: the folder '{db.parent}' of the SQLite cache "
                   f"'sqlite:///{db}' does not exist: create it first, or give a path in a "
                   "folder that exists\n"), err
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.usefixtures("default_paths")
def test_the_default_cache_folder_is_still_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (by a command that creates the cache: one that only reads refuses a cache not there)
    assert main(["import", str(MIN_DATA)]) == 0, capsys.readouterr().err
    assert (tmp_path / "data" / "caseload" / "caseload.db").is_file()


# --- 4. a bad $CASELOAD_REFRESH_WORKERS is refused before anything is written --------------

WORKERS_ERROR = "$CASELOAD_REFRESH_WORKERS is 'abc': give a whole number"


def _stamp(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_import_refuses_a_bad_worker_count_before_it_writes(
    new_cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import used to commit, then fail in the facts refresh with the variable's error."""
    from tests.paths import MIN_DATA

    before = _stamp(new_cache)
    monkeypatch.setenv("CASELOAD_REFRESH_WORKERS", "abc")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(MIN_DATA)]) == 1
    assert WORKERS_ERROR in capsys.readouterr().err
    assert _stamp(new_cache) == before
    fresh = new_cache.with_name("fresh.db")
    assert main(["--db", str(fresh), "import", str(MIN_DATA)]) == 1
    assert not fresh.exists()


def test_import_check_ignores_the_worker_count(
    new_cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--check writes nothing and refreshes nothing: it used to be refused by the variable
    (exit 1) all the same. The import it checks still is (above)."""
    from tests.paths import MIN_DATA

    before = _stamp(new_cache)
    monkeypatch.setenv("CASELOAD_REFRESH_WORKERS", "abc")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(MIN_DATA), "--check"]) == 0
    captured = capsys.readouterr()
    assert "REFRESH_WORKERS" not in captured.err and "would load:" in captured.out, captured
    assert _stamp(new_cache) == before


def test_the_import_and_sync_use_cases_refuse_it_first(
    new_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's import and sync go through the use cases: refused there too, untouched."""
    from caseload.config import Config, ConfigError
    from caseload.services.context import Workspace
    from caseload.services.importing import import_into
    from caseload.services.sync import sync_one, sync_sources
    from caseload.store.engine import make_engine
    from tests.paths import MIN_DATA

    monkeypatch.setenv("CASELOAD_REFRESH_WORKERS", "abc")
    engine = make_engine(f"sqlite:///{new_cache}")
    try:
        with pytest.raises(ConfigError, match=r"REFRESH_WORKERS is 'abc'"):
            import_into(engine, MIN_DATA)
        ws = Workspace(engine, Config(sources={"sis": {"kind": "oneroster"}}))
        with pytest.raises(ConfigError, match=r"REFRESH_WORKERS is 'abc'"):
            sync_one(ws, "sis")
        with pytest.raises(ConfigError, match=r"REFRESH_WORKERS is 'abc'"):
            sync_sources(ws, ["sis"])
        from sqlalchemy import text

        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    finally:
        engine.dispose()


def test_sync_and_demo_refuse_it_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASELOAD_REFRESH_WORKERS", "abc")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db = tmp_path / "c.db"
    capsys.readouterr()
    assert main(["--db", str(db), "sync"]) == 1
    assert WORKERS_ERROR in capsys.readouterr().err and not db.exists()
    demo = tmp_path / "data" / "caseload" / "demo.db"
    demo.parent.mkdir(parents=True)
    demo.write_bytes(b"the demo database as it was")
    before = _stamp(demo)
    assert main(["demo", "--no-open"]) == 1
    captured = capsys.readouterr()
    assert WORKERS_ERROR in captured.err and captured.out == ""
    assert _stamp(demo) == before


# --- 5. NO_COLOR ----------------------------------------------------------------------------


class _Terminal:
    """Standard output that says it is a terminal."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("value, coloured", [(None, True), ("", True), ("1", False),
                                             ("no", False)])
def test_flags_on_a_terminal_honour_no_color(
    value: str | None, coloured: bool, sample_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any non-empty NO_COLOR (issue 12; https://no-color.org) means no colour."""
    if value is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", value)
    out = _Terminal()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["--db", str(sample_cache), "flags", "--as-of", "2026-11-20",
                 "--counselor", "all"]) == 0
    shown = out.buffer.getvalue()
    assert "TRUANT" in shown or "CHRONIC" in shown
    assert ("\x1b[" in shown) is coloured


def test_no_color_is_documented_with_the_other_variables() -> None:
    from tests.paths import REPO

    config = (REPO / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    env = config[config.index("## Environment"):]
    assert "| `NO_COLOR` |" in env[: env.index("\n## ")]


# --- 6. contracts in the help and the README -------------------------------------------------


def test_notes_help_names_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    """`caseload notes --help` listed add, list, export, delete, restore: not effects."""
    import argparse

    from caseload.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    notes = commands.choices["notes"]
    actions = next(a for a in notes._actions if isinstance(a, argparse._SubParsersAction))
    with pytest.raises(SystemExit):
        main(["notes", "--help"])
    shown = capsys.readouterr().out
    description = shown.split("positional arguments")[0]
    summary = next(c.help for c in commands._choices_actions if c.dest == "notes")
    for name in actions.choices:
        assert name in description, (name, description)
        assert name in str(summary), (name, summary)


def test_demo_no_open_is_in_the_readme() -> None:
    """Issue 15's contract: `caseload demo --no-open`."""
    from tests.paths import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "caseload demo --no-open" in readme


# --- 7. admin revoke of a login with no grant ------------------------------------------------


@pytest.mark.parametrize("had, said", [
    (True, "Revoked ghost: it sees nothing now.\n"),
    (False, "ghost had no grant: nothing was changed.\n"),
])
def test_revoke_says_whether_anything_was_revoked(
    had: bool, said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said "its privileges on the tables are revoked" of a login with no grant, whose
    privileges the service leaves alone (tests/test_access.py checks that on PostgreSQL)."""
    from caseload.services import admin

    monkeypatch.setattr(admin, "revoke", lambda db, login: had)
    capsys.readouterr()
    assert main(["--db", "postgresql+psycopg://owner@db.invalid/caseload", "admin", "revoke",
                 "ghost"]) == 0
    assert capsys.readouterr().out == said


def test_demo_says_it_does_not_use_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """(audit s21a D9) `caseload --db X demo` builds the demo's own database: it says so
    rather than swallow the option, and never touches X."""
    from caseload.services import demo

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("CASELOAD_DB", raising=False)

    school = tmp_path / "school"

    class Built:
        path = school

    def built(**_: object) -> Built:
        return Built()

    def stop(*_: object, **__: object) -> None:
        raise SystemExit(3)  # (nothing is built: only what is said first matters)

    monkeypatch.setattr(demo, "sample_school", built)
    monkeypatch.setattr(demo, "fresh_demo_database", stop)
    mine = tmp_path / "mine.db"
    with pytest.raises(SystemExit):
        main(["--db", str(mine), "demo", "--no-open"])
    out = capsys.readouterr().out.splitlines()
    path = tmp_path / "data" / "caseload" / "demo.db"
    assert out[0] == (f"The demo builds its own database, {path}: --db and $CASELOAD_DB are "
                      "not used.")
    assert out[1] == f"(`caseload import {school}` loads the sample school into your cache.)"
    assert not mine.exists()
    with pytest.raises(SystemExit):
        main(["demo", "--no-open"])
    assert capsys.readouterr().out == ""
