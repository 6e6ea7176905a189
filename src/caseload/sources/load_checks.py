"""The loader's checks (``caseload.sources.loader``), run before anything is written and
reading the cache only: students linked across sources, references checked against the dataset
and the cache, results of students not enrolled in their class, and which students' facts the
load will change. They rewrite the dataset (links, rejected rows), never the cache."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, select, text, update

from caseload.domain.records import Deletion, Result, Role, User
from caseload.domain.rounding import exact_text
from caseload.domain.text import plural
from caseload.sources.dataset import ENTITIES, Dataset, Reject, SourceError, row_refusal
from caseload.store import facts as mat
from caseload.store import staging
from caseload.store.deletion_keys import by_key, key_columns, naming
from caseload.store.tables import METADATA

# Foreign keys checked before anything is written: (entity, attribute, target, column name
# as the source spells it). Optional references are checked only when present.
_REFS: list[tuple[str, str, str, str]] = [
    ("users", "school_id", "orgs", "primaryOrgSourcedId"),
    ("guardians", "student_id", "users", "agentSourcedIds"),
    ("courses", "school_id", "orgs", "orgSourcedId"),
    ("classes", "course_id", "courses", "courseSourcedId"),
    ("classes", "school_id", "orgs", "schoolSourcedId"),
    ("enrollments", "class_id", "classes", "classSourcedId"),
    ("enrollments", "user_id", "users", "userSourcedId"),
    ("line_items", "class_id", "classes", "classSourcedId"),
    ("line_items", "category_id", "categories", "categorySourcedId"),
    ("line_items", "grading_period_id", "academic_sessions", "gradingPeriodSourcedId"),
    ("results", "line_item_id", "line_items", "lineItemSourcedId"),
    ("results", "student_id", "users", "studentSourcedId"),
    ("attendance_events", "student_id", "users", "studentSourcedId"),
    ("attendance_events", "class_id", "classes", "classSourcedId"),
    ("student_incidents", "incident_id", "discipline_incidents", "incidentId"),
    ("student_incidents", "student_id", "users", "studentSourcedId"),
    ("caseloads", "counselor_id", "users", "counselorSourcedId"),
    ("caseloads", "student_id", "users", "studentSourcedId"),
    ("grading_policies", "class_id", "classes", "classSourcedId"),
]


# The same references as an Ed-Fi export gives them (XML element paths; the API's JSON fields
# are the same names in camelCase, ``studentReference.studentUniqueId``): errors name what the
# file holds, never caseload's column. A staff member's enrollment names StaffReference.
_EDFI_REFS: dict[tuple[str, str], str] = {
    ("users", "school_id"): "SchoolReference/SchoolId",
    ("guardians", "student_id"): "StudentReference/StudentUniqueId",
    ("courses", "school_id"): "EducationOrganizationReference/EducationOrganizationId",
    ("classes", "course_id"): "CourseOfferingReference",
    ("classes", "school_id"): "SchoolReference/SchoolId",
    ("enrollments", "class_id"): "SectionReference",
    ("enrollments", "user_id"): "StudentReference/StudentUniqueId",
    ("line_items", "class_id"): "SectionReference",
    ("line_items", "category_id"): "GradebookEntryType",
    ("line_items", "grading_period_id"): "GradingPeriodReference",
    ("results", "line_item_id"): "GradebookEntryReference",
    ("results", "student_id"): "StudentReference/StudentUniqueId",
    ("attendance_events", "student_id"): "StudentReference/StudentUniqueId",
    ("attendance_events", "class_id"): "SectionReference",
    ("student_incidents", "incident_id"): "DisciplineIncidentReference",
    ("student_incidents", "student_id"): "StudentReference/StudentUniqueId",
}
_EDFI_STAFF = "StaffReference/StaffUniqueId"


def _edfi_name(path: str, api: bool) -> str:
    """An Ed-Fi XML element path, or (``api``) the API's JSON field path."""
    if not api:
        return path
    return ".".join(part[:1].lower() + part[1:] for part in path.split("/"))


def _field(ds: Dataset, entity: str, attr: str, column: str, record: Any) -> str:
    """The name a reference error gives the field: the source's own (OneRoster's column, Ed-Fi's
    element or JSON field)."""
    if not ds.edfi:
        return column
    path = _EDFI_REFS.get((entity, attr))
    if path is None:
        return column
    if entity == "enrollments" and attr == "user_id" and record.role is not Role.STUDENT:
        path = _EDFI_STAFF
    return _edfi_name(path, ds.kind == "edfi-api")


def _key(entity: str, record: Any) -> str:
    if entity == "caseloads":
        return f"{record.counselor_id}/{record.student_id}"
    if entity == "student_incidents":
        return f"{record.incident_id}/{record.student_id}"
    if entity == "guardians":
        return f"{record.guardian_id}/{record.student_id}"
    if entity == "calendar_days":
        return f"{record.school_id}/{record.date}"
    if entity == "grading_policies":
        return str(record.class_id)
    return str(record.sourced_id)


class _Ids:
    """Ids known to exist: in the dataset (after rejections) or already in the cache."""

    def __init__(self, conn: Connection, ds: Dataset):
        self.conn = conn
        self.ds = ds
        self._sets: dict[str, set[str]] = {}

    def of(self, entity: str) -> set[str]:
        ids = self._sets.get(entity)
        if ids is None:
            table = METADATA.tables[entity]
            ids = set(self.conn.execute(select(table.c.sourced_id)).scalars())
            deleted = {d.sourced_id for d in self.ds.deletions if d.entity == entity}
            ids -= deleted
            ids.update(r.sourced_id for r in getattr(self.ds, entity))
            self._sets[entity] = ids
        return ids


# Records that point at a student, and the attribute that holds the student's id.
_STUDENT_REFS: tuple[tuple[str, str], ...] = (
    ("enrollments", "user_id"),
    ("results", "student_id"),
    ("attendance_events", "student_id"),
    ("student_incidents", "student_id"),
    ("caseloads", "student_id"),
    ("guardians", "student_id"),
)
# Fields a student record from a second source may fill where the cache has nothing.
_FILLABLE = ("identifier", "state_id", "grade_level", "birth_date", "email", "school_id")


Fill = tuple[str, str, Any]  # (cached student's id, column, value to write where it is null)


def link_students(conn: Connection, ds: Dataset) -> tuple[int, list[Fill]]:
    """Merge students across sources by their state or local id.

    A district may sync rosters and grades from OneRoster and attendance from Ed-Fi: the same
    student then has two ids (a OneRoster sourcedId; an Ed-Fi studentUniqueId). When a student
    record or a student reference in ``ds`` uses an id the cache does not know, but that id (or
    the record's state id or local id) is the state or local id of exactly one student in the
    cache, the dataset is rewritten to the cached student's id: no duplicate student is
    created, the references land on the cached student, and the incoming record only fills
    fields the cached one lacks. Ambiguous matches (two cached students) are left alone.
    Returns how many incoming ids were linked, and the fills to write (:func:`fill`).
    """
    users = METADATA.tables["users"]
    rows = conn.execute(
        select(users.c.sourced_id, users.c.identifier, users.c.state_id).where(
            users.c.role == Role.STUDENT.value
        )
    ).all()
    if not rows:
        return 0, []
    cached = {sid for sid, _, _ in rows}
    by_alt: dict[str, set[str]] = {}
    for sid, ident, state in rows:
        for value in (ident, state):
            if value:
                by_alt.setdefault(value.strip(), set()).add(sid)

    def resolve(*keys: str | None) -> str | None:
        found: set[str] = set()
        for key in keys:
            if key and key.strip() in by_alt:
                found |= by_alt[key.strip()]
        return next(iter(found)) if len(found) == 1 else None

    mapping: dict[str, str] = {}
    kept: list[User] = []
    fills: dict[str, User] = {}
    for u in ds.users:
        if u.role is Role.STUDENT and u.sourced_id not in cached:
            target = resolve(u.sourced_id, u.state_id, u.identifier)
            if target is not None:
                mapping[u.sourced_id] = target
                fills[target] = u
                continue
        kept.append(u)
    own = {u.sourced_id for u in kept}

    def link(value: str) -> str | None:
        """The cached student ``value`` is linked to, if any."""
        if value not in mapping and value not in own and value not in cached:
            target = resolve(value)
            if target is not None:
                mapping[value] = target
        return mapping.get(value)

    for entity, attr in _STUDENT_REFS:
        records = getattr(ds, entity)
        if not records:
            continue
        out = []
        changed = False
        for record in records:
            target = link(getattr(record, attr))
            if target is not None:
                record = replace(record, **{attr: target})
                changed = True
            out.append(record)
        if changed:
            setattr(ds, entity, out)
    _link_keyed_deletions(ds, link)
    if not mapping:
        return 0, []
    ds.users = kept
    # (what is applied with a linked record went with it)
    ds.user_rows = [r for r in ds.user_rows if r[3] not in mapping]
    ds.deletions = [
        replace(d, sourced_id=mapping[d.sourced_id])
        if d.entity == "users" and d.sourced_id in mapping
        else d
        for d in ds.deletions
    ]
    return len(mapping), [
        (target, column, value)
        for target, u in fills.items()
        for column in _FILLABLE
        if (value := getattr(u, column)) is not None
    ]


def _link_keyed_deletions(ds: Dataset, link: Callable[[str], str | None]) -> None:
    """Deletions by key (``Deletion.by_key``) whose key names a student that ``link`` links
    to a cached one name the cached student, as the records that refer to it do."""
    refs = dict(_STUDENT_REFS)
    for i, d in enumerate(ds.deletions):
        table = METADATA.tables[d.entity]
        if d.entity not in refs or not by_key(table):
            continue
        names = [c.name for c in key_columns(table)]
        if refs[d.entity] not in names:
            continue
        key = [str(v) for v in d.key]
        at = names.index(refs[d.entity])
        target = link(key[at])
        if target is not None:
            key[at] = target
            ds.deletions[i] = Deletion.by_key(d.entity, *key)


def fill(conn: Connection, fills: list[Fill]) -> None:
    """Write what linked students' records fill where the cached student has nothing."""
    users = METADATA.tables["users"]
    for target, column, value in fills:
        conn.execute(
            update(users)
            .where(users.c.sourced_id == target, users.c[column].is_(None))
            .values({column: value})
        )


def keep_cached_over_placeholders(conn: Connection, ds: Dataset) -> None:
    """Drop a reader's stand-in record (Dataset.placeholders) where the cache has the real one."""
    for entity, placeholder_ids in ds.placeholders.items():
        table = METADATA.tables[entity]
        wanted = sorted(placeholder_ids)
        cached: set[str] = set()
        for i in range(0, len(wanted), 500):
            cached.update(
                conn.execute(
                    select(table.c.sourced_id).where(table.c.sourced_id.in_(wanted[i : i + 500]))
                ).scalars()
            )
        if cached:
            records = getattr(ds, entity)
            setattr(ds, entity, [
                r for r in records
                if not (r.sourced_id in cached and r.sourced_id in placeholder_ids)
            ])


def _missing(column: str, value: str, deleted: bool, rejected: str | None = None) -> str:
    if deleted:
        return f"{column} {value!r} is deleted in this import (status tobedeleted)"
    if rejected is not None:
        return f"{column} {value!r} is a record rejected earlier in this import ({rejected})"
    return f"unknown {column} {value!r} (not in this import nor in the cache)"


class _Rejected:
    """Where a record of this import was rejected (``file:line``), by entity and id: the
    rejects that carry their row's id (``Reject.key``) in the entity's file."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self._where: dict[tuple[str, str], str] = {}
        self._seen = 0  # rejects indexed so far (the checks add more as they go)

    def at(self, entity: str, key: str) -> str | None:
        rejects = self.ds.rejects
        for r in rejects[self._seen :]:
            if r.key is not None:
                where = f"{r.file}:{r.line}" if isinstance(r.line, int) else r.file
                self._where.setdefault((r.file, r.key), where)
        self._seen = len(rejects)
        if self.ds.edfi and entity == "users":  # (Student.xml, Staff.xml)
            return next((w for (_, k), w in self._where.items() if k == key), None)
        file = self.ds.line_maps.get(entity, ("",))[0]
        return self._where.get((file, key)) if file else None


def with_rejected_user(ds: Dataset, skip_invalid: bool) -> None:
    """Rows applied with their user's record (``Dataset.user_rows``: demographics.csv,
    roles.csv) whose user was rejected, by the reader or by the checks before this one, are
    rejected too, naming the user's rejected row, as what refers to the user is (run after
    :func:`check_references`). Without ``skip_invalid`` the user's rejection has already
    refused the import."""
    if not ds.user_rows or not ds.rejects or ds.edfi:
        return  # (Ed-Fi: ``edfi_user_rows``)
    stored = {u.sourced_id for u in ds.users}
    wanted = {uid for *_, uid in ds.user_rows if uid not in stored}
    users_file = ds.line_maps.get("users", ("users",))[0]  # (over REST: the collection)
    where: dict[str, str] = {}
    for r in ds.rejects:
        if r.key in wanted and r.file == users_file:
            where.setdefault(r.key, f"{r.file}:{r.line}" if isinstance(r.line, int) else
                             f"{r.file}, {r.line}" if r.line else r.file)
    if not where:
        return
    for file, line, field, uid in ds.user_rows:
        if uid not in where or file == users_file:  # (REST: a user's roles are its record)
            continue
        err = SourceError(file, line, field, _missing(field, uid, False, where[uid]))
        if not skip_invalid:
            raise row_refusal(err)
        ds.rejects.append(Reject.from_error(err))


def edfi_user_rows(conn: Connection, ds: Dataset, skip_invalid: bool) -> None:
    """Ed-Fi associations applied with their person's record (``Dataset.user_rows``:
    StudentSchoolAssociation, StudentEducationOrganizationAssociation, StaffSchoolAssociation)
    whose person this load does not store: rejected naming the person's rejected record, or
    as an unknown reference when neither this import nor the cache holds the person; a person
    only the cache holds (an import without them) is not applied to, counted in the summary.
    Run after :func:`check_references`."""
    if not ds.user_rows or not ds.edfi:
        return
    stored = {u.sourced_id for u in ds.users}
    rejected = _Rejected(ds)
    cached = _Ids(conn, ds).of("users")
    deleted = {d.sourced_id for d in ds.deletions if d.entity == "users"}
    not_applied: Counter[str] = Counter()
    for file, line, field, uid in ds.user_rows:
        if uid in stored:
            continue
        earlier = rejected.at("users", uid)
        if earlier is None and uid not in deleted and uid in cached:
            not_applied[file] += 1
            continue
        name = _edfi_name(field, ds.kind == "edfi-api")
        err = SourceError(file, line, name, _missing(name, uid, uid in deleted, earlier))
        if not skip_invalid:
            raise row_refusal(err)
        ds.rejects.append(Reject.from_error(err))
    ds.notices.extend(
        f"{file}: {plural(n, 'association')} for people not in this import not applied "
        "(caseload applies them with the student's or staff member's record)"
        for file, n in not_applied.items()
    )


def check_references(conn: Connection, ds: Dataset, skip_invalid: bool) -> None:
    ids = _Ids(conn, ds)
    rejected = _Rejected(ds)
    deleted = {(d.entity, d.sourced_id) for d in ds.deletions}
    for entity in ENTITIES:
        records = getattr(ds, entity)
        checks = [r for r in _REFS if r[0] == entity]
        if not records or not checks:
            continue
        if entity not in ("classes", "grading_policies") and all(
            not ({getattr(r, attr) for r in records} - ids.of(target) - {None})
            for _, attr, target, _ in checks
        ):
            continue  # every reference resolves: skip the per-row pass
        kept = []
        dropped = False
        for record in records:
            error = None
            for _, attr, target, column in checks:
                value = getattr(record, attr)
                if value is not None and value not in ids.of(target):
                    gone = (target, value) in deleted
                    name = _field(ds, entity, attr, column, record)
                    error = (name, _missing(name, value, gone,
                                            None if gone else rejected.at(target, value)))
                    break
            if error is None and entity == "classes":
                for term in record.term_ids:
                    if term not in ids.of("academic_sessions"):
                        error = (
                            _edfi_name("SessionReference", ds.kind == "edfi-api")
                            if ds.edfi else "termSourcedIds",
                            f"term {term!r} is deleted in this import (status tobedeleted)"
                            if ("academic_sessions", term) in deleted
                            else _missing("term", term, False,
                                          rejected.at("academic_sessions", term)),
                        )
                        break
            if error is None and entity == "grading_policies":
                for pc in record.categories:
                    if pc.category_id not in ids.of("categories"):
                        error = (
                            "categorySourcedId",
                            f"categorySourcedId {pc.category_id!r} is deleted in this import "
                            "(status tobedeleted)"
                            if ("categories", pc.category_id) in deleted
                            else f"unknown categorySourcedId {pc.category_id!r}",
                        )
                        break
            if error is None:
                kept.append(record)
                continue
            key = _key(entity, record)
            origin = ds.origin(entity, key)
            if origin is not None:
                file, _, line = origin.rpartition(":")
                err = SourceError(file, int(line) if line.isdigit() else line, *error)
            else:
                err = SourceError(entity, f"record {key!r}", *error)
            if not skip_invalid:
                raise row_refusal(err)
            ds.rejects.append(Reject.from_error(err, key=key))
            dropped = True
        if dropped:
            setattr(ds, entity, kept)
            if entity in ids._sets:
                del ids._sets[entity]  # recompute without the rejected rows


NOT_ENROLLED = "not shown: {n} for {who} not enrolled in their class"
"""``n``: ``plural(found, "result", grouped=True)`` ("1 result", "2,000 results"); ``who``:
"a student" for one result, else "students"."""
NOT_ENROLLED_REJECTED = " (rejected: see the rejects file)"
"""Added to ``NOT_ENROLLED`` under ``--skip-invalid``; ``import --check``, which writes no
rejects file, says what it does instead (``services.importing.CheckReport``)."""
NO_MAXIMUM = (
    "not counted: {n} with no maximum points (resultValueMax empty; Ed-Fi: scored in "
    "PointsEarned with no MaxPoints): their scores are stored and listed with the "
    "assignment, in no grade"
)


def no_maximum(ds: Dataset) -> int:
    """The import's line items without a maximum, said in the summary: a score out of an
    unknown maximum has no percentage and counts toward no grade (``timeline.NO_MAX``)."""
    n = sum(1 for li in ds.line_items if li.max_points is None)
    if n:
        ds.notices.append(NO_MAXIMUM.format(n=plural(n, "line item", grouped=True)))
    return n


def _result_raw(r: Result) -> dict[str, str]:
    """A result as the rejects file shows it (OneRoster's column names; no free text)."""
    return {
        "sourcedId": r.sourced_id,
        "lineItemSourcedId": r.line_item_id,
        "studentSourcedId": r.student_id,
        "scoreStatus": r.status.value,
        "score": "" if r.score is None else exact_text(r.score),  # as given: never rounded
        "scoreDate": r.score_date.isoformat() if r.score_date else "",
    }


def not_enrolled(conn: Connection, ds: Dataset, skip_invalid: bool) -> int:
    """Results for a student who is not enrolled in the line item's class (issue 11 §1).

    A result with a wrong class would otherwise put the class on the student's screen with a
    grade. The roster is this import's enrollments plus the cache's (less those this import
    deletes); a class with no student enrollments at all has no roster to check against (an
    export without enrollments, as the Grand Bend Ed-Fi sample), so its results pass.

    Without ``skip_invalid`` such results are stored but never shown (the read side applies
    the same rule, ``caseload.store.inputs.visible_result``, so a later roster that enrolls the
    student shows them); with it they are rejected (file, line, reason, row) instead. Either
    way the import summary counts them (``NOT_ENROLLED`` in ``ds.notices``). Returns how many.
    """
    if not ds.results:
        return 0
    items = METADATA.tables["line_items"]
    enrollments = METADATA.tables["enrollments"]
    class_of = {li.sourced_id: li.class_id for li in ds.line_items}
    unknown_items = sorted({r.line_item_id for r in ds.results} - class_of.keys())
    for i in range(0, len(unknown_items), 900):
        for item_id, cid in conn.execute(
            select(items.c.sourced_id, items.c.class_id).where(
                items.c.sourced_id.in_(unknown_items[i : i + 900])
            )
        ):
            class_of[item_id] = cid
    deleted = {d.sourced_id for d in ds.deletions if d.entity == "enrollments"}
    pairs: set[tuple[str, str]] = set()
    rostered: set[str] = set()
    for e in ds.enrollments:
        if e.role is Role.STUDENT and e.sourced_id not in deleted:
            pairs.add((e.user_id, e.class_id))
            rostered.add(e.class_id)
    # only results this import's roster does not vouch for need the cache's (at most these
    # are not shown: the cache's roster only adds to ``pairs``)
    loose = [
        r for r in ds.results
        if (cid := class_of.get(r.line_item_id)) is not None and (r.student_id, cid) not in pairs
    ]
    open_classes = sorted({class_of[r.line_item_id] for r in loose})
    for i in range(0, len(open_classes), 900):
        for eid, cid, uid in conn.execute(
            select(enrollments.c.sourced_id, enrollments.c.class_id, enrollments.c.user_id).where(
                enrollments.c.class_id.in_(open_classes[i : i + 900]),
                enrollments.c.role == Role.STUDENT.value,
            )
        ):
            if eid not in deleted:
                pairs.add((uid, cid))
                rostered.add(cid)
    hidden = [
        r for r in loose
        if (cid := class_of[r.line_item_id]) in rostered and (r.student_id, cid) not in pairs
    ]
    found = len(hidden)
    if skip_invalid and hidden:  # rejected, in the results' order
        for r in hidden:
            cid = class_of[r.line_item_id]
            origin = ds.origin("results", r.sourced_id)
            if origin is not None:
                file, _, line = origin.rpartition(":")
                where: int | str = int(line) if line.isdigit() else line
            else:
                file, where = "results", f"record {r.sourced_id!r}"
            ds.rejects.append(
                Reject(
                    file,
                    where,
                    "studentSourcedId",
                    f"student {r.student_id!r} is not enrolled in class {cid!r} "
                    f"(line item {r.line_item_id!r}): not shown",
                    _result_raw(r),
                )
            )
        gone = {id(r) for r in hidden}
        ds.results = [r for r in ds.results if id(r) not in gone]
    if found:  # without skip_invalid they are stored, not shown
        notice = NOT_ENROLLED.format(n=plural(found, "result", grouped=True),
                                     who="a student" if found == 1 else "students")
        if skip_invalid:
            notice += NOT_ENROLLED_REJECTED
        ds.notices.append(notice)
    return found


# --- which students' facts a load changed (issue 13, incremental facts) ---------------------

# Entities whose change moves every student's facts (school days come from them).
_EVERYONE = frozenset({"academic_sessions", "calendar_days"})
# What each entity's records name: (attribute, kind) pairs for ``mat.students_touched``.
_TOUCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "users": (("sourced_id", "users"), ("sourced_id", "students")),  # students: even gone
    "classes": (("sourced_id", "classes"),),
    "enrollments": (("user_id", "users"), ("class_id", "classes")),
    "categories": (("sourced_id", "categories"), ("class_id", "classes")),
    "line_items": (("class_id", "classes"),),
    "results": (("student_id", "students"),),
    "attendance_events": (("student_id", "students"),),
    "discipline_incidents": (("sourced_id", "incidents"),),
    "student_incidents": (("student_id", "students"),),
    "caseloads": (("student_id", "students"),),
    "grading_policies": (("class_id", "classes"),),
}
_Refs = dict[str, set[str]]


def deleted_refs(conn: Connection, ds: Dataset) -> _Refs | None:
    """What the dataset's deletions name, read from the rows before they go (None: a deletion
    that moves every student's facts)."""
    refs: _Refs = {"students": set(), "users": set(), "classes": set(), "categories": set(),
                   "incidents": set()}
    by_entity: dict[str, list[str]] = {}
    for d in ds.deletions:
        by_entity.setdefault(d.entity, []).append(d.sourced_id)
    for entity, ids in by_entity.items():
        if entity in _EVERYONE:
            return None
        table = METADATA.tables[entity]
        for attr, kind in _TOUCHES.get(entity, ()):
            if attr == "sourced_id":
                refs[kind].update(ids)
                continue
            column = table.c[attr]
            for i in range(0, len(ids), 500):
                refs[kind].update(
                    v for v in conn.execute(
                        select(column).where(naming(table, ids[i : i + 500]))
                    ).scalars() if v is not None
                )
    return refs


def changed_students(conn: Connection, ds: Dataset, gone: _Refs | None) -> set[str] | None:
    """The students whose facts the load changed (None: every student's)."""
    if gone is None or any(getattr(ds, entity) for entity in _EVERYONE):
        return None
    refs = {kind: set(ids) for kind, ids in gone.items()}
    for entity, pairs in _TOUCHES.items():
        records = getattr(ds, entity)
        for attr, kind in pairs:
            refs[kind].update(v for v in map(attrgetter(attr), records) if v is not None)
    return mat.students_touched(conn, **refs)


def changed_policy_classes(conn: Connection, ds: Dataset) -> set[str]:
    """The classes of the dataset's grading policies whose method or categories (weight,
    drop-lowest) differ from the cache's, read before the load replaces them."""
    if not ds.grading_policies:
        return set()
    policies, pcats = METADATA.tables["grading_policies"], METADATA.tables["policy_categories"]
    ids = sorted({p.class_id for p in ds.grading_policies})
    methods: dict[str, str] = {}
    cats: dict[str, set[tuple[Any, ...]]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for cid, method in conn.execute(select(policies.c.class_id, policies.c.method)
                                        .where(policies.c.class_id.in_(chunk))):
            methods[cid] = method
        for cid, *cat in conn.execute(
            select(pcats.c.class_id, pcats.c.category_id, pcats.c.weight, pcats.c.drop_lowest)
            .where(pcats.c.class_id.in_(chunk))
        ):
            cats.setdefault(cid, set()).add(tuple(cat))
    latest = {p.class_id: p for p in ds.grading_policies}  # (the last one given is stored)
    return {
        cid for cid, p in latest.items()
        if methods.get(cid) != p.method.value
        or cats.get(cid, set()) != {(c.category_id, c.weight, c.drop_lowest) for c in p.categories}
    }


# A row written by the current PostgreSQL transaction (the loader's one): its xmin is its id.
_WRITTEN_HERE = "xmin = pg_current_xact_id()::xid"


def _changed_rows(
    conn: Connection, entity: str, columns: list[str], *, staged: bool, first_only: bool = False
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``entity`` the load changes (at most one: ``first_only``):
    ``staged``, the stage's rows the cache does not hold as they are (``staging.differing``);
    else the rows the current PostgreSQL transaction wrote."""
    if staged:
        return staging.differing(conn, entity, columns, first_only=first_only)
    table = METADATA.tables[entity]
    query = select(*(table.c[c] for c in columns) if columns else (text("1"),)).select_from(
        table).where(text(_WRITTEN_HERE))
    return [tuple(r) for r in conn.execute(query.limit(1) if first_only else query)]


def rows_changed_students(
    conn: Connection, ds: Dataset, gone: _Refs | None, fills: list[Fill],
    policies_moved: set[str], *, staged: bool,
) -> set[str] | None:
    """:func:`changed_students` counting only the rows the load changes, so a bulk export
    that repeats the cache but for a few students moves those students' facts only, as a
    delta would. ``staged``: a load staged beside a SQLite cache, read before the stage is
    applied, ``conn`` the cache with the stage attached (``staging.attached``; the rows that
    differ from the cache's); else a load written in one PostgreSQL transaction, read after
    the write and before the commit (the rows it wrote: the loader's upsert leaves a row that
    comes as it is stored alone, ``loader._insert_for``). ``fills``: users whose empty
    columns the load fills; ``policies_moved``: :func:`changed_policy_classes` (a class's
    policy categories are replaced whole)."""
    if gone is None:
        return None
    for entity in _EVERYONE:
        if getattr(ds, entity) and _changed_rows(conn, entity, [], staged=staged,
                                                 first_only=True):
            return None
    refs = {kind: set(ids) for kind, ids in gone.items()}
    for entity, pairs in _TOUCHES.items():
        if entity == "grading_policies" or not getattr(ds, entity):
            continue  # (the policies: policies_moved)
        columns = list(dict.fromkeys(attr for attr, _ in pairs))
        rows = _changed_rows(conn, entity, columns, staged=staged)
        for attr, kind in pairs:
            i = columns.index(attr)
            refs[kind].update(r[i] for r in rows if r[i] is not None)
    refs["classes"].update(policies_moved)
    refs["users"].update(target for target, _, _ in fills)
    return mat.students_touched(conn, **refs)
