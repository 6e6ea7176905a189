"""CSV plumbing shared by the OneRoster bulk reader and caseload's extension files.

Rows are read with :mod:`csv` (RFC 4180, UTF-8 with or without BOM, lines ending at LF, CRLF or
a lone CR) and handed out with their physical line number, so every error can name file, line
and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from caseload.sources.csvquotes import not_read, quote_opening, read_on, tail_reads
from caseload.sources.dataset import Reject, SourceError, row_refusal
from caseload.sources.zipsafe import (
    SafeZip,
    folder_in_zip,
    is_zip,
    list_folder,
    member_parts,
    misplaced,
    not_a_file,
    open_zip,
    two_named,
    two_places,
    unreadable,
)

T = TypeVar("T")

csv.field_size_limit(16 * 1024 * 1024)


class TextLines(Protocol):
    """What :meth:`Container.open` hands out: text lines, one physical line each, closable."""

    def __iter__(self) -> Iterator[str]: ...

    def close(self) -> None: ...

    def __enter__(self) -> TextLines: ...

    def __exit__(self, typ: Any, value: Any, tb: Any, /) -> None: ...


def physical_lines(raw: IO[bytes]) -> Iterator[bytes]:
    """A CSV file's physical lines, each with its line ending: lines end at LF, CRLF or a lone
    CR (as with ``newline=""``); a leading UTF-8 BOM is dropped.

    The one line splitter: :class:`CsvTable` numbers lines with it, and so does whatever reads
    a file back by line number (the rejects file's rows: ``detect.raw_rows``, via CsvTable).
    """
    first = True
    for chunk in raw:  # (a binary stream iterates in pieces ending at LF)
        if first:
            first = False
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        cr = chunk.find(b"\r")
        end = len(chunk) - 1
        if cr < 0 or cr == end or (cr == end - 1 and chunk[end] == 0x0A):  # none, or its ending
            yield chunk
        else:  # (the file's last piece has no LF: "1,2\r3" is two lines)
            yield from chunk.splitlines(True)


class _Bytes:
    """A CSV file's byte stream; :class:`CsvTable` splits and decodes it line by line.

    Decoding per physical line (UTF-8 never puts a CR or LF byte inside a character) lets a
    "not UTF-8" error name its line; a TextIOWrapper decodes 8 KB ahead and cannot.
    """

    def __init__(self, raw: IO[bytes]):
        self.raw = raw

    def __iter__(self) -> Iterator[str]:  # TextLines, for callers other than CsvTable
        for line in physical_lines(self.raw):
            yield line.decode("utf-8")

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _Bytes:
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any, /) -> None:
        self.close()


class _FolderFile(io.RawIOBase):
    """A folder's file, read unbuffered; a disk error (an OSError with an errno: an I/O error,
    a network share gone) opening or reading it is a SourceError naming the file and the
    system's words for the error (:func:`zipsafe.unreadable`), never the data read so far."""

    def __init__(self, path: Path):
        self._name = path.name
        self._path = path
        try:
            self._raw = path.open("rb", buffering=0)
        except OSError as exc:
            if exc.errno is None:
                raise
            raise unreadable(path.name, exc, "file", path) from None

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return self._raw.readinto(b)
        except OSError as exc:
            if exc.errno is None:
                raise
            raise unreadable(self._name, exc, "file", self._path) from None

    def close(self) -> None:
        if hasattr(self, "_raw"):
            self._raw.close()
        super().close()


class UnclearLayout(SourceError):
    """A folder or zip whose export files cannot be told apart (see :class:`Container`;
    an Ed-Fi zip's XML files: :mod:`caseload.sources.edfi_zip`)."""


class Container:
    """A folder or a .zip of CSV files, looked up case-insensitively by file name.

    A folder's files are read from the folder itself (not its subfolders). A zip's members
    are read at its top level or inside one folder (a zipped export folder); a CSV member
    deeper than that or outside the zip (``../users.csv``, ``/users.csv``) is refused, as is
    reading export files from two places (``users.csv`` and ``export/classes.csv``: other CSV
    files, a data dictionary, may be anywhere one folder deep), and a CSV file name that
    occurs twice (``users.csv`` and
    ``other/users.csv``, or ``users.csv`` and ``USERS.CSV``): which one is the export's
    cannot be known. macOS's ``__MACOSX/`` and ``._*`` members (Finder metadata) are skipped.
    """

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._safe: SafeZip | None = None
        self._names: dict[str, str] = {}
        # entries named like a CSV file that are none (a folder, a named pipe): refused when
        # the file is looked for (:meth:`has`), never passed over as missing
        self._not_files: dict[str, str] = {}
        self._folder_of: dict[str, str] = {}  # a zip member -> its folder ("": the top)
        self._opened: tuple[str, str] | None = None  # the first file read: folder, member
        if path.is_dir():
            for p in list_folder(path):  # (a disk error: SourceError naming the folder)
                if p.is_file():
                    self._add(p.name, p.name)
                elif p.name.casefold().endswith(".csv") and (why := not_a_file(p)):
                    self._not_files[p.name.casefold()] = why
        elif is_zip(path):  # (a disk error reading it: SourceError, not "not a .zip")
            self._zip = open_zip(path)  # a damaged directory: SourceError naming the zip
            try:
                self._safe = SafeZip(self._zip, path.name)  # zip bombs refused before reading
                for info in self._zip.infolist():
                    self._member(info)
            except SourceError:
                self._zip.close()
                raise
        else:
            raise SourceError(str(path), None, None, "not a folder or a .zip file")

    def _member(self, info: zipfile.ZipInfo) -> None:
        if folder := folder_in_zip(info, ".csv"):
            self._not_files[folder[0].casefold()] = folder[1]
        parts = member_parts(info)
        if parts is None:
            return
        name = parts[-1]
        if name.casefold().endswith(".csv") and (
            reason := misplaced(parts, info.filename, "CSV")
        ):
            raise UnclearLayout(self.path.name, None, None, reason)
        self._add(name, info.filename)
        self._folder_of[info.filename] = parts[0] if len(parts) == 2 else ""

    def _add(self, name: str, real: str) -> None:
        other = self._names.setdefault(name.casefold(), real)
        if other != real and name.casefold().endswith(".csv"):
            raise UnclearLayout(
                self.path.name if self._zip is not None else str(self.path), None, None,
                two_named(name, other, real),
            )

    def has(self, name: str) -> bool:
        """Whether the export holds the file ``name`` (any case); UnclearLayout when an entry
        of that name is no file (a folder, a named pipe: :func:`zipsafe.not_a_file`)."""
        why = self._not_files.get(name.casefold())
        if why is not None:
            raise UnclearLayout(self.path.name if self._zip is not None else str(self.path),
                                None, None, why)
        return name.casefold() in self._names

    def open(self, name: str) -> TextLines:
        real = self._names[name.casefold()]
        if self._zip is not None:  # the files read are one export: all in one place
            folder = self._folder_of.get(real, "")
            if self._opened is None:
                self._opened = (folder, real)
            elif self._opened[0] != folder:
                raise UnclearLayout(
                    self.path.name, None, None, two_places("CSV", self._opened[1], real)
                )
        # zip members go through SafeZip's guard (stops at the declared size: zip bombs), a
        # folder's files through _FolderFile's (a disk error is a SourceError naming the file)
        raw: IO[bytes] = (
            self._safe.open(real) if self._safe is not None
            else io.BufferedReader(_FolderFile(self.path / real), 1 << 16)
        )
        return _Bytes(raw)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Header columns whose values never leave the reader (not in a reject's raw row).
SECRET_COLUMNS = frozenset({"password", "passwd", "pwd", "pin", "secret", "token"})


def secret_header(header: Sequence[str]) -> bool:
    """Whether a file's header has a column whose values never leave the reader: then none
    of a malformed row's fields can be trusted to be safe (they may be shifted)."""
    return any(h.strip().casefold() in SECRET_COLUMNS for h in header)


_LATER_BOM = "a byte order mark (U+FEFF) at the start of the line: two files joined?"


class CsvTable:
    """One CSV file: header handling, aliases, required columns and typed cell access.

    ``aliases`` maps a column's name to its other spellings (OneRoster 1.0/1.1 and REST
    names): any one of them is read as the column, and a header with two of them is refused,
    as is a column given twice. ``fallbacks`` maps a column's name to columns of their own
    that stand in for it only in a file without any spelling of it (OneRoster 1.2's
    lineItems.csv has both gradingPeriodSourcedId and academicSessionSourcedId).

    Parsing is strict: a row must have exactly as many fields as the header (never padded,
    never cut), a quote must be balanced, every line must be UTF-8 and none but the first may
    start with a byte order mark (two files joined). Each error names the physical line of
    the file (a quoted field holding a line break counts its lines): the line a row starts
    on, the line that cannot be read, or for a quote that never closes the line where it
    opens. With ``rejects`` given (``--skip-invalid``), a malformed record is rejected there
    and reading goes on after it; otherwise the first one raises :class:`SourceError`,
    marked ``skippable`` (``import --check`` then suggests ``--skip-invalid``) when the table
    is made ``skippable``: by a reader that gives it ``rejects`` under ``--skip-invalid``.

    A record that runs over several lines (a quoted field holding line breaks) and comes out
    malformed (the row breaks, or has the wrong width) has one of two stories, and its last
    line tells them apart (:func:`tail_reads`). If that line, read on its own, is a row of
    the header's width, the quote that opened the field is stray and closed by the quote of a
    later row's field: the line it opens on is rejected and reading goes on at the next line,
    so the rows it swallowed are read as what they are (as after a quote that never closes).
    Otherwise the field really holds those line breaks and the row is broken at its end: the
    record is rejected whole, its later lines named as not read (never read as rows of their
    own: a comment's line would become a made-up row). Every physical line is thus read as
    part of a row or named in a reject. Without ``rejects`` such a record is refused at the
    line it starts on.
    """

    def __init__(
        self,
        container: Container,
        name: str,
        required: tuple[str, ...],
        aliases: dict[str, tuple[str, ...]] | None = None,
        *,
        fallbacks: dict[str, tuple[str, ...]] | None = None,
        rejects: list[Reject] | None = None,
        context: str = "",
        skippable: bool = False,
    ):
        self.name = name
        self.rejects: list[Reject] | None = None  # a bad header is never skipped
        self._skippable = False  # (the header's errors never are)
        self.header: list[str] = []
        self.context = context  # appended to a missing-column message ("read as OneRoster 1.0")
        # the id column's index, set by a reader: a row of the wrong width is rejected with the
        # value in that place as its ``Reject.key`` (a later row that names it is told so)
        self.key_column: int | None = None
        self._fh = container.open(name)
        self._buf: list[str] = []  # the physical lines of the record being read
        self._rec_start = 1  # the physical line it starts on
        # Lines read that cannot be taken as they are (not UTF-8, a byte order mark at their
        # start), line -> why, until their record is rejected (--skip-invalid only: otherwise
        # the first one is refused as it is read).
        self._unread: dict[int, str] = {}
        self._gen = (
            self._feed_bytes(self._fh.raw)
            if isinstance(self._fh, _Bytes)
            else self._feed_text(iter(self._fh))
        )
        self._reader = csv.reader(self._gen, strict=True)
        self.line = 1
        try:
            header = self._record()
        except SourceError:
            self._fh.close()
            raise
        if header is None:
            self._fh.close()
            raise SourceError(name, 1, None, "the file is empty (no header row)")
        self.header = [h.strip() for h in header]
        index: dict[str, int] = {}
        for i, h in enumerate(self.header):
            first = index.setdefault(h.casefold(), i)
            if first != i and h:  # unnamed columns are never read
                self._fh.close()
                spelled = (
                    "" if self.header[first] == h else f", as {self.header[first]!r} and {h!r}"
                )
                raise SourceError(
                    name, self.line, h,
                    f"column {h!r} given twice (columns {first + 1} and {i + 1}{spelled}): "
                    "which one to read is not clear",
                )
        self.columns: dict[str, int] = {}
        for canonical, alts in (aliases or {}).items():
            found = self._one_of((canonical, *alts), index)
            if found is not None:
                self.columns[canonical] = found
        for canonical, others in (fallbacks or {}).items():
            if canonical not in self.columns:
                found = self._one_of(others, index)
                if found is not None:
                    self.columns[canonical] = found
        for h, i in index.items():
            self.columns.setdefault(h, i)
        # canonical names are looked up case-insensitively too
        self._lookup = {k.casefold(): v for k, v in self.columns.items()}
        missing = [c for c in required if c.casefold() not in self._lookup]
        if missing:
            self._fh.close()
            names = ", ".join(repr(m) for m in missing)
            raise SourceError(
                name,
                self.line,
                missing[0],
                f"missing required column{'s' if len(missing) > 1 else ''} {names}{context}",
            )
        self.width = len(header)
        self.rejects = rejects
        self._skippable = skippable

    def _one_of(self, spellings: tuple[str, ...], index: dict[str, int]) -> int | None:
        """The column of the header spelt one of ``spellings``; refuses a header with two."""
        found = sorted(index[s.casefold()] for s in spellings if s.casefold() in index)
        if len(found) > 1:
            self._fh.close()
            first, second = self.header[found[0]], self.header[found[1]]
            raise SourceError(
                self.name, self.line, second,
                f"columns {first!r} and {second!r} are the same column spelt two ways: which "
                "one to read is not clear",
            )
        return found[0] if found else None

    # --- physical lines and records -------------------------------------------------------

    def _feed_bytes(self, raw: IO[bytes]) -> Iterator[str]:
        """The text of each physical line, for csv.reader; keeps the record's lines in _buf.

        Lines are :func:`physical_lines` (LF, CRLF or a lone CR; a BOM at the start of the
        file dropped). A line that is not UTF-8, or that starts with a BOM further down (two
        files joined: it would be kept in the first field), is refused (:meth:`_unreadable`);
        with ``--skip-invalid`` it is handed on (decoded with U+FFFD for bad bytes, so the
        reader still sees its quotes and commas: a quote opening or closing on it is followed)
        and the record it is in is rejected, never read (:meth:`_reject_unread`).
        """
        buf = self._buf
        for number, piece in enumerate(physical_lines(raw), 1):
            try:
                text = piece.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 text ({exc.reason} at byte {exc.start + 1} of the line)"
                self._unreadable(number, reason)
                text = piece.decode("utf-8", errors="replace")
            if text.startswith("\ufeff") and number > 1:
                self._unreadable(number, _LATER_BOM)
            if not buf:
                self._rec_start = number
            buf.append(text)
            yield text

    def _feed_text(self, lines: Iterator[str]) -> Iterator[str]:
        """As :meth:`_feed_bytes`, for lines already decoded (the first one's BOM dropped)."""
        buf = self._buf
        for number, text in enumerate(lines, 1):
            if text.startswith("\ufeff") and number > 1:
                self._unreadable(number, _LATER_BOM)
            if not buf:
                self._rec_start = number
            buf.append(text)
            yield text

    def _unreadable(self, number: int, reason: str) -> None:
        """Line ``number`` cannot be taken as it is: refused, or (``--skip-invalid``) kept in
        ``_unread`` so that the record it is in is rejected."""
        if self.rejects is None:  # the header, or no --skip-invalid
            self._fh.close()
            raise self._refusal(SourceError(self.name, number, None, reason)) from None
        self._unread.setdefault(number, reason)

    def _replay(self, lines: list[tuple[int, str]]) -> Iterator[str]:
        buf = self._buf
        for number, text in lines:
            if not buf:
                self._rec_start = number
            buf.append(text)
            yield text

    def _restart_after(self, line: int) -> None:
        """Read on from the physical line after ``line`` (lines of the bad record pushed back)."""
        keep = [
            (self._rec_start + i, text)
            for i, text in enumerate(self._buf)
            if self._rec_start + i > line
        ]
        self._buf.clear()
        self._reader = csv.reader(itertools.chain(self._replay(keep), self._gen), strict=True)

    def _record(self) -> list[str] | None:
        """The next non-blank record, checked for quoting (not for width); None at the end."""
        while True:
            self._buf.clear()
            try:
                row = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                self._malformed(exc)
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            self.line = self._rec_start
            return row

    def _malformed(self, exc: csv.Error) -> None:
        first, last = self._rec_start, self._rec_start + max(len(self._buf), 1) - 1
        opening = quote_opening(self._buf, first)
        if opening is not None and "end of data" in str(exc):
            # Nothing closed the quote: it is stray (or a closing one is lost). Read on after
            # the line it opens on: the lines after it were never inside a closed field.
            line = resume = opening
            reason = "unbalanced quote: the quoted field that opens on this line never closes"
        elif opening is not None and last > opening:
            # A quote further down closed the field and the row broke after it. The quote is
            # stray (the lines in between are rows) unless the last line, read as rows of its
            # own, comes out as no row: then it is the end of a field that holds line breaks,
            # and the lines inside it are never read as rows (a comment's lines would make one
            # up). Refused as one record either way without --skip-invalid.
            tail = self._tail(opening)
            line, resume = (opening, opening) if tail is not False else (first, last)
            if tail is not False:
                reason = (
                    f"unbalanced quote: the quoted field that opens on this line runs on to line "
                    f"{last} and the row breaks there ({exc}); {read_on(opening + 1, last)}"
                )
            else:
                reason = (
                    f"unbalanced quote: the quoted field that opens on line {opening} runs on "
                    f"to line {last} and the row breaks there ({exc}); "
                    f"{not_read(first + 1, last)}{self._not_a_row(tail, last)}"
                )
        else:
            line = resume = last
            reason = f"malformed CSV ({exc})"
        self._reject_and_resume(line, resume, reason)

    def _tail(self, opening: int) -> bool | None:
        """--skip-invalid: :func:`tail_reads` for the lines of the record after ``opening``;
        otherwise False (the record is refused as it is: no guess made)."""
        if self.rejects is None:
            return False
        return tail_reads(self._buf[opening - self._rec_start + 1 :], self.width)

    def _not_a_row(self, tail: bool | None, last: int) -> str:
        """Why the lines of a record were not read as rows (--skip-invalid only)."""
        if self.rejects is None or tail is not False:
            return ""
        return (
            f" (line {last} on its own reads as no row of {self.width} fields either, so the "
            "quoted field is taken to hold those line breaks)"
        )

    def _stray_quote(self, row: list[str]) -> bool:
        """--skip-invalid, a record over several lines that came out the wrong width: when its
        last line reads as a row of its own (:func:`tail_reads`), the quote that opened the
        field running over the line breaks is stray: the line it opens on is rejected and
        reading goes on at the next line. Whether so."""
        first = self._rec_start
        opening = quote_opening(self._buf[:-1], first)
        if opening is None or self._tail(opening) is False:
            return False
        last = first + len(self._buf) - 1
        fields = f"{len(row)} field{'s' if len(row) != 1 else ''}"
        self._reject_and_resume(opening, opening, (
            f"unbalanced quote: the quoted field that opens on this line runs on to line {last} "
            f"and the row comes out with {fields} where the header has {self.width} (a row is "
            f"never padded or cut); {read_on(opening + 1, last)}"
        ))
        return True

    def _reject_and_resume(self, line: int, resume: int, reason: str) -> None:
        """Rejects (or refuses) the record just read at ``line`` and reads on after ``resume``."""
        first = self._rec_start
        if first < line:
            reason += f" (the record it is in starts on line {first})"
        unread = self._unread_upto(resume)
        for number in unread:
            reason += f"; also, line {number}: {self._unread.pop(number)}"
        self._refuse(line, reason, None if line in unread else self._line_raw(line))
        self._restart_after(resume)

    def _unread_upto(self, last: int) -> list[int]:
        """The unreadable lines up to ``last`` (those of the record just read), in order."""
        return sorted(n for n in self._unread if n <= last)

    def _reject_unread(self) -> bool:
        """Rejects the record just read if one of its lines could not be read; whether so."""
        first = self._rec_start
        last = first + len(self._buf) - 1
        unread = self._unread_upto(last)
        if not unread:
            return False
        reason = self._unread[unread[0]]
        for number in unread:
            del self._unread[number]
        if last > first:
            reason += f"; the record it is in, lines {first}-{last}, is not read"
        self._refuse(unread[0], reason, None)
        return True

    def _refuse(self, line: int, reason: str, raw: dict[str, str] | None,
                key: str | None = None) -> None:
        err = SourceError(self.name, line, None, reason)
        if self.rejects is None:
            self._fh.close()
            raise self._refusal(err)
        self.rejects.append(Reject.from_error(err, raw, key))

    def _refusal(self, err: SourceError) -> SourceError:
        """``err`` as raised without ``rejects``: a row's, which ``--skip-invalid`` would
        reject, when the table was made ``skippable`` (never the header's)."""
        return row_refusal(err) if self._skippable else err

    def _secret_header(self) -> bool:
        return not self.header or secret_header(self.header)

    def _line_raw(self, line: int) -> dict[str, str] | None:
        """The physical line as read (first 500 characters), unless the file carries secrets."""
        offset = line - self._rec_start
        if self._secret_header() or not 0 <= offset < len(self._buf):
            return None
        return {"line": self._buf[offset].rstrip("\r\n")[:500]}

    def _raw(self, row: list[str]) -> dict[str, str] | None:
        """A malformed row for the rejects file, or None when the file carries secrets."""
        if self._secret_header():
            return None  # fields may be shifted: no column of it can be trusted to be safe
        raw = dict(zip(self.header, row, strict=False))
        if len(row) > len(self.header):
            raw["(extra fields)"] = ",".join(row[len(self.header) :])
        return raw

    def close(self) -> None:
        self._fh.close()

    @property
    def last_line(self) -> int:
        """The physical line the record read last ends on (``line`` is where it starts)."""
        return self._rec_start + max(len(self._buf), 1) - 1

    def index(self, column: str) -> int | None:
        return self._lookup.get(column.casefold())

    def rows(self) -> Iterator[list[str]]:
        width = self.width
        buf = self._buf
        unread = self._unread
        try:
            while True:
                buf.clear()
                try:
                    row = next(self._reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    self._malformed(exc)
                    continue
                if len(row) != width and len(buf) > 1 and self._stray_quote(row):
                    continue
                if unread and self._reject_unread():
                    continue
                if len(row) == width:
                    self.line = self._rec_start
                    yield row
                    continue
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                self.line = first = self._rec_start
                reason = (
                    f"{len(row)} field{'s' if len(row) != 1 else ''} where the header has "
                    f"{width} (a row is never padded or cut)"
                )
                if len(buf) > 1:
                    # A quoted field ran over a line break and the row came out the wrong
                    # width. The quote may be stray and have swallowed the rows after it, or
                    # the field may really hold those lines (a comment). Under --skip-invalid
                    # _stray_quote took it as stray when the last line reads as a row; here it
                    # did not, so the record is rejected whole and its lines are never read
                    # again as rows (a comment's line would be stored as a row made up).
                    last = first + len(buf) - 1
                    opening = quote_opening(buf[:-1], first)
                    reason += f", in a record that runs on to line {last}: " + (
                        f"the quoted field that opens on line {opening} holds a line break, "
                        "and if that quote is stray it swallowed the lines after it; "
                        if opening is not None else ""
                    ) + not_read(first + 1, last) + self._not_a_row(
                        None if opening is None else False, last
                    )
                key = self.key_column
                self._refuse(first, reason, self._raw(row),
                             row[key].strip() if key is not None and key < len(row) else None)
        finally:
            self._fh.close()

    # --- typed access -------------------------------------------------------------------

    def error(self, field: str | None, reason: str) -> SourceError:
        return SourceError(self.name, self.line, field, reason)

    def text(self, row: list[str], column: str, *, required: bool = False) -> str | None:
        i = self._lookup.get(column.casefold())
        value = row[i].strip() if i is not None else ""
        if not value:
            if required:
                raise self.error(column, "is required but empty")
            return None
        return value

    def req(self, row: list[str], column: str) -> str:
        value = self.text(row, column, required=True)
        assert value is not None
        return value

    def date(self, row: list[str], column: str, *, required: bool = False) -> dt.date | None:
        value = self.text(row, column, required=required)
        if value is None:
            return None
        return parse_date(value, lambda reason: self.error(column, reason))

    def number(
        self, row: list[str], column: str, *, required: bool = False, minimum: float | None = None
    ) -> float | None:
        value = self.text(row, column, required=required)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.error(column, f"{value!r} is not a number") from None
        if not plain_number(value):
            raise self.error(column, f"{value!r} is not a number (ASCII digits 0-9, no '_')")
        if not math.isfinite(number):
            raise self.error(column, f"{value!r} is not a finite number")
        if minimum is not None and number < minimum:
            raise self.error(column, f"{value!r} is below {minimum:g}")
        return number

    def boolean(self, row: list[str], column: str, default: bool = False) -> bool:
        value = self.text(row, column)
        if value is None:
            return default
        low = value.casefold()
        if low in ("true", "t", "yes", "y", "1"):
            return True
        if low in ("false", "f", "no", "n", "0"):
            return False
        raise self.error(column, f"{value!r} is not true or false")

    def choice(self, row: list[str], column: str, parse: Callable[[str], T]) -> T:
        value = self.req(row, column)
        try:
            return parse(value)
        except ValueError as exc:
            raise self.error(column, str(exc)) from None


def plain_number(text: str) -> bool:
    """Whether ``text``, which ``float()`` accepted, is a plain decimal number: an optional
    sign, ASCII digits, an optional fraction and exponent (around it, spaces). ``float()`` also
    takes ``1_0`` and full-width or Arabic-Indic digits, which no export means as numbers;
    ``inf`` and ``nan`` pass here and are refused as not finite by the callers."""
    return text.isascii() and "_" not in text


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(text: str) -> bool:
    """Whether ``text`` has the shape ``YYYY-MM-DD`` (Python's ``fromisoformat`` also takes
    ``20260915`` and week dates like ``2026-W38-3``, which the formats do not allow).

    The shape only: ``2026-02-30`` passes. Every caller parses the text afterwards and treats
    a ValueError as "not a date"; :func:`real_day` does both.
    """
    return _DAY.fullmatch(text) is not None


def real_day(text: str) -> dt.date | None:
    """The date ``text`` writes as ``YYYY-MM-DD``, or None (another shape, or no such day)."""
    if not iso_day(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def no_real_day(text: str) -> str | None:
    """Why ``text``, starting with a day in the shape ``YYYY-MM-DD``, names no real day, in
    the words the CLI and the app say it (``2026-09-31 is not a real date: September has 30
    days``: :func:`caseload.domain.notes.impossible_date`); None for a real day or another
    shape."""
    from caseload.domain.notes import impossible_date

    return impossible_date(text[:10]) if iso_day(text[:10]) else None


def parse_date(value: str, error: Callable[[str], Exception]) -> dt.date:
    """A ``YYYY-MM-DD`` date, or the date part of an ISO date-time (``YYYY-MM-DDT...``)."""
    text = value.strip()
    if not iso_day(text[:10]) or (len(text) > 10 and text[10] not in "T "):
        raise error(f"{value!r} is not a date (expected YYYY-MM-DD)")
    try:
        if len(text) > 10 and text[10] in "T ":
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return dt.date.fromisoformat(text)
    except ValueError:
        why = no_real_day(text)  # the shape, and no such day: say what is wrong with it
        raise error(why or f"{value!r} is not a date (expected YYYY-MM-DD)") from None
