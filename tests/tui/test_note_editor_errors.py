"""The note editor's error line at 80x24 (audit: sample school, as of 2026-11-20).

- An error under the fields (a follow-up date it cannot take, ctrl+s) took its rows from the
  note's text box: a 2-line error left one line of a 3-line note in view. The rows now come
  from the flags list (which scrolls); the text box keeps 3 lines.
- ``2026-02-30`` got the message naming the forms a date is typed in, though it was typed in
  one of them: now what is wrong ("February 2026 has 28 days").
- A five-line error (a save refused with a long reason) pushed the keys line below the
  terminal: the error now takes at most three rows and scrolls.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from caseload.store.notes import NotesStore
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.note_editor import NoteEditor

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import NO_INCIDENTS, NOW, make_app

LINES = ("Met with Sam about attendance.", "Agreed to check in on Mondays.",
         "Will call home if absent again.")


async def _open_editor(pilot: Pilot[None], app: CaseloadApp) -> NoteEditor:
    await settle(pilot)
    app.home.select_student(NO_INCIDENTS)
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the note editor")
    await settle(pilot)
    assert isinstance(app.screen, NoteEditor)
    return app.screen


def _shown_error(app: CaseloadApp, editor: NoteEditor) -> str:
    """The error as the screen shows it, its wrapped lines joined."""
    region = editor.query_one("#note-error").region
    lines = screen_lines(app)[region.y:region.bottom]
    return " ".join(line[region.x:region.right].strip() for line in lines)


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("#note-follow-up", "2026-02-30",
         "The follow-up date 2026-02-30 is not a real date: February 2026 has 28 days."),
        ("#note-contact", "2/30",
         "The contact date 2/30 is not a real date: February has at most 29 days."),
        # the longest date message (two lines at 80 columns)
        ("#note-follow-up", "soon",
         "Type the follow-up date as today, yesterday, tomorrow, +3d, +2w, -1d, a weekday "
         "name (the next one), M/D or YYYY-MM-DD, or leave it empty."),
    ],
)
async def test_an_error_keeps_three_lines_of_the_note_in_view_at_80x24(
    engine: Engine, field: str, typed: str, error: str,
) -> None:
    app = make_app(engine, NotesStore(engine, clock=lambda: NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open_editor(pilot, app)
        await pilot.press(*LINES[0], "enter", *LINES[1], "enter", *LINES[2])
        date = editor.query_one(field, Input)
        date.focus()
        date.value = ""
        await pilot.press(*typed)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: editor.error_text, what="the error")
        await settle(pilot)
        assert app.screen is editor
        assert editor.error_text == error
        assert _shown_error(app, editor) == error, "the error is shown whole"
        text = "\n".join(screen_lines(app))
        for line in LINES:
            assert line in text, f"{line!r} went out of view"
        assert editor.query_one("#note-text", TextArea).region.height >= 5  # 3 lines + border
        assert app.focused is date, "the field to fix has the focus"
        help_line = editor.query_one(".dialog-help").region
        assert help_line.bottom <= editor.query_one("#note-editor").region.bottom
        assert "ctrl+s save" in screen_lines(app)[help_line.y]
        # fixing the date and saving clears the error and gives its rows back
        date.value = "2026-11-27"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is not editor, what="the editor closing")


async def test_without_an_error_no_row_is_kept_for_one(engine: Engine) -> None:
    """The empty error line took a row the note's text can use."""
    app = make_app(engine, NotesStore(engine, clock=lambda: NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open_editor(pilot, app)
        assert not editor.query_one("#note-error-box").display
        assert editor.query_one("#note-text", TextArea).region.height >= 5


# five lines at 80 columns: a save refused with a long reason (the store's own words)
LONG_REASON = ("the note could not be stored because the cache refused the write for a reason "
               "this sentence stands in for, and it goes on long enough to take five lines of "
               "the editor at eighty columns, which is more than the rows the editor has to "
               "spare under its fields, so that the line naming the keys would go below the "
               "bottom of the terminal unless the error's rows are bounded; the last words "
               "are these")


async def test_a_long_error_scrolls_and_keeps_the_keys_line_in_view_at_80x24(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A five-line error pushed the keys line ("ctrl+s save · esc close ...") below the
    terminal. The error now takes at most three rows and scrolls (reachable with tab, like
    the student screen's flags); the note's text keeps its three lines."""
    store = NotesStore(engine, clock=lambda: NOW)

    def refused(**_fields: object) -> None:
        raise ValueError(LONG_REASON)

    monkeypatch.setattr(store, "add", refused)
    app = make_app(engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await _open_editor(pilot, app)
        await pilot.press(*LINES[0], "enter", *LINES[1], "enter", *LINES[2])
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: editor.error_text, what="the error")
        await settle(pilot)
        assert editor.error_text == f"Not saved: {LONG_REASON}"
        dialog = editor.query_one("#note-editor").region
        help_line = editor.query_one(".dialog-help").region
        assert help_line.height == 1 and help_line.bottom <= dialog.bottom - 1  # above border
        lines = screen_lines(app)
        assert "ctrl+s save" in lines[help_line.y], "\n".join(lines)
        text = "\n".join(lines)
        for line in LINES:
            assert line in text, f"{line!r} went out of view"
        assert editor.query_one("#note-text", TextArea).region.height >= 5
        box = editor.query_one("#note-error-box")
        assert box.region.height <= 3 and box.max_scroll_y > 0
        assert "Not saved: the note could not be stored" in text  # its start in view
        # the rest is reached by scrolling: tab reaches the box, end shows the last words
        for _ in range(12):  # (the fields, then the box)
            if app.focused is box:
                break
            await pilot.press("tab")
        assert app.focused is box
        await pilot.press("end")
        await settle(pilot)
        shown = " ".join(" ".join(screen_lines(app)).split())
        assert "the last words are these" in shown
        assert "ctrl+s save" in screen_lines(app)[help_line.y]
