"""OneRoster 1.1/1.2 CSV bulk and delta files, plus caseload's extension files.

A folder or .zip with ``manifest.csv``. The manifest's ``file.X`` entries say which files are
``bulk``, ``delta`` or ``absent``. Rows with ``status=tobedeleted`` become deletions. 1.1
column names are accepted where they differ from 1.2 (users' ``role``/``orgSourcedIds``).
Extension files (``attendance.csv``, ``calendar.csv``, ``caseloads.csv``,
``gradingPolicies.csv``) are read whenever present: see docs/DATA_FORMATS.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from caseload.domain.descriptors import attendance_category, score_status
from caseload.domain.records import (
    AcademicSession,
    AttendanceEvent,
    CalendarDay,
    CaseloadAssignment,
    Category,
    Course,
    Deletion,
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
    SessionType,
    User,
)
from caseload.sources.csvutil import Container, CsvTable
from caseload.sources.dataset import Dataset, Reject, SourceError

KIND = "oneroster-csv"

_ROLE_MAP = {
    "student": Role.STUDENT,
    "teacher": Role.TEACHER,
    "counselor": Role.COUNSELOR,
    "aide": Role.AIDE,
    "guardian": Role.GUARDIAN,
    "parent": Role.PARENT,
    "relative": Role.GUARDIAN,
    "administrator": Role.ADMINISTRATOR,
    "districtadministrator": Role.ADMINISTRATOR,
    "siteadministrator": Role.ADMINISTRATOR,
    "systemadministrator": Role.ADMINISTRATOR,
    "principal": Role.ADMINISTRATOR,
    "proctor": Role.OTHER,
}

_SESSION_TYPES = {t.value.casefold(): t for t in SessionType}

_USER_IDS = re.compile(r"\{\s*([^:{}]+?)\s*:\s*([^{}]*?)\s*\}")


def is_oneroster(path: Path) -> bool:
    try:
        with Container(path) as c:
            return c.has("manifest.csv")
    except SourceError:
        return False


def _role(value: str) -> Role:
    try:
        return _ROLE_MAP[value.strip().replace(" ", "").casefold()]
    except KeyError:
        raise ValueError(f"unknown role {value!r}") from None


def _session_type(value: str) -> SessionType:
    try:
        return _SESSION_TYPES[value.strip().casefold()]
    except KeyError:
        accepted = ", ".join(t.value for t in SessionType)
        raise ValueError(f"unknown session type {value!r} (expected one of {accepted})") from None


def _method(value: str) -> GradingMethod:
    try:
        return GradingMethod(value.strip().casefold())
    except ValueError:
        raise ValueError(
            f"unknown grading method {value!r} (expected points or weighted)"
        ) from None


class _Reader:
    def __init__(self, path: Path, skip_invalid: bool):
        self.path = path
        self.skip_invalid = skip_invalid
        self.ds = Dataset(kind=KIND, source=str(path))
        self.container = Container(path)

    # --- driver ---------------------------------------------------------------------

    def read(self) -> Dataset:
        with self.container:
            modes = self._manifest()
            plan: list[tuple[str, str, Callable[[], None]]] = [
                ("orgs", "orgs.csv", self._orgs),
                ("academicSessions", "academicSessions.csv", self._sessions),
                ("demographics", "demographics.csv", self._demographics),
                ("roles", "roles.csv", self._roles),
                ("users", "users.csv", self._users),
                ("courses", "courses.csv", self._courses),
                ("classes", "classes.csv", self._classes),
                ("enrollments", "enrollments.csv", self._enrollments),
                ("categories", "categories.csv", self._categories),
                ("lineItems", "lineItems.csv", self._line_items),
                ("results", "results.csv", self._results),
            ]
            self._birth: dict[str, object] = {}
            self._user_roles: dict[str, tuple[int, Role, str | None]] = {}
            for key, fname, fn in plan:
                mode = modes.get(key, "bulk" if self.container.has(fname) else "absent")
                if mode == "absent":
                    continue
                if not self.container.has(fname):
                    raise SourceError(
                        "manifest.csv", None, f"file.{key}", f"says {mode} but {fname} is missing"
                    )
                if mode == "delta":
                    self.ds.partial.add(key)
                fn()
            extensions: list[tuple[str, Callable[[], None]]] = [
                ("calendar.csv", self._calendar),
                ("attendance.csv", self._attendance),
                ("caseloads.csv", self._caseloads),
                ("gradingPolicies.csv", self._policies),
            ]
            for fname, fn in extensions:
                if self.container.has(fname):
                    fn()
        return self.ds

    def _manifest(self) -> dict[str, str]:
        table = CsvTable(self.container, "manifest.csv", ("propertyName", "value"))
        modes: dict[str, str] = {}
        for row in table.rows():
            prop = table.req(row, "propertyName")
            value = (table.text(row, "value") or "").strip()
            if prop.startswith("file."):
                mode = value.casefold()
                if mode not in ("bulk", "delta", "absent"):
                    raise table.error("value", f"{prop}={value!r}: expected bulk, delta or absent")
                modes[prop[5:]] = mode
            elif prop == "caseload.asOfDate":
                self.ds.as_of = value or None
        return modes

    def _each(self, table: CsvTable, entity: str, handle: Callable[[list[str], str], None]) -> None:
        """Run ``handle(row, sourced_id)`` per row; deletions, duplicates and rejects here."""
        seen: dict[str, int] = {}
        self.ds.line_maps[entity] = (table.name, seen)  # where each id came from
        id_col = table.index("sourcedId")
        status_col = table.index("status")
        for row in table.rows():
            try:
                sid = row[id_col].strip() if id_col is not None else ""
                if id_col is not None:
                    if not sid:
                        raise table.error("sourcedId", "is required but empty")
                    first = seen.get(sid)
                    if first is not None:
                        raise table.error(
                            "sourcedId", f"duplicate id {sid!r} (first seen on line {first})"
                        )
                    seen[sid] = table.line
                status = row[status_col] if status_col is not None else ""
                if status and status.strip().casefold() == "tobedeleted":
                    self.ds.deletions.append(Deletion(entity, sid))
                    continue
                handle(row, sid)
            except SourceError as err:
                if not self.skip_invalid:
                    raise
                raw = dict(
                    zip(
                        table.columns.keys(), (row[i] for i in table.columns.values()), strict=False
                    )
                )
                self.ds.rejects.append(Reject.from_error(err, raw))

    # --- OneRoster files ------------------------------------------------------------

    def _orgs(self) -> None:
        t = CsvTable(self.container, "orgs.csv", ("sourcedId", "name", "type"))

        def row(r: list[str], sid: str) -> None:
            self.ds.orgs.append(
                Org(
                    sid,
                    t.req(r, "name"),
                    t.req(r, "type"),
                    t.text(r, "identifier"),
                    t.text(r, "parentSourcedId"),
                )
            )

        self._each(t, "orgs", row)

    def _sessions(self) -> None:
        t = CsvTable(
            self.container,
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
        t = CsvTable(self.container, "demographics.csv", ("sourcedId",))
        for r in t.rows():
            sid = t.req(r, "sourcedId")
            try:
                self._birth[sid] = t.date(r, "birthDate")
            except SourceError as err:
                if not self.skip_invalid:
                    raise
                self.ds.rejects.append(Reject.from_error(err))

    def _roles(self) -> None:
        t = CsvTable(self.container, "roles.csv", ("userSourcedId", "role"))
        for r in t.rows():
            try:
                uid = t.req(r, "userSourcedId")
                if (t.text(r, "status") or "").casefold() == "tobedeleted":
                    continue
                role = t.choice(r, "role", _role)
                rank = 0 if (t.text(r, "roleType") or "primary").casefold() == "primary" else 1
                current = self._user_roles.get(uid)
                if current is None or rank < current[0]:
                    self._user_roles[uid] = (rank, role, t.text(r, "orgSourcedId"))
            except SourceError as err:
                if not self.skip_invalid:
                    raise
                self.ds.rejects.append(Reject.from_error(err))

    def _users(self) -> None:
        t = CsvTable(
            self.container,
            "users.csv",
            ("sourcedId", "givenName", "familyName"),
            aliases={"primaryOrgSourcedId": ("orgSourcedIds",)},
        )
        has_role_col = t.index("role") is not None
        if not has_role_col and not self._user_roles:
            raise SourceError("users.csv", 1, "role", "no role column and no roles.csv")

        def row(r: list[str], sid: str) -> None:
            if has_role_col and t.text(r, "role"):
                role = t.choice(r, "role", _role)
                org = t.text(r, "primaryOrgSourcedId")
            elif sid in self._user_roles:
                _, role, org = self._user_roles[sid]
                org = t.text(r, "primaryOrgSourcedId") or org
            else:
                raise t.error("role", f"user {sid!r} has no role (in users.csv or roles.csv)")
            if org and "," in org:
                org = org.split(",")[0].strip()
            state_id = None
            for kind, value in _USER_IDS.findall(t.text(r, "userIds") or ""):
                if "state" in kind.casefold():
                    state_id = value or None
            grades = t.text(r, "grades")
            birth = self._birth.get(sid)
            self.ds.users.append(
                User(
                    sid,
                    role,
                    t.req(r, "givenName"),
                    t.req(r, "familyName"),
                    t.text(r, "middleName"),
                    t.text(r, "identifier"),
                    state_id,
                    grades.split(",")[0].strip() if grades else None,
                    birth if birth is not None else None,  # type: ignore[arg-type]
                    t.text(r, "email"),
                    org,
                )
            )

        self._each(t, "users", row)

    def _courses(self) -> None:
        t = CsvTable(self.container, "courses.csv", ("sourcedId", "title"))

        def row(r: list[str], sid: str) -> None:
            self.ds.courses.append(
                Course(sid, t.req(r, "title"), t.text(r, "courseCode"), t.text(r, "orgSourcedId"))
            )

        self._each(t, "courses", row)

    def _classes(self) -> None:
        t = CsvTable(
            self.container,
            "classes.csv",
            ("sourcedId", "title", "courseSourcedId", "schoolSourcedId", "termSourcedIds"),
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
        t = CsvTable(
            self.container,
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
        t = CsvTable(self.container, "categories.csv", ("sourcedId", "title"))

        def row(r: list[str], sid: str) -> None:
            self.ds.categories.append(
                Category(sid, t.req(r, "title"), t.number(r, "weight", minimum=0))
            )

        self._each(t, "categories", row)

    def _line_items(self) -> None:
        t = CsvTable(
            self.container,
            "lineItems.csv",
            ("sourcedId", "title", "classSourcedId"),
            aliases={"gradingPeriodSourcedId": ("academicSessionSourcedId",)},
        )

        def row(r: list[str], sid: str) -> None:
            lo = t.number(r, "resultValueMin")
            hi = t.number(r, "resultValueMax")
            if hi is not None and hi <= (lo or 0.0):
                raise t.error("resultValueMax", f"{hi:g} is not above resultValueMin")
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
        t = CsvTable(
            self.container,
            "results.csv",
            ("sourcedId", "lineItemSourcedId", "studentSourcedId"),
            aliases={"studentSourcedId": ("userSourcedId",)},
        )
        i_li, i_student = t.index("lineItemSourcedId"), t.index("studentSourcedId")
        assert i_li is not None and i_student is not None  # required columns, checked above
        i_score, i_status, i_date = t.index("score"), t.index("scoreStatus"), t.index("scoreDate")
        i_comment, i_late, i_missing = t.index("comment"), t.index("late"), t.index("missing")
        statuses = {s.value: s for s in ScoreStatus}
        flags = {"": False, "false": False, "true": True}
        results = self.ds.results
        fromiso = dt.date.fromisoformat

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
                if score is None or not 0 <= score < float("inf"):
                    score = t.number(r, "score", minimum=0)
            status_text = r[i_status].strip() if i_status is not None else ""
            if status_text:
                status = statuses.get(status_text) or t.choice(r, "scoreStatus", score_status)
            else:
                status = (
                    ScoreStatus.FULLY_GRADED if score is not None else ScoreStatus.NOT_SUBMITTED
                )
            date_text = r[i_date] if i_date is not None else ""
            try:
                score_date = fromiso(date_text) if len(date_text) == 10 else t.date(r, "scoreDate")
            except ValueError:
                score_date = t.date(r, "scoreDate")
            late = flags.get(r[i_late]) if i_late is not None else False
            missing = flags.get(r[i_missing]) if i_missing is not None else False
            results.append(
                Result(
                    sid,
                    r[i_li].strip() or t.req(r, "lineItemSourcedId"),
                    r[i_student].strip() or t.req(r, "studentSourcedId"),
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
        t = CsvTable(self.container, "calendar.csv", ("schoolSourcedId", "date", "instructional"))
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
        t = CsvTable(
            self.container, "attendance.csv", ("sourcedId", "studentSourcedId", "date", "category")
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
        t = CsvTable(self.container, "caseloads.csv", ("counselorSourcedId", "studentSourcedId"))
        seen: set[tuple[str, str]] = set()

        def row(r: list[str], _sid: str) -> None:
            pair = (t.req(r, "counselorSourcedId"), t.req(r, "studentSourcedId"))
            if pair not in seen:
                seen.add(pair)
                self.ds.caseloads.append(CaseloadAssignment(*pair))
                self.ds.origins[("caseloads", f"{pair[0]}/{pair[1]}")] = f"{t.name}:{t.line}"

        self._each(t, "caseloads", row)

    def _policies(self) -> None:
        t = CsvTable(self.container, "gradingPolicies.csv", ("classSourcedId", "method"))
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
                    raise t.error("dropLowest", f"{drop:g} is not a whole number")
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
                    raise err
                self.ds.rejects.append(Reject.from_error(err))
                continue
            self.ds.grading_policies.append(
                GradingPolicy(cls, methods[cls], tuple(cats[cls].values()))
            )
            self.ds.origins[("grading_policies", cls)] = f"{t.name}:{lines[cls]}"


def read_oneroster(path: Path, *, skip_invalid: bool = False) -> Dataset:
    return _Reader(path, skip_invalid).read()
