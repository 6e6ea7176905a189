"""A note's class and flags are checked, not stored dangling: the class must be one of the
student's (a student enrollment, whatever its dates, or a shown gradebook result: what the
reports give them), the flags kinds the rules raise. A refusal is one line naming the bad
value (and the student's classes when they are few), never the note's text, and writes
nothing. A note stored before, whose class has since gone, still lists, exports and edits.

The small school (tests/data/oneroster_min): stu-1 takes cls-alg and cls-eng, stu-3 only
cls-alg; both classes have a roster.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from caseload.cli import main
from caseload.config import Config
from caseload.domain.notes import NoteType, NoteValidationError, class_refused
from caseload.services.context import Workspace
from caseload.services.notes import NewNote, add_note, edit_note, list_notes, resolve_scope
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.notes import NotesStore, student_classes
from tests import test_access
from tests.paths import MIN_DATA

SECRET = "Talked about the divorce at home"  # never in a message
DAY = dt.date(2026, 10, 1)


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    load(sqlite_engine, read_path(MIN_DATA))
    return sqlite_engine


@pytest.fixture
def ws(engine: Engine) -> Workspace:
    return Workspace(engine, Config(me="cns-1"))


def _sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _add(ws: Workspace, student: str = "stu-3", **kw: Any) -> Any:
    return add_note(ws, NewNote(student_id=student, type=NoteType.STUDENT_MEETING, text=SECRET,
                                contact_date=DAY, **kw))


# --- what counts as the student's class -------------------------------------------------


def _more_rows(engine: Engine) -> None:
    """stu-3: their enrollment in cls-alg ended; a result in cls-art, a class without a
    roster; a result in cls-eng, whose roster leaves them out (stored, never shown); an
    enrollment in cls-ghost, a class the cache has no row of."""
    _sql(engine, "UPDATE enrollments SET end_date = '2026-09-20' WHERE sourced_id = 'e5'")
    _sql(engine, "INSERT INTO classes (sourced_id, title, term_ids) VALUES ('cls-art', 'Art', "
                 "'sem-1')")
    _sql(engine, "INSERT INTO line_items (sourced_id, class_id, title, min_points) VALUES "
                 "('li-art', 'cls-art', 'Sketch', 0)")
    for rid, item in (("res-art", "li-art"), ("res-x", "li-3")):
        _sql(engine, "INSERT INTO results (sourced_id, line_item_id, student_id, score, status, "
                     "late, missing, excused) VALUES (:r, :i, 'stu-3', 9, 'fully graded', "
                     "false, false, false)", r=rid, i=item)
    _sql(engine, "INSERT INTO enrollments (sourced_id, class_id, user_id, role, \"primary\") "
                 "VALUES ('e-ghost', 'cls-ghost', 'stu-3', 'student', false)")


def test_the_students_classes_are_their_enrollments_and_shown_results(engine: Engine) -> None:
    with engine.connect() as conn:
        assert student_classes(conn, "stu-1") == ["cls-alg", "cls-eng"]
        assert student_classes(conn, "stu-3") == ["cls-alg"]
        assert student_classes(conn, "stu-3", only="cls-eng") == []
        assert student_classes(conn, "stu-404") == []
    _more_rows(engine)
    with engine.connect() as conn:
        # an ended enrollment counts (a note about a class the student dropped), a shown
        # result does; a hidden result and a class the cache does not hold do not
        assert student_classes(conn, "stu-3") == ["cls-alg", "cls-art"]
        assert student_classes(conn, "stu-3", only="cls-art") == ["cls-art"]


def _reports_classes(engine: Engine) -> dict[str, list[str]]:
    """Each student's classes as the reports read them (``InputReader``: the classes a
    student screen lists and ``analysis.class_detail`` answers for)."""
    from sqlalchemy import select

    from caseload.store.inputs import inputs
    from caseload.store.tables import METADATA

    users = METADATA.tables["users"]
    with engine.connect() as conn:
        got = inputs(conn, select(users.c.sourced_id).where(users.c.role == "student"),
                     with_notes=False)
    return {i.student.sourced_id: sorted(c.klass.sourced_id for c in i.classes) for i in got}


def _store_classes(engine: Engine, students: list[str]) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {sid: student_classes(conn, sid) for sid in students}


def test_the_rule_is_the_reports_own(engine: Engine) -> None:
    """A student's classes are exactly those the reports give them (so every class the app
    offers, a class screen's ``n`` or a class flag, may be a note's): on the small school
    with the rows above..."""
    _more_rows(engine)
    want = _reports_classes(engine)
    assert want["stu-3"] == ["cls-alg", "cls-art"]
    assert _store_classes(engine, sorted(want)) == want


def test_the_rule_is_the_reports_own_on_the_sample_school(sample_cache: Path) -> None:
    """...and on the sample school, every student."""
    from caseload.store.engine import make_engine

    eng = make_engine(f"sqlite:///{sample_cache}")
    try:
        want = _reports_classes(eng)
        assert len(want) == 600 and all(want.values())
        assert _store_classes(eng, sorted(want)) == want
    finally:
        eng.dispose()


# --- refused: the class ------------------------------------------------------------------


@pytest.mark.parametrize("class_id", ["cls-eng", "cls-404"])
def test_a_class_the_student_does_not_have_is_refused_in_one_message(
    ws: Workspace, engine: Engine, class_id: str
) -> None:
    """Another class of the school and a class the cache does not hold are told alike."""
    with pytest.raises(NoteValidationError) as refused:
        _add(ws, class_id=class_id)
    assert refused.value.field == "class_id"
    assert str(refused.value) == (f"student 'stu-3' has no class {class_id!r}; their classes: "
                                  "'cls-alg'")
    assert _count(engine, "notes") == 0
    assert _add(ws, class_id="cls-alg").class_id == "cls-alg"


def test_the_message_lists_few_classes_and_never_a_long_value() -> None:
    assert class_refused("s", "c", []) == "student 's' has no class 'c'; the cache has no " \
                                          "classes for them"
    many = [f"cls-{i}" for i in range(9)]
    assert class_refused("s", "c", many) == "student 's' has no class 'c'; they have 9 classes"
    said = class_refused("s", SECRET * 4, ["a"])
    assert SECRET not in said
    assert said == (f"student 's' has no class (a value of {len(SECRET) * 4} "
                    "characters, not repeated); their classes: 'a'")


def test_an_edit_checks_a_new_class_and_keeps_an_old_one(ws: Workspace, engine: Engine) -> None:
    note = _add(ws, "stu-1", class_id="cls-eng", flags=("LOW_GRADE",))
    with pytest.raises(NoteValidationError, match="student 'stu-1' has no class 'cls-bio'"):
        edit_note(ws, note.id, class_id="cls-bio", text="Changed")
    assert _count(engine, "note_revisions") == 0  # nothing written
    assert edit_note(ws, note.id, class_id="cls-alg").class_id == "cls-alg"
    assert edit_note(ws, note.id, class_id=None).class_id is None
    # a class that has since gone (a later import) stays on the note through an edit
    edit_note(ws, note.id, class_id="cls-eng")
    _gone(engine, "cls-eng")
    edited = edit_note(ws, note.id, text="Called again", flags=["LOW_GRADE", "GRADE_DROP"])
    assert edited.class_id == "cls-eng" and edited.flags == ("LOW_GRADE", "GRADE_DROP")
    assert edit_note(ws, note.id, class_id="cls-eng").revision == edited.revision  # no change


def _gone(engine: Engine, class_id: str) -> None:
    """What a later import that drops the class leaves: no class, no enrollment in it."""
    _sql(engine, "DELETE FROM enrollments WHERE class_id = :c", c=class_id)
    _sql(engine, "DELETE FROM classes WHERE sourced_id = :c", c=class_id)


# --- refused: the flags ------------------------------------------------------------------


def test_a_flag_the_rules_do_not_raise_is_refused(ws: Workspace, engine: Engine) -> None:
    with pytest.raises(NoteValidationError) as refused:
        _add(ws, flags=("LOW_GRADE", "LATE_HOMEWORK"))
    assert refused.value.field == "flags"
    assert str(refused.value).startswith("unknown flag code 'LATE_HOMEWORK' (expected one of: "
                                         "ABSENCE_STREAK, BEHAVIOR, CHRONIC_ABSENCE, EARLY, ")
    with pytest.raises(NoteValidationError) as long_value:
        _add(ws, flags=(SECRET,))
    assert SECRET not in str(long_value.value)
    assert _count(engine, "notes") == 0
    assert _add(ws, flags=(" truancy ",)).flags == ("TRUANCY",)


def test_an_old_flag_the_rules_no_longer_raise_survives_an_edit(
    ws: Workspace, engine: Engine
) -> None:
    note = _add(ws, flags=("LOW_GRADE",))
    _sql(engine, "UPDATE notes SET flags = '[\"OLD_RULE\", \"LOW_GRADE\"]' WHERE id = :i",
         i=note.id)
    edited = edit_note(ws, note.id, text="Again", flags=["OLD_RULE", "LOW_GRADE", "TRUANCY"])
    assert edited.flags == ("OLD_RULE", "LOW_GRADE", "TRUANCY")
    with pytest.raises(NoteValidationError, match="unknown flag code 'NEW_RULE'"):
        edit_note(ws, note.id, flags=["OLD_RULE", "NEW_RULE"])


# --- the command line --------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], engine: Engine, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["--db", str(engine.url), *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _add_argv(*extra: str) -> list[str]:
    return ["notes", "add", "--student", "stu-3", "--type", "student_meeting", "--author",
            "cns-1", "--date", DAY.isoformat(), "--text", SECRET, *extra]


@pytest.mark.parametrize("class_id", ["cls-eng", "cls-404"])
def test_cli_refuses_a_class_the_student_does_not_have(
    engine: Engine, capsys: pytest.CaptureFixture[str], class_id: str
) -> None:
    code, out, err = _cli(capsys, engine, *_add_argv("--class", class_id))
    assert (code, out) == (1, "")  # as an unknown --student is
    assert err == (f"caseload: error: student 'stu-3' has no class {class_id!r}; their "
                   "classes: 'cls-alg'\n")
    assert _count(engine, "notes") == 0
    code, out, err = _cli(capsys, engine, *_add_argv("--class", "cls-alg"))
    assert code == 0 and out.startswith("Added note 1 for stu-3"), err


def test_cli_refuses_an_unknown_flag_as_a_usage_error(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ``--type chat`` and ``caseload flags --flag NOPE`` are: exit 2, before the cache
    is opened, naming the option, the value and the codes."""
    code, out, err = _cli(capsys, engine, *_add_argv("--flag", "LOW_GRADE", "--flag", "NOPE"))
    assert (code, out) == (2, "")
    [line] = [x for x in err.splitlines() if "error:" in x]
    assert line.startswith("caseload notes add: error: argument --flag: unknown flag code "
                           "'NOPE' (expected one of: ABSENCE_STREAK, ")
    assert "TRUANCY, UNEXCUSED_ABSENCES)" in line
    code, _, err = _cli(capsys, engine, *_add_argv("--flag", SECRET))
    assert code == 2 and SECRET not in err and "Traceback" not in err
    code, _, err = _cli(capsys, engine, *_add_argv("--flag", "LOW\udcff"))
    assert code == 2 and "the value of --flag is not valid UTF-8" in err  # as for --class
    assert _count(engine, "notes") == 0


def test_notes_whose_class_has_gone_still_list_and_export(
    engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _cli(capsys, engine, *_add_argv("--class", "cls-alg", "--flag", "LOW_GRADE"))
    assert code == 0, err
    _sql(engine, "UPDATE notes SET flags = '[\"OLD_RULE\"]'")
    _gone(engine, "cls-alg")
    code, out, err = _cli(capsys, engine, "notes", "list", "--student", "stu-3",
                          "--format", "json")
    assert code == 0, err
    [listed] = json.loads(out)
    assert listed["class_id"] == "cls-alg" and listed["flags"] == ["OLD_RULE"]
    code, out, _ = _cli(capsys, engine, "notes", "list", "--counselor", "all")
    assert code == 0 and "OLD_RULE" in out
    for fmt in ("md", "csv", "json"):
        path = tmp_path / f"notes.{fmt}"
        code, out, err = _cli(capsys, engine, "notes", "export", "--student", "stu-3",
                              "--format", fmt, "-o", str(path))
        assert code == 0 and "Exported 1 note" in out, err
        assert "cls-alg" in path.read_text(encoding="utf-8"), fmt
    ws = Workspace(engine, Config(me="cns-1"))
    assert [n.class_id for n in list_notes(ws, resolve_scope(ws, student_id="stu-3")).notes] \
        == ["cls-alg"]
    assert NotesStore(engine).get(1).flags == ("OLD_RULE",)


# --- a shared database: the login's view ------------------------------------------------

shared = test_access.shared  # the fixture: a copy of the sample school and its logins


@pytest.mark.postgres
def test_a_login_is_told_alike_of_an_unknown_class_and_one_outside_its_grant(
    shared: test_access.Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    """bob (the lead of org-ms, five students) writes about one of his: a class only students
    outside his grant take, and a class the cache does not hold, get the same words; his
    student's classes, read through his grant, are those the owner reads; nothing is
    written."""
    from caseload.store.engine import make_engine

    test_access.grant_all(shared, capsys)
    his = sorted(test_access.expected(shared)["bob"])
    mine = his[0]
    outside = sorted(shared.ids(
        None, "SELECT DISTINCT e.class_id FROM enrollments e WHERE e.role = 'student' AND NOT "
              "EXISTS (SELECT 1 FROM enrollments m WHERE m.class_id = e.class_id AND "
              "m.role = 'student' AND m.user_id = ANY(%s))", (his,)))
    assert outside, "the sample school has classes none of bob's students take"
    owner = make_engine(shared.url())
    try:
        with owner.connect() as conn:
            classes = student_classes(conn, mine)
    finally:
        owner.dispose()
    assert classes

    def add(class_id: str) -> tuple[int, str, str]:
        return test_access.cli(capsys, "--db", shared.url("bob"), "notes", "add", "--student",
                               mine, "--type", "student_meeting", "--text",
                               test_access.SECRET_TEXT, "--date", test_access.AS_OF,
                               "--class", class_id)

    for class_id in (outside[0], "cls-nobody"):
        code, out, err = add(class_id)
        assert (code, out) == (1, ""), err
        assert err == f"caseload: error: {class_refused(mine, class_id, classes)}\n"
        assert "xyzzy" not in err
    assert shared.sql(None, "SELECT count(*) FROM notes") == [(0,)]
    code, _, err = add(classes[-1])
    assert code == 0, err
    assert shared.sql(None, "SELECT class_id FROM notes") == [(classes[-1],)]
