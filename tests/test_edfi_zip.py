"""A .zip of Ed-Fi interchange XML files (sources/edfi_zip.py): read in place, as the folder
would be, with the layout rules of a OneRoster zip; errors, rejects and origins name the
member's file name."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.detect import read_path
from caseload.sources.edfi_xml import is_edfi_zip, read_edfi_folder
from tests.paths import REPO

DS5 = REPO / "tests" / "data" / "edfi_ds5"
SMALL = REPO / "tests" / "data" / "edfi_small"


def zip_folder(folder: Path, out: Path, prefix: str = "", extra: dict[str, bytes] | None = None,
               ) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.iterdir()):
            if file.is_file():
                zf.write(file, prefix + file.name)
        for name, body in (extra or {}).items():
            zf.writestr(name, body)
    return out


def same(a: Dataset, b: Dataset) -> None:
    """Two datasets hold the same records, rejects, notices and origins."""
    assert a.counts() == b.counts()
    for entity in a.counts():
        assert getattr(a, entity) == getattr(b, entity), entity
    assert a.rejects == b.rejects
    assert a.notices == b.notices
    assert a.origins == b.origins


@pytest.mark.parametrize("folder", [SMALL, DS5], ids=["ds4-small", "ds5"])
@pytest.mark.parametrize("prefix", ["", "export/"], ids=["top", "one-folder"])
def test_a_zip_reads_as_its_folder(tmp_path: Path, folder: Path, prefix: str) -> None:
    junk = {"__MACOSX/._Student.xml": b"\x00\x05junk", f"{prefix}notes.txt": b"read me",
            f"{prefix}._Student.xml": b"\x00\x05junk"}
    path = zip_folder(folder, tmp_path / "export.zip", prefix, junk)
    assert is_edfi_zip(path)
    ds = read_path(path)
    assert ds.kind == "edfi-xml" and ds.counts()
    same(ds, read_edfi_folder(folder))


def test_grand_bend_zipped_reads_as_its_folder(tmp_path: Path, grand_bend: Path) -> None:
    path = zip_folder(grand_bend, tmp_path / "grand-bend.zip", "Sample Data/")
    same(read_path(path), read_edfi_folder(grand_bend))


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"a/Student.xml": 1, "b/School.xml": 1}, "XML files in two places"),
        ({"Student.xml": 1, "b/School.xml": 1}, "XML files in two places"),
        ({"a/b/Student.xml": 1}, "more than one folder deep"),
        ({"../Student.xml": 1}, "names a place outside the zip"),
        ({"/Student.xml": 1}, "names a place outside the zip"),
        ({"Student.xml": 1, "STUDENT.XML": 1}, "two files named"),
    ],
)
def test_an_unclear_layout_is_refused(tmp_path: Path, members: dict[str, int],
                                      words: str) -> None:
    body = (DS5 / "Student.xml").read_bytes()
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name in members:
            zf.writestr(name, body)
    with pytest.raises(SourceError) as exc:
        read_path(path)
    assert exc.value.file == "export.zip" and words in exc.value.reason


def test_a_malformed_member_is_refused_naming_its_file_and_line(tmp_path: Path) -> None:
    body = (DS5 / "Student.xml").read_text(encoding="utf-8").splitlines(keepends=True)
    body[5] = body[5].replace(">", "", 1)  # line 6: a tag left open
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for file in sorted(DS5.iterdir()):
            zf.writestr(file.name, "".join(body) if file.name == "Student.xml"
                        else file.read_bytes())
    with pytest.raises(SourceError) as exc:
        read_path(path)
    assert exc.value.file == "Student.xml" and exc.value.line == 6
    assert "malformed XML" in exc.value.reason


def test_a_zip_with_no_interchange_is_not_a_recognized_export(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.xml", "<Notes/>")
    assert not is_edfi_zip(path)
    with pytest.raises(SourceError) as exc:
        read_path(path)
    assert "not a recognized export" in exc.value.reason
    assert "a folder or .zip of Ed-Fi Interchange XML files" in exc.value.reason


def test_import_of_a_zip_writes_rejects_with_line_and_element(tmp_path: Path,
                                                              new_cache: Path) -> None:
    """End to end: attendance of a student missing from the zipped export is rejected with
    the member's file name, its line and the element read back from the zip."""
    folder = tmp_path / "ds5"
    shutil.copytree(DS5, folder)
    student = folder / "Student.xml"
    body = student.read_text(encoding="utf-8")
    start = body.index("\t<Student>")
    end = body.index("\t</Student>\n", start) + len("\t</Student>\n")
    sid = body[start:end].split("<StudentUniqueId>")[1].split("<")[0]
    student.write_text(body[:start] + body[end:], encoding="utf-8")
    path = zip_folder(folder, tmp_path / "export.zip", "export/")
    out = tmp_path / "rejects.csv"
    code = main(["--db", str(new_cache), "import", str(path), "--skip-invalid",
                 "--rejects", str(out)])
    assert code == 0
    with out.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if sid in r["reason"]]
    assert rows
    attendance = (folder / "StudentSchoolAttendance.xml").read_text().splitlines()
    for r in rows:
        assert r["file"] == "StudentSchoolAttendance.xml"
        assert "<StudentSchoolAttendanceEvent>" in attendance[int(r["line"]) - 1]
        assert json.loads(r["row"]) == {"element": "StudentSchoolAttendanceEvent"}


def test_a_damaged_member_is_named_not_taken_for_no_export(tmp_path: Path) -> None:
    """The zip's only interchange fails its CRC check: said as damage, naming the member."""
    path = tmp_path / "export.zip"
    body = (DS5 / "Student.xml").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Student.xml", body)
    data = bytearray(path.read_bytes())
    at = data.index(b"<StudentUniqueId>")
    data[at + 1] ^= 0x20  # one byte flipped in the stored data: a bad CRC when read
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError) as exc:
        read_path(path)
    assert exc.value.file == "export.zip:Student.xml"
    assert "damaged" in exc.value.reason and "not a recognized export" not in exc.value.reason
