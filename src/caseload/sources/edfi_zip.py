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

from caseload.sources.dataset import SourceError
from caseload.sources.zipsafe import SafeZip, is_zip, open_zip


class ZipLayout(SourceError):
    """The zip's XML files are not one export in one place."""


class ZipXmlFile:
    """A zip member as the Ed-Fi XML reader reads a file: its ``name`` (the file name, no
    folder), ``suffix`` and ``open("rb")`` (a guarded stream)."""

    def __init__(self, safe: SafeZip, member: str) -> None:
        self._safe = safe
        self.member = member
        self.name = member.replace("\\", "/").rsplit("/", 1)[-1]
        self.suffix = Path(self.name).suffix

    def open(self, mode: Literal["rb"] = "rb") -> IO[bytes]:
        return self._safe.open(self.member)

    def is_file(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"ZipXmlFile({self.member!r})"


def _xml_members(zf: zipfile.ZipFile, archive: str) -> list[str]:
    """The names of the zip's XML members, checked to be one export in one place."""
    found: dict[str, str] = {}  # file name, casefolded -> member
    place: tuple[str, str] | None = None  # (folder, a member in it)
    for info in zf.infolist():
        parts = info.filename.replace("\\", "/").split("/")
        name = parts[-1]
        if info.is_dir() or parts[0] == "__MACOSX" or name.startswith("._") or not name:
            continue
        if not name.casefold().endswith(".xml"):
            continue
        if parts[0] == "" or ".." in parts:
            raise ZipLayout(archive, None, None,
                            f"member {info.filename!r} names a place outside the zip: caseload "
                            "reads the XML files at the zip's top level or inside one folder")
        if len(parts) > 2:
            raise ZipLayout(archive, None, None,
                            f"member {info.filename!r} is more than one folder deep: caseload "
                            "reads the XML files at the zip's top level or inside one folder")
        folder = parts[0] if len(parts) == 2 else ""
        if place is None:
            place = (folder, info.filename)
        elif place[0] != folder:
            raise ZipLayout(archive, None, None,
                            f"XML files in two places, {place[1]!r} and {info.filename!r}: "
                            "caseload reads one export, its XML files at the zip's top level or "
                            "all inside one folder")
        other = found.setdefault(name.casefold(), info.filename)
        if other != info.filename:
            raise ZipLayout(archive, None, None,
                            f"two files named {name!r}: {other!r} and {info.filename!r}; which "
                            "one is the export's is not clear (leave one out)")
    return sorted(found.values(), key=lambda m: m.replace("\\", "/").rsplit("/", 1)[-1])


@contextmanager
def xml_zip(path: Path) -> Iterator[list[ZipXmlFile]]:
    """The XML members of the zip at ``path``, by file name, open for reading until the
    block ends. SourceError for a damaged zip, a zip bomb or an unclear layout."""
    zf = open_zip(path)
    try:
        safe = SafeZip(zf, path.name)  # zip bombs refused before any member is read
        yield [ZipXmlFile(safe, m) for m in _xml_members(zf, path.name)]
    finally:
        zf.close()


def is_xml_zip(path: Path) -> bool:
    """A .zip file holding at least one ``*.xml`` member (whether an Ed-Fi interchange is in
    it is the reader's to tell)."""
    if not (path.is_file() and is_zip(path)):
        return False
    with open_zip(path) as zf:
        return any(
            info.filename.casefold().endswith(".xml") and not info.is_dir()
            and info.filename.replace("\\", "/").split("/")[0] != "__MACOSX"
            for info in zf.infolist()
        )


__all__ = ["ZipLayout", "ZipXmlFile", "is_xml_zip", "xml_zip"]
