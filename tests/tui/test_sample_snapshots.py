"""SVG snapshots of every screen on the bundled sample school, through the real Repository.

The sample data (``sample_data/``) is imported into a template SQLite cache once per test
session (``sample_template`` in tests/conftest.py), with its facts materialized, and each test
opens its own copy; the import run's timestamps are pinned so the header's "grades synced …
ago" is stable against the frozen clock. The app opens at a fixed
as-of date on the counselor ``Repository.default_counselor()`` picks (the largest caseload).
The flagged student and the class below 70 are picked by rule from that caseload (see
``picks``), so a change to the sample data changes the snapshots, never the test.

Sizes and themes follow the rule in conftest.py. Update with
``pytest tests/tui/test_sample_snapshots.py --snapshot-update`` and look at the report before
committing. Notes, the note editor, follow-ups and exports are snapshotted
elsewhere.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot

from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.widgets.key_table import KeyTable

from .conftest import THEMES, Run, SharedSnapshots, settle, variants, wait_for_hit

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Picks:
    counselor_id: str
    student_id: str  # most flags on the caseload among students with a class below 70
    family_name: str  # what the palette snapshot types
    class_id: str  # that student's lowest-graded class (below 70)


@pytest.fixture(scope="session")
def picks(sample_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Picks:
    from caseload.store.engine import make_engine

    path = tmp_path_factory.mktemp("picks") / "cache.db"
    shutil.copyfile(sample_template, path)  # the template stays untouched
    engine = make_engine(f"sqlite:///{path}")
    repo = Repository(engine)
    counselor = repo.default_counselor()
    assert counselor is not None
    reports = repo.caseload(counselor, AS_OF)
    candidates = [r for r in reports if r.metrics.classes_below_70 > 0]
    assert candidates, "the sample caseload has no student with a class below 70"
    # most flags first, then triage order (stable: max keeps the first of equals)
    student = max(candidates, key=lambda r: len(r.flags))
    assert len(student.flags) >= 3, student
    graded = [c for c in student.metrics.classes if c.grade is not None]
    klass = min(graded, key=lambda c: (c.grade, c.id))
    assert klass.grade is not None and klass.grade < 70
    engine.dispose()
    return Picks(counselor, student.id, student.name.split(",")[0], klass.id)


@pytest.fixture(autouse=True)
def ordered_plotext(monkeypatch: pytest.MonkeyPatch) -> None:
    """plotext removes duplicate ticks through a ``set`` of (tick, label) pairs, so the order it
    places crowded x labels in (and which of them it drops) depends on PYTHONHASHSEED, which
    differs per process. Its order-keeping alternative (commented out in plotext itself) makes
    the chart the same in every process."""
    import plotext._utility

    monkeypatch.setattr(plotext._utility, "no_duplicates",
                        lambda data: list(dict.fromkeys(data)))


# --- what each snapshot does before the picture ------------------------------------------------

def _app(pilot: Pilot) -> CaseloadApp:
    return pilot.app  # type: ignore[return-value]


async def _caseload(pilot: Pilot) -> None:
    await settle(pilot)


async def _filtered(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("slash", *"ar")
    await settle(pilot)


async def _all_students(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("c")  # the counselor picker: "All students" is its first option
    await settle(pilot)
    await pilot.press("home", "enter")
    await settle(pilot)
    assert _app(pilot).counselor_id is None


async def _picker(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


async def _help(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


def _palette(picks: Picks) -> Run:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*picks.family_name[:4].lower())
        await wait_for_hit(pilot, picks.family_name)
        await settle(pilot)

    return run


def _student(picks: Picks, tab_key: str | None = None) -> Run:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        app = _app(pilot)
        app.home.select_student(picks.student_id)
        assert app.home.selected_student_id == picks.student_id
        await pilot.press("enter")
        await settle(pilot)
        if tab_key:
            await pilot.press(tab_key)
            await settle(pilot)

    return run


def _class(picks: Picks) -> Run:
    async def run(pilot: Pilot) -> None:
        await _student(picks)(pilot)
        table = _app(pilot).screen.query_one("#classes", KeyTable)
        table.move_cursor(row=table.get_row_index(picks.class_id))
        await pilot.press("enter")
        await settle(pilot)
        assert _app(pilot).screen.query("#chart"), "the class screen has no chart"

    return run


SCREENS: dict[str, Callable[[Picks], Run]] = {
    "caseload": lambda p: _caseload,
    "caseload_filtered": lambda p: _filtered,
    "caseload_all_students": lambda p: _all_students,
    "counselor_picker": lambda p: _picker,
    "student_classes": lambda p: _student(p),
    "student_attendance": lambda p: _student(p, "2"),
    "student_behavior": lambda p: _student(p, "3"),
    "class_chart": _class,
    "help": lambda p: _help,
    "palette": _palette,
}


@pytest.mark.parametrize(("screen", "cases"), variants(
    SCREENS, wide=["caseload", "caseload_all_students", "student_classes", "student_attendance",
                   "class_chart"],
    fresh=["student_classes"]))  # its classes table takes another form at 100 columns
def test_sample_snapshot(shared_snapshots: SharedSnapshots, sample_cache: Path, picks: Picks,
                         screen: str, cases: list[tuple[str, str]]) -> None:
    """Each screen's shots from one app run (``shared_snapshots``)."""
    from caseload.store.engine import make_engine

    engine = make_engine(f"sqlite:///{sample_cache}")
    app = CaseloadApp(Repository(engine), counselor_id=picks.counselor_id, as_of=AS_OF,
                      now=lambda: NOW, theme=THEMES[cases[0][1]])
    try:
        shared_snapshots(app, screen, SCREENS[screen](picks), cases)
    finally:
        engine.dispose()


def test_picks(picks: Picks) -> None:
    """The snapshots above show these; a change to the sample data changes them (and this)."""
    assert picks == Picks("cns-3", "stu-00316", "Schmidt", "cls-ENG9-01")
