"""The rows a facts refresh writes (``caseload.store.facts``): a chunk of students read,
their facts computed and encoded as the rows of ``mat_student``, ``mat_class`` and
``mat_class_facts`` (the stored format: ``caseload.store.facts``'s docstring). Used by the
refresh in its own process (``computed_here``) and by its worker processes
(``caseload.store.refresh_pool``)."""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select

from caseload._runtime import gc_paused
from caseload.domain import analysis
from caseload.domain.records import Role
from caseload.domain.settings import Thresholds
from caseload.domain.timeline import UNDATED
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
                "enrolled_end": a.enrolled_end,
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
    """The facts rows (``rows_of``) of the students ``part``, read through ``reader``.

    A reader that reads no class dates (``class_dates=False``: the full refresh) leaves each
    class's ``result_dates`` as the set of day ordinals of the part's shown results in it
    (``seen_dates``): the refresh unites the parts' sets, adds ``non_student_result_dates``
    and packs them."""
    with gc_paused():  # acyclic records and facts: see caseload._runtime.gc_paused
        got = reader.read(part)
        rows = rows_of([analysis.student_facts(i, thresholds) for i in got])
        if not reader.class_dates:
            seen = seen_dates(got) if reader.batch_timelines is None else reader.shown_days
            for cid, head in rows[1].items():
                head["result_dates"] = seen.get(cid) or set()
        return rows


def seen_dates(inputs: Iterable[analysis.StudentInput]) -> dict[str, set[int]]:
    """By class, the day ordinals of the effective dates (score date, else the line item's
    due date, else its assign date) of the shown results in ``inputs`` (read with
    ``graded_rows``): what the class-dates query gives, for these students' results."""
    out: dict[str, set[int]] = {}
    undated = UNDATED
    for inp in inputs:
        for ci in inp.classes:
            days = out.get(ci.klass.sourced_id)
            if days is None:
                days = out[ci.klass.sourced_id] = set()
            if not ci.graded or ci.book is None:
                continue
            get = ci.book.items.get
            when_of: set[dt.date] = set()
            for row in ci.graded:
                when = row[4]
                if when is None:
                    item = get(row[1])
                    if item is None:
                        continue
                    when = item[0]
                when_of.add(when)
            when_of.discard(undated)
            days.update(map(_toordinal, when_of))
    return out


def non_student_result_dates(conn: Connection) -> dict[str, set[dt.date]]:
    """The effective dates of the shown results of users who are not students (a user whose
    role changed, say), by class. A full facts refresh collects each class's result dates
    from its students' results (``InputReader(class_dates=False)``) and adds these, so its
    dates are those the per-class query gives: every shown result's."""
    eff = source.result_day()
    items, results, users = source.line_items, source.results, source.users
    query = (
        select(items.c.class_id, source.as_stored(eff))
        .join(items, items.c.sourced_id == results.c.line_item_id)
        .where(
            eff.is_not(None),
            results.c.student_id.in_(
                select(users.c.sourced_id).where(users.c.role != Role.STUDENT.value)
            ),
            source.visible_result(results.c.student_id, items.c.class_id),
        )
        .distinct()
    )
    day = source.Days()
    out: dict[str, set[dt.date]] = defaultdict(set)
    for cid, d in conn.execute(query):
        out[cid].add(day[d])
    return dict(out)


def packed_dates(days: set[int]) -> bytes:
    """``seen_dates``'s ordinals as ``mat_class.result_dates`` stores them (ascending)."""
    return _pack("i", sorted(days))


def reader_for(conn: Connection, thresholds: Thresholds, class_dates: bool) -> source.InputReader:
    """The facts refresh's reader: results as columns, timelines in batches."""
    return source.InputReader(
        conn, with_notes=False, class_dates=class_dates,
        batch_timelines=thresholds.missing_counts_as_zero,
    )


def computed_here(
    engine: Engine,
    thresholds: Thresholds,
    parts: Sequence[list[str]],
    *,
    class_dates: bool = True,
) -> Iterator[Rows]:
    """``compute_part`` of each of ``parts`` in this process, through one reader."""
    with engine.connect() as conn:
        reader = reader_for(conn, thresholds, class_dates)
        for part in parts:
            rows = compute_part(reader, part, thresholds)
            conn.commit()  # end the read transaction (PostgreSQL) before the write
            with gc_paused():
                yield rows
