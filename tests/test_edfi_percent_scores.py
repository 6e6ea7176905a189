"""An Ed-Fi NumericGradeEarned is a percentage, PointsEarned are points (docs/DATA_FORMATS.md).

caseload keeps a line item's scores in its points, so a percentage is read as that share of
the gradebook entry's maximum: 85 on an entry with MaxPoints 10 is 8.5 points, never 85 of 10
(850%). The product is exact; the percentage is kept with the result (``score_percent``,
migration 0026) so that a later maximum reads the score again from it, as a full import
would. On an entry with no maximum (no MaxPoints, scored in PointsEarned) a percentage is no
number of points: listed with no score, counted. A result giving both is scored by its points,
and one whose percentage disagrees with them is counted (``edfi_scores``).

The XML reader and the loader here; the ODS/API mapper and incremental syncs in
tests/sync/test_edfi_percent_scores.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from caseload.domain.text import plural
from caseload.sources.dataset import SourceError
from caseload.sources.edfi_scores import NO_MAXIMUM_PERCENT, PERCENT_DISAGREES, percent_points
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.loader import LoadReport, load
from caseload.store.tables import METADATA
from tests.test_edfi_xml import SMALL, gradebook


def folder(path: Path, **files: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def _entry(xml: str, maximum: str) -> str:
    return xml.replace("<Title>Quiz</Title>", f"<Title>Quiz</Title>{maximum}")


def _s1(xml: str, scores: str) -> str:
    """gradebook() with S1's score given as ``scores`` (elements) in place of its numeric
    grade of 9."""
    old = "<NumericGradeEarned>9</NumericGradeEarned>"
    assert xml.count(old) == 1
    return xml.replace(old, scores)


def n_scores(n: int) -> str:
    return plural(n, "percentage score", grouped=True)


@pytest.mark.parametrize(
    ("percent", "maximum", "points"),
    [
        (85.0, 10.0, 8.5),
        (33.33, 7.0, 2.3331),  # exact: the float product is 2.3331000000000004
        (0.1, 3.0, 0.003),  # 0.30000000000000004 / 100 in floats
        (110.0, 20.0, 22.0),  # above 100: extra credit, as points above the maximum are
        (85.0, 100.0, 85.0),
    ],
)
def test_a_percentage_is_that_share_of_the_maximum_exactly(
    percent: float, maximum: float, points: float
) -> None:
    assert percent_points(percent, maximum) == points
    assert percent_points(percent, None) is None


def test_a_numeric_grade_on_an_entry_with_max_points_is_that_share_of_them(
    tmp_path: Path,
) -> None:
    """(review s19, was a strict xfail in test_edfi_xml.py) 85 on a 10-point entry is 8.5
    points, not 85 of 10 (850%); the 85 is kept beside it."""
    xml = _entry(gradebook("85"), "<MaxPoints>10</MaxPoints>")
    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    (item,) = ds.line_items
    assert item.max_points == 10.0
    assert {r.student_id: (r.score, r.score_percent) for r in ds.results} == {
        "S1": (8.5, 85.0), "S2": (7.5, 75.0)}


def test_a_result_giving_both_is_scored_by_its_points(tmp_path: Path) -> None:
    """PointsEarned are the entry's own unit: they are the score; a NumericGradeEarned beside
    them that agrees (80% of 10 is 8, or the percentage rounded or cut to a whole number: 2 of
    3 points is 66.67%, 67% or 66%) says nothing more."""
    xml = _s1(_entry(gradebook("9"), "<MaxPoints>3</MaxPoints>"),
              "<NumericGradeEarned>66</NumericGradeEarned><PointsEarned>2</PointsEarned>")
    ds = read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    assert {r.student_id: (r.score, r.score_percent) for r in ds.results} == {
        "S1": (2.0, None), "S2": (2.25, 75.0)}
    assert ds.percent_beside_points == {"G1:S1": 66.0}


def test_a_bad_numeric_grade_beside_points_is_refused(tmp_path: Path) -> None:
    """Both are read (strictly): a bad NumericGradeEarned is not passed over because
    PointsEarned are there."""
    xml = _s1(gradebook("9"), "<PointsEarned>2</PointsEarned>"
              "<NumericGradeEarned>-3</NumericGradeEarned>")
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(folder(tmp_path, **{"gb.xml": xml}))
    assert exc.value.field == "NumericGradeEarned"


# --- with the cache: the small DS 4 fixture's gradebook --------------------------------------
# GB-1 states MaxPoints 20 (S1001: PointsEarned 18; S1002: missing); GB-2 has none (S1001:
# exempt; S1002: NumericGradeEarned 90.5, out of 100).

S1001_GB1 = "<PointsEarned>18</PointsEarned>"


def _drop(xml: str, tag: str, nth: int = 0) -> str:
    """``xml`` without its ``nth`` ``tag`` record (an export that does not carry it)."""
    start = -1
    for _ in range(nth + 1):
        start = xml.index(f"<{tag}>", start + 1)
    end = xml.index(f"</{tag}>", start) + len(f"</{tag}>")
    return xml[:start] + xml[end:]


def _small(path: Path, edit: Callable[[str], str] = lambda x: x) -> Path:
    """A copy of the small fixture with its gradebook.xml edited."""
    shutil.copytree(SMALL, path)
    book = path / "gradebook.xml"
    text = book.read_text(encoding="utf-8")
    book.write_text(edit(text), encoding="utf-8")
    return path


def _book(edit: Callable[[str], str] = lambda x: x) -> str:
    text = (SMALL / "gradebook.xml").read_text(encoding="utf-8")
    assert text.count(S1001_GB1) == 1 and text.count("<MaxPoints>20</MaxPoints>") == 1
    return edit(text)


def _scores(engine: Engine) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    t = METADATA.tables["results"]
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.line_item_id, t.c.student_id, t.c.score,
                                   t.c.score_percent)).all()
    return {(li, s): (score, pct) for li, s, score, pct in rows}


def _maxima(engine: Engine) -> dict[str, float | None]:
    t = METADATA.tables["line_items"]
    with engine.connect() as conn:
        return dict(conn.execute(select(t.c.sourced_id, t.c.max_points)).all())  # type: ignore[arg-type]


def _percent(value: str) -> Callable[[str], str]:
    """S1001's score on GB-1 (MaxPoints 20) given as a NumericGradeEarned of ``value``."""
    return lambda x: x.replace(S1001_GB1, f"<NumericGradeEarned>{value}</NumericGradeEarned>")


def _only(tag: str, edit: Callable[[str], str] = lambda x: x) -> Callable[[str], str]:
    """The gradebook with its ``tag`` records only (the other kind dropped), edited."""
    other = "StudentGradebookEntry" if tag == "GradebookEntry" else "GradebookEntry"

    def keep(text: str) -> str:
        text = edit(text)
        while f"<{other}>" in text:
            text = _drop(text, other)
        return text

    return keep


def _load_book(engine: Engine, path: Path, text: str) -> LoadReport:
    return load(engine, read_edfi_folder(folder(path, **{"gradebook.xml": text})))


def test_a_percentage_is_stored_as_points_beside_itself(tmp_path: Path, engine: Engine) -> None:
    """(both backends: the column is migration 0026's)"""
    load(engine, read_edfi_folder(_small(tmp_path / "x", _percent("85"))))
    scores = _scores(engine)
    assert scores[("GB-1", "S1001")] == (17.0, 85.0)  # 85% of 20 points
    assert scores[("GB-2", "S1002")] == (90.5, 90.5)  # of 100
    assert scores[("GB-1", "S1002")] == (None, None)  # missing


@pytest.mark.parametrize(("percent", "counted"),
                         [("90", 0), ("90.0", 0), ("89.5", 0), ("90.99", 0), ("18", 1),
                          ("91", 1), ("89", 1)])
def test_a_percentage_that_disagrees_with_the_points_beside_it_is_counted(
    tmp_path: Path, sqlite_engine: Engine, percent: str, counted: int
) -> None:
    """18 points of 20 given with a NumericGradeEarned: the points are the score; a
    percentage within a point of 90 (rounded or cut) agrees; 18 (points, not a percentage)
    is counted in the summary (a source giving its numeric grades in points shows up)."""
    both = f"{S1001_GB1}<NumericGradeEarned>{percent}</NumericGradeEarned>"
    report = load(sqlite_engine, read_edfi_folder(
        _small(tmp_path / "x", lambda x: x.replace(S1001_GB1, both))))
    assert _scores(sqlite_engine)[("GB-1", "S1001")] == (18.0, None)
    said = [n for n in report.notices if "a percentage point or more away" in n]
    assert said == ([PERCENT_DISAGREES.format(n=n_scores(1))] if counted else [])


def test_a_percentage_on_an_entry_with_no_maximum_is_listed_with_no_score_and_counted(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    """GB-2 has no MaxPoints; S1001's 9 points give it no maximum, so S1002's 90.5% is no
    number of points (not 90.5 points beside 9): no score, and the summary says why."""
    exempt = "SubmissionStatusDescriptor#Exempt</SubmissionStatus>"
    report = load(sqlite_engine, read_edfi_folder(_small(
        tmp_path / "x", lambda x: x.replace(exempt, exempt + "<PointsEarned>9</PointsEarned>"))))
    assert _maxima(sqlite_engine)["GB-2"] is None
    assert _scores(sqlite_engine)[("GB-2", "S1002")] == (None, 90.5)
    assert NO_MAXIMUM_PERCENT.format(n=n_scores(1)) in report.notices


def test_a_partial_import_reads_a_percentage_with_the_cached_maximum(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    """Scores imported without their entries (GB-1 held in the cache with MaxPoints 20): 90
    is 18 points of the cached 20, as a full import reads it."""
    load(sqlite_engine, read_edfi_folder(_small(tmp_path / "x", _percent("85"))))
    scores = _book(_only("StudentGradebookEntry", _percent("90")))
    assert "<MaxPoints>" not in scores
    report = _load_book(sqlite_engine, tmp_path / "y", scores)
    assert report.rejects == []
    assert _scores(sqlite_engine)[("GB-1", "S1001")] == (18.0, 90.0)


@pytest.mark.parametrize(
    ("before", "after", "want_max", "want"),
    [
        # MaxPoints edited from 20 to 10: 85% of 10 is 8.5, not the 17 read before (170%)
        ("<MaxPoints>20</MaxPoints>", "<MaxPoints>10</MaxPoints>", 10.0, (8.5, 85.0)),
        # an entry out of 100 given MaxPoints 20 later: 85 was 85 of 100, now 17 of 20
        ("", "<MaxPoints>20</MaxPoints>", 20.0, (17.0, 85.0)),
        # and back: its MaxPoints taken away, the entry is out of 100 again
        ("<MaxPoints>20</MaxPoints>", "", 100.0, (85.0, 85.0)),
    ],
)
def test_an_entry_whose_maximum_changes_reads_its_cached_percentages_again(
    tmp_path: Path, sqlite_engine: Engine, before: str, after: str, want_max: float,
    want: tuple[float, float],
) -> None:
    """GB-1 sent again alone with another maximum: its cached scores read from a percentage
    follow it, as a full import of the new state reads them."""

    def maximum(text: str) -> Callable[[str], str]:
        return lambda x: _percent("85")(x).replace("<MaxPoints>20</MaxPoints>", text)

    load(sqlite_engine, read_edfi_folder(_small(tmp_path / "x", maximum(before))))
    report = _load_book(sqlite_engine, tmp_path / "y", _book(_only("GradebookEntry",
                                                                   maximum(after))))
    assert report.rejects == []
    assert _maxima(sqlite_engine)["GB-1"] == want_max
    assert _scores(sqlite_engine)[("GB-1", "S1001")] == want
    assert _scores(sqlite_engine)[("GB-2", "S1002")] == (90.5, 90.5)  # (another entry)
    full = read_edfi_folder(_small(tmp_path / "z", maximum(after)))
    assert {(r.line_item_id, r.student_id): (r.score, r.score_percent)
            for r in full.results}[("GB-1", "S1001")] == want


def test_points_that_take_an_entrys_maximum_away_leave_its_percentages_no_score(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    """GB-2, without MaxPoints, is out of 100 while only percentages score it; points for
    S1001 in a later import of the scores alone give it no maximum (``keep_cached_maxima``),
    and its cached 90.5% is then no number of points either, as a full import of both says."""
    load(sqlite_engine, read_edfi_folder(SMALL))
    exempt = "SubmissionStatusDescriptor#Exempt</SubmissionStatus>"
    scores = _book(_only("StudentGradebookEntry",
                         lambda x: x.replace(exempt, exempt + "<PointsEarned>9</PointsEarned>")))
    scores = _drop(scores, "StudentGradebookEntry", 3)  # (S1002's 90.5 is not sent again)
    assert "90.5" not in scores
    report = _load_book(sqlite_engine, tmp_path / "y", scores)
    assert _maxima(sqlite_engine)["GB-2"] is None
    assert _scores(sqlite_engine)[("GB-2", "S1002")] == (None, 90.5)
    assert NO_MAXIMUM_PERCENT.format(n=n_scores(1)) in report.notices


def test_migration_0026_adds_and_drops_the_percentage(db_url: str) -> None:
    from sqlalchemy import column, insert, inspect, table

    from caseload.store.engine import make_engine, migrate
    from tests.migrations import declared_diffs, downgrade

    def columns() -> set[str]:
        with engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("results")}

    def rows() -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(res))]

    engine = make_engine(db_url)
    names = ("sourced_id", "line_item_id", "student_id", "score", "status", "late", "missing")
    res = table("results", *(column(n) for n in names))
    row = ("GB-1:S1", "GB-1", "S1", 8.5, "fully graded", False, False)
    try:
        migrate(engine)
        assert declared_diffs(engine, "results") == []
        assert "score_percent" in columns()
        with engine.begin() as conn:
            conn.execute(insert(res).values(dict(zip(names, row, strict=True))))
        downgrade(engine, "0025")
        assert "score_percent" not in columns()
        assert rows() == [row]  # the rows stay
        migrate(engine)
        assert "score_percent" in columns() and rows() == [row]
        assert declared_diffs(engine, "results") == []
    finally:
        engine.dispose()
