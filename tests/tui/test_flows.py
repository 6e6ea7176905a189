"""Pilot flows through the TUI over the fake reader."""

from __future__ import annotations

import datetime as dt
import threading

from rich.style import Style
from textual.command import CommandPalette
from textual.widgets import Input, OptionList, SelectionList, Static, TabbedContent

from caseload.domain.report import FlagCode
from caseload.tui.app import AppActions
from caseload.tui.screens.caseload import CaseloadScreen
from caseload.tui.screens.help import HelpScreen
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.modals import CounselorPicker, FlagFilterModal, PromptModal
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.calendar import AttendanceCalendar
from caseload.tui.widgets.virtual_table import VirtualTable

from .conftest import screen_lines, screen_text, settle, wait_for_hit, wait_until
from .fakes import ANSI_NAME, AS_OF, LINK_NAME, MARKUP_NAME, FakeReader

SIZE = (120, 40)


async def choose_first(pilot) -> None:
    """Run the palette's best hit (Enter highlights the first hit if none is yet)."""
    for _ in range(2):
        if not isinstance(pilot.app.screen, CommandPalette):
            return
        await pilot.press("enter")
        await settle(pilot)


def names(app) -> list[str]:
    return [r.name for r in app.home.view]


async def test_caseload_in_triage_order_with_header(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert names(app)[:2] == ["Baker, Jordan", "Abbott, Maya"]
        assert len(app.home.view) == 7
        text = screen_text(app)
        assert "Caseload: Rivera, Ana" in text
        assert "as of 2026-01-15" in text
        assert "grades synced 2 h ago" in text
        assert "CHRONIC" in text and "FAIL3W" in text  # flags readable as text
        assert app.focused is app.home.table


async def test_filter_by_name_and_id(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"abb")
        assert names(app) == ["Abbott, Maya"]
        app.query_one("#filter", Input).value = "s005"
        await pilot.pause()
        assert names(app) == ["Evans, Priya"]
        app.query_one("#filter", Input).value = "l003"  # local id, case-insensitive
        await pilot.pause()
        assert names(app) == [MARKUP_NAME]
        await pilot.press("escape")  # leave the box, keep the filter
        assert app.focused is app.home.table
        assert len(app.home.view) == 1
        await pilot.press("escape")  # clear it
        await pilot.pause()
        assert len(app.home.view) == 7
        app.query_one("#filter", Input).value = "zzz"
        await pilot.pause()
        assert app.home.view == []
        assert "No students match" in screen_text(app)


async def test_sort_letters_reverses_and_header_click(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "r")  # risk
        await settle(pilot)
        assert app.home.sort_key == "risk"
        await pilot.press("s", "n")  # name
        await settle(pilot)
        assert app.home.sort_key == "name"
        assert names(app) == sorted(names(app), key=str.casefold)
        await pilot.press("S")
        assert names(app)[0] == "Garcia, Sofia"
        assert "sorted by name (reversed)" in screen_text(app)
        # click the Att% header: lowest attendance first
        table = app.home.table
        x = 1 + sum(w + 1 for w in table.column_widths(table.scrollable_content_region.width)[:3])
        await pilot.click(VirtualTable, offset=(x + 1, 0))
        assert app.home.sort_key == "att"
        rates = [r.attendance_rate for r in app.home.view]
        assert rates == sorted(rates)
        await pilot.click(VirtualTable, offset=(x + 1, 0))
        assert app.home.sort_reverse is True
        # back to triage order
        await pilot.press("s", "t")
        await settle(pilot)
        assert names(app)[:2] == ["Baker, Jordan", "Abbott, Maya"]


async def test_cursor_keys_and_selection_survive_sort(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        assert app.home.selected_student_id == "s003"
        await pilot.press("k")
        assert app.home.selected_student_id == "s001"
        await pilot.press("s", "n")  # by name: the cursor stays on the same student
        await settle(pilot)
        assert app.home.selected_student_id == "s001"
        await pilot.press("G")
        assert app.home.table.cursor_row == 6
        await pilot.press("g")
        assert app.home.table.cursor_row == 0


async def test_drill_into_student_and_class_and_back(make_app, reader):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StudentScreen)
        assert screen.student_id == "s001"
        text = screen_text(app)
        assert "Abbott, Maya" in text
        assert "Below 60% in Algebra I for 3 straight weeks" in text
        assert "Algebra I" in text and "Smith, John" in text
        await pilot.press("enter")  # first class
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
        text = screen_text(app)
        assert "weighted: Tests 50%, Homework 30%, Classwork 20%" in text
        assert "What if" in text and "Classwork 1" in text
        assert "missing" in text
        assert ("class_detail", "s001", "alg1", AS_OF) in reader.calls
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        await pilot.press("j", "enter")  # second class, then back with backspace
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
        assert app.screen.class_id == "eng9"
        await pilot.press("backspace")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        await pilot.press("backspace")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        await pilot.press("escape")  # nothing to go back to: stays
        assert isinstance(app.screen, CaseloadScreen)


async def test_student_tabs(make_app):
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s006")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StudentScreen)
        await pilot.press("2")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "tab-attendance"
        assert screen.query_one(AttendanceCalendar)
        text = screen_text(app)
        assert "Sep 2025" in text and "Jan 2026" in text
        assert "Attendance rate" in text and "days left" in text
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "Refused to stop [bold]yelling[/bold] in class" in text
        assert "Pushing in the hallway\u241b[2J" in text
        await pilot.press("4")
        await pilot.pause()
        assert "No notes yet" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        app.open_student("s001")
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert "No incidents recorded" in screen_text(app)


async def test_command_palette_jumps_to_student(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Garcia")
        await wait_for_hit(pilot, "Garcia")
        await choose_first(pilot)
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert app.screen.student_id == "s007"
        assert app.home.selected_student_id == "s007"


async def test_command_palette_opens_student_by_unknown_id(make_app, reader):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await app.jump_to_student("s011")  # not on this caseload; the palette's id fallback
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert "Kowalski, Emma" in screen_text(app)
        await app.jump_to_student("nope")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)  # nothing to open: stay, and say so
        assert any("not found: nope" in n.message for n in app._notifications)


async def test_slow_reader_shows_loading_screen_first(make_app):
    reader = FakeReader()
    reader.student_gate = threading.Event()  # the answer waits until the test releases it
    app = make_app(source=reader)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s001")
        for _ in range(2000):  # shown after SLOW_OPEN, while the answer is held back
            if isinstance(app.screen, StudentScreen):
                break
            await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, StudentScreen)
        assert app.screen.detail is None
        assert "Loading" in screen_text(app)
        reader.student_gate.set()
        await settle(pilot)
        assert app.screen.detail is not None
        assert "Abbott, Maya" in screen_text(app)


async def test_quitting_as_a_slow_student_screen_fills_in_ends_cleanly(make_app):
    """The counselor quits just as the student's data arrives: the screen is recomposing while
    the app removes it. Textual's tabs and header then ran their mount handlers after their
    children were gone (ValueError: no tab with id ...; NoMatches: HeaderTitle) and the app
    ended on a traceback (caseload.tui.textual_fixes)."""
    reader = FakeReader()
    reader.student_gate = threading.Event()
    app = make_app(source=reader)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        reader.student_gate.set()
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen),
                         what="the student screen")
    # leaving the block shut the app down; an error in a handler would be raised here
    assert app.return_code in (None, 0)


async def test_missing_student_after_slow_open_shows_error(make_app):
    app = make_app(source=FakeReader(delay=0.3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("nope")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen),
                         what="the student screen")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert "No student with id nope" in screen_text(app)


async def test_help_lists_keys_of_current_screen(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {i for row in app.screen.rows for i in row.binding_ids}
        assert {"caseload.filter", "caseload.flags", "caseload.sort", "caseload.counselor",
                "app.quit", "app.help", "table.down"} <= ids
        text = screen_text(app)
        assert "Filter students by name or id" in text
        assert "↓ / j" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        app.open_student("s001")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        ids = {i for row in app.screen.rows for i in row.binding_ids}
        assert "nav.back" in ids and "student.tab_attendance" in ids
        assert "caseload.filter" not in ids
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, StudentScreen)


async def test_every_binding_has_id_and_tooltip():
    from caseload.tui.app import CaseloadApp
    from caseload.tui.screens.klass import ClassScreen as Klass
    from caseload.tui.widgets.key_table import KeyTable, OpenableTable

    for owner in (CaseloadApp, CaseloadScreen, StudentScreen, Klass, HelpScreen, VirtualTable,
                  KeyTable, OpenableTable, PromptModal, FlagFilterModal, CounselorPicker):
        for binding in owner.BINDINGS:
            assert binding.id, (owner, binding)
            assert binding.tooltip, (owner, binding)


async def test_counselor_switch_and_all_students(make_app, reader):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CounselorPicker)
        option_list = app.screen.query_one(OptionList)
        option_list.highlighted = option_list.get_option_index("c:c-okafor")
        await pilot.press("enter")
        await settle(pilot)
        assert app.counselor_id == "c-okafor"
        assert "Caseload: Okafor, James" in screen_text(app)
        assert {r.id for r in app.home.view} == {"s006", *(f"s{i:03d}" for i in range(8, 13))}
        await pilot.press("c")
        await pilot.pause()
        option_list = app.screen.query_one(OptionList)
        option_list.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert app.counselor_id is None
        assert len(app.home.view) == 12
        assert "Caseload: All students" in screen_text(app)
        assert ("caseload", None, AS_OF) in reader.calls


async def test_flag_filter(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FlagFilterModal)
        selection = app.screen.query_one(SelectionList)
        selection.select(FlagCode.LOW_GRADE)
        selection.select(FlagCode.BEHAVIOR)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        assert app.home.flag_filter == {FlagCode.LOW_GRADE, FlagCode.BEHAVIOR}
        assert {r.id for r in app.home.view} == {"s001", "s003", "s006"}
        assert "flags BEHAV LOW" in screen_text(app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("x", "a")  # clear and apply
        await pilot.pause()
        assert len(app.home.view) == 7


async def test_flag_filter_enter_applies_what_space_checked(make_app):
    """Enter applies, as in the other dialogs: the list's own Enter toggled the box, so
    the flag just checked was unchecked again and the dialog stayed open (review s22)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: isinstance(app.screen, FlagFilterModal),
                         what="the flag filter")
        assert "space: check/uncheck  enter: apply" in screen_text(app)  # the keys, said
        boxes = app.screen.query_one(SelectionList)
        assert app.focused is boxes
        await pilot.press("down", "space")  # the second flag (LOW)
        checked = list(boxes.selected)
        assert checked == [list(FlagCode)[1]]
        await pilot.press("space", "space")  # space unchecks and checks again
        assert list(boxes.selected) == checked
        await pilot.press("enter")  # applies: it unchecked the box and left the dialog open
        await wait_until(pilot, lambda: isinstance(app.screen, CaseloadScreen),
                         what="the filter applied")
        assert app.home.flag_filter == set(checked)


async def test_data_is_shown_literally(make_app):
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert MARKUP_NAME in text
        assert LINK_NAME in text
        assert "Diaz\u241b[31m, Luis" in text
        assert "\x1b" not in text
        # the markup name is not bold and the link name is not a link
        strips = app.screen._compositor.render_strips()
        for strip in strips:
            for segment in strip:
                if "Castillo" in segment.text:
                    assert "[bold]" in segment.text
                    assert not (segment.style or Style()).bold
                if "Lee[/link]" in segment.text:
                    assert not (segment.style or Style()).link
        svg = app.export_screenshot()
        assert "\x1b" not in svg
        # and on the student screen (title, header, name)
        app.open_student("s004")
        await settle(pilot)
        text = screen_text(app)
        assert "Diaz\u241b[31m, Luis" in text
        assert "\x1b" not in text
        assert app.screen.title == "Diaz\u241b[31m, Luis"
        await pilot.press("escape")
        await settle(pilot)
        app.open_student("s003")
        await settle(pilot)
        text = screen_text(app)
        assert MARKUP_NAME in text
        assert "Algebra I is 66.0% [below 70%]" in text
        app.open_class("s003", "alg1")
        await settle(pilot)
        assert "[red]Unit 1[/red] review" in screen_text(app)


async def test_ansi_name_in_palette_is_literal(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Diaz")
        await wait_for_hit(pilot, "Diaz")
        text = screen_text(app)
        assert "Diaz\u241b[31m, Luis" in text
        assert "\x1b" not in text
        assert ANSI_NAME not in text


async def test_worker_errors_notify_and_do_not_crash(make_app):
    app = make_app(source=FakeReader(fail={"caseload"}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert app.is_running
        assert any("caseload exploded" in n.message for n in app._notifications)
        assert "Could not load the caseload" in screen_text(app)


async def test_change_as_of_reloads(make_app, reader):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s001")
        await settle(pilot)
        app.action_change_as_of()
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        field = app.screen.query_one(Input)
        field.value = "not a date"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        assert "YYYY-MM-DD" in screen_text(app)
        field.value = "2025-12-01"
        await pilot.press("enter")
        await settle(pilot)
        assert app.as_of == dt.date(2025, 12, 1)
        assert ("caseload", "c-rivera", dt.date(2025, 12, 1)) in reader.calls
        assert ("student", "s001", dt.date(2025, 12, 1)) in reader.calls
        assert "as of 2025-12-01" in screen_text(app)


async def test_the_as_of_prompt_refuses_a_date_outside_the_clis_range(make_app, reader):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.as_of
        app.action_change_as_of()
        await pilot.pause()
        field = app.screen.query_one(Input)
        for typed in ("2101-01-01", "1899-12-31"):
            field.value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, PromptModal)
            shown = str(app.screen.query_one("#prompt-error", Static).render())
            assert shown == (f"The as-of date {typed} is outside the dates caseload works "
                             "with (1900-01-01 to 2100-12-31)."), shown
        assert app.as_of == before


async def test_import_and_sync_actions(make_app, reader):
    seen: list[str] = []

    def run_import(path: str) -> str:
        seen.append(path)
        return f"imported 12 students from {path}"

    app = make_app(actions=AppActions(run_import=run_import, run_sync=None))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        before = sum(1 for c in reader.calls if c[0] == "caseload")
        app.action_run_import()
        await pilot.pause()
        app.screen.query_one(Input).value = "/data/[bold]x"
        await pilot.press("enter")
        await settle(pilot)
        assert seen == ["/data/[bold]x"]
        assert any("imported 12 students from /data/[bold]x" in n.message
                   for n in app._notifications)
        assert sum(1 for c in reader.calls if c[0] == "caseload") == before + 1
        app.action_run_sync()
        await pilot.pause()
        assert any("Sync is not available" in n.message for n in app._notifications)


async def test_theme_toggle(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_theme.dark
        await pilot.press("t")
        await pilot.pause()
        assert not app.current_theme.dark
        await pilot.press("t")
        assert app.current_theme.dark


async def test_layout_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Baker, Jordan" in text and "Garcia, Sofia" in text
        assert all(len(line) <= 80 for line in screen_lines(app))
        app.open_student("s002")
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        text = screen_text(app)
        assert "Jan 2026" in text


async def test_palette_is_screen_aware(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s001")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"open class bio")
        await wait_for_hit(pilot, "Open class: Biology")
        assert "Open class: Biology" in screen_text(app)
        await choose_first(pilot)
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
        assert app.screen.class_id == "bio"


async def test_palette_lists_counselors_and_actions(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        async def shows(*titles: str) -> str:
            for _ in range(100):  # the palette's commands arrive asynchronously: wait for them
                await pilot.pause(0.05)
                text = screen_text(app)
                if all(title in text for title in titles):
                    break
            return text

        titles = ("Change as-of date", "Show all students", "Switch counselor: Okafor, James",
                  "Run import", "Run sync")
        text = await shows(*titles)
        for title in titles:
            assert title in text, title
        # more commands than the list shows at once: find the last one by typing
        await pilot.press(*"dark theme")
        assert "Toggle light / dark theme" in await shows("Toggle light / dark theme")
        await pilot.press(*["backspace"] * len("dark theme"))
        await pilot.press(*"okafor")
        await wait_for_hit(pilot, "Okafor")
        await choose_first(pilot)
        await settle(pilot)
        assert app.counselor_id == "c-okafor"


async def test_class_screen_scrolls_with_cursor_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_student("s001")
        await settle(pilot)
        app.open_class("s001", "alg1")
        await settle(pilot)
        for _ in range(11):
            await pilot.press("j")
        await settle(pilot)
        assert "Tests 4" in screen_text(app)
        assert "not yet due" in screen_text(app)


async def test_theme_change_redraws_data_colours(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s001")
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()

        def unexcused_colour():
            for strip in app.screen._compositor.render_strips():
                for segment in strip:
                    if segment.text == "U" and segment.style and segment.style.color:
                        return segment.style.color
            return None

        dark = unexcused_colour()
        await pilot.press("t")
        await settle(pilot)
        light = unexcused_colour()
        assert dark is not None and light is not None and dark != light
        assert app.screen.query_one(TabbedContent).active == "tab-attendance"


async def test_a_slow_caseload_says_why_in_the_status_line(make_app):
    reader = FakeReader(delay=1.6)
    app = make_app(source=reader)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(150):
            await pilot.pause(0.02)
            if app.home.waiting:
                break
        await pilot.pause()
        assert app.home.table.loading
        assert "Ranking the students as of" in screen_text(app)
        await settle(pilot)
        assert not app.home.waiting
        assert "Ranking the students" not in screen_text(app)
        assert "7 students" in screen_text(app)
