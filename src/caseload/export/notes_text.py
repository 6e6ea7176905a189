"""Text hygiene and owner-only files for the notes exports.

Text from the cache (names, note text) is data, never markup: escaped in Markdown, neutralized
against spreadsheet formulas in CSV, cleaned of control characters for the PDF. Nothing here
raises on odd text (accents, emoji, control characters, lone surrogates).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
from typing import Any

from caseload.domain.exports import ExportWriteError

# --- Files -------------------------------------------------------------------------------


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only, whole or not at all.

    The bytes go to a new temporary file beside ``path`` (0600), flushed to disk, then renamed
    over ``path``: a write that fails (a full disk, a file-size limit, an interrupt) leaves
    the old file as it was and no partial one. Refuses a symlink at ``path`` (an export is
    confidential: it must land where asked, not where a planted link points) and a folder.

    A failure is an :class:`~caseload.domain.exports.ExportWriteError` saying in words what
    went wrong and where (``write_error``), never naming the temporary file.
    """
    target = os.fspath(path)
    try:
        _write_private(target, data)
    except ExportWriteError:
        raise
    except OSError as exc:
        raise write_error(os.path.abspath(target), exc) from exc


def _write_private(target: str, data: bytes) -> None:
    import tempfile

    where = os.path.abspath(target)
    if os.path.islink(target):
        raise ExportWriteError(errno.ELOOP, f"{where} is a symbolic link: an export is never "
                                            "written through one (choose another file name)")
    if os.path.isdir(target):
        raise ExportWriteError(errno.EISDIR, f"{where} is a folder: add a file name")
    folder = os.path.dirname(where)
    fd, tmp = tempfile.mkstemp(prefix=".caseload-export-", suffix=".part", dir=folder)
    try:
        try:
            view = memoryview(data)  # (mkstemp made the file 0600)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_error(target: str, exc: OSError) -> ExportWriteError:
    """``exc`` (raised writing the absolute path ``target``) in words: what went wrong and
    where, named by ``target`` or its folder (never the temporary file the OS error names)."""
    code = exc.errno
    folder = os.path.dirname(target)
    if code == errno.EISDIR or os.path.isdir(target):
        words = f"{target} is a folder: add a file name"
    elif code in (errno.ENOENT, errno.ENOTDIR):
        nearest = folder  # the nearest existing folder up: a file there is the trouble
        while not os.path.exists(nearest) and os.path.dirname(nearest) != nearest:
            nearest = os.path.dirname(nearest)
        if os.path.exists(nearest) and not os.path.isdir(nearest):
            words = f"{nearest} is a file, not a folder"
        else:
            words = f"the folder {folder} does not exist"
    elif code in (errno.EACCES, errno.EPERM):
        words = f"permission denied writing {target}"
    elif code in (errno.ENOSPC, errno.EDQUOT):
        words = f"the disk is full: {target} was not written"
    elif code == errno.EROFS:
        words = f"the disk holding {folder} is read-only"
    elif code == errno.ENAMETOOLONG:
        words = f"the file name is too long: {target}"
    elif code == errno.EFBIG:
        words = f"{target} would be larger than the disk or your file-size limit allows"
    elif code:
        words = f"{target} could not be written ({os.strerror(code).lower()})"
    else:
        words = f"{target} could not be written ({type(exc).__name__})"
    return ExportWriteError(code, words)


# --- Text hygiene ------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_KEEP_NONE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _valid_unicode(text: str) -> str:
    """Lone surrogates (bad decodes) become U+FFFD so encoding never fails."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def clean_text(text: object, *, multiline: bool = True) -> str:
    """Printable text: control characters and bidi overrides removed, newlines normalized
    (kept when ``multiline``, else turned into spaces)."""
    value = _valid_unicode("" if text is None else str(text))
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    value = _BIDI.sub("", value)
    if multiline:
        return _CONTROL.sub("", value)
    return _CONTROL_KEEP_NONE.sub(" ", value.replace("\n", " ")).strip()


# Spreadsheet formula triggers (OWASP CSV injection), plus their full-width forms, which
# some spreadsheet locales also treat as formulas.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


_CSV_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def neutralize(cell: object) -> str:
    """A CSV cell a spreadsheet will show as text: a leading ``'`` when it would start a
    formula. NUL and other C0 controls (except tab, newline, CR), DEL, the C1 controls (CSI
    0x9B among them: ``cat`` of the file must not drive a terminal) and the bidi embedding,
    override and isolate controls (a name shown reversed) are dropped, as Markdown and the
    PDF drop them (``clean_text``)."""
    value = _valid_unicode("" if cell is None else str(cell))
    value = _CSV_DROPPED.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$@])")  # ($: GitHub's math; @: e-mail autolinks)
# What GFM (and markdown-it's linkify) turns into a link in plain text: a scheme's "://", a
# "www." and an e-mail's "@" (escaped above). A backslash before the ":" or the "." ends the
# match while CommonMark shows the text unchanged.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<![a-z0-9])(www)(\.)")


def _no_autolink(match: re.Match[str]) -> str:
    return "\\:" if match.group(1) else match.group(2) + "\\."


def md_escape(text: object, *, multiline: bool = False) -> str:
    """Markdown-inert text: punctuation that Markdown or HTML would act on is escaped, and a
    bare URL, "www." address or e-mail address cannot become a link."""
    value = _MD_SPECIAL.sub(r"\\\1", clean_text(text, multiline=multiline))
    value = _AUTOLINK.sub(_no_autolink, value)
    lines = []
    for line in value.split("\n"):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        numbered = re.match(r"\d+[.)]", stripped)
        if numbered:  # "1. x" is a list item: escape its "." (a backslash before a digit is
            end = numbered.end() - 1  # no escape in CommonMark: it would show)
            line = line[:indent] + stripped[:end] + "\\" + stripped[end:]
        elif stripped[:1] in ("#", "+", "-", "="):
            line = line[:indent] + "\\" + stripped
        lines.append(line)
    return "\n".join(lines)


def json_text(data: Any) -> str:
    """JSON with non-ASCII kept readable but DEL/C1 controls escaped (JSON escapes C0)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return re.sub(r"[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text)


