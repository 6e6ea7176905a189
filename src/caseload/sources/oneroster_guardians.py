"""OneRoster guardians: users with role ``guardian``, ``parent`` or ``relative`` and the students
``agentSourcedIds`` (1.0's ``agents``; REST ``agents``) links them to.

OneRoster has no relationship field, so a link's ``relationship`` is the role word itself
("parent", "guardian", "relative"), never a guess such as "mother"; ``primary_contact`` is
unknown (None). The phone is the ``phone`` column, else ``sms``. The link may be written on either
side: a guardian's row lists its students, a student's row its guardians; both are read and a
pair given twice is one link. A guardian's own row is the whole list of its students, so the
loader replaces the guardian's cached links with it (``Dataset.guardians_complete``). A student
named on a guardian's row that is neither in the file nor in the cache is the loader's reference
error (file, line, ``agentSourcedIds``); links the reader cannot make are counted in a notice.
Payload in, records out: no cache here.

Also :func:`without_user`: demographics.csv and roles.csv rows whose user users.csv lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from caseload.domain.records import Guardian, Role
from caseload.sources.dataset import Dataset, Reject, SourceError, row_refusal

GUARDIAN_ROLES = frozenset({"guardian", "parent", "relative"})


def role_word(value: str) -> str:
    return value.strip().replace(" ", "").casefold()


def split_ids(value: str | None) -> tuple[str, ...]:
    """A comma-separated id list (``agentSourcedIds``), blanks dropped, order kept."""
    if not value:
        return ()
    return tuple(dict.fromkeys(x.strip() for x in value.split(",") if x.strip()))


@dataclass(frozen=True, slots=True)
class _Person:
    line: int | str | None
    word: str
    role: Role
    given: str
    family: str
    phone: str | None
    email: str | None
    agents: tuple[str, ...]


class GuardianLinks:
    """Collects the users of one users file, then turns their agent links into Guardians."""

    def __init__(self, file: str, kind: str) -> None:
        self.file = file
        self.kind = kind
        self.people: dict[str, _Person] = {}

    def user(self, sid: str, line: int | str | None, word: str, role: Role, given: str,
             family: str, phone: str | None, email: str | None, agents: str | None) -> None:
        self.people[sid] = _Person(line, role_word(word), role, given, family, phone, email,
                                   split_ids(agents))

    def finish(self, ds: Dataset) -> None:
        links: dict[tuple[str, str], Guardian] = {}
        not_student = not_guardian = 0
        for gid, g in self.people.items():
            if g.word not in GUARDIAN_ROLES:
                continue
            ds.guardians_complete.add(gid)
            for student in g.agents:
                known = self.people.get(student)
                if known is not None and known.role is not Role.STUDENT:
                    not_student += 1
                    continue
                links[(student, gid)] = self._link(student, gid, g)
        for sid, s in self.people.items():
            if s.role is not Role.STUDENT:
                continue
            for gid in s.agents:
                if (sid, gid) in links:
                    continue
                agent = self.people.get(gid)
                if agent is None or agent.word not in GUARDIAN_ROLES:
                    not_guardian += 1
                    continue
                links[(sid, gid)] = self._link(sid, gid, agent)
        ds.guardians.extend(links.values())
        self.origins(ds)
        if not_student:
            ds.notices.append(
                f"not read: {not_student} agentSourcedIds on guardian rows of {self.file} that "
                "name a user who is not a student"
            )
        if not_guardian:
            ds.notices.append(
                f"not read: {not_guardian} agentSourcedIds on student rows of {self.file} that "
                "name no guardian, parent or relative of this file (a guardian's own row lists "
                "its students)"
            )

    def _link(self, student: str, gid: str, g: _Person) -> Guardian:
        return Guardian(student, gid, g.given, g.family, g.word, g.phone, g.email, None,
                        self.kind)

    def origins(self, ds: Dataset) -> None:
        """Where each link came from ("users.csv:14"), for the loader's reference errors."""
        for link in ds.guardians:
            g = self.people.get(link.guardian_id)
            s = self.people.get(link.student_id)
            line = g.line if g is not None and link.student_id in g.agents else (
                s.line if s is not None else None)
            if line is not None:
                ds.origins[("guardians", f"{link.guardian_id}/{link.student_id}")] = (
                    f"{self.file}:{line}")


def without_user(
    ds: Dataset, applied: list[tuple[str, int, str, str]], users_read: bool, skip_invalid: bool
) -> None:
    """demographics.csv and roles.csv rows (``applied``: file, line, field, user id) are
    applied with their user's users.csv row.

    A row for a user a bulk users.csv does not have is refused (rejected with
    ``--skip-invalid``), like a reference to nothing. With users.csv delta or absent the user
    may be in the cache, but the row cannot be applied without its user's row: the summary
    says how many were not applied. So too over REST (a sync): a server's /demographics may
    hold people its /users leaves out (another status, another scope), and a nightly sync
    must not stop for one of them.
    """
    users = ds.line_maps.get("users", ("", {}))[1]
    csv = ds.kind == "oneroster-csv"
    bulk = csv and users_read and "users" not in ds.partial
    users_name = "users.csv" if csv else "the users collection"
    left: dict[str, int] = {}
    for file, line, field, uid in applied:
        if uid in users:
            continue
        if not bulk:
            left[file] = left.get(file, 0) + 1
            continue
        err = SourceError(file, line, field, f"no such user {uid!r} in {users_name}")
        if not skip_invalid:
            raise row_refusal(err)
        ds.rejects.append(Reject.from_error(err))
    for file, n in left.items():
        ds.notices.append(
            f"{file}: {n} row{'s' if n != 1 else ''} for users not in {users_name} not "
            f"applied (caseload applies them with the user's row in {users_name})"
        )
