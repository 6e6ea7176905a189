"""Fixtures for the TUI tests: a fake reader, an app factory, and helpers to read the screen."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerFailed

from caseload.tui.app import AppActions, CaseloadApp

from .fakes import AS_OF, NOW, FakeReader


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
def make_app(reader: FakeReader) -> Callable[..., CaseloadApp]:
    def make(
        counselor_id: str | None = "c-rivera", *, as_of: dt.date = AS_OF,
        actions: AppActions | None = None, theme: str | None = None,
        source: FakeReader | None = None,
    ) -> CaseloadApp:
        return CaseloadApp(source or reader, counselor_id=counselor_id, as_of=as_of,
                           actions=actions, now=lambda: NOW, theme=theme)

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
