"""The "since you last looked" screen (issue 14 §2) with a fake loader: highest risk first,
Enter opens the student, `w` lists the changes since another date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import Worker

from caseload.domain.changes import GradeDrop, StudentChange
from caseload.tui import messages
from caseload.tui.data import DataSource
from caseload.tui.screens.changes import ChangesScreen, change_words

from .conftest import wait_until

AS_OF = dt.date(2026, 11, 20)


def change(sid: str, risk: int, **kw: object) -> StudentChange:
    base: dict[str, object] = dict(student=sid, name=f"Name, {sid}", risk=risk, risk_before=0,
                                   new=(), cleared=(), grade_drops=(), absences=0,
                                   follow_ups_due=0)
    base.update(kw)
    return StudentChange(**base)  # type: ignore[arg-type]


class Host(App[None]):
    """The screen's App: its workers run and fail as the real App's do (``DataSource``)."""

    def __init__(self) -> None:
        super().__init__()
        self.data = DataSource(self, None, None)  # type: ignore[arg-type]  # only run()
        self.calls: list[dt.date] = []
        self.opened: list[str] = []
        self.noted: list[str] = []

    def load(self, since: dt.date) -> list[StudentChange]:
        self.calls.append(since)
        if since < dt.date(2026, 11, 1):
            return [change("stu-9", 12, new=("EARLY",), absences=4)]
        return [change("stu-1", 3, follow_ups_due=1),
                change("stu-2", 9, new=("ABSENCE_STREAK",), cleared=("GRADE_DROP",),
                       grade_drops=(GradeDrop("c1", "Algebra I", 82.5, 69.3),))]

    def on_mount(self) -> None:
        self.push_screen(ChangesScreen(self.load, since=dt.date(2026, 11, 13), as_of=AS_OF,
                                       data=self.data))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.data.worker_state_changed(event)

    def on_open_student(self, message: messages.OpenStudent) -> None:
        self.opened.append(message.student_id)

    def on_write_note(self, message: messages.WriteNote) -> None:
        self.noted.append(message.student_id)


def test_words() -> None:
    c = change("s", 1, new=("ABSENCE_STREAK", "EARLY"), cleared=("GRADE_DROP",), absences=1,
               grade_drops=(GradeDrop("c1", "Algebra I", 82.5, 69.25),), follow_ups_due=2)
    # (69.25 is a tie: rounded half up, as every grade shown)
    assert change_words(c) == ("new STREAK EARLY; cleared DROP; Algebra I 82.5 to 69.3; "
                               "1 absence; 2 follow-ups due")
    assert c.grade_drops[0].to_json() == {"class": "c1", "from": 82.5, "to": 69.3}
    # unknown absences (no attendance known in the window) are said, never left out as none
    assert change_words(change("s", 1, new=("LOW_GRADE",), absences=None)) == (
        "new LOW; absences unknown")


async def loaded(app: App[None], pilot: Pilot[None]) -> tuple[ChangesScreen, DataTable[object]]:
    """The changes screen once its changes are in, and its table."""
    screen = app.screen
    assert isinstance(screen, ChangesScreen)
    await wait_until(pilot, lambda: screen.loaded, what="the changes")
    return screen, screen.query_one("#changes-table", DataTable)


async def test_highest_risk_first_enter_opens_w_picks_a_date() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        screen, table = await loaded(app, pilot)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["9", "3"]
        assert app.calls == [dt.date(2026, 11, 13)]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.opened == ["stu-2"], what="open the student")
        await pilot.press("w")
        await wait_until(pilot, lambda: bool(app.screen.query("#prompt-input")), what="prompt")
        app.screen.query_one("#prompt-input", Input).value = "2026-10-01"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.calls[-1] == dt.date(2026, 10, 1) and screen.loaded,
                         what="the changes since 10/1")
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == "12"


async def test_the_app_opens_on_the_changes_since_it_was_last_opened(
    tmp_path: Path,
) -> None:
    """Over the cache (tests/issue14_school.py): the first opening only remembers the as-of
    date; the next one, a week later, opens on what changed since (the `caseload changes`
    rows); `w` on the caseload opens it again."""
    from caseload.cli import main
    from caseload.config import Config
    from caseload.services.changes import ChangesService
    from caseload.services.context import Workspace
    from caseload.store import last_seen
    from caseload.store.engine import make_engine
    from caseload.store.repository import Repository
    from caseload.tui.app import CaseloadApp
    from tests.issue14_school import write_school

    school = write_school(tmp_path / "school")
    db = tmp_path / "c.db"
    assert main(["--db", str(db), "import", str(school)]) == 0
    engine = make_engine(f"sqlite:///{db}")
    try:
        service = ChangesService(Workspace(engine, Config()))

        def app_at(day: dt.date) -> CaseloadApp:
            return CaseloadApp(Repository(engine), counselor_id="cns-1", as_of=day,
                               changes=service)

        first = app_at(dt.date(2026, 10, 9))
        async with first.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: last_seen.get(engine, "cns-1") is not None,
                             what="the opening remembered")
            assert not isinstance(first.screen, ChangesScreen)
        assert last_seen.get(engine, "cns-1") == dt.date(2026, 10, 9)

        second = app_at(dt.date(2026, 10, 16))
        async with second.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: isinstance(second.screen, ChangesScreen)
                             and second.screen.loaded, what="the changes screen")
            screen = second.screen
            assert isinstance(screen, ChangesScreen) and screen.since == dt.date(2026, 10, 9)
            assert [c.student for c in screen.changes] == ["stu-1", "stu-2"]  # risk 13, 8
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(second.screen, ChangesScreen),
                             what="back to the caseload")
            await pilot.press("w")
            await wait_until(pilot, lambda: isinstance(second.screen, ChangesScreen),
                             what="w opens the changes")
        assert last_seen.get(engine, "cns-1") == dt.date(2026, 10, 16)
    finally:
        engine.dispose()


class MarkupHost(Host):
    def load(self, since: dt.date) -> list[StudentChange]:
        self.calls.append(since)
        return [change(f"stu-{i}", 10 - i, grade_drops=(
            GradeDrop("c1", "[bold]Algebra[/bold] I", 82.5, 69.3),)) for i in range(3)]


async def test_titles_show_as_written_and_the_table_keys_move() -> None:
    """A class title is data: shown as written, never read as markup; j/k/G/g move the
    cursor as in every other table (README's keys)."""
    app = MarkupHost()
    async with app.run_test(size=(100, 30)) as pilot:
        _, table = await loaded(app, pilot)
        cell = table.get_row_at(0)[2]
        assert "[bold]Algebra[/bold] I 82.5 to 69.3" in cell.plain
        assert table.cursor_row == 0
        await pilot.press("j")
        await wait_until(pilot, lambda: table.cursor_row == 1, what="j moves down")
        await pilot.press("G")
        await wait_until(pilot, lambda: table.cursor_row == 2, what="G: the last row")
        await pilot.press("k")
        await wait_until(pilot, lambda: table.cursor_row == 1, what="k moves up")
        await pilot.press("g")
        await wait_until(pilot, lambda: table.cursor_row == 0, what="g: the first row")


async def test_n_writes_a_note_about_the_highlighted_student() -> None:
    """``n`` (and the palette's "Write a note", which calls the same action on this screen)
    is about the highlighted student: it used to fall back to the caseload's selection,
    another child."""
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        _screen, table = await loaded(app, pilot)
        await pilot.press("j")  # the second row: stu-1 (risk 3, after stu-2's 9)
        await pilot.press("n")
        await wait_until(pilot, lambda: bool(app.noted), what="the note request")
        assert app.noted == ["stu-1"] and table.cursor_row == 1


async def test_a_database_error_is_told_in_words_without_its_sql() -> None:
    import sqlite3

    class Failing(Host):
        def load(self, since: dt.date) -> list[StudentChange]:
            raise sqlite3.OperationalError("attempt to write a readonly database")

    app = Failing()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        await wait_until(pilot, lambda: screen.loaded, what="the failure")
        title = str(screen.query_one("#changes-title").render())
        assert "Could not list the changes: the cache is read-only" in title
        assert "OperationalError" not in title


async def test_w_refuses_a_date_outside_the_clis_range() -> None:
    from textual.widgets import Static

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: bool(app.screen.query("#prompt-input")), what="prompt")
        app.screen.query_one("#prompt-input", Input).value = "1899-12-31"
        await pilot.press("enter")
        await pilot.pause()
        shown = str(app.screen.query_one("#prompt-error", Static).render())
        assert shown == ("1899-12-31 is outside the dates caseload works with "
                         "(1900-01-01 to 2100-12-31)"), shown
        assert app.calls == [dt.date(2026, 11, 13)]
