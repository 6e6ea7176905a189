"""CSV plumbing shared by the OneRoster bulk reader and caseload's extension files.

Rows are read with :mod:`csv` (RFC 4180, UTF-8 with or without BOM, CRLF or LF) and handed
out with their physical line number, so every error can name file, line and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from caseload.sources.dataset import SourceError
from caseload.sources.zipsafe import SafeZip

T = TypeVar("T")

csv.field_size_limit(16 * 1024 * 1024)


class Container:
    """A folder or a .zip of CSV files, looked up case-insensitively by file name."""

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._safe: SafeZip | None = None
        self._names: dict[str, str] = {}
        if path.is_dir():
            for p in path.iterdir():
                if p.is_file():
                    self._names[p.name.casefold()] = p.name
        elif zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            try:
                self._safe = SafeZip(self._zip, path.name)  # zip bombs refused before reading
            except SourceError:
                self._zip.close()
                raise
            for info in self._zip.infolist():
                if not info.is_dir():
                    # OneRoster zips keep files at the top level; accept one folder level too.
                    self._names[info.filename.rsplit("/", 1)[-1].casefold()] = info.filename
        else:
            raise SourceError(str(path), None, None, "not a folder or a .zip file")

    def has(self, name: str) -> bool:
        return name.casefold() in self._names

    def open(self, name: str) -> IO[str]:
        real = self._names[name.casefold()]
        if self._safe is not None:
            raw = self._safe.open(real)
            return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return (self.path / real).open(encoding="utf-8-sig", newline="")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CsvTable:
    """One CSV file: header handling, aliases, required columns and typed cell access."""

    def __init__(
        self,
        container: Container,
        name: str,
        required: tuple[str, ...],
        aliases: dict[str, tuple[str, ...]] | None = None,
    ):
        self.name = name
        self._fh = container.open(name)
        self._reader = csv.reader(self._fh)
        try:
            header = next(self._reader)
        except StopIteration:
            raise SourceError(name, 1, None, "the file is empty (no header row)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise SourceError(name, 1, None, f"unreadable header: {exc}") from None
        index = {h.strip().casefold(): i for i, h in enumerate(header)}
        self.columns: dict[str, int] = {}
        aliases = aliases or {}
        for canonical, alts in aliases.items():
            for alt in (canonical, *alts):
                if alt.casefold() in index:
                    self.columns[canonical] = index[alt.casefold()]
                    break
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
                1,
                missing[0],
                f"missing required column{'s' if len(missing) > 1 else ''} {names}",
            )
        self.width = len(header)
        self.line = 1

    def index(self, column: str) -> int | None:
        return self._lookup.get(column.casefold())

    def rows(self) -> Iterator[list[str]]:
        reader = self._reader
        try:
            for row in reader:
                self.line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if len(row) < self.width:
                    row = row + [""] * (self.width - len(row))
                yield row
        except csv.Error as exc:
            raise SourceError(self.name, reader.line_num, None, f"malformed CSV: {exc}") from None
        except UnicodeDecodeError as exc:
            raise SourceError(
                self.name, reader.line_num + 1, None, f"not UTF-8 text ({exc.reason})"
            ) from None
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


def parse_date(value: str, error: Callable[[str], Exception]) -> dt.date:
    """ISO 8601 date, or the date part of an ISO date-time."""
    text = value.strip()
    try:
        if len(text) > 10 and text[10] in "T ":
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return dt.date.fromisoformat(text)
    except ValueError:
        raise error(f"{value!r} is not a date (expected YYYY-MM-DD)") from None
