"""Fixtures for the TUI tests: a fake reader, an app factory, helpers to wait for a condition
and to read the screen, and the one snapshot helper the snapshot files share."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable, Iterable

import pytest
from _pytest.mark import ParameterSet
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea
from textual.worker import WorkerFailed

from caseload.tui.app import DARK_THEME, LIGHT_THEME, AppActions, CaseloadApp

from .fakes import AS_OF, NOW, FakeReader


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
def make_app(reader: FakeReader) -> Callable[..., CaseloadApp]:
    def make(
        counselor_id: str | None = "c-rivera", *, as_of: dt.date = AS_OF,
        actions: AppActions | None = None, theme: str | None = None,
        source: FakeReader | None = None,
    ) -> CaseloadApp:
        return CaseloadApp(source or reader, counselor_id=counselor_id, as_of=as_of,
                           actions=actions, now=lambda: NOW, theme=theme)

    return make


async def settle(pilot: Pilot, rounds: int = 4) -> None:
    """Let workers finish and their messages (and any recompose) be processed."""
    app = pilot.app
    for _ in range(rounds):
        with contextlib.suppress(WorkerFailed):  # the app reports it; tests read the screen
            await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def screen_lines(app: CaseloadApp) -> list[str]:
    """What the terminal shows, line by line (the text of the composited strips)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: CaseloadApp) -> str:
    return "\n".join(screen_lines(app))


async def wait_until(pilot: Pilot, predicate: Callable[[], object], *, what: str = "",
                     rounds: int = 1000) -> None:
    """Let the app run until ``predicate()`` is true: a debounce, an autosave, a worker's answer.

    Each round yields to the app's loop for one short tick (10 ms), so this returns as soon as
    the condition holds; after ``rounds`` rounds (10 s or more) it fails, naming ``what``: a
    condition that never comes is a failure, never a hang. Not a timing assertion: the bound
    is only there to end the test.
    """
    for _ in range(rounds):
        if predicate():
            return
        with contextlib.suppress(WorkerFailed):
            await pilot.pause(0.01)
    if not predicate():
        pytest.fail(f"timed out waiting for {what or predicate}")


def palette_hits(app: App[object]) -> list[str]:
    """The command palette's hits as shown (empty when the palette is not open)."""
    from textual.command import CommandList, CommandPalette

    screen = app.screen
    if not isinstance(screen, CommandPalette):
        return []
    hits = screen.query_one(CommandList)
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


async def wait_for_hit(pilot: Pilot, text: str) -> None:
    """Wait out the palette's debounced search until a hit shows ``text``."""
    await wait_until(pilot, lambda: any(text in hit for hit in palette_hits(pilot.app)),
                     what=f"a palette hit with {text!r}")


# --- snapshots ---------------------------------------------------------------------------------
#
# Snapshots only where layout is the point: every screen at 80x24 in both themes; a screen whose
# layout changes with the width (tables, charts) also at 200x60 in the dark theme. A screen is
# shot once: on the sample school if it shows there, on the fake reader only for a state the
# sample school does not have.

SIZES = {"80x24": (80, 24), "120x40": (120, 40), "200x60": (200, 60)}
THEMES = {"dark": DARK_THEME, "light": LIGHT_THEME}

Run = Callable[[Pilot], Awaitable[None]]


def shots(screens: Iterable[str], *, wide: Iterable[str] = ()) -> list[ParameterSet]:
    """Parameters ``(screen, size, theme)`` for the screens, by the rule above (ids
    ``screen-size-theme``, the names of the SVGs in ``__snapshots__``)."""
    wide = set(wide)
    out = []
    for screen in screens:
        cases = [("80x24", "dark"), ("80x24", "light")]
        if screen in wide:
            cases.append(("200x60", "dark"))
        out += [pytest.param(screen, size, theme, id=f"{screen}-{size}-{theme}")
                for size, theme in cases]
    unknown = wide - set(screens)
    assert not unknown, f"wide shots of unknown screens: {unknown}"
    return out


def _tables_pending(app: App[object]) -> bool:
    """Whether a table of the shown screen still has rows or cells to measure (a DataTable
    sizes its columns, header included, when it next goes idle)."""
    return any(table._require_update_dimensions or table._updated_cells
               for table in app.screen.query(DataTable))


def steady(run: Run) -> Run:
    """``run``, then stop every text cursor blinking (shown, not toggling every 0.5 s), and
    wait until every table on the screen has sized its columns (a busy machine once drew the
    follow-ups header at the widths it had before the rows came)."""

    async def go(pilot: Pilot) -> None:
        await run(pilot)
        for screen in pilot.app.screen_stack:
            for box in screen.query(Input):
                box.cursor_blink = False
            for area in screen.query(TextArea):
                area.cursor_blink = False
        await pilot.pause()
        # A TextArea caches its lines under a key that leaves the cursor out when it does not
        # blink, so a line drawn in a blink's off phase (or before the focus came) would be
        # shown again without the cursor: draw them again, the focused one's cursor shown.
        for screen in pilot.app.screen_stack:
            for area in screen.query(TextArea):
                area.notify_style_update()
        await pilot.pause()
        await wait_until(pilot, lambda: not _tables_pending(pilot.app),
                         what="the tables to size their columns")
        await pilot.pause()

    return go


def snapshot(snap_compare: Callable[..., bool], app: App[object], size: str, run: Run) -> bool:
    """``snap_compare`` of ``app`` at ``size`` after ``run`` and with the cursors steady."""
    return bool(snap_compare(app, terminal_size=SIZES[size], run_before=steady(run)))
