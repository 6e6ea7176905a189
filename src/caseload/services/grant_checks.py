"""What ``caseload admin grant`` refuses before the store writes a grant (audit s20c,
findings 3 and 5), in the owner's transaction:

- a person who is already another login's: both logins would be one person to the database,
  so the second would read the first's confidential notes, and its notes would be signed
  as the first (a substitute, a successor: each login gets its own ``--person``);
- a school or district grant whose person, defaulted to the login's name, is a counselor's
  id (a login named ``cns-3`` granted ``--district`` would be counselor cns-3);
- ``--school`` naming an org that is not a school (the district's own org: 0 students).

The store (``caseload.store.access``) still checks the login and the target's existence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from caseload.domain.access import DatabaseAccessError, Grant, Scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _same_person(who: str, person: str) -> str:
    return (f"{who} would read {person}'s confidential notes and sign notes as {person}; "
            "give it its own --person (see docs/DEPLOY.md)")


def check_grant(conn: Connection, new: Grant, *, person_defaulted: bool) -> None:
    """Raise :class:`DatabaseAccessError` for a grant the module's rules refuse. Not the
    owner: nothing is checked here (the store refuses it, saying so)."""
    from caseload.store import access
    from caseload.store.access_frozen import GRANTS

    if not access.is_owner(conn):
        return
    if new.scope is Scope.SCHOOL:
        kind = conn.execute(text("SELECT type FROM orgs WHERE sourced_id = :id"),
                            {"id": new.target}).scalar()
        if kind is not None and kind != "school":
            instead = ("use --district" if kind == "district"
                       else "give a school's id (caseload's orgs of type school)")
            raise DatabaseAccessError(f"{new.target} is a {kind}, not a school: {instead}")
    holder = conn.execute(text(
        f"SELECT login FROM {GRANTS} WHERE person = :p AND login <> :l ORDER BY login LIMIT 1"
    ), {"p": new.person, "l": new.login}).scalar()
    if holder is not None:
        raise DatabaseAccessError(
            f"person {new.person} is already login {holder}'s: "
            + _same_person(f"a second login granted as {new.person}", new.person))
    if person_defaulted and new.scope is not Scope.COUNSELOR:
        counselor = conn.execute(text(
            "SELECT 1 FROM users WHERE sourced_id = :p AND role = 'counselor'"
        ), {"p": new.person}).first()
        if counselor is not None:
            raise DatabaseAccessError(
                f"login {new.login}'s person would be its name, {new.person}, which is a "
                "counselor's id in the cache: " + _same_person("it", new.person))
