"""Show text from the data literally.

Every string that comes from a roster, a gradebook or a note (names, titles, comments, messages)
goes through :func:`literal` (or :func:`clean` where a plain ``str`` is needed, e.g. a Header
title, which Textual renders as plain text). Rich markup is never parsed from data: a name like
``[bold]X[/bold]`` or ``[link=http://x]y[/link]`` is shown as those characters. Control characters
(C0, DEL, C1, including ESC) are replaced by visible stand-ins so no terminal escape reaches the
screen, and bidirectional overrides, which can reorder what is displayed, are replaced too.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

# C0 controls become the Unicode "control pictures" (ESC -> U+241B ␛, NUL -> U+2400 ␀, ...).
_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE[0x7F] = "\u2421"  # ␡
# C1 controls (including CSI, 0x9B) have no pictures: a question mark.
_TABLE.update({code: "?" for code in range(0x80, 0xA0)})
# Bidirectional embeddings, overrides and isolates, and the line/paragraph separators.
_TABLE.update({code: "?" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_TABLE[0x2028] = "\u2424"
_TABLE[0x2029] = "\u2424"

_MULTILINE = dict(_TABLE)
del _MULTILINE[0x0A]  # keep newlines in multi-line text (comments, notes)
_MULTILINE[0x09] = "    "  # tabs become spaces rather than a picture

_SINGLE_LINE = dict(_TABLE)
_SINGLE_LINE[0x09] = " "


def clean(value: object, *, multiline: bool = False) -> str:
    """``value`` as a plain string with every control character made visible.

    ``None`` becomes the empty string. With ``multiline`` newlines are kept (a carriage return
    before a newline is dropped); otherwise a newline shows as ``␊``.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if multiline:
        text = text.replace("\r\n", "\n")
        return text.translate(_MULTILINE)
    return text.translate(_SINGLE_LINE)


def literal(value: object, style: str | Style = "", *, multiline: bool = False) -> Text:
    """A Rich ``Text`` that displays ``value`` exactly, never as markup or escapes."""
    return Text(clean(value, multiline=multiline), style=style, end="")
