"""The read side over the cache: implements ``caseload.domain.ports.CaseloadReader``.

Queries fetch a scope's rows in a handful of set-based statements (never one per student) and
hand plain domain records to ``caseload.domain.analysis``; no rule is computed here. The
caseload table and ``caseload flags`` read the materialized facts (``store/facts.py``) when
they are fresh, and fall back to the pure path otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.engine import Connection

import caseload.store.notes  # noqa: F401  (registers the notes tables)
from caseload._runtime import gc_paused
from caseload.domain import analysis
from caseload.domain.records import Guardian, Role, User, by_name
from caseload.domain.report import (
    CaseloadRow,
    ClassDetail,
    IncidentView,
    SourceFreshness,
    StudentDetail,
    StudentReport,
    triage,
)
from caseload.domain.schooldays import WeekdaysOnlyOf, school_days
from caseload.domain.search import DirectoryEntry
from caseload.domain.settings import Thresholds
from caseload.store import facts as mat
from caseload.store import inputs as cache_inputs
from caseload.store import ranking
from caseload.store.collation import code_points
from caseload.store.guardians import guardians_of
from caseload.store.inputs import caseloads, incidents_t, student_incidents, user_from, users
from caseload.store.tables import METADATA

log = logging.getLogger(__name__)

orgs = METADATA.tables["orgs"]
runs = METADATA.tables["import_runs"]


class Repository:
    """Caseload queries over one database. Thread-safe: each call uses its own connection."""

    def __init__(
        self,
        engine: Engine,
        *,
        thresholds: Thresholds | Mapping[str, Any] | None = None,
    ):
        self.engine = engine
        if thresholds is None:
            thresholds = Thresholds()
        elif not isinstance(thresholds, Thresholds):
            thresholds = Thresholds.from_mapping(dict(thresholds))
        self.thresholds = thresholds
        self._facts_cache: dict[str | None, tuple[Any, list[analysis.StudentFacts]]] = {}

    # --- simple lookups ----------------------------------------------------------------

    def has_students(self) -> bool:
        with self.engine.connect() as conn:
            q = select(users.c.sourced_id).where(users.c.role == Role.STUDENT.value).limit(1)
            return conn.execute(q).first() is not None

    def counselors(self) -> list[User]:
        """Every counselor, by name (``by_name``)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(users).where(users.c.role == Role.COUNSELOR.value)
            ).all()
        return by_name(user_from(r) for r in rows)

    def default_counselor(self) -> str | None:
        """The counselor with the largest caseload (the demo opens on them); of several, the
        first by id (code point order on both backends: store/collation.py)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(caseloads.c.counselor_id, func.count().label("n"))
                .group_by(caseloads.c.counselor_id)
                .order_by(func.count().desc(), code_points(caseloads.c.counselor_id))
                .limit(1)
            ).first()
        return row[0] if row else None

    def has_caseload(self, counselor_id: str) -> bool:
        """Whether anyone is assigned to ``counselor_id``'s caseload (that this login sees)."""
        with self.engine.connect() as conn:
            q = select(caseloads.c.student_id).where(caseloads.c.counselor_id == counselor_id)
            return conn.execute(q.limit(1)).first() is not None

    def students(self, counselor_id: str | None = None) -> list[User]:
        """The students of a counselor's caseload (or every student), by name (``by_name``)."""
        with self.engine.connect() as conn:
            q = select(users).where(users.c.role == Role.STUDENT.value)
            if counselor_id is not None:
                q = q.where(users.c.sourced_id.in_(self._scope(counselor_id)))
            rows = conn.execute(q).all()
        return by_name(user_from(r) for r in rows)

    def freshness(self) -> list[SourceFreshness]:
        """The last successful run per kind of source, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.kind, runs.c.source, runs.c.finished_at, runs.c.counts)
                .where(runs.c.outcome == "ok")
                # (runs finished at one instant: the first by id wins, as SQLite's scan gave)
                .order_by(runs.c.finished_at.desc(), runs.c.id)
            ).all()
        seen: dict[str, SourceFreshness] = {}
        for kind, source, finished, counts in rows:
            got = json.loads(counts or "{}")
            whats = []
            if "results" in got or "line_items" in got:
                whats.append("grades")
            if "attendance_events" in got:
                whats.append("attendance")
            if "users" in got or "enrollments" in got:
                whats.append("roster")
            for what in whats or ["data"]:
                if what not in seen:
                    when = finished
                    if when is not None and when.tzinfo is None:
                        when = when.replace(tzinfo=dt.UTC)
                    seen[what] = SourceFreshness(what, f"{kind}: {source}", when)
        return list(seen.values())

    # --- scope and inputs (store/inputs.py) -------------------------------------------------

    @staticmethod
    def _scope(counselor_id: str | None) -> Select[Any]:
        """The student ids of a counselor's caseload, or of every student."""
        return cache_inputs.scope(counselor_id)

    def inputs(
        self,
        conn: Connection,
        scope: Select[Any],
        *,
        with_gradebook: bool = True,
        with_notes: bool = True,
    ) -> list[analysis.StudentInput]:
        """Every student in ``scope`` as a StudentInput (``store.inputs.inputs``)."""
        return cache_inputs.inputs(
            conn, scope, with_gradebook=with_gradebook, with_notes=with_notes
        )

    # --- CaseloadReader --------------------------------------------------------------------

    def facts(self, counselor_id: str | None) -> list[analysis.StudentFacts] | None:
        """The scope's materialized facts, or None when they can't be had (see store/facts.py).

        Stale facts are refreshed first. The decoded facts are kept in memory per scope until
        the next refresh (the TUI asks again on every as-of change); notes are read each time.
        """
        scope = self._scope(counselor_id)
        stamp = self._fresh_stamp()
        if stamp is None:
            return None
        with self.engine.connect() as conn:
            cached = self._facts_cache.get(counselor_id)
            if cached is None or cached[0] != stamp:
                cached = (stamp, self._stored_facts(conn, scope, {}))
                self._facts_cache[counselor_id] = cached
            # every student: every note, looked up by the students' ids just below
            notes_of = cache_inputs.notes_of(conn, scope if counselor_id is not None else None)
        return [
            replace(f, note_dates=tuple(sorted(notes_of[f.student.sourced_id])))
            if f.student.sourced_id in notes_of
            else f
            for f in cached[1]
        ]

    def _fresh_stamp(self) -> Any:
        """The materialized facts' stamp, refreshing stale ones first; None when they can't
        be had (a failed refresh costs speed, never correctness)."""
        with self.engine.connect() as conn:
            stamp = mat.fresh_stamp(conn, self.thresholds)
        if stamp is None:
            try:
                mat.refresh(self.engine, self.thresholds)
            except Exception:  # derived data
                return None
            with self.engine.connect() as conn:
                stamp = mat.fresh_stamp(conn, self.thresholds)
        return stamp

    @staticmethod
    def _stored_facts(
        conn: Connection, scope: Select[Any], notes_of: dict[str, list[dt.date]]
    ) -> list[analysis.StudentFacts]:
        """The materialized facts of the students in ``scope`` (fresh: see ``_fresh_stamp``)."""
        students, counselors_of = cache_inputs.people(conn, scope)
        sessions, calendar = cache_inputs.calendar(conn)
        days_of = {
            school: tuple(sorted(school_days(school, sessions, calendar)))
            for school in {s.school_id for s in students.values()}
        }
        return mat.load_facts(conn, students, counselors_of, sessions, days_of,
                              cache_inputs.incidents(conn, scope), notes_of, scope,
                              WeekdaysOnlyOf(calendar))

    def caseload(self, counselor_id: str | None, as_of: dt.date) -> list[StudentReport]:
        """The scope's reports in triage order: from the materialized facts when fresh."""
        facts = self.facts(counselor_id)
        if facts is None:
            with self.engine.connect() as conn:
                inputs = self.inputs(conn, self._scope(counselor_id))
            facts = [analysis.student_facts(i, self.thresholds) for i in inputs]
        # many acyclic objects the caller keeps: no collector pass over them (see gc_paused)
        with gc_paused(promote=True):
            return triage(analysis.reports_from_facts(facts, as_of, self.thresholds))

    def _ranking_stored(self, conn: Connection, counselor_id: str | None,
                        as_of: dt.date) -> bool:
        """Whether the scope's ranking at ``as_of`` is stored for the current facts and
        settings (store/ranking.py)."""
        stamp = mat.fresh_stamp(conn, self.thresholds)
        return stamp is not None and ranking.is_stored(
            conn, as_of, counselor_id, stamp, self.thresholds
        )

    def caseload_rows(self, counselor_id: str | None, as_of: dt.date) -> list[CaseloadRow]:
        """The scope's caseload-table rows in triage order: from the persisted ranking when it
        is stored for these facts and settings (see store/ranking.py), else computed from the
        reports and stored for the next time."""
        with self.engine.connect() as conn:
            if self._ranking_stored(conn, counselor_id, as_of):
                return ranking.read(conn, as_of, counselor_id)
        rows = [CaseloadRow.from_report(r) for r in self.caseload(counselor_id, as_of)]
        with self.engine.connect() as conn:
            stamp = mat.fresh_stamp(conn, self.thresholds)
        if stamp is not None:
            try:
                ranking.write(self.engine, as_of, counselor_id, rows, stamp, self.thresholds)
            except Exception as exc:  # derived data: a failed write costs speed only
                log.warning("could not store the caseload ranking: %s", type(exc).__name__)
        return rows

    def caseload_head(
        self, counselor_id: str | None, as_of: dt.date, limit: int
    ) -> tuple[list[CaseloadRow], int] | None:
        """The first ``limit`` rows of ``caseload_rows`` and the scope's size, when the ranking
        is stored (a few milliseconds at any size); None when it would have to be computed."""
        with self.engine.connect() as conn:
            if not self._ranking_stored(conn, counselor_id, as_of):
                return None
            return (ranking.read(conn, as_of, counselor_id, limit),
                    ranking.count(conn, as_of, counselor_id))

    def _one(self, conn: Connection, student_id: str) -> analysis.StudentInput:
        found = self.inputs(
            conn, select(users.c.sourced_id).where(users.c.sourced_id == student_id)
        )
        if not found:
            raise KeyError(student_id)
        return found[0]

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        found = self.student_details([student_id], as_of)
        if student_id not in found:
            raise KeyError(student_id)
        return found[student_id]

    def guardians(self, student_id: str) -> list[Guardian]:
        """The student's parents, guardians and relatives (primary contacts first)."""
        with self.engine.connect() as conn:
            return guardians_of(conn, [student_id]).get(student_id, [])

    def student_details(
        self, student_ids: Iterable[str], as_of: dt.date
    ) -> dict[str, StudentDetail]:
        """Several students' details in a fixed number of queries (the PDF for a meeting
        reads every noted student at once), from the materialized facts when they can be had
        (else computed from the cache's rows); an unknown id is absent from the result."""
        ids = sorted(set(student_ids))
        if not ids:
            return {}
        scope = select(users.c.sourced_id).where(users.c.sourced_id.in_(ids))
        stored = self._fresh_stamp() is not None
        with self.engine.connect() as conn:
            if stored:
                all_facts = self._stored_facts(conn, scope, cache_inputs.notes_of(conn, scope))
            else:
                all_facts = [analysis.student_facts(i, self.thresholds)
                             for i in self.inputs(conn, scope)]
            school_ids = {f.student.school_id for f in all_facts if f.student.school_id}
            schools = dict(conn.execute(
                select(orgs.c.sourced_id, orgs.c.name).where(orgs.c.sourced_id.in_(school_ids))
            ).all()) if school_ids else {}
            counselor_ids = {c for f in all_facts for c in f.counselor_ids}
            names = {
                r.sourced_id: user_from(r).sort_name
                for r in conn.execute(
                    select(users).where(users.c.sourced_id.in_(list(counselor_ids) or [""]))
                )
            }
            incidents_of: dict[str, list[Any]] = defaultdict(list)
            for r in conn.execute(
                select(incidents_t, student_incidents.c.student_id.label("own_student"),
                       student_incidents.c.behavior.label("own_behavior"),
                       student_incidents.c.description.label("own_description"))
                .join(
                    student_incidents, student_incidents.c.incident_id == incidents_t.c.sourced_id
                )
                .where(student_incidents.c.student_id.in_(ids))
                .order_by(incidents_t.c.date.desc(), code_points(incidents_t.c.sourced_id))
            ):
                incidents_of[r.own_student].append(r)
            guardians = guardians_of(conn, ids)
        out: dict[str, StudentDetail] = {}
        for facts in all_facts:
            student = facts.student
            sid = student.sourced_id
            report = analysis.report_from_facts(facts, as_of, self.thresholds)
            out[sid] = StudentDetail(
                report=report,
                local_id=student.identifier,
                state_id=student.state_id,
                school=schools.get(student.school_id) if student.school_id else None,
                counselors=tuple(names.get(c, c) for c in facts.counselor_ids),
                guardians=tuple(guardians.get(sid, ())),
                legal_name=(student.legal_name
                            if student.legal_name != student.sort_name else None),
                attendance=analysis.summary_from_facts(facts, as_of, self.thresholds),
                weekdays_only=report.metrics.school_days_all_weekdays,
                incidents=tuple(
                    IncidentView(
                        r.sourced_id, r.date, r.own_behavior or r.behavior,
                        r.own_description or r.description, r.location,
                    )
                    for r in incidents_of.get(sid, ())
                    if r.date <= as_of
                ),
            )
        return out

    def class_detail(self, student_id: str, class_id: str, as_of: dt.date) -> ClassDetail:
        with self.engine.connect() as conn:
            inp = self._one(conn, student_id)
        return analysis.class_detail(inp, class_id, as_of, self.thresholds)

    # --- finding students (issue 12) --------------------------------------------------------

    def student_directory(self) -> list[DirectoryEntry]:
        """Every student in the cache with their counselors' names, by name: what the
        palette searches (``caseload.domain.search``). Two queries, no analytics."""
        with self.engine.connect() as conn:
            students = [user_from(r) for r in conn.execute(
                select(users).where(users.c.role == Role.STUDENT.value)
            )]
            counselor_names = {
                r.sourced_id: user_from(r).sort_name
                for r in conn.execute(select(users).where(users.c.role == Role.COUNSELOR.value))
            }
            names_of: dict[str, list[str]] = defaultdict(list)
            for cid, sid in conn.execute(
                select(caseloads.c.counselor_id, caseloads.c.student_id)
            ):
                names_of[sid].append(counselor_names.get(cid, cid))
        entries = [DirectoryEntry(s, tuple(sorted(names_of.get(s.sourced_id, ()))))
                   for s in students]
        entries.sort(key=lambda e: (e.student.sort_name.casefold(), e.id))
        return entries


__all__ = ["Repository", "user_from"]
