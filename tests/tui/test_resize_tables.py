"""Tables whose columns are sized from the terminal's width are laid out again when it changes
(review): a resize, or a screen coming back on top after a resize under another screen. They
were sized once, when the screen was built: widened, a teacher's comment still sat below the
title in a narrow column; narrowed, text was cut at the terminal's edge.

On the sample school: English 9 of the snapshots' student (Homework 7, missing, has a comment),
that student's guardians (one given a long name and email) and a student with incidents (given
a long description).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, update
from textual.pilot import Pilot
from textual.widgets.data_table import Column

from caseload.domain.notes import NoteType
from caseload.store.notes import NotesStore
from caseload.store.tables import METADATA
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.help import HelpScreen
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.key_table import KeyTable

from .conftest import _tables_pending, screen_lines, settle, wait_until
from .test_audit_s19 import COUNSELOR, NO_INCIDENTS, NOW, WITH_INCIDENTS, make_app, open_changes
from .test_audit_s20 import COMMENT, LONG_EMAIL
from .test_class_short import open_class

LONG_NAME = "Maria Guadalupe Hernandez-Villanueva"
LONG_DESCRIPTION = ("Left the classroom without permission during the fire drill and did not "
                    "return to the assembly point until the all-clear was given by staff.")


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


# --- the student screen -------------------------------------------------------------------------


def long_guardian_and_incident(engine: Engine) -> None:
    g = METADATA.tables["guardians"]
    si = METADATA.tables["student_incidents"]
    di = METADATA.tables["discipline_incidents"]
    with engine.begin() as conn:
        conn.execute(update(g).where(g.c.student_id == NO_INCIDENTS).values(
            given_name="Maria Guadalupe", family_name="Hernandez-Villanueva",
            email=LONG_EMAIL))
        ids = conn.execute(select(si.c.incident_id).where(
            si.c.student_id == WITH_INCIDENTS)).scalars().all()
        conn.execute(update(si).where(si.c.student_id == WITH_INCIDENTS).values(
            description=LONG_DESCRIPTION))
        conn.execute(update(di).where(di.c.sourced_id.in_(ids)).values(
            description=LONG_DESCRIPTION))


def column_text(app: CaseloadApp, first: str, label: str, after: str | None = None) -> str:
    """The text of the column ``label`` of the table whose header holds ``first``, read down
    the column (a wrapped cell goes on below), spaces dropped."""
    lines = screen_lines(app)
    top = next(i for i, line in enumerate(lines) if first in line and label in line)
    header = lines[top]
    start = header.index(label)
    end = header.index(after) if after else None
    return "".join(line[start:end].strip(" ▎▍▌▋▊▉█") for line in lines[top + 1:-1]
                   ).replace(" ", "")


async def open_student(app: CaseloadApp, pilot: Pilot, student_id: str) -> StudentScreen:
    await settle(pilot)
    app.home.select_student(student_id)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
    await settle(pilot)
    assert isinstance(app.screen, StudentScreen)
    return app.screen


async def test_student_tables_are_laid_out_again_when_resized(engine: Engine) -> None:
    long_guardian_and_incident(engine)
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_student(app, pilot, NO_INCIDENTS)
        classes = screen.query_one("#classes", KeyTable)
        await pilot.press("j", "j")
        await settle(pilot)
        key = cursor_key(classes)
        assert "Miss" in classes.columns["missing"].label.plain
        for width, height in ((120, 40), (80, 24)):
            await resize(pilot, width, height)
            assert (classes.columns["last"].label.plain == "Last score") == (width == 120)
            assert cursor_key(classes) == key and classes.has_focus
            fits(app, width)
        # the Guardians tab: the name and the email whole at each width
        await pilot.press("5")
        await settle(pilot)
        guardians = screen.query_one("#guardians", KeyTable)
        for width, height in ((80, 24), (120, 40), (80, 24)):
            await resize(pilot, width, height)
            assert guardians.fitted_width == width and guardians.has_focus
            fits(app, width)
            assert LONG_EMAIL in column_text(app, "Relationship", "Email")
            assert LONG_NAME.replace(" ", "") in column_text(app, "Relationship", "Name",
                                                             "Relationship")
            # wide, the name gets the room it needs (the email what is left): one line
            assert any(LONG_NAME in line for line in screen_lines(app)) == (width == 120)

    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_student(app, pilot, WITH_INCIDENTS)
        await pilot.press("3")
        await settle(pilot)
        incidents = screen.query_one("#incidents", KeyTable)
        await pilot.press("j")
        await settle(pilot)
        key = cursor_key(incidents)
        high: dict[int, int] = {}  # the row's lines, by width: fewer when wider
        for width, height in ((80, 24), (120, 40), (80, 24)):
            await resize(pilot, width, height)
            assert incidents.fitted_width == width
            high.setdefault(width, incidents.rows[incidents.ordered_rows[0].key].height)
            assert incidents.rows[incidents.ordered_rows[0].key].height == high[width]
            assert cursor_key(incidents) == key and incidents.has_focus
            fits(app, width)
            assert LONG_DESCRIPTION.replace(" ", "") in column_text(app, "Date", "Description")
        assert high[120] < high[80]


async def test_a_screen_under_another_is_laid_out_again_when_it_comes_back(
    engine: Engine,
) -> None:
    """A screen two below the top gets no Resize (Textual lays out again only the one right
    under the top): the student screen, under the class screen and the help while the
    terminal widens, lays its classes out for the new width when it is shown again."""
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        student = await open_student(app, pilot, NO_INCIDENTS)
        classes = student.query_one("#classes", KeyTable)
        row = classes.get_row_index("cls-ENG9-01")
        classes.move_cursor(row=row)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClassScreen), what="class")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        await resize(pilot, 160, 40)
        assert classes.fitted_width == 80  # (no Resize under two screens)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is student, what="the student again")
        await resize(pilot, 160, 40)
        assert classes.fitted_width == 160
        assert classes.columns["last"].label.plain == "Last score"
        assert classes.cursor_row == row and classes.has_focus
        fits(app, 160)


# --- since you last looked ----------------------------------------------------------------------


def last_column(table: KeyTable) -> Column:
    return table.ordered_columns[-1]

async def test_the_changes_screen_is_laid_out_again_when_it_comes_back(
    engine: Engine,
) -> None:
    """The changes screen sizes its "what changed" column in ``on_resize`` only (it is no
    ``DetailScreen``: no ``on_screen_resume``). Under the student screen and the help while
    the terminal narrows it gets no Resize, but Textual lays a screen out again when it
    resumes at another size, and that sends the screen a Resize: it comes back laid out for
    80 columns, "1 follow-up due" whole. (Without its ``on_resize`` the longest change is
    cut at the edge: the table scrolls sideways.)"""
    store = NotesStore(engine, clock=lambda: NOW)
    store.add(student_id="stu-00521", author_id=COUNSELOR, type=NoteType.STUDENT_MEETING,
              text="Check in.", contact_date=dt.date(2026, 11, 3),
              follow_up=dt.date(2026, 11, 17))  # the longest change (test_audit_s19)
    app = make_app(engine, store, changes=True)
    async with app.run_test(size=(160, 40)) as pilot:
        changes = await open_changes(pilot, app)
        table = changes.query_one("#changes-table", KeyTable)
        await pilot.press("j")
        await settle(pilot)
        key, row = cursor_key(table), table.cursor_row
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert last_column(table).auto_width  # wide: "what changed" as wide as it is
        await resize(pilot, 80, 24)
        assert last_column(table).auto_width  # (no Resize two below the top)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is changes, what="the changes again")
        await resize(pilot, 80, 24)  # (the same size: settles)
        assert not last_column(table).auto_width  # wrapped in the room the others leave
        assert table.max_scroll_x == 0, "what changed runs past the terminal's edge"
        fits(app, 80)
        assert "1 follow-up due" in " ".join(" ".join(screen_lines(app)).split())
        assert cursor_key(table) == key and table.cursor_row == row and table.has_focus
