"""Control characters from the data never reach an output raw (issue 11 §2).

A student's name carries ESC (a terminal escape), BEL, backspace, a carriage return, DEL and a
C1 CSI (0x9B); ``caseload flags`` in every format, and the import summary, must not write any
of them raw. JSON keeps the value (escaped); table and CSV replace them with U+FFFD.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.domain.text import escape_json_controls, no_controls
from tests.paths import MIN_DATA

AS_OF = "2026-09-30"
EVIL = "Ada\x1b[2J\x07\x08\r\x7f\x9b31m"
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def evil_db(tmp_path: Path, new_cache) -> str:
    data = tmp_path / "export"
    shutil.copytree(MIN_DATA, data)
    users = data / "users.csv"
    body = users.read_text(encoding="utf-8")
    assert ",Ada,Able," in body
    users.write_text(body.replace(",Ada,Able,", f',"{EVIL}",Able,', 1), encoding="utf-8")
    db = str(new_cache)
    assert main(["--db", db, "import", str(data)]) == 0
    return db


def test_pure_helpers() -> None:
    assert no_controls("a\x1bb\tc\nd\x9b") == "a\ufffdb\tc\nd\ufffd"
    assert no_controls("a\tb\nc", single_line=True) == "a\ufffdb\ufffdc"
    assert no_controls(None) == ""
    assert json.loads(escape_json_controls(json.dumps("x\x9by\x7f", ensure_ascii=False))) == (
        "x\x9by\x7f"
    )


@pytest.mark.parametrize("fmt", ["csv", "table", "json"])
def test_flags_output_has_no_raw_controls(evil_db: str, fmt: str, capsys) -> None:
    capsys.readouterr()
    assert main(["--db", evil_db, "flags", "--counselor", "all", "--as-of", AS_OF,
                 "--format", fmt]) == 0
    out = capsys.readouterr().out
    body = out.replace("\r\n", "\n")  # the CSV writer's own line ends
    assert not RAW.search(body), repr(RAW.search(body))
    if fmt == "json":
        names = [s["name"] for s in json.loads(out)["students"]]
        assert any(EVIL in n for n in names)  # the value survives, escaped
    else:
        assert "Ada\ufffd[2J" in out


def test_import_messages_have_no_raw_controls(tmp_path: Path, capsys, new_cache) -> None:
    data = tmp_path / "export"
    shutil.copytree(MIN_DATA, data)
    users = data / "users.csv"
    body = users.read_text(encoding="utf-8")
    # a bad grade value carrying an escape: the refusal names it, never raw
    users.write_text(body.replace(",sch-1,\n", ",sch-\x1b]0;pwned\x07,\n", 1), encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(data)]) != 0
    assert main(["--db", str(new_cache), "import", str(data), "--check"]) != 0
    err = capsys.readouterr()
    both = err.out + err.err
    assert "pwned" in both
    assert not RAW.search(both.replace("\r\n", "\n")), repr(both)


def test_flags_csv_neutralizes_full_width_formula_starts() -> None:
    """``caseload flags --format csv`` uses the notes and triage exports' formula triggers,
    the full-width forms some spreadsheet locales run included."""
    from caseload.export import flags_output

    for lead in ("=", "\uff1d", "\uff0b", "\uff0d", "\uff20"):
        assert flags_output.neutralize(f'{lead}HYPERLINK("http://x")') == (
            f"'{lead}HYPERLINK(\"http://x\")")
    assert flags_output.neutralize("O'Connor, Cy") == "O'Connor, Cy"
