"""A SQLite cache written by a newer caseload (its schema at a revision this code does not
know): every command says so and that caseload itself is upgraded (audit s20c, finding 4);
and the notes table marks confidential notes, as the exports do (finding 9)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.store.schema_version import HEAD
from tests.paths import MIN_DATA


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_cache_from_a_newer_caseload_is_said(
    new_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(new_cache) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    for argv in (["flags"], ["notes", "list"], ["import", str(MIN_DATA)]):
        code, out, err = _run(capsys, "--db", str(new_cache), *argv)
        assert code == 1 and out == "", argv
        assert (f"this cache was written by a newer caseload: its schema is at revision 0099, "
                f"newer than this caseload (which knows revisions up to {HEAD}): upgrade "
                "caseload on this machine") in err
        assert "Traceback" not in err and "CommandError" not in err
    with sqlite3.connect(new_cache) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]


def test_the_notes_table_marks_confidential_notes(
    sample_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(sample_cache)]
    for extra in ([], ["--confidential"]):
        code, _, err = _run(capsys, *db, "notes", "add", "--student", "stu-00001", "--type",
                            "other", "--text", "A note", "--author", "cns-1", *extra)
        assert code == 0, err
    code, out, _ = _run(capsys, *db, "notes", "list", "--counselor", "all")
    assert code == 0
    lines = [line for line in out.splitlines() if "A note" in line]
    assert len(lines) == 2
    marked = {line.split()[0]: "open (confidential)" in line for line in lines}
    assert marked == {"1": False, "2": True}  # (the second was added --confidential)
