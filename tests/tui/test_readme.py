"""README's key table and screenshot match the app (issue 12: "README's key table and
screenshots match the app").

Every key the caseload screen and the App bind (with an id, so not Textual's own) has a row in
the README's key table naming its screen (or "anywhere"); the caseload screenshot in "What it
looks like" is what the app draws for the sample school at 110x30.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from textual.binding import Binding

from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.caseload import CaseloadScreen
from tests.templates import SYNCED

from .conftest import screen_lines, settle
from .test_sample_snapshots import AS_OF

README = Path(__file__).resolve().parents[2] / "README.md"

_SHOWN = {"slash": "/", "question_mark": "?", "escape": "Escape", "enter": "Enter",
          "backspace": "Backspace", "delete": "Delete"}


def key_rows() -> list[tuple[str, str]]:
    """(keys cell, where cell) of each row of the README's key table."""
    text = README.read_text(encoding="utf-8")
    table = text.split("## Keys", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] not in ("key", "---"):
            rows.append((cells[0], cells[1]))
    return rows


def _documented(key: str, where: str, rows: list[tuple[str, str]]) -> bool:
    shown = _SHOWN.get(key, key)
    for keys, place in rows:
        if f"`{shown}`" in keys and (where in place or "anywhere" in place):
            return True
    return False


def _bindings(bindings: list[object]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding) and b.id]


def test_every_caseload_and_app_key_is_in_the_readme_key_table() -> None:
    rows = key_rows()
    assert rows, "no key table in README.md"
    missing = []
    for where, bindings in (("caseload", CaseloadScreen.BINDINGS),
                            ("anywhere", CaseloadApp.BINDINGS)):
        for binding in _bindings(bindings):  # type: ignore[arg-type]
            for key in binding.key.split(","):
                if not _documented(key.strip(), where, rows):
                    missing.append(f"{key} ({binding.id}, {where})")
    assert not missing, f"keys missing from README's key table: {missing}"


async def test_readme_screenshot_is_what_the_app_draws(sample_cache: Path) -> None:
    from caseload.store.engine import make_engine

    text = README.read_text(encoding="utf-8")
    block = re.search(r"a 110x30 terminal\):\n\n```\n(.*?)\n```", text, re.S)
    assert block, "README has no 110x30 screenshot block"
    expected = [line.rstrip() for line in block.group(1).splitlines()]
    engine = make_engine(f"sqlite:///{sample_cache}")
    just_imported = SYNCED + dt.timedelta(seconds=5)  # `caseload demo` opens right after import
    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=AS_OF,
                      now=lambda: just_imported)
    try:
        async with app.run_test(size=(110, 30)) as pilot:
            await settle(pilot)
            drawn = [line.rstrip() for line in screen_lines(app)]
    finally:
        engine.dispose()
    # the screenshot leaves out the scrollbar's column (drawn as blocks beside the rows)
    drawn = [re.sub(r"[▁▂▃▄▅▆▇█]+$", "", line).rstrip() for line in drawn]
    assert drawn == expected, "\n".join(drawn)
