"""README's key table and screenshot match the app (issue 12: "README's key table and
screenshots match the app").

Every key the caseload screen and the App bind (with an id, so not Textual's own) has a row in
the README's key table naming its screen (or "anywhere"); the caseload screenshot in "What it
looks like" is what `caseload demo` draws at 110x30 (the sample school with the demo's notes),
and the "what changed" block is the top of the screen `w` opens there, marked as an excerpt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

from textual.binding import Binding
from textual.pilot import Pilot

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


@contextlib.asynccontextmanager
async def demo_app(cache: Path) -> AsyncIterator[tuple[CaseloadApp, Pilot[None]]]:
    """`caseload demo` as it opens at 110x30, on ``cache`` (a copy of the sample school): the
    demo's notes written into it (``seed_demo_notes``, as `caseload demo` does after the
    import), the caseload the demo opens (``prepare_app(demo=True)``: the largest) and the
    services `caseload demo` hands the app (notes, what changed), right after the import."""
    from caseload.config import Config
    from caseload.services.app import prepare_app
    from caseload.services.changes import ChangesService
    from caseload.services.context import Workspace
    from caseload.services.demo import seed_demo_notes
    from caseload.store.engine import make_engine

    engine = make_engine(f"sqlite:///{cache}")
    try:
        seed_demo_notes(engine, AS_OF)
        ws = Workspace(engine=engine, config=Config())
        launch = prepare_app(ws, counselor=None, as_of=AS_OF, demo=True)
        just_imported = SYNCED + dt.timedelta(seconds=5)  # the demo opens right after import
        app = CaseloadApp(launch.reader, counselor_id=launch.counselor_id, as_of=launch.as_of,
                          now=lambda: just_imported, notes=launch.notes, me=launch.me,
                          changes=ChangesService(ws))
        async with app.run_test(size=(110, 30)) as pilot:
            await settle(pilot)
            yield app, pilot
    finally:
        engine.dispose()


def readme_block(caption: str) -> list[str]:
    """The lines of the code block that follows ``caption`` (a regex; a space matches any run
    of blanks, a line's end too) in README.md."""
    text = README.read_text(encoding="utf-8")
    block = re.search(caption.replace(" ", r"\s+") + r"\n\n```\n(.*?)\n```", text, re.S)
    assert block, f"README has no block after {caption!r}"
    return [line.rstrip() for line in block.group(1).splitlines()]


def drawn_lines(app: CaseloadApp) -> list[str]:
    # the README's blocks leave out the scrollbar's column (drawn as blocks beside the rows)
    return [re.sub(r"[▁▂▃▄▅▆▇█]+$", "", line.rstrip()).rstrip() for line in screen_lines(app)]


async def test_readme_screenshot_is_what_caseload_demo_draws(sample_cache: Path) -> None:
    expected = readme_block(r"`caseload demo`, the sample school's largest caseload as of "
                            r"2026-11-20 \(a 110x30 terminal\):")
    async with demo_app(sample_cache) as (app, _pilot):
        drawn = drawn_lines(app)
    assert drawn == expected, "\n".join(drawn)


async def test_readme_changes_excerpt_is_the_top_of_what_caseload_demo_shows(
    sample_cache: Path,
) -> None:
    """The "what changed" block is the first rows of the screen `w` opens in `caseload demo`
    (a week back, 11/13), none left out; the README says it is an excerpt and how long the
    whole list is."""
    expected = readme_block(r"`caseload demo`, `w` \(since 2026-11-13\), its first rows "
                            r"\(a 110x30 terminal\):")
    async with demo_app(sample_cache) as (app, pilot):
        await pilot.press("w")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChangesScreen"
        drawn = drawn_lines(app)
    assert len(expected) > 3 and drawn[:len(expected)] == expected, "\n".join(drawn)
    count = re.search(r"(\d+) students with a change", "\n".join(expected))
    assert count, "the excerpt has no count line"
    text = README.read_text(encoding="utf-8")
    assert f"(the first {len(expected) - 3} of {count.group(1)} rows)" in text
