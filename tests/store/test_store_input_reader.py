"""The facts refresh's set-based reading and one-pass grade computation equal their
definitions on the sample school (issue 13, "the full refresh too"):

- ``InputReader`` checks a result's visibility in Python; it shows exactly the results the
  SQL definition (``inputs.visible_result``) shows, also for a result in a class the student
  is not on the roster of and one in a class with no roster at all, and what it reads does
  not depend on how the students are chunked;
- ``grading.timeline_facts`` equals the grade at every effective date (``grade_at``), the
  gradebook's scored dates and its missing dates, bit for bit, with either setting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Engine, insert, select

from caseload.domain.analysis import StudentInput
from caseload.domain.grading import Entry, Gradebook, grade_at, timeline_facts
from caseload.store import inputs as source
from caseload.store.tables import METADATA

T = METADATA.tables


def _add_off_roster_results(engine: Engine) -> tuple[str, str]:
    """A result of a student in a rostered class they are not enrolled in (never shown), and
    one in a class without any student enrollment (shown); returns their ids."""
    enr, li, res = T["enrollments"], T["line_items"], T["results"]
    with engine.begin() as conn:
        sid, mine = conn.execute(
            select(enr.c.user_id, enr.c.class_id).where(enr.c.role == "student").limit(1)
        ).one()
        other = conn.execute(
            select(enr.c.class_id).where(
                enr.c.role == "student",
                enr.c.class_id != mine,
                enr.c.class_id.not_in(
                    select(enr.c.class_id).where(enr.c.user_id == sid)
                ),
            ).limit(1)
        ).scalar_one()
        item = conn.execute(select(li.c.sourced_id).where(li.c.class_id == other).limit(1))
        conn.execute(insert(T["classes"]), {"sourced_id": "cls-no-roster", "title": "Study Hall",
                                            "term_ids": ""})
        conn.execute(insert(li), {"sourced_id": "li-no-roster", "class_id": "cls-no-roster",
                                  "title": "Reading log", "max_points": 10.0,
                                  "due_date": dt.date(2026, 9, 15)})
        conn.execute(insert(res), [
            {"sourced_id": "res-off-roster", "line_item_id": item.scalar_one(),
             "student_id": sid, "score": 1.0, "status": "fully graded"},
            {"sourced_id": "res-no-roster", "line_item_id": "li-no-roster",
             "student_id": sid, "score": 7.0, "status": "fully graded"},
        ])
    return "res-off-roster", "res-no-roster"


def test_reader_shows_exactly_the_visible_results_whatever_the_chunks(
    sample_engine: Engine,
) -> None:
    hidden, shown = _add_off_roster_results(sample_engine)
    res, li = T["results"], T["line_items"]
    with sample_engine.connect() as conn:
        ids = sorted(conn.execute(source.scope(None)).scalars())
        expected = {
            (sid, cid, rid)
            for rid, sid, cid in conn.execute(
                select(res.c.sourced_id, res.c.student_id, li.c.class_id)
                .join(li, li.c.sourced_id == res.c.line_item_id)
                .where(source.visible_result(res.c.student_id, li.c.class_id))
            )
        }
        whole = source.InputReader(conn, with_notes=False).read(ids)
        chunked = []
        reader = source.InputReader(conn, with_notes=False)
        for i in range(0, len(ids), 7):
            chunked.extend(reader.read(ids[i : i + 7]))
    got = {
        (i.student.sourced_id, c.klass.sourced_id, r.sourced_id)
        for i in whole
        for c in i.classes
        for r in c.results
    }
    wanted = set(ids)
    assert got == {e for e in expected if e[0] in wanted}
    assert any(r == shown for _, _, r in got)
    assert not any(r == hidden for _, _, r in got)
    assert [i.student.sourced_id for i in whole] == ids
    assert _normal(chunked) == _normal(whole)


def _normal(inputs: list[StudentInput]) -> list[StudentInput]:
    """The inputs with each class's categories and line items in id order (they come in the
    database's order, which PostgreSQL may vary with the chunk of classes read)."""
    def by_id(records: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(sorted(records, key=lambda r: r.sourced_id))

    return [
        replace(i, classes=tuple(
            replace(c, categories=by_id(c.categories), line_items=by_id(c.line_items))
            for c in i.classes
        ))
        for i in inputs
    ]


class _SameEntries:
    """A gradebook whose ``entries`` are worked out once per setting: ``grade_at`` reads only
    ``entries`` and ``resolved``, and a Gradebook is frozen, so ``grade_at`` on this equals
    ``grade_at`` on the book, without redoing every entry at each of a hundred dates."""

    def __init__(self, book: Gradebook) -> None:
        self.resolved = book.resolved
        self._entries = {zero: book.entries(zero) for zero in (True, False)}

    def entries(self, missing_counts_as_zero: bool = True) -> list[Entry]:
        return list(self._entries[missing_counts_as_zero])


def test_timeline_facts_equals_the_grade_at_every_date(sample_engine: Engine) -> None:
    with sample_engine.connect() as conn:
        ids = sorted(conn.execute(source.scope(None)).scalars())
        inputs = source.InputReader(conn, with_notes=False).read(ids[:60])
    checked = 0
    for inp in inputs:
        for ci in inp.classes:
            book = ci.gradebook()
            same = cast(Gradebook, _SameEntries(book))
            for zero in (True, False):
                days = sorted({e.date for e in book.entries(zero)})
                expected = (
                    tuple((d, grade_at(same, d, zero)) for d in days),
                    book.scored_dates(),
                    tuple(sorted(d for _, d in book.missing())),
                )
                assert timeline_facts(book, zero) == expected
                checked += 1
    assert checked > 100
