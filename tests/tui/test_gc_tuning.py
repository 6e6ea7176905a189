"""The app keeps the garbage collector's full passes out of a drill-down (issue 13: 150 ms or
less at 75,000 students) when it owns its process (``tune_gc``, as ``run_app`` makes it). The
collector is off from a drill-down's request until its screen has painted. What lives as long
as the app (start-up's modules and screens, every student's names) is frozen out of the
passes; a closed student or class screen is freed once the caseload below has painted;
the app's exit thaws what it froze (the test process's frozen objects too: tests/conftest.py
freezes what exists after collection; the fixture here freezes it again)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from caseload.tui.screens.student import StudentScreen

from .conftest import AS_OF, settle, wait_until

SIZE = (100, 32)


@pytest.fixture
def no_automatic_passes() -> Iterator[list[int]]:
    """The collector on, but no pass of its own: the full passes recorded are the app's."""
    full: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(info["collected"])

    threshold = gc.get_threshold()
    gc.set_threshold(10**9, 10**9, 10**9)
    gc.callbacks.append(note)
    try:
        yield full
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*threshold)


def frozen(obj: object) -> bool:
    """Tracked by the collector, but in none of its generations: in the permanent one."""
    return gc.is_tracked(obj) and all(o is not obj for o in gc.get_objects())


@pytest.fixture
def nothing_frozen() -> Iterator[None]:
    """The test process's frozen objects thawed for the test (frozen again after), and the
    collector on after it whatever the test left."""
    had = gc.get_freeze_count() > 0
    gc.unfreeze()
    yield
    gc.enable()
    gc.unfreeze()
    if had:
        gc.collect()
        gc.freeze()


def test_run_app_tunes_the_collector(monkeypatch):
    from caseload.tui import app as app_module

    made: list[bool] = []
    monkeypatch.setattr(app_module.CaseloadApp, "run",
                        lambda self, *a, **k: made.append(self.tune_gc))
    app_module.run_app(object(), counselor_id=None, as_of=AS_OF)  # type: ignore[arg-type]
    assert made == [True]


async def test_start_up_and_the_names_are_frozen_and_thawed_on_exit(make_app, nothing_frozen):
    app = make_app(tune_gc=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="start-up frozen")
        assert frozen(app.home)
        directory = await app.student_directory()
        assert directory
        await settle(pilot)
        assert all(frozen(entry) for entry in directory)
    assert gc.get_freeze_count() == 0  # the exit thawed it all


async def test_without_tune_gc_nothing_is_frozen(make_app, nothing_frozen):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.student_directory()
        await settle(pilot)
    assert gc.get_freeze_count() == 0


async def test_a_closed_student_screen_is_freed_after_the_caseload_paints(
    make_app, no_automatic_passes, nothing_frozen
):
    app = make_app(tune_gc=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0, what="start-up frozen")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        no_automatic_passes.clear()
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, what="back home")
        await wait_until(pilot, lambda: no_automatic_passes, what="a full pass")
        assert no_automatic_passes[0] > 0  # the student screen's cycles, freed


async def test_the_collector_is_off_from_a_drill_down_request_to_its_paint(
    make_app, reader, nothing_frozen, monkeypatch
):
    from caseload import _runtime

    calls: list[str] = []
    for name in ("pause_gc", "resume_gc"):
        real = getattr(_runtime, name)
        monkeypatch.setattr(_runtime, name,
                            lambda real=real, name=name: (calls.append(name), real())[1])
    app = make_app(tune_gc=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reader.student_gate = threading.Event()
        await pilot.press("enter")
        assert not gc.isenabled()  # the student is being read
        reader.student_gate.set()
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await wait_until(pilot, gc.isenabled, what="the collector back on after the paint")
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1, what="back home")
        calls.clear()
        reader.fail.add("student")  # a read that fails turns it back on too
        await pilot.press("enter")
        await wait_until(pilot, lambda: calls == ["pause_gc", "resume_gc"],
                         what="paused, then on again after the failure")
        assert gc.isenabled()


async def test_without_tune_gc_a_drill_down_leaves_the_collector_alone(
    make_app, reader, nothing_frozen
):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        reader.student_gate = threading.Event()
        await pilot.press("enter")
        assert gc.isenabled()
        reader.student_gate.set()
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen)
                         and app.screen.detail is not None, what="student")
        await settle(pilot)
