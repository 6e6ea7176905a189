"""A stray quote under --skip-invalid rejects just its own row (issue 11 §2; audit s21b D1).

A stray opening quote that a later quote happens to close (a teacher's quoted comment
thousands of lines on) made the reader reject one row and never read the lines in between:
thousands of good rows went missing while the summary said "rejected rows: 1". Now the line
where the quote opens is rejected and reading goes on at the next line. A quoted field that
really holds line breaks and breaks at its end is still rejected whole, its lines named, never
read as made-up rows: every physical line is read as part of a row or named in a reject.
"""

from __future__ import annotations

import csv
import json
import re
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload.cli import main
from caseload.sources.csvutil import Container, CsvTable
from caseload.sources.dataset import Reject, SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load

HEADER = (
    "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreScaleSourcedId,"
    "scoreStatus,score,textScore,scoreDate,comment,inProgress,incomplete,late,missing"
)


def _result(n: int, comment: str = "") -> str:
    student, item = ("stu-1", "stu-2")[n % 2], f"li-{n % 3 + 1}"
    return (
        f"res-{n},active,2026-09-01T00:00:00Z,{item},{student},,fully graded,{50 + n % 50},,"
        f"2026-09-14,{comment},,,false,false"
    )


def _write_results(data: Path, rows: list[str]) -> None:
    (data / "results.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _ids(ds) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(int(r.sourced_id.removeprefix("res-")) for r in ds.results)


# --- the audit's reproduction, small ------------------------------------------------------------


@pytest.fixture
def stray(data: Path) -> Path:
    """120 results (lines 2-121): a stray quote on line 11 (``,"fully graded,``) and a
    teacher's quoted comment on line 101, which closes it."""
    rows = [_result(n, '"Great work, keep it up"' if n == 100 else "") for n in range(1, 121)]
    rows[9] = rows[9].replace(",fully graded,", ',"fully graded,')
    _write_results(data, rows)
    return data


def test_a_stray_quote_closed_90_lines_on_rejects_only_its_line(stray: Path, sqlite_engine) -> None:
    ds = read_path(stray, skip_invalid=True)
    assert [(r.file, r.line, r.field, r.reason) for r in ds.rejects] == [
        ("results.csv", 11, None,
         "unbalanced quote: the quoted field that opens on this line runs on to line 101 and "
         "the row breaks there (',' expected after '\"'); taken as a stray quote: reading goes "
         "on at line 12 (lines 12-101 are read as rows)"),
    ]
    assert ds.rejects[0].raw is not None and ',"fully graded,' in ds.rejects[0].raw["line"]
    # every good row between is read, the commented one too, with its comment
    assert _ids(ds) == [n for n in range(1, 121) if n != 10]
    assert {r.sourced_id: r.comment for r in ds.results}["res-100"] == "Great work, keep it up"
    assert load(sqlite_engine, ds, skip_invalid=True).counts["results"] == 119


def test_a_stray_quote_is_still_refused_whole_without_skip_invalid(stray: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_path(stray)
    assert str(info.value) == (
        "results.csv:11: unbalanced quote: the quoted field that opens on line 11 runs on to "
        "line 101 and the row breaks there (',' expected after '\"'); lines 12-101 are not "
        "read as rows"
    )


def test_the_import_says_one_reject_and_loads_the_rest(
    tmp_path: Path, stray: Path, new_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The audit's command: `caseload import --skip-invalid --rejects FILE`."""
    out = tmp_path / "rejects.csv"
    assert main(["--db", str(new_cache), "import", str(stray), "--skip-invalid",
                 "--rejects", str(out)]) == 0
    said = capsys.readouterr().out
    assert re.search(r"results\s+119\b", said), said
    assert "rejected rows: 1 " in said, said
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["file"], r["line"]) for r in rows] == [("results.csv", "11")]
    assert "reading goes on at line 12" in rows[0]["reason"]
    assert ',"fully graded,' in json.loads(rows[0]["row"])["line"]


def test_a_broken_row_among_the_swallowed_lines_is_rejected_on_its_own(stray: Path) -> None:
    """The lines a stray quote ran over are read as what they are: a short row among them is
    rejected on its own line, the rest load."""
    path = stray / "results.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[49] = lines[49].removesuffix(",false,false")  # res-49, line 50
    path.write_text("\n".join(lines), encoding="utf-8")
    ds = read_path(stray, skip_invalid=True)
    assert [(r.line, r.reason.split(" (")[0]) for r in ds.rejects] == [
        (11, "unbalanced quote: the quoted field that opens on this line runs on to line 101 and "
             "the row breaks there"),
        (50, "13 fields where the header has 15"),
    ]
    assert _ids(ds) == [n for n in range(1, 121) if n not in (10, 49)]


# --- a quoted field that really holds line breaks and breaks at its end ---------------------------


def test_a_real_multiline_field_broken_at_its_end_is_rejected_whole_and_named(data: Path) -> None:
    """``"a<newline>b"x,``: res-2's comment holds a line break, then the row breaks after its
    closing quote. Line 4 on its own is no row (it is the comment's end and the row's tail),
    so the lines are one record: rejected at its first line, line 4 named as not read, never
    read as a row of its own; the rows around it load."""
    _write_results(data, [_result(1), _result(2, '"a').replace(",,,false,false", ""),
                          'b"x,,,false,false', _result(3)])
    message = "unbalanced quote: the quoted field that opens on line 3 runs on to line 4 and " \
              "the row breaks there (',' expected after '\"'); line 4 is not read as a row"
    with pytest.raises(SourceError) as info:
        read_path(data)
    assert str(info.value) == f"results.csv:3: {message}"
    ds = read_path(data, skip_invalid=True)
    assert [(r.line, r.reason) for r in ds.rejects] == [
        (3, message + " (line 4 on its own reads as no row of 15 fields either, so the quoted "
                      "field is taken to hold those line breaks)"),
    ]
    assert _ids(ds) == [1, 3]


def test_a_real_multiline_first_field_broken_at_its_end_names_every_line(tmp_path: Path) -> None:
    """The shape where the tail does read as a row: the field holding the line break is the
    first column, so its last line has the header's width. That cannot be told from a stray
    quote: the opening line is rejected, saying that line 3 is read as a row, and it is.
    Nothing is dropped unnamed."""
    rows, rejects = _read(tmp_path, 'id,note\n"a\nb"x,y\nc,d\n')
    assert [(r.line, r.reason.split(";")[1].strip()) for r in rejects] == [
        (2, "taken as a stray quote: reading goes on at line 3 (line 3 is read as a row)"),
    ]
    assert rows == [(3, 3, ['b"x', "y"]), (4, 4, ["c", "d"])]


# --- every physical line is read as part of a row or named in a reject (hypothesis) -------------


def _read(folder: Path, text: str) -> tuple[list[tuple[int, int, list[str]]], list[Reject]]:
    (folder / "t.csv").write_text(text, encoding="utf-8")
    rejects: list[Reject] = []
    with Container(folder) as container:
        table = CsvTable(container, "t.csv", (), rejects=rejects)
        rows = [(table.line, table.last_line, row) for row in table.rows()]
    return rows, rejects


def _named(reject: Reject) -> set[int]:
    """The physical lines a reject names: its own, its record's, the lines it says are not read."""
    assert isinstance(reject.line, int)
    lines = {reject.line}
    for first, last in re.findall(r"lines? (\d+)(?:-(\d+))? (?:is|are) not read", reject.reason):
        lines |= set(range(int(first), int(last or first) + 1))
    if m := re.search(r"the record it is in starts on line (\d+)", reject.reason):
        lines |= set(range(int(m.group(1)), reject.line + 1))
    return lines


def _accounted(text: str, rows: list[tuple[int, int, list[str]]], rejects: list[Reject]) -> None:
    """Every physical line (the header aside) is inside a row read, or named in a reject."""
    seen = {n for first, last, _ in rows for n in range(first, last + 1)}
    for reject in rejects:
        seen |= _named(reject)
    count = len(text.splitlines())
    assert set(range(2, count + 1)) <= seen, (rows, rejects)


VALUE = st.text(string.ascii_lowercase, min_size=1, max_size=5)
SPACED = st.text(string.ascii_lowercase + " ", min_size=1, max_size=6).map(lambda t: "a" + t)


@st.composite
def _table(draw: st.DrawFn) -> tuple[int, list[list[str]]]:
    """A header width and rows of fields as written: plain, or quoted holding a comma."""
    width = draw(st.integers(2, 5))
    field = st.one_of(VALUE, st.tuples(SPACED, SPACED).map(lambda p: f'"{p[0]}, {p[1]}"'))
    rows = draw(st.lists(st.lists(field, min_size=width, max_size=width), min_size=1, max_size=25))
    return width, rows


def _values(fields: list[str]) -> list[str]:
    return [f.strip('"') for f in fields]


@given(table=_table(), where=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
       stray=VALUE)
def test_a_stray_quote_rejects_exactly_its_row_and_every_other_row_loads(
    table: tuple[int, list[list[str]]], where: tuple[int, int], stray: str
) -> None:
    width, rows = table
    i, j = where[0] % len(rows), where[1] % width
    rows[i][j] = '"' + stray  # a quote opening a field that no quote of its own closes
    text = ",".join(f"c{k}" for k in range(width)) + "\n" + "".join(
        ",".join(r) + "\n" for r in rows
    )
    with tempfile.TemporaryDirectory() as tmp:
        read, rejects = _read(Path(tmp), text)
        with Container(Path(tmp)) as container, pytest.raises(SourceError) as info:
            list(CsvTable(container, "t.csv", ()).rows())  # without --skip-invalid: refused
    assert info.value.line == i + 2
    assert [r.line for r in rejects] == [i + 2]
    assert [(first, last) for first, last, _ in read] == [
        (n + 2, n + 2) for n in range(len(rows)) if n != i
    ]
    assert [row for _, _, row in read] == [_values(r) for n, r in enumerate(rows) if n != i]


@given(table=_table(), where=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
       inside=st.lists(st.text(string.ascii_lowercase + " ,", min_size=1, max_size=12)
                       .map(lambda t: "z" + t), min_size=1, max_size=4),
       tail=VALUE)
def test_a_field_holding_line_breaks_broken_at_its_end_never_drops_a_line_unnamed(
    table: tuple[int, list[list[str]]], where: tuple[int, int], inside: list[str], tail: str
) -> None:
    """``…,"a<newline>…<newline>b"x,…``: the row is rejected; every line is read or named; the
    other rows load; and unless the field's last line, read on its own, has the header's width
    or opens a quote (its tail then may be a row: the quote is taken as stray), no line of the
    field is read as a row of its own."""
    width, rows = table
    i, j = where[0] % len(rows), where[1] % width
    rows[i][j] = '"' + "\n".join(["a", *inside]) + '"' + tail  # `x` after the closing quote
    text = ",".join(f"c{k}" for k in range(width)) + "\n" + "".join(
        ",".join(r) + "\n" for r in rows
    )
    first, last = i + 2, i + 2 + len(inside)  # (no other field holds a line break)
    with tempfile.TemporaryDirectory() as tmp:
        read, rejects = _read(Path(tmp), text)
    _accounted(text, read, rejects)
    outside = [row for start, _, row in read if not first <= start <= last]
    assert outside == [_values(r) for n, r in enumerate(rows) if n != i]
    end = inside[-1]
    if not end.endswith(",") and end.count(",") != j:  # the tail reads as no row of its width
        assert [r.line for r in rejects] == [first]
        assert [row for start, _, row in read if first <= start <= last] == []
