"""Review s22 item 23: an entry named like an export file that is no file (a folder, a named
pipe) is refused, naming it (exit 1, the cache unchanged), not passed over as missing; in a
zip, a folder entry named like a file likewise."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from caseload.cli import main
from tests.paths import MIN_DATA

EDFI = Path("/work/shared/data/edfi-grand-bend")


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture
def cache(min_cli_db: str) -> Path:
    return Path(min_cli_db)


def _export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(MIN_DATA, folder)
    (folder / "attendance.csv").unlink()
    return folder


def _refused(cache: Path, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    before = _digest(cache)
    assert main(["--db", str(cache), "import", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Nothing was imported; the cache is unchanged." in captured.err
    assert _digest(cache) == before
    return captured.err


def test_a_folder_named_like_a_csv_file_is_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _export(tmp_path)
    (folder / "attendance.csv").mkdir()
    err = _refused(cache, folder, capsys)
    assert "attendance.csv is a folder, not a file" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_named_like_a_csv_file_is_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _export(tmp_path)
    os.mkfifo(folder / "attendance.csv")
    err = _refused(cache, folder, capsys)
    assert "attendance.csv is not a regular file (a named pipe" in err


def test_a_zip_folder_entry_named_like_a_csv_file_is_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(MIN_DATA.iterdir()):
            if file.name != "attendance.csv":
                zf.write(file, file.name)
        zf.writestr("attendance.csv/", b"")
    err = _refused(cache, archive, capsys)
    assert "member 'attendance.csv/' is a folder, not a file" in err


@pytest.mark.skipif(not EDFI.is_dir(), reason="the Ed-Fi sample data is not here")
def test_a_folder_named_like_an_xml_file_is_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "edfi"
    folder.mkdir()
    shutil.copy(EDFI / "Student.xml", folder)
    (folder / "StudentSchoolAttendance.xml").mkdir()
    err = _refused(cache, folder, capsys)
    assert "StudentSchoolAttendance.xml is a folder, not a file" in err


def test_a_zip_folder_entry_named_like_an_xml_file_is_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "edfi.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Student.xml", b'<?xml version="1.0"?><InterchangeStudent/>')
        zf.writestr("StudentSchoolAttendance.xml/", b"")
    err = _refused(cache, archive, capsys)
    assert "member 'StudentSchoolAttendance.xml/' is a folder, not a file" in err
