"""What the analytics are computed from: the cache's rows as ``analysis.StudentInput`` records.

Both the read side (``store/repository.py``, the pure path and the drill-downs) and the
materialized facts (``store/facts.py``, rebuilt after every import) start here, so neither
imports the other (issue 15: no facts <-> repository cycle). Queries fetch a scope's rows in a
handful of set-based statements (never one per student); no rule is computed here.

Two things the cache does not hold as rows, and that the inputs must not invent (issue 11 §1):

* **Whether attendance is known.** Attendance is recorded by exception, so a student with no
  records was present, but only where attendance was loaded for the student's school at all.
  ``attendance_through`` gives each student the last day their school's attendance was
  recorded through (the latest event of its students), or None when none was loaded for it:
  the reports then show the figures as unknown and count only through that day.
* **Which results belong to a class's roster.** A result for a student who is not enrolled in
  the line item's class (a result with a wrong class) is stored but not shown: it gives the
  student no class, no grade and no gradebook activity (``visible_result``). A class with no
  student enrollments at all (an export without a roster, as the Grand Bend Ed-Fi sample) has
  no roster to check against, so its results are shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar
from typing import cast as typed

from sqlalchemy import Integer, Select, String, and_, exists, func, not_, or_, select, type_coerce
from sqlalchemy.engine import Connection

from caseload.domain import analysis
from caseload.domain.grading import ClassBook, class_book
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
from caseload.domain.schooldays import WeekdaysOnlyOf, school_days
from caseload.store.attendance_coverage import (
    Coverage,
    attendance_coverage,
    attendance_through,
    latest_by_school,
    school_coverage,
)
from caseload.store.collation import code_points
from caseload.store.id_lists import among
from caseload.store.tables import METADATA

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

R = TypeVar("R")


# --- rows -> records -------------------------------------------------------------------


def _from_row(record_type: Callable[..., R], **casts: Callable[[Any], Any]) -> Callable[[Any], R]:
    """A row -> record converter: each field of ``record_type`` is the row's column of the
    same name, passed through its cast in ``casts`` (an enum, ``bool``...) when it has one."""
    names = [f.name for f in fields(record_type)]  # type: ignore[arg-type]
    get = attrgetter(*names)
    cast_at = [(i, casts[name]) for i, name in enumerate(names) if name in casts]

    def convert(r: Any) -> R:
        values = list(get(r))
        for i, cast in cast_at:
            values[i] = cast(values[i])
        return record_type(*values)

    return convert


def term_ids(text: str | None) -> tuple[str, ...]:
    """A class's stored ``term_ids`` (comma-separated) as ids."""
    return tuple(t for t in (text or "").split(",") if t)


user_from = _from_row(User, role=Role)
_klass = _from_row(Klass, term_ids=term_ids)
_result = _from_row(Result, status=ScoreStatus, late=bool, missing=bool, excused=bool)
_attendance = _from_row(AttendanceEvent, category=AttendanceCategory)
_session = _from_row(AcademicSession, type=SessionType)


def _chunked(ids: list[str], size: int = 900) -> Iterable[list[str]]:
    return (ids[i : i + size] for i in range(0, len(ids), size))


def term_span(
    ids: Iterable[str], sessions: Mapping[str, AcademicSession]
) -> tuple[dt.date | None, dt.date | None]:
    """A class's term dates: the earliest start and latest end of its term sessions among
    ``sessions`` (by id); (None, None) when none of them is known."""
    spans = [sessions[t] for t in ids if t in sessions]
    return (min(s.start_date for s in spans), max(s.end_date for s in spans)) if spans else (
        None, None)


# --- scope and the pieces every reader needs ----------------------------------------------


def scope(counselor_id: str | None) -> Select[Any]:
    """The student ids of a counselor's caseload, or of every student."""
    if counselor_id is None:
        return select(users.c.sourced_id).where(users.c.role == Role.STUDENT.value)
    return select(caseloads.c.student_id).where(caseloads.c.counselor_id == counselor_id)


def people(
    conn: Connection, scope: Select[Any] | Sequence[str],
) -> tuple[dict[str, User], dict[str, list[str]]]:
    """The students in ``scope`` (a query of student ids, or the ids) and their counselors."""
    # the role checked here, not in SQL, as in ``students_among``
    students = {
        r.sourced_id: user_from(r)
        for r in conn.execute(
            select(users).where(among(conn, users.c.sourced_id, scope)).order_by(users.c.sourced_id)
        )
        if r.role == Role.STUDENT.value
    }
    counselors_of: dict[str, list[str]] = defaultdict(list)
    for cid, sid in conn.execute(
        select(caseloads.c.counselor_id, caseloads.c.student_id)
        .where(among(conn, caseloads.c.student_id, scope))
        .order_by(code_points(caseloads.c.counselor_id))  # (store/collation.py)
    ):
        counselors_of[sid].append(cid)
    return students, counselors_of


def incidents(conn: Connection, scope: Select[Any]) -> dict[str, list[dt.date]]:
    inc_of: dict[str, list[dt.date]] = defaultdict(list)
    for sid, d in conn.execute(
        select(student_incidents.c.student_id, incidents_t.c.date)
        .join(incidents_t, incidents_t.c.sourced_id == student_incidents.c.incident_id)
        .where(student_incidents.c.student_id.in_(scope))
    ):
        inc_of[sid].append(d)
    return inc_of


def calendar(conn: Connection) -> tuple[list[AcademicSession], list[CalendarDay]]:
    sessions = [_session(r) for r in conn.execute(select(sessions_t))]
    days = [
        CalendarDay(r.school_id, r.date, bool(r.instructional))
        for r in conn.execute(select(calendar_t))
    ]
    return sessions, days


def notes_of(conn: Connection, scope: Select[Any] | None) -> dict[str, list[dt.date]]:
    """Contact dates of each student's intervention notes (deleted ones left out), of the
    students in ``scope`` or (None) every note the connection reads (cheaper than a list of
    75,000 students, for a caller that looks up its own)."""
    notes = T["notes"]
    out: dict[str, list[dt.date]] = defaultdict(list)
    query = select(notes.c.student_id, notes.c.contact_date).where(notes.c.deleted.is_(False))
    if scope is not None:
        query = query.where(notes.c.student_id.in_(scope))
    for sid, d in conn.execute(query):
        out[sid].append(d)
    return out


# --- what is known: attendance coverage, rosters ------------------------------------------


def students_among(conn: Connection, scope: Select[Any] | Sequence[str]) -> list[str]:
    """The ids in ``scope`` (a query of ids, or the ids) that are students', in id order.

    The role is checked here, not in SQL: with "role = 'student'" beside the id list, SQLite
    (no statistics) chose the (role, family_name) index and read every student of the
    district for a few (88 ms for one at 75,000 students, against well under 1 by the ids)."""
    return [
        sid
        for sid, role in conn.execute(
            select(users.c.sourced_id, users.c.role)
            .where(users.c.sourced_id.in_(scope))
            .order_by(users.c.sourced_id)
        )
        if role == Role.STUDENT.value
    ]


def visible_result(result_student: Any, class_id: Any) -> Any:
    """A SQL condition: the result's student is enrolled (student role) in the class, or the
    class has no student enrollments at all (no roster to check against). Results failing it
    belong to a student not enrolled in that class: stored, never shown."""
    mine = enrollments.alias("mine")
    roster = enrollments.alias("roster")
    return or_(
        exists().where(
            and_(
                mine.c.user_id == result_student,
                mine.c.class_id == class_id,
                mine.c.role == Role.STUDENT.value,
            )
        ),
        not_(
            exists().where(
                and_(roster.c.class_id == class_id, roster.c.role == Role.STUDENT.value)
            )
        ),
    )


def result_day() -> Any:
    """A result's effective date in SQL (``grading.effective_date``): its score date, else its
    line item's due date, else the assign date (the query joins ``line_items``)."""
    return func.coalesce(results.c.score_date, line_items.c.due_date, line_items.c.assign_date)


def results_of(ids: Sequence[str], *, graded: bool) -> Select[Any]:
    """The results of the students ``ids``, in student and line item order: (sourced id, line
    item, student, score, status, score date as stored, missing as stored), and for
    ``InputReader`` without ``graded_rows`` the comment, late and excused too. SQLite walks
    ``ix_results_student_line_item`` for it, in that order (no sort)."""
    return (
        select(
            results.c.sourced_id,
            results.c.line_item_id,
            results.c.student_id,
            results.c.score,
            results.c.status,
            as_stored(results.c.score_date),
            _raw(results.c.missing),
            *(() if graded else (results.c.comment, _raw(results.c.late), _raw(results.c.excused))),
        )
        .where(results.c.student_id.in_(ids))
        .order_by(
            results.c.student_id,
            results.c.line_item_id,
            # (GradedRows: the timeline does not depend on their order within a line item,
            # and the index gives the first two keys without a sort)
            *(() if graded else (results.c.sourced_id,)),
        )
    )


# --- the inputs -----------------------------------------------------------------------------


class Days(dict[Any, dt.date]):
    """One ``date`` per day for a reader, keyed by the stored ISO text (a date column read as
    text from SQLite: no per-row conversion) or the date a driver hands back."""

    def __missing__(self, key: Any) -> dt.date:
        day = self[key] = key if isinstance(key, dt.date) else dt.date.fromisoformat(key)
        return day


_STATUS = {s.value: s for s in ScoreStatus}
_CATEGORY = {c.value: c for c in AttendanceCategory}


def as_stored(column: Any) -> Any:
    """A date column read as stored (ISO text on SQLite), for ``Days``."""
    return type_coerce(column, String)


def _raw(column: Any) -> Any:
    """A boolean column read as stored (0/1 on SQLite; ``bool()`` it), so the row needs no
    result processor (the big reads' rows are then made without per-cell Python calls)."""
    return type_coerce(column, Integer)


def _tuples(conn: Connection, stmt: Select[Any]) -> list[Any]:
    """The rows of ``stmt`` as the driver's cursor returns them: plain tuples, no ``Row``
    objects (the results read makes about 230 per student: building and unpacking Rows was
    a large share of the facts refresh). Only for statements whose columns need no result
    processing (strings, floats, and dates or booleans read as stored: ``as_stored``, ``_raw``)."""
    result = conn.execute(stmt)
    try:
        rows = list(result.cursor.fetchall())
    finally:
        result.close()
    return rows


def student_enrollments(
    conn: Connection, ids: Sequence[str], day: Days | None = None
) -> dict[str, list[Enrollment]]:
    """The student-role enrollments of the users ``ids`` (at most 900 of them), by user, in
    class then sourced id order, read as stored (``_tuples``; ``day``: a reader's dates)."""
    day = Days() if day is None else day
    student = Role.STUDENT
    e = enrollments.c
    out: dict[str, list[Enrollment]] = defaultdict(list)
    for rid, cid, uid, begin, end, primary in _tuples(
        conn,
        select(e.sourced_id, e.class_id, e.user_id, as_stored(e.begin_date), as_stored(e.end_date),
               _raw(e.primary))
        .where(among(conn, e.user_id, ids), e.role == student.value)
        .order_by(e.user_id, e.class_id, e.sourced_id),
    ):
        out[uid].append(Enrollment(
            rid, cid, uid, student, None if begin is None else day[begin],
            None if end is None else day[end], bool(primary),
        ))
    return out


class InputReader:
    """StudentInputs a chunk of students at a time (``read``), what their classes share read
    once per class and kept (a class's line items, categories, policy, teacher, term and the
    effective dates of all its results), as are the calendar and the attendance coverage.

    The full facts refresh reads every student through one reader, 250 at a time, so its
    memory and its collector's work stay those of one chunk; ``inputs`` reads a scope
    through one. Per chunk a fixed number of queries by student id (index lookups, no
    per-student query); a result's visibility (``visible_result``) is checked in Python
    against the student's own enrollments and the classes that have a roster."""

    def __init__(
        self,
        conn: Connection,
        *,
        with_gradebook: bool = True,
        with_notes: bool = True,
        graded_rows: bool = False,
        class_dates: bool = True,
        batch_timelines: bool | None = None,
    ) -> None:
        self.conn = conn
        self.with_gradebook = with_gradebook
        self.with_notes = with_notes
        # each class's result dates (``ClassInput.class_result_dates``) read by a query over
        # all of its results; a full facts refresh, which reads every student's results
        # anyway, turns it off and collects them from those (``facts_rows.compute_part``)
        self.class_dates = class_dates
        # the facts refresh's inputs: results as GradedRows (``ClassInput.graded``), no
        # Result objects (a million at 5,000 students), for ``student_facts`` only
        self.graded_rows = graded_rows or batch_timelines is not None
        # the facts refresh's: results read as columns (``result_columns``), each class's
        # timeline facts computed in batches under this ``missing_counts_as_zero`` setting;
        # of the last ``read``: the ``mat_class_facts`` fields by (student, class) with
        # results (``packed``; its ClassInputs have neither results nor graded rows) and
        # by class the days of the shown results (``shown_days``)
        self.batch_timelines = batch_timelines
        self.packed: dict[tuple[str, str], dict[str, Any]] | None = None
        self.timeline_books: Any = None  # (timeline_batch.Books, made on first use)
        self.shown_days: dict[str, bytes] | None = None  # (None: read as rows)
        self.books: dict[str, ClassBook] = {}
        self.day = Days()
        self.sessions, self.calendar_days = calendar(conn)
        self.weekdays_of = WeekdaysOnlyOf(self.calendar_days)  # (StudentInput.weekdays_only)
        self.shared_sessions = tuple(self.sessions)
        self.by_id = {s.sourced_id: s for s in self.sessions}
        self.coverage = Coverage(conn)
        self.days_of: dict[str | None, frozenset[dt.date]] = {}
        self.klasses: dict[str, Klass | None] = {}
        self.teacher_of: dict[str, str] = {}
        self.items_of: dict[str, tuple[LineItem, ...]] = {}
        self.cats_of: dict[str, tuple[Category, ...]] = {}
        self.policy_of: dict[str, GradingPolicy] = {}
        self.dates_of: dict[str, tuple[dt.date, ...]] = {}
        self.rostered: set[str] = set()  # classes with student enrollments
        self.class_of_item: dict[str, str] = {}  # line item -> its class (read classes', results')
        self.terms: dict[str, tuple[dt.date | None, dt.date | None]] = {}  # (term_of)

    def _read_classes(self, class_ids: Iterable[str]) -> None:
        """Read the shared data of the classes not read yet."""
        new = sorted(c for c in set(class_ids) if c not in self.klasses)
        conn, day, class_of_item = self.conn, self.day, self.class_of_item
        for chunk in _chunked(new):
            for cid in chunk:
                self.klasses[cid] = None
            for r in conn.execute(select(classes).where(among(conn, classes.c.sourced_id, chunk))):
                self.klasses[r.sourced_id] = _klass(r)
            self.rostered.update(conn.execute(
                select(enrollments.c.class_id).distinct()
                .where(among(conn, enrollments.c.class_id, chunk),
                       enrollments.c.role == Role.STUDENT.value)
            ).scalars())
            teacher_rows = conn.execute(
                select(
                    enrollments.c.class_id,
                    enrollments.c.primary,
                    users.c.family_name,
                    users.c.given_name,
                )
                .join(users, users.c.sourced_id == enrollments.c.user_id)
                .where(
                    among(conn, enrollments.c.class_id, chunk),
                    enrollments.c.role == Role.TEACHER.value,
                )
                # (the first wins: ties on the name go by given name, then id, whatever
                # order the plan returns them in; by code point: store/collation.py)
                .order_by(enrollments.c.class_id, enrollments.c.primary.desc(),
                          *map(code_points, (users.c.family_name, users.c.given_name,
                                             users.c.sourced_id)))
            )
            for cid, _primary, family, given in teacher_rows:
                self.teacher_of.setdefault(cid, f"{family}, {given}")
            pol_rows = conn.execute(
                select(policies_t).where(among(conn, policies_t.c.class_id, chunk)))
            methods = {r.class_id: GradingMethod(r.method) for r in pol_rows}
            pcs: dict[str, list[PolicyCategory]] = defaultdict(list)
            of_policy = select(policy_cats).where(among(conn, policy_cats.c.class_id, chunk))
            for cid, cat, weight, drop in _tuples(conn, of_policy):
                pcs[cid].append(PolicyCategory(cat, weight, drop))
            for cid, method in methods.items():
                self.policy_of[cid] = GradingPolicy(cid, method, tuple(pcs.get(cid, ())))
            if not self.with_gradebook:
                continue
            cats: dict[str, dict[str, Category]] = defaultdict(dict)
            cat_rows = _tuples(conn, (  # (a category's line items' class, then the category)
                select(line_items.c.class_id, categories)
                .join(categories, categories.c.sourced_id == line_items.c.category_id)
                .where(among(conn, line_items.c.class_id, chunk))
                .distinct()
            ))
            for cid, cat, title, weight, of_class in cat_rows:
                cats[cid][cat] = Category(cat, title, weight, of_class)
            for cid, by_id in cats.items():
                self.cats_of[cid] = tuple(by_id.values())
            items: dict[str, list[LineItem]] = defaultdict(list)
            li = line_items.c
            for iid, cid, title, cat, assign, due, low, high, gp in _tuples(conn, select(
                li.sourced_id, li.class_id, li.title, li.category_id, as_stored(li.assign_date),
                as_stored(li.due_date), li.min_points, li.max_points, li.grading_period_id,
            ).where(among(conn, li.class_id, chunk))):  # (as stored: no Row objects, dates shared)
                items[cid].append(LineItem(iid, cid, title, cat, None if assign is None else
                                           day[assign], None if due is None else day[due], low,
                                           high, gp))
                class_of_item[iid] = cid
            for cid, its in items.items():
                self.items_of[cid] = tuple(its)
            if not self.class_dates:
                continue
            eff = result_day()
            # The dates of the shown results, asked apart for classes with a roster (the
            # student enrolled; the chunk's classes said again on the enrollments, so only
            # theirs are read) and without one (every result shown). With visible_result's OR
            # in one query PostgreSQL hashed every student enrollment and scanned every
            # result: 5.5 s of a 10-student delta refresh at 75,000 students.
            dates: dict[str, list[dt.date]] = defaultdict(list)
            dated = (
                select(line_items.c.class_id, as_stored(eff))
                .join(line_items, line_items.c.sourced_id == results.c.line_item_id)
                .where(eff.is_not(None))
                .distinct()
            )
            with_roster = [c for c in chunk if c in self.rostered]
            without = [c for c in chunk if c not in self.rostered]
            mine = enrollments.alias("mine")
            queries = []
            if with_roster:
                queries.append(dated.where(
                    among(conn, line_items.c.class_id, with_roster),
                    exists().where(
                        mine.c.user_id == results.c.student_id,
                        mine.c.class_id == line_items.c.class_id,
                        among(conn, mine.c.class_id, with_roster),
                        mine.c.role == Role.STUDENT.value,
                    ),
                ))
            if without:
                queries.append(dated.where(among(conn, line_items.c.class_id, without)))
            for query in queries:
                for cid, d in conn.execute(query):
                    dates[cid].append(day[d])
            for cid, ds in dates.items():
                self.dates_of[cid] = tuple(sorted(set(ds)))  # as ClassFacts keeps them

    def _shown_results(
        self, result_rows: Sequence[Any], classes_of: dict[str, set[str]]
    ) -> dict[str, dict[str, list[Any]]]:
        """The shown results of each student (rows in student order), by class: Results, or
        GradedRows (``graded_rows``). A result for a class the student is not enrolled in is
        shown when the class has no roster (the student then has that class too, added to
        ``classes_of``), never when it has one."""
        day, status_of, class_of_item = self.day, _STATUS, self.class_of_item
        rostered = self.rostered
        out: dict[str, dict[str, list[Any]]] = {}
        current: str | None = None
        mine: set[str] = set()
        by_class: dict[str, list[Any]] = {}
        graded = self.graded_rows
        for row in result_rows:
            if graded:
                rid, item, sid, score, status, when, missing = row
            else:
                rid, item, sid, score, status, when, missing, comment, late, excused = row
            cid = class_of_item.get(item)
            if cid is None:
                continue
            if sid != current:
                current = sid
                mine = classes_of.setdefault(sid, set())
                by_class = out.setdefault(sid, {})
            if cid not in mine:
                if cid in rostered:
                    continue  # not on the class's roster: stored, never shown
                mine.add(cid)
            shown = by_class.get(cid)
            if shown is None:
                shown = by_class[cid] = []
            if graded:
                shown.append(
                    (
                        rid, item, score, status_of[status],
                        None if when is None else day[when], bool(missing),
                    )
                )
            else:
                shown.append(
                    Result(
                        rid, item, sid, score, status_of[status],
                        None if when is None else day[when], comment,
                        bool(late), bool(missing), bool(excused),
                    )
                )
        return out

    def term_of(self, class_id: str, klass: Klass) -> tuple[dt.date | None, dt.date | None]:
        """``term_span`` of the class, worked out once per reader."""
        got = self.terms.get(class_id)
        if got is None:
            got = self.terms[class_id] = term_span(klass.term_ids, self.by_id)
        return got

    def _book(self, class_id: str) -> ClassBook:
        """What the class's gradebooks share, made once per class."""
        got = self.books.get(class_id)
        if got is None:
            got = self.books[class_id] = class_book(
                self.items_of.get(class_id, ()),
                self.cats_of.get(class_id, ()),
                self.policy_of.get(class_id),
            )
        return got

    def _school_days(self, school: str | None) -> frozenset[dt.date]:
        got = self.days_of.get(school)
        if got is None:
            got = self.days_of[school] = school_days(school, self.sessions, self.calendar_days)
        return got

    def read(self, student_ids: Sequence[str]) -> list[analysis.StudentInput]:
        """The StudentInputs of the students among ``student_ids`` (ids of other users and
        unknown ids are left out), in the order given. At most 900 ids per call."""
        conn, day = self.conn, self.day
        ids = list(student_ids)
        students, counselors_of = people(conn, ids)
        if not students:
            return []
        ids = [s for s in ids if s in students]
        enr_of = student_enrollments(conn, ids, day)
        # a student's classes: their enrollments, and any class they have results in where
        # no roster says otherwise (an export may lack enrollments, as the Grand Bend Ed-Fi
        # sample does; a result for a student not on the class's roster is not shown)
        classes_of: dict[str, set[str]] = {
            sid: {e.class_id for e in es} for sid, es in enr_of.items()
        }
        result_rows: Sequence[Any] = ()
        result_items: set[str] = set()  # the line items of those results
        class_of_item = self.class_of_item
        batch = self.batch_timelines
        cols = None
        self.packed = self.shown_days = None
        if self.with_gradebook and batch is not None:
            from caseload.store import result_columns  # (numpy: not at the app's start)

            cols = result_columns.read(conn, ids)  # (None: read as rows, just below)
            if self.timeline_books is None:
                from caseload.domain.timeline_batch import Books

                self.timeline_books = Books()
        if cols is not None:
            result_items = set(cols.items)
        elif self.with_gradebook:
            result_rows = _tuples(conn, results_of(ids, graded=self.graded_rows))
            result_items = {r[1] for r in result_rows}
        # the students' own classes first: reading a class reads its line items, so most results'
        # classes need no look-up (a school's first chunk looked up 21,000 items by id, 900 a time)
        self._read_classes({c for cs in classes_of.values() for c in cs})
        if self.with_gradebook:
            # each result's class through its line item (a result whose line item is not
            # stored has no class), line items read once per reader
            unknown = sorted(result_items - class_of_item.keys())
            for chunk in _chunked(unknown):
                class_of_item.update(_tuples(conn, select(
                    line_items.c.sourced_id, line_items.c.class_id
                ).where(among(conn, line_items.c.sourced_id, chunk))))
            self._read_classes(typed(set[str], set(map(class_of_item.get, result_items)) - {None}))
        if cols is not None and batch is not None:
            self.packed, self.shown_days = result_columns.timeline_facts(  # (imported above)
                cols, result_items, classes_of, self.class_of_item, self.rostered, self.klasses,
                self._book, self.timeline_books, batch,
                lambda sids, mine: self._shown_results(
                    _tuples(conn, results_of(sids, graded=True)), mine),
            )
        res_of = self._shown_results(result_rows, classes_of)
        graded = self.graded_rows
        att_of: dict[str, list[AttendanceEvent]] = defaultdict(list)
        category_of = _CATEGORY
        for rid, sid, when, category, cid, period, school in _tuples(
            conn,
            select(
                attendance.c.sourced_id,
                attendance.c.student_id,
                as_stored(attendance.c.date),
                attendance.c.category,
                attendance.c.class_id,
                attendance.c.period,
                attendance.c.school_id,
            )
            .where(among(conn, attendance.c.student_id, ids))
            .order_by(attendance.c.student_id, attendance.c.date, attendance.c.sourced_id),
        ):
            att_of[sid].append(
                AttendanceEvent(rid, sid, day[when], category_of[category], cid, period, school)
            )
        id_scope = select(users.c.sourced_id).where(among(conn, users.c.sourced_id, ids))
        inc_of = incidents(conn, id_scope)
        notes = notes_of(conn, id_scope) if self.with_notes else {}
        out: list[analysis.StudentInput] = []
        for sid in ids:
            student = students[sid]
            school = student.school_id
            cis = []
            for cid in sorted(classes_of.get(sid, ())):
                k = self.klasses.get(cid)
                if k is None:
                    continue
                start, end = self.term_of(cid, k)
                of_class = tuple(res_of.get(sid, {}).get(cid, ()))
                cis.append(
                    analysis.ClassInput(
                        klass=k,
                        teacher=self.teacher_of.get(cid),
                        line_items=self.items_of.get(cid, ()),
                        results=() if graded else of_class,
                        categories=self.cats_of.get(cid, ()),
                        policy=self.policy_of.get(cid),
                        term_start=start,
                        term_end=end,
                        class_result_dates=self.dates_of.get(cid, ()),
                        graded=of_class if graded and cols is None else None,
                        book=self._book(cid) if graded else None,
                    )
                )
            events = tuple(att_of.get(sid, ()))
            out.append(
                analysis.StudentInput(
                    student=student,
                    counselor_ids=tuple(counselors_of.get(sid, ())),
                    enrollments=tuple(enr_of.get(sid, ())),
                    classes=tuple(cis),
                    attendance=events,
                    incident_dates=tuple(sorted(inc_of.get(sid, ()))),
                    school_days=self._school_days(school),
                    weekdays_only=self.weekdays_of[school],
                    sessions=self.shared_sessions,
                    note_dates=tuple(sorted(notes.get(sid, ()))),
                    attendance_through=self.coverage.through(school, bool(events)),
                )
            )
        return out


def inputs(
    conn: Connection,
    scope: Select[Any],
    *,
    with_gradebook: bool = True,
    with_notes: bool = True,
) -> list[analysis.StudentInput]:
    """Every student in ``scope`` as a StudentInput, a fixed number of queries per 900
    students (``InputReader``)."""
    ids = students_among(conn, scope)
    reader = InputReader(conn, with_gradebook=with_gradebook, with_notes=with_notes)
    out: list[analysis.StudentInput] = []
    for chunk in _chunked(ids):
        out.extend(reader.read(chunk))
    return out


__all__ = [
    "Coverage", "InputReader", "attendance_coverage", "attendance_through", "calendar", "incidents",
    "inputs", "latest_by_school", "notes_of", "people", "results_of", "school_coverage", "scope",
    "student_enrollments", "students_among", "term_ids", "term_span", "user_from", "visible_result",
]
