"""The caseload's status line (the line above the table: count, filters, order, then the keys
hint "s: sort · l: legend · x: export list" when it fits whole, issue 12) is made for the
terminal's width, and made again when that width changes. It was made only when the list or
its filters changed: narrowed from 120 to 80 columns it kept the hint, cut by an ellipsis;
opened at 80 and widened, it never got it.

On the sample school, filtered to two flags: the line is 74 cells before the hint (40), so the
hint fits at 120 columns and not at 80.
"""

from __future__ import annotations

from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Static

from caseload.domain.report import FlagCode
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import make_app

HINT = "s: sort · l: legend · x: export list"


def status_shown(app: CaseloadApp) -> str:
    """The status line as the terminal shows it."""
    region = app.home.query_one("#status", Static).region
    return screen_lines(app)[region.y][region.x:region.right].rstrip()


async def filtered(pilot: Pilot[None], app: CaseloadApp) -> None:
    await settle(pilot)
    app.home.flag_filter = frozenset({FlagCode.FAILING_STREAK, FlagCode.ABSENCE_STREAK})
    app.home.apply_filters()
    await settle(pilot)


async def test_the_status_line_follows_the_terminal_width(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await filtered(pilot, app)
        start = "27 of 214 · flags FAIL3W STREAK · 187 hidden by filters · sorted by triage"
        assert status_shown(app) == f"{start} · {HINT}"
        for width, shown in ((80, start), (120, f"{start} · {HINT}"), (80, start)):
            await pilot.resize_terminal(width, 24 if width == 80 else 40)
            await settle(pilot)
            assert status_shown(app) == shown, f"at {width} columns"


async def test_opened_at_80_columns_the_hint_comes_when_widened(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await filtered(pilot, app)
        assert HINT not in status_shown(app) and "…" not in status_shown(app)
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert status_shown(app).endswith(f" · {HINT}")
        # narrowed under the student screen and the help (two screens above it): the same
        # once it is shown again
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.home, what="the caseload again")
        await settle(pilot)
        assert HINT not in status_shown(app) and "…" not in status_shown(app)
