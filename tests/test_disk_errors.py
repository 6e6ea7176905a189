"""A disk error (an OSError with an errno: an I/O error on the disk or network share the export
is on) while an export is read is a plain error naming the file and the system's words for the
error, for ``import`` and ``import --check``: no traceback, never the file's data.

A CSV file of an export folder (its opening or its reading) ended in "unexpected OSError", and
so did an Ed-Fi XML file of a folder (or, the folder's only interchange, "not a recognized
export": the file was passed over while telling whether the folder is Ed-Fi); a
.zip whose list of members could not be read was taken for a file that is not a zip at all
(``zipfile.is_zipfile`` answers False on any OSError) and refused as "not a recognized
export". (A zip member's disk error: tests/test_zip_damage_rejects.py.)
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from caseload.cli import main
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from tests.paths import MIN_DATA

EDFI_SMALL = Path(__file__).parent / "data" / "edfi_small"

ADVICE = "check the disk or network share the file is on"


class _FailingFile(io.FileIO):
    """A file whose reads after the first ``good`` ones fail as a bad disk's do."""

    good = 0

    def _fail(self) -> None:
        if self.good <= 0:
            raise OSError(errno.EIO, "Input/output error")
        self.good -= 1

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        self._fail()
        return super().read(size)

    def readinto(self, buffer: Any) -> int:  # type: ignore[override]
        self._fail()
        return super().readinto(buffer)

    def readall(self) -> bytes:
        self._fail()
        return super().readall()


def _fail_on(monkeypatch: pytest.MonkeyPatch, target: Path, where: str, good: int = 0,
             code: int = errno.EIO) -> None:
    """Opening ``target`` (``where="open"``), or reading it after ``good`` reads, fails
    with EIO (or ``code`` on opening), however it is opened (Path.open and open both go
    through io.open)."""
    real_open = io.open

    def failing_open(file: Any, mode: str = "r", buffering: int = -1, *args: Any, **kw: Any):  # type: ignore[no-untyped-def]
        if isinstance(file, (str, Path)) and Path(file) == target and "r" in mode:
            if where == "open":
                raise OSError(code, os.strerror(code), str(file))
            raw = _FailingFile(file, "rb")
            raw.good = good
            if buffering == 0:
                return raw
            buffered = io.BufferedReader(raw)
            return buffered if "b" in mode else io.TextIOWrapper(buffered, *args, **kw)
        return real_open(file, mode, buffering, *args, **kw)

    monkeypatch.setattr(io, "open", failing_open)
    monkeypatch.setattr("builtins.open", failing_open)


def _refused(path: Path, expected: str) -> None:
    """``read_path`` refuses ``path`` with ``expected``, with and without --skip-invalid, and
    not as a row --skip-invalid would skip."""
    for skip_invalid in (False, True):
        with pytest.raises(SourceError) as info:
            read_path(path, skip_invalid=skip_invalid)
        assert str(info.value).startswith(expected), str(info.value)
        assert not info.value.skippable


def _check_cli(
    capsys: pytest.CaptureFixture[str], cache: Path, path: Path, expected: str,
    data: tuple[str, ...] = ("Able", "MD001"),
) -> list[str]:
    """What import and import --check print for ``path`` (checked here), for more checks."""
    seen = []
    for extra in ([], ["--check"]):
        capsys.readouterr()
        assert main(["--db", str(cache), "import", str(path), *extra]) == 1
        out = capsys.readouterr()
        printed = out.out + out.err
        assert expected in printed, printed
        assert "unexpected" not in printed and "Traceback" not in printed, printed
        assert "--skip-invalid" not in printed, printed  # (not a row to skip)
        for value in data:  # (a student's values: never the data read)
            assert value not in printed, printed
        seen.append(printed)
    return seen


# --- a CSV file in an export folder -------------------------------------------------------------


@pytest.mark.parametrize(("where", "good"), [("open", 0), ("read", 0), ("read", 1)])
def test_a_disk_error_reading_a_folders_csv_file_is_named_in_plain_words(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, where: str, good: int
) -> None:
    """Opening users.csv, or reading it (at once, or after its rows were read: good=1),
    fails with EIO: the error names the file and says "Input/output error", never its rows."""
    folder = tmp_path / "export"
    shutil.copytree(MIN_DATA, folder)
    _fail_on(monkeypatch, folder / "users.csv", where, good)
    expected = (f"users.csv: the file could not be read (Input/output error): {ADVICE}")
    _refused(folder, expected)
    _check_cli(capsys, new_cache, folder, expected)


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM])
@pytest.mark.parametrize("name", ["users.csv", "export-a.xml"])
def test_a_file_caseload_may_not_read_names_its_permissions_and_folder(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, code: int, name: str
) -> None:
    """Permission refused is the file's permissions or owner, not the disk or share: said
    so, with the folder the file is in (running as root, the refusal is simulated)."""
    folder = tmp_path / "export"
    shutil.copytree(MIN_DATA if name == "users.csv" else EDFI_SMALL, folder)
    _fail_on(monkeypatch, folder / name, "open", code=code)
    expected = (f"{name}: the file could not be read ({os.strerror(code)}): check the "
                f"permissions and owner of {name} in {folder}: the account running caseload "
                "must be able to read it")
    _refused(folder, expected)
    for printed in _check_cli(capsys, new_cache, folder, expected):
        assert ADVICE not in printed


# --- an Ed-Fi XML file in an export folder ------------------------------------------------------


@pytest.mark.parametrize("alone", [False, True])
@pytest.mark.parametrize(("where", "good"), [("open", 0), ("read", 0), ("read", 1)])
def test_a_disk_error_reading_a_folders_edfi_xml_file_is_named_in_plain_words(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, where: str, good: int, alone: bool
) -> None:
    """Opening export-a.xml (the Student interchange), or reading it (at once, or after its
    records were read: good=1), fails with EIO: the error names the file and says
    "Input/output error", never its records. ``alone``: the folder's only XML file, so the
    failure comes while telling whether the folder is Ed-Fi (it said "not a recognized
    export")."""
    folder = tmp_path / "export"
    if alone:
        folder.mkdir()
        shutil.copy(EDFI_SMALL / "export-a.xml", folder)
    else:
        shutil.copytree(EDFI_SMALL, folder)
    _fail_on(monkeypatch, folder / "export-a.xml", where, good)
    expected = f"export-a.xml: the file could not be read (Input/output error): {ADVICE}"
    _refused(folder, expected)
    _check_cli(capsys, new_cache, folder, expected, data=("Avery", "Blake", "S1001"))


@pytest.mark.parametrize(("where", "good"), [("open", 0), ("read", 0), ("read", 1)])
def test_a_disk_error_reading_back_an_edfi_xml_file_for_the_rejects_is_named(
    tmp_path: Path, monkeypatch, where: str, good: int
) -> None:
    """``raw_rows`` reads export-a.xml back for the rejects file and the disk fails: the plain
    error naming the file, not an OSError (whose words may carry the path but never data)."""
    from caseload.sources.detect import raw_rows

    folder = tmp_path / "export"
    shutil.copytree(EDFI_SMALL, folder)
    _fail_on(monkeypatch, folder / "export-a.xml", where, good)
    with pytest.raises(SourceError) as info:
        raw_rows(folder, {"export-a.xml": {10_000}})
    expected = f"export-a.xml: the file could not be read (Input/output error): {ADVICE}"
    assert str(info.value).startswith(expected), str(info.value)
    for value in ("Avery", "Blake", "S1001"):
        assert value not in str(info.value)


# --- an export folder that cannot be listed ----------------------------------------------------


@pytest.mark.parametrize("kind", ["oneroster", "edfi"])
def test_a_disk_error_listing_the_export_folder_is_named_in_plain_words(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, kind: str
) -> None:
    """Listing the export folder fails with EIO: the error names the folder and says
    "Input/output error"; it said "unexpected OSError" (or "not a recognized export")."""
    folder = tmp_path / "export"
    shutil.copytree(MIN_DATA if kind == "oneroster" else EDFI_SMALL, folder)
    real_iterdir = Path.iterdir

    def failing_iterdir(self: Path):  # type: ignore[no-untyped-def]
        if self == folder:
            raise OSError(errno.EIO, "Input/output error", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", failing_iterdir)
    expected = f"{folder}: the folder could not be read (Input/output error): "
    _refused(folder, expected)
    for printed in _check_cli(capsys, new_cache, folder, expected):
        assert "not a recognized export" not in printed, printed


# --- a .zip whose list of members cannot be read ------------------------------------------------


def _zip(target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f.name)


@pytest.mark.parametrize("where", ["open", "read", "directory"])
def test_a_disk_error_reading_a_zips_member_list_is_not_not_a_zip(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, where: str
) -> None:
    """Opening export.zip or reading it fails with EIO (``directory``: only once its end
    record was found, while its list of members is read): the error says the file could not be
    read, with the system's words; it said "not a recognized export" (or "not a folder or a
    .zip file", or that the zip was damaged)."""
    archive = tmp_path / "export.zip"
    _zip(archive)
    if where == "directory":

        def failing_contents(self: zipfile.ZipFile) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", failing_contents)
    else:
        _fail_on(monkeypatch, archive, where)
    expected = f"export.zip: the file could not be read (Input/output error): {ADVICE}"
    _refused(archive, expected)
    for printed in _check_cli(capsys, new_cache, archive, expected):
        for bad in ("not a recognized export", "not a folder or a .zip", "damaged"):
            assert bad not in printed, printed
