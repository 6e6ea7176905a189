"""An incremental Ed-Fi sync's records, completed from the cache (the sync side of the mapping).

:func:`caseload.sources.edfi_api.map_items` maps only what changed; what a changed record's
row needs from records that did not change (a school year's span, a course title, a
student's school) is taken here from the cache, with what the mapping said it could not tell
(:class:`~caseload.sources.edfi_api.CacheNeeds`). It also says which students' parts in
discipline incidents a delta changed the cache may hold (:func:`parts_maybe_cached`: those are
read again, ``edfi_parts``) and which it holds (:func:`cached_parts`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, select

from caseload.domain.records import Guardian, Role, SessionType, StudentIncident, User
from caseload.sources.dataset import Dataset, Reject
from caseload.sources.edfi_api import CacheNeeds
from caseload.sources.edfi_common import class_title, course_id
from caseload.sources.load_checks import link_students
from caseload.store.collation import code_points
from caseload.store.tables import METADATA

__all__ = ["cached_parts", "keep_cached", "parts_maybe_cached"]

Part = tuple[str, str]  # (incident id, student id): the key of a student_incidents row


def _cached(conn: Connection, table: str, ids: set[str]) -> dict[str, Any]:
    """Cached rows of ``table`` by sourced_id (only those that exist)."""
    t = METADATA.tables[table]
    out: dict[str, Any] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), 500):
        for row in conn.execute(select(t).where(t.c.sourced_id.in_(wanted[i : i + 500]))):
            out[row.sourced_id] = row
    return out


def keep_cached(engine: Engine, ds: Dataset, m: CacheNeeds, *,
                skip_invalid: bool = False) -> None:
    """Incremental sync: fill what the changed records alone cannot tell from the cache.

    - a school year's span: widened to the cached one (only some sessions changed);
    - a grading period no changed session lists: keeps its cached parent session;
    - a course offering or section whose title source (course catalog, offering) did not
      change: the cached course title;
    - a section attendance event whose section did not change: the cached class's period
      and school;
    - a student whose school association did not change: the cached school and grade level
      (and state id when their education organization association did not change); a staff
      member's cached school likewise;
    - a school association or state id that changed for a student who did not: the cached
      student, re-applied with the new school, grade level or state id;
    - a guardian association whose parent or contact did not change: the cached person's
      name, phone and email (neither changed nor cached: the mapping's error, or a reject
      with ``skip_invalid``).
    """
    _guardians_from_cache(engine, ds, m, skip_invalid)
    sessions = {s.sourced_id for s in ds.academic_sessions}
    with engine.connect() as conn:
        cached_sessions = _cached(conn, "academic_sessions", sessions)
        new_sessions = []
        for s in ds.academic_sessions:
            row = cached_sessions.get(s.sourced_id)
            if row is not None and s.type is SessionType.SCHOOL_YEAR:
                s = dataclasses.replace(
                    s,
                    start_date=min(s.start_date, row.start_date),
                    end_date=max(s.end_date, row.end_date),
                )
            elif (
                row is not None
                and s.type is SessionType.GRADING_PERIOD
                and s.sourced_id not in m.gp_parent
                and row.parent_id
            ):
                s = dataclasses.replace(s, parent_id=row.parent_id)
            new_sessions.append(s)
        ds.academic_sessions = new_sessions

        # course titles the changed offerings could not find
        untitled = {
            course_id(sec.school_id, sec.course_code)
            for sec in m.sections.values()
            if (sec.school_id, sec.course_code) not in m.offering_titles
        } | {c.sourced_id for c in ds.courses if c.title == c.course_code}
        titles = {k: r.title for k, r in _cached(conn, "courses", untitled).items()}
        ds.courses = [
            dataclasses.replace(c, title=titles[c.sourced_id])
            if c.title == c.course_code and c.sourced_id in titles
            else c
            for c in ds.courses
        ]
        classes = []
        for k in ds.classes:
            sec = m.sections[k.sourced_id]
            title = titles.get(k.course_id or "")
            if (sec.school_id, sec.course_code) not in m.offering_titles and title:
                k = dataclasses.replace(k, title=class_title(title, sec))
            classes.append(k)
        ds.classes = classes

        # section attendance for sections that did not change
        unknown = {
            e.class_id for e in ds.attendance_events if e.class_id and e.class_id not in m.sections
        }
        cached_classes = _cached(conn, "classes", unknown)
        ds.attendance_events = [
            dataclasses.replace(
                e,
                period=cached_classes[e.class_id].period,
                school_id=cached_classes[e.class_id].school_id or e.school_id,
            )
            if e.class_id in cached_classes
            else e
            for e in ds.attendance_events
        ]

        # users
        in_ds = {u.sourced_id for u in ds.users}
        gone = {d.sourced_id for d in ds.deletions if d.entity == "users"}
        extra = (set(m.school_assoc) | set(m.state_ids) | set(m.staff_school)) - in_ds - gone
        cached_users = _cached(conn, "users", in_ds | extra)
    users = []
    for u in ds.users:
        row = cached_users.get(u.sourced_id)
        if row is not None:
            changes: dict[str, Any] = {}
            if u.role is Role.STUDENT:
                if u.sourced_id not in m.school_assoc:
                    changes["school_id"] = row.school_id
                    changes["grade_level"] = row.grade_level
                if u.sourced_id not in m.state_ids and row.state_id:
                    changes["state_id"] = row.state_id
            elif u.sourced_id not in m.staff_school and row.school_id:
                changes["school_id"] = row.school_id
            if changes:
                u = dataclasses.replace(u, **changes)
        users.append(u)
    for uid in sorted(extra):
        row = cached_users.get(uid)
        if row is None:
            continue  # (the loader rejects what refers to it: an unknown reference)
        fields = {c: getattr(row, c) for c in _USER_FIELDS}
        if row.role != Role.STUDENT.value:
            if uid in m.staff_school:  # a staff member's school association changed
                users.append(User(role=Role(row.role), **{
                    **fields, "school_id": m.staff_school[uid]}))
            continue  # (else: counted by the loader as not applied)
        if uid not in m.school_assoc and uid not in m.state_ids:
            continue  # (a staff association naming a student: the same)
        user = User(role=Role.STUDENT, **fields)
        assoc = m.school_assoc.get(uid)
        if assoc is not None:
            user = dataclasses.replace(user, school_id=assoc.school_id, grade_level=assoc.grade)
        if uid in m.state_ids:
            user = dataclasses.replace(user, state_id=m.state_ids[uid])
        users.append(user)
    ds.users = users


def _guardians_from_cache(engine: Engine, ds: Dataset, m: CacheNeeds,
                          skip_invalid: bool) -> None:
    if not m.guardian_links:
        return
    t = METADATA.tables["guardians"]
    wanted = sorted({link[1] for link in m.guardian_links})
    known: dict[str, Any] = {}
    with engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            # the first student's copy (by id, in code point order whatever the database's
            # collation: store/collation.py) when the cached links disagree, whatever order
            # the plan returns them in
            for row in conn.execute(select(t).where(t.c.guardian_id.in_(wanted[i : i + 500]))
                                    .order_by(t.c.guardian_id, code_points(t.c.student_id))):
                known.setdefault(row.guardian_id, row)
    for student, gid, relationship, primary, missing, origin in m.guardian_links:
        cached = known.get(gid)
        if cached is None:
            if not skip_invalid:
                raise missing
            ds.rejects.append(Reject.from_error(missing))
            continue
        ds.guardians.append(Guardian(student, gid, cached.given_name, cached.family_name,
                                     relationship, cached.phone, cached.email, primary,
                                     ds.kind))
        if origin is not None:
            ds.origins[("guardians", f"{gid}/{student}")] = origin


_USER_FIELDS = tuple(f.name for f in dataclasses.fields(User) if f.name != "role")


# -- students' parts in discipline incidents (``caseload.sources.edfi_parts``) -------------------


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    wanted = sorted(set(values))
    for i in range(0, len(wanted), 500):
        yield wanted[i : i + 500]


def _rows_of(conn: Connection, incidents: Iterable[str]) -> set[Part]:
    """The cached student_incidents keys of ``incidents``."""
    t = METADATA.tables["student_incidents"]
    return {
        (row.incident_id, row.student_id)
        for chunk in _chunks(incidents)
        for row in conn.execute(select(t.c.incident_id, t.c.student_id)
                                .where(t.c.incident_id.in_(chunk)))
    }


def parts_maybe_cached(engine: Engine, parts: Iterable[Part]) -> set[Part]:
    """Those of ``parts`` (a delta's changed records' parts) whose row the cache may hold,
    before the mapping (so without the delta's students): the part's row, for a student the
    cache holds by that id (the loader stores their row under it); for any other (a new
    student, or one the loader links to a student the cache holds by another source's id:
    ``load_checks.link_students``), any row of the incident. A part outside them has no row,
    so none of its records unchanged since the last sync made one: a victim's or witness's
    link, which makes none in a full sync either (or a record rejected then, which no
    incremental sync reads again until it changes); the mapping makes the row of the delta's
    records alone."""
    wanted = set(parts)
    if not wanted:
        return set()
    users = METADATA.tables["users"]
    with engine.connect() as conn:
        students = {
            sid
            for chunk in _chunks(s for _, s in wanted)
            for sid in conn.execute(select(users.c.sourced_id).where(
                users.c.sourced_id.in_(chunk), users.c.role == Role.STUDENT.value)).scalars()
        }
        rows = _rows_of(conn, (i for i, _ in wanted))
    with_rows = {i for i, _ in rows}
    return {
        p for p in wanted if p in rows or (p[1] not in students and p[0] in with_rows)
    }


def cached_parts(engine: Engine, ds: Dataset, parts: Iterable[Part]) -> set[Part]:
    """Those of ``parts`` whose row the cache holds, the student linked to the cache's as the
    loader links ``ds``'s (``load_checks.link_students``: by state or local id)."""
    wanted = sorted(set(parts))
    if not wanted:
        return set()
    probe = Dataset(kind=ds.kind, source=ds.source, users=list(ds.users))
    probe.student_incidents = [StudentIncident(i, s) for i, s in wanted]
    with engine.connect() as conn:
        link_students(conn, probe)  # rewrites the probe only
        rows = _rows_of(conn, (i for i, _ in wanted))
    return {
        part for part, si in zip(wanted, probe.student_incidents, strict=True)
        if (si.incident_id, si.student_id) in rows
    }
