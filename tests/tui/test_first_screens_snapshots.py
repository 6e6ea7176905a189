"""80x24 snapshots (both themes) of the two screens the app can open on by itself: "since you
last looked" (issue 14 §2) and the first run's "who are you?" picker (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import DataTable

from caseload.store.notes import NotesStore
from caseload.tui.screens.changes import ChangesScreen
from caseload.tui.screens.me_picker import MePicker

from .conftest import THEMES, screen_text, settle, snapshot, wait_until
from .test_changes_screen import Host
from .test_notes_workflow import _first_run_app, notes_engine, store

__all__ = ["notes_engine", "store"]  # the fixtures, imported for pytest


@pytest.mark.parametrize("theme", list(THEMES))
def test_changes_screen_80x24_snapshot(snap_compare, theme: str) -> None:  # type: ignore[no-untyped-def]
    app = Host()

    async def run(pilot: Pilot) -> None:
        pilot.app.theme = THEMES[theme]
        screen = pilot.app.screen
        assert isinstance(screen, ChangesScreen)
        await wait_until(pilot, lambda: screen.loaded, what="the changes")
        for table in screen.query(DataTable):  # draw the header at the widths the rows gave
            table.refresh(layout=True)
        await settle(pilot)

    assert snapshot(snap_compare, app, "80x24", run)


@pytest.mark.parametrize("theme", list(THEMES))
def test_me_picker_80x24_snapshot(snap_compare, notes_engine: Engine, store: NotesStore,  # type: ignore[no-untyped-def]
                                  theme: str) -> None:
    # a fixed path (the picker names where it saves; nothing is picked, so nothing is written)
    config = Path("/home/counselor/.config/caseload/config.toml")
    app = _first_run_app(notes_engine, store, config, theme=THEMES[theme])

    async def run(pilot: Pilot) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, MePicker), what="picker")
        await wait_until(pilot, lambda: "Who are you?" in screen_text(app), what="drawn")

    assert snapshot(snap_compare, app, "80x24", run)
