"""Fixtures for the TUI tests: a fake reader, an app factory, helpers to wait for a condition
and to read the screen, and the one snapshot helper the snapshot files share."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import pickle
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark import ParameterSet
from pytest_textual_snapshot import (
    PseudoApp,
    PseudoConsole,
    SVGImageExtension,
    node_to_report_path,
)
from rich.console import Console
from syrupy import SnapshotAssertion
from syrupy.location import PyTestLocation
from syrupy.types import SnapshotIndex
from textual.app import App
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, TextArea
from textual.worker import WorkerFailed

from caseload.tui.app import DARK_THEME, LIGHT_THEME, AppActions, CaseloadApp
from tests import templates as tpl

from .fakes import AS_OF, NOW, FakeReader

SAMPLE_AS_OF = dt.date.fromisoformat(tpl.RANKED_AS_OF)  # the sample school's date
SQLITE_SAMPLE_RANKED = "sample-caseload-ranked-template"


def _rank_sample_caseload(url: str) -> None:
    """Store the ranking of the sample's default counselor's caseload (the one every TUI test
    on the sample opens) at the sample's date, as the app does the first time it opens that
    caseload on that date (store/ranking.py), so the app reads the rows instead of computing
    them again. Only that scope: "All students" is still ranked when opened, as before (a
    stored "All students" ranking opens in two steps, first page then the rest, which leaves
    the table scrolled otherwise than the snapshots show)."""
    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository

    eng = make_engine(url)
    repo = Repository(eng)
    repo.caseload_rows(repo.default_counselor(), SAMPLE_AS_OF)
    eng.dispose()


@pytest.fixture(scope="session")
def sample_ranked_template(shared_dir: Path) -> Path:
    """The sample template with its default caseload's ranking at the sample's date stored
    (built once)."""
    return tpl.sqlite_template(shared_dir, SQLITE_SAMPLE_RANKED, _rank_sample_caseload,
                               start=tpl.sqlite_sample(shared_dir))


@pytest.fixture
def sample_cache(sample_ranked_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the sample school's SQLite cache file, with the ranking of the
    caseload the TUI tests open (``cns-3`` at the sample's date) stored, as the app leaves it
    after the first open: the app reads those rows (notes read live) instead of ranking the
    caseload again in every test."""
    return tpl.copy_sqlite(sample_ranked_template, tmp_path / "cache.db")


@pytest.fixture
def engine(sample_cache: Path) -> Iterator[Any]:
    """An engine on this test's copy of the sample school (``sample_cache``; in the TUI tests
    this takes the place of tests/conftest.py's fresh cache on each backend)."""
    from caseload.store.engine import make_engine

    eng = make_engine(f"sqlite:///{sample_cache}")
    yield eng
    eng.dispose()


# --- CSS parsed once per process -------------------------------------------------------------
#
# Every App parses every stylesheet it uses (its .tcss files and each widget class's
# DEFAULT_CSS) into rules when it first mounts a widget of that class, and again in a fresh
# Stylesheet on each screen push that loads CSS: in these tests, where each test starts a new
# App, that was about a tenth of the CPU, parsing the same text with the same variables again.
# Textual caches a parse per Stylesheet; this keeps it for the process: the same CSS text,
# place and options with the same variables (the theme's) give the same rules, which Textual
# treats as read-only (its own cache hands the same rules out again). Parse errors are not
# cached: they are raised as before.

_parse_rules = Stylesheet._parse_rules
_parsed: dict[tuple[object, ...], list[RuleSet]] = {}


def _variables_key(sheet: Stylesheet) -> tuple[tuple[str, str], ...]:
    variables = sheet._variables
    cached = sheet.__dict__.get("_tests_variables_key")
    if cached is None or cached[0] is not variables:
        cached = (variables, tuple(sorted(variables.items())))
        sheet.__dict__["_tests_variables_key"] = cached
    return cached[1]


def _shared_parse_rules(self: Stylesheet, css: str, read_from: object,
                        is_default_rules: bool = False, tie_breaker: int = 0,
                        scope: str = "") -> list[RuleSet]:
    key = (css, read_from, is_default_rules, tie_breaker, scope, _variables_key(self))
    rules = _parsed.get(key)
    if rules is None:
        rules = _parsed[key] = _parse_rules(self, css, read_from,  # type: ignore[arg-type]
                                            is_default_rules, tie_breaker, scope)
    return rules


Stylesheet._parse_rules = _shared_parse_rules  # type: ignore[method-assign]


# --- headless apps paint only when a test looks ------------------------------------------------
#
# A headless app composes every frame as a terminal app does and then throws it away (Textual's
# App._display writes nothing when headless): in these tests that was a third of the CPU. Here
# the frame is not composed at all; layout, messages, styles and everything a test reads stay as
# they are, and what is shown is still painted, through Textual's own code, whenever a test
# looks: ``screen_lines``/``screen_text`` (render_strips), every snapshot (export_screenshot)
# and, so that a widget that fails to paint still fails its test, the last screen of every
# ``run_test`` once its test body is done. Applies to every app this process runs.


def _refresh_unpainted(self: Screen) -> None:
    app = self.app
    if app.is_headless and not app.is_inline and self is app.screen:
        self._compositor._dirty_regions.clear()  # what render_update would have drawn
        self._dirty_widgets.clear()
        app._update_mouse_over(self)
        return
    _compositor_refresh(self)


def _paint(app: App[object]) -> None:
    """The shown screen painted whole, as the first frame of a terminal would be."""
    if app.is_running and app._screen_stack:
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


@contextlib.asynccontextmanager
async def _run_test_then_paint(self: App[object], **kwargs: Any) -> AsyncIterator[Pilot[object]]:
    async with _run_test(self, **kwargs) as pilot:
        yield pilot
        _paint(self)


_compositor_refresh = Screen._compositor_refresh
_run_test = App.run_test
Screen._compositor_refresh = _refresh_unpainted  # type: ignore[method-assign]
App.run_test = _run_test_then_paint  # type: ignore[assignment,method-assign]


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
def make_app(reader: FakeReader) -> Callable[..., CaseloadApp]:
    def make(
        counselor_id: str | None = "c-rivera", *, as_of: dt.date = AS_OF,
        actions: AppActions | None = None, theme: str | None = None,
        source: FakeReader | None = None, tune_gc: bool = False,
    ) -> CaseloadApp:
        return CaseloadApp(source or reader, counselor_id=counselor_id, as_of=as_of,
                           actions=actions, now=lambda: NOW, theme=theme, tune_gc=tune_gc)

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


def notices_asked(app: App[object], monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[list[str], list[list[str]]]:
    """From now on: the notices ``app`` is asked for (``App.notify``'s messages, in order) and,
    each time the screen on top changes (a dialog closing), those asked for by then. A dialog
    that did the work says so before it closes: the first change after it opened shows the
    notice asked for already (a result callback runs later, on the asking screen's queue, so
    the dialog was gone with nothing notified yet). App.notify is itself a message: wait for
    ``app._notifications`` before reading what is shown."""
    asked: list[str] = []
    notify = app.notify

    def told_then(message: str, *args: Any, **kwargs: Any) -> None:
        asked.append(str(message))
        notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", told_then)
    when_changed: list[list[str]] = []
    app.screen_change_signal.subscribe(  # called at once, as the screen is popped
        app, lambda _screen: when_changed.append(list(asked)), immediate=True)
    return asked, when_changed


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
    """Whether a table of a screen on the stack still has rows or cells to measure (a DataTable
    sizes its columns, header included, when it next goes idle). Every screen, not only the
    shown one: a modal's snapshot shows the screen under it (a loaded run once drew the
    follow-ups header under the done modal at its pre-row widths)."""
    return any(table._require_update_dimensions or table._updated_cells
               for screen in app.screen_stack for table in screen.query(DataTable))


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
                area.notify_style_update()  # empties that cache
                area.refresh()
        await pilot.pause()
        await wait_until(pilot, lambda: not _tables_pending(pilot.app),
                         what="the tables to size their columns")
        await pilot.pause()

    return go


def snapshot(snap_compare: Callable[..., bool], app: App[object], size: str, run: Run) -> bool:
    """``snap_compare`` of ``app`` at ``size`` after ``run`` and with the cursors steady."""
    return bool(snap_compare(app, terminal_size=SIZES[size], run_before=steady(run)))


def variants(screens: Iterable[str], *, wide: Iterable[str] = (),
             fresh: Iterable[str] = ()) -> list[ParameterSet]:
    """Parameters ``(screen, cases)`` for ``shared_snapshots``: the shots ``shots`` gives,
    those of one screen in one theme taken from one app run (ids ``screen-size-theme``, or
    ``screen-80x24+200x60-dark`` for two sizes). A resize costs a third of a fresh app's
    start and walk to the screen; a theme switch costs as much as both, so each theme gets
    its own run. The ``fresh`` screens draw differently after a resize than when they open at
    that size: one run per shot."""
    fresh = set(fresh)
    groups: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for param in shots(screens, wide=wide):
        screen, size, theme = (str(v) for v in param.values)
        groups.setdefault((screen, theme, size if screen in fresh else ""), []).append(
            (size, theme))
    return [pytest.param(screen, cases,
                         id=f"{screen}-{'+'.join(size for size, _ in cases)}-{theme}")
            for (screen, theme, _), cases in groups.items()]


class _NamedSVG(SVGImageExtension):
    """The plugin's SVG files, named ``test_function[NAME].svg`` for a shot named NAME, so a
    test that takes several shots reads and writes the files one test per shot would."""

    @classmethod
    def get_snapshot_name(cls, *, test_location: PyTestLocation, index: SnapshotIndex = 0) -> str:
        assert isinstance(index, str), "every shot is named"
        return f"{test_location.methodname}[{index}]"


SharedSnapshots = Callable[[App[object], str, Run, list[tuple[str, str]]], None]


@pytest.fixture
def shared_snapshots(snapshot: SnapshotAssertion, request: pytest.FixtureRequest
                     ) -> SharedSnapshots:
    """Several shots of one screen in one theme from one app run: ``run`` once at the first
    shot's size, then each further shot after a resize, each compared to its own SVG
    (``test_function[SCREEN-SIZE-THEME].svg``, the file a one-shot test would have).

    Only for screens whose picture after the resize is the one a fresh app draws at that
    size (checked against the fresh app's SVG when a screen is added here). The first
    mismatch fails the test and goes into the plugin's report.
    """
    named = snapshot.use_extension(_NamedSVG)

    def take(app: App[object], screen: str, run: Run, cases: list[tuple[str, str]]) -> None:
        svgs: list[tuple[str, str]] = []

        async def shoot(pilot: Pilot) -> None:
            for i, (size, _theme) in enumerate(cases):
                if i:
                    await pilot.resize_terminal(*SIZES[size])
                await steady(run if not i else _idle)(pilot)
                # what the plugin's take_svg_screenshot does before its picture
                await pilot.pause()
                await pilot.wait_for_scheduled_animations()
                await pilot.pause()
                await pilot.pause()
                await pilot.wait_for_scheduled_animations()
                svgs.append((f"{screen}-{size}-{theme}", pilot.app.export_screenshot(
                    title=pilot.app.title, simplify=True)))
            pilot.app.exit()

        first_size, theme = cases[0]
        assert all(t == theme for _, t in cases), "one theme per run"
        assert app.theme == THEMES[theme], "the app runs in the shots' theme"
        app.run(headless=True, auto_pilot=shoot, size=SIZES[first_size])
        assert len(svgs) == len(cases), "the app ended before every shot was taken"
        for name, svg in svgs:
            passed = named(name=name) == svg
            if not passed:
                _report(request, name, named, svg)
            assert passed, f"snapshot {name} differs (see the snapshot report)"

    return take


async def _idle(pilot: Pilot) -> None:
    await settle(pilot)


def _report(request: pytest.FixtureRequest, name: str, named: SnapshotAssertion,
            svg: str) -> None:
    """A failed shot's entry in pytest-textual-snapshot's HTML report (as ``snap_compare``
    writes one)."""
    console = Console(legacy_windows=False, force_terminal=True)
    fake_app = PseudoApp(PseudoConsole(console.legacy_windows, console.size))
    node = request.node
    full_path, line_number, test_name = node.reportinfo()
    data = (False, str(named), svg, fake_app, full_path, line_number, f"{test_name}[{name}]",
            inspect.getdoc(node.function) or "", "", True)
    path = node_to_report_path(node)
    path.with_name(f"{path.name}_{name}").write_bytes(pickle.dumps(data))
