"""The rows a facts refresh writes (``caseload.store.facts``): a chunk of students read,
their facts computed and encoded as the rows of ``mat_student``, ``mat_class`` and
``mat_class_facts`` (the stored format: ``caseload.store.facts``'s docstring). Used by the
refresh in its own process (``computed_here``) and by its worker processes
(``caseload.store.refresh_pool``)."""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Engine

from caseload._runtime import gc_paused
from caseload.domain import analysis
from caseload.domain.settings import Thresholds
from caseload.store import inputs as source

# the rows of mat_student, mat_class (by class id) and mat_class_facts
Rows = tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]


def _pack(code: str, values: Sequence[Any]) -> bytes:
    """Values as a little-endian packed array (``code``: "i" int32 or "d" float64)."""
    return struct.pack(f"<{len(values)}{code}", *values)


def _ords(dates: Iterable[dt.date]) -> bytes:
    return _pack("i", list(map(_toordinal, dates)))


_toordinal = dt.date.toordinal


def _opt_ord(d: dt.date | None) -> int:
    """A day ordinal, 0 for None (ordinals start at 1)."""
    return 0 if d is None else d.toordinal()


def rows_of(facts: list[analysis.StudentFacts]) -> Rows:
    """The rows of ``mat_student``, ``mat_class`` (by class id) and ``mat_class_facts``."""
    class_rows: list[dict[str, Any]] = []
    student_rows: list[dict[str, Any]] = []
    classes: dict[str, dict[str, Any]] = {}
    for f in facts:
        sid = f.student.sourced_id
        a = f.attendance
        student_rows.append(
            {
                "student_id": sid,
                "enrolled_begin": a.enrolled_begin,
                "absent": _ords(a.absent),
                "unexcused": _ords(a.unexcused),
                "tardy": _ords(a.tardy),
                "attendance_through": a.through,
            }
        )
        for c in f.classes:
            # the same for every student of the class (Repository.inputs): made once
            if c.class_id not in classes:
                classes[c.class_id] = {
                    "class_id": c.class_id,
                    "title": c.title,
                    "teacher": c.teacher,
                    "period": c.period,
                    "term_start": c.term_start,
                    "term_end": c.term_end,
                    "result_dates": _ords(c.class_result_dates),
                    "gradebook": c.gradebook,
                }
            grades = c.timeline_grades
            nulls = [i for i, g in enumerate(grades) if g is None] if None in grades else []
            class_rows.append(
                {
                    "student_id": sid,
                    "class_id": c.class_id,
                    "spans": _pack("i", [_opt_ord(d) for span in c.enrollment_spans for d in span]),
                    "timeline_days": _ords(c.timeline_days),
                    "timeline_grades": _pack(
                        "d", [0.0 if g is None else g for g in grades] if nulls else grades
                    ),
                    "timeline_nulls": json.dumps(nulls) if nulls else None,
                    "weekly_days": _ords(c.weekly_days),
                    "weekly_grades": _pack("d", [g for _, g in c.weekly]),
                    "scored": _ords(c.scored_dates),
                    "missing": _ords(c.missing_dates),
                }
            )
    return student_rows, classes, class_rows


def compute_part(reader: source.InputReader, part: list[str], thresholds: Thresholds) -> Rows:
    """The facts rows (``rows_of``) of the students ``part``, read through ``reader``."""
    with gc_paused():  # acyclic records and facts: see caseload._runtime.gc_paused
        return rows_of([analysis.student_facts(i, thresholds) for i in reader.read(part)])


def computed_here(
    engine: Engine, thresholds: Thresholds, parts: Sequence[list[str]]
) -> Iterator[Rows]:
    """``compute_part`` of each of ``parts`` in this process, through one reader."""
    with engine.connect() as conn:
        reader = source.InputReader(conn, with_notes=False, graded_rows=True)
        for part in parts:
            rows = compute_part(reader, part, thresholds)
            conn.commit()  # end the read transaction (PostgreSQL) before the write
            with gc_paused():
                yield rows
