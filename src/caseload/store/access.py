"""Access enforced by PostgreSQL: the grants table, row-level security policies, privileges.

The database owner maps a PostgreSQL login to a person and a scope (``caseload admin grant``;
:class:`caseload.domain.access.Grant`) in ``caseload_grants``, a table only the owner can read
or write. Every table that holds student data has row-level security policies that join
``current_user`` to it through SECURITY DEFINER functions:

- ``caseload_visible_students(login)``: the ids of the students the login sees (a counselor's
  caseload; a school's students); STABLE, so a policy's ``IN (SELECT ...)`` runs it once per
  query as a hashed subplan;
- ``caseload_scope(login)`` and ``caseload_person(login)``: the grant's scope and person
  (wrapped in ``(SELECT ...)`` in the policies: evaluated once per query).

Inside a SECURITY DEFINER function ``current_user`` is the owner, so the policies pass the
login in, and the functions answer only for the session's own login (or a role it is a member
of, which it could ``SET ROLE`` to anyway), and only while that login is the role that was
granted: a grant records the role's OID (0025), so a role dropped and created again under the
same name matches no grant, and is given no privileges, until it is granted again. The owner
(and superusers) bypass row-level security: imports, syncs and facts refreshes run as the
owner. A login without a grant sees nothing, and ``revoke`` also takes back its privileges on
the tables and the schema.

The rules themselves (policies, functions, the grants table, the note-history trigger) are
frozen by revision in :mod:`caseload.store.access_frozen`; :data:`POLICIES` is the newest
snapshot, and migrations apply the snapshot of their own revision. Adding a table that holds
student data is a new snapshot there (``POLICIES_0022 | {"table": by_student()}``), a
migration that applies it (:func:`apply_policies`), and :data:`POLICIES` pointing at it. A
table in neither :data:`POLICIES` nor :data:`SHARED_TABLES` is never granted to a login (fail
closed). SQLite is one user: none of this applies there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from caseload.domain.access import DatabaseAccessError, Grant, Scope
from caseload.store.access_frozen import GRANTS, POLICIES_0022, TablePolicy

VERSION_TABLE = "alembic_version"

# today's policies: the newest snapshot (every table's, as migrations left them)
POLICIES: dict[str, TablePolicy] = POLICIES_0022

# Shared tables a login reads only some columns of: an import's failure ``message`` can quote
# the record it stopped at (a student's id, a database error's DETAIL): the owner's, not every
# counselor's. The app, as a login, reads the runs' kind, source, times, outcome and counts.
OWNER_COLUMNS = {"import_runs": ("message",)}

SHARED_TABLES = (
    # no student in them: every granted login reads them whole (but OWNER_COLUMNS)
    VERSION_TABLE, "orgs", "academic_sessions", "calendar_days", "courses", "classes",
    "categories", "line_items", "grading_policies", "policy_categories", "import_runs",
    "mat_class", "mat_state", "mat_rank_state", "sync_state",
    "import_lock",  # 0013: the running import (who, where, when); no student in it
)

FUNCTION_NAMES = ("caseload_visible_students(name)", "caseload_grant(name)",
                  "caseload_person(name)", "caseload_scope(name)")


# A note keeps its history on a shared database (0021): see access_frozen's trigger.
NOTE_HISTORY_FUNCTION = "caseload_note_history()"
NOTE_HISTORY_TRIGGER = "caseload_note_history"


def create_note_history(conn: Connection, columns: tuple[str, ...], function: str) -> None:
    """(Re)create the trigger that keeps a note's history (PostgreSQL): ``function``, a
    migration's snapshot of its SQL (``access_frozen.NOTE_HISTORY_SQL_0021``); ``columns``,
    those a saved version must match (``NOTE_HISTORY_0021``)."""
    path = f"{_q(conn, _schema(conn))}, pg_temp"
    same = " AND ".join(f"r.{_q(conn, c)} IS NOT DISTINCT FROM OLD.{_q(conn, c)}"
                        for c in columns)
    conn.execute(text(function.replace("{path}", path).replace("{same}", same)))
    for table, when in (("notes", "INSERT OR UPDATE"), ("note_revisions", "INSERT")):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {NOTE_HISTORY_TRIGGER} ON {table}"))
        conn.execute(text(f"CREATE TRIGGER {NOTE_HISTORY_TRIGGER} BEFORE {when} ON {table} "
                          f"FOR EACH ROW EXECUTE FUNCTION {NOTE_HISTORY_FUNCTION}"))


def drop_note_history(conn: Connection) -> None:
    """Undo :func:`create_note_history`."""
    for table in ("notes", "note_revisions"):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {NOTE_HISTORY_TRIGGER} ON {table}"))
    conn.execute(text(f"DROP FUNCTION IF EXISTS {NOTE_HISTORY_FUNCTION}"))


# A login's audit entries are dated by the database (0025): see access_frozen's trigger.
AUDIT_CLOCK_FUNCTION = "caseload_audit_clock()"
AUDIT_CLOCK_TRIGGER = "caseload_audit_clock"


def create_audit_clock(conn: Connection, function: str) -> None:
    """(Re)create the trigger that dates a login's audit entries by the database's clock
    (PostgreSQL): ``function``, a migration's snapshot of its SQL
    (``access_frozen.AUDIT_CLOCK_SQL_0025``)."""
    conn.execute(text(function.replace("{path}", f"{_q(conn, _schema(conn))}, pg_temp")))
    conn.execute(text(f"DROP TRIGGER IF EXISTS {AUDIT_CLOCK_TRIGGER} ON audit_log"))
    conn.execute(text(f"CREATE TRIGGER {AUDIT_CLOCK_TRIGGER} BEFORE INSERT ON audit_log "
                      f"FOR EACH ROW EXECUTE FUNCTION {AUDIT_CLOCK_FUNCTION}"))


def drop_audit_clock(conn: Connection) -> None:
    """Undo :func:`create_audit_clock`."""
    conn.execute(text(f"DROP TRIGGER IF EXISTS {AUDIT_CLOCK_TRIGGER} ON audit_log"))
    conn.execute(text(f"DROP FUNCTION IF EXISTS {AUDIT_CLOCK_FUNCTION}"))


def alter_grants(conn: Connection, statements: tuple[str, ...]) -> None:
    """Change the grants table as a migration's snapshot says
    (``access_frozen.BIND_GRANTS_0025``: each grant bound to its role's OID)."""
    for sql in statements:
        conn.execute(text(sql))


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _tables(conn: Connection) -> set[str]:
    return set(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )).scalars())


# --- schema (migrations) -------------------------------------------------------------------


def create_schema(conn: Connection, create_grants: str, functions: tuple[str, ...],
                  policies: dict[str, TablePolicy]) -> None:
    """The grants table (owner only), the functions and every policy (PostgreSQL), as a
    migration's snapshots give them (``access_frozen``)."""
    conn.execute(text(create_grants))
    conn.execute(text(f"REVOKE ALL ON {GRANTS} FROM PUBLIC"))
    conn.execute(text(
        "CREATE INDEX IF NOT EXISTS ix_users_school_role ON users (school_id, role)"
    ))
    create_functions(conn, functions)
    apply_policies(conn, tuple(policies), policies)


def create_functions(conn: Connection, functions: tuple[str, ...]) -> None:
    """(Re)create the SECURITY DEFINER functions (a migration's snapshot of them:
    ``access_frozen.FUNCTIONS_0019``), their search path the cache's schema and then
    ``pg_temp`` (PostgreSQL's advice for such functions: a login's temporary objects can
    never stand in for the grants table, the caseloads or the users)."""
    path = f"{_q(conn, _schema(conn))}, pg_temp"
    for sql in functions:
        conn.execute(text(sql.replace("{path}", path)))


def apply_policies(conn: Connection, tables: tuple[str, ...],
                   policies: dict[str, TablePolicy]) -> list[str]:
    """(Re)create the policies of those of ``tables`` that exist, as ``policies`` (a
    migration's snapshot, ``access_frozen``) has them, and turn row-level security on;
    returns the tables done."""
    present = _tables(conn)
    done = []
    for table in tables:
        if table not in present:
            continue
        policy, t = policies[table], _q(conn, table)
        conn.execute(text(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"))
        for kind in ("read", "insert", "update", "delete"):
            conn.execute(text(f"DROP POLICY IF EXISTS caseload_{kind} ON {t}"))
        conn.execute(text(f"CREATE POLICY caseload_read ON {t} FOR SELECT USING ({policy.read})"))
        if policy.insert:
            conn.execute(text(
                f"CREATE POLICY caseload_insert ON {t} FOR INSERT WITH CHECK ({policy.insert})"
            ))
        if policy.update:
            conn.execute(text(
                f"CREATE POLICY caseload_update ON {t} FOR UPDATE "
                f"USING ({policy.update_using or policy.update}) WITH CHECK ({policy.update})"
            ))
        if policy.delete:
            conn.execute(text(f"CREATE POLICY caseload_delete ON {t} FOR DELETE "
                              f"USING ({policy.delete})"))
        done.append(table)
    return done


def drop_schema(conn: Connection) -> None:
    """Undo :func:`create_schema` (a downgrade): policies off, functions and grants gone."""
    present = _tables(conn)
    for table in POLICIES:
        if table in present:
            t = _q(conn, table)
            for kind in ("read", "insert", "update", "delete"):
                conn.execute(text(f"DROP POLICY IF EXISTS caseload_{kind} ON {t}"))
            conn.execute(text(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"))
    if GRANTS in present:
        for login in conn.execute(text(f"SELECT login FROM {GRANTS}")).scalars():
            _revoke_privileges(conn, login)
    for fn in FUNCTION_NAMES:
        conn.execute(text(f"DROP FUNCTION IF EXISTS {fn}"))
    conn.execute(text(f"DROP TABLE IF EXISTS {GRANTS}"))
    conn.execute(text("DROP INDEX IF EXISTS ix_users_school_role"))


def unclassified(conn: Connection) -> list[str]:
    """Tables of the schema that are neither policed nor shared: never granted to a login."""
    known = set(POLICIES) | set(SHARED_TABLES) | {GRANTS}
    return sorted(_tables(conn) - known)


# --- who is connected ---------------------------------------------------------------------


def is_owner(conn: Connection) -> bool:
    """Whether the connected role owns the cache's tables (or is a superuser): row-level
    security does not apply to it, and it alone migrates."""
    if not is_postgres(conn):
        return True
    found = conn.execute(text(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
        f"WHERE c.oid = to_regclass('{VERSION_TABLE}')"
    )).scalar()
    return found is None or bool(found)  # no schema yet: whoever creates it owns it


def my_grant(conn: Connection) -> Grant | None:
    """The connected login's grant (None: the owner, SQLite, or no grant)."""
    if not is_postgres(conn) or is_owner(conn):
        return None
    exists = conn.execute(text("SELECT to_regprocedure('caseload_grant(name)')")).scalar()
    if exists is None:
        return None
    row = conn.execute(text(
        "SELECT person, scope, target FROM caseload_grant(current_user)"
    )).first()
    if row is None:
        return None
    return Grant(login=str(conn.execute(text("SELECT current_user")).scalar()),
                 person=row.person, scope=Scope(row.scope), target=row.target)


# --- the owner's commands -----------------------------------------------------------------


def _require_owner(conn: Connection) -> None:
    if not is_owner(conn):
        raise DatabaseAccessError(
            "only the database owner can manage grants (connect as the role that owns the "
            "caseload tables)"
        )


def _check_target(conn: Connection, grant: Grant) -> None:
    if grant.scope is Scope.COUNSELOR:
        found = conn.execute(text(
            "SELECT 1 FROM users WHERE sourced_id = :id AND role = 'counselor'"
        ), {"id": grant.target}).first()
        if found is None:
            raise DatabaseAccessError(f"no counselor with id {grant.target!r} in the cache")
    elif grant.scope is Scope.SCHOOL:
        found = conn.execute(text("SELECT 1 FROM orgs WHERE sourced_id = :id"),
                             {"id": grant.target}).first()
        if found is None:
            raise DatabaseAccessError(f"no school with id {grant.target!r} in the cache")


def grant(conn: Connection, new: Grant) -> None:
    """Map an existing login to a person and scope (replacing its grant: a grant of a role
    dropped and created again under that name is bound to the new role) and give it the
    privileges the policies then narrow."""
    _require_owner(conn)
    role = _role(conn, new.login)
    if role is None:
        raise DatabaseAccessError(
            f"no PostgreSQL login {new.login!r}: create it first "
            "(CREATE ROLE ... LOGIN; see docs/DEPLOY.md)"
        )
    if role.bypass or role.owns:
        raise DatabaseAccessError(
            f"{new.login!r} owns the caseload tables or bypasses row-level security "
            "(superuser or BYPASSRLS): a grant could not restrict it; use an ordinary login"
        )
    _check_target(conn, new)
    conn.execute(text(
        f"INSERT INTO {GRANTS} (login, person, scope, target, role_oid) "
        "VALUES (:l, :p, :s, :t, :o) "
        "ON CONFLICT (login) DO UPDATE SET person = EXCLUDED.person, scope = EXCLUDED.scope, "
        "target = EXCLUDED.target, role_oid = EXCLUDED.role_oid, granted_at = now()"
    ), {"l": new.login, "p": new.person, "s": new.scope.value, "t": new.target, "o": role.oid})
    _grant_privileges(conn, new.login)


def _role(conn: Connection, login: str) -> Any:
    """(oid, bypass, owns) of the role ``login``, None when there is none. ``bypass``: it is,
    or may SET ROLE to, a superuser or a BYPASSRLS role; ``owns``: it may SET ROLE to the
    tables' owner (membership, inherited or not: 'MEMBER', not 'USAGE')."""
    return conn.execute(text(
        "SELECT r.oid, EXISTS (SELECT 1 FROM pg_roles s WHERE (s.rolsuper OR s.rolbypassrls) "
        "AND pg_has_role(r.oid, s.oid, 'MEMBER')) AS bypass, "
        "pg_has_role(r.oid, c.relowner, 'MEMBER') AS owns FROM pg_roles r, pg_class c "
        f"WHERE r.rolname = :login AND c.oid = to_regclass('{VERSION_TABLE}')"
    ), {"login": login}).first()


def revoke(conn: Connection, login: str) -> bool:
    """Remove the login's grant and its privileges on the tables and the schema (so the DBA
    can then drop the role); whether it had a grant. A role without a grant keeps whatever
    it was given outside caseload, and the owner (or a role that bypasses row-level
    security) is refused: revoking it would take the owner's own access to the tables."""
    _require_owner(conn)
    role = _role(conn, login)
    if role is not None and (role.bypass or role.owns):
        raise DatabaseAccessError(
            f"{login!r} owns the caseload tables or bypasses row-level security: it holds no "
            "grant to revoke (caseload admin revoke is for the logins caseload admin grant "
            "made)"
        )
    had = conn.execute(text(f"DELETE FROM {GRANTS} WHERE login = :l RETURNING login"),
                       {"l": login}).first()
    if had is not None and role is not None:
        _revoke_privileges(conn, login)
        # (granted with the tables': left, it kept DROP ROLE from working, audit s20c)
        conn.execute(text(f"REVOKE USAGE ON SCHEMA {_q(conn, _schema(conn))} "
                          f"FROM {_q(conn, login)}"))
    return had is not None


# A grant's role (``grants``): the role granted; no role of that name; another role of that
# name (dropped and created again since, or the grant restored into another cluster)
ROLE_OK, ROLE_MISSING, ROLE_OTHER = "ok", "missing", "other"


def grants(conn: Connection) -> list[tuple[Grant, str]]:
    """Every grant, by login, with its role: ROLE_OK, ROLE_MISSING or ROLE_OTHER."""
    _require_owner(conn)
    rows = conn.execute(text(
        f"SELECT g.login, g.person, g.scope, g.target, CASE WHEN r.oid IS NULL THEN "
        f"'{ROLE_MISSING}' WHEN r.oid = g.role_oid THEN '{ROLE_OK}' ELSE '{ROLE_OTHER}' END "
        f"AS role FROM {GRANTS} g LEFT JOIN pg_roles r ON r.rolname = g.login ORDER BY g.login"
    ))
    return [(Grant(login=r.login, person=r.person, scope=Scope(r.scope), target=r.target),
             str(r.role)) for r in rows]


def sync_privileges(conn: Connection) -> list[str]:
    """Re-grant the privileges of every login that is the role it was granted as (after an
    upgrade added tables; after a restore that gave them none); the logins done. A grant
    whose role is missing or was created again gives nothing (``grants`` marks it)."""
    if not is_postgres(conn) or GRANTS not in _tables(conn):
        return []
    bound = conn.execute(text(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :t AND column_name = 'role_oid'"), {"t": GRANTS}).first()
    same = "r.rolname = g.login" + (" AND r.oid = g.role_oid" if bound else "")  # (< 0025)
    logins = [str(x) for x in conn.execute(text(
        f"SELECT g.login FROM {GRANTS} g JOIN pg_roles r ON {same} ORDER BY g.login"
    )).scalars()]
    for login in logins:
        _grant_privileges(conn, login)
    return logins


def _grant_privileges(conn: Connection, login: str) -> None:
    who = _q(conn, login)
    present = _tables(conn)
    conn.execute(text(f"GRANT USAGE ON SCHEMA {_q(conn, _schema(conn))} TO {who}"))
    readable = [t for t in (*SHARED_TABLES, *POLICIES) if t in present]
    whole = [t for t in readable if t not in OWNER_COLUMNS]
    conn.execute(text(f"GRANT SELECT ON {', '.join(_q(conn, t) for t in whole)} TO {who}"))
    for table, hidden in OWNER_COLUMNS.items():
        if table not in present:
            continue
        shown = [c for c in conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = :t ORDER BY ordinal_position"
        ), {"t": table}).scalars() if c not in hidden]
        t = _q(conn, table)
        conn.execute(text(f"REVOKE SELECT ON {t} FROM {who}"))  # (granted whole before 0019)
        conn.execute(text(f"GRANT SELECT ({', '.join(_q(conn, c) for c in shown)}) ON {t} "
                          f"TO {who}"))
    for table, policy in POLICIES.items():
        if table not in present:
            continue
        t = _q(conn, table)
        columns = policy.update_columns if policy.update else ()
        verbs = [v for v, p in (("INSERT", policy.insert),
                                ("UPDATE", policy.update and not columns),
                                ("DELETE", policy.delete)) if p]
        if verbs:
            conn.execute(text(f"GRANT {', '.join(verbs)} ON {t} TO {who}"))
        if columns:  # (a whole-table UPDATE granted before 0018 goes first)
            conn.execute(text(f"REVOKE UPDATE ON {t} FROM {who}"))
            cols = ", ".join(_q(conn, c) for c in columns)
            conn.execute(text(f"GRANT UPDATE ({cols}) ON {t} TO {who}"))
        if policy.insert:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                               {"t": table}).scalar() if _has_id(conn, table) else None
            if seq:
                conn.execute(text(f"GRANT USAGE ON SEQUENCE {seq} TO {who}"))


def _has_id(conn: Connection, table: str) -> bool:
    return conn.execute(text(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :t AND column_name = 'id'"
    ), {"t": table}).first() is not None


def _revoke_privileges(conn: Connection, login: str) -> None:
    who, schema = _q(conn, login), _q(conn, _schema(conn))
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}"))


def _schema(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_schema()")).scalar())
