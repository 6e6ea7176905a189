"""Review s22 of the command line (items 16, 17, 20; later items 7): each case through main()."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseload.cli import main


def _add(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "notes", "add", "--student", "stu-1", "--type", "other",
                 "--text", "Called home", "--date", "2026-10-01", "--author", "cns-1"]) == 0
    capsys.readouterr()


# --- 16. notes export -o - ---------------------------------------------------------------


def test_an_export_to_dash_is_refused_not_written_to_a_file_named_dash(
    min_cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    _add(min_cli_db, capsys)
    monkeypatch.chdir(tmp_path)
    assert main(["--db", min_cli_db, "notes", "export", "--counselor", "all", "--format", "md",
                 "-o", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "caseload: error: -o - would be a file named '-': give a file name\n"
    assert captured.out == "" and not (tmp_path / "-").exists()
    assert main(["--db", min_cli_db, "audit", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing written, nothing audited


# --- 17. the audit table's WHEN -----------------------------------------------------------


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("no time.tzset here")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_audit_tables_when_names_its_zone(
    min_cli_db: str, tmp_path: Path, new_york: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(min_cli_db, capsys)
    out = tmp_path / "n.json"
    assert main(["--db", min_cli_db, "notes", "export", "--counselor", "all", "--format", "json",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["--db", min_cli_db, "audit", "--format", "json"]) == 0
    at = json.loads(capsys.readouterr().out)[0]["at"]
    assert at.endswith("Z")
    assert main(["--db", min_cli_db, "audit"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    zone = "EDT" if time.localtime().tm_isdst else "EST"
    assert os.environ["TZ"] == "America/New_York"
    when = " ".join(row.split()[:3])
    assert when.endswith(f" {zone}"), row
    assert when[:16] != at[:16].replace("T", " ")  # local time, not UTC under another label


# --- 20. delete a deleted note, restore a live one -----------------------------------------


def test_delete_and_restore_say_when_nothing_changed(
    min_cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(min_cli_db, capsys)
    assert main(["--db", min_cli_db, "notes", "restore", "1"]) == 0
    assert capsys.readouterr().out == "note 1 is not deleted; nothing changed.\n"
    assert main(["--db", min_cli_db, "notes", "delete", "1"]) == 0
    assert capsys.readouterr().out.startswith("Deleted note 1 for stu-1")
    assert main(["--db", min_cli_db, "notes", "delete", "1"]) == 0
    assert capsys.readouterr().out == "note 1 is already deleted; nothing changed.\n"
    assert main(["--db", min_cli_db, "notes", "list", "--counselor", "all", "--include-deleted",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["revision"] == 2  # one delete, not two
    assert main(["--db", min_cli_db, "notes", "restore", "1"]) == 0
    assert capsys.readouterr().out == "Restored note 1 for stu-1.\n"
