"""How the facts tables store lists of days and grades (the ``facts`` module's "Stored
format"): packed little-endian int32 day ordinals and float64 grades, a timeline's None
grades listed apart by index. One place for the refresh's two writers (``facts_rows``, from
ClassFacts; ``result_columns``, from the batch's arrays) and the rows fallback, and for
reading them back (``unpack_ints``, ``FLOATS``: the ``facts`` module's decoding, and the
refresh's union of its chunks' result days, ``facts_rows.united_dates``)."""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from caseload.domain.grading import Weekly, weekly_series
from caseload.domain.timeline import TimelineFacts


def pack(code: str, values: Sequence[Any]) -> bytes:
    """Values as a little-endian packed array (``code``: "i" int32 or "d" float64)."""
    return struct.pack(f"<{len(values)}{code}", *values)


class Unpackers(dict[int, Callable[[bytes], tuple[Any, ...]]]):
    """``unpack[len(blob)](blob)``: a packed array of ``code`` items as a tuple (one compiled
    ``struct.Struct`` per length)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.size = struct.calcsize(code)

    def __missing__(self, length: int) -> Callable[[bytes], tuple[Any, ...]]:
        unpack = self[length] = struct.Struct(f"<{length // self.size}{self.code}").unpack
        return unpack


INTS = Unpackers("i")
FLOATS = Unpackers("d")


def unpack_ints(blob: bytes) -> tuple[int, ...]:
    """``pack("i", ...)``'s values back."""
    return INTS[len(blob)](blob)


def ords(dates: Iterable[dt.date]) -> bytes:
    """Dates as packed day ordinals."""
    return pack("i", list(map(_toordinal, dates)))


_toordinal = dt.date.toordinal


def opt_ord(d: dt.date | None) -> int:
    """A day ordinal, 0 for None (ordinals start at 1)."""
    return 0 if d is None else d.toordinal()


def class_fields(
    timeline_days: Sequence[dt.date],
    timeline_grades: Sequence[float | None],
    weekly: Weekly,
    scored: Sequence[dt.date],
    missing: Sequence[dt.date],
) -> dict[str, Any]:
    """The timeline, weekly series, scored and missing days of a ``mat_class_facts`` row."""
    nulls = [i for i, g in enumerate(timeline_grades) if g is None] \
        if None in timeline_grades else []
    return {
        "timeline_days": ords(timeline_days),
        "timeline_grades": pack(
            "d", [0.0 if g is None else g for g in timeline_grades] if nulls else timeline_grades
        ),
        "timeline_nulls": json.dumps(nulls) if nulls else None,
        "weekly_days": ords([d for d, _ in weekly]),
        "weekly_grades": pack("d", [g for _, g in weekly]),
        "scored": ords(scored),
        "missing": ords(missing),
    }


def fields_of_facts(facts: TimelineFacts) -> dict[str, Any]:
    """``class_fields`` of timeline facts (``grading.timeline_facts``'s)."""
    timeline, scored, missing = facts
    days, grades = zip(*timeline, strict=True) if timeline else ((), ())
    return class_fields(days, grades, weekly_series(timeline), scored, missing)


EMPTY_FIELDS: dict[str, Any] = fields_of_facts(((), (), ()))
"""The timeline fields of a class without results."""
