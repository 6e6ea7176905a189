"""The facts refresh's read of results, as columns (``InputReader(batch_timelines=...)``).

Read row by row, a student's 230 results were 230 tuples of seven Python objects, then a
shown-result tuple each, then a pass of ``results_timeline``: most of a full refresh. Here
the database sends one row per student whose columns are its results' values joined into
strings (``group_concat`` on SQLite, ``string_agg`` on PostgreSQL); numpy parses them and
``domain.timeline_batch`` computes every class's timeline from the arrays.

What is sent is exact or marked: a score as a whole number of 1/1024 points when it is one
(``SCORE_NONE`` for no score, ``SCORE_ODD`` for any other: its class is computed from the
rows by ``timeline_facts_of_rows``), a score date as a day ordinal (0: none), the status as
its ``timeline_batch.STATUS_CODE`` (-1: unknown), all of a result's sent as one number
(``_SQL``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection

from caseload.domain.grading import ClassBook, timeline_facts_of_rows
from caseload.domain.records import Klass
from caseload.domain.timeline_batch import (
    STATUS_CODE,
    Arrays,
    Books,
    Columns,
    batch_arrays,
    distinct,
    distinct_inverse,
    runs,
    weekly_points,
)
from caseload.store import id_lists
from caseload.store.packing import fields_of_facts

SCORE_NONE = -(2**62)
SCORE_ODD = -(2**62) + 1
_UNIT = "\x1f"  # between line item ids (an id holding it: read as rows, see ``read``)


class ResultColumns:
    """The results of some students as columns (``read``): each row's student (index into
    ``students``), line item id, score (scaled by 1024, or a ``SCORE_*`` mark), status code,
    score date ordinal (0: none) and missing flag."""

    __slots__ = ("day", "items", "missing", "score", "status", "student", "students")

    def __init__(self, students: list[str], student: NDArray[np.int64], items: list[str],
                 score: NDArray[np.int64], status: NDArray[np.int64], day: NDArray[np.int64],
                 missing: NDArray[np.bool_]) -> None:
        self.students, self.student, self.items = students, student, items
        self.score, self.status, self.day, self.missing = score, status, day, missing


# The query, per dialect (written out: built by SQLAlchemy, its casts and bound constants
# made SQLite's part half as slow again). Each result travels as one number (one value for
# the database to write out and numpy to parse instead of five: a chunk's read of its
# results 10-15% faster), ``score_kind * 2**27 + (day * 16 + status) * 2 + missing``:
# ``score_kind`` is 4 x 1024 x score when that is a whole number below 2**30 in size, 1 for
# no score, 2 for any other (``SCORE_NONE``, ``SCORE_ODD``); the day its ordinal
# (``date.toordinal``; 0: none, at most 3,652,059: below 2**22), the status its code
# (``_OTHER``: unknown). The whole stays below 2**59 in size.
_OTHER = 15  # (above every STATUS_CODE: tests/store/test_store_results_index.py)
_LOW = 27  # the bits of (day * 16 + status) * 2 + missing
_STATUS_SQL = " ".join(f"WHEN '{s.value}' THEN {k}" for s, k in STATUS_CODE.items())
_SQL = {
    "sqlite": (
        "SELECT student_id, count(*), group_concat(line_item_id, char(31)), "
        "group_concat((CASE WHEN score IS NULL THEN 1 WHEN abs(score) < 1048576.0 "
        "AND score * 1024.0 = CAST(score * 1024.0 AS INTEGER) "
        f"THEN CAST(score * 1024.0 AS INTEGER) * 4 ELSE 2 END) * {2**_LOW} "
        "+ (coalesce(CAST(julianday(score_date) - 1721424.5 AS INTEGER), 0) * 16 "
        f"+ (CASE status {{status}} ELSE {_OTHER} END)) * 2 "
        "+ coalesce(CAST(missing AS INTEGER), 0)) "
        "FROM results WHERE {where} GROUP BY student_id"
    ),
    "postgresql": (
        "SELECT student_id, count(*), string_agg(line_item_id, chr(31)), "
        "string_agg(((CASE WHEN score IS NULL THEN 1 WHEN abs(score) < 1048576.0 "
        "AND score * 1024.0 = trunc(score * 1024.0) "
        f"THEN CAST(score * 1024.0 AS BIGINT) * 4 ELSE 2 END) * {2**_LOW} "
        "+ (CAST(coalesce(score_date - DATE '0001-01-01' + 1, 0) AS BIGINT) * 16 "
        f"+ (CASE status {{status}} ELSE {_OTHER} END)) * 2 "
        "+ coalesce(CAST(missing AS INTEGER), 0))::text, ',') "
        "FROM results WHERE {where} GROUP BY student_id"
    ),
}


def read(conn: Connection, ids: Sequence[str]) -> ResultColumns | None:
    """The results of the students ``ids`` (at most 900), one query; None when they cannot
    be read so (a line item id holding the separator): the caller reads them as rows."""
    where, params = id_lists.in_sql(conn, "student_id", ids)
    sql = _SQL["sqlite" if conn.dialect.name == "sqlite" else "postgresql"].format(
        status=_STATUS_SQL, where=where
    )
    rows = conn.exec_driver_sql(sql, params).all() if ids else []
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return ResultColumns([], empty, [], empty, empty, empty, np.zeros(0, dtype=bool))
    students, counts, items, values = zip(*rows, strict=True)
    n = sum(counts)
    item_ids = _UNIT.join(items).split(_UNIT)
    if len(item_ids) != n:  # an id holding the separator
        return None
    coded = _ints(values, n)  # (see _SQL)
    kind = coded >> _LOW
    score = np.where(kind & 3 == 0, kind >> 2,
                     np.where(kind & 3 == 1, SCORE_NONE, SCORE_ODD))
    low = coded & (2**_LOW - 1)  # (day * 16 + status) * 2 + missing
    status = (low >> 1) & 15
    status[status == _OTHER] = -1
    return ResultColumns(
        list(students),
        np.repeat(np.arange(len(rows), dtype=np.int64), counts),
        item_ids,
        score,
        status,
        low >> 5,
        (low & 1).astype(bool),
    )


def _ints(parts: Sequence[str], n: int) -> NDArray[np.int64]:
    got = np.fromstring(",".join(parts), dtype=np.int64, sep=",")
    if len(got) != n:  # (the database wrote every value: a bug, not the data)
        raise RuntimeError(f"read {len(got)} values of {n} results")
    return got


def shown(
    student: NDArray[np.int64],
    book: NDArray[np.int64],
    students: Sequence[str],
    names: Sequence[str],
    classes_of: dict[str, set[str]],
    rostered: set[str],
) -> tuple[list[tuple[str, str]], NDArray[np.int64]]:
    """The (student, class) pairs with shown results, and each row's pair (-1: not shown);
    ``student``, ``book``: each row's student (index into ``students``) and its line item's
    class (index into ``names``; -1: the line item is not stored, the result has no class).

    A result is shown in its class when the student is enrolled in it, or when the class
    has no roster: the student then has that class too (added to ``classes_of``), as
    ``InputReader._shown_results`` decides."""
    if not len(student):
        return [], np.zeros(0, dtype=np.int64)
    width = len(names) + 1
    pairs, which = distinct_inverse(student * width + book + 1)
    visible: list[tuple[str, str]] = []
    pair_no = np.full(len(pairs), -1, dtype=np.int64)
    for p, (s, c) in enumerate(zip((pairs // width).tolist(), (pairs % width - 1).tolist(),
                                   strict=True)):
        if c < 0:
            continue  # a line item not stored: no class
        sid, cid = students[s], names[c]
        mine = classes_of.setdefault(sid, set())
        if cid not in mine:
            if cid in rostered:
                continue  # not on the class's roster: stored, never shown
            mine.add(cid)
        pair_no[p] = len(visible)
        visible.append((sid, cid))
    return visible, pair_no[which]


def timeline_facts(
    cols: ResultColumns,
    result_items: set[str],
    classes_of: dict[str, set[str]],
    class_of_item: Mapping[str, str],
    rostered: set[str],
    klasses: Mapping[str, Klass | None],
    book_of: Callable[[str], ClassBook],
    books: Books,
    missing_counts_as_zero: bool,
    rows_of: Callable[[list[str], dict[str, set[str]]], dict[str, dict[str, list[Any]]]],
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, bytes]]:
    """The ``mat_class_facts`` fields (``packing.class_fields``: timeline, weekly series,
    scored and missing days) of each (student, class) with shown results among ``cols`` (a
    class with a stored class row), and by class the day ordinals of those results, packed
    (``shown_days``). ``result_items``: their line item ids. ``rows_of(students,
    classes_of)``: their shown results as GradedRows by student and class
    (``InputReader._shown_results``), for the classes ``timeline_batch`` leaves to
    ``timeline_facts_of_rows``."""
    # the books of the results' classes, named by class id (a line item is in its class's)
    new = {class_of_item[i] for i in result_items - books.index.keys() if i in class_of_item}
    for cid in sorted(new):
        books.number(book_of(cid), cid)
    n = len(cols.items)
    item = np.fromiter(map(books.index.get, cols.items, repeat(-1)), np.int64, n)
    it_book = books.as_arrays()[0]
    book = np.where(item >= 0, it_book[np.maximum(item, 0)], -1) if len(it_book) else item
    pairs, pair = shown(cols.student, book, cols.students, books.names, classes_of, rostered)
    jobs = [(p, sid, cid) for p, (sid, cid) in enumerate(pairs) if klasses.get(cid) is not None]
    job_of_pair = np.full(len(pairs) + 1, -1, dtype=np.int64)  # (the last: pair -1)
    nos: list[int] = []
    weighted: list[bool] = []
    for k, (p, _sid, cid) in enumerate(jobs):
        job_of_pair[p] = k
        no, w = books.number(book_of(cid), cid)
        nos.append(no)
        weighted.append(w)
    columns = columns_for(cols, item, job_of_pair[pair], books)
    got = batch_arrays(books, nos, weighted, columns, missing_counts_as_zero)
    fields = packed_fields(got, len(jobs))
    if got.slow:
        sids = sorted({jobs[j][1] for j in got.slow})
        rows = rows_of(sids, {sid: set(classes_of.get(sid, ())) for sid in sids})
        for j in got.slow:
            _p, sid, cid = jobs[j]
            fields[j] = fields_of_facts(timeline_facts_of_rows(
                book_of(cid), rows.get(sid, {}).get(cid, ()), missing_counts_as_zero
            ))
    classes = [cid for _p, _sid, cid in jobs]
    return (
        {(jobs[j][1], jobs[j][2]): f for j, f in enumerate(fields) if f is not None},
        shown_days(columns, books, classes),
    )


def packed_fields(got: Arrays, jobs: int) -> list[dict[str, Any] | None]:
    """Each job's ``packing.class_fields`` (None for the jobs left to the rows), packed
    straight from the batch's arrays: its timeline, weekly series (``weekly_points``),
    scored and missing days."""
    p_job, p_day, p_grade = got.points
    w_job, w_day, w_grade = weekly_points(p_job, p_day, p_grade)
    null = np.isnan(p_grade)
    parts = {
        "timeline_days": (p_job, _int32s(p_day), 4),
        "timeline_grades": (p_job, np.where(null, 0.0, p_grade).astype("<f8").tobytes(), 8),
        "weekly_days": (w_job, _int32s(w_day), 4),
        "weekly_grades": (w_job, w_grade.astype("<f8").tobytes(), 8),
        "scored": (got.scored[0], _int32s(got.scored[1]), 4),
        "missing": (got.missing[0], _int32s(got.missing[1]), 4),
    }
    every = np.arange(jobs)
    bounds = {
        name: (np.searchsorted(of, every, "left").tolist(),
               np.searchsorted(of, every, "right").tolist(), blob, size)
        for name, (of, blob, size) in parts.items()
    }
    null_at: dict[int, list[int]] = {}
    if null.any():
        first = np.searchsorted(p_job, p_job, "left")
        for j, i in zip(p_job[null].tolist(), (np.flatnonzero(null) - first[null]).tolist(),
                        strict=True):
            null_at.setdefault(j, []).append(i)
    nulls = {j: json.dumps(ix) for j, ix in null_at.items()}
    out: list[dict[str, Any] | None] = [None] * jobs
    for j in range(jobs):
        if j in got.slow:
            continue
        row: dict[str, Any] = {}
        for name, (starts, ends, blob, size) in bounds.items():
            row[name] = blob[starts[j] * size:ends[j] * size]
        row["timeline_nulls"] = nulls.get(j)
        out[j] = row
    return out


def _int32s(values: NDArray[np.int64]) -> bytes:
    return values.astype("<i4").tobytes()


def columns_for(
    cols: ResultColumns, item: NDArray[np.int64], job: NDArray[np.int64], books: Books
) -> Columns:
    """The rows of ``cols`` with a job (``job``: each row's, -1 for none; ``item``: each
    row's line item in ``books``) as ``timeline_batch.Columns``; a score neither none nor
    exact gets status -1 (its job is then computed from its rows: see
    ``timeline_batch.batch_facts``)."""
    keep = job >= 0
    scaled = cols.score[keep]
    score = scaled.astype(np.float64) / 1024.0
    score[scaled == SCORE_NONE] = np.nan
    status = cols.status[keep]
    status[scaled == SCORE_ODD] = -1
    score[scaled == SCORE_ODD] = 0.0
    day = cols.day[keep]
    ordinal = books.ordinal
    for o in distinct(day).tolist():
        if o and o not in ordinal.date_of:
            ordinal[dt.date.fromordinal(o)]
    return Columns(job=job[keep], item=item[keep], score=score, status=status, day=day,
                   missing=cols.missing[keep])


def shown_days(columns: Columns, books: Books, classes: Sequence[str]) -> dict[str, bytes]:
    """By class (``classes``: each job's), the day ordinals of the shown results' effective
    dates (score date, else the line item's due date, else its assign date; undated ones
    left out): what ``facts_rows.seen_dates`` gives, packed as ``facts_rows.packed_dates``
    packs it (int32, little-endian, ascending)."""
    it_day = books.as_arrays()[1]
    known = columns.item >= 0
    day = np.where(columns.day > 0, columns.day, it_day[np.where(known, columns.item, 0)])
    use = (known | (columns.day > 0)) & (day != dt.date.min.toordinal())
    code: dict[str, int] = {}
    of_job = np.fromiter((code.setdefault(c, len(code)) for c in classes), np.int64, len(classes))
    names = list(code)
    klass, day = of_job[columns.job[use]], day[use]
    out: dict[str, bytes] = {}
    if len(klass):
        span = int(day.max()) + 1
        key = distinct(klass * span + day)
        for c, a, b in runs(key // span):  # (a class's days ascending: key is distinct)
            out[names[c]] = _int32s(key[a:b] % span)
    return out
