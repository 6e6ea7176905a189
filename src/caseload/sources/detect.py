"""Which reader a path needs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from caseload.sources.dataset import Dataset, SourceError


def read_path(path: Path, *, skip_invalid: bool = False) -> Dataset:
    """Read a OneRoster CSV folder/.zip (with manifest.csv) or a folder/.zip of Ed-Fi XML."""
    from caseload.sources import oneroster_csv

    if not path.exists():
        raise SourceError(str(path), None, None, "no such file or folder")
    from caseload.sources.zipsafe import is_zip, list_folder

    if path.is_dir():  # a disk error listing it: named, not "not a recognized export"
        list_folder(path)
    if path.is_file() and is_zip(path):  # (a disk error reading it: SourceError, not "no zip")
        from caseload.sources.zipsafe import check_archive, open_zip

        with open_zip(path) as zf:  # zip bombs are refused before any member is read
            check_archive(zf, path.name)
    elif path.is_file():
        from caseload.sources.zipsafe import ADVICE, cut_short

        if cut_short(path):  # not "not a recognized export": say what is wrong with it
            raise SourceError(
                path.name, None, None,
                f"the zip archive is damaged (its end, which lists its files, is missing): "
                f"{ADVICE}",
            )
        if path.suffix.casefold() == ".zip":  # named a zip, and none: say so, not "no export"
            raise SourceError(
                path.name, None, None,
                "not a zip archive, although its name ends in .zip (no zip starts so); "
                "download or copy it again, or check that it is the right file",
            )
    if oneroster_csv.is_oneroster(path):
        return oneroster_csv.read_oneroster(path, skip_invalid=skip_invalid)
    from caseload.sources import edfi_xml

    if path.is_dir() and edfi_xml.is_edfi_folder(path):
        return edfi_xml.read_edfi_folder(path, skip_invalid=skip_invalid)
    if path.is_file() and edfi_xml.is_edfi_zip(path):
        return edfi_xml.read_edfi_zip(path, skip_invalid=skip_invalid)
    raise SourceError(
        str(path), None, None,
        "not a recognized export: expected a OneRoster folder or .zip with manifest.csv, "
        "or a folder or .zip of Ed-Fi Interchange XML files",
    )


_TAG = re.compile(r"<\s*(?:[\w.-]+:)?([\w.-]+)")


def raw_rows(path: Path, wanted: dict[str, set[int]]) -> dict[tuple[str, int], dict[str, str]]:
    """Read back rows of an export by file name and line, for the rejects file.

    CSV (a OneRoster folder or .zip): the row as ``{column: value}``, matched on the physical
    line where the record starts or ends, read by :class:`csvutil.CsvTable` as the import read
    it: lines counted alike (LF, CRLF or a lone CR: ``csvutil.physical_lines``), quotes parsed
    as strictly, and only a well-formed row (the header's width) handed back. A malformed row
    never is: the reader attached its own, or none when the file has a credential column
    (``csvutil.secret_header``: its fields may be shifted, a password under another column's
    name). Ed-Fi XML: ``{"element": name}`` of the element that starts on that line."""
    from caseload.sources.csvutil import Container, CsvTable

    out: dict[tuple[str, int], dict[str, str]] = {}
    csv_files: dict[str, set[int]] = {}
    xml_in_zip: dict[str, set[int]] = {}
    for name, lines in wanted.items():
        file = path / name
        if not name.casefold().endswith(".xml"):
            csv_files[name] = lines
            continue
        if not path.is_dir():
            xml_in_zip[name] = lines
            continue
        if not file.is_file():
            continue
        try:
            with file.open(encoding="utf-8", errors="replace") as fh:
                _xml_elements(name, fh, lines, out)
        except OSError as exc:
            if exc.errno is None:
                raise
            from caseload.sources.zipsafe import unreadable

            raise unreadable(name, exc, "file", file) from None  # (never the lines read so far)
    if xml_in_zip:
        _xml_zip_elements(path, xml_in_zip, out)
    if not csv_files:
        return out
    with Container(path) as container:
        for name, lines in csv_files.items():
            if not container.has(name):
                continue
            try:
                table = CsvTable(container, name, (), rejects=[])  # bad rows skipped, not raised
            except SourceError:  # (not for a file the import read)
                continue
            last = max(lines)
            try:
                for row in table.rows():
                    for number in (table.line, table.last_line):
                        if number in lines:
                            out[(name, number)] = dict(zip(table.header, row, strict=True))
                    if table.last_line >= last:
                        break
            except SourceError:  # (a zip member's damage: the rows are a courtesy)
                pass
            finally:
                table.close()
    return out


def _xml_elements(name: str, lines_of: Iterable[str], lines: set[int],
                  out: dict[tuple[str, int], dict[str, str]]) -> None:
    """``{"element": name}`` of the element that starts on each of ``lines``."""
    last = max(lines)
    for number, text in enumerate(lines_of, 1):
        if number in lines and (m := _TAG.search(text)):
            out[(name, number)] = {"element": m.group(1)}
        if number >= last:
            break


def _xml_zip_elements(path: Path, wanted: dict[str, set[int]],
                      out: dict[tuple[str, int], dict[str, str]]) -> None:
    """:func:`_xml_elements` for the XML members of a zip (an Ed-Fi export read in place)."""
    import io

    from caseload.sources.edfi_zip import xml_zip

    try:
        with xml_zip(path) as members:
            for member in members:
                lines = wanted.get(member.name)
                if lines is None:
                    continue
                with member.open("rb") as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
                    _xml_elements(member.name, text, lines, out)
    except SourceError:  # (a zip member's damage: the elements are a courtesy)
        pass
