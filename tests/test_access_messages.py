"""What a scoped login, or the owner, is told when the shared database says no (audit s20c,
findings 3, 4, 5 and 7): each message says what happened and what to do, never a note's text.
The fixtures are tests/test_access.py's (a copy of the sample school, logins alice: counselor
cns-1, carol: counselor cns-2, bob: lead of org-ms, dana: district; eve: never granted)."""

from __future__ import annotations

import pytest

from tests import test_access
from tests.test_access import AS_OF, SECRET_TEXT, Shared, cli, expected, grant_all

shared = test_access.shared  # the fixture: a copy of the sample school and its logins

pytestmark = pytest.mark.postgres


def _grants(db: Shared) -> dict[str, str]:
    return dict(db.sql(None, "SELECT login, person FROM caseload_grants"))  # type: ignore[arg-type]


def test_grant_refuses_a_person_that_is_another_logins(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    grant_all(shared, capsys)
    alice, eve = shared.logins["alice"], shared.logins["eve"]
    before = _grants(shared)
    for scope in (["--counselor", "cns-1"], ["--school", "org-hhs", "--person", "cns-1"],
                  ["--district", "--person", "cns-1"]):
        code, out, err = cli(capsys, "--db", shared.url(), "admin", "grant", eve, *scope)
        assert code == 1 and out == "", scope
        assert f"person cns-1 is already login {alice}'s" in err
        assert "would read cns-1's confidential notes and sign notes as cns-1" in err
        assert "its own --person" in err and "Traceback" not in err
    assert _grants(shared) == before
    # its own person: granted; the same login again (a re-grant): granted
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", eve, "--counselor",
                       "cns-1", "--person", "cover-1")
    assert code == 0, err
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", alice, "--counselor",
                       "cns-1")
    assert code == 0, err
    assert _grants(shared)[eve] == "cover-1"


def test_grant_refuses_a_login_named_as_a_counselor(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A login named as a counselor's id, granted --district or --school with no --person,
    would be that counselor to the database."""
    eve = shared.logins["eve"]
    shared.sql(None, "INSERT INTO users (sourced_id, role, given_name, family_name) "
                     "VALUES (%s, 'counselor', 'Eve', 'Named')", (eve,))
    for scope in (["--district"], ["--school", "org-hhs"]):
        code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", eve, *scope)
        assert code == 1, scope
        assert f"login {eve}'s person would be its name, {eve}, which is a counselor's id" in err
        assert "its own --person" in err
    assert _grants(shared) == {}
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", eve, "--district",
                       "--person", "lead-7")
    assert code == 0, err


def test_grant_refuses_a_school_that_is_a_district(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "--db", shared.url(), "admin", "grant", shared.logins["eve"],
                       "--school", "org-bcps")
    assert code == 1 and "org-bcps is a district, not a school: use --district" in err
    assert _grants(shared) == {}


def test_another_persons_note_is_said_to_be_theirs(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """dana (district) reads alice's note but may not change it: she is told whose it is
    (not "no note with id"), by delete and restore, and by the services' edit and done."""
    from caseload.domain.notes import NoteNotYours
    from caseload.services.context import open_workspace
    from caseload.services.notes import edit_note, mark_done

    grant_all(shared, capsys)
    mine = sorted(expected(shared)["alice"])[0]
    code, out, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student",
                         mine, "--type", "student_meeting", "--text", SECRET_TEXT,
                         "--date", AS_OF)
    assert code == 0, err
    note = int(out.split()[2])
    for action in ("delete", "restore"):
        code, out, err = cli(capsys, "--db", shared.url("dana"), "notes", action, str(note))
        assert code == 1 and out == ""
        assert f"note {note} is cns-1's: only its author may change it" in err, action
        assert "xyzzy" not in err and "Traceback" not in err
    ws = open_workspace(shared.url("dana"))
    try:
        with pytest.raises(NoteNotYours) as edit:
            edit_note(ws, note, text="Changed")
        with pytest.raises(NoteNotYours):
            mark_done(ws, note)
    finally:
        ws.engine.dispose()
    assert "xyzzy" not in str(edit.value)
    assert shared.sql(None, "SELECT revision, deleted, text FROM notes") == [
        (1, False, SECRET_TEXT)]
    # an id nobody may see is still "no note"
    code, _, err = cli(capsys, "--db", shared.url("dana"), "notes", "delete", "999")
    assert code == 1 and "no note with id 999" in err


def test_a_counselor_outside_the_grant_is_said_to_be(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    grant_all(shared, capsys)
    for who, scope in (("alice", "counselor cns-1"), ("bob", "school org-ms")):
        code, _, err = cli(capsys, "--db", shared.url(who), "flags", "--as-of", AS_OF,
                           "--counselor", "cns-2")
        assert code == 0
        assert f"counselor 'cns-2' is outside this login's grant ({scope})" in err, who
        assert "check the id" not in err
    # a mistyped id is still one; the district sees every caseload
    for who in ("alice", "dana"):
        code, _, err = cli(capsys, "--db", shared.url(who), "flags", "--as-of", AS_OF,
                           "--counselor", "cns-nobody")
        assert code == 0 and "counselor 'cns-nobody' has no students in the cache" in err


def test_a_student_outside_the_grant_may_be_outside_it(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """A note for a student the login may not see is refused as for an unknown id (row-level
    security hides both alike), and the message says it may be outside the grant; the owner
    and SQLite still say "not in the cache"."""
    grant_all(shared, capsys)
    theirs = sorted(expected(shared)["carol"] - expected(shared)["alice"])[0]
    code, out, err = cli(capsys, "--db", shared.url("alice"), "notes", "add", "--student",
                         theirs, "--type", "student_meeting", "--text", SECRET_TEXT,
                         "--date", AS_OF)
    assert code != 0 and out == ""
    assert (f"unknown student id {theirs!r} (not in the cache, or outside this login's grant "
            "(counselor cns-1))") in err
    assert "xyzzy" not in err and "Traceback" not in err
    code, _, err = cli(capsys, "--db", shared.url(None), "notes", "add", "--student",
                       "stu-nobody", "--type", "student_meeting", "--text", SECRET_TEXT,
                       "--date", AS_OF)
    assert code != 0 and "unknown student id 'stu-nobody' (not in the cache)" in err
    assert shared.sql(None, "SELECT count(*) FROM notes") == [(0,)]


def test_the_no_access_message_names_every_scope(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    eve = shared.logins["eve"]
    code, _, err = cli(capsys, "--db", shared.url("eve"), "flags")
    assert code == 1
    assert f"`caseload admin grant {eve}` with `--counselor ID`, `--school ID` or `--district`" \
        in err


def test_a_login_without_connect_is_told_so(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    eve = shared.logins["eve"]
    shared.sql(None, f'REVOKE CONNECT ON DATABASE "{shared.dbname}" FROM PUBLIC')
    code, out, err = cli(capsys, "--db", shared.url("eve"), "flags")
    assert code == 1 and out == ""
    assert f"the login '{eve}' lacks CONNECT on the database '{shared.dbname}'" in err
    assert f"GRANT CONNECT ON DATABASE {shared.dbname} TO {eve}" in err
    assert "server is running" not in err and "Traceback" not in err


def test_a_schema_newer_than_caseload_is_said_to_everyone(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """(finding 4) Not "unexpected CommandError" for the owner, nor "ask the owner" for a
    login: neither can fix it in the database; caseload itself is upgraded."""
    grant_all(shared, capsys)
    shared.sql(None, "UPDATE alembic_version SET version_num = '0099'")
    for who, argv in ((None, ["flags"]), (None, ["admin", "who"]),
                      (None, ["admin", "upgrade"]), ("alice", ["flags"]),
                      ("dana", ["notes", "list"])):
        code, out, err = cli(capsys, "--db", shared.url(who), *argv)
        assert code == 1 and out == "", (who, argv)
        assert "schema is at revision 0099, newer than this caseload" in err, (who, argv)
        assert "upgrade caseload on this machine" in err
        assert "CommandError" not in err and "ask them" not in err
    assert shared.sql(None, "SELECT version_num FROM alembic_version") == [("0099",)]
