"""Ed-Fi interchange XML files read from a .zip: a zipped export folder, as districts and
vendors send them.

The zip is read in place, never unpacked to disk (student data): each ``*.xml`` member is
parsed from a guarded stream (:class:`caseload.sources.zipsafe.SafeZip`: a zip bomb, an
encrypted or damaged member is refused, naming it). The members read follow the rules of a
OneRoster zip (:class:`caseload.sources.csvutil.Container`): the XML files at the zip's top
level or all inside one folder; a member outside the zip (``../x.xml``, ``/x.xml``), deeper
than one folder, in a second place, or a file name that occurs twice (in any case) is
refused: which files are the export's cannot be known. macOS's ``__MACOSX/`` and ``._*``
members are skipped, as are members that are not ``.xml``. Errors, rejects and origins name
a member by its file name (``Student.xml``), as a folder's files are named.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

from caseload.sources.csvutil import UnclearLayout
from caseload.sources.zipsafe import (
    SafeZip,
    folder_in_zip,
    member_parts,
    misplaced,
    open_zip,
    two_named,
    two_places,
)


class ZipXmlFile:
    """A zip member as the Ed-Fi XML reader reads a file: its ``name`` (the file name, no
    folder), ``suffix`` and ``open("rb")`` (a guarded stream)."""

    def __init__(self, safe: SafeZip, member: str, name: str) -> None:
        self._safe = safe
        self.member = member
        self.name = name
        self.suffix = Path(name).suffix

    def open(self, mode: Literal["rb"] = "rb") -> IO[bytes]:
        return self._safe.open(self.member)

    def is_file(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"ZipXmlFile({self.member!r})"


def _xml_members(zf: zipfile.ZipFile, archive: str) -> list[tuple[str, str]]:
    """The zip's XML members as (file name, member), by file name, checked to be one export
    in one place (UnclearLayout naming the archive, as a OneRoster zip's CSV files are)."""
    found: dict[str, tuple[str, str]] = {}  # file name, casefolded -> (file name, member)
    place: tuple[str, str] | None = None  # (folder, a member in it)
    for info in zf.infolist():
        if refused := folder_in_zip(info, ".xml"):
            raise UnclearLayout(archive, None, None, refused[1])
        parts = member_parts(info)
        if parts is None or not parts[-1].casefold().endswith(".xml"):
            continue
        if reason := misplaced(parts, info.filename, "XML"):
            raise UnclearLayout(archive, None, None, reason)
        folder = parts[0] if len(parts) == 2 else ""
        if place is None:
            place = (folder, info.filename)
        elif place[0] != folder:
            raise UnclearLayout(archive, None, None, two_places("XML", place[1], info.filename))
        other = found.setdefault(parts[-1].casefold(), (parts[-1], info.filename))[1]
        if other != info.filename:
            raise UnclearLayout(archive, None, None,
                                two_named(parts[-1], other, info.filename))
    return sorted(found.values())


@contextmanager
def xml_zip(path: Path) -> Iterator[list[ZipXmlFile]]:
    """The XML members of the zip at ``path``, by file name, open for reading until the
    block ends (none: a zip with no XML file). SourceError for a damaged zip, a zip bomb or
    an unclear layout."""
    zf = open_zip(path)
    try:
        safe = SafeZip(zf, path.name)  # zip bombs refused before any member is read
        yield [ZipXmlFile(safe, member, name) for name, member in _xml_members(zf, path.name)]
    finally:
        zf.close()


__all__ = ["ZipXmlFile", "xml_zip"]
