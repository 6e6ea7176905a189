"""Which students an incremental facts refresh recomputes (``caseload.store.facts``): those
the loads since the facts were computed recorded in ``mat_pending`` (``mark_pending``, from
``students_touched``), and those whose school's attendance coverage moved
(``coverage_moved``), which is looked for only when a load since wrote what coverage is
computed from (``coverage_may_have_moved``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby

from sqlalchemy import Connection, delete, insert, select

from caseload.domain.records import Role
from caseload.store import inputs as source
from caseload.store.attendance_coverage import as_date
from caseload.store.tables import METADATA

T = METADATA.tables

EVERY = "*"  # a mat_pending row for every student (a change the facts can't follow per student)
RECORDED = ""  # a mat_pending row each load writes: this run recorded what it touched

pending_t = T["mat_pending"]
users_t = T["users"]
enrollments_t = T["enrollments"]
line_items_t = T["line_items"]
results_t = T["results"]
student_incidents_t = T["student_incidents"]


def chunks(ids: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def school_parts(
    ids: Sequence[str], school_of: Mapping[str, str | None], size: int
) -> tuple[list[list[str]], list[int]]:
    """A full refresh's chunks of ``ids`` (in school order: sorted by school, then id) and
    each chunk's group: a school of more than ``size`` students is cut into near-equal
    chunks of its own, which share a group; smaller schools go whole, several to a chunk
    up to ``size``, a group each. No chunk holds part of a school and part of another.

    A refresh reads a chunk through a reader that keeps what the chunk's classes share
    (``inputs.InputReader``) for the chunks after it; a reader that went on keeping every
    school's made each chunk slower (75,000 students, one reader: a steady chunk of 500
    took 0.28 s in the first school, 0.35 s in the fifteenth). A new group gets a new
    reader (``facts_rows.computed_here``, ``refresh_pool``)."""
    parts: list[list[str]] = []
    groups: list[int] = []
    whole: list[str] = []  # small schools, whole, waiting for their chunk

    def close() -> None:
        if whole:
            parts.append(list(whole))
            groups.append(groups[-1] + 1 if groups else 0)
            whole.clear()

    for _school, of_school in groupby(ids, key=lambda s: school_of.get(s) or ""):
        members = list(of_school)
        if len(whole) + len(members) > size:
            close()
        if len(members) <= size:
            whole.extend(members)
            continue
        k = -(-len(members) // size)  # chunks of this school, their sizes at most 1 apart
        group = groups[-1] + 1 if groups else 0
        start = 0
        for j in range(k):
            end = start + len(members) // k + (j < len(members) % k)
            parts.append(members[start:end])
            groups.append(group)
            start = end
    close()
    return parts, groups


def students_touched(
    conn: Connection,
    *,
    students: Iterable[str] = (),
    users: Iterable[str] = (),
    classes: Iterable[str] = (),
    categories: Iterable[str] = (),
    incidents: Iterable[str] = (),
) -> set[str]:
    """The students whose facts (or ranking rows) a change can have moved: ``students``
    themselves, the students among ``users``, every student of ``classes``, of the classes
    ``users`` teach and of the classes using ``categories``, and the students of
    ``incidents``. Read as the cache is now (the loader calls it after writing)."""
    out = set(students)
    class_ids = set(classes)
    user_ids = sorted(set(users))
    for chunk in chunks(user_ids):
        out.update(source.students_among(conn, chunk))
        class_ids.update(
            conn.execute(
                select(enrollments_t.c.class_id).where(
                    enrollments_t.c.user_id.in_(chunk),
                    enrollments_t.c.role == Role.TEACHER.value,
                )
            ).scalars()
        )
    for chunk in chunks(sorted(set(categories))):
        class_ids.update(
            conn.execute(
                select(line_items_t.c.class_id).where(line_items_t.c.category_id.in_(chunk))
            ).scalars()
        )
    for chunk in chunks(sorted(set(incidents))):
        out.update(
            conn.execute(
                select(student_incidents_t.c.student_id).where(
                    student_incidents_t.c.incident_id.in_(chunk)
                )
            ).scalars()
        )
    mc = T["mat_class_facts"]
    for chunk in chunks(sorted(class_ids)):
        for q in (
            select(enrollments_t.c.user_id).where(
                enrollments_t.c.class_id.in_(chunk), enrollments_t.c.role == Role.STUDENT.value
            ),
            select(results_t.c.student_id)
            .join(line_items_t, line_items_t.c.sourced_id == results_t.c.line_item_id)
            .where(line_items_t.c.class_id.in_(chunk)),
            select(mc.c.student_id).where(mc.c.class_id.in_(chunk)),
        ):
            out.update(conn.execute(q.distinct()).scalars())
    return out


def mark_pending(conn: Connection, run_id: int, student_ids: set[str] | None) -> None:
    """Record, in the loader's transaction, the students run ``run_id`` changed (None: it
    changed what every student's facts depend on, e.g. the calendar)."""
    ids = [RECORDED, *(sorted(student_ids) if student_ids is not None else [EVERY])]
    rows = [{"student_id": sid, "run_id": run_id} for sid in ids]
    for i in range(0, len(rows), 5000):
        conn.execute(insert(pending_t), rows[i : i + 5000])


def forget_computed_run(conn: Connection) -> None:
    """The stored facts no longer follow from any run: the cache was changed in a way no ok
    run counts nor ``mat_pending`` names (an apply that stopped half-way, its staged copy
    gone). Until the next refresh, which rebuilds every student, readers compute the facts
    from the cache as it is (the facts are not fresh)."""
    conn.execute(delete(T["mat_state"]))


def pending(conn: Connection, state_key: str, up_to: int | None) -> set[str] | None:
    """The students to recompute for the facts to be fresh at run ``up_to``, when the stored
    facts were fresh at an earlier run and every run since recorded what it touched; None when
    only a full rebuild will do."""
    state = T["mat_state"]
    row = conn.execute(
        select(state.c.run_id, state.c.settings).where(state.c.id == 1)
    ).first()
    if row is None or row.settings != state_key or up_to is None:
        return None
    if row.run_id == up_to:
        return set()
    if row.run_id is None or row.run_id > up_to:
        return None
    runs = T["import_runs"]
    since = set(
        conn.execute(
            select(runs.c.id).where(
                runs.c.outcome == "ok", runs.c.id > row.run_id, runs.c.id <= up_to
            )
        ).scalars()
    )
    touched: dict[int, set[str]] = defaultdict(set)
    for sid, run in conn.execute(
        select(pending_t.c.student_id, pending_t.c.run_id).where(
            pending_t.c.run_id > row.run_id, pending_t.c.run_id <= up_to
        )
    ):
        touched[run].add(sid)
    if any(RECORDED not in touched.get(run, ()) for run in since):
        return None  # a run before incremental facts existed, or one that did not record
    out = set().union(*touched.values()) - {RECORDED}
    return None if EVERY in out else out


def coverage_moved(conn: Connection) -> set[str]:
    """Students whose stored ``attendance_through`` is no longer what their school's
    attendance coverage gives (new attendance for anyone in the school moves it).

    Compared in the database for students of a known school (each school's latest event
    against the stored day, the way ``attendance_coverage`` and ``attendance_through`` give
    it: a school without attendance is unknown, NULL), so an incremental refresh reads the
    students that moved, not every student of the district into Python; students of no known
    school, whose day depends on every school's, go through ``attendance_through``."""
    ms = T["mat_student"]
    att = T["attendance_events"]
    latest = source.latest_by_school().subquery()
    moved = set(
        conn.execute(
            select(ms.c.student_id)
            .join(users_t, users_t.c.sourced_id == ms.c.student_id)
            .outerjoin(latest, latest.c.school_id == users_t.c.school_id)
            .where(
                users_t.c.school_id.is_not(None),
                ms.c.attendance_through.is_distinct_from(latest.c.through),
            )
        ).scalars()
    )
    unplaced = conn.execute(
        select(users_t.c.sourced_id, ms.c.attendance_through)
        .join(ms, ms.c.student_id == users_t.c.sourced_id)
        .where(users_t.c.school_id.is_(None))
    ).all()
    if unplaced:
        coverage = source.attendance_coverage(conn)
        with_events = set(
            conn.execute(
                select(att.c.student_id)
                .join(users_t, users_t.c.sourced_id == att.c.student_id)
                .where(users_t.c.school_id.is_(None))
                .distinct()
            ).scalars()
        )
        for sid, through in unplaced:
            want = source.attendance_through(coverage, None, sid in with_events)
            if as_date(through) != want:
                moved.add(sid)
    return moved


# A run's counts (``import_runs.counts``) that cannot move a school's attendance coverage,
# which is computed from the students' attendance events and the people (a student's school
# and role: ``inputs.latest_by_school``). Any other count (attendance events, users, deletions,
# students linked to cached ones, whose records can fill a cached student's school; or a
# count this list does not know) may have moved it.
COVERAGE_KEEPS = frozenset({
    "orgs", "academic_sessions", "calendar_days", "guardians", "courses", "classes",
    "enrollments", "categories", "line_items", "results", "discipline_incidents",
    "student_incidents", "caseloads", "grading_policies", "rejected", "not_enrolled",
})


def coverage_may_have_moved(conn: Connection, up_to: int | None) -> bool:
    """Whether a load after the one the stored facts were computed for, up to run ``up_to``,
    may have written what the attendance coverage is computed from (a count not in
    ``COVERAGE_KEEPS``; a run whose counts cannot be read is taken to have). When
    none did, every stored ``attendance_through`` still holds and ``coverage_moved``'s pass
    over the district's attendance (about 0.4 s at 75,000 students) is not needed: a
    nightly results-only sync."""
    after_run = conn.execute(select(T["mat_state"].c.run_id)).scalar()
    if after_run is None or up_to is None:
        return True
    runs = T["import_runs"]
    for (counts,) in conn.execute(
        select(runs.c.counts).where(runs.c.outcome == "ok", runs.c.id > after_run,
                                    runs.c.id <= up_to)
    ):
        try:
            written = json.loads(counts)
        except (TypeError, ValueError):
            return True
        if not isinstance(written, dict) or any(
            n and key not in COVERAGE_KEEPS for key, n in written.items()
        ):
            return True
    return False


__all__ = [
    "COVERAGE_KEEPS", "EVERY", "RECORDED", "chunks", "coverage_may_have_moved",
    "coverage_moved", "forget_computed_run", "mark_pending", "pending", "school_parts",
    "students_touched",
]
