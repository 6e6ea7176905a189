"""Zip archives read safely: no zip bomb gets decompressed.

Before a member is read, every member's declared sizes are checked: a member whose
uncompressed size is more than :data:`MAX_RATIO` (100) times its compressed size, or a running
total of uncompressed sizes above the limit (default 4 GB, ``$CASELOAD_ZIP_MAX_BYTES``), refuses
the whole archive with a :class:`SourceError` naming the member, also under ``--skip-invalid``
(it is not a bad row: nothing of such an archive is trusted). Members are then streamed (never
read whole), through :class:`GuardedStream`, which stops at the declared size and at the limit,
so an archive whose headers lie cannot get past the check either.

Small members (under :data:`RATIO_FLOOR`, 1 MiB uncompressed) are exempt from the ratio rule:
a short CSV of repeated values can compress very well and is harmless.

A damaged archive (its directory unreadable: :func:`open_zip`) or member (a bad CRC, corrupt
compressed data, a damaged header: :meth:`SafeZip.open` and :class:`GuardedStream`) is refused
with a :class:`SourceError` naming the archive and the member, also under ``--skip-invalid``:
zipfile's and zlib's own exceptions never reach the caller. So is a member caseload cannot read
(encrypted, or compressed with a method zipfile does not know, such as Deflate64). A member the
disk will not give (an OSError with an errno: an I/O error, a network share gone) is refused
naming the archive, the member and the system's words for the error (:func:`unreadable`); an
archive it will not give (its list of members unreadable) names the archive (:func:`is_zip`,
:func:`open_zip`).
"""

from __future__ import annotations

import errno
import io
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO

from caseload.sources.dataset import SourceError

MAX_RATIO = 100
RATIO_FLOOR = 1 << 20
DEFAULT_MAX_BYTES = 4 * 1024**3
ENV_MAX_BYTES = "CASELOAD_ZIP_MAX_BYTES"

# What zipfile and its decompressors raise for damaged data: a bad CRC or header (BadZipFile),
# data that ends early (EOFError), corrupt deflate, LZMA or bzip2 data (zlib.error, LZMAError,
# and for bzip2 an OSError without an errno; one with an errno is the disk's, not the data's).
_DAMAGE: tuple[type[Exception], ...] = (zipfile.BadZipFile, EOFError, zlib.error)
try:
    import lzma

    _DAMAGE += (lzma.LZMAError,)
except ImportError:  # pragma: no cover - a Python built without lzma reads no LZMA members
    pass

ADVICE = "the file was corrupted or cut short; download or copy it again"

# Compression methods (APPNOTE 4.4.5) zipfile cannot read, by the name a zip tool shows.
_METHODS = {1: "Shrink", 6: "Implode", 9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd"}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "i": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
# ("b": "100B", plain bytes; "i": the regex's "iB" with no prefix, also bytes)


def parse_size(text: str) -> int:
    """``"4GB"``, ``"512 MiB"``, ``"1000000"`` -> bytes (K/M/G/T are powers of 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a size (e.g. 4GB, 512MB, 1000000)")
    unit = (m.group(2) or "").casefold()[:1]
    value = int(float(m.group(1)) * _UNITS[unit])
    if value <= 0:
        raise ValueError(f"{text!r} is not a positive size")
    return value


def max_bytes() -> int:
    """The total uncompressed size an archive may declare: ``$CASELOAD_ZIP_MAX_BYTES`` or 4 GB."""
    env = os.environ.get(ENV_MAX_BYTES)
    if not env:
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(env)
    except ValueError as exc:
        raise SourceError(f"${ENV_MAX_BYTES}", None, None, str(exc)) from None


def _is_damage(exc: Exception) -> bool:
    return isinstance(exc, _DAMAGE) or (isinstance(exc, OSError) and exc.errno is None)


def damaged(where: str, what: str, exc: Exception) -> SourceError:
    """The error for a damaged archive or member (``what``), with zipfile's words for it."""
    detail = str(exc) or type(exc).__name__
    return SourceError(where, None, None, f"the zip {what} is damaged ({detail}): {ADVICE}")


def unreadable(
    where: str, exc: OSError, what: str = "zip member", path: Path | None = None
) -> SourceError:
    """The error for a member (or ``what``: a folder's file) the disk would not give (an
    OSError with an errno, not the data's fault): its message, never the data read so far.

    Permission refused (EACCES, EPERM) is the file's permissions or owner, not the disk: said
    so, with the folder it is in (``path``, else the error's own file name) so that it can be
    found; any other error points at the disk or share."""
    why = exc.strerror or type(exc).__name__
    if exc.errno in (errno.EACCES, errno.EPERM):
        named = path if path is not None else (
            Path(os.fsdecode(exc.filename)) if exc.filename else None)
        if what == "folder":
            place = f" ({named})" if named is not None else ""
            advice = "check the folder's permissions and owner" + place
        else:
            place = f" in {named.parent}" if named is not None else ""
            advice = (f"check the permissions and owner of {where}{place}: the account running "
                      "caseload must be able to read it")
        return SourceError(where, None, None, f"the {what} could not be read ({why}): {advice}")
    return SourceError(
        where, None, None,
        f"the {what} could not be read ({why}): check the "
        "disk or network share the file is on, or copy it elsewhere and import the copy",
    )


def member_parts(info: zipfile.ZipInfo) -> list[str] | None:
    """A member's path as its parts (a backslash is a folder separator too: older Windows
    tools write one); None for a folder and for macOS's Finder metadata (``__MACOSX/``,
    ``._*``), which an export's reader skips."""
    parts = info.filename.replace("\\", "/").split("/")
    if info.is_dir() or parts[0] == "__MACOSX" or parts[-1].startswith("._") or not parts[-1]:
        return None
    return parts


def misplaced(parts: list[str], member: str, kind: str) -> str | None:
    """Why an export's ``kind`` file (CSV, XML) at ``parts`` is not read: a place outside the
    zip, or more than one folder deep; None at the zip's top level or inside one folder."""
    if parts[0] == "" or ".." in parts:
        return (f"member {member!r} names a place outside the zip: caseload reads the {kind} "
                "files at the zip's top level or inside one folder")
    if len(parts) > 2:
        return (f"member {member!r} is more than one folder deep: caseload reads the {kind} "
                "files at the zip's top level or inside one folder")
    return None


def two_places(kind: str, first: str, other: str) -> str:
    """An export's ``kind`` files found in two folders of a zip."""
    return (f"{kind} files in two places, {first!r} and {other!r}: caseload reads one export, "
            f"its {kind} files at the zip's top level or all inside one folder")


def two_named(name: str, first: str, other: str) -> str:
    """Two files of one name (in any case): which one is the export's cannot be known."""
    return (f"two files named {name!r}: {first!r} and {other!r}; which one is the export's "
            "is not clear (leave one out)")


def list_folder(folder: Path) -> list[Path]:
    """The entries of ``folder``; a disk error listing it (an OSError with an errno) is the
    plain error naming the folder (:func:`unreadable`), not "not a recognized export"."""
    try:
        return list(folder.iterdir())
    except OSError as exc:
        if exc.errno is None:
            raise
        raise unreadable(str(folder), exc, "folder", folder) from None


def not_a_file(entry: Path) -> str | None:
    """Why ``entry``, a folder's entry named like an export file (``attendance.csv``), cannot
    be read as that file: a folder, a named pipe, a link to nothing...; None for a file. Such
    an entry is refused, not passed over: it names a file of the export."""
    try:
        if entry.is_file():
            return None
        if entry.is_dir():
            what = "a folder, not a file"
        elif entry.is_symlink() and not entry.exists():
            what = "a link to nothing (its target is missing)"
        else:
            what = "not a regular file (a named pipe, a socket or a device)"
    except OSError:
        what = "not a regular file"
    return (f"{entry.name} is {what}: move it out of the export folder or put the file in "
            "its place")


def folder_in_zip(info: zipfile.ZipInfo, suffix: str) -> tuple[str, str] | None:
    """The file name a zip's folder entry takes (``attendance.csv/``, ``suffix`` ``.csv``)
    and why it is refused; None for any other entry."""
    if not info.is_dir():
        return None
    parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
    if not parts or parts[0] == "__MACOSX" or not parts[-1].casefold().endswith(suffix):
        return None
    return parts[-1], (f"member {info.filename!r} is a folder, not a file: caseload reads "
                       f"{parts[-1]} as a file of the export")


class _Watched:
    """A file for :func:`zipfile.is_zipfile` that keeps the disk error it would hide."""

    def __init__(self, fh: IO[bytes]):
        self._fh = fh
        self.error: OSError | None = None

    def read(self, n: int = -1) -> bytes:
        try:
            return self._fh.read(n)
        except OSError as exc:
            if exc.errno is not None:  # (an I/O error, not "no such position")
                self.error = exc
            raise

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a zip archive (:func:`zipfile.is_zipfile`), except that a disk error
    opening or reading it (an OSError with an errno) is a SourceError naming the file and the
    system's words for it: is_zipfile answers False, and the file was refused as no zip."""
    try:
        with path.open("rb") as fh:
            watched = _Watched(fh)
            found = zipfile.is_zipfile(watched)
    except OSError as exc:
        if exc.errno is None:
            return False
        raise unreadable(path.name, exc, "file", path) from None
    if watched.error is not None:
        raise unreadable(path.name, watched.error, "file", path)
    return found


def open_zip(path: Path) -> zipfile.ZipFile:
    """``path`` opened as a zip archive; a damaged directory (the list of members at the end)
    is a SourceError naming the archive, and so is a disk error reading it (:func:`unreadable`)."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise damaged(path.name, "archive", exc) from None
    except OSError as exc:
        if exc.errno is None:
            raise
        raise unreadable(path.name, exc, "file", path) from None


def cut_short(path: Path) -> bool:
    """Whether ``path`` (not a zip to :func:`zipfile.is_zipfile`) starts as a zip archive does:
    then its end, where the list of members is, is missing (a download that stopped)."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _gb(n: int) -> str:
    return f"{n:,} bytes ({n / 1024**3:.2f} GB)"


def check_archive(zf: zipfile.ZipFile, archive: str, limit: int | None = None) -> None:
    """Refuse ``zf`` (SourceError naming the member) if a member's declared sizes look like a
    zip bomb or all members together exceed ``limit``. Reads no member data."""
    limit = max_bytes() if limit is None else limit
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        member = f"{archive}:{info.filename}"
        size, packed = info.file_size, info.compress_size
        if size >= RATIO_FLOOR and size > MAX_RATIO * max(packed, 1):
            ratio = size / max(packed, 1)
            raise SourceError(
                member, None, None,
                f"refused: possible zip bomb (expands {ratio:,.0f}:1, from {packed:,} to "
                f"{_gb(size)}; the limit is {MAX_RATIO}:1); nothing was read",
            )
        total += size
        if total > limit:
            raise SourceError(
                member, None, None,
                f"refused: the archive expands to more than {_gb(limit)} (at this member, "
                f"{_gb(total)}; set ${ENV_MAX_BYTES} to allow more); nothing was read",
            )


class GuardedStream(io.RawIOBase):
    """A member's decompressed bytes, refused past its declared size or the archive limit."""

    def __init__(self, raw: IO[bytes], member: str, declared: int, budget: list[int]):
        self._raw = raw
        self._member = member
        self._left = declared
        self._budget = budget  # [bytes the archive may still produce], shared by members

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(len(b))
        except Exception as exc:  # a bad CRC, corrupt compressed data, data ending early
            if isinstance(exc, OSError) and not _is_damage(exc):  # the disk's: an I/O error
                raise unreadable(self._member, exc) from None
            if not _is_damage(exc):
                raise
            raise damaged(self._member, "member", exc) from None
        n = len(data)
        self._left -= n
        self._budget[0] -= n
        if self._left < 0 or self._budget[0] < 0:
            raise SourceError(
                self._member, None, None,
                "refused: the member holds more data than its header declares "
                "(possible zip bomb); nothing was imported",
            )
        b[:n] = data
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class SafeZip:
    """A checked zip archive whose members open as guarded streams."""

    def __init__(self, zf: zipfile.ZipFile, archive: str, limit: int | None = None):
        limit = max_bytes() if limit is None else limit
        check_archive(zf, archive, limit)
        self.zf = zf
        self.archive = archive
        self._budget = [limit]

    def open(self, name: str) -> io.BufferedReader:
        info = self.zf.getinfo(name)
        member = f"{self.archive}:{name}"
        if info.flag_bits & 0x1:  # (zipfile would ask for a password: a RuntimeError)
            raise SourceError(
                member, None, None,
                "the zip member is encrypted (password-protected): caseload reads unencrypted "
                "zips; unzip it yourself and import the folder, or export it without a password",
            )
        try:
            raw = self.zf.open(info)
        except NotImplementedError:
            method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
            raise SourceError(
                member, None, None,
                f"the zip member is compressed with {method}, which caseload cannot read: "
                "unzip it yourself and import the folder, or zip it again with Deflate "
                "(a zip tool's usual setting)",
            ) from None
        except Exception as exc:  # a damaged local header
            if isinstance(exc, OSError) and not _is_damage(exc):  # the disk's: an I/O error
                raise unreadable(member, exc) from None
            if not _is_damage(exc):
                raise
            raise damaged(member, "member", exc) from None
        stream = GuardedStream(raw, member, info.file_size, self._budget)
        return io.BufferedReader(stream, 1 << 16)
