"""The flags use case: every student's early-warning flags and metrics at an as-of date.

``caseload flags`` (cli.py) parses its options, calls :func:`flag_reports` and prints what it
returns (``caseload.export.flags_output``); the TUI can call the same function. Who is
reported: one student (``student``), one counselor's caseload (``counselor``), every student
(``counselor="all"``), or, with neither, the config's ``me`` (every student when unset).

The reports are the domain's (``caseload.domain.report.StudentReport``), in triage order, read
from the materialized facts when they are fresh (``caseload.store.repository``). What was not
loaded stays unknown in them (issue 11 §1): None attendance figures, no attendance flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from caseload.domain.text import given

if TYPE_CHECKING:
    from caseload.domain.report import StudentReport
    from caseload.services.context import Workspace
    from caseload.store.repository import Repository

ALL = "all"  # --counselor all: every student


class StudentNotFound(LookupError):
    """No student with this id in the cache."""

    def __init__(self, student_id: str) -> None:
        self.student_id = student_id
        super().__init__(f"no student with id {given(student_id)}")


@dataclass(frozen=True)
class FlagReports:
    """The reports for one scope at one as-of date, in triage order."""

    as_of: dt.date
    scope: str  # "student", "counselor" or "all"
    reports: list[StudentReport]
    # said beside the reports (stderr) when they may mislead: a counselor with no students
    # (a mistyped id reads as "nobody flagged" otherwise)
    note: str | None = None


def flag_reports(
    workspace: Workspace,
    *,
    as_of: dt.date | None = None,
    counselor: str | None = None,
    student: str | None = None,
    search: str | None = None,
    flags: Collection[str] = (),
    today: Callable[[], dt.date] = dt.date.today,
) -> FlagReports:
    """The flags and metrics of ``student``, of ``counselor``'s caseload (``"all"``: every
    student) or, with neither, of the config's ``me`` (every student when unset), at
    ``as_of`` (default: today). ``search`` keeps the students it matches, exactly as the
    caseload screen's ``/`` filter does (``caseload.domain.search``); ``flags`` keeps those
    with any of these codes (e.g. ``TRUANCY``). Raises :class:`StudentNotFound` for an
    unknown student."""
    from caseload.store.repository import Repository

    day = as_of or today()
    repo = Repository(workspace.engine, thresholds=workspace.config.thresholds)
    if student is not None:
        try:
            found = FlagReports(day, "student", [repo.student(student, day).report])
        except KeyError:
            raise StudentNotFound(student) from None
    else:
        who = counselor if counselor is not None else workspace.config.me
        if who is not None and counselor is None and no_caseload(repo, who):
            found = FlagReports(day, ALL, repo.caseload(None, day), note=(
                f"`me` ({who!r}) has no caseload assignment: every student is reported "
                "(`--counselor ID` reports one caseload)"))
        elif who in (None, ALL):
            found = FlagReports(day, ALL, repo.caseload(None, day))
        else:
            found = FlagReports(day, "counselor", repo.caseload(who, day))
            if not found.reports:
                found = FlagReports(day, "counselor", [], note=_no_students(workspace, repo, who))
    reports = found.reports
    if search:  # the same matcher and keys as the caseload screen's / filter
        from caseload.domain.search import filter_items, row_keys

        users = {u.sourced_id: u for u in repo.students()}
        reports = filter_items(search, reports, row_keys(users))
    if flags:
        codes = set(flags)
        reports = [r for r in reports if any(f.code in codes for f in r.flags)]
    return FlagReports(day, found.scope, reports, found.note)


def no_caseload(repo: Repository, me: str) -> bool:
    """Whether the config's ``me`` names someone with no caseload assignment (a psychologist,
    an assistant principal): what opens by default is then every student, in the app and
    the CLI alike (issue 4), never an empty caseload. An explicit counselor is never
    replaced (the callers ask only when none was given)."""
    return me != ALL and not repo.has_caseload(me)


def _no_students(workspace: Workspace, repo: Repository, who: str) -> str:
    """Why ``who``'s caseload came out empty: a counselor outside a granted login's scope
    (a shared PostgreSQL cache, the grant's scope named), else an id to check."""
    from caseload.domain.access import Scope
    from caseload.services.admin import login_grant

    grant = login_grant(workspace.engine)
    if (grant is not None and grant.scope is not Scope.DISTRICT
            and any(c.sourced_id == who for c in repo.counselors())):  # (staff: seen by all)
        return (f"counselor {who!r} is outside this login's grant ({grant.scope_label}): "
                "it sees none of their students (`caseload flags` reports the granted ones; "
                "the database's owner grants more)")
    return (f"counselor {who!r} has no students in the cache: check the id "
            "(`caseload flags --counselor all` reports every student)")


__all__ = ["ALL", "FlagReports", "StudentNotFound", "flag_reports", "no_caseload"]
