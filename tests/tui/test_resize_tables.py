"""Tables whose columns are sized from the terminal's width are laid out again when it changes
(review): a resize, or a screen coming back on top after a resize under another screen. They
were sized once, when the screen was built: widened, a teacher's comment still sat below the
title in a narrow column; narrowed, text was cut at the terminal's edge.

On the sample school: English 9 of the snapshots' student (Homework 7, missing, has a comment),
that student's guardians (one given a long name and email) and a student with incidents (given
a long description).
"""

from __future__ import annotations

from sqlalchemy import Engine
from textual.pilot import Pilot

from caseload.tui.app import CaseloadApp
from caseload.tui.widgets.key_table import KeyTable

from .conftest import _tables_pending, screen_lines, settle, wait_until
from .test_audit_s19 import make_app
from .test_audit_s20 import COMMENT
from .test_class_short import open_class


async def resize(pilot: Pilot, width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)
    await settle(pilot)
    await wait_until(pilot, lambda: not _tables_pending(pilot.app),
                     what="the tables to size their columns")
    await pilot.pause()


def fits(app: CaseloadApp, width: int) -> None:
    lines = screen_lines(app)
    assert all(len(line.rstrip()) <= width for line in lines), "\n".join(lines)


def cursor_key(table: KeyTable) -> object:
    return table.ordered_rows[table.cursor_row].key.value


# --- the class screen ---------------------------------------------------------------------------


def comment_beside(app: CaseloadApp) -> bool:
    """Whether the comment is in its own column on the Homework 7 row (else: False)."""
    lines = screen_lines(app)
    header = next(line for line in lines if "Due" in line and "Title" in line)
    if "Comment" not in header:
        return False
    at = next(i for i, line in enumerate(lines) if "Homework 7" in line)
    column = header.index("Comment")
    # the comment's lines, read down its column (it may wrap there)
    shown = " ".join(line[column:].strip(" ▎▍▌▋▊▉█") for line in lines[at:at + 3])
    return COMMENT in " ".join(shown.split())


def comment_below_title(app: CaseloadApp) -> bool:
    lines = screen_lines(app)
    at = next(i for i, line in enumerate(lines) if "Homework 7" in line)
    shown = " ".join(" ".join(line.split()) for line in lines[at:at + 3])
    return COMMENT in shown


async def test_class_screen_lays_its_assignments_out_again_when_resized(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_class(app, pilot, "stu-00316", "cls-ENG9-01")
        await pilot.press("m")  # the missing ones: Homework 7 among the first
        await settle(pilot)
        table = screen.query_one("#assignments", KeyTable)
        detail = screen.detail
        assert detail is not None
        homework = next(a.line_item_id for a in detail.assignments if a.title == "Homework 7")
        table.move_cursor(row=table.get_row_index(homework))
        await settle(pilot)
        assert "comment" not in table.columns and comment_below_title(app)
        shown = [a.line_item_id for a in screen.shown_assignments(detail)]

        await resize(pilot, 160, 40)
        assert app.screen is screen and screen.query_one("#assignments", KeyTable) is table
        assert "comment" in table.columns
        assert comment_beside(app), "\n".join(screen_lines(app))
        assert cursor_key(table) == homework and table.has_focus
        assert screen.missing_only and [r.key.value for r in table.ordered_rows] == shown
        fits(app, 160)

        await resize(pilot, 80, 24)
        assert "comment" not in table.columns
        fits(app, 80)
        assert comment_below_title(app), "\n".join(screen_lines(app))
        assert cursor_key(table) == homework and table.has_focus
        assert screen.missing_only and [r.key.value for r in table.ordered_rows] == shown


async def test_class_screen_keeps_its_sort_when_resized(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_class(app, pilot, "stu-00316", "cls-ENG9-01")
        await pilot.press("s", "j", "j")
        await settle(pilot)
        table = screen.query_one("#assignments", KeyTable)
        assert screen.detail is not None and screen.sort_by == "score"
        order = [a.line_item_id for a in screen.shown_assignments(screen.detail)]
        key = cursor_key(table)
        await resize(pilot, 160, 40)
        assert [r.key.value for r in table.ordered_rows] == order
        assert cursor_key(table) == key and table.cursor_row == 2
        assert "score, lowest first" in "\n".join(screen_lines(app))
