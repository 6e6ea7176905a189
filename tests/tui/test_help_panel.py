"""Issue 12: `?` lists the screen's keys with their whole descriptions, fitting the panel at
80x24 and 120x40, and no toolkit internals."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.widgets import Static

from caseload.tui.screens.help import HelpScreen

from .conftest import screen_text, settle

INTERNALS = ("Focus Next", "Focus Previous", "Copy selected text", "Page Left", "Page Right")


def _description_column(screen: HelpScreen) -> list[str]:
    """The help table drawn at the panel's width: the text of each row's description cell,
    wrapped lines joined."""
    static = screen.query_one("#help-keys", Static)
    width = static.content_region.width
    assert width > 20
    console = Console(width=width, record=True, color_system=None, legacy_windows=False)
    console.print(screen.keys_table())
    lines = console.export_text().splitlines()[1:]  # the header
    key_width = max(len(row.keys) for row in screen.rows)
    out: list[str] = []
    for line in lines:
        key, rest = line[:key_width].strip(), line[key_width:].strip()
        if key:
            out.append(rest)
        elif out:
            out[-1] += " " + rest
    return out


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_help_shows_whole_descriptions_and_no_internals(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for opener in (None, ("s001",), ("s001", "alg1")):
            if opener is not None:
                if len(opener) == 1:
                    app.open_student(*opener)
                else:
                    app.open_class(*opener)
                await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, HelpScreen)
            assert screen.rows and all(row.binding_ids for row in screen.rows)
            dialog = screen.query_one("#help-dialog")
            assert dialog.region.right <= size[0]
            drawn = _description_column(screen)
            assert len(drawn) == len(screen.rows)
            for row, text in zip(screen.rows, drawn, strict=True):
                assert " ".join(text.split()) == " ".join(row.tooltip.split())
                assert "…" not in text
            visible = screen_text(app)
            for word in INTERNALS:
                assert word not in visible
            await pilot.press("escape")
            await settle(pilot)


async def test_the_caseload_help_names_every_sort_key(make_app):
    """`s` then `i` sorts by the change since the last intervention: the `?` panel says so,
    as the legend (`l`) and the README's key table do, beside `t` and the column letters."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        sort = next(row for row in screen.rows if "caseload.sort" in row.binding_ids)
        words = " ".join(sort.tooltip.split())
        assert "t for triage order" in words
        assert "i for the change since the last intervention" in words
        assert "biggest drop first" in words


async def test_the_quit_row_uses_caseloads_own_words(make_app):
    """`q` and Textual's ctrl+q share a row; it read Textual's "Quit the app and return to the
    command prompt" (there is no prompt in `caseload serve`'s browser): caseload's words."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        (quit_row,) = [row for row in screen.rows if "app.quit" in row.binding_ids]
        assert quit_row.tooltip == "Quit caseload"
        assert "q" in quit_row.keys.split(" / ")
        assert "command prompt" not in screen_text(app)


async def test_the_guardians_enter_is_labelled_in_the_footer_and_help(engine):
    """Enter on a guardian writes a contact note with them filled in (README): the Footer
    and `?` say so, as Enter on a class says "Open"."""
    from .test_guardians_tui import _app, _guardians_tab

    app = _app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await _guardians_tab(pilot)
        assert "⏎ Contact note" in screen_text(app).splitlines()[-1]
        await pilot.press("question_mark")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        (row,) = [row for row in screen.rows if "guardians.note" in row.binding_ids]
        assert row.keys == "⏎" and "contact note" in row.tooltip
