"""Issue 12 on the caseload: ``s`` then a column's letter sorts (again: reversed, Escape
cancels), a header click sorts, ``l`` shows the legend, the flag filter's boxes differ by glyph,
and nothing at 80x24 is cut mid-word (headers, flags, footer keys)."""

from __future__ import annotations

import pytest
from textual.widgets import Footer

from caseload.domain.report import FlagCode
from caseload.tui.app import DARK_THEME, LIGHT_THEME, CaseloadApp
from caseload.tui.screens.caseload import COLUMNS, SORT_LETTERS, SORTS
from caseload.tui.screens.help import HelpScreen
from caseload.tui.screens.legend import LegendScreen
from caseload.tui.screens.sort_picker import SortPicker
from caseload.tui.widgets.virtual_table import VirtualTable, _fit_words

from .conftest import screen_lines, screen_text, settle
from .fakes import AS_OF, NOW, FakeReader


def _app(theme: str | None = None) -> CaseloadApp:
    return CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                       theme=theme)


def _names(app: CaseloadApp) -> list[str]:
    return [r.name for r in app.home.view]


def test_every_sort_has_a_distinct_letter_in_its_header_label() -> None:
    assert set(SORT_LETTERS) == set(SORTS) - {"triage"}
    assert len(set(SORT_LETTERS.values())) == len(SORT_LETTERS)
    assert "t" not in SORT_LETTERS.values()  # t: triage order
    labels = {c.key: c.label for c in COLUMNS}
    for key, letter in SORT_LETTERS.items():
        if SORTS[key].figures:  # no column (change since last intervention): in the prompt
            assert key not in labels
            continue
        assert letter in labels[key].casefold(), (key, letter)


async def test_s_then_a_letter_sorts_again_reverses_escape_cancels() -> None:
    app = _app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        home = app.home
        triage = _names(app)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SortPicker)
        assert home.table.key_hints == SORT_LETTERS
        assert "Sort by:" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, SortPicker)
        assert home.table.key_hints == {}
        assert (home.sort_key, home.sort_reverse) == ("name", False)
        by_name = _names(app)
        assert by_name == sorted(by_name, key=str.casefold)
        assert "Name▼" in screen_lines(app)[4] or "Name▼" in screen_text(app)
        await pilot.press("s", "n")  # the same column again: reversed
        await settle(pilot)
        assert (home.sort_key, home.sort_reverse) == ("name", True)
        assert _names(app) == sorted(by_name, key=str.casefold, reverse=True)
        assert "Name▲" in screen_text(app)
        await pilot.press("s", "escape")  # cancelled: the order stays
        await settle(pilot)
        assert not isinstance(app.screen, SortPicker)
        assert (home.sort_key, home.sort_reverse) == ("name", True)
        await pilot.press("S")  # S still reverses
        await settle(pilot)
        assert (home.sort_key, home.sort_reverse) == ("name", False)
        await pilot.press("s", "7")  # classes below 70: the letter in "<70"
        await settle(pilot)
        assert home.sort_key == "below"
        await pilot.press("s", "t")
        await settle(pilot)
        assert home.sort_key == "triage"
        assert _names(app) == triage


async def test_clicking_a_header_sorts_by_it_and_again_reverses() -> None:
    app = _app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.home.table
        widths = table.column_widths(table.scrollable_content_region.width)
        keys = [c.key for c in COLUMNS]
        x = 1 + sum(w + 1 for w in widths[: keys.index("att")])  # the Att% header
        await pilot.click(VirtualTable, offset=(x + 1, 0))
        await settle(pilot)
        assert (app.home.sort_key, app.home.sort_reverse) == ("att", False)
        assert "Att%▼" in screen_text(app)
        await pilot.click(VirtualTable, offset=(x + 1, 0))
        await settle(pilot)
        assert (app.home.sort_key, app.home.sort_reverse) == ("att", True)
        assert "Att%▲" in screen_text(app)


async def test_legend_from_l_and_from_help_lists_every_column_and_flag_with_points() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LegendScreen)
        text = screen_text(app)
        assert "Legend" in text and "Risk" in text
        body = app.screen.query_one("#legend-body")
        seen = text
        for _ in range(40):  # scroll to the end, gathering what shows
            await pilot.press("down")
            await pilot.pause()
            seen += screen_text(app)
            if body.scroll_offset.y >= body.max_scroll_y:
                break
        for column in COLUMNS:
            assert column.label in seen, column.label
        for code in FlagCode:
            assert code.label in seen and code.value in seen, code
        assert "+3" in seen and "+2" in seen and "+1" in seen
        assert "once per student" in seen
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "legend" in screen_text(app)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LegendScreen)


def test_fit_words_never_cuts_a_label() -> None:
    from rich.text import Text

    assert _fit_words(Text("STREAK CHRONIC TRUANT UNX30"), 12).plain == "STREAK +3"
    assert _fit_words(Text("STREAK CHRONIC TRUANT UNX30"), 17).plain == "STREAK CHRONIC +2"
    assert _fit_words(Text("FAIL3W×2 DROP"), 12).plain == "FAIL3W×2 +1"  # noqa: RUF001


@pytest.mark.parametrize("no_color", [False, True])
@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_flag_filter_boxes_differ_by_glyph(monkeypatch: pytest.MonkeyPatch, theme: str,
                                                 no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = _app(theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("space")  # check the first flag (FAIL3W)
        await settle(pilot)
        lines = screen_lines(app)
        fail = next(line for line in lines if FlagCode.FAILING_STREAK.label in line)
        low = next(line for line in lines if " LOW " in line)
        assert "▐X▌" in fail and "▐X▌" not in low and "▐ ▌" in low


def _footer_keys(app: CaseloadApp) -> list[str]:
    """The footer's keys as drawn ("⏎ Open")."""
    from textual.widgets._footer import FooterKey

    footer = app.screen.query_one(Footer)
    return [f"{key.key_display} {key.description}" for key in footer.query(FooterKey)
            if key.description]


async def test_caseload_at_80x24_cuts_no_header_flag_or_footer_key() -> None:
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        table = app.home.table
        widths = table.column_widths(table.scrollable_content_region.width)
        header = lines[4]
        for column, width in zip(COLUMNS, widths, strict=True):
            if width:
                assert f" {column.label}" in header, (column.label, header)
        assert "…" not in header
        labels = {code.label for code in FlagCode}
        keys = [c.key for c in COLUMNS]
        at = keys.index("flags")
        start = 1 + sum(w + 1 for w in widths[:at] if w)
        for line in lines[5:5 + min(len(app.home.view), 15)]:
            words = line[start:start + widths[at]].split()
            for word in words:  # a whole label, a label times N, or "+N" more
                assert word.split("×")[0] in labels or word[1:].isdigit(), (word, line)  # noqa: RUF001
        footer = lines[-1]
        for key in _footer_keys(app):
            assert key in footer, (key, footer)
        # every sort arrow still fits its column
        for column, width in zip(COLUMNS, widths, strict=True):
            if column.width is not None and width:
                assert len(column.label) + 1 <= width, column.label


async def test_legend_states_the_configs_thresholds_not_the_defaults() -> None:
    """A config's ``[thresholds]`` change what the flags mean: the legend (from l and from the
    help's l) states those numbers and says they are the config's."""
    from dataclasses import replace

    from caseload.domain.settings import Thresholds

    mine = replace(Thresholds(), stale_days=23)
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      thresholds=mine)
    tall = (120, 90)  # the whole legend at once, no scrolling
    async with app.run_test(size=tall) as pilot:
        await settle(pilot)
        for keys in (("l",), ("question_mark", "l")):
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, LegendScreen)
            seen = screen_text(app)
            assert "no new scores in 23+ days" in seen
            assert f"in {Thresholds().stale_days}+ days" not in seen
            assert "thresholds: your config's" in seen
            while app.screen is not app.home:
                await pilot.press("escape")
                await settle(pilot)
    default = _app()
    async with default.run_test(size=tall) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        seen = screen_text(default)
        assert f"no new scores in {Thresholds().stale_days}+ days" in seen
        assert "thresholds: the defaults" in seen
