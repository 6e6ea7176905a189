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
from caseload.domain import analysis
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    CalendarDay,
    Category,
    Enrollment,
    GradingMethod,
    GradingPolicy,
    Klass,
    LineItem,
    PolicyCategory,
    Result,
    Role,
    ScoreStatus,
    SessionType,
    User,
)
from caseload.domain.report import (
    CaseloadRow,
    ClassDetail,
    IncidentView,
    SourceFreshness,
    StudentDetail,
    StudentReport,
    triage,
)
from caseload.domain.schooldays import school_days
from caseload.domain.search import DirectoryEntry
from caseload.domain.settings import Thresholds
from caseload.store.tables import METADATA

log = logging.getLogger(__name__)

T = METADATA.tables
users = T["users"]
caseloads = T["caseloads"]
enrollments = T["enrollments"]
classes = T["classes"]
line_items = T["line_items"]
results = T["results"]
categories = T["categories"]
attendance = T["attendance_events"]
sessions_t = T["academic_sessions"]
calendar_t = T["calendar_days"]
policies_t = T["grading_policies"]
policy_cats = T["policy_categories"]
incidents_t = T["discipline_incidents"]
student_incidents = T["student_incidents"]
orgs = T["orgs"]
runs = T["import_runs"]


# --- rows -> records -------------------------------------------------------------------


def user_from(r: Any) -> User:
    return User(
        r.sourced_id,
        Role(r.role),
        r.given_name,
        r.family_name,
        r.middle_name,
        r.identifier,
        r.state_id,
        r.grade_level,
        r.birth_date,
        r.email,
        r.school_id,
        r.preferred_given_name,
        r.preferred_family_name,
    )


def _enrollment(r: Any) -> Enrollment:
    return Enrollment(
        r.sourced_id,
        r.class_id,
        r.user_id,
        Role(r.role),
        r.begin_date,
        r.end_date,
        bool(r.primary),
    )


def _klass(r: Any) -> Klass:
    terms = tuple(t for t in (r.term_ids or "").split(",") if t)
    return Klass(r.sourced_id, r.title, r.course_id, r.school_id, r.class_code, terms, r.period)


def _line_item(r: Any) -> LineItem:
    return LineItem(
        r.sourced_id,
        r.class_id,
        r.title,
        r.category_id,
        r.assign_date,
        r.due_date,
        r.min_points,
        r.max_points,
        r.grading_period_id,
    )


def _result(r: Any) -> Result:
    return Result(
        r.sourced_id,
        r.line_item_id,
        r.student_id,
        r.score,
        ScoreStatus(r.status),
        r.score_date,
        r.comment,
        bool(r.late),
        bool(r.missing),
    )


def _attendance(r: Any) -> AttendanceEvent:
    return AttendanceEvent(
        r.sourced_id,
        r.student_id,
        r.date,
        AttendanceCategory(r.category),
        r.class_id,
        r.period,
        r.school_id,
    )


def _session(r: Any) -> AcademicSession:
    return AcademicSession(
        r.sourced_id,
        r.title,
        SessionType(r.type),
        r.start_date,
        r.end_date,
        r.parent_id,
        r.school_year,
        r.school_id,
    )


def _chunked(ids: list[str], size: int = 900) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


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
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(users)
                .where(users.c.role == Role.COUNSELOR.value)
                .order_by(users.c.family_name, users.c.given_name)
            ).all()
        return [user_from(r) for r in rows]

    def default_counselor(self) -> str | None:
        """The counselor with the largest caseload (the demo opens on them)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(caseloads.c.counselor_id, func.count().label("n"))
                .group_by(caseloads.c.counselor_id)
                .order_by(func.count().desc(), caseloads.c.counselor_id)
                .limit(1)
            ).first()
        return row[0] if row else None

    def students(self, counselor_id: str | None = None) -> list[User]:
        with self.engine.connect() as conn:
            q = select(users).where(users.c.role == Role.STUDENT.value)
            if counselor_id is not None:
                q = q.where(users.c.sourced_id.in_(self._scope(counselor_id)))
            rows = conn.execute(q.order_by(users.c.family_name, users.c.given_name)).all()
        return [user_from(r) for r in rows]

    def freshness(self) -> list[SourceFreshness]:
        """The last successful run per kind of source, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.kind, runs.c.source, runs.c.finished_at, runs.c.counts)
                .where(runs.c.outcome == "ok")
                .order_by(runs.c.finished_at.desc())
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

    # --- scope ---------------------------------------------------------------------------

    @staticmethod
    def _scope(counselor_id: str | None) -> Select[Any]:
        """The student ids of a counselor's caseload, or of every student."""
        if counselor_id is None:
            return select(users.c.sourced_id).where(users.c.role == Role.STUDENT.value)
        return select(caseloads.c.student_id).where(caseloads.c.counselor_id == counselor_id)

    # --- inputs for the analytics --------------------------------------------------------

    def _people(
        self, conn: Connection, scope: Select[Any]
    ) -> tuple[dict[str, User], dict[str, list[str]]]:
        """The students in ``scope`` and the counselors of each."""
        student_rows = conn.execute(
            select(users).where(users.c.sourced_id.in_(scope), users.c.role == "student")
        ).all()
        students = {r.sourced_id: user_from(r) for r in student_rows}
        counselors_of: dict[str, list[str]] = defaultdict(list)
        for cid, sid in conn.execute(
            select(caseloads.c.counselor_id, caseloads.c.student_id)
            .where(caseloads.c.student_id.in_(scope))
            .order_by(caseloads.c.counselor_id)
        ):
            counselors_of[sid].append(cid)
        return students, counselors_of

    @staticmethod
    def _incidents(conn: Connection, scope: Select[Any]) -> dict[str, list[dt.date]]:
        inc_of: dict[str, list[dt.date]] = defaultdict(list)
        for sid, d in conn.execute(
            select(student_incidents.c.student_id, incidents_t.c.date)
            .join(incidents_t, incidents_t.c.sourced_id == student_incidents.c.incident_id)
            .where(student_incidents.c.student_id.in_(scope))
        ):
            inc_of[sid].append(d)
        return inc_of

    @staticmethod
    def _calendar(conn: Connection) -> tuple[list[AcademicSession], list[CalendarDay]]:
        sessions = [_session(r) for r in conn.execute(select(sessions_t))]
        calendar = [
            CalendarDay(r.school_id, r.date, bool(r.instructional))
            for r in conn.execute(select(calendar_t))
        ]
        return sessions, calendar

    def inputs(
        self,
        conn: Connection,
        scope: Select[Any],
        *,
        with_gradebook: bool = True,
        with_notes: bool = True,
    ) -> list[analysis.StudentInput]:
        """Every student in ``scope`` as a StudentInput, in a fixed number of queries."""
        students, counselors_of = self._people(conn, scope)
        if not students:
            return []

        enr_of: dict[str, list[Enrollment]] = defaultdict(list)
        for r in conn.execute(
            select(enrollments).where(
                enrollments.c.user_id.in_(scope), enrollments.c.role == Role.STUDENT.value
            )
        ):
            enr_of[r.user_id].append(_enrollment(r))
        # a student's classes: their enrollments, and any class they have results in (an
        # export may lack enrollments, as the Grand Bend Ed-Fi sample does)
        classes_of: dict[str, set[str]] = defaultdict(set)
        for sid, es in enr_of.items():
            classes_of[sid].update(e.class_id for e in es)
        if with_gradebook:
            for sid, cid in conn.execute(
                select(results.c.student_id, line_items.c.class_id)
                .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
                .where(results.c.student_id.in_(scope))
                .distinct()
            ):
                classes_of[sid].add(cid)
        class_ids = sorted({c for cs in classes_of.values() for c in cs})

        all_sessions, calendar = self._calendar(conn)
        by_id = {s.sourced_id: s for s in all_sessions}

        klasses: dict[str, Klass] = {}
        teacher_of: dict[str, str] = {}
        items_of: dict[str, list[LineItem]] = defaultdict(list)
        cats_of: dict[str, dict[str, Category]] = defaultdict(dict)
        policy_of: dict[str, GradingPolicy] = {}
        class_dates: dict[str, list[dt.date]] = defaultdict(list)
        for chunk in _chunked(class_ids):
            for r in conn.execute(select(classes).where(classes.c.sourced_id.in_(chunk))):
                klasses[r.sourced_id] = _klass(r)
            teacher_rows = conn.execute(
                select(
                    enrollments.c.class_id,
                    enrollments.c.primary,
                    users.c.family_name,
                    users.c.given_name,
                )
                .join(users, users.c.sourced_id == enrollments.c.user_id)
                .where(enrollments.c.class_id.in_(chunk), enrollments.c.role == Role.TEACHER.value)
                .order_by(enrollments.c.class_id, enrollments.c.primary.desc(), users.c.family_name)
            )
            for cid, _primary, family, given in teacher_rows:
                teacher_of.setdefault(cid, f"{family}, {given}")
            pol_rows = conn.execute(select(policies_t).where(policies_t.c.class_id.in_(chunk)))
            methods = {r.class_id: GradingMethod(r.method) for r in pol_rows}
            pcs: dict[str, list[PolicyCategory]] = defaultdict(list)
            for r in conn.execute(select(policy_cats).where(policy_cats.c.class_id.in_(chunk))):
                pcs[r.class_id].append(PolicyCategory(r.category_id, r.weight, r.drop_lowest))
            for cid, method in methods.items():
                policy_of[cid] = GradingPolicy(cid, method, tuple(pcs.get(cid, ())))
            if with_gradebook:
                cat_rows = conn.execute(
                    select(line_items.c.class_id, categories)
                    .join(categories, categories.c.sourced_id == line_items.c.category_id)
                    .where(line_items.c.class_id.in_(chunk))
                    .distinct()
                )
                for r in cat_rows:
                    cats_of[r.class_id][r.sourced_id] = Category(
                        r.sourced_id, r.title, r.weight, r.class_id
                    )
                for r in conn.execute(select(line_items).where(line_items.c.class_id.in_(chunk))):
                    items_of[r.class_id].append(_line_item(r))
                eff = func.coalesce(
                    results.c.score_date, line_items.c.due_date, line_items.c.assign_date
                )
                date_rows = conn.execute(
                    select(line_items.c.class_id, eff)
                    .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
                    .where(line_items.c.class_id.in_(chunk), eff.is_not(None))
                    .distinct()
                )
                for cid, d in date_rows:
                    class_dates[cid].append(d)

        res_of: dict[tuple[str, str], list[Result]] = defaultdict(list)
        if with_gradebook:
            rows = conn.execute(
                select(results, line_items.c.class_id)
                .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
                .where(results.c.student_id.in_(scope))
            )
            for r in rows:
                res_of[(r.student_id, r.class_id)].append(_result(r))

        att_of: dict[str, list[AttendanceEvent]] = defaultdict(list)
        for r in conn.execute(select(attendance).where(attendance.c.student_id.in_(scope))):
            att_of[r.student_id].append(_attendance(r))

        inc_of = self._incidents(conn, scope)
        notes_of = self._notes_of(conn, scope) if with_notes else {}

        days_cache: dict[str | None, frozenset[dt.date]] = {}

        def term_span(k: Klass) -> tuple[dt.date | None, dt.date | None]:
            spans = [by_id[t] for t in k.term_ids if t in by_id]
            if not spans:
                return None, None
            return min(s.start_date for s in spans), max(s.end_date for s in spans)

        out: list[analysis.StudentInput] = []
        for sid, student in students.items():
            school = student.school_id
            if school not in days_cache:
                days_cache[school] = school_days(school, all_sessions, calendar)
            cis = []
            for cid in sorted(classes_of.get(sid, ())):
                k = klasses.get(cid)
                if k is None:
                    continue
                start, end = term_span(k)
                cis.append(
                    analysis.ClassInput(
                        klass=k,
                        teacher=teacher_of.get(cid),
                        line_items=tuple(items_of.get(cid, ())),
                        results=tuple(res_of.get((sid, cid), ())),
                        categories=tuple(cats_of.get(cid, {}).values()),
                        policy=policy_of.get(cid),
                        term_start=start,
                        term_end=end,
                        class_result_dates=tuple(class_dates.get(cid, ())),
                    )
                )
            out.append(
                analysis.StudentInput(
                    student=student,
                    counselor_ids=tuple(counselors_of.get(sid, ())),
                    enrollments=tuple(enr_of.get(sid, ())),
                    classes=tuple(cis),
                    attendance=tuple(att_of.get(sid, ())),
                    incident_dates=tuple(inc_of.get(sid, ())),
                    school_days=days_cache[school],
                    sessions=tuple(all_sessions),
                    note_dates=tuple(notes_of.get(sid, ())),
                )
            )
        return out

    # --- CaseloadReader --------------------------------------------------------------------

    @staticmethod
    def _notes_of(conn: Connection, scope: Select[Any]) -> dict[str, list[dt.date]]:
        """Contact dates of each student's intervention notes (deleted ones left out)."""
        notes = T["notes"]
        out: dict[str, list[dt.date]] = defaultdict(list)
        for sid, d in conn.execute(
            select(notes.c.student_id, notes.c.contact_date).where(
                notes.c.student_id.in_(scope), notes.c.deleted.is_(False)
            )
        ):
            out[sid].append(d)
        return out

    def facts(self, counselor_id: str | None) -> list[analysis.StudentFacts] | None:
        """The scope's materialized facts, or None when they can't be had (see store/facts.py).

        Stale facts are refreshed first. The decoded facts are kept in memory per scope until
        the next refresh (the TUI asks again on every as-of change); notes are read each time.
        """
        from caseload.store import facts as mat

        scope = self._scope(counselor_id)
        with self.engine.connect() as conn:
            stamp = mat.fresh_stamp(conn, self.thresholds)
        if stamp is None:
            try:
                mat.refresh(self.engine, self.thresholds)
            except Exception:  # derived data: a failed refresh costs speed, never correctness
                return None
            with self.engine.connect() as conn:
                stamp = mat.fresh_stamp(conn, self.thresholds)
        with self.engine.connect() as conn:
            cached = self._facts_cache.get(counselor_id)
            if cached is None or cached[0] != stamp:
                students, counselors_of = self._people(conn, scope)
                sessions, calendar = self._calendar(conn)
                days_of = {
                    school: tuple(sorted(school_days(school, sessions, calendar)))
                    for school in {s.school_id for s in students.values()}
                }
                loaded = mat.load_facts(
                    conn,
                    students,
                    counselors_of,
                    sessions,
                    days_of,
                    self._incidents(conn, scope),
                    {},
                    scope,
                )
                cached = (stamp, loaded)
                self._facts_cache[counselor_id] = cached
            notes_of = self._notes_of(conn, scope)
        return [
            replace(f, note_dates=tuple(sorted(notes_of[f.student.sourced_id])))
            if f.student.sourced_id in notes_of
            else f
            for f in cached[1]
        ]

    def caseload(self, counselor_id: str | None, as_of: dt.date) -> list[StudentReport]:
        """The scope's reports in triage order: from the materialized facts when fresh."""
        facts = self.facts(counselor_id)
        if facts is None:
            with self.engine.connect() as conn:
                inputs = self.inputs(conn, self._scope(counselor_id))
            facts = [analysis.student_facts(i, self.thresholds) for i in inputs]
        with analysis.gc_paused():  # many acyclic objects, few collector passes: see gc_paused
            return triage(analysis.reports_from_facts(facts, as_of, self.thresholds))

    def _ranking_stored(self, conn: Connection, counselor_id: str | None,
                        as_of: dt.date) -> bool:
        """Whether the scope's ranking at ``as_of`` is stored for the current facts and
        settings (store/ranking.py)."""
        from caseload.store import facts as mat
        from caseload.store import ranking

        stamp = mat.fresh_stamp(conn, self.thresholds)
        return stamp is not None and ranking.is_stored(
            conn, as_of, counselor_id, stamp, self.thresholds
        )

    def caseload_rows(self, counselor_id: str | None, as_of: dt.date) -> list[CaseloadRow]:
        """The scope's caseload-table rows in triage order: from the persisted ranking when it
        is stored for these facts and settings (see store/ranking.py), else computed from the
        reports and stored for the next time."""
        from caseload.store import facts as mat
        from caseload.store import ranking

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
        from caseload.store import ranking

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

    def student_details(
        self, student_ids: Iterable[str], as_of: dt.date
    ) -> dict[str, StudentDetail]:
        """Several students' details in a fixed number of queries (the PDF for a meeting
        reads every noted student at once); an unknown id is absent from the result."""
        ids = sorted(set(student_ids))
        if not ids:
            return {}
        with self.engine.connect() as conn:
            inps = self.inputs(conn, select(users.c.sourced_id).where(users.c.sourced_id.in_(ids)))
            school_ids = {i.student.school_id for i in inps if i.student.school_id}
            schools = dict(conn.execute(
                select(orgs.c.sourced_id, orgs.c.name).where(orgs.c.sourced_id.in_(school_ids))
            ).all()) if school_ids else {}
            counselor_ids = {c for i in inps for c in i.counselor_ids}
            names = {
                r.sourced_id: user_from(r).sort_name
                for r in conn.execute(
                    select(users).where(users.c.sourced_id.in_(list(counselor_ids) or [""]))
                )
            }
            incidents_of: dict[str, list[Any]] = defaultdict(list)
            for r in conn.execute(
                select(incidents_t, student_incidents.c.student_id.label("own_student"),
                       student_incidents.c.behavior.label("own_behavior"))
                .join(
                    student_incidents, student_incidents.c.incident_id == incidents_t.c.sourced_id
                )
                .where(student_incidents.c.student_id.in_(ids))
                .order_by(incidents_t.c.date.desc())
            ):
                incidents_of[r.own_student].append(r)
        out: dict[str, StudentDetail] = {}
        for inp in inps:
            sid = inp.student.sourced_id
            facts = analysis.student_facts(inp, self.thresholds)
            report = analysis.report_from_facts(facts, as_of, self.thresholds)
            out[sid] = StudentDetail(
                report=report,
                local_id=inp.student.identifier,
                state_id=inp.student.state_id,
                school=schools.get(inp.student.school_id) if inp.student.school_id else None,
                counselors=tuple(names.get(c, c) for c in inp.counselor_ids),
                attendance=analysis.summary_from_facts(facts, as_of, self.thresholds),
                incidents=tuple(
                    IncidentView(
                        r.sourced_id, r.date, r.own_behavior or r.behavior, r.description,
                        r.location,
                    )
                    for r in incidents_of.get(sid, ())
                    if r.date <= as_of
                ),
                legal_name=(inp.student.legal_name
                            if inp.student.legal_name != inp.student.sort_name else None),
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
