"""Ed-Fi XML below the records: the defused streaming parse, the Data Standard check and the
element helpers every interchange family of :mod:`caseload.sources.edfi_xml` uses.

What is refused and why (unsafe XML, Data Standard 1 and 2): see the
:mod:`~caseload.sources.edfi_xml` docstring. Every element keeps its local name and its line
(:func:`xml_line`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, Protocol, cast
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser

from caseload.sources.dataset import SourceError
from caseload.sources.zipsafe import list_folder, not_a_file, unreadable


class XmlFile(Protocol):
    """A file the reader parses: a folder's (a Path) or a zip member
    (:class:`caseload.sources.edfi_zip.ZipXmlFile`), named by its file name."""

    @property
    def name(self) -> str: ...

    def open(self, mode: Literal["rb"]) -> IO[bytes]: ...


# Root namespaces of the Data Standards this reader does not read, and how to name them.
OLD_STANDARDS = {
    "http://ed-fi.org/0100": "Data Standard 1",
    "http://ed-fi.org/0200": "Data Standard 2",
}
SUPPORTED = "caseload reads Ed-Fi Data Standard 4 and later (namespace http://ed-fi.org/0400, 5.x)"


class UnsupportedStandard(SourceError):
    """An export in an Ed-Fi Data Standard caseload does not read: fatal, even when skipping
    invalid rows (every record would be misread, not just one)."""


class UnreadableFile(SourceError):
    """An XML file the disk would not give (an OSError with an errno while it was opened or
    read: an I/O error, a network share gone): fatal, not a record to skip, and not a file
    to pass over while telling whether a folder is Ed-Fi (:func:`_disk_error`)."""


def _disk_error(path: XmlFile, exc: OSError) -> UnreadableFile:
    """``exc`` as the plain error naming ``path`` and the system's words for it
    (:func:`zipsafe.unreadable`, as a folder's CSV file's), never the data read so far."""
    err = unreadable(path.name, exc, "file")
    return UnreadableFile(err.file, None, None, err.reason)


_CHUNK = 1 << 16
_LINE = "{urn:caseload}line"  # private attribute: the line an element starts on


class _Peeked(Exception):
    """Raised by the parser target once the root element is known (peek mode)."""


# --- streaming parse ------------------------------------------------------------------


class Collector:
    """Parser target: builds the tree with local names, queues each finished record.

    A record is a child of the root element. Every element gets its start line in the
    private ``_LINE`` attribute.
    """

    def __init__(self, peek: bool = False) -> None:
        self._tb = TreeBuilder()
        self._depth = 0
        self._local: dict[str, str] = {}
        self._peek = peek
        self.expat: Any = None
        self.root: Element | None = None
        self.root_name: str | None = None
        self.root_ns: str = ""
        self.root_line: int | None = None
        self.done: list[Element] = []
        # Character data goes straight to the tree builder (expat calls it directly).
        self.data: Callable[[str], None] = self._tb.data

    def start(self, tag: str, attrib: dict[str, Any]) -> Element:
        local = self._local.get(tag)
        if local is None:
            local = self._local[tag] = tag.rpartition("}")[2]
        self._depth += 1
        attrib[_LINE] = self.expat.CurrentLineNumber
        el = self._tb.start(local, attrib)
        if self._depth == 1:
            self.root, self.root_name = el, local
            self.root_ns = tag[1:].partition("}")[0] if tag.startswith("{") else ""
            self.root_line = attrib[_LINE]
            if self._peek:
                raise _Peeked
        return el

    def end(self, tag: str) -> Element:
        el = self._tb.end(tag)
        if self._depth == 2:
            self.done.append(el)
        self._depth -= 1
        return el

    def close(self) -> Element:
        return self._tb.close()


def _xml_error(name: str, exc: Exception, line: int | None) -> SourceError:
    if isinstance(exc, EntitiesForbidden):
        if exc.sysid or exc.pubid:
            reason = (
                "XML external entity declarations are not allowed "
                f"(entity {exc.name!r}; possible external entity attack)"
            )
        else:
            reason = (
                f"XML entity declarations are not allowed (entity {exc.name!r}; possible XML bomb)"
            )
    elif isinstance(exc, ExternalReferenceForbidden):
        reason = "XML external references are not allowed (possible external entity attack)"
    elif isinstance(exc, DTDForbidden):
        reason = "XML document type declarations are not allowed"
    elif isinstance(exc, DefusedXmlException):
        reason = f"unsafe XML construct refused: {exc}"
    else:
        msg = re.sub(r":? ?line \d+, column (\d+)$", r" (column \1)", str(exc))
        reason = f"malformed XML: {msg}"
        position = getattr(exc, "position", None)
        if position:
            line = position[0]
    return SourceError(name, line, None, reason)


def parse_records(path: XmlFile) -> Iterator[list[Element]]:
    """Feed ``path`` to a defused parser; yield batches of finished records."""
    target = Collector()
    try:
        for _ in _feed(path, target):
            if target.done:
                batch, target.done = target.done, []
                yield batch
                if target.root is not None:
                    target.root.clear()
        if target.done:
            yield target.done
    except (DefusedXmlException, ParseError) as exc:
        raise _xml_error(path.name, exc, _current_line(target)) from None


def _feed(path: XmlFile, target: Collector) -> Iterator[None]:
    """Feed ``path`` to a defused parser building into ``target``, one chunk at a time;
    yield after each chunk, close the parser at the end."""
    parser = DefusedXMLParser(target=target)
    target.expat = parser.parser
    _refuse_doctype(parser.parser)
    try:
        fh = path.open("rb")
    except OSError as exc:
        if exc.errno is None:
            raise
        raise _disk_error(path, exc) from None
    with fh:
        while True:
            try:
                chunk = fh.read(_CHUNK)
            except OSError as exc:
                if exc.errno is None:
                    raise
                raise _disk_error(path, exc) from None
            if not chunk:
                break
            parser.feed(chunk)
            yield
        parser.close()


def _refuse_doctype(expat: Any) -> None:
    """Refuse a document type declaration (docs/DATA_FORMATS.md) once it has been read, so an
    entity declared inside it is refused first with defusedxml's own, more telling reason
    (an XML bomb, an external entity); a DTD without entities (``<!DOCTYPE x SYSTEM "...">``
    or an empty internal subset) is then refused as a DTD. (``forbid_dtd=True`` would refuse
    at the declaration's start, before the entities are seen.)"""

    def end() -> None:
        raise DTDForbidden(None, None, None)  # (the reason names no part of it: _xml_error)

    expat.EndDoctypeDeclHandler = end


def _current_line(target: Collector) -> int | None:
    line: int | None = getattr(target.expat, "CurrentLineNumber", None)
    return line


def root_name(path: XmlFile) -> str | None:
    """The local name of the root element; SourceError for unsafe or malformed XML."""
    return peek_root(path).root_name


def peek_root(path: XmlFile) -> Collector:
    """Parse up to the root element (its local name, namespace and line)."""
    collector = Collector(peek=True)
    try:
        for _ in _feed(path, collector):
            pass
    except _Peeked:
        pass
    except (DefusedXmlException, ParseError) as exc:
        raise _xml_error(path.name, exc, _current_line(collector)) from None
    return collector


_NUMBERED = re.compile(r"http://ed-fi\.org/0([12])(\d)0")


def old_standard(namespace: str) -> str | None:
    """The name of the Data Standard 1 or 2 that ``namespace`` belongs to, None for any
    other: ``OLD_STANDARDS``, and every numbered namespace of 1.x and 2.x (``/0220``: 2.2)."""
    ns = namespace.rstrip("/")
    if ns in OLD_STANDARDS:
        return OLD_STANDARDS[ns]
    found = _NUMBERED.fullmatch(ns)
    if found is None:
        return None
    major, minor = found.groups()
    return f"Data Standard {major}" + (f".{minor}" if minor != "0" else "")


def check_standard(path: XmlFile, root: Collector) -> None:
    """Refuse an interchange file of a Data Standard this reader does not read."""
    standard = old_standard(root.root_ns)
    if standard is not None:
        raise UnsupportedStandard(
            path.name, root.root_line, None,
            f"Ed-Fi {standard} XML (namespace {root.root_ns}) is not supported: {SUPPORTED}. "
            "Export the data again in a current Data Standard",
        )


def xml_files(folder: Path) -> list[Path]:
    """The ``*.xml`` files of ``folder`` (any case), by name. An entry so named that is no
    file (a folder, a named pipe) is a SourceError naming it, not passed over."""
    found = []
    for p in list_folder(folder):
        if p.suffix.casefold() != ".xml":
            continue
        if why := not_a_file(p):
            raise SourceError(str(folder), None, None, why)
        found.append(p)
    return sorted(found)


# --- element helpers --------------------------------------------------------------------


def xml_line(el: Element) -> int | None:
    """The line ``el`` starts on."""
    return cast("int | None", el.attrib.get(_LINE))


def xml_text(el: Element | None, path: str) -> str | None:
    """The stripped text at ``path`` below ``el``; None when absent or blank."""
    if el is None:
        return None
    value = el.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def field_name(path: str) -> str:
    """The element an error names for ``path`` (its last step)."""
    return path.rsplit("/", 1)[-1]
