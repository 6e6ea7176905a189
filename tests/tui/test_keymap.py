"""``[keymap]`` in the config rebinds keys by binding id (Textual's keymap), end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from caseload.config import ConfigError, load_config
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.help import HelpScreen

from .conftest import screen_text, settle
from .fakes import AS_OF, NOW, FakeReader


def test_keymap_ids_quoted_or_bare(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"caseload.filter" = "ctrl+f"\napp.quit = " ctrl+q "\n',
                    encoding="utf-8")
    assert load_config(str(path)).keymap == {"caseload.filter": "ctrl+f", "app.quit": "ctrl+q"}
    path.write_text('[keymap]\n"app.quit" = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[keymap\] app.quit"):
        load_config(str(path))


async def test_remapped_keys_work_and_the_old_ones_stop(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\ncaseload.filter = "ctrl+f"\n"app.help" = "h"\n',
                    encoding="utf-8")
    keymap = load_config(str(path)).keymap
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      keymap=keymap)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        filter_box = app.home.query_one("#filter", Input)
        await pilot.press("slash")  # the old key: nothing
        await pilot.pause()
        assert not filter_box.has_focus
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert filter_box.has_focus
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "^f" in screen_text(app) or "ctrl+f" in screen_text(app)


def test_every_binding_id_is_documented() -> None:
    """docs/CONFIG.md's keymap table lists every binding id a user can rebind: one added
    without its row cannot be found by a counselor writing ``[keymap]``."""
    import importlib
    import pkgutil

    from textual.binding import Binding

    import caseload.tui
    from tests.paths import REPO

    ids: set[str] = set()
    for info in pkgutil.walk_packages(caseload.tui.__path__, "caseload.tui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                ids.update(b.id for b in value.__dict__.get("BINDINGS", ())
                           if isinstance(b, Binding) and b.id)
    assert len(ids) > 50
    doc = (REPO / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    assert sorted(i for i in ids if f"`{i}`" not in doc) == []
