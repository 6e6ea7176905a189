"""Zip bombs are refused before anything is decompressed (issue 11 §5).

Declared sizes are checked first (ratio above 100:1, or a total above the limit: 4 GB by
default, ``$CASELOAD_ZIP_MAX_BYTES``), naming the member, also under ``--skip-invalid`` and
``--check``; members are then streamed through a guard that stops at the declared size. The
1 GB member of zeros is written by streaming (1 MiB at a time) into a temp dir; that the import
refuses it (rather than reading it whole) is what keeps it in seconds and well under 512 MB.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.zipsafe import GuardedStream, SafeZip, parse_size
from tests.paths import MIN_DATA

GB = 1024**3


def _zip_of(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f.name)
    return target


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The OneRoster sample with users.csv replaced by 1 GB of zeros (about 1 MB zipped)."""
    target = tmp_path_factory.mktemp("bomb") / "export.zip"
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for f in sorted(MIN_DATA.iterdir()):
            if f.name != "users.csv":
                zf.write(f, f.name)
        with zf.open("users.csv", "w", force_zip64=True) as member:
            for _ in range(GB // len(chunk)):
                member.write(chunk)
    return target


def test_declared_ratio_is_refused_naming_the_member(bomb: Path) -> None:
    assert bomb.stat().st_size < 20 * 1024**2
    with pytest.raises(SourceError) as err:
        read_path(bomb, skip_invalid=True)
    message = err.value.describe()
    assert "export.zip:users.csv" in message
    assert "zip bomb" in message and "100:1" in message


@pytest.mark.parametrize(
    "extra", [[], ["--skip-invalid"], ["--check"], ["--check", "--skip-invalid"]]
)
def test_cli_refuses_the_bomb(bomb: Path, tmp_path: Path, capsys, monkeypatch, extra, new_cache) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(bomb), *extra]) == 1
    out = capsys.readouterr()
    assert "users.csv" in out.out + out.err and "zip bomb" in out.out + out.err
    assert not list(tmp_path.glob("caseload-rejects-*"))


def test_total_limit_is_configurable(tmp_path: Path, capsys, monkeypatch, new_cache) -> None:
    archive = _zip_of(MIN_DATA, tmp_path / "min.zip")
    monkeypatch.setenv("CASELOAD_ZIP_MAX_BYTES", "1000")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(archive), "--skip-invalid"]) == 1
    err = capsys.readouterr().err
    assert "min.zip:" in err and "CASELOAD_ZIP_MAX_BYTES" in err
    monkeypatch.setenv("CASELOAD_ZIP_MAX_BYTES", "4GB")
    assert main(["--db", str(new_cache), "import", str(archive)]) == 0


def test_a_normal_zip_still_imports(tmp_path: Path) -> None:
    archive = _zip_of(MIN_DATA, tmp_path / "min.zip")
    ds = read_path(archive)
    assert len(ds.users) == 5


def test_parse_size() -> None:
    assert parse_size("4GB") == 4 * GB
    assert parse_size("512 MiB") == 512 * 1024**2
    assert parse_size("1000") == 1000
    assert parse_size("100B") == parse_size("100 iB") == 100  # plain bytes, never a KeyError
    with pytest.raises(ValueError):
        parse_size("lots")


def test_stream_stops_past_its_declared_size() -> None:
    """A member whose header lies about its size is stopped while streaming."""
    stream = io.BufferedReader(GuardedStream(io.BytesIO(b"x" * 100), "a.zip:m.csv", 10, [10**9]))
    with pytest.raises(SourceError, match="more data than its header declares"):
        stream.read()


def test_members_are_streamed(tmp_path: Path) -> None:
    archive = _zip_of(MIN_DATA, tmp_path / "min.zip")
    with zipfile.ZipFile(archive) as zf:
        safe = SafeZip(zf, "min.zip")
        with safe.open("users.csv") as fh:
            assert fh.readline().startswith(b"sourcedId,")




# --- which member is which file ---------------------------------------------------------------


def _zip_with(target: Path, names: dict[str, str]) -> Path:
    """MIN_DATA zipped with its files renamed: ``names`` maps a member name to a MIN_DATA file."""
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f.name)
        for member, source in names.items():
            zf.write(MIN_DATA / source, member)
    return target


@pytest.mark.parametrize("member", ["other/users.csv", "USERS.CSV"])
def test_two_members_of_one_name_are_refused_naming_both(tmp_path: Path, member: str) -> None:
    """Of two members that both read as users.csv, the later one was read and the other
    ignored without a word."""
    archive = _zip_with(tmp_path / "export.zip", {member: "users.csv"})
    with pytest.raises(SourceError) as info:
        read_path(archive, skip_invalid=True)
    assert str(info.value) == (
        f"export.zip: two files named {member.rsplit('/', 1)[-1]!r}: 'users.csv' and "
        f"{member!r}; which one is the export's is not clear (leave one out)"
    )


def test_two_files_of_one_name_in_a_folder_are_refused(data: Path) -> None:
    (data / "Users.csv").write_bytes((data / "users.csv").read_bytes())
    if len({p.name.casefold() for p in data.iterdir()}) == len(list(data.iterdir())):
        pytest.skip("a case-insensitive file system: Users.csv is users.csv")
    with pytest.raises(SourceError, match=r"two files named '(Users|users)\.csv': "):
        read_path(data)


def test_a_member_deeper_than_one_folder_is_refused(tmp_path: Path) -> None:
    """The comment said one folder level; members at any depth were read."""
    target = tmp_path / "deep.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f"a/b/{f.name}")
    with pytest.raises(SourceError) as info:
        read_path(target)
    assert str(info.value) == (
        "deep.zip: member 'a/b/academicSessions.csv' is more than one folder deep: caseload "
        "reads the CSV files at the zip's top level or inside one folder"
    )


def test_one_folder_level_and_macos_metadata_are_fine(tmp_path: Path) -> None:
    target = tmp_path / "mac.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f"export/{f.name}")
            zf.writestr(f"__MACOSX/export/._{f.name}", b"\x00\x05\x16\x07")
    assert len(read_path(target).users) == 5


@pytest.mark.parametrize("member", ["../users.csv", "/users.csv", "export/../users.csv"])
def test_a_member_outside_the_zip_is_refused(tmp_path: Path, member: str) -> None:
    """``../users.csv`` was read as users.csv: a name no export tool writes."""
    target = tmp_path / "out.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            if f.name != "users.csv":
                zf.write(f, f.name)
        zf.writestr(zipfile.ZipInfo(member), (MIN_DATA / "users.csv").read_bytes())
    with pytest.raises(SourceError) as info:
        read_path(target)
    assert str(info.value) == (
        f"out.zip: member {member!r} names a place outside the zip: caseload reads the CSV "
        "files at the zip's top level or inside one folder"
    )


@pytest.mark.parametrize("place", ["", "other/"])
def test_export_files_read_from_two_places_are_refused(tmp_path: Path, place: str) -> None:
    """An export at the top level with one file in a folder (or two folders) was read as
    one export, from wherever each file name was found."""
    target = tmp_path / "two.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f"{'export/' if f.name == 'users.csv' else place}{f.name}")
    with pytest.raises(SourceError) as info:
        read_path(target)
    message = str(info.value)
    assert message.startswith(f"two.zip: CSV files in two places, '{place}")
    assert "'export/users.csv'" in message
    assert message.endswith(
        ": caseload reads one export, its CSV files at the zip's top level or all inside one "
        "folder"
    )


def test_a_zip_made_with_backslashes_is_read_by_its_folders(tmp_path: Path) -> None:
    """Older Windows tools write ``export\\users.csv``: users.csv was then "missing"."""
    target = tmp_path / "win.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.writestr(zipfile.ZipInfo(f"export\\{f.name}"), f.read_bytes())
    assert len(read_path(target).users) == 5
    outside = tmp_path / "out.zip"
    with zipfile.ZipFile(outside, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.writestr(zipfile.ZipInfo(f"..\\{f.name}"), f.read_bytes())
    with pytest.raises(SourceError, match="names a place outside the zip"):
        read_path(outside)


def test_other_files_anywhere_beside_one_export_are_fine(tmp_path: Path) -> None:
    target = tmp_path / "docs.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f"export/{f.name}")
        zf.writestr("README.txt", b"exported by the SIS")
        zf.writestr("docs/fields.pdf", b"%PDF-1.4")
        zf.writestr("extras/data_dictionary.csv", b"column,meaning\n")
        zf.writestr("checksums.csv", b"file,sha256\n")
    assert len(read_path(target).users) == 5
