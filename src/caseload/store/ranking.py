"""The persisted caseload ranking: every student's caseload-table row at an as-of date.

Triage order needs every student's risk, so the first page of an "all students" view of a
75,000-student district would otherwise compute 75,000 reports. After an import or sync
(``caseload.cli.refresh_facts``), and the first time a scope is opened at a new as-of date,
the rows are computed from the materialized facts (``Repository.caseload``) and stored here:

- ``mat_rank``: per as-of date and student, the figures the caseload table shows (risk, flag
  codes and severities, attendance rate, unexcused absences in 30 days, absence streak,
  classes below 70, lowest grade, the day attendance counts through), never a flag's message
  or evidence. Unknown stays unknown: with no attendance loaded for the student's school the
  attendance rate, unexcused absences and streak are NULL (never 0 or 100%);
- ``mat_rank_state``: per as-of date and scope (``""`` for every student, else a counselor
  id), the facts stamp and the settings the rows were computed from.

Rows are valid while the facts stamp (a new import or sync makes new facts) and every
threshold are unchanged; otherwise the reader ignores them and the next write for that date
replaces them. Days since the last note are not stored: notes change between imports, so
they are read live and the triage order is applied on read. Derived data only: a failed write
costs speed, never correctness, and rebuilding never touches source rows or notes. The
rankings of the ``KEEP_DATES`` most recently computed as-of dates are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from caseload.domain.report import CaseloadRow, FlagCode, FlagTag, Severity
from caseload.domain.settings import Thresholds
from caseload.store import planner_stats
from caseload.store.collation import code_points
from caseload.store.tables import METADATA

log = logging.getLogger(__name__)

T = METADATA.tables
rank = T["mat_rank"]
rank_state = T["mat_rank_state"]

ALL = ""  # the scope of every student
KEEP_DATES = 8


# The version of the report rules the stored rows were computed under (a rule that turns
# facts into figures and flags; facts.RULES is for the facts themselves). Raise it when one
# changes, so rankings stored by an older caseload are computed again.
# 2: a figure with no recorded day is null (no day of the 30-day window; a school's record
#    ending before the student's first day); UNEXCUSED/CHRONIC need one absence.
# 3: unexcused_30d is null when the 30-day window holds no school day the student's figures
#    count (before the first school day, a window in a break, an enrollment ended before it).
REPORT_RULES = 3


def settings_key(thresholds: Thresholds) -> str:
    """Every threshold (flags depend on all of them) and the report rules' version, hashed to
    a short stable key."""
    return hashlib.sha256(f"{thresholds!r};report_rules={REPORT_RULES}".encode()).hexdigest()[:32]


def _norm(stamp: dt.datetime) -> dt.datetime:
    """Stamps compare equal whether the backend kept the time zone (PostgreSQL) or not."""
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


def flags_text(flags: Iterable[FlagTag]) -> str:
    return " ".join(f"{tag.code.value}:{tag.severity.value}" for tag in flags)


def parse_flags(text: str) -> tuple[FlagTag, ...]:
    tags = []
    for item in text.split():
        code, _, severity = item.partition(":")
        tags.append(FlagTag(FlagCode(code), Severity(severity)))
    return tuple(tags)


def is_stored(
    conn: Connection, as_of: dt.date, counselor_id: str | None, facts_stamp: dt.datetime,
    thresholds: Thresholds,
) -> bool:
    """Whether rows computed from these facts and settings cover the scope at ``as_of``."""
    scopes = [ALL] if counselor_id is None else [ALL, counselor_id]
    key, stamp = settings_key(thresholds), _norm(facts_stamp)
    for row in conn.execute(
        select(rank_state.c.facts_stamp, rank_state.c.settings).where(
            rank_state.c.as_of == as_of, rank_state.c.scope.in_(scopes)
        )
    ):
        if row.settings == key and _norm(row.facts_stamp) == stamp:
            return True
    return False


def _caseload_of(counselor_id: str) -> Any:
    """The student ids of a counselor's caseload (a subquery)."""
    caseloads = T["caseloads"]
    return select(caseloads.c.student_id).where(caseloads.c.counselor_id == counselor_id)


def last_notes(conn: Connection, as_of: dt.date, counselor_id: str | None) -> dict[str, dt.date]:
    """Each student's latest intervention note on or before ``as_of`` (deleted ones left out)."""
    notes = T["notes"]
    q = (
        select(notes.c.student_id, func.max(notes.c.contact_date))
        .where(notes.c.deleted.is_(False), notes.c.contact_date <= as_of)
        .group_by(notes.c.student_id)
    )
    if counselor_id is not None:
        q = q.where(notes.c.student_id.in_(_caseload_of(counselor_id)))
    out: dict[str, dt.date] = {}
    for sid, last in conn.execute(q):
        if isinstance(last, str):  # SQLite's max() hands back the stored text
            last = dt.date.fromisoformat(last)
        out[sid] = last
    return out


def read(
    conn: Connection, as_of: dt.date, counselor_id: str | None, limit: int | None = None
) -> list[CaseloadRow]:
    """The stored rows of the scope at ``as_of`` in triage order (check ``is_stored`` first);
    with ``limit``, only the first ``limit`` of them.

    The index gives risk, name and id order; a stable re-sort on the note key alone finishes the
    triage order (``caseload.domain.report.triage_key``). A note only moves a student later
    within their risk, so the first ``limit`` rows are among the first ``limit`` + (students
    with a note) in index order: the head of a 75,000-student ranking is read in milliseconds."""
    cols = (
        rank.c.student_id, rank.c.name, rank.c.grade_level, rank.c.local_id,
        rank.c.counselor_ids, rank.c.flags, rank.c.risk, rank.c.attendance_rate,
        rank.c.unexcused_30d, rank.c.absence_streak, rank.c.below_70, rank.c.lowest_grade,
        rank.c.attendance_through,
    )
    q = select(*cols).where(rank.c.as_of == as_of)
    if counselor_id is not None:
        q = q.where(rank.c.student_id.in_(_caseload_of(counselor_id)))
    # code point order, as Python compares the name and id (store/collation.py)
    q = q.order_by(rank.c.risk.desc(), code_points(rank.c.sort_name),
                   code_points(rank.c.student_id))
    notes = last_notes(conn, as_of, counselor_id)
    if limit is not None:
        q = q.limit(limit + len(notes))
    tags: dict[str, tuple[FlagTag, ...]] = {}  # few distinct flag sets: parse each once
    counselor_sets: dict[str, tuple[str, ...]] = {}
    make = CaseloadRow
    rows: list[CaseloadRow] = []
    append = rows.append
    for sid, name, grade, local, cids, flags, risk, rate, unx, streak, below, lowest, through in (
        conn.execute(q).all()  # one fetchall: row-by-row iteration costs twice as much
    ):
        parsed = tags.get(flags)
        if parsed is None:
            parsed = tags[flags] = parse_flags(flags)
        counselors = counselor_sets.get(cids)
        if counselors is None:
            counselors = counselor_sets[cids] = tuple(cids.split()) if cids else ()
        last = notes.get(sid) if notes else None
        append(make(sid, name, grade, local, counselors, parsed, risk, rate, unx, streak,
                    below, lowest, None if last is None else (as_of - last).days, through))
    if notes:
        never = 10**9
        rows.sort(key=lambda r: (-r.risk, -(never if r.days_since_note is None
                                             else r.days_since_note)))
    return rows if limit is None else rows[:limit]


def count(conn: Connection, as_of: dt.date, counselor_id: str | None) -> int:
    """How many stored rows the scope has at ``as_of``."""
    q = select(func.count()).select_from(rank).where(rank.c.as_of == as_of)
    if counselor_id is not None:
        q = q.where(rank.c.student_id.in_(_caseload_of(counselor_id)))
    return int(conn.execute(q).scalar_one())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write(
    engine: Engine, as_of: dt.date, counselor_id: str | None, rows: list[CaseloadRow],
    facts_stamp: dt.datetime, thresholds: Thresholds, *, now: dt.datetime | None = None,
) -> None:
    """Store ``rows`` as the scope's ranking at ``as_of`` (short transactions). Rows of the date
    computed from other facts or settings are dropped first; old dates beyond KEEP_DATES go."""
    key, stamp = settings_key(thresholds), _norm(facts_stamp)
    scope = ALL if counselor_id is None else counselor_id
    now = now or _now()
    # Short transactions (issue 13: a note saved meanwhile never waits long): the scope's
    # state goes first, so readers compute rather than read half-written rows; the rows
    # follow in chunks; the state that makes them valid comes last.
    kept: list[dict[str, Any]] = []  # other scopes' states, back once the rows are
    with engine.begin() as conn:
        states = conn.execute(
            select(rank_state).where(rank_state.c.as_of == as_of)
        ).all()
        stale = any(s.settings != key or _norm(s.facts_stamp) != stamp for s in states)
        if not stale:
            kept = [s._asdict() for s in states if s.scope != scope]
        conn.execute(delete(rank_state).where(rank_state.c.as_of == as_of))
        if stale or scope == ALL:
            conn.execute(delete(rank).where(rank.c.as_of == as_of))
        else:
            ids = [r.id for r in rows]
            for i in range(0, len(ids), 900):
                conn.execute(delete(rank).where(
                    rank.c.as_of == as_of, rank.c.student_id.in_(ids[i:i + 900])
                ))
    payload = _payload(as_of, rows)
    for i in range(0, len(payload), 5000):
        with engine.begin() as conn:
            conn.execute(insert(rank), payload[i:i + 5000])
    with engine.begin() as conn:
        conn.execute(insert(rank_state), [*kept, {
            "as_of": as_of, "scope": scope, "facts_stamp": facts_stamp, "settings": key,
            "computed_at": now,
        }])
        _prune(conn, as_of)
    planner_stats.analyze_written(engine, {"mat_rank": len(payload)})  # (PostgreSQL)


def _payload(as_of: dt.date, rows: Iterable[CaseloadRow]) -> list[dict[str, Any]]:
    return [
        {
            "as_of": as_of, "student_id": r.id, "name": r.name,
            "sort_name": r.name.casefold(),
            "grade_level": r.grade_level, "local_id": r.local_id,
            "counselor_ids": " ".join(r.counselor_ids), "risk": r.risk,
            "flags": flags_text(r.flags), "attendance_rate": r.attendance_rate,
            "unexcused_30d": r.unexcused_30d, "absence_streak": r.absence_streak,
            "below_70": r.classes_below_70, "lowest_grade": r.lowest_grade,
            "attendance_through": r.attendance_through,
        }
        for r in rows
    ]


def dates_of_everyone(
    conn: Connection, facts_stamp: dt.datetime, thresholds: Thresholds
) -> list[dt.date]:
    """The as-of dates whose ranking of every student is stored for these facts and
    settings (the ones an incremental refresh can bring forward, see ``replace_rows``)."""
    key, stamp = settings_key(thresholds), _norm(facts_stamp)
    return sorted(
        row.as_of
        for row in conn.execute(
            select(rank_state.c.as_of, rank_state.c.facts_stamp, rank_state.c.settings).where(
                rank_state.c.scope == ALL
            )
        )
        if row.settings == key and _norm(row.facts_stamp) == stamp
    )


def replace_rows(
    engine: Engine, as_of: dt.date, student_ids: Iterable[str], rows: list[CaseloadRow],
    old_stamp: dt.datetime, new_stamp: dt.datetime, thresholds: Thresholds,
) -> bool:
    """After an incremental facts refresh: replace the rows of ``student_ids`` at ``as_of``
    by ``rows`` (their students' new rows; a student without one is no longer ranked) and
    mark the date's stored ranking as computed from the new facts, in one short transaction.
    Only when every student's ranking at ``as_of`` is stored for ``old_stamp`` (else
    nothing is written and False returned: the date is ranked again when opened)."""
    key, old = settings_key(thresholds), _norm(old_stamp)
    ids = sorted(set(student_ids))
    with engine.begin() as conn:
        states = conn.execute(
            select(rank_state.c.scope, rank_state.c.facts_stamp, rank_state.c.settings).where(
                rank_state.c.as_of == as_of
            )
        ).all()
        if not any(s.scope == ALL and s.settings == key and _norm(s.facts_stamp) == old
                   for s in states):
            return False
        for i in range(0, len(ids), 900):
            conn.execute(delete(rank).where(
                rank.c.as_of == as_of, rank.c.student_id.in_(ids[i:i + 900])
            ))
        payload = _payload(as_of, rows)
        for i in range(0, len(payload), 5000):
            conn.execute(insert(rank), payload[i:i + 5000])
        for s in states:
            if s.settings == key and _norm(s.facts_stamp) == old:
                conn.execute(update(rank_state).where(
                    rank_state.c.as_of == as_of, rank_state.c.scope == s.scope
                ).values(facts_stamp=new_stamp))
            else:
                conn.execute(delete(rank_state).where(
                    rank_state.c.as_of == as_of, rank_state.c.scope == s.scope
                ))
    return True


def _prune(conn: Connection, written: dt.date) -> None:
    """Keep the rankings of the ``KEEP_DATES`` dates ranked last: ``written`` (just stored)
    first, then by when they were ranked, the later date first when two were ranked at the
    same instant (a clock that did not move), so which are kept never depends on the order
    the database returns ties in."""
    latest = (
        select(rank_state.c.as_of, func.max(rank_state.c.computed_at).label("at"))
        .group_by(rank_state.c.as_of)
        .order_by(func.max(rank_state.c.computed_at).desc(), rank_state.c.as_of.desc())
    )
    dates = [row.as_of for row in conn.execute(latest) if row.as_of != written]
    forget(conn, dates[KEEP_DATES - 1:])


def forget(conn: Connection, dates: Iterable[dt.date]) -> None:
    """Drop the stored rankings of ``dates`` (derived data: they are ranked again on open)."""
    dates = list(dates)
    if dates:
        conn.execute(delete(rank).where(rank.c.as_of.in_(dates)))
        conn.execute(delete(rank_state).where(rank_state.c.as_of.in_(dates)))


__all__ = ["ALL", "KEEP_DATES", "count", "dates_of_everyone", "forget", "is_stored",
           "last_notes", "read", "replace_rows", "settings_key", "write"]
