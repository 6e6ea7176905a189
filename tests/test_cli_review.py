"""What a reviewer exercising the CLI found: each case once failed with an "unexpected ..."
message, a misleading one, or a contract left out of the help and the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseload.cli import main

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
