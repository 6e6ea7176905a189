"""How a CSV record's quotes run over its physical lines: where a quoted field holding a line
break opens, and how the lines after it read as rows of their own (:class:`csvutil.CsvTable`
uses these to tell a stray quote from a field that really holds line breaks)."""

from __future__ import annotations

import csv


def quote_opening(lines: list[str], first: int) -> int | None:
    """The physical line where the last quoted field that runs over a line break opens.

    ``lines`` are the physical lines of one record starting at line ``first``. Follows RFC 4180:
    a quote opens a field only at the field's start; ``""`` inside quotes is a literal quote.
    """
    in_quotes = False
    at_field_start = True
    opened = 0
    spanning: int | None = None
    for offset, text in enumerate(lines):
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if in_quotes:
                if ch == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        i += 1
                    else:
                        in_quotes = False
            elif ch == '"' and at_field_start:
                in_quotes = True
                opened = first + offset
            at_field_start = not in_quotes and ch in ",\r\n"
            i += 1
        if in_quotes:
            spanning = opened
    return spanning


def not_read(first: int, last: int) -> str:
    """Says that physical lines ``first`` to ``last``, part of a rejected record, are not rows."""
    if first == last:
        return f"line {first} is not read as a row"
    return f"lines {first}-{last} are not read as rows"


def read_on(first: int, last: int) -> str:
    """Says that reading goes on at line ``first``, lines ``first``-``last`` read as rows."""
    lines = f"line {first} is read as a row" if first == last else (
        f"lines {first}-{last} are read as rows"
    )
    return f"taken as a stray quote: reading goes on at line {first} ({lines})"


def tail_reads(lines: list[str], width: int) -> bool | None:
    """How the last of ``lines`` comes out when ``lines`` are read as rows of their own: True
    when it ends a row of ``width`` fields, False when it ends a malformed row or one of another
    width, None when a quote opened in them is still open at its end (the lines after would
    tell).

    ``lines`` are those after the line where a quoted field opened that a quote on the last of
    them closed, breaking the row. If the quote is stray, that last line is a row of the file
    (its quote opens a field of its own); if the field really holds line breaks, it is the rest
    of the field and the tail of the row, and reads as no row of the header's width.
    """
    reader = csv.reader(iter(lines), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:  # (not reached: the last line holds the closing quote)
            return None
        except csv.Error as exc:
            if reader.line_num >= len(lines):
                return None if "end of data" in str(exc) else False
            continue
        if reader.line_num >= len(lines):
            return len(row) == width
