"""Access administration on a shared PostgreSQL cache (``caseload admin ...``), run by the
database owner: grant a login a person and scope, revoke it, list the grants, upgrade the
schema and renew the logins' privileges. The database enforces the grants
(``caseload.store.access``). SQLite is one user: every use case here raises
:class:`AccessControlUnavailable` on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from caseload.domain.access import AccessControlUnavailable, DatabaseAccessError, Grant, Scope

if TYPE_CHECKING:
    from sqlalchemy import Engine

SQLITE_MESSAGE = (
    "access control applies to PostgreSQL only: a SQLite cache has one user, the owner of "
    "its file (see docs/DEPLOY.md for a shared PostgreSQL database)"
)


def _engine(db: str | None) -> Engine:
    """The cache at ``db`` (migrated: the owner runs these), PostgreSQL only."""
    from caseload.store.engine import connect_engine, migrate, parse_url, resolve_url

    url = resolve_url(db)
    if parse_url(url).get_backend_name() == "sqlite":
        raise AccessControlUnavailable(SQLITE_MESSAGE)
    engine = connect_engine(url)  # an unknown kind of database: said as any command says it
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise AccessControlUnavailable(SQLITE_MESSAGE)
    migrate(engine)
    return engine


def grant(db: str | None, login: str, *, scope: Scope, target: str | None = None,
          person: str | None = None) -> Grant:
    """Map ``login`` to ``person`` (default: the counselor for a counselor grant, else the
    login's own name) and ``scope``; replaces an earlier grant of the login."""
    from caseload.services.grant_checks import check_grant
    from caseload.store import access

    defaulted = person is None
    if person is None:
        person = target if scope is Scope.COUNSELOR and target else login
    elif not person.strip():
        # (an empty person wrote notes with no author, and shared the owner's "since you
        # last looked", whose viewer is "")
        raise DatabaseAccessError("--person is empty: give the id the login writes notes as, "
                                  "or leave --person out")
    new = Grant(login=login, person=person, scope=scope,
                target=None if scope is Scope.DISTRICT else target)
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            check_grant(conn, new, person_defaulted=defaulted)  # (one person, one login)
            access.grant(conn, new)
    finally:
        engine.dispose()
    return new


def revoke(db: str | None, login: str) -> bool:
    """Take ``login``'s grant and privileges away; whether it had a grant."""
    from caseload.store import access

    engine = _engine(db)
    try:
        with engine.begin() as conn:
            return access.revoke(conn, login)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Listed:
    """A grant and whether its login is the role granted: ``missing`` (no role of that
    name) and ``other`` (a role of that name created since: another person, perhaps) give
    nothing (the database matches a grant to the role's identity, not its name)."""

    grant: Grant
    missing: bool = False
    other: bool = False


def who(db: str | None) -> list[Listed]:
    """Every grant, by login, each with the state of its role."""
    from caseload.store import access

    engine = _engine(db)
    try:
        with engine.connect() as conn:
            return [Listed(g, missing=role == access.ROLE_MISSING, other=role == access.ROLE_OTHER)
                    for g, role in access.grants(conn)]
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Upgraded:
    """The schema's revision after ``upgrade``; the logins whose privileges were renewed;
    the grants that gave none (their login missing or another role now: ``who``)."""

    revision: str
    renewed: tuple[str, ...]
    skipped: tuple[str, ...]


def upgrade(db: str | None) -> Upgraded:
    """Bring the schema to this version's head and renew every granted login's privileges,
    at head too (after a restore that could not give them back); the owner only."""
    from caseload.store import access
    from caseload.store.engine import current_revision

    engine = _engine(db)
    try:
        with engine.begin() as conn:
            if not access.is_owner(conn):
                raise DatabaseAccessError(
                    "only the database owner upgrades the schema and renews the logins' "
                    "privileges (connect as the role that owns the caseload tables)"
                )
            renewed = access.sync_privileges(conn)
            skipped = [g.login for g, _ in access.grants(conn) if g.login not in renewed]
        return Upgraded(current_revision(engine) or "", tuple(renewed), tuple(skipped))
    finally:
        engine.dispose()


def login_is_owner(engine: Engine) -> bool:
    """Whether ``engine`` connects to a PostgreSQL cache as its owner (or a superuser), whom
    row-level security does not filter (False on SQLite: one user, nothing to filter)."""
    if engine.dialect.name != "postgresql":
        return False
    from caseload.store import access

    with engine.connect() as conn:
        return access.is_owner(conn)


def login_grant(engine: Engine) -> Grant | None:
    """The grant of the login ``engine`` connects as (None: the owner, SQLite, no grant)."""
    if engine.dialect.name != "postgresql":
        return None
    from caseload.store import access

    with engine.connect() as conn:
        return access.my_grant(conn)
