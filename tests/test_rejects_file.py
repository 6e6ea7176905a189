"""The rejects file (issue 11 §5): columns ``file,line,field,reason,row``; line and row filled
for rejected references too; always a new 0600 file; a symlink at the path is refused; no
credential column (users.csv's ``password``...) is ever copied."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.services.importing import RejectsFileError, write_rejects
from caseload.sources.dataset import Reject
from tests.min_export import edit


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["file", "line", "field", "reason", "row"]
        return list(reader)


def _import(db: Path, data: Path, rejects: Path, *extra: str) -> int:
    return main(["--db", str(db), "import", str(data), "--skip-invalid",
                 "--rejects", str(rejects), *extra])


def test_reference_rejects_have_line_and_row(tmp_path, data, new_cache):
    # enrollments.csv line 3 (e2) names a class that is in neither the import nor the cache
    edit(data / "enrollments.csv", "e2,active,2026-09-01T00:00:00Z,cls-eng,",
          "e2,active,2026-09-01T00:00:00Z,cls-nowhere,")
    out = tmp_path / "rejects.csv"
    assert _import(new_cache, data, out) == 0
    rows = _rows(out)
    ref = [r for r in rows if "cls-nowhere" in r["reason"]]
    assert len(ref) == 1, rows
    assert ref[0]["file"] == "enrollments.csv"
    assert ref[0]["line"] == "3"
    assert ref[0]["field"] == "classSourcedId"
    assert json.loads(ref[0]["row"])["sourcedId"] == "e2"
    assert json.loads(ref[0]["row"])["classSourcedId"] == "cls-nowhere"


def test_existing_0644_file_is_replaced_by_a_new_0600_file(tmp_path, data, new_cache):
    edit(data / "results.csv", ",fully graded,62,", ",fully graded,-5,")
    out = tmp_path / "rejects.csv"
    out.write_text("old content\n")
    os.chmod(out, 0o644)
    old_inode = out.stat().st_ino
    assert _import(new_cache, data, out) == 0
    st = out.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_ino != old_inode  # a new file, not the old one rewritten
    assert "old content" not in out.read_text()
    assert [r["file"] for r in _rows(out)] == ["results.csv"]
    assert not list(tmp_path.glob(".caseload-rejects-*"))  # no temp file left behind


def test_symlink_at_the_path_is_refused(tmp_path, data, capsys, new_cache):
    edit(data / "results.csv", ",fully graded,62,", ",fully graded,-5,")
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o644)
    link = tmp_path / "rejects.csv"
    link.symlink_to(target)
    capsys.readouterr()
    assert _import(new_cache, data, link) != 0
    err = capsys.readouterr().err
    assert str(link) in err and "symbolic link" in err
    assert target.read_text() == "keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert link.is_symlink()
    # refused before importing: nothing was loaded
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{new_cache}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    engine.dispose()


def test_write_rejects_refuses_a_symlink_directly(tmp_path):
    target = tmp_path / "t"
    target.write_text("x")
    link = tmp_path / "l.csv"
    link.symlink_to(target)
    with pytest.raises(RejectsFileError, match=r"l\.csv"):
        write_rejects(link, [Reject("a.csv", 2, None, "bad")])
    assert target.read_text() == "x"


def test_credential_columns_are_never_copied(tmp_path, data, new_cache):
    users = data / "users.csv"
    body = users.read_text(encoding="utf-8")
    # give every user a password, and make stu-2's row bad (unknown grade-level school)
    body = body.replace(",09,,,,,,,sch-1,", ",09,Hunter2Secret,,,,,,sch-1,")
    body = body.replace("stu-2,active,2026-09-01T00:00:00Z,true,ben,{stateId:MD002},Ben,Baker,,"
                        "S002,,,,,09,Hunter2Secret,,,,,,sch-1,",
                        "stu-2,active,2026-09-01T00:00:00Z,true,ben,{stateId:MD002},Ben,Baker,,"
                        "S002,,,,,09,Hunter2Secret,,,,,,sch-404,")
    users.write_text(body, encoding="utf-8")
    assert "sch-404" in body
    out = tmp_path / "rejects.csv"
    assert _import(new_cache, data, out) == 0
    text_ = out.read_text(encoding="utf-8")
    assert "Hunter2Secret" not in text_
    assert "password" not in text_.casefold()
    rows = _rows(out)
    assert rows and json.loads(rows[0]["row"])["sourcedId"] == "stu-2"


def test_a_shifted_row_never_carries_its_password(tmp_path, data, new_cache):
    """A users.csv row one field too wide (a comma in a name) puts its password under the
    next column's name: read back for the rejects file, it would be copied as
    ``userMasterIdentifier``. A malformed row of a file with a credential column is written
    without its content, as the reader leaves it."""
    users = data / "users.csv"
    body = users.read_text(encoding="utf-8")
    bad = body.replace("stu-2,active,2026-09-01T00:00:00Z,true,ben,{stateId:MD002},Ben,Baker,,"
                       "S002,,,,,09,,",
                       "stu-2,active,2026-09-01T00:00:00Z,true,ben,{stateId:MD002},Ben,Jr,"
                       "Baker,,S002,,,,,09,Hunter2Secret,")
    assert bad != body
    users.write_text(bad, encoding="utf-8")
    out = tmp_path / "rejects.csv"
    assert _import(new_cache, data, out) == 0
    text_ = out.read_text(encoding="utf-8")
    assert "Hunter2Secret" not in text_
    rows = [r for r in _rows(out) if r["file"] == "users.csv"]
    assert [(r["line"], r["row"]) for r in rows] == [("3", "")]
    assert "24 fields where the header has 23" in rows[0]["reason"]


def test_write_rejects_drops_every_credential_like_column(tmp_path):
    out = tmp_path / "r.csv"
    raw = {"sourcedId": "u1", "password": "a", "userPassword": "b", "pwd": "c",
           "client_secret": "d", "access_token": "e", "note": "my password is f"}
    write_rejects(out, [Reject("users.csv", 2, "password", "bad password", raw)])
    body = out.read_text()
    assert "password" not in body.casefold()
    for secret in ('"a"', '"b"', '"c"', '"d"', '"e"'):
        assert secret not in body
    assert json.loads(_rows(out)[0]["row"])["sourcedId"] == "u1"


def test_xml_reference_rejects_have_line_and_element(tmp_path, new_cache):
    """Ed-Fi: attendance of a student missing from the export is rejected with its line."""
    from tests.paths import REPO

    folder = tmp_path / "ds5"
    shutil.copytree(REPO / "tests" / "data" / "edfi_ds5", folder)
    student = folder / "Student.xml"
    body = student.read_text(encoding="utf-8")
    start = body.index("\t<Student>")
    end = body.index("\t</Student>\n", start) + len("\t</Student>\n")
    removed = body[start:end]
    sid = removed.split("<StudentUniqueId>")[1].split("<")[0]
    student.write_text(body[:start] + body[end:], encoding="utf-8")
    out = tmp_path / "rejects.csv"
    assert _import(new_cache, folder, out) == 0
    rows = [r for r in _rows(out) if sid in r["reason"]]
    assert rows, _rows(out)
    attendance = (folder / "StudentSchoolAttendance.xml").read_text().splitlines()
    for r in rows:
        assert r["file"] == "StudentSchoolAttendance.xml"
        line = int(r["line"])
        assert "<StudentSchoolAttendanceEvent>" in attendance[line - 1]
        assert json.loads(r["row"]) == {"element": "StudentSchoolAttendanceEvent"}


def test_a_rejected_row_holds_the_files_columns_once_each(tmp_path, data, new_cache):
    """``row`` is the row as the file has it: each header column once, as written (the
    reader's aliases, e.g. ``studentsourcedid`` beside ``studentSourcedId``, never added)."""
    results = data / "results.csv"
    header = results.read_text(encoding="utf-8").splitlines()[0].split(",")
    edit(results, ",62,", ",-5,")
    out = tmp_path / "rejects.csv"
    assert _import(new_cache, data, out) == 0
    (row,) = [r for r in _rows(out) if r["file"] == "results.csv"]
    assert list(json.loads(row["row"])) == header
