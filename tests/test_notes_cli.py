"""``caseload notes add|list|export`` and ``caseload audit`` through their argparse wiring.

Uses a small parser harness around ``caseload.notes_cli.add_commands`` (the same call the main
CLI makes) and the handlers' ``(args, engine, config, reader)`` signature.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import stat
from pathlib import Path
from typing import Any

import pypdf
import pytest

from caseload import notes_cli
from caseload.config import Config
from caseload.services.context import Workspace
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.notes import NotesStore
from tests.paths import MIN_DATA
from tests.test_notes_export import FLAG_MESSAGES, FakeReader, make_detail


def _globals(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=argparse.SUPPRESS)
    p.add_argument("--config", default=argparse.SUPPRESS)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="caseload")
    sub = parser.add_subparsers(dest="command")
    notes_cli.add_commands(sub, _globals)
    return parser.parse_args(argv)


@pytest.fixture
def engine(sqlite_engine):
    load(sqlite_engine, read_path(MIN_DATA))
    return sqlite_engine


ME = Config(me="cns-1")


def run(engine, argv: list[str], config: Config = ME, reader=None) -> int:
    args = parse(argv)
    assert args.command in notes_cli.COMMANDS
    return notes_cli.run(args, Workspace(engine, config), reader=reader)


def test_add_then_list(engine, capsys):
    rc = run(engine, ["notes", "add", "--student", "stu-1", "--type", "parent_contact",
                      "--text", "Called mom about Algebra", "--date", "2026-10-01",
                      "--follow-up", "2026-10-08", "--flag", "LOW_GRADE", "--flag", "truancy",
                      "--class", "cls-alg"])
    assert rc == 0
    out = capsys.readouterr().out
    assert out.startswith("Added note 1 for stu-1 (Parent/guardian contact, 2026-10-01).")
    note = NotesStore(engine).get(1)
    assert note.author_id == "cns-1"  # the config's `me`
    assert note.flags == ("LOW_GRADE", "TRUANCY") and note.class_id == "cls-alg"
    assert note.follow_up == dt.date(2026, 10, 8)

    run(engine, ["notes", "add", "--student", "stu-3", "--type", "referral", "--text",
                 "Referred to \x1b[31mSST", "--author", "cns-9", "--date", "2026-10-02"])
    capsys.readouterr()
    assert run(engine, ["notes", "list", "--counselor", "all"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["ID", "DATE", "STUDENT", "TYPE", "METHOD", "OUTCOME", "STATUS",
                                "FOLLOW-UP", "FLAGS", "TEXT"]
    assert "O'Connor, Cy" in table[1] and "Referral" in table[1]
    assert "\x1b" not in "\n".join(table) and "Referred to ?[31mSST" in table[1]
    assert "Able, Ada" in table[2] and "2026-10-08" in table[2]

    # default scope: `me`'s caseload (stu-3 is not on cns-1's)
    assert run(engine, ["notes", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [n["id"] for n in listed] == [1]
    assert listed[0]["type_words"] == "Parent/guardian contact"
    assert run(engine, ["notes", "list", "--student", "stu-3", "--format", "json"]) == 0
    assert [n["author_id"] for n in json.loads(capsys.readouterr().out)] == ["cns-9"]


def test_add_author_defaults_to_unknown_and_reads_stdin(engine, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Long note\nfrom stdin\n"))
    rc = run(engine, ["notes", "add", "--student", "stu-2", "--type", "other", "--text", "-",
                      "--format", "json"], config=Config())
    assert rc == 0
    note = json.loads(capsys.readouterr().out)
    assert note["author_id"] == "unknown" and note["text"] == "Long note\nfrom stdin\n"
    assert note["contact_date"] == dt.date.today().isoformat()


def test_add_warns_of_a_contact_date_after_today_without_the_text(engine, capsys):
    """``--date 12/1`` typed on 12/5 (a past day meant) reads, as documented, as the next
    12/1, a year ahead: saved so, with one line on stderr naming that date; stdout and the
    exit code are as for any note, and the warning never repeats the note's text."""
    today = dt.date.today()
    meant = today - dt.timedelta(days=4)
    ahead = notes_cli.parse_date(f"{meant.month}/{meant.day}", today)
    rc = run(engine, ["notes", "add", "--student", "stu-1", "--type", "parent_contact",
                      "--text", "Phone call with mom", "--date", f"{meant.month}/{meant.day}"])
    assert rc == 0
    out, err = capsys.readouterr()
    assert out == f"Added note 1 for stu-1 (Parent/guardian contact, {ahead.isoformat()}).\n"
    assert err.count("\n") == 1 and err.startswith("caseload: warning: the contact date is "
                                                    f"{ahead.isoformat()}, ")
    assert f"after today ({today.isoformat()})" in err and "mom" not in err
    assert NotesStore(engine).get(1).contact_date == ahead
    # a day on or before today: nothing said
    for date in ("today", meant.isoformat()):
        assert run(engine, ["notes", "add", "--student", "stu-1", "--type", "other", "--text",
                            "x", "--date", date, "--format", "json"]) == 0
        assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--student", "stu-404", "--text", "x"], "unknown student id 'stu-404'"),
        (["--student", "stu-1", "--text", "   "], "note text is empty"),
        (["--student", "stu-1", "--text", "x", "--date", "2026-10-05", "--follow-up",
          "2026-10-01"], "follow-up date 2026-10-01 is before the contact date 2026-10-05"),
        (["--student", "stu-3", "--text", "x", "--class", "cls-eng"],
         "student 'stu-3' has no class 'cls-eng'; their classes: 'cls-alg'"),
    ],
)
def test_add_errors_are_clear(engine, capsys, extra, message):
    assert run(engine, ["notes", "add", "--type", "other", *extra]) == 1
    assert f"caseload: error: {message}" in capsys.readouterr().err
    assert NotesStore(engine).list(include_deleted=True) == []


def test_bad_type_and_date_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        parse(["notes", "add", "--student", "s", "--type", "chat", "--text", "x"])
    assert exc.value.code == 2
    assert "unknown note type 'chat'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        parse(["notes", "add", "--student", "s", "--type", "other", "--text", "x",
               "--flag", "NOPE"])
    assert exc.value.code == 2
    assert "argument --flag: unknown flag code 'NOPE'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["notes", "list", "--since", "soon"])
    assert "'soon' is not a date" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["notes", "export", "--student", "a", "--counselor", "b", "--format", "md",
               "-o", "x"])


def test_unquoted_note_text_is_not_repeated_in_the_error(capsys):
    """``--text Called home about abuse`` (no quotes): argparse said "unrecognized arguments:
    grandmother about abuse", the note's text. A notes command line's leftover words are counted,
    never repeated; other commands still name theirs."""
    from caseload.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["notes", "add", "--student", "s", "--type", "other", "--author", "a",
              "--text", "Called", "grandmother", "about", "abuse"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "3 unrecognized words" in err and "quotes" in err
    assert "grandmother" not in err and "abuse" not in err
    with pytest.raises(SystemExit):
        main(["flags", "--colour"])
    assert "unrecognized arguments: --colour" in capsys.readouterr().err


def _seed(engine) -> NotesStore:
    store = NotesStore(engine)
    for sid, day, text in (("stu-1", 3, "Week one"), ("stu-1", 20, "Week three"),
                           ("stu-2", 10, "=1+1 hello"), ("stu-3", 11, "not on caseload")):
        store.add(student_id=sid, author_id="cns-1", type="student_meeting", text=text,
                  contact_date=dt.date(2026, 10, day), flags=["LOW_GRADE"])
    return store


def test_export_formats_scopes_and_audit(engine, tmp_path, capsys):
    store = _seed(engine)
    md = tmp_path / "caseload.md"
    assert run(engine, ["notes", "export", "--format", "md", "-o", str(md)]) == 0  # me's caseload
    assert "Exported 3 notes to" in capsys.readouterr().out
    body = md.read_text()
    assert "Week one" in body and "=1+1 hello" in body and "not on caseload" not in body
    assert stat.S_IMODE(md.stat().st_mode) == 0o600

    csv_path = tmp_path / "one.csv"
    assert run(engine, ["notes", "export", "--student", "stu-1", "--since", "2026-10-10",
                        "--format", "csv", "-o", str(csv_path)]) == 0
    rows = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2 and "Week three" in rows[1] and "Able, Ada" in rows[1]

    js = tmp_path / "all.json"
    assert run(engine, ["notes", "export", "--counselor", "all", "--until", "2026-10-10",
                        "--format", "json", "-o", str(js)]) == 0
    doc = json.loads(js.read_text())
    assert doc["count"] == 2 and set(doc["students"]) == {"stu-1", "stu-2"}

    csv2 = tmp_path / "cns.csv"
    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--format", "csv",
                        "-o", str(csv2)]) == 0
    assert "'=1+1 hello" in csv2.read_text(encoding="utf-8-sig")
    capsys.readouterr()

    entries = store.audit()
    assert [(e.scope, e.format, e.count, e.actor) for e in entries] == [
        ("counselor:cns-1", "csv", 3, "cns-1"),
        ("all until:2026-10-10", "json", 2, "cns-1"),
        ("student:stu-1 since:2026-10-10", "csv", 1, "cns-1"),
        ("counselor:cns-1", "md", 3, "cns-1"),
    ]
    assert entries[-1].path == str(md.resolve())

    assert run(engine, ["audit"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["WHEN", "WHO", "ACTION", "SCOPE", "FORMAT", "COUNT", "STATUS",
                                "PATH"]
    assert len(table) == 5 and str(md.resolve()) in table[-1]
    assert run(engine, ["audit", "--limit", "1", "--format", "json"]) == 0
    latest = json.loads(capsys.readouterr().out)
    assert [e["format"] for e in latest] == ["csv"] and latest[0]["action"] == "export"


def test_export_pdf_uses_the_reader(engine, tmp_path, capsys):
    _seed(engine)
    reader = FakeReader({"stu-1": make_detail("stu-1", "Able, Ada")})
    out = tmp_path / "ada.pdf"
    rc = run(engine, ["notes", "export", "--student", "stu-1", "--as-of", "2026-10-25",
                      "--format", "pdf", "-o", str(out)], reader=reader)
    assert rc == 0
    assert reader.calls and all(day == dt.date(2026, 10, 25) for _, day in reader.calls)
    text = " ".join("".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages)
                    .split())
    assert "Able, Ada" in text and "As of 2026-10-25" in text
    # the cover names the student exported, not "all counselors"
    assert "Student: Able, Ada (stu-1)" in text and "all counselors" not in text
    for message in FLAG_MESSAGES:
        assert message in text
    assert "Week one" in text and "Week three" in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    # a counselor's PDF: by default only the students with notes in the range (stu-2's
    # note is before --since); --all-students: one summary per caseload student
    noted = tmp_path / "noted.pdf"
    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--since", "2026-10-15",
                        "--format", "pdf", "-o", str(noted)], reader=reader) == 0
    pages = [" ".join((p.extract_text() or "").split())
             for p in pypdf.PdfReader(str(noted)).pages]
    assert "Caseload notes" in pages[0] and "Range: 2026-10-15 to" in pages[0]
    heads = [p for p in pages if "Student summary" in p]
    assert len(heads) == 1 and "Able, Ada" in heads[0]

    both = tmp_path / "cns.pdf"
    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--since", "2026-10-15",
                        "--all-students", "--format", "pdf", "-o", str(both)],
               reader=reader) == 0
    pages = [" ".join((p.extract_text() or "").split())
             for p in pypdf.PdfReader(str(both)).pages]
    heads = [p for p in pages if "Student summary" in p]
    assert len(heads) == 2
    assert "Able, Ada" in heads[0] and "Baker, Ben" in heads[1]
    assert "No current grades" in heads[1]  # the fake reader knows only stu-1


def test_the_pdf_covers_follow_ups_lists_only_notes_that_exist_at_the_as_of_date(
    engine, tmp_path, capsys
):
    """The cover's open follow-ups are the scope's to-do list whatever the range, but a note
    dated after the as-of date does not exist yet at it (it was listed beside a count of
    notes that left it out)."""
    store = _seed(engine)
    store.add(student_id="stu-2", author_id="cns-1", type="parent_contact", text="early",
              contact_date=dt.date(2026, 10, 2), follow_up=dt.date(2026, 10, 9))
    store.add(student_id="stu-1", author_id="cns-1", type="student_meeting", text="later",
              contact_date=dt.date(2026, 11, 2), follow_up=dt.date(2026, 11, 9))
    reader = FakeReader({"stu-1": make_detail("stu-1", "Able, Ada")})
    out = tmp_path / "cover.pdf"
    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--as-of", "2026-10-25",
                        "--since", "2026-10-15", "--format", "pdf", "-o", str(out)],
               reader=reader) == 0
    cover = " ".join((pypdf.PdfReader(str(out)).pages[0].extract_text() or "").split())
    assert "Open follow-ups (1)" in cover and "2026-10-09" in cover
    assert "2026-11-09" not in cover
    # stu-2 has no note in the range: named all the same, not by the bare id
    assert "2026-10-09 (overdue) · Baker, Ben · Parent/guardian contact" in cover


def test_export_errors(engine, tmp_path, capsys):
    _seed(engine)
    assert run(engine, ["notes", "export", "--student", "nobody", "--format", "md",
                        "-o", str(tmp_path / "x.md")]) == 1
    assert "no student with id 'nobody'" in capsys.readouterr().err
    assert run(engine, ["notes", "export", "--since", "2026-10-10", "--until", "2026-10-01",
                        "--format", "md", "-o", str(tmp_path / "x.md")]) == 1
    assert "is before --since" in capsys.readouterr().err
    # --all-students with every note in scope: refused, not a PDF that quietly adds nobody
    assert run(engine, ["notes", "export", "--counselor", "all", "--all-students",
                        "--format", "pdf", "-o", str(tmp_path / "x.pdf")]) == 1
    assert "--all-students gives every student of a caseload a summary" in (
        capsys.readouterr().err)
    assert not Path(tmp_path / "x.pdf").exists()
    missing_dir = tmp_path / "no" / "such" / "dir" / "x.md"
    assert run(engine, ["notes", "export", "--format", "md", "-o", str(missing_dir)]) == 1
    assert capsys.readouterr().err == (  # in words, as the app says it (no temporary file)
        f"caseload: error: not exported: the folder {missing_dir.parent} does not exist "
        "(the audit log says failed)\n")
    assert [e.status.value for e in NotesStore(engine).audit()] == ["failed"]  # never "ok"
    assert not Path(tmp_path / "x.md").exists()


def test_empty_list_and_audit(engine, capsys):
    assert run(engine, ["notes", "list"]) == 0
    assert capsys.readouterr().out.strip() == "No notes."
    assert run(engine, ["audit"]) == 0
    assert capsys.readouterr().out.strip() == "The audit log is empty."
    # --limit 0 said "The audit log is empty." of a log that was not; -1 printed everything
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit):
            parse(["audit", "--limit", bad])
        assert "not a whole number of 1 or more" in capsys.readouterr().err


def test_export_pdf_with_the_cache_repository(engine, tmp_path, capsys):
    """No reader passed: the handler builds the cache's Repository (the real CaseloadReader)."""
    repository = pytest.importorskip("caseload.store.repository")
    _seed(engine)
    as_of = dt.date(2026, 10, 20)
    expected = repository.Repository(engine).student("stu-1", as_of).report.flags
    assert expected, "the minimal data set flags stu-1"
    out = tmp_path / "ada.pdf"
    assert run(engine, ["notes", "export", "--student", "stu-1", "--as-of", as_of.isoformat(),
                        "--format", "pdf", "-o", str(out)]) == 0
    text = " ".join("".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages)
                    .split())
    assert "Able, Ada" in text
    for flag in expected:
        assert flag.message in text
    assert "Week one" in text and "Weekly grade, classes below 70%" in text


def test_export_pdf_says_how_many_characters_its_font_cannot_show(engine, tmp_path, capfd):
    """漢字 and 👍🏽 (two code points) have no glyph in DejaVu Sans nor Helvetica: printed
    as "?", and the summary says how many, never which, nor the note's text."""
    store = NotesStore(engine)
    store.add(student_id="stu-1", author_id="cns-1", type="student_meeting",
              text="Zoë said 漢字 👍🏽 hello", contact_date=dt.date(2026, 10, 3))
    reader = FakeReader({"stu-1": make_detail("stu-1", "Able, Ada")})
    out = tmp_path / "ada.pdf"
    assert run(engine, ["notes", "export", "--student", "stu-1", "--format", "pdf",
                        "-o", str(out)], reader=reader) == 0
    printed, err = capfd.readouterr()
    assert printed.startswith("Exported 1 note to ")
    assert printed.rstrip().endswith(
        "(pdf, readable by you only); 4 characters the PDF font cannot show are printed "
        "as ?.")
    for secret in ("漢", "👍", "Zoë", "hello"):
        assert secret not in printed and secret not in err
    assert "missing" not in err  # fpdf2's warning, which names the characters
    text = " ".join("".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages)
                    .split())
    assert "Zoë said ?? ?? hello" in text

    md = tmp_path / "ada.md"
    assert run(engine, ["notes", "export", "--student", "stu-1", "--format", "md",
                        "-o", str(md)]) == 0
    assert capfd.readouterr().out.rstrip().endswith("(md, readable by you only).")
    assert "漢字 👍🏽" in md.read_text()


def test_failed_export_write_is_audited_as_failed(engine, tmp_path, capsys):
    _seed(engine)
    missing_dir = tmp_path / "no" / "such" / "dir" / "x.md"
    assert run(engine, ["notes", "export", "--format", "md", "-o", str(missing_dir)]) == 1
    assert f"not exported: the folder {missing_dir.parent} does not exist" in (
        capsys.readouterr().err)
    [entry] = NotesStore(engine).audit()
    assert entry.status.value == "failed" and entry.path == str(missing_dir.resolve())
    assert run(engine, ["audit", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "failed"


@pytest.mark.parametrize(("fmt", "name"), [("md", "x.pdf"), ("pdf", "x.MD"), ("csv", "x.json")])
def test_an_output_named_for_another_format_is_refused(engine, tmp_path, capsys, fmt, name):
    """``--format md -o x.pdf`` would write Markdown into a file every program opens as a
    PDF: refused as a usage error, nothing written, nothing audited."""
    _seed(engine)
    out = tmp_path / name
    assert run(engine, ["notes", "export", "--format", fmt, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"ends in .{out.suffix[1:].lower()}, another format than --format {fmt}" in err
    assert not out.exists() and NotesStore(engine).audit() == []
    other = tmp_path / "notes.txt"  # an extension no format has: written as asked
    assert run(engine, ["notes", "export", "--format", fmt, "-o", str(other)]) == 0
    assert other.exists()


def test_notes_list_json_is_audited(engine, capsys):
    _seed(engine)
    assert run(engine, ["notes", "list", "--counselor", "all"]) == 0  # a table: for eyes only
    capsys.readouterr()
    assert NotesStore(engine).audit() == []
    assert run(engine, ["notes", "list", "--student", "stu-1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert run(engine, ["audit", "--format", "json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["action"] == "list" and entry["format"] == "json"
    assert entry["scope"] == "student:stu-1" and entry["count"] == 2
    assert entry["status"] == "ok" and entry["actor"] == "cns-1" and entry["path"] == "-"
    assert run(engine, ["audit"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "list" in table[1].split() and "json" in table[1].split()


def test_notes_list_json_is_not_printed_when_the_audit_fails(engine, capsys, monkeypatch):
    _seed(engine)

    def refuse(self: Any, **_k: Any) -> Any:
        raise RuntimeError("audit insert failed")

    monkeypatch.setattr(NotesStore, "record_audit", refuse)
    with pytest.raises(RuntimeError):
        run(engine, ["notes", "list", "--format", "json"])
    assert capsys.readouterr().out == ""


def test_as_of_ends_the_range_unless_until_says_otherwise(engine, tmp_path, capsys):
    _seed(engine)  # stu-1: 10-03 and 10-20; stu-2: 10-10
    out = tmp_path / "asof.json"
    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--as-of", "2026-10-15",
                        "--format", "json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert sorted(n["text"] for n in doc["notes"]) == ["=1+1 hello", "Week one"]
    assert doc["as_of"] == "2026-10-15"
    assert NotesStore(engine).audit()[0].scope == "counselor:cns-1 until:2026-10-15"

    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--as-of", "2026-10-15",
                        "--until", "2026-10-31", "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["count"] == 3
    assert run(engine, ["notes", "export", "--since", "2026-10-16", "--as-of", "2026-10-15",
                        "--format", "json", "-o", str(out)]) == 1
    assert "--as-of 2026-10-15 is before --since 2026-10-16" in capsys.readouterr().err


def test_pdf_progress_goes_to_stderr(engine, tmp_path, capsys):
    _seed(engine)
    reader = FakeReader({"stu-1": make_detail("stu-1", "Able, Ada")})
    out = tmp_path / "p.pdf"
    assert run(engine, ["notes", "export", "--counselor", "cns-1", "--format", "pdf",
                        "-o", str(out)], reader=reader) == 0
    captured = capsys.readouterr()
    assert "caseload: PDF: 1/2 student summaries" in captured.err
    assert "caseload: PDF: 2/2 student summaries" in captured.err
    assert "PDF:" not in captured.out


def test_delete_and_restore(engine, capsys):
    store = _seed(engine)
    assert run(engine, ["notes", "delete", "1"]) == 0
    assert "caseload notes restore 1" in capsys.readouterr().out
    assert store.get(1).deleted
    assert run(engine, ["notes", "restore", "1"]) == 0
    assert capsys.readouterr().out.startswith("Restored note 1 for stu-1.")
    assert not store.get(1).deleted and store.get(1).revision == 3
    assert run(engine, ["notes", "restore", "99"]) == 1
    assert "no note with id 99" in capsys.readouterr().err


def test_cli_modules_import_no_store_or_sql():
    import ast

    source = Path(notes_cli.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    bad = {m for m in imported
           if m.split(".")[0] in ("sqlalchemy", "sqlmodel") or m.startswith("caseload.store")}
    assert bad == set()


def test_contact_method_and_outcome(engine, tmp_path, capsys):
    assert run(engine, ["notes", "add", "--student", "stu-1", "--type", "parent_contact",
                        "--text", "Called home", "--date", "2026-10-01", "--method", "phone",
                        "--outcome", "left_message", "--format", "json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["method"] == "phone" and added["outcome"] == "left_message"
    assert run(engine, ["notes", "add", "--student", "stu-1", "--type", "student_meeting",
                        "--text", "Check-in", "--date", "2026-10-02"]) == 0
    capsys.readouterr()
    assert run(engine, ["notes", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(n["method"], n["outcome"]) for n in listed] == [(None, None),
                                                            ("phone", "left_message")]
    assert run(engine, ["notes", "list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "Phone" in table[2] and "Left message" in table[2]

    for fmt in ("md", "csv", "json", "pdf"):
        out = tmp_path / f"log.{fmt}"
        assert run(engine, ["notes", "export", "--student", "stu-1", "--format", fmt,
                            "-o", str(out)]) == 0
        if fmt == "pdf":
            body = " ".join("".join(p.extract_text() or "" for p in
                                    pypdf.PdfReader(str(out)).pages).split())
            assert "Phone: Left message" in body and "Left message 1" in body  # note, cover
        else:
            body = out.read_bytes().decode("utf-8-sig")
            if fmt == "md":
                assert "Contact: Phone · outcome: Left message" in body
            elif fmt == "csv":
                rows = list(csv.DictReader(io.StringIO(body)))
                assert [(r["method"], r["outcome"]) for r in rows] == [
                    ("phone", "left_message"), ("", "")]
            else:
                assert [(n["method"], n["outcome"]) for n in json.loads(body)["notes"]] == [
                    ("phone", "left_message"), (None, None)]
    capsys.readouterr()

    for bad in (["--method", "fax"], ["--outcome", "maybe"]):
        with pytest.raises(SystemExit):
            parse(["notes", "add", "--student", "stu-1", "--type", "other", "--text", "x", *bad])
    assert "argument --method: unknown contact method 'fax'" in capsys.readouterr().err
