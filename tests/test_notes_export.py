"""Notes exports: Markdown, CSV (with formula neutralization), JSON (against the documented
schema), the PDF student summary (read back with pypdf), owner-only files and the audit log.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pypdf
import pytest

from caseload.domain.notes import Note, NoteStatus, NoteType
from caseload.domain.report import (
    AssignmentStatus,
    AssignmentView,
    AttendanceSummary,
    ClassDetail,
    ClassMetrics,
    DayStatus,
    Flag,
    FlagCode,
    Severity,
    StudentDetail,
    StudentMetrics,
    StudentReport,
    WhatIf,
)
from caseload.export import notes_export, notes_pdf
from caseload.export.notes_export import (
    CSV_COLUMNS,
    JSON_SCHEMA,
    export_and_audit,
    export_notes,
    neutralize,
    scope_label,
)
from tests.paths import REPO

AS_OF = dt.date(2026, 1, 15)
T0 = dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)
ACCENTED = "Núñez, José"

STUDENTS = {
    "s1": (ACCENTED, "9"),
    "s2": ("Baker, Jordan", "10"),
}


def make_note(
    id: int,
    student_id: str = "s1",
    *,
    text: str = "Met about Algebra.",
    contact_date: dt.date = dt.date(2026, 1, 10),
    type: NoteType = NoteType.STUDENT_MEETING,
    flags: tuple[str, ...] = (),
    class_id: str | None = None,
    follow_up: dt.date | None = None,
    status: NoteStatus = NoteStatus.OPEN,
    author_id: str = "c-rivera",
    revision: int = 1,
    deleted: bool = False,
    confidential: bool = False,
) -> Note:
    return Note(
        id=id, student_id=student_id, author_id=author_id, contact_date=contact_date, type=type,
        flags=flags, class_id=class_id, text=text, follow_up=follow_up, status=status,
        created_at=T0, updated_at=T0, deleted=deleted, revision=revision,
        confidential=confidential,
    )


NOTES = [
    make_note(3, "s2", text="Attendance plan agreed.", contact_date=dt.date(2026, 1, 12),
              type=NoteType.ATTENDANCE_INTERVENTION, flags=("CHRONIC_ABSENCE",)),
    make_note(1, "s1", text="Called mom.\nShe will check the *portal* <b>tonight</b>.",
              contact_date=dt.date(2026, 1, 5), type=NoteType.PARENT_CONTACT,
              flags=("FAILING_STREAK", "LOW_GRADE"), class_id="alg1",
              follow_up=dt.date(2026, 1, 12)),
    make_note(2, "s1", text="# Not a heading\nTutoring Tuesdays.", contact_date=dt.date(2026, 1, 9),
              type=NoteType.SST_504_IEP_MEETING, status=NoteStatus.DONE, revision=3),
]

# --- a student's current data, as a CaseloadReader would give it --------------------------

FLAG_MESSAGES = (
    "Below 60% in Algebra I for 3 straight weeks",
    "Biology is 61.0% (below 70%)",
    "4 unexcused absences in the last 30 days",
)


def _weekly(start: float, end: float, n: int = 8) -> tuple[tuple[dt.date, float], ...]:
    first = dt.date(2025, 11, 23)
    return tuple(
        (first + dt.timedelta(days=7 * i), round(start + (end - start) * i / (n - 1), 1))
        for i in range(n)
    )


def make_detail(student_id: str = "s1", name: str = ACCENTED) -> StudentDetail:
    classes = (
        ClassMetrics("alg1", "Algebra I", "Smith, John", 52.0, _weekly(75, 52),
                     dt.date(2026, 1, 13), 3, period="1"),
        ClassMetrics("bio", "Biology", "Patel, Ravi", 61.0, _weekly(70, 61),
                     dt.date(2026, 1, 12), 2, period="3"),
        ClassMetrics("eng9", "English 9", "Nguyen, Lan", 88.5, _weekly(85, 88.5),
                     dt.date(2026, 1, 14), 0, period="2"),
    )
    metrics = StudentMetrics(
        school_days=90, days_absent=9, attendance_rate=90.0, unexcused_30d=4, absence_streak=2,
        unexcused_grading_period=5, unexcused_term=6, unexcused_year=7, incidents_year=0,
        classes=classes,
    )
    flags = (
        Flag(FlagCode.FAILING_STREAK, Severity.HIGH, FLAG_MESSAGES[0], class_id="alg1"),
        Flag(FlagCode.LOW_GRADE, Severity.MEDIUM, FLAG_MESSAGES[1], class_id="bio"),
        Flag(FlagCode.UNEXCUSED_ABSENCES, Severity.HIGH, FLAG_MESSAGES[2]),
    )
    report = StudentReport(
        id=student_id, name=name, grade_level="9", counselor_ids=("c-rivera",), flags=flags,
        metrics=metrics, days_since_note=5, local_id="L001",
    )
    attendance = AttendanceSummary(
        days=((dt.date(2026, 1, 14), DayStatus.UNEXCUSED), (dt.date(2026, 1, 15),
                                                           DayStatus.UNEXCUSED)),
        current_streak=2, longest_streak=3, unexcused_by_month=(("2026-01", 2),),
        attendance_rate=90.0,
        truancy=(("grading period", 8, 5, 3), ("school year", 20, 7, 13)),
    )
    return StudentDetail(
        report=report, local_id="L001", state_id="MD001", school="Lakeview High",
        counselors=("Rivera, Ana",), attendance=attendance, incidents=(),
    )


def make_class_detail(student_id: str, class_id: str) -> ClassDetail:
    return ClassDetail(
        class_id=class_id, title="Algebra I", teacher="Smith, John", period="1",
        policy_text="points", grade=52.0, weekly=_weekly(75, 52), categories=(),
        assignments=(
            AssignmentView("li-1", dt.date(2026, 1, 6), None, "Quiz 3", 7.0, 10.0, 70.0, ()),
            AssignmentView("li-2", dt.date(2026, 1, 13), None, "Test 2", 41.0, 100.0, 41.0,
                           (AssignmentStatus.LATE,)),
            AssignmentView("li-3", dt.date(2026, 1, 14), None, "HW 9", None, 10.0, None,
                           (AssignmentStatus.MISSING,)),
        ),
        what_if=WhatIf(52.0, 60.0, None),
    )


class FakeReader:
    """The two CaseloadReader methods the PDF uses."""

    def __init__(self, details: dict[str, StudentDetail]):
        self.details = details
        self.calls: list[tuple[str, dt.date]] = []

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        self.calls.append((student_id, as_of))
        if student_id not in self.details:
            raise KeyError(student_id)
        return self.details[student_id]

    def class_detail(self, student_id: str, class_id: str, as_of: dt.date) -> ClassDetail:
        if student_id not in self.details:
            raise KeyError(student_id)
        return make_class_detail(student_id, class_id)


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- Markdown ---------------------------------------------------------------------------


def test_markdown_groups_by_student_with_each_note(tmp_path):
    out = tmp_path / "notes.md"
    n = export_notes(NOTES, "md", out, students=STUDENTS, as_of=AS_OF,
                     class_titles={"alg1": "Algebra I"}, generated_at=T0)
    assert n == 3
    body = out.read_text(encoding="utf-8")
    assert body.startswith("# Intervention notes\n")
    local = dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC).astimezone()
    assert (f"As of 2026-01-15 · 3 notes · 2 students · exported {local:%Y-%m-%d %H:%M}"
            in body)
    assert "T14:00:00Z" not in body  # local time, never UTC
    # students by name (Baker before Núñez), notes oldest first within a student
    baker = body.index("## Baker, Jordan · grade 10 (s2)")
    nunez = body.index(f"## {ACCENTED} · grade 9 (s1)")
    assert baker < nunez
    first = body.index("### 2026-01-05 · Parent/guardian contact · open")
    second = body.index("### 2026-01-09 · SST / 504 / IEP meeting · done")
    assert nunez < first < second
    assert "- Flags: FAILING\\_STREAK, LOW\\_GRADE" in body
    assert "- Class: Algebra I (alg1)" in body
    assert "- Follow-up: 2026-01-12" in body
    assert "- Follow-up: none" in body
    assert "revision 3" in body
    # note text is quoted and inert: no emphasis, no HTML, no heading
    assert "> Called mom." in body
    assert r"> She will check the \*portal\* \<b\>tonight\</b\>." in body
    assert r"> \# Not a heading" in body
    assert "\n## Not a heading" not in body and "\n# Not a heading" not in body


def test_a_numbered_line_is_escaped_where_markdown_reads_it() -> None:
    """"1. x" would be a list item: its "." is escaped ("\\1. x" showed the backslash, since
    a backslash before a digit is no escape in CommonMark)."""
    from caseload.export.notes_text import md_escape

    assert md_escape("1. numbered") == r"1\. numbered"
    assert md_escape("10) ten") == r"10\) ten"
    assert md_escape("# h") == r"\# h" and md_escape("in 1. text") == "in 1. text"


@pytest.mark.parametrize("text", [
    "Mom asked us to log in at https://evil.example/login?next=grades",
    "see www.evil.example or mail jo.doe@example.org",
    "two $5 fees and $x^2$ on HTTP://A.B/c; at 10:30 // later",
])
def test_markdown_text_never_becomes_a_link_and_reads_the_same(text):
    """A note's URL, "www." address or e-mail address is shown as written, not turned into a
    link by a GFM viewer (markdown-it with linkify, as GitHub and most viewers do), and "$"
    never starts math; CommonMark shows the escaped text unchanged."""
    import html

    from markdown_it import MarkdownIt

    from caseload.export.notes_text import md_escape

    rendered = MarkdownIt("gfm-like").render(md_escape(text))
    assert "<a " not in rendered and "\\" not in rendered
    assert html.unescape(rendered.removeprefix("<p>").removesuffix("</p>\n")) == text


def test_markdown_with_no_notes(tmp_path):
    out = tmp_path / "empty.md"
    assert export_notes([], "md", out, students={}, as_of=AS_OF) == 0
    assert "No notes in this range." in out.read_text()


# --- CSV --------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for spreadsheets
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_one_row_per_note_rfc4180(tmp_path):
    out = tmp_path / "notes.csv"
    export_notes(NOTES, "csv", out, students=STUDENTS, as_of=AS_OF,
                 class_titles={"alg1": "Algebra I"})
    raw = out.read_bytes().decode("utf-8-sig")
    assert raw.endswith("\r\n")
    outside_quotes = re.sub(r'"(?:[^"]|"")*"', "", raw)
    assert outside_quotes.count("\n") == outside_quotes.count("\r\n") == 4  # CRLF records
    rows = _read_csv(out)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 4
    by_id = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    one = by_id["1"]
    assert one["student_name"] == ACCENTED and one["grade_level"] == "9"
    assert one["type"] == "parent_contact" and one["type_words"] == "Parent/guardian contact"
    assert one["flags"] == "FAILING_STREAK;LOW_GRADE"
    assert one["class_id"] == "alg1" and one["class_title"] == "Algebra I"
    assert one["text"] == "Called mom.\nShe will check the *portal* <b>tonight</b>."
    assert one["follow_up"] == "2026-01-12" and one["status"] == "open"
    assert one["created_at"] == "2026-01-15T14:00:00Z" and one["deleted"] == "false"
    assert by_id["2"]["revision"] == "3" and by_id["2"]["follow_up"] == ""
    # rows by student name then date: Baker (s2) first
    assert [r[0] for r in rows[1:]] == ["3", "1", "2"]
    # a field with a newline is quoted, records end in CRLF
    assert '"Called mom.\nShe will check' in raw
    assert raw.split("\r\n")[0] == ",".join(CSV_COLUMNS)


_CSV_COLUMNS_BEFORE_S21 = (
    "note_id", "student_id", "student_name", "grade_level", "contact_date", "type",
    "type_words", "method", "outcome", "flags", "class_id", "class_title", "text", "follow_up",
    "status", "author_id", "created_at", "updated_at", "revision", "deleted", "confidential",
)


@pytest.fixture
def new_york(monkeypatch):
    """The process's local time zone set to America/New_York for one test."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_csv_adds_names_words_and_local_times_after_the_existing_columns(tmp_path, new_york):
    """Issue 12 (exports show names, words and local times, never only ids, codes or UTC):
    the author's name, the method and outcome in words and the local created/updated times
    come after every earlier column, which keeps its name and place (scripts read them)."""
    from caseload.domain.notes import ContactMethod, ContactOutcome
    from caseload.export.notes_export import ExportInput, render

    assert CSV_COLUMNS[:len(_CSV_COLUMNS_BEFORE_S21)] == _CSV_COLUMNS_BEFORE_S21
    assert CSV_COLUMNS[len(_CSV_COLUMNS_BEFORE_S21):] == (
        "author_name", "method_words", "outcome_words", "created_local", "updated_local")
    called = dataclasses.replace(
        make_note(1, "s1"), method=ContactMethod.PHONE, outcome=ContactOutcome.LEFT_MESSAGE,
        updated_at=dt.datetime(2026, 7, 1, 3, 5, tzinfo=dt.UTC))
    unknown_author = make_note(2, "s1", author_id="c-gone", contact_date=dt.date(2026, 1, 11))
    data = render(ExportInput(notes=[called, unknown_author], students=STUDENTS, as_of=AS_OF,
                              authors={"c-rivera": "Rivera, Ana"}), "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    by_id = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    one = by_id["1"]
    assert (one["author_id"], one["author_name"]) == ("c-rivera", "Rivera, Ana")
    assert (one["method"], one["method_words"]) == ("phone", "Phone")
    assert (one["outcome"], one["outcome_words"]) == ("left_message", "Left message")
    # UTC stays where it was; the local columns are New York time (EST in January, EDT in July)
    assert one["created_at"] == "2026-01-15T14:00:00Z"
    assert one["created_local"] == "2026-01-15 09:00"
    assert one["updated_at"] == "2026-07-01T03:05:00Z"
    assert one["updated_local"] == "2026-06-30 23:05"
    # an author the cache does not know: no name invented (author_id still says who)
    two = by_id["2"]
    assert (two["author_id"], two["author_name"]) == ("c-gone", "")
    assert (two["method_words"], two["outcome_words"]) == ("", "")


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralizes_formula_cells(tmp_path, lead):
    payload = f"{lead}HYPERLINK(\"http://evil.example\",\"click\")"
    note = make_note(7, "s9", text=payload, author_id=f"{lead}cmd|' /C calc'!A0")
    out = tmp_path / "evil.csv"
    export_notes([note], "csv", out, students={"s9": (f"{lead}1+1", "9")}, as_of=AS_OF)
    row = dict(zip(CSV_COLUMNS, _read_csv(out)[1], strict=True))
    assert row["text"] == "'" + payload
    assert row["student_name"] == f"'{lead}1+1"
    assert row["author_id"].startswith("'" + lead)
    assert neutralize(payload) == "'" + payload


def test_csv_leaves_ordinary_cells_alone():
    for value in ("Met mom", "2026-01-05", "O'Connor, Cy", " =not first", "a=b", "", "42"):
        assert neutralize(value) == value
    assert neutralize("\uff1dSUM(A1)") == "'\uff1dSUM(A1)"  # full-width equals sign
    assert neutralize("a\x00b") == "ab"
    # DEL, C1 (the 8-bit CSI) and bidi controls are dropped too, as Markdown and the PDF do
    assert neutralize("\x9b2J\u202eabc\x7f\u2066x") == "2Jabcx"


# --- JSON -------------------------------------------------------------------------------

_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list,
          "null": type(None)}


def validate(instance: Any, schema: dict[str, Any], where: str = "$") -> None:
    """The JSON Schema subset the export schema uses (jsonschema isn't a dependency)."""
    if "const" in schema:
        assert instance == schema["const"], where
    if "enum" in schema:
        assert instance in schema["enum"], (where, instance)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(instance, _TYPES[k]) and not (k == "integer" and isinstance(
            instance, bool)) for k in kinds)
        assert ok, (where, instance, kinds)
    if schema.get("format") == "date" and isinstance(instance, str):
        dt.date.fromisoformat(instance)
    if schema.get("format") == "date-time" and isinstance(instance, str):
        assert instance.endswith("Z"), where
        dt.datetime.fromisoformat(instance.replace("Z", "+00:00"))
    if "minimum" in schema:
        assert instance >= schema["minimum"], where
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            assert key in instance, (where, key)
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                validate(value, props[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                validate(value, extra, f"{where}.{key}")
            else:
                assert extra is not False, (where, key)
    if isinstance(instance, list) and "items" in schema:
        for i, value in enumerate(instance):
            validate(value, schema["items"], f"{where}[{i}]")


def test_json_matches_the_documented_schema(tmp_path):
    out = tmp_path / "notes.json"
    export_notes(NOTES, "json", out, students=STUDENTS, as_of=AS_OF,
                 class_titles={"alg1": "Algebra I"}, generated_at=T0)
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc, JSON_SCHEMA)
    assert doc["schema"] == "caseload-notes/1"
    assert doc["as_of"] == "2026-01-15" and doc["generated_at"] == "2026-01-15T14:00:00Z"
    assert doc["count"] == 3 == len(doc["notes"])
    assert doc["students"] == {"s2": {"name": "Baker, Jordan", "grade_level": "10"},
                               "s1": {"name": ACCENTED, "grade_level": "9"}}
    one = next(n for n in doc["notes"] if n["id"] == 1)
    assert one == {
        "id": 1, "student_id": "s1", "author_id": "c-rivera", "contact_date": "2026-01-05",
        "type": "parent_contact", "type_words": "Parent/guardian contact",
        "method": None, "outcome": None,
        "flags": ["FAILING_STREAK", "LOW_GRADE"], "class_id": "alg1",
        "class_title": "Algebra I",
        "text": "Called mom.\nShe will check the *portal* <b>tonight</b>.",
        "follow_up": "2026-01-12", "status": "open", "created_at": "2026-01-15T14:00:00Z",
        "updated_at": "2026-01-15T14:00:00Z", "revision": 1, "deleted": False,
        "confidential": False,
    }
    # the validator really checks: a wrong document fails
    bad = dict(doc, notes=[dict(one, status="pending")])
    with pytest.raises(AssertionError):
        validate(bad, JSON_SCHEMA)
    validate(dict(doc, notes=[dict(one, method="phone", outcome="reached")]), JSON_SCHEMA)
    with pytest.raises(AssertionError):
        validate(dict(doc, notes=[dict(one, method="fax")]), JSON_SCHEMA)


def test_a_confidential_note_is_marked_in_every_format(tmp_path):
    """Its author's exports held it like any other note: nothing said that only its author
    may read it, in a file that may be handed on."""
    notes = [make_note(7, "s1", text="Private.", confidential=True), make_note(8, "s1")]
    csv_out, json_out, md_out, pdf_out = (tmp_path / f"n.{x}" for x in ("csv", "json", "md", "pdf"))
    export_notes(notes, "csv", csv_out, students=STUDENTS, as_of=AS_OF)
    rows = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in _read_csv(csv_out)[1:]}
    assert (rows["7"]["confidential"], rows["8"]["confidential"]) == ("true", "false")
    export_notes(notes, "json", json_out, students=STUDENTS, as_of=AS_OF)
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    validate(doc, JSON_SCHEMA)
    assert {n["id"]: n["confidential"] for n in doc["notes"]} == {7: True, 8: False}
    export_notes(notes, "md", md_out, students=STUDENTS, as_of=AS_OF)
    assert md_out.read_text(encoding="utf-8").count("confidential: only its author") == 1
    reader = FakeReader({"s1": make_detail()})
    export_notes(notes, "pdf", pdf_out, students=STUDENTS, as_of=AS_OF,
                 detail_for=lambda sid: reader.student(sid, AS_OF))
    assert "confidential: only its author may read it" in pdf_text(pdf_out)


def test_docs_hold_the_json_schema_and_csv_columns():
    docs = (REPO / "docs" / "EXPORTS.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", docs, flags=re.S)
    schemas = [json.loads(b) for b in blocks if '"$schema"' in b]
    assert schemas == [JSON_SCHEMA], "docs/EXPORTS.md's schema differs from JSON_SCHEMA"
    for column in CSV_COLUMNS:
        assert f"`{column}`" in docs


# --- PDF --------------------------------------------------------------------------------


def test_pdf_student_summary_holds_name_flags_grades_attendance_and_notes(tmp_path):
    reader = FakeReader({"s1": make_detail()})
    out = tmp_path / "summary.pdf"
    s1_notes = [n for n in NOTES if n.student_id == "s1"]
    n = export_notes(
        s1_notes, "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
        detail_for=lambda sid: reader.student(sid, AS_OF),
        class_detail_for=lambda sid, cid: reader.class_detail(sid, cid, AS_OF),
        since=dt.date(2026, 1, 1), until=AS_OF,
    )
    assert n == 2
    assert out.read_bytes().startswith(b"%PDF-")
    text = pdf_text(out)
    flat = " ".join(text.split())
    assert ACCENTED in text
    assert "As of 2026-01-15" in flat
    for message in FLAG_MESSAGES:
        assert message in flat
    for expected in ("Algebra I (P1)", "Smith, John", "52.0%", "88.5%", "Last score", "2026-01-13",
                     "Attendance rate: 90.0%", "Days absent: 9 of 90 school days",
                     "Unexcused absences, last 30 days: 4", "Current absence streak: 2",
                     "Truancy (grading period): 5 of 8 unexcused days used, 3 left",
                     "Weekly grade, classes below 70%", "Biology · now 61.0%",
                     "Parent/guardian contact", "Tutoring Tuesdays.", "Called mom.",
                     "Notes (2026-01-01 to 2026-01-15)", "Lakeview High", "Rivera, Ana"):
        assert expected in flat, expected
    assert "English 9 · now" not in flat  # charts only for classes below 70


def test_pdf_class_without_a_gradebook_shows_no_missing_count(tmp_path):
    """A class with no line items has nothing missing or not (JSON null, the screen's "no
    gradebook"): the PDF's grade row says so, never "0"."""
    detail = make_detail()
    art = ClassMetrics("art", "Art Studio", "Lee, Kim", None, (), None, 0, gradebook=False)
    metrics = dataclasses.replace(detail.report.metrics, classes=(art,))
    detail = dataclasses.replace(
        detail, report=dataclasses.replace(detail.report, metrics=metrics, flags=()))
    out = tmp_path / "s.pdf"
    export_notes([], "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
                 detail_for=lambda sid: detail, generated_at=T0, all_students=True)
    row = next(line for line in pdf_text(out).splitlines() if "Art Studio" in line)
    assert " ".join(row.split()) == "Art Studio Lee, Kim — — no gradebook"


def test_pdf_truancy_limit_passed_says_past_the_limit(tmp_path):
    """TRUANCY is "more than 8": 9 unexcused days passed the limit, not "9 of 8 used, 0 left"
    (review s22 item 19, as the student screen says it)."""
    detail = make_detail()
    attendance = dataclasses.replace(
        detail.attendance, truancy=(("grading period", 8, 9, 0), ("school year", 20, 9, 11)))
    detail = dataclasses.replace(detail, attendance=attendance)
    out = tmp_path / "s.pdf"
    export_notes([], "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
                 detail_for=lambda sid: detail, generated_at=T0, all_students=True)
    flat = " ".join(pdf_text(out).split())
    assert "Truancy (grading period): 9 unexcused days, past the limit of 8" in flat
    assert "9 of 8" not in flat
    assert "Truancy (school year): 9 of 20 unexcused days used, 11 left" in flat


def test_pdf_draws_a_chart_per_class_below_70(tmp_path):
    out = tmp_path / "summary.pdf"
    export_notes([], "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
                 detail_for=lambda sid: make_detail(), generated_at=T0, all_students=True)
    flat = " ".join(pdf_text(out).split())
    assert flat.count(" · now ") == 2
    assert "No notes in this range." in flat
    # the charts are vector paths (the weekly polyline), not text or images
    page = pypdf.PdfReader(str(out)).pages[1]  # page 1 is the cover
    content = page.get_contents().get_data().decode("latin-1")
    assert content.count(" l\n") + content.count(" l ") > 14  # line-to segments


def test_pdf_flags_show_points_never_severity_words(tmp_path):
    """Issue 12: a severity word never sits beside a flag code ("MEDIUM · LOW" read as two
    flags). The PDF shows what the student screen shows: the points each flag adds to Risk
    ("+2 LOW"), +0 for a repeated STALE, and the sum."""
    detail = make_detail()
    flags = (
        Flag(FlagCode.LOW_GRADE, Severity.MEDIUM, "Geometry: 69.6% now, below 70%",
             class_id="geo"),
        Flag(FlagCode.STALE_GRADEBOOK, Severity.LOW, "Biology: no new scores in 22 days",
             class_id="bio"),
        Flag(FlagCode.STALE_GRADEBOOK, Severity.LOW, "Art: no new scores in 30 days",
             class_id="art"),
        Flag(FlagCode.BEHAVIOR, Severity.HIGH, "3 incidents this year"),
    )
    detail = dataclasses.replace(detail, report=dataclasses.replace(detail.report, flags=flags))
    out = tmp_path / "s.pdf"
    export_notes([], "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
                 detail_for=lambda sid: detail, generated_at=T0, all_students=True)
    lines = [" ".join(line.split()) for line in pdf_text(out).splitlines()]
    assert "+2 LOW Geometry: 69.6% now, below 70%" in lines
    assert "+1 STALE Biology: no new scores in 22 days" in lines
    assert "+0 STALE Art: no new scores in 30 days" in lines
    assert "+3 BEHAV 3 incidents this year" in lines
    assert "= risk 6 (high +3, medium +2, low +1; STALE once)" in lines
    flat = " ".join(lines)
    for word in ("HIGH", "MEDIUM", "LOW ·", "· LOW", "· STALE"):
        assert word not in flat, word


def test_pdf_attendance_says_one_school_day_in_the_singular(tmp_path):
    detail = make_detail()
    metrics = dataclasses.replace(detail.report.metrics, school_days=1, days_absent=1,
                                  absence_streak=1)
    detail = dataclasses.replace(
        detail, report=dataclasses.replace(detail.report, metrics=metrics),
        attendance=dataclasses.replace(detail.attendance, current_streak=1))
    out = tmp_path / "s.pdf"
    export_notes([], "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
                 detail_for=lambda sid: detail, generated_at=T0, all_students=True)
    flat = " ".join(pdf_text(out).split())
    assert "Days absent: 1 of 1 school day " in flat
    assert "Current absence streak: 1 school day (longest 3)" in flat
    assert "0 notes about 0 students; 1 student summary follows (every student" in flat
    assert "1 school days" not in flat


def test_pdf_without_current_data_still_names_the_student(tmp_path):
    out = tmp_path / "s.pdf"
    export_notes(NOTES[:1], "pdf", out, students={"s2": STUDENTS["s2"]}, as_of=AS_OF,
                 detail_for=lambda sid: (_ for _ in ()).throw(KeyError(sid)))
    flat = " ".join(pdf_text(out).split())
    assert "Baker, Jordan" in flat and "No current grades, attendance or flags" in flat
    assert "Attendance plan agreed." in flat


def test_pdf_one_summary_per_student(tmp_path):
    out = tmp_path / "all.pdf"
    reader = FakeReader({"s1": make_detail(), "s2": make_detail("s2", "Baker, Jordan")})
    export_notes(NOTES, "pdf", out, students=STUDENTS, as_of=AS_OF,
                 detail_for=lambda sid: reader.student(sid, AS_OF))
    pages = [" ".join((p.extract_text() or "").split())
             for p in pypdf.PdfReader(str(out)).pages]
    starts = [i for i, p in enumerate(pages) if "Student summary" in p]
    assert len(starts) == 2  # by family name: Baker before Núñez
    assert "Baker, Jordan" in pages[starts[0]] and ACCENTED in pages[starts[1]]


# --- The PDF for a meeting (issue 12) ---------------------------------------------------------


def _many_students(n: int) -> dict[str, tuple[str, str | None]]:
    return {f"s{i:03d}": (f"Family{(n - i):03d}, Given{i}", "9") for i in range(n)}


def test_pdf_default_is_a_cover_then_only_students_with_notes(tmp_path):
    students = _many_students(40)
    noted = ["s005", "s017", "s031"]
    notes = [
        make_note(1, noted[0], type=NoteType.PARENT_CONTACT, follow_up=dt.date(2026, 1, 20)),
        make_note(2, noted[1], type=NoteType.PARENT_CONTACT),
        make_note(3, noted[2], type=NoteType.REFERRAL, follow_up=dt.date(2026, 1, 12)),
        make_note(4, noted[2], status=NoteStatus.DONE, follow_up=dt.date(2026, 1, 11)),
    ]
    calls: list[tuple[int, int]] = []
    out = tmp_path / "meeting.pdf"
    inp = notes_export.ExportInput(
        notes=notes, students=students, as_of=AS_OF, since=dt.date(2026, 1, 1), until=AS_OF,
        detail_for=lambda sid: make_detail(sid, students[sid][0]),
        class_detail_for=make_class_detail, counselor="Rivera, Ana",
        progress=lambda done, total, _what: calls.append((done, total)),
    )
    notes_export.write_private(out, notes_export.render(inp, "pdf"))
    pages = [" ".join((p.extract_text() or "").split())
             for p in pypdf.PdfReader(str(out)).pages]
    cover = pages[0]
    for expected in ("Caseload notes", "Counselor: Rivera, Ana",
                     "Range: 2026-01-01 to 2026-01-15", "4 notes about 3 students",
                     "Notes by type", "Parent/guardian contact 2", "Referral 1",
                     "Student meeting 1", "Notes by outcome", "Open follow-ups (2)",
                     "2026-01-12 (overdue) · Family009, Given31 · Referral",
                     "2026-01-20 · Family035, Given5"):
        assert expected in cover, expected
    assert "Student summary" not in cover
    heads = [p for p in pages if "Student summary" in p]
    names = [next(students[s][0] for s in students if students[s][0] in h) for h in heads]
    assert names == ["Family009, Given31", "Family023, Given17", "Family035, Given5"]
    # at most 1 page plus 2 per noted student for short notes (charts included)
    assert len(pages) <= 1 + 2 * len(noted)
    assert calls == [(1, 3), (2, 3), (3, 3)]

    everyone = notes_export.render(
        notes_export.ExportInput(notes=notes, students=students, as_of=AS_OF,
                                 all_students=True), "pdf")
    assert len(pypdf.PdfReader(io.BytesIO(everyone)).pages) >= 1 + len(students)


ODD = [
    "",
    "\x00\x01\x1b[31mred\x1b[0m\x7f\x9b",
    "\ud800 lone surrogate",
    "emoji 😀🎉 and CJK 学生 and Arabic مرحبا",
    "\u202eevil bidi override\u202c",
    "x" * 3000,
    "tabs\tand\r\nCRLF\rand CR\n\n\nblank lines",
    "Zoë Ørsted — “quotes” … ½ € ™",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("unicode_font", [True, False], ids=["dejavu", "latin1"])
@pytest.mark.parametrize("fmt", ["md", "csv", "json", "pdf"])
def test_odd_text_never_crashes(tmp_path, monkeypatch, fmt, unicode_font):
    if not unicode_font:
        monkeypatch.setattr(notes_pdf, "FONT_DIRS", [])
    elif notes_pdf.find_unicode_font() is None:
        pytest.skip("no DejaVu Sans on this system")
    notes = [make_note(i + 1, "s1", text=t or "-") for i, t in enumerate(ODD)]
    students = {"s1": ("Ørsted, Zoë \x1b[1m😀 \ud800", None)}
    detail = make_detail(name="Ørsted, Zoë")
    out = tmp_path / f"odd.{fmt}"
    count = export_notes(notes, fmt, out, students=students, as_of=AS_OF,
                         detail_for=lambda sid: detail, class_detail_for=make_class_detail)
    assert count == len(ODD)
    assert out.stat().st_size > 0
    if fmt == "pdf":
        text = pdf_text(out)
        assert "Ørsted, Zoë" in text
        assert FLAG_MESSAGES[0] in " ".join(text.split())
        assert "\x1b" not in text
    elif fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        validate(doc, JSON_SCHEMA)
        assert doc["notes"][7]["text"] == ODD[7]
    else:
        body = out.read_bytes().decode("utf-8-sig")
        assert "Zoë Ørsted" in body
        if fmt == "md":
            assert "\x1b" not in body and "\u202e" not in body


def test_latin1_fallback_keeps_accents(tmp_path, monkeypatch):
    monkeypatch.setattr(notes_pdf, "FONT_DIRS", [])
    assert notes_pdf.find_unicode_font() is None
    out = tmp_path / "fallback.pdf"
    export_notes(NOTES[1:2], "pdf", out, students={"s1": STUDENTS["s1"]}, as_of=AS_OF,
                 detail_for=lambda sid: make_detail())
    flat = " ".join(pdf_text(out).split())
    assert ACCENTED in flat and FLAG_MESSAGES[1] in flat


# --- Files and the audit log ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "pdf"])
def test_export_files_are_owner_only(tmp_path, fmt):
    old = os.umask(0)
    try:
        fresh = tmp_path / f"fresh.{fmt}"
        export_notes(NOTES, fmt, fresh, students=STUDENTS, as_of=AS_OF)
        assert _mode(fresh) == 0o600
        existing = tmp_path / f"existing.{fmt}"
        existing.write_text("old and longer than nothing " * 1000)
        existing.chmod(0o644)
        export_notes(NOTES, fmt, existing, students=STUDENTS, as_of=AS_OF)
        assert _mode(existing) == 0o600
        assert b"old and longer" not in existing.read_bytes()
    finally:
        os.umask(old)


def test_export_refuses_a_symlink_and_writes_nothing_on_failure(tmp_path):
    target = tmp_path / "elsewhere.md"
    target.write_text("keep")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with pytest.raises(OSError):
        export_notes(NOTES, "md", link, students=STUDENTS, as_of=AS_OF)
    assert target.read_text() == "keep"

    def broken(_sid: str) -> StudentDetail:
        raise RuntimeError("reader failed")

    out = tmp_path / "never.pdf"
    with pytest.raises(RuntimeError):
        export_notes(NOTES, "pdf", out, students=STUDENTS, as_of=AS_OF, detail_for=broken)
    assert not out.exists()
    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        export_notes(NOTES, "xlsx", tmp_path / "x.xlsx", students=STUDENTS, as_of=AS_OF)
    assert not (tmp_path / "x.xlsx").exists()


def test_a_write_that_fails_half_way_keeps_the_old_file_and_leaves_no_partial_one(
    tmp_path, monkeypatch
):
    """EXPORTS.md: "a failure leaves no partial file". The export was written into the
    target itself (truncated first): a full disk or a file-size limit left a cut-off file
    and the old one gone. It now goes to a temporary file beside it, renamed when whole."""
    from caseload.export import notes_text

    existing = tmp_path / "keep.md"
    existing.write_text("old")
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd: int, data: object) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(28, "No space left on device")
        return real_write(fd, bytes(data)[:10])  # type: ignore[call-overload]

    monkeypatch.setattr(notes_text.os, "write", full_disk)
    with pytest.raises(OSError):
        notes_text.write_private(existing, b"x" * 1000)
    monkeypatch.undo()
    assert existing.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.md"]  # no .part left
    notes_text.write_private(existing, b"new")
    assert existing.read_bytes() == b"new" and _mode(existing) == 0o600


def test_export_and_audit_records_who_what_where(sqlite_engine, tmp_path):
    from caseload.store.notes import NotesStore

    store = NotesStore(sqlite_engine, clock=lambda: T0)
    out = tmp_path / "notes.csv"
    scope = scope_label(student_id="s1", since=dt.date(2026, 1, 1), until=AS_OF)
    entry = export_and_audit(store, NOTES[1:], "csv", out, actor="c-rivera", scope=scope,
                             students=STUDENTS, as_of=AS_OF)
    assert _mode(out) == 0o600
    assert entry.count == 2 and entry.format == "csv" and entry.action == "export"
    assert entry.scope == "student:s1 since:2026-01-01 until:2026-01-15"
    assert entry.path == str(out.resolve()) and entry.actor == "c-rivera" and entry.at == T0
    export_and_audit(store, [], "json", tmp_path / "none.json", actor="", scope="all",
                     students={}, as_of=AS_OF)
    entries = store.audit()
    assert [e.format for e in entries] == ["json", "csv"]
    assert entries[0].actor == "unknown" and entries[0].count == 0
    assert entries[1] == entry


def test_a_refused_symlink_is_audited_under_the_path_asked_for(sqlite_engine, tmp_path):
    """The failed entry names the path the counselor gave, not the file a planted link points
    at (which was never opened)."""
    from caseload.store.notes import NotesStore

    store = NotesStore(sqlite_engine, clock=lambda: T0)
    target = tmp_path / "elsewhere.csv"
    target.write_text("keep")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with pytest.raises(OSError):
        export_and_audit(store, NOTES, "csv", link, actor="c-rivera", scope="all",
                         students=STUDENTS, as_of=AS_OF)
    (entry,) = store.audit()
    assert entry.status.value == "failed" and entry.path == str(link)
    assert target.read_text() == "keep"


def test_scope_labels():
    assert scope_label() == "all"
    assert scope_label(counselor_id="c-1", until=AS_OF) == "counselor:c-1 until:2026-01-15"


# --- Audit first (issue 11) ------------------------------------------------------------------


def test_failed_audit_insert_writes_no_file(sqlite_engine, tmp_path, monkeypatch):
    from caseload.store.notes import NotesStore

    store = NotesStore(sqlite_engine, clock=lambda: T0)

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("audit insert failed")

    monkeypatch.setattr(store, "record_audit", refuse)
    for fmt in ("md", "csv", "json", "pdf"):
        out = tmp_path / f"notes.{fmt}"
        with pytest.raises(RuntimeError, match="audit insert failed"):
            export_and_audit(store, NOTES, fmt, out, actor="c-rivera", scope="all",
                             students=STUDENTS, as_of=AS_OF)
        assert not out.exists(), fmt  # no audit row, no file


def test_failed_write_leaves_a_failed_audit_row(sqlite_engine, tmp_path):
    from caseload.domain.notes import AuditStatus
    from caseload.store.notes import NotesStore

    store = NotesStore(sqlite_engine, clock=lambda: T0)
    out = tmp_path / "missing-dir" / "notes.md"
    with pytest.raises(OSError):
        export_and_audit(store, NOTES, "md", out, actor="c-rivera", scope="all",
                         students=STUDENTS, as_of=AS_OF)
    [entry] = store.audit()
    assert entry.status is AuditStatus.FAILED and entry.count == len(NOTES)
    assert entry.path == str(out.resolve()) and entry.to_json()["status"] == "failed"

    ok = export_and_audit(store, NOTES, "md", tmp_path / "notes.md", actor="c-rivera",
                          scope="all", students=STUDENTS, as_of=AS_OF)
    assert ok.status is AuditStatus.OK and store.audit()[0] == ok


def test_markdown_names_the_author_never_ids_or_utc() -> None:
    """History and exports show names and local dates (issue 12): the author by name (the
    id only when the cache does not know them), no note id, the export time in local time."""
    from caseload.export.notes_model import ExportInput

    notes = [make_note(41, "s1"), make_note(42, "s1", author_id="c-unknown")]
    inp = ExportInput(notes=notes, students={"s1": ("Lee, Ana", "9")},
                      as_of=dt.date(2026, 1, 15), generated_at=T0,
                      authors={"c-rivera": "Rivera, Carmen"})
    body = notes_export.render(inp, "md").decode("utf-8")
    assert "- Author: Rivera, Carmen · revision 1" in body
    assert "- Author: c-unknown · revision 1" in body  # not in the cache: as recorded
    assert "note 41" not in body and "Z\n" not in body
