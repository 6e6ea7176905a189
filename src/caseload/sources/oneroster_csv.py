"""OneRoster 1.0, 1.1 and 1.2 CSV bulk and delta files, plus caseload's extension files.

A folder or .zip of CSV files. 1.1 and 1.2 carry ``manifest.csv``, whose ``file.X`` entries
say which files are ``bulk``, ``delta`` or ``absent``; an empty value, or an entry for a file
caseload does not read, counts as no entry. A folder without ``manifest.csv`` is read as a
OneRoster 1.0 export (every file bulk). Rows with ``status=tobedeleted`` become deletions;
those of demographics.csv clear the birth date (``Dataset.birth_cleared``, applied and counted by
the loader) and those of roles.csv are counted as not applied (one role per user is kept).
A 1.2 users.csv row with no roles.csv row, roles.csv being delta (or absent, users.csv delta),
goes to ``Dataset.role_from_cache``: the loader gives it the cached role, or refuses it.
The column names of 1.0 and 1.1 are accepted where they differ from 1.2 (users' ``role`` and
``orgSourcedIds``, classes' ``termSourcedId``, demographics' ``userSourcedId``, results'
``date``...); optional columns may be absent. Extension files (``attendance.csv``,
``calendar.csv``, ``caseloads.csv``, ``gradingPolicies.csv``, ``incidents.csv``) are read
whenever present: see
docs/DATA_FORMATS.md.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from caseload._runtime import gc_paused
from caseload.domain.descriptors import attendance_category, score_status
from caseload.domain.records import (
    AcademicSession,
    AttendanceEvent,
    CalendarDay,
    CaseloadAssignment,
    Category,
    Course,
    DisciplineIncident,
    Enrollment,
    GradingMethod,
    GradingPolicy,
    Klass,
    LineItem,
    Org,
    PolicyCategory,
    Result,
    Role,
    ScoreStatus,
    StudentIncident,
    User,
)
from caseload.domain.rounding import exact_text
from caseload.sources.csvutil import (
    Container,
    CsvTable,
    UnclearLayout,
    iso_day,
    plain_number,
    real_day,
)
from caseload.sources.dataset import Dataset, Reject, RoleFromCache, SourceError, row_refusal
from caseload.sources.oneroster_guardians import GuardianLinks, without_user
from caseload.sources.oneroster_rows import CsvRows
from caseload.sources.oneroster_values import method as _method
from caseload.sources.oneroster_values import org_type as _org_type
from caseload.sources.oneroster_values import role as _role
from caseload.sources.oneroster_values import session_type as _session_type

KIND = "oneroster-csv"

_USER_IDS = re.compile(r"\{\s*([^:{}]+?)\s*:\s*([^{}]*?)\s*\}")


# The data files of a OneRoster export, by manifest key (``file.<key>``), in reading order.
_FILES: tuple[tuple[str, str], ...] = (
    ("orgs", "orgs.csv"),
    ("academicSessions", "academicSessions.csv"),
    ("demographics", "demographics.csv"),
    ("roles", "roles.csv"),
    ("users", "users.csv"),
    ("courses", "courses.csv"),
    ("classes", "classes.csv"),
    ("enrollments", "enrollments.csv"),
    ("categories", "categories.csv"),
    ("lineItems", "lineItems.csv"),
    ("results", "results.csv"),
)
_READ_KEYS = {key.casefold(): key for key, _ in _FILES}
# Files a OneRoster 1.0 export (no manifest.csv) is recognized by.
_V10_FILES = ("orgs.csv", "users.csv", "classes.csv", "enrollments.csv", "courses.csv")

# Column names of OneRoster 1.0 and 1.1 that 1.2 renamed (canonical 1.2 name first).
_USERS_ALIASES: dict[str, tuple[str, ...]] = {
    "primaryOrgSourcedId": ("orgSourcedIds",),
    "userIds": ("userId",),
    "agentSourcedIds": ("agents",),  # 1.0's name
    # OneRoster 1.2 CSV names; the REST names as aliases
    "preferredGivenName": ("preferredFirstName",),
    "preferredFamilyName": ("preferredLastName",),
}
_CLASSES_ALIASES: dict[str, tuple[str, ...]] = {"termSourcedIds": ("termSourcedId",)}
_LINE_ITEMS_ALIASES: dict[str, tuple[str, ...]] = {
    "gradingPeriodSourcedId": ("gradingPeriod",),
    "categorySourcedId": ("category",),
}
# Columns of their own read for another only in a file without it: OneRoster 1.2's lineItems
# has gradingPeriodSourcedId and academicSessionSourcedId side by side (a grading period and,
# say, its semester), so the session is not another spelling of the grading period.
_LINE_ITEMS_FALLBACKS: dict[str, tuple[str, ...]] = {
    "gradingPeriodSourcedId": ("academicSessionSourcedId",),
}
_RESULTS_ALIASES: dict[str, tuple[str, ...]] = {
    "studentSourcedId": ("userSourcedId",),
    "scoreDate": ("date",),
}

V10_CONTEXT = " (read as OneRoster 1.0: there is no manifest.csv)"


def is_oneroster(path: Path) -> bool:
    """A folder or .zip with manifest.csv (1.1/1.2), or with OneRoster 1.0's files and none."""
    try:
        with Container(path) as c:
            return c.has("manifest.csv") or any(c.has(name) for name in _V10_FILES)
    except UnclearLayout:
        raise  # CSV files that cannot be told apart: say so, not "not a recognized export"
    except SourceError:
        return False


class _Reader(CsvRows):
    read_keys: frozenset[str] = frozenset()  # the manifest keys of the files read
    # a 1.2 users.csv row without a roles.csv row may keep its cached role (a delta); REST
    # users carry their roles in the same record, so the REST reader says no
    roles_from_cache = True

    def __init__(self, path: Path, skip_invalid: bool):
        self.path = path
        self.skip_invalid = skip_invalid
        self.ds = Dataset(kind=KIND, source=str(path))
        self.container = Container(path)

    # --- driver ---------------------------------------------------------------------

    def read(self) -> Dataset:
        with self.container:
            if self.container.has("manifest.csv"):
                modes = self._manifest()
            else:
                modes = {}
                self.version = "1.0"
                self.context = V10_CONTEXT
                self.ds.notices.append(
                    "no manifest.csv: read as a OneRoster 1.0 export, every file present as bulk"
                )
            handlers: dict[str, Callable[[], None]] = {
                "orgs": self._orgs,
                "academicSessions": self._sessions,
                "demographics": self._demographics,
                "roles": self._roles,
                "users": self._users,
                "courses": self._courses,
                "classes": self._classes,
                "enrollments": self._enrollments,
                "categories": self._categories,
                "lineItems": self._line_items,
                "results": self._results,
            }
            self._birth: dict[str, object] = {}
            self._births_whole = False  # demographics.csv read as bulk: no row, no birth date
            self._user_roles: dict[str, tuple[int, Role, str | None]] = {}
            self._role_words: dict[str, str] = {}  # the role as written (relative, parent...)
            self._applied: list[tuple[str, int, str, str]] = []  # demographics, roles rows
            self._roles_deleted: list[str] = []  # the users of roles.csv's tobedeleted rows
            self._roles_mode = "absent"  # roles.csv read as bulk, delta, or not read
            read: set[str] = set()
            for key, fname in _FILES:
                present = self.container.has(fname)
                mode = modes.get(key.casefold()) or ("bulk" if present else "absent")
                if mode == "absent":
                    if present:
                        self.ds.notices.append(
                            f"{fname} not read: manifest.csv marks it absent"
                        )
                    continue
                if not present:
                    raise SourceError(
                        "manifest.csv", None, f"file.{key}", f"says {mode} but {fname} is missing"
                    )
                if mode == "delta":
                    self.ds.partial.add(key)
                handlers[key]()
                read.add(key)
            self.read_keys = frozenset(read)
            without_user(self.ds, self._applied, "users" in read, self.skip_invalid)
            self.ds.user_rows.extend(self._applied)
            self._deleted_roles()
            extensions: list[tuple[str, Callable[[], None]]] = [
                ("calendar.csv", self._calendar),
                ("attendance.csv", self._attendance),
                ("caseloads.csv", self._caseloads),
                ("gradingPolicies.csv", self._policies),
                ("incidents.csv", self._incidents),
            ]
            for fname, fn in extensions:
                if self.container.has(fname):
                    fn()
        return self.ds

    def _manifest(self) -> dict[str, str]:
        """The manifest's file modes by casefolded key, for the files caseload reads.

        An entry for a file caseload does not read is not checked (any value, empty included,
        is fine: the file is not read). An empty value for a file caseload reads counts as no
        entry: read when present (as bulk), absent otherwise.
        """
        table = CsvTable(self.container, "manifest.csv", ("propertyName", "value"))
        modes: dict[str, str] = {}
        seen: dict[str, tuple[int, str]] = {}
        for row in table.rows():
            prop = table.req(row, "propertyName")
            value = (table.text(row, "value") or "").strip()
            first = seen.setdefault(prop.casefold(), (table.line, value))
            if first[0] != table.line:
                if first[1] == value:
                    continue
                raise table.error(
                    "propertyName",
                    f"{prop!r} given twice: {first[1]!r} on line {first[0]}, {value!r} here",
                )
            if prop.casefold().startswith("file."):
                key = prop[5:].casefold()
                if key not in _READ_KEYS:
                    continue  # a file caseload does not read: absent or not, nothing to check
                mode = value.casefold()
                if not mode:
                    fname = dict(_FILES)[_READ_KEYS[key]]
                    if self.container.has(fname):
                        self.ds.notices.append(
                            f"manifest.csv gives no value for {prop}: {fname} read as bulk"
                        )
                    continue
                if mode not in ("bulk", "delta", "absent"):
                    raise table.error("value", f"{prop}={value!r}: expected bulk, delta or absent")
                modes[key] = mode
            elif prop.casefold() == "oneroster.version":
                self.version = value or None
                if value.startswith("1.0"):
                    self.context = " (OneRoster 1.0 export)"
            elif prop == "caseload.asOfDate":
                if value and real_day(value) is None:  # the shape, and a real day
                    raise table.error("value", f"{prop}={value!r}: expected a date, YYYY-MM-DD")
                self.ds.as_of = value or None
        return modes

    def _placeholder_courses(self) -> None:
        """courses.csv absent: a stand-in course per course the classes refer to.

        Made from the first class's title and class code and school, marked as placeholders
        so that the loader never writes one over a course the cache already has.
        """
        made: dict[str, Course] = {}
        classes = 0
        for k in self.ds.classes:
            classes += 1
            if k.course_id is not None and k.course_id not in made:
                made[k.course_id] = Course(k.course_id, k.title, k.class_code, k.school_id)
        if not made:
            return
        self.ds.courses.extend(made.values())
        self.ds.placeholders.setdefault("courses", set()).update(made)
        self.ds.notices.append(
            f"courses.csv absent: {classes} class{'es' if classes != 1 else ''} kept with a "
            f"placeholder course made from the class title and class code ({len(made)} "
            f"course{'s' if len(made) != 1 else ''}; a course the cache already has is kept "
            f"as it is)"
        )

    # --- OneRoster files ------------------------------------------------------------

    def _orgs(self) -> None:
        t = self._table("orgs.csv", ("sourcedId", "name", "type"))

        def row(r: list[str], sid: str) -> None:
            self.ds.orgs.append(
                Org(
                    sid,
                    t.req(r, "name"),
                    t.choice(r, "type", _org_type),
                    t.text(r, "identifier"),
                    t.text(r, "parentSourcedId"),
                )
            )

        self._each(t, "orgs", row)

    def _sessions(self) -> None:
        t = self._table(
            "academicSessions.csv",
            ("sourcedId", "title", "type", "startDate", "endDate"),
        )

        def row(r: list[str], sid: str) -> None:
            start = t.date(r, "startDate", required=True)
            end = t.date(r, "endDate", required=True)
            assert start and end
            if end < start:
                raise t.error("endDate", f"{end} is before startDate {start}")
            year = t.number(r, "schoolYear")
            if year is not None and not year.is_integer():  # (2026.5 was cut to 2026)
                raise t.error("schoolYear", f"{exact_text(year)} is not a year")
            self.ds.academic_sessions.append(
                AcademicSession(
                    sid,
                    t.req(r, "title"),
                    t.choice(r, "type", _session_type),
                    start,
                    end,
                    t.text(r, "parentSourcedId"),
                    int(year) if year is not None else None,
                    t.text(r, "orgSourcedId"),
                )
            )

        self._each(t, "academic_sessions", row)

    def _demographics(self) -> None:
        # The user's id: 1.1/1.2's sourcedId (the user's own), or 1.0's userSourcedId, which
        # some 1.1/1.2 exports keep beside a sourcedId of the demographics record itself.
        t = self._table("demographics.csv", ())
        key = "userSourcedId" if t.index("userSourcedId") is not None else "sourcedId"
        if t.index(key) is None:
            t.close()
            raise SourceError(
                t.name, 1, "sourcedId",
                f"missing required column 'sourcedId' (or 1.0's 'userSourcedId'){self.context}",
            )

        self._births_whole = "demographics" not in self.ds.partial

        def row(r: list[str], sid: str) -> None:
            self._birth[sid] = t.date(r, "birthDate")
            self._applied.append((t.name, t.line, key, sid))

        def deleted(_r: list[str], sid: str) -> None:
            self._birth[sid] = None  # no longer known: cleared (the loader counts it)
            self.ds.birth_cleared.add(sid)

        self._each(t, None, row, id_column=key, deleted=deleted)

    def _roles(self) -> None:
        t = self._table("roles.csv", ("userSourcedId", "role"))
        self._roles_mode = "delta" if "roles" in self.ds.partial else "bulk"

        def row(r: list[str], _sid: str) -> None:
            uid = t.req(r, "userSourcedId")
            role = t.choice(r, "role", _role)
            self._applied.append((t.name, t.line, "userSourcedId", uid))
            rank = 0 if (t.text(r, "roleType") or "primary").casefold() == "primary" else 1
            current = self._user_roles.get(uid)
            if current is None or rank < current[0]:
                self._user_roles[uid] = (rank, role, t.text(r, "orgSourcedId"))
                self._role_words[uid] = t.req(r, "role")

        def deleted(r: list[str], _sid: str) -> None:
            self._roles_deleted.append(t.req(r, "userSourcedId"))

        self._each(t, None, row, deleted=deleted)

    def _deleted_roles(self) -> None:
        """Say what became of roles.csv's tobedeleted rows. The cache keeps one role per user,
        not the rows: a row goes with its user's deletion, and is not applied otherwise."""
        gone = {d.sourced_id for d in self.ds.deletions if d.entity == "users"}
        with_user = sum(uid in gone for uid in self._roles_deleted)
        kept = len(self._roles_deleted) - with_user
        if with_user:
            self.ds.notices.append(
                f"roles.csv: {with_user} row{'s' if with_user != 1 else ''} marked tobedeleted: "
                f"deleted with {'its user' if with_user == 1 else 'their users'} (users.csv)"
            )
        if kept:
            self.ds.notices.append(
                f"roles.csv: {kept} row{'s' if kept != 1 else ''} marked tobedeleted: not "
                "applied (caseload keeps one role per user, not each roles.csv row: a user's "
                "role changes with an active roles.csv row and goes with the user's own "
                "deletion in users.csv)"
            )

    def _users(self) -> None:
        t = self._table(
            "users.csv",
            ("sourcedId", "givenName", "familyName"),
            aliases=_USERS_ALIASES,
        )
        has_role_col = t.index("role") is not None
        # 1.2 keeps the role in roles.csv: a delta that changes a user's name or email carries
        # no roles.csv row for them, and the role is the cached one (the loader's to find).
        from_cache = self.roles_from_cache and self._roles_mode != "bulk" and (
            self._roles_mode == "delta" or "users" in self.ds.partial
        ) and not (self.version or "").startswith(("1.0", "1.1"))
        if not has_role_col and not self._user_roles and not from_cache:
            t.close()
            raise SourceError(
                "users.csv", 1, "role", f"no role column and no roles.csv{self.context}"
            )

        links = GuardianLinks(t.name, self.ds.kind)

        def row(r: list[str], sid: str) -> None:
            role: Role | None
            if has_role_col and t.text(r, "role"):
                role = t.choice(r, "role", _role)
                word = t.req(r, "role")
                org = t.text(r, "primaryOrgSourcedId")
            elif sid in self._user_roles:
                _, role, org = self._user_roles[sid]
                word = self._role_words.get(sid, role.value)
                org = t.text(r, "primaryOrgSourcedId") or org
            elif from_cache:
                role, word, org = None, "", t.text(r, "primaryOrgSourcedId")
            else:
                raise t.error("role", f"user {sid!r} has no role (in users.csv or roles.csv)")
            if org and "," in org:
                org = org.split(",")[0].strip()
            state_id = None
            for kind, value in _USER_IDS.findall(t.text(r, "userIds") or ""):
                if "state" in kind.casefold():
                    state_id = value or None
            if role is not None:
                links.user(sid, t.line, word, role, t.req(r, "givenName"),
                           t.req(r, "familyName"), t.text(r, "phone") or t.text(r, "sms"),
                           t.text(r, "email"), t.text(r, "agentSourcedIds"))
            grades = t.text(r, "grades")
            birth = self._birth.get(sid)
            user = User(
                sid,
                role or Role.OTHER,  # a stand-in when unknown: the loader puts the cached one
                t.req(r, "givenName"),
                t.req(r, "familyName"),
                t.text(r, "middleName"),
                t.text(r, "identifier"),
                state_id,
                grades.split(",")[0].strip() if grades else None,
                birth if birth is not None else None,  # type: ignore[arg-type]
                t.text(r, "email"),
                org,
                t.text(r, "preferredGivenName"),
                t.text(r, "preferredFamilyName"),
            )
            if sid not in self._birth and not self._births_whole:
                self.ds.birth_from_cache.add(sid)  # not given here: the loader keeps the cached
            if role is not None:
                self.ds.users.append(user)
                return
            self.ds.role_from_cache.append(
                RoleFromCache(user, t.name, t.line, bool(t.text(r, "agentSourcedIds")))
            )

        self._each(t, "users", row)
        links.finish(self.ds)

    def _courses(self) -> None:
        t = self._table("courses.csv", ("sourcedId", "title"))

        def row(r: list[str], sid: str) -> None:
            self.ds.courses.append(
                Course(sid, t.req(r, "title"), t.text(r, "courseCode"), t.text(r, "orgSourcedId"))
            )

        self._each(t, "courses", row)

    def _classes(self) -> None:
        t = self._table(
            "classes.csv",
            ("sourcedId", "title", "courseSourcedId", "schoolSourcedId", "termSourcedIds"),
            aliases=_CLASSES_ALIASES,
        )

        def row(r: list[str], sid: str) -> None:
            terms = tuple(x.strip() for x in (t.req(r, "termSourcedIds")).split(",") if x.strip())
            self.ds.classes.append(
                Klass(
                    sid,
                    t.req(r, "title"),
                    t.req(r, "courseSourcedId"),
                    t.req(r, "schoolSourcedId"),
                    t.text(r, "classCode"),
                    terms,
                    t.text(r, "periods"),
                )
            )

        self._each(t, "classes", row)

    def _enrollments(self) -> None:
        t = self._table(
            "enrollments.csv",
            ("sourcedId", "classSourcedId", "userSourcedId", "role"),
        )

        def row(r: list[str], sid: str) -> None:
            begin = t.date(r, "beginDate")
            end = t.date(r, "endDate")
            if begin and end and end < begin:
                raise t.error("endDate", f"{end} is before beginDate {begin}")
            self.ds.enrollments.append(
                Enrollment(
                    sid,
                    t.req(r, "classSourcedId"),
                    t.req(r, "userSourcedId"),
                    t.choice(r, "role", _role),
                    begin,
                    end,
                    t.boolean(r, "primary"),
                )
            )

        self._each(t, "enrollments", row)

    def _categories(self) -> None:
        t = self._table("categories.csv", ("sourcedId", "title"))

        def row(r: list[str], sid: str) -> None:
            self.ds.categories.append(
                Category(sid, t.req(r, "title"), t.number(r, "weight", minimum=0))
            )

        self._each(t, "categories", row)

    def _line_items(self) -> None:
        t = self._table(
            "lineItems.csv",
            ("sourcedId", "title", "classSourcedId"),
            aliases=_LINE_ITEMS_ALIASES,
            fallbacks=_LINE_ITEMS_FALLBACKS,
        )

        def row(r: list[str], sid: str) -> None:
            lo = t.number(r, "resultValueMin")
            hi = t.number(r, "resultValueMax")
            if hi is not None and hi <= (lo or 0.0):
                raise t.error("resultValueMax", f"{exact_text(hi)} is not above resultValueMin")
            self.ds.line_items.append(
                LineItem(
                    sid,
                    t.req(r, "classSourcedId"),
                    t.req(r, "title"),
                    t.text(r, "categorySourcedId"),
                    t.date(r, "assignDate"),
                    t.date(r, "dueDate"),
                    lo or 0.0,
                    hi,
                    t.text(r, "gradingPeriodSourcedId"),
                )
            )

        self._each(t, "line_items", row)

    def _results(self) -> None:
        t = self._table(
            "results.csv",
            ("sourcedId", "lineItemSourcedId", "studentSourcedId"),
            aliases=_RESULTS_ALIASES,
        )
        i_li, i_student = t.index("lineItemSourcedId"), t.index("studentSourcedId")
        assert i_li is not None and i_student is not None  # required columns, checked above
        i_score, i_status, i_date = t.index("score"), t.index("scoreStatus"), t.index("scoreDate")
        i_comment, i_late, i_missing = t.index("comment"), t.index("late"), t.index("missing")
        statuses = {s.value: s for s in ScoreStatus}
        flags = {"": False, "false": False, "true": True}
        results = self.ds.results
        fromiso = dt.date.fromisoformat
        inf = math.inf
        plain = plain_number
        # A district has millions of results over a few thousand line items, students and
        # days: each id and date is kept once (a 75,000-student import held 17 million of
        # each, a new string or date per cell).
        ids: dict[str, str] = {}
        days: dict[str, dt.date] = {}

        def row(r: list[str], sid: str) -> None:
            # Hot path (a district has millions of results): direct cell access for the usual
            # well-formed values, the generic typed accessors for anything else, so errors are
            # reported exactly as everywhere else.
            score_text = r[i_score].strip() if i_score is not None else ""
            score: float | None
            if not score_text:
                score = None
            else:
                try:
                    score = float(score_text)
                except ValueError:
                    score = None
                if score is None or not 0 <= score < inf or not plain(score_text):
                    score = t.number(r, "score", minimum=0)
            status_text = r[i_status].strip() if i_status is not None else ""
            if status_text:
                status = statuses.get(status_text) or t.choice(r, "scoreStatus", score_status)
            else:
                status = (
                    ScoreStatus.FULLY_GRADED if score is not None else ScoreStatus.NOT_SUBMITTED
                )
            date_text = r[i_date] if i_date is not None else ""
            score_date = days.get(date_text)
            if score_date is None:
                try:
                    score_date = (
                        fromiso(date_text) if iso_day(date_text) else t.date(r, "scoreDate")
                    )
                except ValueError:
                    score_date = t.date(r, "scoreDate")
                if score_date is not None and iso_day(date_text):
                    days[date_text] = score_date
            late = flags.get(r[i_late]) if i_late is not None else False
            missing = flags.get(r[i_missing]) if i_missing is not None else False
            item = r[i_li].strip() or t.req(r, "lineItemSourcedId")
            student = r[i_student].strip() or t.req(r, "studentSourcedId")
            results.append(
                Result(
                    sid,
                    ids.setdefault(item, item),
                    ids.setdefault(student, student),
                    score,
                    status,
                    score_date,
                    (r[i_comment].strip() or None) if i_comment is not None else None,
                    late if late is not None else t.boolean(r, "late"),
                    missing if missing is not None else t.boolean(r, "missing"),
                )
            )

        self._each(t, "results", row)

    # --- caseload extension files ---------------------------------------------------

    def _calendar(self) -> None:
        t = self._table("calendar.csv", ("schoolSourcedId", "date", "instructional"))
        seen: dict[tuple[str, object], int] = {}

        def row(r: list[str], _sid: str) -> None:
            school = t.req(r, "schoolSourcedId")
            day = t.date(r, "date", required=True)
            assert day is not None
            if t.text(r, "instructional") is None:
                raise t.error("instructional", "is required but empty")
            first = seen.setdefault((school, day), t.line)
            if first != t.line:
                raise t.error("date", f"duplicate day {day} for {school!r} (line {first})")
            self.ds.calendar_days.append(CalendarDay(school, day, t.boolean(r, "instructional")))

        self._each(t, "calendar_days", row)

    def _attendance(self) -> None:
        t = self._table(
            "attendance.csv", ("sourcedId", "studentSourcedId", "date", "category")
        )

        def row(r: list[str], sid: str) -> None:
            day = t.date(r, "date", required=True)
            assert day is not None
            self.ds.attendance_events.append(
                AttendanceEvent(
                    sid,
                    t.req(r, "studentSourcedId"),
                    day,
                    t.choice(r, "category", attendance_category),
                    t.text(r, "classSourcedId"),
                    t.text(r, "period"),
                )
            )

        self._each(t, "attendance_events", row)

    def _caseloads(self) -> None:
        t = self._table("caseloads.csv", ("counselorSourcedId", "studentSourcedId"))
        seen: set[tuple[str, str]] = set()

        def row(r: list[str], _sid: str) -> None:
            pair = (t.req(r, "counselorSourcedId"), t.req(r, "studentSourcedId"))
            if pair not in seen:
                seen.add(pair)
                self.ds.caseloads.append(CaseloadAssignment(*pair))
                self.ds.origins[("caseloads", f"{pair[0]}/{pair[1]}")] = f"{t.name}:{t.line}"

        self._each(t, "caseloads", row)

    def _incidents(self) -> None:
        """``incidents.csv``: one row per student's part in a discipline incident (OneRoster
        has no behavior data; SIS exports such as Infinite Campus's behavior report give one
        row per participant). Rows of one incident must agree on its date and school."""
        t = self._table(
            "incidents.csv", ("sourcedId", "incidentSourcedId", "studentSourcedId", "date")
        )
        incidents: dict[str, tuple[DisciplineIncident, int]] = {}

        def row(r: list[str], sid: str) -> None:
            incident_id = t.req(r, "incidentSourcedId")
            day = t.date(r, "date", required=True)
            assert day is not None
            incident = DisciplineIncident(
                incident_id, day, t.text(r, "schoolSourcedId"), None,
                t.text(r, "description"), t.text(r, "location"),
            )
            known = incidents.get(incident_id)
            if known is None:
                incidents[incident_id] = (incident, t.line)
                self.ds.discipline_incidents.append(incident)
                self.ds.origins[("discipline_incidents", incident_id)] = f"{t.name}:{t.line}"
            else:
                first, line = known
                for field, a, b in (("date", first.date, day),
                                    ("schoolSourcedId", first.school_id, incident.school_id)):
                    if a != b:
                        raise t.error(field, f"incident {incident_id!r} has {b} here but {a} "
                                             f"on line {line}")
            student = t.req(r, "studentSourcedId")
            self.ds.student_incidents.append(
                StudentIncident(incident_id, student, t.text(r, "behavior"))
            )
            self.ds.origins[("student_incidents", f"{incident_id}/{student}")] = (
                f"{t.name}:{t.line}"
            )

        self._each(t, "student_incidents", row, deletes_by_id=False)

    def _policies(self) -> None:
        t = self._table("gradingPolicies.csv", ("classSourcedId", "method"))
        methods: dict[str, GradingMethod] = {}
        cats: dict[str, dict[str, PolicyCategory]] = defaultdict(dict)
        lines: dict[str, int] = {}

        def row(r: list[str], _sid: str) -> None:
            cls = t.req(r, "classSourcedId")
            lines.setdefault(cls, t.line)
            method_text = t.text(r, "method")
            if method_text:
                method = t.choice(r, "method", _method)
                if methods.setdefault(cls, method) is not method:
                    raise t.error("method", f"class {cls!r} already has method {methods[cls]}")
            cat = t.text(r, "categorySourcedId")
            if cat:
                weight = t.number(r, "weight", minimum=0)
                drop = t.number(r, "dropLowest", minimum=0)
                if drop is not None and drop != int(drop):
                    raise t.error("dropLowest", f"{exact_text(drop)} is not a whole number")
                if cat in cats[cls]:
                    raise t.error("categorySourcedId", f"category {cat!r} repeated for {cls!r}")
                cats[cls][cat] = PolicyCategory(cat, weight, int(drop or 0))
            elif not method_text:
                raise t.error("method", "is required on a row without a categorySourcedId")

        self._each(t, "grading_policies", row)
        for cls in lines:
            if cls not in methods:
                err = SourceError(t.name, lines[cls], "method", f"class {cls!r} has no method row")
                if not self.skip_invalid:
                    raise row_refusal(err)
                self.ds.rejects.append(Reject.from_error(err))
                continue
            self.ds.grading_policies.append(
                GradingPolicy(cls, methods[cls], tuple(cats[cls].values()))
            )
            self.ds.origins[("grading_policies", cls)] = f"{t.name}:{lines[cls]}"


def read_oneroster(path: Path, *, skip_invalid: bool = False) -> Dataset:
    reader = _Reader(path, skip_invalid)
    with gc_paused(promote=True):  # a record a row, acyclic and kept: see caseload._runtime
        ds = reader.read()
    if "courses" not in reader.read_keys:
        # A file export is all the district sends; a REST sync (which reuses the reader) asks
        # for courses itself, so placeholders are made for files only.
        reader._placeholder_courses()
    return ds
