"""A teacher's score is data, shown as the source gave it (review s21): the class screen
showed a score and its maximum through the one-decimal format of computed figures, so 8.25
was 8.3 and 0.125 was 0.1. Scores, maximums and the categories' points are now exact (the
shortest decimal of the stored value), the percentages computed from them still rounded half
up; a long decimal wraps in its column, never cut at the terminal's edge.
"""

from __future__ import annotations

import dataclasses

import pytest
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.pilot import Pilot

from caseload.domain.report import AssignmentView, CategoryBreakdown, ClassDetail
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.widgets.key_table import KeyTable

from .conftest import _tables_pending, screen_lines, settle, wait_until
from .fakes import AS_OF
from .test_class_truth import open_algebra


def scored(detail: ClassDetail, scores: list[tuple[float, float]]) -> ClassDetail:
    """``detail`` with its first assignments given these (score, maximum) pairs, titled
    ``Scored 1``, ``Scored 2``..."""
    views = list(detail.assignments)
    for i, (score, top) in enumerate(scores):
        views[i] = dataclasses.replace(views[i], score=score, max_points=top,
                                       percent=100.0 * score / top, status=(),
                                       title=f"Scored {i + 1}", comment=None)
    # (the what-if names no assignment: a title read on the screen is its row's)
    return dataclasses.replace(detail, assignments=tuple(views), what_if=dataclasses.replace(
        detail.what_if, fewest_to_70=None))


async def shown(app: CaseloadApp, pilot: Pilot, screen: ClassScreen, detail: ClassDetail) -> None:
    screen.show(detail, AS_OF)
    await settle(pilot)
    await wait_until(pilot, lambda: bool(screen.query("#assignments"))
                     and not _tables_pending(app), what="the class screen's tables")
    await pilot.pause()


def fits(app: CaseloadApp, width: int) -> str:
    lines = screen_lines(app)
    text = "\n".join(lines)
    assert all(len(line.rstrip()) <= width for line in lines), text
    return text


async def row_lines(app: CaseloadApp, pilot: Pilot, title: str, rows: int = 3) -> str:
    """The screen's lines from the one showing the assignment ``title`` (the body scrolled to
    its row, as the cursor does), spaces squeezed."""
    screen = app.screen
    assert isinstance(screen, ClassScreen) and screen.detail is not None
    table = screen.query_one("#assignments", KeyTable)
    key = next(a.line_item_id for a in screen.detail.assignments if a.title == title)
    y = table.virtual_region.y + table.header_height + table.get_row_index(key)
    screen.query_one("#class-body", VerticalScroll).scroll_to_region(
        Region(0, y, 1, rows), animate=False, top=True)
    await settle(pilot)
    lines = screen_lines(app)
    at = next(i for i, line in enumerate(lines) if title in line)
    return " ".join(" ".join(line.split()) for line in lines[at:at + rows])


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_scores_and_maximums_are_shown_as_given(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_algebra(app, pilot)
        detail = scored(screen.detail, [(8.25, 10.0), (0.125, 1.0), (7.0, 8.5)])
        detail = dataclasses.replace(detail, categories=(
            CategoryBreakdown("hw", "Homework", 100.0 / 3, 88.46, 8.375, 11.0, 2, 0),
            CategoryBreakdown("cw", "Classwork", 200.0 / 3, 82.35, 0.1 + 0.2, 8.5, 1, 0),
        ))
        await shown(app, pilot, screen, detail)
        text = fits(app, size[0])
        titles = [a.title for a in detail.assignments[:3]]
        table = screen.query_one("#assignments", KeyTable)
        for title, score, percent in zip(titles, ["8.25 / 10", "0.125 / 1", "7 / 8.5"],
                                         ["83%", "13%", "82%"], strict=True):
            row = await row_lines(app, pilot, title, rows=1)
            # the score as given; its percent computed, rounded half up (82.5 is 83%)
            assert f"{score} {percent}" in row, row
        assert "8.3 / 10" not in text and "0.1 / 1" not in text
        assert "8.5" in str(table.get_row(detail.assignments[2].line_item_id)[3])
        # the categories: points exact (the float noise of 0.1 + 0.2 left out), shares and
        # grades computed (one decimal, half up)
        assert "8.375/11" in text and "0.3/8.5" in text and "0.30000000000000004" not in text
        assert "33.3%" in text and "66.7%" in text and "88.5%" in text


LONG_SCORE = 123456789.12345679  # (the float nearest 123456789.123456789)
LONG_MAX = 1000000000.5


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 40)])
async def test_a_long_decimal_wraps_in_its_column_never_cut(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_algebra(app, pilot)
        detail = scored(screen.detail, [(LONG_SCORE, LONG_MAX), (0.125, 1.0)])
        detail = dataclasses.replace(detail, categories=(
            CategoryBreakdown("hw", "Homework", 100.0, 12.3, LONG_SCORE + 0.125,
                              LONG_MAX + 1.0, 2, 0),
        ))
        await shown(app, pilot, screen, detail)
        fits(app, size[0])
        title = detail.assignments[0].title
        row = await row_lines(app, pilot, title)
        assert "123456789.12345679" in row and "1000000000.5" in row, row
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Points" in line)
        points = " ".join(" ".join(line.split()) for line in lines[at:at + 4])
        assert "123456789.24845679/" in points and "1000000001.5" in points, points
        # every row of the assignments is drawn: the table is no wider than the screen
        table = screen.query_one("#assignments", KeyTable)
        assert table.virtual_size.width <= table.size.width
        assert screen.query_one("#categories", KeyTable).region.right <= size[0]


def test_a_score_is_never_written_as_the_rounded_figure() -> None:
    """The cells themselves, without a screen: score, maximum and points exact."""
    from caseload.tui.screens.klass import assignment_cells, category_cells

    styles = {name: "" for name in ("bad", "warn", "info", "muted")}
    view = AssignmentView("li", None, None, "Quiz", 0.125, 1.0, 12.5, ())
    cells = assignment_cells(view, styles)  # type: ignore[arg-type]
    assert [cells[3].plain, cells[4].plain] == ["0.125 / 1", "13%"]
    view = dataclasses.replace(view, score=None, max_points=8.5, percent=None)
    assert assignment_cells(view, styles)[3].plain == "— / 8.5"  # type: ignore[arg-type]
    weights = [category_cells(CategoryBreakdown("c", "C", w, 46.25, 1e-05, 1e16, 1, 0))
               for w in (50.0, 100.0 / 3)]
    assert [[c.plain for c in row[1:4]] for row in weights] == [
        ["50%", "46.3%", "0.00001/10000000000000000"],
        ["33.3%", "46.3%", "0.00001/10000000000000000"],
    ]
