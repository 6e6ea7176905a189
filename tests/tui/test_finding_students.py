"""Finding students (issue 12): the palette reaches every student of the cache, ranked, with
their counselor on the line; the ``/`` filter folds accents and reads legal and preferred
names; an active flag filter says how many students of a name search it hides; the student
screen shows the legal name beside a preferred one."""

from __future__ import annotations

from dataclasses import replace

from textual.command import CommandList, CommandPalette

from caseload.domain.records import Role, User
from caseload.domain.report import FlagCode
from caseload.tui.screens.caseload import CaseloadScreen
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_text, settle
from .fakes import AS_OF, FakeReader

SIZE = (120, 40)


def _jose() -> FakeReader:
    """The fake school plus José Baptiste (Okafor's, not on Rivera's caseload)."""
    base = FakeReader()
    template = base._find("s007", AS_OF)  # Garcia, Sofia: no flags
    jose = replace(template, id="s100", name="Baptiste, José", counselor_ids=("c-okafor",),
                   local_id="L100")
    return FakeReader(extra_reports=[jose])


async def _hits(pilot, *, until: str, students: int = 1) -> list[str]:
    """The palette's lines once one contains ``until`` and ``students`` student lines are
    there (hits arrive asynchronously)."""
    lines: list[str] = []
    for _ in range(100):
        await pilot.pause(0.05)
        palette = pilot.app.screen
        if isinstance(palette, CommandPalette):
            options = palette.query_one(CommandList).options
            lines = [str(getattr(o, "hit", None) and o.hit.text) for o in options]
            if (any(until in line for line in lines)
                    and sum(line.startswith("Student:") for line in lines) >= students):
                break
    return lines


async def test_palette_reaches_every_student_with_their_counselor(make_app):
    reader = _jose()
    app = make_app("c-rivera", source=reader)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "s100" not in {r.id for r in app.home.reports}  # not on the caseload shown
        await pilot.press("ctrl+p")
        await pilot.press(*"jose baptiste")
        hits = await _hits(pilot, until="Baptiste")
        student_hits = [h for h in hits if h.startswith("Student:")]
        assert student_hits[0] == "Student: Baptiste, José (s100) · Okafor, James"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert app.screen.student_id == "s100"


async def test_palette_folds_accents_takes_either_order_and_ranks(make_app):
    reader = _jose()
    app = make_app("c-rivera", source=reader)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"BAPTISTE, jose")
        hits = await _hits(pilot, until="Baptiste")
        assert next(h for h in hits if h.startswith("Student:")).startswith(
            "Student: Baptiste, José (s100)")
        # "s00" is inside every id but s100's: substring matches, by name
        await pilot.press(*["backspace"] * len("BAPTISTE, jose"))
        await pilot.press(*"s00")
        hits = await _hits(pilot, until="s012", students=9)
        students = [h for h in hits if h.startswith("Student:")]
        assert len(students) == 9 and not any("s100" in s for s in students)
        assert "Student: Abbott, Maya (s001) · Rivera, Ana" in students
        assert "Student: Fischer, Noah (s006) · Okafor, James; Rivera, Ana" in students
        # an exact id: that student only
        await pilot.press(*["backspace"] * 3, *"s010")
        hits = await _hits(pilot, until="s010")
        assert [h for h in hits if h.startswith("Student:")] == [
            "Student: Johnson, Tyler (s010) · Okafor, James"]
        # a name that starts with the text before names that only contain it: "an" starts
        # Ana and is inside Jordan, Evans and Huang
        await pilot.press(*["backspace"] * 4, *"an")
        hits = await _hits(pilot, until="Huang", students=4)
        students = [h for h in hits if h.startswith("Student:")]
        assert students == [
            "Student: [bold]Castillo[/bold], Ana (s003) · Rivera, Ana",
            "Student: Baker, Jordan (s002) · Rivera, Ana",
            "Student: Evans, Priya (s005) · Rivera, Ana",
            "Student: Huang, Kevin (s008) · Okafor, James",
        ]


async def test_slash_filter_folds_accents_and_reads_preferred_and_legal_names(make_app):
    reader = _jose()
    # Garcia, Sofia goes by Sofia; her legal given name is "Sofía Maria"
    reader.users["s007"] = User("s007", Role.STUDENT, "Sofía Maria", "Garcia",
                                identifier="L007", preferred_given_name="Sofia")
    app = make_app(None, source=reader)  # all students
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"jose")
        await settle(pilot)
        assert [r.id for r in app.home.view] == ["s100"]
        await pilot.press(*["backspace"] * 4, *"baptiste, JOSÉ")
        await settle(pilot)
        assert [r.id for r in app.home.view] == ["s100"]
        await pilot.press(*["backspace"] * len("baptiste, JOSÉ"), *"maria garcia")
        await settle(pilot)
        assert [r.id for r in app.home.view] == ["s007"]  # the legal name finds her too
        await pilot.press(*["backspace"] * len("maria garcia"), *"L007")
        await settle(pilot)
        assert [r.id for r in app.home.view] == ["s007"]
        await pilot.press("escape", "escape")
        await settle(pilot)
        app.open_student("s007")
        await settle(pilot)
        text = screen_text(app)
        assert "Garcia, Sofia (legal name: Garcia, Sofía Maria)" in text


async def test_flag_filter_says_how_many_of_a_name_search_it_hides(make_app):
    app = make_app("c-rivera")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.home
        assert isinstance(home, CaseloadScreen)
        home.flag_filter = frozenset({FlagCode.TRUANCY})  # only Baker, Jordan has it
        home.apply_filters()
        await settle(pilot)
        text = screen_text(app)
        assert "flags TRUANT" in text and "6 hidden by filters" in text
        await pilot.press("slash", *"abbott")
        await settle(pilot)
        assert home.view == []
        text = screen_text(app)
        assert "filter 'abbott'" in text and "1 hidden by filters" in text
        assert "No students match · 1 hidden by the flag filter" in text
        await pilot.press("escape", "escape")  # leave the box, clear the text
        await settle(pilot)
        await pilot.press("escape")  # then the flag filter
        await settle(pilot)
        assert "hidden by filters" not in screen_text(app)
        assert len(home.view) == 7


async def test_palette_falls_back_to_the_caseload_when_the_directory_fails(make_app):
    reader = FakeReader(fail={"student_directory"})
    app = make_app("c-rivera", source=reader)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"garcia")
        hits = await _hits(pilot, until="Garcia")
        assert "Student: Garcia, Sofia (s007)" in hits  # no counselor known without it
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", *"abbott")
        await settle(pilot)
        assert [r.id for r in app.home.view] == ["s001"]
