"""Text from the data, made safe to write to a terminal or a file someone will `cat`.

Pure functions shared by the exports and the CLI summaries (the TUI has its own visible
stand-ins in ``caseload.tui.safe``). C0 controls except tab and newline, DEL and the C1 range
(0x80-0x9F, which holds CSI 0x9B) never reach an output raw: ESC, BEL, backspace, a lone
carriage return... are replaced by U+FFFD (the replacement character).

Also :func:`given`, the one way an error repeats a value typed into an id, code or date
option, and :func:`plural`, the one way a count is said with its noun ("1 result", "2 results"), on
every layer.
"""

from __future__ import annotations

import datetime as dt
import re

REPLACEMENT = "\ufffd"

# C0 except TAB (0x09) and LF (0x0A), DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Single-line variant: newlines and tabs are controls too.
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What json.dumps(ensure_ascii=False) leaves raw: DEL and C1 (it escapes C0 itself).
_JSON_RAW = re.compile(r"[\x7f-\x9f]")


def no_controls(text: str | None, *, single_line: bool = False) -> str:
    """``text`` with every control character (C0 except tab and newline, DEL, C1) replaced by
    U+FFFD. ``single_line`` replaces tabs and newlines too. ``None`` becomes ``""``."""
    if not text:
        return ""
    pattern = _CONTROL_LINE if single_line else _CONTROL
    return pattern.sub(REPLACEMENT, text)


# The longest value an error repeats (:func:`given`): an id (a student's, a class's, an
# author's) and a code or a date. A longer value, or one with whitespace, may be a note's
# text typed into the wrong option, and no error repeats a note's text.
ID_ECHOED = 100
CODE_ECHOED = 24


def given(value: object, limit: int = ID_ECHOED) -> str:
    """``value`` as an error repeats it: ``'stu-004'`` (quoted) when it has at most ``limit``
    characters and no whitespace, else ``(a value of 89 characters, not repeated)``. Every
    id, code and date option's error says the value this way (``limit``: :data:`ID_ECHOED`
    for ids, :data:`CODE_ECHOED` for codes and dates)."""
    text = str(value)
    if len(text) <= limit and not any(c.isspace() for c in text):
        return repr(text)
    return f"(a value of {len(text)} characters, not repeated)"


def plural(count: int, word: str, plural_word: str | None = None, *,
           grouped: bool = False) -> str:
    """``1 student``, ``2 students``, ``0 students``: a count and its noun, singular for 1
    (``plural_word`` when the plural is not ``word`` + "s": ``plural(n, "entry", "entries")``).
    ``grouped``: the count with thousands separators (``1,234 results``)."""
    shown = f"{count:,}" if grouped else str(count)
    return f"{shown} {word if count == 1 else (plural_word or word + 's')}"


def day_words(day: dt.date, as_of: dt.date) -> str:
    """``5/27`` when ``day`` falls in ``as_of``'s year, else ``2022-05-27``: a day said
    beside an as-of date ("attendance through ..."), so a day of another year never reads as
    one of this year."""
    return f"{day.month}/{day.day}" if day.year == as_of.year else day.isoformat()


def escape_json_controls(json_text: str) -> str:
    """JSON text with DEL and C1 characters written as ``\\u00XX`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 itself but writes DEL and C1 raw. In
    JSON these characters can only stand inside strings, so the escape keeps the value."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
