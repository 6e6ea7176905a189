"""``caseload admin grant|revoke|who|upgrade``: who may read what in a shared PostgreSQL
cache, run by the database owner (docs/DEPLOY.md).

Wiring (in ``caseload.cli``)::

    admin_cli.add_commands(sub, lambda p: _globals(p, suppress=True))
    if command == "admin":
        return admin_cli.run(args)

This module parses arguments and prints; the use cases are in ``caseload.services.admin``
(it imports neither SQLAlchemy, SQLModel nor ``caseload.store``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from caseload.domain.access import DatabaseAccessError, Scope

EXIT_OK = 0
EXIT_ERROR = 1

COMMAND = "admin"


def add_commands(
    subparsers: Any, add_globals: Callable[[argparse.ArgumentParser], None]
) -> None:
    admin = subparsers.add_parser(
        COMMAND, help="grant PostgreSQL logins access (the database owner runs these)",
        description="Who may read what in a shared PostgreSQL cache (run as its owner).",
    )
    add_globals(admin)
    actions = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    p = actions.add_parser(
        "grant", help="map an existing PostgreSQL login to a person and a scope",
        description="Map an existing PostgreSQL login to a person and a scope: one "
                    "counselor's caseload, one school's students, or the whole district.",
    )
    add_globals(p)
    p.add_argument("login", metavar="LOGIN", help="an existing PostgreSQL login (role)")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--counselor", metavar="ID",
                       help="the counselor's caseload; they write notes as this counselor")
    scope.add_argument("--school", metavar="ID", help="every student of this school (a lead)")
    scope.add_argument("--district", action="store_true", help="every student (district staff)")
    p.add_argument("--person", metavar="ID",
                   help="who the login writes notes as (default: the counselor, else LOGIN)")
    p.set_defaults(admin_handler=cmd_grant)

    p = actions.add_parser("revoke", help="remove a login's grant and its privileges",
                           description="Remove a login's grant and its privileges on the "
                                       "tables and the schema: it then sees nothing, and "
                                       "the DBA can drop the role.")
    add_globals(p)
    p.add_argument("login", metavar="LOGIN")
    p.set_defaults(admin_handler=cmd_revoke)

    p = actions.add_parser("who", help="one line per grant: the login and its scope",
                           description="One line per grant: the login, its scope, its person; "
                                       "marked when the login is missing or is a different "
                                       "role now (dropped and created again): such a grant "
                                       "gives nothing.")
    add_globals(p)
    p.set_defaults(admin_handler=cmd_who)

    p = actions.add_parser("upgrade", help="bring the schema to this version and renew the "
                                           "logins' privileges (owner only)",
                           description="Run the schema migrations, then renew every granted "
                                       "login's privileges, at the current revision too (after "
                                       "a restore). The owner only; other logins never "
                                       "migrate.")
    add_globals(p)
    p.set_defaults(admin_handler=cmd_upgrade)


def run(args: argparse.Namespace) -> int:
    handler: Callable[[argparse.Namespace], int] = args.admin_handler
    try:
        return handler(args)
    except DatabaseAccessError as exc:
        _err(str(exc))
        return EXIT_ERROR


def _err(message: str) -> None:
    print(f"caseload: error: {message}", file=sys.stderr)


def cmd_grant(args: argparse.Namespace) -> int:
    from caseload.services import admin

    if args.district:
        scope, target = Scope.DISTRICT, None
    elif args.school is not None:
        scope, target = Scope.SCHOOL, args.school
    else:
        scope, target = Scope.COUNSELOR, args.counselor
    done = admin.grant(args.db, args.login, scope=scope, target=target, person=args.person)
    print(f"Granted {done.login}: {done.scope_label} (writes notes as {done.person}).")
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    from caseload.services import admin

    had = admin.revoke(args.db, args.login)
    if had:
        print(f"Revoked {args.login}: it sees nothing now.")
    else:
        print(f"{args.login} had no grant: nothing was changed.")
    return EXIT_OK


def cmd_who(args: argparse.Namespace) -> int:
    from caseload.services import admin

    found = admin.who(args.db)
    if not found:
        print("No grants.")
    for listed in found:
        g = listed.grant
        mark = ("  (login missing: it gives nothing)" if listed.missing else
                "  (a different role now: revoke it, or grant again)" if listed.other else "")
        print(f"{g.login}  {g.scope_label}  person {g.person}{mark}")
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace) -> int:
    from caseload.services import admin

    done = admin.upgrade(args.db)
    print(f"Schema at revision {done.revision}.")
    print(f"Privileges renewed for {len(done.renewed)} "
          f"login{'' if len(done.renewed) == 1 else 's'}.")
    if done.skipped:
        print(f"Not renewed (login missing or a different role now; see caseload admin who): "
              f"{', '.join(done.skipped)}.")
    return EXIT_OK
