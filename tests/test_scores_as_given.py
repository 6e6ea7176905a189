"""A figure from the data (a score, a maximum, a weight) is shown as the source gave it, never
through the rounding of computed figures (review s21): the shortest decimal of the stored
value, without an exponent (``domain.rounding.exact_text``). ``{x:g}`` wrote six significant
digits, so a reader's message said "1.23457e+06 is not above resultValueMin", "1 is not a
whole number" of 1.0000005, and the rejects file's row a score other than the one read.
(The class screen's scores: tests/tui/test_class_scores.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caseload.domain.rounding import exact_text, sum_text
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from tests.min_export import edit


@pytest.mark.parametrize(("value", "text"), [
    (8.25, "8.25"), (10.0, "10"), (10, "10"), (9.5, "9.5"), (0.125, "0.125"), (0.1, "0.1"),
    (1e-05, "0.00001"), (1e16, "10000000000000000"), (1234567.25, "1234567.25"),
    (123456789.123456789, "123456789.12345679"), (-0.0, "0"), (-12.5, "-12.5"),
    (0.30000000000000004, "0.30000000000000004"),
])
def test_exact_text_is_the_shortest_decimal_of_the_stored_value(value: float, text: str) -> None:
    assert exact_text(value) == text
    assert float(text) == value  # reads back as the stored value


def test_sum_text_is_exact_less_the_float_noise_of_the_adding() -> None:
    assert sum_text(8.25 + 0.125) == "8.375"
    assert sum_text(0.1 + 0.2) == "0.3"
    assert sum_text(46.25) == "46.25"  # (not rounded to one decimal)
    assert sum_text(1e16 + 2.0) == "10000000000000002"
    assert sum_text(0.0) == "0"


def _refused(path: Path) -> str:
    with pytest.raises(SourceError) as info:
        read_path(path)
    return str(info.value)


@pytest.mark.parametrize(("file", "old", "new", "said"), [
    ("lineItems.csv", ",0,100", ",1234567.5,1234567.25",
     "lineItems.csv:2: field 'resultValueMax': 1234567.25 is not above resultValueMin"),
    ("academicSessions.csv", ",,2027", ",,20261234.5",
     "academicSessions.csv:2: field 'schoolYear': 20261234.5 is not a year"),
    ("gradingPolicies.csv", "cat-hw,0.4,1", "cat-hw,0.4,1.0000005",
     "gradingPolicies.csv:4: field 'dropLowest': 1.0000005 is not a whole number"),
])
def test_a_refusal_names_the_number_as_given(
    data: Path, file: str, old: str, new: str, said: str
) -> None:
    edit(data / file, old, new)
    assert _refused(data) == said


def test_the_rejects_row_holds_the_score_as_read(engine: Any, data: Path) -> None:
    """A result for a student not enrolled in the class, rejected: its row's score is the
    score read (``{score:g}`` wrote 1.23457e+06 of 1234567.125)."""
    results = data / "results.csv"
    results.write_text(results.read_text() + (
        "res-x,active,2026-09-01T00:00:00Z,li-3,stu-3,,fully graded,1234567.125,,2026-09-22,"
        ",,,false,false\n"))
    ds = read_path(data, skip_invalid=True)
    load(engine, ds, skip_invalid=True)
    assert [(r.field, r.raw and r.raw["score"]) for r in ds.rejects] == [
        ("studentSourcedId", "1234567.125")]
