"""A damaged zip is refused in plain words; the rejects file attaches each reject's own row.

A zip whose member data is corrupt (a CRC mismatch, a zlib error) or ends early, or whose local
header is damaged, is refused with a :class:`SourceError` naming the archive and the member
("export.zip:users.csv: the zip member is damaged (...)"); one whose directory is damaged or
that is cut short (its directory, the list of members, lost) names the archive. Also under
``--skip-invalid`` and ``--check``: nothing of it is loaded, the cache is as it was, and the CLI
prints no traceback (it printed "unexpected BadZipFile" or "unexpected error", or for a zip cut
short "not a recognized export").

The rejects file's row for a reject is read back from the export by physical line, counted as
the reader counts them (LF, CRLF or a lone CR). With lone-CR or mixed line endings it attached
no row; with a quoted field holding a lone CR before the bad row, another line's row. A file
with a credential column keeps its values out: read back leniently, a row with an unbalanced
quote came out the header's width and carried a password under another column's name.

The one line splitter (``csvutil.physical_lines``) also splits a file's last line when it has
no LF and its only CR is second to last ("1,2\r3"): it was taken for a CRLF ending.

An encrypted member, or one compressed with a method zipfile cannot read (Deflate64), is named
too: it was "unexpected RuntimeError" / "unexpected NotImplementedError".
"""

from __future__ import annotations

import csv
import errno
import json
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from caseload.cli import main
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.store.tables import METADATA
from tests.min_export import edit
from tests.paths import MIN_DATA

# --- 1. damaged zip members -------------------------------------------------------------------


def _zip(target: Path, method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    """MIN_DATA zipped at ``target``; its bytes, to damage."""
    with zipfile.ZipFile(target, "w", method) as zf:
        for f in sorted(MIN_DATA.iterdir()):
            zf.write(f, f.name)
    return bytearray(target.read_bytes())


def _local(target: Path, name: str) -> tuple[int, int, int]:
    """A member's local header offset, where its data starts, and its compressed size."""
    with zipfile.ZipFile(target) as zf:
        info = zf.getinfo(name)
    data = target.read_bytes()
    off = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[off + 26 : off + 30])
    return off, off + 30 + name_len + extra_len, info.compress_size


def _central(data: bytearray, name: str) -> int:
    """The offset of a member's central directory entry."""
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        (name_len,) = struct.unpack("<H", data[at + 28 : at + 30])
        if bytes(data[at + 46 : at + 46 + name_len]) == name.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 1)
    raise AssertionError(name)


def _flip_deflated(target: Path) -> None:
    """Four bytes in the middle of users.csv's deflated data inverted (zlib error or CRC)."""
    data = _zip(target)
    _, start, size = _local(target, "users.csv")
    for i in range(start + size // 2, start + size // 2 + 4):
        data[i] ^= 0xFF
    target.write_bytes(data)


def _flip_stored(target: Path) -> None:
    """One bit of users.csv's (stored, uncompressed) data flipped: "Bad CRC-32"."""
    data = _zip(target, zipfile.ZIP_STORED)
    _, start, _ = _local(target, "users.csv")
    data[start + 100] ^= 0x01
    target.write_bytes(data)


def _wrong_crc(target: Path) -> None:
    """users.csv's CRC in the central directory changed: "Bad CRC-32" at its end."""
    data = _zip(target)
    at = _central(data, "users.csv")
    data[at + 16 : at + 20] = bytes(b ^ 0xFF for b in data[at + 16 : at + 20])
    target.write_bytes(data)


def _member_cut_short(target: Path) -> None:
    """users.csv's compressed size halved in the central directory: its data ends early."""
    data = _zip(target)
    _, _, size = _local(target, "users.csv")
    at = _central(data, "users.csv")
    data[at + 20 : at + 24] = struct.pack("<I", size // 2)
    target.write_bytes(data)


def _bad_local_header(target: Path) -> None:
    """users.csv's local header signature damaged: zipfile refuses to open the member."""
    data = _zip(target)
    off, _, _ = _local(target, "users.csv")
    data[off : off + 4] = b"PK\x00\x00"
    target.write_bytes(data)


DAMAGED_MEMBER: dict[str, Callable[[Path], None]] = {
    "deflated-bytes-flipped": _flip_deflated,
    "stored-bit-flipped": _flip_stored,
    "crc-mismatch": _wrong_crc,
    "member-cut-short": _member_cut_short,
    "local-header-damaged": _bad_local_header,
}


def _archive_cut_short(target: Path) -> None:
    """The file cut in half (a download that stopped): its central directory is gone."""
    data = _zip(target)
    target.write_bytes(data[: len(data) // 2])


def _bad_central_directory(target: Path) -> None:
    """The central directory's first entry damaged (the end record still found)."""
    data = _zip(target)
    at = data.find(b"PK\x01\x02")
    data[at : at + 4] = b"PK\x00\x00"
    target.write_bytes(data)


DAMAGED_ARCHIVE: dict[str, Callable[[Path], None]] = {
    "archive-cut-short": _archive_cut_short,
    "central-directory-damaged": _bad_central_directory,
}

MEMBER_MESSAGE = "export.zip:users.csv: the zip member is damaged ("
ARCHIVE_MESSAGE = "export.zip: the zip archive is damaged"


@pytest.mark.parametrize("skip_invalid", [False, True])
@pytest.mark.parametrize("damage", sorted(DAMAGED_MEMBER))
def test_a_damaged_member_is_refused_naming_archive_and_member(
    tmp_path: Path, damage: str, skip_invalid: bool
) -> None:
    archive = tmp_path / "export.zip"
    DAMAGED_MEMBER[damage](archive)
    with pytest.raises(SourceError) as info:
        read_path(archive, skip_invalid=skip_invalid)
    message = str(info.value)
    assert message.startswith(MEMBER_MESSAGE), message
    assert "download or copy it again" in message, message


@pytest.mark.parametrize("damage", sorted(DAMAGED_ARCHIVE))
def test_a_damaged_archive_is_refused_naming_it(tmp_path: Path, damage: str) -> None:
    archive = tmp_path / "export.zip"
    DAMAGED_ARCHIVE[damage](archive)
    with pytest.raises(SourceError) as info:
        read_path(archive, skip_invalid=True)
    message = str(info.value)
    assert message.startswith(ARCHIVE_MESSAGE), message


def test_an_intact_zip_still_imports(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    _zip(archive)
    assert len(read_path(archive).users) == 5
    _zip(archive, zipfile.ZIP_STORED)
    assert len(read_path(archive).users) == 5


def _snapshot(db: Path) -> dict[str, list[tuple[str, ...]]]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return {
                name: sorted(tuple(map(str, r)) for r in conn.execute(select(table)))
                for name, table in METADATA.tables.items()
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("deflated-bytes-flipped", MEMBER_MESSAGE),
        ("crc-mismatch", MEMBER_MESSAGE),
        ("local-header-damaged", MEMBER_MESSAGE),
        ("central-directory-damaged", ARCHIVE_MESSAGE),
    ],
)
@pytest.mark.parametrize("extra", [[], ["--skip-invalid"], ["--check"]])
def test_cli_refuses_a_damaged_zip_and_keeps_the_cache(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, damage: str, expected: str, extra
) -> None:
    monkeypatch.chdir(tmp_path)  # a rejects file would land here
    assert main(["--db", str(new_cache), "import", str(MIN_DATA)]) == 0
    before = _snapshot(new_cache)
    assert before["users"], "the first import loaded nothing"
    archive = tmp_path / "export.zip"
    {**DAMAGED_MEMBER, **DAMAGED_ARCHIVE}[damage](archive)
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(archive), *extra]) == 1
    out = capsys.readouterr()
    printed = out.out + out.err
    assert expected in printed, printed
    assert "Traceback" not in printed and "unexpected" not in printed, printed
    if not extra or extra == ["--skip-invalid"]:
        assert "Nothing was imported; the cache is unchanged." in out.err
    else:  # skipping rows cannot help with a damaged zip: --check does not suggest it
        assert "REFUSED" in out.out and "--skip-invalid" not in printed, printed
    assert _snapshot(new_cache) == before
    assert not list(tmp_path.glob("caseload-rejects-*"))


# --- 2. the rejects file's row, with any line endings -----------------------------------------


def _import_skipping(db: Path, data: Path, rejects: Path) -> list[dict[str, str]]:
    assert main(["--db", str(db), "import", str(data), "--skip-invalid",
                 "--rejects", str(rejects)]) == 0
    with rejects.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rewrite(path: Path, endings: list[str]) -> None:
    """``path``'s lines (LF-ended, none inside a quoted field) ending in ``endings`` in turn."""
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and b"\r" not in lines[0]
    ends = [e.encode() for e in endings]
    path.write_bytes(b"".join(text + ends[i % len(ends)] for i, text in enumerate(lines[:-1])))


def _edit_bytes(path: Path, old: str, new: str) -> None:
    """:func:`edit` on bytes (reading text would turn each lone CR into LF)."""
    body = path.read_bytes()
    assert old.encode() in body, old
    path.write_bytes(body.replace(old.encode(), new.encode(), 1))


ENDINGS: dict[str, tuple[list[str], str]] = {
    # name: (line endings in turn, res-1's comment: a quoted field, maybe over a line break)
    "lone-cr": (["\r"], '"see me"'),
    "mixed": (["\r", "\n", "\r\n"], '"see me"'),
    "lf-quoted-lone-cr": (["\n"], '"see\rme"'),
    "lone-cr-quoted-lone-cr": (["\r"], '"see\rme\rnow"'),
    "mixed-quoted-crlf": (["\n", "\r"], '"see\r\nme"'),
    "crlf-quoted-lf": (["\r\n"], '"see\nme"'),
}


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
@pytest.mark.parametrize("case", sorted(ENDINGS))
def test_a_reference_reject_gets_its_own_row(
    tmp_path, data, new_cache, case: str, zipped: bool
) -> None:
    """res-4 names a line item that exists nowhere: the loader rejects it and the rejects file
    reads its row back from results.csv by physical line, as the reader counted it."""
    endings, comment = ENDINGS[case]
    results = data / "results.csv"
    edit(results, "res-4,active,2026-09-01T00:00:00Z,li-2,", "res-4,active,2026-09-01T00:00:00Z,"
         "li-nowhere,")
    _rewrite(results, endings)
    _edit_bytes(results, '"[bold]see me[/bold]"', comment)
    line = 5 + len(re.findall("\r\n|\r|\n", comment))  # res-4's physical line
    source = data
    if zipped:
        source = tmp_path / "export.zip"
        with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(data.iterdir()):
                zf.write(f, f.name)
    rows = [r for r in _import_skipping(new_cache, source, tmp_path / "r.csv")
            if "li-nowhere" in r["reason"]]
    assert [(r["file"], r["line"]) for r in rows] == [("results.csv", str(line))], rows
    row = json.loads(rows[0]["row"])
    assert (row["sourcedId"], row["lineItemSourcedId"]) == ("res-4", "li-nowhere"), row


def _passwords(users: Path) -> str:
    body = users.read_text(encoding="utf-8")
    body = body.replace(",09,,,,,,,sch-1,", ",09,Hunter2Secret,,,,,,sch-1,")
    return body.replace(",10,,,,,,,sch-1,", ",10,Other3Secret,,,,,,sch-1,")


def _no_secret(rejects: Path) -> str:
    text = rejects.read_text(encoding="utf-8")
    assert "Secret" not in text and "password" not in text.casefold(), text
    return text


@pytest.mark.parametrize("endings", [["\r"], ["\r\n", "\r"]], ids=["lone-cr", "mixed"])
def test_a_credential_file_reject_gets_its_row_without_the_password(
    tmp_path, data, new_cache, endings: list[str]
) -> None:
    """users.csv has a password column; stu-2 names a school that exists nowhere."""
    users = data / "users.csv"
    users.write_text(_passwords(users).replace("Hunter2Secret,,,,,,sch-1,\nstu-3",
                                               "Hunter2Secret,,,,,,sch-404,\nstu-3", 1))
    assert "sch-404" in users.read_text()
    _rewrite(users, endings)
    out = tmp_path / "r.csv"
    rows = [r for r in _import_skipping(new_cache, data, out) if r["file"] == "users.csv"]
    _no_secret(out)
    assert [r["line"] for r in rows] == ["3"], rows
    assert json.loads(rows[0]["row"])["sourcedId"] == "stu-2"


def test_an_unbalanced_quote_in_a_credential_file_never_carries_a_password(
    tmp_path, data, new_cache
) -> None:
    """stu-2's family name opens a quote that stu-3's line closes: the reader refuses line 3
    without its content. Read back with a lenient csv.reader, lines 3-4 came out as one row
    of the header's width and stu-2's password was copied under "familyName"."""
    users = data / "users.csv"
    users.write_text(_passwords(users).replace("Ben,Baker,", 'Ben,"Baker,', 1))
    out = tmp_path / "r.csv"
    rows = [r for r in _import_skipping(new_cache, data, out) if r["file"] == "users.csv"]
    _no_secret(out)
    assert [(r["line"], r["row"]) for r in rows] == [("3", "")], rows
    assert rows[0]["reason"].startswith("unbalanced quote"), rows


@pytest.mark.parametrize("endings", [["\r"], ["\n", "\r"]], ids=["lone-cr", "mixed"])
def test_a_shifted_row_of_a_credential_file_stays_without_content(
    tmp_path, data, new_cache, endings: list[str]
) -> None:
    users = data / "users.csv"
    users.write_text(_passwords(users).replace("Ben,Baker,", "Ben,Jr,Baker,", 1))
    _rewrite(users, endings)
    out = tmp_path / "r.csv"
    rows = [r for r in _import_skipping(new_cache, data, out) if r["file"] == "users.csv"]
    _no_secret(out)
    assert [(r["line"], r["row"]) for r in rows] == [("3", "")], rows
    assert "24 fields where the header has 23" in rows[0]["reason"]


# --- the line splitter's last line ------------------------------------------------------------


def test_a_lone_cr_before_a_one_character_last_line_ends_a_line(tmp_path: Path) -> None:
    """A file's last piece (no LF after it) whose only CR came second to last ("1,2\\r3") was
    taken for one line ending in CRLF: the valid row 1,2 was refused as malformed CSV."""
    from caseload.sources.csvutil import Container, CsvTable

    (tmp_path / "t.csv").write_bytes(b"a,b\n1,2\r3")
    rejects: list = []
    table = CsvTable(Container(tmp_path), "t.csv", (), rejects=rejects)
    assert [(table.line, row) for row in table.rows()] == [(2, ["1", "2"])]
    assert [(r.line, r.reason) for r in rejects] == [
        (3, "1 field where the header has 2 (a row is never padded or cut)")
    ]


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        (b"\xef\xbb\xbfa\r\nb\rc\nd", [b"a\r\n", b"b\r", b"c\n", b"d"]),
        (b"a\n1\r2", [b"a\n", b"1\r", b"2"]),
        (b"a\r\n1\r2\r", [b"a\r\n", b"1\r", b"2\r"]),
        (b"a\r\r\n\r", [b"a\r", b"\r\n", b"\r"]),
        (b"a\rb\r\n", [b"a\r", b"b\r\n"]),
    ],
)
def test_physical_lines(body: bytes, lines: list[bytes]) -> None:
    import io

    from caseload.sources.csvutil import physical_lines

    assert list(physical_lines(io.BufferedReader(io.BytesIO(body)))) == lines


# --- members caseload cannot read: encrypted, or an unsupported compression method -----------


def _set_member(target: Path, name: str, *, flag: int = 0, method: int | None = None) -> None:
    """MIN_DATA zipped, then ``name``'s general-purpose flag bits or method changed in both
    its local header and its central directory entry."""
    data = _zip(target)
    off, _, _ = _local(target, name)
    at = _central(data, name)
    for flags, kind in ((off + 6, off + 8), (at + 8, at + 10)):
        data[flags] |= flag
        if method is not None:
            data[kind : kind + 2] = struct.pack("<H", method)
    target.write_bytes(data)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"flag": 0x01}, "export.zip:users.csv: the zip member is encrypted"),
        ({"method": 9}, "export.zip:users.csv: the zip member is compressed with Deflate64"),
        ({"method": 77}, "export.zip:users.csv: the zip member is compressed with method 77"),
    ],
    ids=["encrypted", "deflate64", "unknown-method"],
)
def test_a_member_caseload_cannot_read_is_named(
    tmp_path: Path, capsys, new_cache: Path, change: dict, expected: str
) -> None:
    archive = tmp_path / "export.zip"
    _set_member(archive, "users.csv", **change)
    with pytest.raises(SourceError) as info:
        read_path(archive, skip_invalid=True)
    assert str(info.value).startswith(expected), str(info.value)
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(archive)]) == 1
    err = capsys.readouterr().err
    assert expected in err and "unexpected" not in err, err
    assert main(["--db", str(new_cache), "import", str(archive), "--check"]) == 1
    out = capsys.readouterr().out
    assert expected in out and "--skip-invalid" not in out, out  # (no rows to skip)


# --- a disk error while a member is read ------------------------------------------------------


@pytest.mark.parametrize("where", ["read", "open"])
def test_a_disk_error_reading_a_member_is_named_in_plain_words(
    tmp_path: Path, capsys, monkeypatch, new_cache: Path, where: str
) -> None:
    """An OSError with an errno (an I/O error on the disk or share the zip is on) while a
    member's data or its header was read ended in "unexpected OSError": now a plain error
    naming the archive, the member and the system's message, and nothing of the data."""
    archive = tmp_path / "export.zip"
    _zip(archive)
    if where == "read":
        real_read = zipfile.ZipExtFile.read

        def failing_read(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
            if self.name == "users.csv":
                raise OSError(errno.EIO, "Input/output error")
            return real_read(self, n)

        monkeypatch.setattr(zipfile.ZipExtFile, "read", failing_read)
    else:
        real_open = zipfile.ZipFile.open

        def failing_open(self: zipfile.ZipFile, name, *args, **kwargs):  # type: ignore[no-untyped-def]
            if getattr(name, "filename", name) == "users.csv":
                raise OSError(errno.EIO, "Input/output error", str(archive))
            return real_open(self, name, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "open", failing_open)
    expected = ("export.zip:users.csv: the zip member could not be read (Input/output "
                "error): check the disk or network share")
    for skip_invalid in (False, True):
        with pytest.raises(SourceError) as info:
            read_path(archive, skip_invalid=skip_invalid)
        assert str(info.value).startswith(expected), str(info.value)
    for extra in ([], ["--check"]):
        capsys.readouterr()
        assert main(["--db", str(new_cache), "import", str(archive), *extra]) == 1
        out = capsys.readouterr()
        printed = out.out + out.err
        assert expected in printed, printed
        assert "unexpected" not in printed and "Traceback" not in printed, printed
        assert "--skip-invalid" not in printed  # (no row to skip)
        assert "Able" not in printed and "MD001" not in printed, printed  # stu-1's row: no data
