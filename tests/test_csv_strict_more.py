"""More strict CSV parsing (csvutil.CsvTable), from a review: no row is ever made up from the
inside of a quoted field, a line that cannot be read rejects only its record under
--skip-invalid, two spellings of one column are refused, and a byte order mark that is not at
the start of the file is never kept in a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from tests.min_export import edit

# A whole results.csv row of the right width (15 fields): inside a quoted field it must never
# become a result of its own.
PHANTOM = "res-9,active,2026-09-01T00:00:00Z,li-1,stu-2,,fully graded,99,,2026-09-14,,,,false,false"
COMMENT = '"[bold]see me[/bold]",,,false,false'  # res-1's comment and the fields after it


def _refused(path: Path) -> str:
    with pytest.raises(SourceError) as info:
        read_path(path)
    return str(info.value)


def _ids(path: Path) -> list[str]:
    return sorted(r.sourced_id for r in read_path(path, skip_invalid=True).results)


# --- a record that spans lines and comes out the wrong width --------------------------------


def test_a_wrong_width_record_never_rereads_its_quoted_lines(data: Path) -> None:
    """res-1's comment really holds two line breaks (the quote closes on line 4), but the row
    has one field too many: it was blamed on an unbalanced quote and reading went on after
    line 2, so line 3, inside the comment, was stored as result res-9."""
    edit(data / "results.csv", COMMENT, f'"see me\n{PHANTOM}\nthanks",,,,false,false')
    message = _refused(data)
    assert message.startswith("results.csv:2: 16 fields where the header has 15"), message
    assert "runs on to line 4" in message
    assert "quoted field that opens on line 2" in message
    assert "lines 3-4 are not read as rows" in message
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in ds.rejects] == [("results.csv", 2, None)]
    # line 4 on its own is no row: the comment really holds the line breaks (no stray quote)
    assert ds.rejects[0].reason == message.removeprefix("results.csv:2: ") + (
        " (line 4 on its own reads as no row of 15 fields either, so the quoted field is "
        "taken to hold those line breaks)"
    )
    assert sorted(r.sourced_id for r in ds.results) == ["res-2", "res-3", "res-4", "res-5"]


def test_a_record_that_breaks_after_a_quoted_line_never_rereads_it(data: Path) -> None:
    """The same when the row breaks on its last line (a bare quote inside the comment)."""
    edit(data / "results.csv", COMMENT, f'"see me\n{PHANTOM}\nhe said "bye"",,,false,false')
    message = _refused(data)
    assert message.startswith("results.csv:2: unbalanced quote"), message
    assert "runs on to line 4" in message
    assert "lines 3-4 are not read as rows" in message
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line) for r in ds.rejects] == [("results.csv", 2)]
    assert sorted(r.sourced_id for r in ds.results) == ["res-2", "res-3", "res-4", "res-5"]


def test_a_stray_quote_that_closes_further_down_rejects_only_its_own_lines(data: Path) -> None:
    """A stray quote on res-2's line (3) is closed by the one on res-4's line (5): the record
    runs from line 3 to line 5 and comes out short. It was rejected whole, res-3 and res-4 with
    it (issue 11: "reject just that row"). Line 5 on its own is not a complete row (its quote
    opens a field), so nothing says the comment holds line breaks: the quote on line 3 is taken
    as stray, and lines 4 and 5 are read as what they are: res-3 loads; res-4's own quote never
    closes, so it is rejected on its own line."""
    edit(data / "results.csv", "2026-09-11,,", '2026-09-11,"late again,')
    edit(data / "results.csv", "exempt,,,,,,,false", 'exempt,,,,,,",false')
    message = _refused(data)  # refused as before, naming the record
    assert message.startswith("results.csv:3: 13 fields where the header has 15"), message
    assert "runs on to line 5" in message and "line 3" in message
    assert "lines 4-5 are not read as rows" in message
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.reason) for r in ds.rejects] == [
        ("results.csv", 3,
         "unbalanced quote: the quoted field that opens on this line runs on to line 5 and the "
         "row comes out with 13 fields where the header has 15 (a row is never padded or cut); "
         "taken as a stray quote: reading goes on at line 4 (lines 4-5 are read as rows)"),
        ("results.csv", 5,
         "unbalanced quote: the quoted field that opens on this line never closes"),
    ]
    assert ds.rejects[0].raw is not None and "late again" in ds.rejects[0].raw["line"]
    assert sorted(r.sourced_id for r in ds.results) == ["res-1", "res-3", "res-5"]


# --- a line that is not UTF-8 inside a quoted field ------------------------------------------


def _results_bytes(data: Path, old: bytes, new: bytes) -> None:
    path = data / "results.csv"
    body = path.read_bytes()
    assert old in body
    path.write_bytes(body.replace(old, new, 1))


@pytest.mark.parametrize(
    ("comment", "bad", "byte", "last"),
    [
        # the second line of res-1's comment is not UTF-8, a whole row after it
        (b'"see me\nvoil\xe0\n' + PHANTOM.encode() + b'\nthanks",,,false,false', 3, 5, 5),
        # the line that opens the comment is not UTF-8: the quote is still followed
        (b'"voil\xe0\n' + PHANTOM.encode() + b'\nthanks",,,false,false', 2, 80, 4),
    ],
)
def test_not_utf8_inside_a_quoted_field_rejects_its_record(
    data: Path, comment: bytes, bad: int, byte: int, last: int
) -> None:
    """With --skip-invalid a line that is not UTF-8 inside a quoted field refused the whole
    file; on the line that opens the field, the line was left out and the lines inside the
    field were read as rows (res-9). Now the record is rejected, naming the bad line, and
    reading goes on after the record."""
    _results_bytes(data, COMMENT.encode(), comment)
    assert _refused(data).startswith(f"results.csv:{bad}: not UTF-8 text ("), _refused(data)
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field, r.raw) for r in ds.rejects] == [
        ("results.csv", bad, None, None)
    ]
    assert ds.rejects[0].reason == (
        f"not UTF-8 text (invalid continuation byte at byte {byte} of the line); the record it "
        f"is in, lines 2-{last}, is not read"
    )
    assert sorted(r.sourced_id for r in ds.results) == ["res-2", "res-3", "res-4", "res-5"]


def test_a_not_utf8_row_is_still_rejected_alone(data: Path) -> None:
    _results_bytes(data, b"not submitted", b"not subm\xefitted")
    ds = read_path(data, skip_invalid=True)
    assert [(r.line, r.reason) for r in ds.rejects] == [
        (3, "not UTF-8 text (invalid continuation byte at byte 55 of the line)")
    ]
    assert sorted(r.sourced_id for r in ds.results) == ["res-1", "res-3", "res-4", "res-5"]


# --- two spellings of one column --------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "first", "second"),
    [
        ("users.csv", ",pronouns", ",orgSourcedIds", "primaryOrgSourcedId", "orgSourcedIds"),
        ("users.csv", ",pronouns", ",userId", "userIds", "userId"),
        ("results.csv", ",textScore,", ",date,", "date", "scoreDate"),
        ("results.csv", ",scoreScaleSourcedId,", ",userSourcedId,", "studentSourcedId",
         "userSourcedId"),
        ("classes.csv", ",periods", ",termSourcedId", "termSourcedIds", "termSourcedId"),
        ("lineItems.csv", ",description,", ",category,", "category", "categorySourcedId"),
        ("lineItems.csv", ",scoreScaleSourcedId,", ",gradingPeriod,", "gradingPeriodSourcedId",
         "gradingPeriod"),
    ],
)
def test_two_spellings_of_one_column_are_refused(
    data: Path, file: str, old: str, new: str, first: str, second: str
) -> None:
    """The first spelling found was read and the other left out without a word."""
    edit(data / file, old, new)
    with pytest.raises(SourceError) as info:
        read_path(data, skip_invalid=True)  # a bad header is never skipped
    assert str(info.value) == (
        f"{file}:1: field {second!r}: columns {first!r} and {second!r} are the same column "
        "spelt two ways: which one to read is not clear"
    )


def test_oneroster_12_line_items_keep_grading_period_and_academic_session_apart(
    data: Path,
) -> None:
    """OneRoster 1.2's lineItems.csv has gradingPeriodSourcedId and academicSessionSourcedId
    side by side: the grading period is read, the session is a column of its own (it is read
    as the grading period only in a file without one)."""
    edit(data / "lineItems.csv", "cat-tests,gp-1,,", "cat-tests,gp-1,sem-1,")
    assert {i.sourced_id: i.grading_period_id for i in read_path(data).line_items} == {
        "li-1": "gp-1", "li-2": "gp-1", "li-3": "gp-1",
    }
    edit(data / "lineItems.csv", ",gradingPeriodSourcedId,", ",notRead,")
    assert {i.sourced_id: i.grading_period_id for i in read_path(data).line_items} == {
        "li-1": "sem-1", "li-2": None, "li-3": None,
    }


# --- a byte order mark that is not at the start of the file ----------------------------------


def test_a_byte_order_mark_at_a_later_line_start_is_refused(data: Path) -> None:
    """Two files joined: the second one's BOM was kept in the first field (an id
    '\\ufeffres-9' was stored)."""
    path = data / "results.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b"\xef\xbb\xbf" + PHANTOM.encode() + b"\n")
    reason = "a byte order mark (U+FEFF) at the start of the line: two files joined?"
    assert _refused(data) == f"results.csv:7: {reason}"
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field, r.reason) for r in ds.rejects] == [
        ("results.csv", 7, None, reason)
    ]
    # the BOM at the very start of the file is dropped as before
    assert sorted(r.sourced_id for r in ds.results) == ["res-1", "res-2", "res-3", "res-4", "res-5"]
