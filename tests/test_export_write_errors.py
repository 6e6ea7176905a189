"""An export file that cannot be written is said in words (review s22, item 10): what went
wrong and where, never the name of the temporary file it is first written to
(``.caseload-export-*.part``), never an ``[Errno N]`` code, and never the export's content.
The CLI prints the same words and exits 1 (the app's export dialogs show them)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from caseload.domain.exports import ExportWriteError
from caseload.export import notes_text
from caseload.export.notes_text import write_private

SECRET = b"Confidential xyzzy"


def _refused(path: Path) -> ExportWriteError:
    with pytest.raises(ExportWriteError) as caught:
        write_private(path, SECRET)
    words = str(caught.value)
    assert ".part" not in words and "Errno" not in words and "xyzzy" not in words
    assert isinstance(caught.value, OSError)  # as before: callers catching OSError still do
    return caught.value


def test_a_missing_folder(tmp_path: Path) -> None:
    error = _refused(tmp_path / "nodir" / "notes.md")
    assert str(error) == f"the folder {tmp_path / 'nodir'} does not exist"
    assert error.errno == errno.ENOENT


def test_a_folder_given_for_the_file_writes_nothing_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert str(_refused(out)) == f"{out} is a folder: add a file name"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary file in its parent


def test_a_file_where_a_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("x")
    error = _refused(tmp_path / "report.txt" / "sub" / "notes.md")
    assert str(error) == f"{tmp_path / 'report.txt'} is a file, not a folder"


def test_a_relative_path_is_named_in_full(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert str(_refused(Path("nodir/notes.md"))) == (
        f"the folder {tmp_path / 'nodir'} does not exist")


def test_a_folder_that_may_not_be_written(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()

    def denied(**kwargs: object) -> tuple[int, str]:  # (root may write in a 0500 folder)
        raise PermissionError(errno.EACCES, "Permission denied",
                              str(locked / ".caseload-export-abc.part"))

    monkeypatch.setattr("tempfile.mkstemp", denied)
    assert str(_refused(locked / "notes.pdf")) == (
        f"permission denied writing {locked / 'notes.pdf'}")


def test_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int, _data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(notes_text.os, "write", full)
    out = tmp_path / "notes.csv"
    assert str(_refused(out)) == f"the disk is full: {out} was not written"
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary one


def test_a_symlink_is_refused_in_words(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.md"
    target.write_text("keep")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    error = _refused(link)
    assert str(error).startswith(f"{link} is a symbolic link") and error.errno == errno.ELOOP
    assert target.read_text() == "keep"


def test_any_other_failure_names_the_file_and_the_os_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(notes_text.os, "fsync", broken)
    out = tmp_path / "notes.json"
    assert str(_refused(out)) == f"{out} could not be written (input/output error)"
