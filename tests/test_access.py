"""Access enforced by PostgreSQL (issue 13): grants, row-level security, revoke.

Each test gets its own copy of the imported sample school on the session's throwaway cluster
(owned by the superuser ``postgres``, who imported it) and its own LOGIN roles (roles are
cluster-wide: the names carry the process id and a counter, and are dropped afterwards). Every
scope is checked by querying as the login itself, through plain SQL and through the CLI.

The sample school has one school (org-hhs) and three counselors; the first five of cns-1's
students are moved to a second school (org-ms) so that a school lead sees a strict subset.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from caseload.cli import main
from tests import templates as tpl

pytestmark = pytest.mark.postgres

AS_OF = "2026-11-20"
OTHER_SCHOOL = "org-ms"
SECRET_TEXT = "Confidential: family matter xyzzy"
_names = itertools.count()


@dataclass
class Shared:
    """A copy of the sample school and the logins made for this test."""

    server: tpl.PgServer
    dbname: str
    logins: dict[str, str]  # short name -> role name

    def url(self, who: str | None = None) -> str:
        user = self.logins[who] if who else self.server.user
        return f"postgresql+psycopg://{user}@{self.server.host}:{self.server.port}/{self.dbname}"

    def sql(self, who: str | None, query: str, params: tuple[object, ...] = ()) -> list[tuple]:
        import psycopg

        user = self.logins[who] if who else self.server.user
        with psycopg.connect(host=self.server.host, port=self.server.port, user=user,
                             dbname=self.dbname, password="pw", autocommit=True) as conn:
            cur = conn.execute(query, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def ids(self, who: str | None, query: str, params: tuple[object, ...] = ()) -> set[str]:
        return {r[0] for r in self.sql(who, query, params)}


@pytest.fixture
def shared(pg_server: tpl.PgServer, pg_sample_template: str) -> Iterator[Shared]:
    tag = f"{os.getpid()}_{next(_names)}"
    logins = {short: f"{short}_{tag}" for short in ("alice", "bob", "carol", "dana", "eve")}
    for role in logins.values():
        tpl.pg_admin(pg_server, f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'pw'")
    try:
        with tpl.pg_copy(pg_server, pg_sample_template) as url:
            db = Shared(pg_server, url.rsplit("/", 1)[1], logins)
            db.sql(None, "INSERT INTO orgs (sourced_id, name, type) VALUES (%s, 'Middle', "
                         "'school')", (OTHER_SCHOOL,))
            db.sql(None, "UPDATE users SET school_id = %s WHERE sourced_id IN (SELECT "
                         "student_id FROM caseloads WHERE counselor_id = 'cns-1' "
                         "ORDER BY student_id LIMIT 5)", (OTHER_SCHOOL,))
            yield db
    finally:
        for role in logins.values():
            tpl.pg_admin(pg_server, f'DROP ROLE IF EXISTS "{role}"')


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def grant_all(db: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    """alice: counselor cns-1; carol: counselor cns-2; bob: lead of org-ms; dana: district."""
    for who, scope in (("alice", ["--counselor", "cns-1"]), ("carol", ["--counselor", "cns-2"]),
                       ("bob", ["--school", OTHER_SCHOOL]), ("dana", ["--district"])):
        code, out, err = cli(capsys, "--db", db.url(), "admin", "grant", db.logins[who], *scope)
        assert code == 0, err
        assert out.startswith(f"Granted {db.logins[who]}")


def expected(db: Shared) -> dict[str, set[str]]:
    """Each login's students, computed as the owner from the source tables."""
    return {
        "alice": db.ids(None, "SELECT student_id FROM caseloads WHERE counselor_id = 'cns-1'"),
        "carol": db.ids(None, "SELECT student_id FROM caseloads WHERE counselor_id = 'cns-2'"),
        "bob": db.ids(None, "SELECT sourced_id FROM users WHERE role = 'student' AND "
                            "school_id = %s", (OTHER_SCHOOL,)),
        "dana": db.ids(None, "SELECT sourced_id FROM users WHERE role = 'student'"),
    }


STUDENT_TABLES = {  # table -> its student id column
    "results": "student_id", "attendance_events": "student_id",
    "student_incidents": "student_id", "caseloads": "student_id", "mat_student": "student_id",
    "mat_class_facts": "student_id", "mat_rank": "student_id", "notes": "student_id",
}


def test_each_scope_sees_exactly_its_students_in_plain_sql(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    grant_all(shared, capsys)
    want = expected(shared)
    assert len(want["bob"]) == 5 and want["bob"] < want["alice"]
    assert len(want["dana"]) == 600 and want["alice"] < want["dana"]
    # a note about every student, written by the owner, so the notes table is policed too
    shared.sql(None, "INSERT INTO notes (student_id, author_id, contact_date, type, flags, text, "
                     "status, created_at, updated_at, deleted, revision) SELECT sourced_id, "
                     "'cns-9', DATE '2026-11-01', 'other', '[]', 'n', 'open', now(), now(), "
                     "false, 1 FROM users WHERE role = 'student'")
    for who, students in want.items():
        seen = shared.ids(who, "SELECT sourced_id FROM users WHERE role = 'student'")
        assert seen == students, who
        for table, column in STUDENT_TABLES.items():
            as_login = shared.sql(who, f"SELECT count(*), count(DISTINCT {column}) FROM {table}")
            as_owner = shared.sql(
                None, f"SELECT count(*), count(DISTINCT {column}) FROM {table} "
                      f"WHERE {column} = ANY(%s)", (sorted(students),))
            assert as_login == as_owner, (who, table)
            if table in ("results", "attendance_events", "caseloads", "notes", "mat_student"):
                assert as_owner[0][0] > 0, (who, table)  # the check is not vacuous
        enrolled = shared.ids(who, "SELECT user_id FROM enrollments WHERE role = 'student'")
        assert enrolled <= students and enrolled, who
        incidents = shared.sql(who, "SELECT count(*) FROM discipline_incidents")[0][0]
        assert incidents == shared.sql(
            None, "SELECT count(DISTINCT incident_id) FROM student_incidents "
                  "WHERE student_id = ANY(%s)", (sorted(students),))[0][0] or who == "dana"
        # staff stay visible: class screens name the teacher
        assert shared.ids(who, "SELECT sourced_id FROM users WHERE role = 'teacher'")


def test_grant_table_is_owner_only(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    grant_all(shared, capsys)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", "SELECT * FROM caseload_grants")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", "UPDATE caseload_grants SET scope = 'district'")
    # asking the functions about another login answers nothing
    for other in ("carol", "dana"):
        login = shared.logins[other]
        assert shared.sql("alice", "SELECT count(*) FROM caseload_visible_students(%s)",
                          (login,)) == [(0,)]
        assert shared.sql("alice", "SELECT caseload_scope(%s), caseload_person(%s)",
                          (login, login)) == [(None, None)]
    # no writes to source tables
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("dana", "DELETE FROM results")


def _flag_ids(out: str) -> set[str]:
    return {s["id"] for s in json.loads(out)["students"]}


def test_cli_flags_as_each_login(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    grant_all(shared, capsys)
    want = expected(shared)
    # alice: her caseload by default (her grant's counselor is her `me`)
    code, out, err = cli(capsys, "--db", shared.url("alice"), "flags", "--as-of", AS_OF,
                         "--format", "json")
    assert code == 0, err
    assert "Traceback" not in err
    assert _flag_ids(out) == want["alice"]
    for who in ("alice", "bob", "dana"):
        code, out, err = cli(capsys, "--db", shared.url(who), "flags", "--as-of", AS_OF,
                             "--counselor", "all", "--format", "json")
        assert code == 0, err
        assert _flag_ids(out) == want[who], who
    # another counselor's caseload, asked for by name, is empty for alice
    code, out, _ = cli(capsys, "--db", shared.url("alice"), "flags", "--as-of", AS_OF,
                       "--counselor", "cns-2", "--format", "json")
    assert code == 0 and _flag_ids(out) == set()
    # a student she cannot see is unknown to her
    outside = sorted(want["carol"] - want["alice"])[0]
    code, _, err = cli(capsys, "--db", shared.url("alice"), "flags", "--student", outside)
    assert code == 1 and "no student" in err and "Traceback" not in err


def test_cli_notes_add_and_list_as_logins(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    grant_all(shared, capsys)
    want = expected(shared)
    mine = sorted(want["bob"])[0]  # alice's student, in bob's school too
    theirs = sorted(want["carol"] - want["alice"])[0]
    code, out, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student", mine,
                         "--type", "student_meeting", "--text", "Met about grades")
    assert code == 0, err
    code, out, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student", mine,
                         "--type", "student_meeting", "--text", SECRET_TEXT, "--confidential")
    assert code == 0, err
    rows = shared.sql(None, "SELECT author_id, confidential FROM notes ORDER BY id")
    assert rows == [("cns-1", False), ("cns-1", True)]  # written as her person
    # not about a student she cannot see, and not as someone else; no traceback, no text
    code, _, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student", theirs,
                       "--type", "student_meeting", "--text", SECRET_TEXT)
    assert code == 1 and "Traceback" not in err and "xyzzy" not in err
    code, _, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student", mine,
                       "--type", "student_meeting", "--text", SECRET_TEXT, "--author", "cns-2")
    assert code == 1 and "Traceback" not in err and "xyzzy" not in err
    assert shared.sql(None, "SELECT count(*) FROM notes") == [(2,)]
    # plain SQL cannot slip one in either
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", "INSERT INTO notes (student_id, author_id, contact_date, type, "
                            "flags, text, status, created_at, updated_at, deleted, revision) "
                            "VALUES (%s, 'cns-1', DATE '2026-11-01', 'other', '[]', 'x', "
                            "'open', now(), now(), false, 1)", (theirs,))
    # listing: the author sees both; the school lead and the district only the open one
    for who, count in (("alice", 2), ("bob", 1), ("dana", 1), ("carol", 0)):
        code, out, err = cli(capsys, "--db", shared.url(who), "notes", "list", "--counselor",
                             "all", "--format", "json")
        assert code == 0, err
        listed = json.loads(out)
        assert len(listed) == count, who
        assert all(n["text"] != SECRET_TEXT for n in listed) or who == "alice"
        assert shared.sql(who, "SELECT count(*) FROM notes") == [(count,)], who
    # the text listing too (alice: her caseload by default)
    code, out, _ = cli(capsys, "--db", shared.url("alice"), "notes", "list")
    assert code == 0 and "Met about grades" in out


def test_revoke_leaves_nothing(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    grant_all(shared, capsys)
    code, out, err = cli(capsys, "--db", shared.url(), "admin", "revoke", shared.logins["alice"])
    assert code == 0, err
    assert "Revoked" in out
    for table in ("users", "results", "notes", "alembic_version", "classes"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            shared.sql("alice", f"SELECT count(*) FROM {table}")
    assert shared.sql(None, "SELECT count(*) FROM information_schema.role_table_grants "
                            "WHERE grantee = %s", (shared.logins["alice"],)) == [(0,)]
    code, out, err = cli(capsys, "--db", shared.url("alice"), "flags", "--as-of", AS_OF)
    assert code == 1 and out == ""
    assert "has no access" in err and "Traceback" not in err
    code, out, _ = cli(capsys, "--db", shared.url(), "admin", "who")
    assert shared.logins["alice"] not in out and shared.logins["dana"] in out


def test_admin_who_one_line_per_grant(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--db", shared.url(), "admin", "who")
    assert code == 0 and out.strip() == "No grants."
    grant_all(shared, capsys)
    code, out, _ = cli(capsys, "--db", shared.url(), "admin", "who")
    lines = out.splitlines()
    assert len(lines) == 4
    assert f"{shared.logins['alice']}  counselor cns-1  person cns-1" in lines
    assert f"{shared.logins['bob']}  school {OTHER_SCHOOL}  person {shared.logins['bob']}" in lines
    assert any(line.startswith(f"{shared.logins['dana']}  district") for line in lines)
    # a grant replaces the earlier one
    cli(capsys, "--db", shared.url(), "admin", "grant", shared.logins["alice"], "--district")
    _, out, _ = cli(capsys, "--db", shared.url(), "admin", "who")
    assert f"{shared.logins['alice']}  district  person {shared.logins['alice']}" in out
    assert len(out.splitlines()) == 4


def test_grant_refusals(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", "nobody_here",
                       "--district")
    assert code == 1 and "no PostgreSQL login 'nobody_here'" in err
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", shared.logins["eve"],
                       "--counselor", "stu-00004")
    assert code == 1 and "no counselor" in err
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", shared.logins["eve"],
                       "--school", "org-none")
    assert code == 1 and "no school" in err
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", "postgres", "--district")
    assert code == 1 and "row-level security" in err
    # an empty person would write notes with no author (and share the owner's last_seen)
    for blank in ("", "  "):
        code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant",
                           shared.logins["eve"], "--district", "--person", blank)
        assert code == 1 and "--person is empty" in err
    assert shared.sql(None, "SELECT count(*) FROM caseload_grants") == [(0,)]
    # only the owner manages grants
    grant_all(shared, capsys)
    code, _, err = cli(capsys, "--db", shared.url("dana"), "admin", "grant",
                       shared.logins["eve"], "--district")
    assert code == 1 and "only the database owner" in err and "Traceback" not in err


def test_login_without_grant_gets_a_message(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["flags"], ["notes", "list"], ["open"]):
        code, out, err = cli(capsys, "--db", shared.url("eve"), *argv)
        assert code == 1 and out == "", argv
        assert "has no access" in err and "caseload admin grant" in err
        assert "Traceback" not in err and "permission denied" not in err


def test_non_owner_never_migrates(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    grant_all(shared, capsys)
    shared.sql(None, "UPDATE alembic_version SET version_num = '0009'")
    code, _, err = cli(capsys, "--db", shared.url("alice"), "flags")
    assert code == 1 and "ask them to run `caseload admin upgrade`" in err
    assert shared.sql(None, "SELECT version_num FROM alembic_version") == [("0009",)]


def test_open_as_a_granted_login(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    """What ``caseload open`` builds for a counselor's login: her caseload, and only it."""
    import datetime as dt

    from caseload.services.app import prepare_app
    from caseload.services.context import open_workspace

    grant_all(shared, capsys)
    ws = open_workspace(shared.url("alice"))
    assert ws.person == "cns-1" and ws.config.me == "cns-1"
    launch = prepare_app(ws, counselor=None, as_of=dt.date.fromisoformat(AS_OF))
    assert launch.counselor_id == "cns-1"
    rows = launch.reader.caseload_rows(launch.counselor_id, dt.date.fromisoformat(AS_OF))
    assert {r.id for r in rows} == expected(shared)["alice"]
    everyone = launch.reader.caseload_rows(None, dt.date.fromisoformat(AS_OF))
    assert {r.id for r in everyone} == expected(shared)["alice"]
    assert launch.me == "cns-1" and launch.save_me is None  # notes are signed as her person
    ws.engine.dispose()
    # a district login with a person writes notes as that person, whatever its config says
    # (cns-3: no other login's person; carol is cns-2's, which grant refuses to share)
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", shared.logins["dana"],
                       "--district", "--person", "cns-3")
    assert code == 0, err
    ws = open_workspace(shared.url("dana"))
    launch = prepare_app(ws, counselor=None, as_of=dt.date.fromisoformat(AS_OF))
    assert ws.person == "cns-3" and launch.me == "cns-3" and launch.save_me is None
    ws.engine.dispose()


def test_a_counselor_grant_with_another_person_defaults_to_the_caseload(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--counselor cns-1 --person aide-7``: the login's default scope is cns-1's caseload
    (the flags, the app, the notes listed), its notes are signed by aide-7."""
    import datetime as dt

    from caseload.services.app import prepare_app
    from caseload.services.context import open_workspace

    grant_all(shared, capsys)
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", shared.logins["dana"],
                       "--counselor", "cns-1", "--person", "aide-7")
    assert code == 0, err
    ws = open_workspace(shared.url("dana"))
    assert ws.person == "aide-7" and ws.config.me == "cns-1"
    launch = prepare_app(ws, counselor=None, as_of=dt.date.fromisoformat(AS_OF))
    assert launch.counselor_id == "cns-1" and launch.me == "aide-7"
    ws.engine.dispose()
    code, out, err = cli(capsys, "--db", shared.url("dana"), "flags", "--as-of", AS_OF,
                         "--format", "json")
    assert code == 0, err
    assert _flag_ids(out) == expected(shared)["alice"]


def test_admin_on_sqlite_is_refused(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["who"], ["grant", "x", "--district"], ["revoke", "x"]):
        code, out, err = cli(capsys, "--db", str(tmp_path) + "/c.db", "admin", *argv)
        assert code == 1 and out == ""
        assert "access control applies to PostgreSQL only" in err


def test_last_seen_as_each_login(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    """The app records when a scope was last opened on every start, per person (0020). A
    granted login may not delete rows, and the write was a delete then an insert: every start
    of the app as a counselor's login failed it. Then one row per scope served everyone: a
    district login looking at a counselor's caseload moved that counselor's "since" date, and
    a school lead could record nothing, so it never got a "since you last looked"."""
    import datetime as dt

    from sqlalchemy import create_engine

    from caseload.store import last_seen

    grant_all(shared, capsys)
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    day = dt.date(2026, 11, 20)
    engines = {who: create_engine(shared.url(who)) for who in ("alice", "bob", "dana")}
    try:
        alice, bob, dana = engines["alice"], engines["bob"], engines["dana"]
        assert last_seen.mark(alice, "cns-1", day - dt.timedelta(days=1), now)
        assert last_seen.mark(alice, "cns-1", day, now)  # (again: updated)
        assert last_seen.get(alice, "cns-1") == day
        # a district login and a school lead looking at her caseload: their own dates
        assert last_seen.get(dana, "cns-1") is None
        assert last_seen.mark(dana, "cns-1", day + dt.timedelta(days=3), now)
        assert last_seen.mark(bob, "cns-1", day + dt.timedelta(days=4), now)
        assert last_seen.get(dana, "cns-1") == day + dt.timedelta(days=3)
        assert last_seen.get(alice, "cns-1") == day  # hers has not moved
        # "All students" (every student each of them sees): the lead's too
        assert last_seen.mark(bob, None, day + dt.timedelta(days=5), now)
        assert last_seen.get(bob, None) == day + dt.timedelta(days=5)
        assert last_seen.get(dana, None) is None and last_seen.get(alice, None) is None
    finally:
        for engine in engines.values():
            engine.dispose()
    bob_person = shared.logins["bob"]  # (a grant without --counselor: the login's own name)
    rows = shared.sql(None, "SELECT viewer, scope, as_of FROM last_seen ORDER BY viewer, scope")
    assert sorted(rows) == sorted([
        ("cns-1", "cns-1", day), (shared.logins["dana"], "cns-1", day + dt.timedelta(days=3)),
        (bob_person, "cns-1", day + dt.timedelta(days=4)),
        (bob_person, "", day + dt.timedelta(days=5)),
    ])
    # plain SQL as each login: its own rows only, and nobody writes another's
    assert shared.sql("alice", "SELECT viewer, scope FROM last_seen") == [("cns-1", "cns-1")]
    assert sorted(shared.sql("bob", "SELECT scope FROM last_seen")) == [("",), ("cns-1",)]
    assert shared.sql("carol", "SELECT viewer FROM last_seen") == []
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("carol", "INSERT INTO last_seen (viewer, scope, as_of, seen_at) "
                            "VALUES ('cns-1', 'cns-1', '2027-01-01', now())")
    shared.sql("carol", "UPDATE last_seen SET as_of = '2027-01-01'")  # (no row of hers)
    assert shared.sql(None, "SELECT as_of FROM last_seen WHERE viewer = 'cns-1'") == [(day,)]


def test_a_login_may_only_settle_its_own_started_audit_entries(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A granted login could rewrite its audit entries in plain SQL (UPDATE on the whole
    table, the policy checking only the actor): an export's count or path, after the fact."""
    import psycopg

    grant_all(shared, capsys)
    insert = ("INSERT INTO audit_log (at, actor, action, scope, format, path, count, status) "
              "VALUES (now(), 'cns-1', 'export', 'caseload', 'csv', '/tmp/x.csv', 12, %s) "
              "RETURNING id")
    (started,), = shared.sql("alice", insert, ("started",))
    (done,), = shared.sql("alice", insert, ("ok",))
    # the app's one update: a started entry settles to ok or failed
    shared.sql("alice", "UPDATE audit_log SET status = 'ok' WHERE id = %s", (started,))
    # no other column, ever
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", "UPDATE audit_log SET count = 0 WHERE id = %s", (done,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", "UPDATE audit_log SET path = '-' WHERE id = %s", (done,))
    # and no entry that is settled already (the row is not hers to update: nothing changes)
    shared.sql("alice", "UPDATE audit_log SET status = 'failed' WHERE id IN (%s, %s)",
               (started, done))
    rows = shared.sql(None, "SELECT id, count, path, status FROM audit_log WHERE id IN "
                            "(%s, %s) ORDER BY id", (started, done))
    assert rows == [(started, 12, "/tmp/x.csv", "ok"), (done, 12, "/tmp/x.csv", "ok")]


def test_a_temporary_grants_table_widens_nothing(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """The policies' SECURITY DEFINER functions search the cache's schema and then pg_temp
    (0019): a login's temporary table named caseload_grants, giving itself a district scope
    as another person, stands in for nothing."""
    import psycopg

    grant_all(shared, capsys)
    mine = expected(shared)["alice"]
    with psycopg.connect(host=shared.server.host, port=shared.server.port,
                         user=shared.logins["alice"], dbname=shared.dbname, password="pw",
                         autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE caseload_grants (login text, person text, scope text, "
                     "target text)")
        conn.execute("INSERT INTO caseload_grants VALUES (current_user, 'cns-2', 'district', "
                     "NULL)")
        seen = {r[0] for r in conn.execute(
            "SELECT sourced_id FROM users WHERE role = 'student'").fetchall()}
        person = conn.execute("SELECT caseload_person(current_user)").fetchone()
    assert seen == mine
    assert person == ("cns-1",)


def test_a_login_adds_revisions_only_to_its_own_note_as_it_stands(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A revision is the author's note copied just before an edit: another login that can
    read the note (a school lead) cannot add one to its history (0019)."""
    import psycopg

    grant_all(shared, capsys)
    code, out, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student",
                         sorted(expected(shared)["bob"])[0], "--type", "student_meeting",
                         "--date", AS_OF, "--text", "Met about attendance.", "--format", "json")
    assert code == 0, err
    note = json.loads(out)["id"]
    copy = ("INSERT INTO note_revisions (note_id, revision, student_id, author_id, "
            "contact_date, type, flags, class_id, text, follow_up, status, created_at, "
            "updated_at, deleted, deleted_at, replaced_at) SELECT id, revision, student_id, "
            "{author}, contact_date, type, flags, class_id, {text}, follow_up, status, "
            "created_at, updated_at, deleted, deleted_at, now() FROM notes WHERE id = %s")
    # bob (the school's lead) reads the note but may not write its history, as himself or
    # as its author
    assert shared.sql("bob", "SELECT id FROM notes WHERE id = %s", (note,)) == [(note,)]
    for author in ("(SELECT caseload_person(current_user))", "author_id"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            shared.sql("bob", copy.format(author=author, text="text"), (note,))
    # nor may the author add a revision that is not the note as it stands
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", copy.format(author="author_id", text="'rewritten'"), (note,))
    # the app's own change (a delete copies the note first, as an edit does) still works
    code, _, err = cli(capsys, "--db", shared.url("alice"), "notes", "delete", str(note))
    assert code == 0, err
    assert shared.sql(None, "SELECT count(*) FROM note_revisions WHERE note_id = %s",
                      (note,)) == [(1,)]


def test_a_login_changes_its_note_only_with_its_history(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A note's author may not rewrite it in plain SQL with no trace (0021): an update needs
    the version it replaces saved, column for column, and the revision raised by one; the
    id, student, author and creation time stay; the version is signed by the login's person.
    The app's own edit, delete and restore still work, each leaving a revision."""
    import psycopg

    note = _alices_note(shared, capsys)
    me = "(SELECT caseload_person(current_user))"
    save = ("INSERT INTO note_revisions (note_id, revision, student_id, author_id, "
            "contact_date, type, flags, class_id, text, follow_up, status, created_at, "
            "updated_at, deleted, deleted_at, method, outcome, confidential, updated_by, "
            "replaced_at) SELECT id, revision, student_id, author_id, {date}, type, flags, "
            "class_id, text, follow_up, status, created_at, updated_at, deleted, deleted_at, "
            "method, outcome, confidential, updated_by, now() FROM notes WHERE id = %s")

    def refused(who: str, sql: str, *words: str) -> None:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as got:
            shared.sql(who, sql, (note,))
        assert all(w in str(got.value) for w in words), str(got.value)
        assert SECRET_TEXT not in str(got.value) and "xyzzy" not in str(got.value)

    # a plain rewrite, with or without the revision raised: its earlier version is not saved
    refused("alice", "UPDATE notes SET text = 'Rewritten' WHERE id = %s", "history")
    refused("alice", f"UPDATE notes SET text = 'Rewritten', revision = revision + 1, "
                     f"updated_by = {me} WHERE id = %s", "history")
    refused("alice", f"UPDATE notes SET confidential = false, revision = revision + 1, "
                     f"updated_by = {me} WHERE id = %s", "history")
    # a saved version that is not the note as it stood (another contact date) is refused
    refused("alice", save.format(date="contact_date - 7"))
    # the note's student, author and creation time never change; a version is signed by
    # the login's person
    shared.sql("alice", save.format(date="contact_date"), (note,))
    refused("alice", f"UPDATE notes SET created_at = created_at - interval '1 day', "
                     f"revision = revision + 1, updated_by = {me} WHERE id = %s", "never")
    refused("alice", "UPDATE notes SET text = 'Rewritten', revision = revision + 1, "
                     "updated_by = 'cns-2' WHERE id = %s", "signed")
    # with the version saved, the revision raised and signed: an edit, its history kept
    shared.sql("alice", f"UPDATE notes SET text = 'Edited in SQL', revision = revision + 1, "
                        f"updated_by = {me} WHERE id = %s", (note,))
    assert shared.sql(None, "SELECT revision, text FROM note_revisions WHERE note_id = %s",
                      (note,)) == [(1, SECRET_TEXT)]
    # the app's edit, delete and restore, as the login: each saves the version it replaces
    from caseload.store.engine import make_engine
    from caseload.store.notes import NotesStore

    engine = make_engine(shared.url("alice"))
    try:
        NotesStore(engine).update(note, expected_revision=2, updated_by="cns-1",
                                  text="Edited in the app.")
    finally:
        engine.dispose()
    for argv in (["delete", str(note)], ["restore", str(note)]):
        code, _, err = cli(capsys, "--db", shared.url("alice"), "notes", *argv)
        assert code == 0, (argv, err)
    assert shared.sql(None, "SELECT revision FROM notes WHERE id = %s", (note,)) == [(5,)]
    assert shared.sql(None, "SELECT revision FROM note_revisions WHERE note_id = %s "
                            "ORDER BY revision", (note,)) == [(1,), (2,), (3,), (4,)]
    # the app saves a version and its replacement in one transaction: one instant, the
    # database's (0021)
    assert shared.sql(None, "SELECT r.replaced_at = n.updated_at FROM notes n JOIN "
                            "note_revisions r ON r.note_id = n.id AND r.revision = "
                            "n.revision - 1 WHERE n.id = %s", (note,)) == [(True,)]
    # the owner is not checked (migrations; it could drop the trigger anyway)
    shared.sql(None, "UPDATE notes SET follow_up = NULL WHERE id = %s", (note,))



_NOTE_COLUMNS = ("student_id, author_id, contact_date, type, flags, class_id, text, follow_up, "
                 "status, created_at, updated_at, deleted, deleted_at, method, outcome, "
                 "confidential, updated_by")


def _alices_note(shared: Shared, capsys: pytest.CaptureFixture[str]) -> int:
    grant_all(shared, capsys)
    mine = sorted(expected(shared)["alice"])[0]
    code, out, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student", mine,
                         "--type", "student_meeting", "--date", AS_OF, "--text",
                         SECRET_TEXT, "--format", "json")
    assert code == 0, err
    return int(json.loads(out)["id"])


def test_a_login_adds_a_note_only_as_its_first_revision_signed_by_itself(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """(review s19) 0021 keeps the history of a change; a login could still insert a note
    claiming one it never had: at revision 7 (versions 1-6 never saved), or saved by a
    colleague (0022: the insert policy asks for revision 1, signed by the login's person).
    The app's own add still works (test_cli_notes_add_and_list_as_logins)."""
    import psycopg

    grant_all(shared, capsys)
    mine = sorted(expected(shared)["alice"])[0]
    me = "(SELECT caseload_person(current_user))"
    add = ("INSERT INTO notes (student_id, author_id, contact_date, type, flags, text, status, "
           "created_at, updated_at, deleted, revision, confidential, updated_by) VALUES "
           f"(%s, {me}, '2026-11-01', 'student_meeting', '[]', 'Forged', 'open', now(), now(), "
           "false, {revision}, false, {by})")
    for revision, by in ((7, me), (1, "'cns-2'"), (1, "NULL")):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            shared.sql("alice", add.format(revision=revision, by=by), (mine,))
    shared.sql("alice", add.format(revision=1, by=me), (mine,))
    assert shared.sql(None, "SELECT revision, updated_by FROM notes WHERE text = 'Forged'") \
        == [(1, "cns-1")]


def test_a_login_cannot_backdate_a_change_to_its_note(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """(review s19) A login's edit with its version saved and the revision raised, dated
    2001 in plain SQL (before the note was written), the saved version likewise: the database
    dates both by its own clock (0021), so the history never shows an edit made then."""
    note = _alices_note(shared, capsys)
    me = "(SELECT caseload_person(current_user))"
    shared.sql("alice", f"INSERT INTO note_revisions (note_id, revision, {_NOTE_COLUMNS}, "
                        f"replaced_at) SELECT id, revision, {_NOTE_COLUMNS}, '2001-01-01' "
                        "FROM notes WHERE id = %s", (note,))
    shared.sql("alice", f"UPDATE notes SET text = 'Rewritten', revision = revision + 1, "
                        f"updated_by = {me}, updated_at = '2001-01-01', deleted = true, "
                        "deleted_at = '2001-01-01' WHERE id = %s", (note,))
    ((created, updated, deleted, now),) = shared.sql(
        None, "SELECT created_at, updated_at, deleted_at, now() FROM notes WHERE id = %s",
        (note,))
    assert created <= updated == deleted and abs((now - updated).total_seconds()) < 600
    ((replaced,),) = shared.sql(None, "SELECT replaced_at FROM note_revisions WHERE "
                                      "note_id = %s", (note,))
    assert replaced <= updated and abs((now - replaced).total_seconds()) < 600  # (its own
    # transaction here; the app saves the version and the edit in one: the same instant)
    # a new note of the login's is dated by the database too, whatever the client says
    shared.sql("alice", "INSERT INTO notes (student_id, author_id, contact_date, type, flags, "
                        "text, status, created_at, updated_at, deleted, revision, updated_by) "
                        f"SELECT student_id, author_id, contact_date, type, flags, 'n', status, "
                        f"'2001-01-01', '2001-01-01', false, 1, {me} FROM notes WHERE id = %s",
               (note,))
    ((created2, updated2),) = shared.sql(None, "SELECT created_at, updated_at FROM notes "
                                               "WHERE id <> %s", (note,))
    assert created2 == updated2 and created2.year == now.year


def test_migration_0021_and_0022_both_ways(db_url: str) -> None:
    """(review s19) Down to 0020 the note-history trigger goes, back up it returns; down past
    0012 (the policies, then the columns they name) and up again works on both backends."""
    from sqlalchemy import text as sql

    from caseload.store.engine import current_revision, make_engine, migrate
    from caseload.store.schema_version import HEAD
    from tests.migrations import downgrade

    engine = make_engine(db_url)
    pg = engine.dialect.name == "postgresql"

    def triggers() -> int:
        if not pg:
            return 0
        with engine.connect() as conn:
            return int(conn.execute(sql("SELECT count(*) FROM pg_trigger WHERE tgname = "
                                        "'caseload_note_history'")).scalar_one())

    try:
        migrate(engine)
        assert triggers() == (2 if pg else 0)  # on notes and on note_revisions
        for down in ("0021", "0020", "0011"):
            downgrade(engine, down)
            assert triggers() == (2 if pg and down == "0021" else 0)
            migrate(engine)
            assert current_revision(engine) == HEAD
            assert triggers() == (2 if pg else 0)
    finally:
        engine.dispose()



def test_the_all_students_view_counts_only_the_notes_a_login_reads(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """(review s19, 67ac0e4) Every student's facts read every note the login may read (no IN
    list): a colleague's confidential note gives no days-since-note to a district login; its
    author and the owner count it."""
    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository

    grant_all(shared, capsys)
    first, second = sorted(expected(shared)["carol"])[:2]
    for sid, date, extra in ((first, "2026-11-18", ["--confidential"]),
                             (second, "2026-11-17", [])):
        code, _, err = cli(capsys, "--db", shared.url("carol"), "notes", "add", "--student", sid,
                           "--type", "student_meeting", "--date", date, "--text", "t", *extra)
        assert code == 0, err
    seen = {}
    for who in ("dana", "carol", None):
        engine = make_engine(shared.url(who))
        try:
            facts = Repository(engine).facts(None)
        finally:
            engine.dispose()
        assert facts is not None
        seen[who] = {f.student.sourced_id: [str(d) for d in f.note_dates]
                     for f in facts if f.note_dates}
    both = {first: ["2026-11-18"], second: ["2026-11-17"]}
    assert seen == {"dana": {second: ["2026-11-17"]}, "carol": both, None: both}


def test_revoke_refuses_the_owner_and_leaves_ungranted_roles_alone(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    owner = shared.server.user
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "revoke", owner)
    assert code == 1 and "owns the caseload tables" in err and "Traceback" not in err
    assert shared.sql(None, "SELECT count(*) FROM users")[0][0] > 0  # the owner still reads
    # a role given SELECT outside caseload (a backup role, say) keeps it: it had no grant
    shared.sql(None, f'GRANT SELECT ON classes TO "{shared.logins["eve"]}"')
    code, out, err = cli(capsys, "--db", shared.url(), "admin", "revoke", shared.logins["eve"])
    assert code == 0, err
    assert out == f"{shared.logins['eve']} had no grant: nothing was changed.\n"
    assert shared.sql("eve", "SELECT count(*) FROM classes")[0][0] > 0
    # a login that does not exist: no grant either, and it is not said to have lost anything
    code, out, err = cli(capsys, "--db", shared.url(), "admin", "revoke", "ghost")
    assert (code, out) == (0, "ghost had no grant: nothing was changed.\n"), err


def test_grant_refuses_a_login_that_can_set_role_to_the_owner(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member of the owner's role that does not inherit its privileges can still SET ROLE
    to it and read everything: a grant could not restrict it."""
    eve = shared.logins["eve"]
    tpl.pg_admin(shared.server, f'ALTER ROLE "{eve}" NOINHERIT')
    tpl.pg_admin(shared.server, f'GRANT "{shared.server.user}" TO "{eve}"')
    try:
        code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", eve, "--district")
        assert code == 1 and "row-level security" in err
    finally:
        tpl.pg_admin(shared.server, f'REVOKE "{shared.server.user}" FROM "{eve}"')


def test_an_import_failure_message_is_the_owners_only(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """import_runs is shared (the app shows when data last came in), but a failed run's
    message can quote the record it stopped at: a login reads every column but that one."""
    import psycopg

    shared.sql(None, "INSERT INTO import_runs (source, kind, started_at, finished_at, outcome, "
                     "counts, message) VALUES ('x.zip', 'oneroster', now(), now(), 'failed', "
                     "'{}', 'duplicate key (sourced_id)=(stu-secret)')")
    grant_all(shared, capsys)
    assert shared.sql("alice", "SELECT count(*) FROM import_runs WHERE outcome = 'failed'") == [
        (1,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.sql("alice", "SELECT message FROM import_runs")
    assert shared.sql(None, "SELECT count(*) FROM import_runs WHERE strpos(message, %s) > 0",
                      ("stu-secret",)) == [(1,)]


def test_the_owner_login_lists_and_exports_no_colleagues_confidential_notes(
    shared: Shared, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """Row-level security does not filter the owner (the nightly job's login): the app's
    listings, exports, follow-ups and the TUI's notes store leave out the confidential notes
    whose author is not the session's person (the config's `me`; none without one), as the
    database does for a granted login. Plain SQL as the owner still reads them (DEPLOY.md)."""
    import datetime as dt
    from pathlib import Path

    from caseload.services.app import prepare_app
    from caseload.services.context import open_workspace

    grant_all(shared, capsys)
    mine = sorted(expected(shared)["alice"])[0]
    for extra in ([], ["--confidential"]):
        code, _, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student", mine,
                           "--type", "student_meeting", "--date", "2026-11-18",
                           "--follow-up", "2026-11-19", "--text",
                           SECRET_TEXT if extra else "Met about grades", *extra)
        assert code == 0, err
    folder = Path(str(tmp_path))
    configs = {}
    for me in ("cns-3", "cns-1", None):
        path = folder / f"{me}.toml"
        path.write_text(f'me = "{me}"\n' if me else "# no me\n", encoding="utf-8")
        configs[me] = str(path)
    # the owner signed in as cns-3 writes its own confidential note: it reads that one
    code, _, err = cli(capsys, "--db", shared.url(), "--config", configs["cns-3"], "notes", "add",
                       "--student", mine, "--type", "other", "--date", "2026-11-18",
                       "--text", "Owner's own private note", "--confidential")
    assert code == 0, err
    open_note, own_note = "Met about grades", "Owner's own private note"
    for me, wanted in (("cns-3", {open_note, own_note}), ("cns-1", {open_note, SECRET_TEXT}),
                       (None, {open_note})):
        code, out, err = cli(capsys, "--db", shared.url(), "--config", configs[me], "notes",
                             "list", "--counselor", "all", "--format", "json")
        assert code == 0, err
        assert {n["text"] for n in json.loads(out)} == wanted, me
        for fmt in ("csv", "md", "json"):
            out_file = folder / f"{me}.{fmt}"
            code, _, err = cli(capsys, "--db", shared.url(), "--config", configs[me], "notes",
                               "export", "--counselor", "all", "--format", fmt,
                               "-o", str(out_file))
            assert code == 0, err
            body = out_file.read_text(encoding="utf-8-sig")
            assert (SECRET_TEXT in body) == (me == "cns-1"), (me, fmt)
    # the TUI's notes store (the Notes tab, follow-ups, history) as cns-3
    ws = open_workspace(shared.url(), configs["cns-3"])
    assert ws.owner and ws.person is None
    store = prepare_app(ws, counselor=None, as_of=dt.date.fromisoformat(AS_OF)).notes
    assert SECRET_TEXT not in {n.text for n in store.list(student_id=mine)}
    due = store.follow_ups(dt.date.fromisoformat(AS_OF))
    assert [n.text for n in due] == ["Met about grades"]
    (hidden,) = shared.sql(None, "SELECT id FROM notes WHERE text = %s", (SECRET_TEXT,))
    from caseload.domain.notes import NoteNotFound

    for read in (store.get, store.revisions):
        with pytest.raises(NoteNotFound):
            read(hidden[0])
    ws.engine.dispose()
    code, _, err = cli(capsys, "--db", shared.url(), "--config", configs["cns-3"], "notes",
                       "delete", str(hidden[0]))
    assert code == 1 and "Traceback" not in err and "xyzzy" not in err
    # what DEPLOY.md says: the owner login reads every note through SQL
    assert shared.sql(None, "SELECT count(*) FROM notes WHERE text = %s",
                      (SECRET_TEXT,)) == [(1,)]
