"""A grant is bound to the role granted, not to its name (migration 0025, audit s20c): a role
dropped and created again under a granted name (another person) gets nothing, before and
after an upgrade; ``caseload admin upgrade`` renews every valid grant's privileges at head
(a restore's lost GRANTs); ``revoke`` leaves nothing that keeps ``DROP ROLE`` from working; a
login's audit entries are dated by the database.

The fixtures (a copy of the sample school, logins) are tests/test_access.py's.
"""

from __future__ import annotations

import pytest

from tests import templates as tpl
from tests import test_access as base
from tests.test_access import Shared, cli, expected, grant_all

shared = base.shared  # the fixture: a copy of the sample school, and logins

pytestmark = pytest.mark.postgres

STUDENTS = "SELECT sourced_id FROM users WHERE role = 'student'"


def _drop(db: Shared, who: str) -> None:
    """What a DBA does to remove a login without caseload: its grant stays behind."""
    db.sql(None, f'DROP OWNED BY "{db.logins[who]}"')
    tpl.pg_admin(db.server, f'DROP ROLE "{db.logins[who]}"')


def _recreate(db: Shared, who: str) -> None:
    tpl.pg_admin(db.server, f"CREATE ROLE \"{db.logins[who]}\" LOGIN PASSWORD 'pw'")


def _who(db: Shared, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code, out, err = cli(capsys, "--db", db.url(), "admin", "who")
    assert code == 0, err
    return {line.split("  ")[0]: line for line in out.splitlines()}


def _privileges(db: Shared, who: str) -> int:
    return int(db.sql(None, "SELECT count(*) FROM information_schema.role_table_grants "
                            "WHERE grantee = %s", (db.logins[who],))[0][0])


def test_a_role_created_again_under_a_granted_name_gets_nothing(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    grant_all(shared, capsys)
    mine = expected(shared)["alice"]
    assert shared.ids("alice", STUDENTS) == mine
    _drop(shared, "alice")
    _drop(shared, "bob")
    _recreate(shared, "alice")  # another person, the same first name
    listed = _who(shared, capsys)
    alice, bob = shared.logins["alice"], shared.logins["bob"]
    assert "a different role now: revoke it, or grant again" in listed[alice]
    assert "login missing" in listed[bob]
    assert "(" not in listed[shared.logins["dana"]]
    # the next upgrade renews the others' privileges, not hers
    code, out, err = cli(capsys, "--db", shared.url(), "admin", "upgrade")
    assert code == 0, err
    assert "Privileges renewed for 2 logins." in out
    assert f"Not renewed (login missing or a different role now; see caseload admin who): " \
           f"{alice}, {bob}." in out
    assert _privileges(shared, "alice") == 0
    # given privileges by name (as a restore's GRANTs would), she still sees no student and
    # is nobody; caseload shows her nothing
    shared.sql(None, f'GRANT USAGE ON SCHEMA public TO "{alice}"')
    shared.sql(None, f'GRANT SELECT ON users, notes, caseloads, alembic_version TO "{alice}"')
    assert shared.ids("alice", STUDENTS) == set()
    assert shared.sql("alice", "SELECT caseload_person(current_user), "
                               "caseload_scope(current_user)") == [(None, None)]
    assert shared.sql("alice", "SELECT count(*) FROM caseloads") == [(0,)]
    code, out, err = cli(capsys, "--db", shared.url("alice"), "flags")
    assert code == 1 and out == "" and "Traceback" not in err
    # the owner binds the grant to her deliberately by granting again
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", alice, "--counselor",
                       "cns-1")
    assert code == 0, err
    assert shared.ids("alice", STUDENTS) == mine
    assert "(" not in _who(shared, capsys)[alice]
    # and a revoke of the missing one is a plain delete
    code, out, err = cli(capsys, "--db", shared.url(), "admin", "revoke", bob)
    assert code == 0 and out.startswith(f"Revoked {bob}"), err
    assert bob not in _who(shared, capsys)


def test_upgrade_at_head_renews_every_grants_privileges(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A restore whose GRANTs failed (one missing login fails each table's GRANT for all)
    leaves the logins with nothing: `caseload admin upgrade` at head gives it back."""
    import psycopg

    grant_all(shared, capsys)
    for who in ("alice", "dana"):
        shared.sql(None, f'REVOKE ALL ON users, notes FROM "{shared.logins[who]}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            shared.sql(who, "SELECT count(*) FROM users")
    code, out, err = cli(capsys, "--db", shared.url(), "admin", "upgrade")
    assert code == 0, err
    assert "Privileges renewed for 4 logins." in out and "Not renewed" not in out
    want = expected(shared)
    for who in ("alice", "dana"):
        assert shared.ids(who, STUDENTS) == want[who]
    # a login is told it is not the owner (it neither migrates nor renews)
    code, out, err = cli(capsys, "--db", shared.url("alice"), "admin", "upgrade")
    assert code == 1 and "only the database owner" in err and "Traceback" not in err


def test_a_revoked_login_can_be_dropped(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """DEPLOY.md's removing a login: `caseload admin revoke`, REVOKE CONNECT, DROP ROLE."""
    grant_all(shared, capsys)
    alice = shared.logins["alice"]
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "revoke", alice)
    assert code == 0, err
    shared.sql(None, f'REVOKE CONNECT ON DATABASE "{shared.dbname}" FROM "{alice}"')
    tpl.pg_admin(shared.server, f'DROP ROLE "{alice}"')
    assert not tpl.pg_admin(shared.server, f"SELECT 1 FROM pg_roles WHERE rolname = '{alice}'")


def test_migration_0025_both_ways_keeps_the_grants(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """Down to 0024 the grants go by name again; back up each is bound to the role of its
    name then (one whose role is missing then, to none: a role created later gets nothing)."""
    from caseload.store.engine import current_revision, make_engine, migrate
    from caseload.store.schema_version import HEAD
    from tests.migrations import downgrade

    grant_all(shared, capsys)
    want = expected(shared)
    engine = make_engine(shared.url())
    try:
        downgrade(engine, "0024")
        assert shared.sql(None, "SELECT count(*) FROM information_schema.columns WHERE "
                                "table_name = 'caseload_grants' AND column_name = "
                                "'role_oid'") == [(0,)]
        assert shared.sql(None, "SELECT count(*) FROM pg_trigger WHERE tgname = "
                                "'caseload_audit_clock'") == [(0,)]
        for who in ("alice", "bob", "dana"):
            assert shared.ids(who, STUDENTS) == want[who], who
        _drop(shared, "carol")
        migrate(engine)
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()
    assert shared.sql(None, "SELECT count(*) FROM pg_trigger WHERE tgname = "
                            "'caseload_audit_clock'") == [(1,)]
    for who in ("alice", "bob", "dana"):
        assert shared.ids(who, STUDENTS) == want[who], who
    assert shared.sql(None, "SELECT login FROM caseload_grants WHERE role_oid IS NULL") == [
        (shared.logins["carol"],)]
    _recreate(shared, "carol")
    shared.sql(None, f'GRANT USAGE ON SCHEMA public TO "{shared.logins["carol"]}"')
    shared.sql(None, f'GRANT SELECT ON users TO "{shared.logins["carol"]}"')
    assert shared.ids("carol", STUDENTS) == set()
    assert "a different role now" in _who(shared, capsys)[shared.logins["carol"]]


def test_a_login_cannot_backdate_an_audit_entry(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """(audit s20c, finding 8) A login's entry dated 2019 in plain SQL is dated by the
    database's clock (0025); the owner's is not checked."""
    grant_all(shared, capsys)
    insert = ("INSERT INTO audit_log (at, actor, action, scope, format, path, count, status) "
              "VALUES ('2019-06-01', {actor}, 'export', 'all', 'pdf', '/nowhere', 0, 'ok') "
              "RETURNING id")
    ((mine,),) = shared.sql("alice", insert.format(actor="(SELECT caseload_person("
                                                         "current_user))"))
    ((owners,),) = shared.sql(None, insert.format(actor="'maintenance'"))
    ((at, now),) = shared.sql(None, "SELECT at, now() FROM audit_log WHERE id = %s", (mine,))
    assert abs((now - at).total_seconds()) < 600
    ((at,),) = shared.sql(None, "SELECT at FROM audit_log WHERE id = %s", (owners,))
    assert at.year == 2019
    # the app's own export, as a login, is recorded as before
    code, _, err = cli(capsys, "--db", shared.url("alice"), "audit")
    assert code == 0, err
