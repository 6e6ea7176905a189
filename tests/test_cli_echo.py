"""Review s22 item 7: no error repeats a value typed into an id, code or date option when it
may be a note's text (longer than an id or a code, or with whitespace). Each case through
main(); the value is never in stdout or stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.domain.text import CODE_ECHOED, ID_ECHOED, given

LONG = ("Called home, mother says he has been staying up late gaming and she will take the "
        "console")
ADD = ["notes", "add", "--student", "stu-1", "--type", "other", "--text", "x",
       "--date", "2026-10-01", "--author", "cns-1"]


def _with(argv: list[str], option: str, value: str) -> list[str]:
    """``argv`` with ``option``'s value replaced (or the option added)."""
    if option in argv:
        i = argv.index(option)
        return [*argv[:i + 1], value, *argv[i + 2:]]
    return [*argv, option, value]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_helper_repeats_only_a_short_value_without_whitespace() -> None:
    assert len(LONG) == 89
    assert given("stu-1") == "'stu-1'"
    assert given(LONG) == "(a value of 89 characters, not repeated)"
    assert given("two words") == "(a value of 9 characters, not repeated)"
    assert given("x" * ID_ECHOED) == repr("x" * ID_ECHOED)
    assert "not repeated" in given("x" * (ID_ECHOED + 1))
    assert given("y" * CODE_ECHOED, CODE_ECHOED) == repr("y" * CODE_ECHOED)
    assert "not repeated" in given("y" * (CODE_ECHOED + 1), CODE_ECHOED)


@pytest.mark.parametrize(
    ("option", "code"),
    [("--student", 1), ("--type", 2), ("--method", 2), ("--outcome", 2), ("--class", 1),
     ("--date", 2), ("--follow-up", 2), ("--flag", 2), ("--author", 2)],
)
def test_notes_add_never_repeats_a_sentence_typed_in_an_option(
    min_cli_db: str, capsys: pytest.CaptureFixture[str], option: str, code: int
) -> None:
    rc, said = _run(["--db", min_cli_db, *_with(ADD, option, LONG)], capsys)
    assert rc == code
    assert LONG not in said and "Called home" not in said and "console" not in said
    assert "(a value of 89 characters, not repeated)" in said
    assert main(["--db", min_cli_db, "notes", "list", "--counselor", "all", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing stored


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["notes", "list", "--student", LONG], 0),  # "No notes."
        (["notes", "export", "--student", LONG, "--format", "md", "-o", "out.md"], 1),
        (["notes", "effects", "--student", LONG], 1),
        (["flags", "--student", LONG], 1),
        (["flags", "--flag", LONG], 2),
        (["flags", "--as-of", LONG], 2),
        (["notes", "list", "--since", LONG], 2),
        (["changes", "--since", LONG], 2),
    ],
)
def test_other_commands_never_repeat_a_sentence_typed_in_an_option(
    min_cli_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, argv: list[str], code: int
) -> None:
    monkeypatch.chdir(tmp_path)
    rc, said = _run(["--db", min_cli_db, *argv], capsys)
    assert rc == code
    assert "Called home" not in said and "console" not in said
    assert rc == 0 or "(a value of 89 characters, not repeated)" in said


def test_a_short_value_is_still_repeated(min_cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for option, value, words in [
        ("--student", "stu-404", "unknown student id 'stu-404'"),
        ("--method", "fax", "argument --method: unknown contact method 'fax' (expected one of:"),
        ("--outcome", "maybe", "argument --outcome: unknown contact outcome 'maybe'"),
        ("--type", "chat", "argument --type: unknown note type 'chat'"),
        ("--date", "soon", "argument --date: 'soon' is not a date"),
    ]:
        rc, said = _run(["--db", min_cli_db, *_with(ADD, option, value)], capsys)
        assert rc in (1, 2) and words in said


def test_an_author_id_with_spaces_is_refused(min_cli_db: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    rc, said = _run(["--db", min_cli_db, *_with(ADD, "--author", "Ms Smith")], capsys)
    assert rc == 2
    assert ("argument --author: (a value of 8 characters, not repeated) is not an author id "
            "(at most 100 characters, no spaces)") in said
    rc, said = _run(["--db", min_cli_db, *_with(ADD, "--author", "a" * 101)], capsys)
    assert rc == 2 and "a" * 101 not in said
    assert _run(["--db", min_cli_db, *_with(ADD, "--author", "a" * 100)], capsys)[0] == 0
