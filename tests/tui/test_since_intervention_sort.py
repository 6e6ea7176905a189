"""Issue 14 §3: "The caseload can be sorted by change since the last intervention". ``s``
then ``i`` sorts by each student's latest intervention note's attendance after − before
(points; ``services.effects.intervention_changes``), biggest drop first, unknown figures last
either way; the figures are read once, in a worker, the first time this sort is chosen."""  # noqa: RUF002

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence

from caseload.tui.app import CaseloadApp
from caseload.tui.screens.caseload import SORT_LETTERS, SORTS, change_text, sort_reports
from caseload.tui.screens.sort_picker import SortPicker

from .conftest import screen_lines, screen_text, settle, wait_until
from .fakes import AS_OF, NOW, FakeReader

FIGURES: dict[str, float | None] = {
    "s001": -5.0, "s002": -30.0, "s003": 12.0, "s004": None, "s005": 0.0, "s007": -30.0,
}  # s006: not in the answer (unknown)


class FakeChanges:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dt.date]] = []
        self.gate = threading.Event()

    def __call__(self, student_ids: Sequence[str], as_of: dt.date) -> Mapping[str, float | None]:
        self.calls.append((list(student_ids), as_of))
        self.gate.wait(10)
        return {sid: FIGURES[sid] for sid in student_ids if sid in FIGURES}


def _ids(app: CaseloadApp) -> list[str]:
    return [r.id for r in app.home.view]


def test_the_sort_has_its_own_letter_and_label() -> None:
    assert SORT_LETTERS["since"] == "i"
    assert SORTS["since"].label == "change since last intervention"
    assert [change_text(x) for x in (-12.54, 3.0, 0.0, None)] == [
        "−12.5 pts", "+3.0 pts", "±0.0 pts", "—"]  # noqa: RUF001


async def test_s_i_reads_the_figures_once_in_a_worker_then_sorts_biggest_drop_first() -> None:
    port = FakeChanges()
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      intervention_changes=port)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.home
        triage = _ids(app)
        assert sorted(triage) == ["s001", "s002", "s003", "s004", "s005", "s006", "s007"]
        assert port.calls == []  # the first paint never asks for them
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SortPicker), what="picker")
        assert "i change since last intervention" in screen_text(app)
        await pilot.press("i")
        await wait_until(pilot, lambda: bool(port.calls), what="the worker asked")
        assert port.calls == [(triage, AS_OF)]  # every student of the caseload, in one call
        await wait_until(pilot, lambda: "sorting by change since last intervention (reading…)" in screen_text(app),
                         what="the status line says it is loading")
        port.gate.set()
        await wait_until(pilot, lambda: home.figures is not None, what="figures")
        await settle(pilot)
        assert (home.sort_key, home.sort_reverse) == ("since", False)
        tied = sorted(["s002", "s007"], key=triage.index)  # -30 each: triage order
        unknown = [sid for sid in triage if sid in ("s004", "s006")]  # last either way
        assert _ids(app) == [*tied, "s001", "s005", "s003", *unknown]
        status = next(line for line in screen_lines(app) if "sorted by" in line)
        assert "sorted by change since last intervention" in status
        assert "−30.0 pts" in status  # the highlighted (first) student's figure  # noqa: RUF001
        await pilot.press("down", "down")  # s001
        await settle(pilot)
        assert "−5.0 pts" in screen_text(app)  # noqa: RUF001
        await pilot.press("s", "i")  # the same letter again: biggest gain first
        await settle(pilot)
        assert (home.sort_key, home.sort_reverse) == ("since", True)
        assert _ids(app) == ["s003", "s005", "s001", *tied, *unknown]
        assert "sorted by change since last intervention (reversed)" in screen_text(app)
        await pilot.press("S")
        await settle(pilot)
        assert _ids(app) == [*tied, "s001", "s005", "s003", *unknown]
        await pilot.press("s", "t", "s", "i")  # read once per caseload and date
        await settle(pilot)
        assert len(port.calls) == 1
        assert _ids(app) == [*tied, "s001", "s005", "s003", *unknown]


async def test_without_the_figures_the_sort_says_so_and_keeps_the_order() -> None:
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "n")
        await settle(pilot)
        by_name = _ids(app)
        await pilot.press("s", "i")
        await settle(pilot)
        assert (app.home.sort_key, app.home.sort_reverse) == ("name", False)
        assert _ids(app) == by_name
        assert any("not available" in str(n.message) for n in app._notifications)


def test_sort_reports_puts_unknown_figures_last_either_way() -> None:
    from caseload.domain.report import CaseloadRow

    from .fakes import FakeReader as Reader

    rows = [CaseloadRow.from_report(r) for r in Reader().caseload("c-rivera", AS_OF)]
    ids = [r.id for r in rows]
    for reverse in (False, True):
        got = [r.id for r in sort_reports(rows, "since", reverse, FIGURES)]
        assert got[-2:] == [i for i in ids if i in ("s004", "s006")]
    # not read yet: every figure unknown, triage order
    assert [r.id for r in sort_reports(rows, "since", False, None)] == ids


def test_sort_reports_puts_too_early_after_every_measured_change_either_way() -> None:
    """Usability review s22, item 3: a note written today ("too early to tell", fewer than
    MIN_DAYS_AFTER school days after it) is no change: never first, never the biggest drop;
    after the measured changes and before the unknown ones, in either direction."""
    from caseload.domain.effects import TooEarly
    from caseload.domain.report import CaseloadRow

    from .fakes import FakeReader as Reader

    rows = [CaseloadRow.from_report(r) for r in Reader().caseload("c-rivera", AS_OF)]
    ids = [r.id for r in rows]
    figures = {**FIGURES, "s002": TooEarly(1), "s005": TooEarly(0)}
    early = [i for i in ids if i in ("s002", "s005")]
    unknown = [i for i in ids if i in ("s004", "s006")]
    assert [r.id for r in sort_reports(rows, "since", False, figures)] == [
        "s007", "s001", "s003", *early, *unknown]
    assert [r.id for r in sort_reports(rows, "since", True, figures)] == [
        "s003", "s001", "s007", *early, *unknown]
    assert change_text(TooEarly(1)) == "too early to tell (1 school day after)"
    assert change_text(TooEarly(1), short=True) == "too early"
