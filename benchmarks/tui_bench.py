"""TUI speed: caseload's screens against a bare Textual app measured in the same run.

    python benchmarks/tui_bench.py [--students 75000] [--repeat 5]

Everything runs headless (``App.run_test``). "Painted" means: the App handed the screen's
compositor update to the driver (``App._display``) with the wanted content in it, and that update
was serialized to terminal escape codes as a real terminal would get it. Interaction figures are
the median of --repeat runs after one warm-up; each is timed from the key event reaching the
driver to that paint.

1. Process start to the caseload painted, sample school: a fresh ``python -c`` opens a prebuilt
   cache the way ``caseload open`` does (open_store, config, Repository, CaseloadApp) and prints
   the wall clock when the counselor's table is painted with rows; the parent times from just
   before spawning it. Baseline (the floor): a bare Textual app painting an empty DataTable.
2. On the sample school with the real Repository: Enter on the caseload to the student screen
   painted, Enter on a class to the class screen with its plotext chart painted, a cursor move,
   a filter keystroke. Baselines: a bare app pushing a trivial screen (a DataTable), pushing a
   screen with a textual-plotext chart, moving a DataTable cursor, typing into an Input.
3. "All students" for a generated district of --students students (OneRoster CSV written by
   benchmarks/generate.py, schools shaped like the sample school; through the real import,
   facts materialization, stored ranking and Repository): choosing "All students"
   in the counselor picker to the first page painted, in a fresh app (cold) and again (warm),
   reading the ranking stored at AS_OF as ``caseload import`` stores it for its day; and, for
   information, at a date with no stored ranking yet (every report computed, then stored).
   Baseline: Textual's DataTable adding the same rows (capped at 20 s). The district is built
   in a temporary folder and removed at the end; building 75,000 students takes ~2 min, so
   --keep builds it in (or reuses it from) <temp>/caseload-tui-bench-N-vV and leaves it there
   for the next --keep run (--fresh rebuilds it; delete the folder when done).

Targets (issue 4, "Speed"): start under 1.0 s; student and class screens under 150 ms; a key
press under 50 ms; the 75,000-student first page under 500 ms. Each figure is one line
(benchmarks/report.py): what, value, the baseline's name and value, "ratio" to three significant
figures, the goal and PASS/FAIL, or "info" for the informational rows (no goal).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "benchmarks") not in sys.path:
    sys.path.insert(0, str(REPO / "benchmarks"))  # report (and generate), imported as modules

from report import line, ms, secs  # noqa: E402  (benchmarks/report.py: the figure lines)

SAMPLE = REPO / "sample_data"
AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
SIZE = (120, 40)
DATATABLE_CAP_S = 20.0
DISTRICT_VERSION = 2  # bump when the generator changes, so cached districts are rebuilt


# --- results table -----------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    value: float | None  # seconds
    baseline: float | None  # seconds
    target: float  # seconds
    note: str = ""
    base_name: str = "baseline"


def fmt(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "—"
    return secs(seconds) if unit == "s" else ms(seconds, 1)


def print_table(rows: list[Row]) -> None:
    """One line per figure (benchmarks/report.py): what, value, baseline, "ratio", goal and
    PASS/FAIL; goal none and "info" for the informational rows."""
    for r in rows:
        unit = "s" if r.target >= 0.5 else "ms"
        ratio = r.value / r.baseline if r.value is not None and r.baseline else None
        target = f"{r.target:g} s" if unit == "s" else f"{r.target * 1000:g} ms"
        goal, ok = f"< {target}", r.value is not None and r.value < r.target
        if r.note.startswith("(informational"):
            goal, ok = "none", None
        print(line(r.name, fmt(r.value, unit), r.base_name, fmt(r.baseline, unit), ratio,
                   goal, ok) + ("  " + r.note if r.note else ""))


# --- paint probe -------------------------------------------------------------------------------

def install_probe(app: Any, on_paint: Callable[[Any], None]) -> None:
    """Call on_paint(screen) after every compositor update the App displays, once serialized
    (the child processes get this function's source)."""
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is None or app._batch_count:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(app.console)  # what a real terminal would be sent
        on_paint(screen)

    app._display = display


PROBE_SOURCE = "from typing import Any, Callable\n" + inspect.getsource(install_probe)


class Probe:
    """Time from a trigger to the first paint where ``want(screen)`` holds."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.want: Callable[[Any], bool] | None = None
        self.hit = 0.0
        self.done = asyncio.Event()
        install_probe(app, self._painted)

    def _painted(self, screen: Any) -> None:
        want = self.want
        if want is not None and want(screen):
            self.hit = time.perf_counter()
            self.want = None
            self.done.set()

    async def measure(self, trigger: Callable[[], object], want: Callable[[Any], bool],
                      timeout: float = 15.0) -> float:
        self.done.clear()
        self.want = want
        start = time.perf_counter()
        trigger()
        await asyncio.wait_for(self.done.wait(), timeout)
        return self.hit - start


def send_key(app: Any, key: str) -> None:
    """What a terminal keystroke does: a Key event from the driver (as Pilot.press sends it)."""
    from textual import events

    char = key if len(key) == 1 else {"enter": "\r", "escape": "\x1b"}.get(key)
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def settle(pilot: Any, rounds: int = 3) -> None:
    for _ in range(rounds):
        with contextlib.suppress(Exception):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def sample_median(runs: int, once: Callable[[], Any]) -> float:
    await once()  # warm-up
    return statistics.median([await once() for _ in range(runs)])


# --- caches ------------------------------------------------------------------------------------


def build_cache(data: Path, db: Path) -> tuple[Any, float, float]:
    """Import ``data`` into a fresh SQLite cache at ``db``, materialize the facts and store
    every student's ranking at AS_OF, as ``caseload import`` does for its day (refresh_facts)."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store import facts as mat
    from caseload.store.engine import make_engine, migrate
    from caseload.store.repository import Repository

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    t0 = time.perf_counter()
    load(engine, read_path(data))
    imported = time.perf_counter() - t0
    t0 = time.perf_counter()
    mat.refresh(engine, Repository(engine).thresholds)
    Repository(engine).caseload_rows(None, AS_OF)
    return engine, imported, time.perf_counter() - t0


# --- 1. process start --------------------------------------------------------------------------

CHILD_CASELOAD = PROBE_SOURCE + '''
import asyncio, datetime as dt, sys, time
import caseload.cli  # noqa: F401  (what `caseload open` imports first)
from caseload.config import load_config
from caseload.store.engine import open_store
from caseload.store.repository import Repository

db, counselor, as_of = sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3])
engine = open_store(db)
config = load_config(None)
repo = Repository(engine, thresholds=config.thresholds)
assert repo.has_students()
from caseload.tui.app import CaseloadApp

app = CaseloadApp(repo, counselor_id=counselor, as_of=as_of, theme=config.theme,
                  tune_gc=True)  # as run_app (caseload open) makes it

def painted(screen):
    if type(screen).__name__ != "CaseloadScreen":
        return
    table = screen.table
    if table.row_count and table._cache and not table.loading:
        print("painted", time.time(), table.row_count, flush=True)
        app.exit()

install_probe(app, painted)

async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        while app.is_running:
            await asyncio.sleep(0.01)

asyncio.run(main())
'''

CHILD_FLOOR = PROBE_SOURCE + '''
import asyncio, time
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

app = Bare()

def painted(screen):
    if screen.query(DataTable):
        print("painted", time.time(), 0, flush=True)
        app.exit()

install_probe(app, painted)

async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        while app.is_running:
            await asyncio.sleep(0.01)

asyncio.run(main())
'''


def spawn(code: str, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=REPO)
    for out in proc.stdout.splitlines():
        if out.startswith("painted "):
            return float(out.split()[1]) - start
    raise RuntimeError(f"child did not paint (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def bench_start(engine: Any, db: Path, counselor: str, repeat: int) -> list[Row]:
    """Start-up with the day's ranking stored (as an import or sync that day stores it), and,
    for information, the first open of a date with none stored (the counselor's caseload is
    computed from the facts, then stored)."""
    spawn(CHILD_FLOOR)  # warm the OS file cache for both
    spawn(CHILD_CASELOAD, str(db), counselor, AS_OF.isoformat())
    ours, floor, unranked = [], [], []
    for _ in range(repeat):
        floor.append(spawn(CHILD_FLOOR))
        ours.append(spawn(CHILD_CASELOAD, str(db), counselor, AS_OF.isoformat()))
    for _ in range(repeat):
        forget_ranking(engine, AS_OF)
        unranked.append(spawn(CHILD_CASELOAD, str(db), counselor, AS_OF.isoformat()))
    engine.dispose()
    from caseload.store.repository import Repository

    Repository(engine).caseload_rows(None, AS_OF)  # as built, for the screens below
    return [Row("process start → caseload painted (sample)", statistics.median(ours),
                statistics.median(floor), 1.0, base_name="bare app"),
            Row("process start, date not yet ranked", statistics.median(unranked),
                statistics.median(floor), 1.0, "(informational: ranks, then stores)",
                base_name="bare app")]


# --- 2. screens and keys on the sample school --------------------------------------------------


async def bench_screens(engine: Any, counselor: str, repeat: int) -> list[float]:
    from caseload.store.repository import Repository
    from caseload.tui.app import CaseloadApp

    app = CaseloadApp(Repository(engine), counselor_id=counselor, as_of=AS_OF,
                      now=lambda: NOW, tune_gc=True)  # as run_app (caseload open) makes it
    probe = Probe(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.home
        reports = Repository(engine).caseload(counselor, AS_OF)
        flagged = [r for r in reports if r.metrics.classes_below_70 > 0]
        student = max(flagged, key=lambda r: len(r.flags))
        klass = min((c for c in student.metrics.classes if c.grade is not None),
                    key=lambda c: (c.grade, c.id))

        def student_painted(screen: Any) -> bool:
            return (type(screen).__name__ == "StudentScreen" and screen.detail is not None
                    and bool(screen.query("#classes")))

        def class_painted(screen: Any) -> bool:
            return type(screen).__name__ == "ClassScreen" and bool(screen.query("#chart"))

        async def open_student() -> float:
            home.select_student(student.id)
            await settle(pilot)
            took = await probe.measure(lambda: send_key(app, "enter"), student_painted)
            await settle(pilot)
            return took

        async def back_home() -> None:
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await settle(pilot)

        async def student_then_class() -> tuple[float, float]:
            to_student = await open_student()
            table = app.screen.query_one("#classes")
            table.move_cursor(row=table.get_row_index(klass.id))
            await settle(pilot)
            to_class = await probe.measure(lambda: send_key(app, "enter"), class_painted)
            await settle(pilot)
            await back_home()
            return to_student, to_class

        await student_then_class()  # warm-up
        pairs = [await student_then_class() for _ in range(repeat)]

        async def cursor_move() -> float:
            home.table.cursor_row = 0
            await settle(pilot, 1)
            return await probe.measure(
                lambda: send_key(app, "down"),
                lambda s: s is home and home.table.cursor_row == 1)

        async def filter_key() -> float:
            box = home.query_one("#filter")
            box.value = ""
            box.focus()
            await settle(pilot, 1)
            return await probe.measure(
                lambda: send_key(app, "s"), lambda s: s is home and home.query_text == "s")

        cursor = await sample_median(repeat, cursor_move)
        typed = await sample_median(repeat, filter_key)
    return [statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            cursor, typed]


async def bench_bare(repeat: int, weekly: list[float]) -> list[float]:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header, Input, Static
    from textual_plotext import PlotextPlot

    class Trivial(Screen[None]):
        BINDINGS = [("escape", "app.pop_screen", "Back")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static(Text("A student"))
            table: DataTable[str] = DataTable(cursor_type="row")
            table.add_columns("Per", "Class", "Teacher", "Grade")
            for i in range(7):
                table.add_row(str(i + 1), f"Class {i}", "Teacher", f"{70 + i}.0%")
            yield table
            yield Footer()

    class Chart(Screen[None]):
        BINDINGS = [("escape", "app.pop_screen", "Back")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield PlotextPlot(id="plot")
            yield Footer()

        def on_mount(self) -> None:
            plt = self.query_one(PlotextPlot).plt
            plt.plot(list(range(1, len(weekly) + 1)), weekly, marker="braille")
            plt.hline(70)

    class Bare(App[None]):
        BINDINGS = [("o", "push('t')", "Open"), ("c", "push('c')", "Chart")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(id="box")
            table: DataTable[str] = DataTable(cursor_type="row", id="table")
            table.add_columns("Risk", "Name", "Grade", "Att%")
            for i in range(214):
                table.add_row(str(i % 13), f"Student {i:03d}", "09", "95.0%")
            yield table
            yield Footer()

        def action_push(self, which: str) -> None:
            self.push_screen(Trivial() if which == "t" else Chart())

    app = Bare()
    probe = Probe(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.query_one("#table", DataTable)
        box = app.query_one("#box", Input)

        async def push(key: str, kind: type) -> float:
            table.focus()
            await settle(pilot, 1)
            took = await probe.measure(lambda: send_key(app, key),
                                       lambda s: isinstance(s, kind))
            await settle(pilot, 1)
            await pilot.press("escape")
            await settle(pilot, 1)
            return took

        async def cursor() -> float:
            table.focus()
            table.move_cursor(row=0)
            await settle(pilot, 1)
            return await probe.measure(lambda: send_key(app, "down"),
                                       lambda s: table.cursor_row == 1)

        async def typed() -> float:
            box.value = ""
            box.focus()
            await settle(pilot, 1)
            return await probe.measure(lambda: send_key(app, "s"), lambda s: box.value == "s")

        return [await sample_median(repeat, lambda: push("o", Trivial)),
                await sample_median(repeat, lambda: push("c", Chart)),
                await sample_median(repeat, cursor),
                await sample_median(repeat, typed)]


# --- 3. a large district -----------------------------------------------------------------------

GIVEN = ("Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena",
         "Milo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vic", "Wren", "Xia",
         "Yuri", "Zoe")
FAMILY = ("Able", "Baker", "Cruz", "Diaz", "Evans", "Ford", "Garcia", "Hill", "Ito", "Jones",
          "Khan", "Lopez", "Moore", "Nguyen", "Ortiz", "Park", "Quinn", "Reyes", "Singh", "Tran",
          "Ueda", "Vega", "Wong", "Xu", "Young", "Zhang")


def rank_district(engine: Any) -> str:
    """Store every student's ranking at AS_OF when a kept district lacks it (what
    ``caseload import`` does after loading, for its day)."""
    from caseload.store import facts as mat
    from caseload.store import ranking
    from caseload.store.repository import Repository

    repo = Repository(engine)
    with engine.connect() as conn:
        stamp = mat.fresh_stamp(conn, repo.thresholds)
        if stamp is not None and ranking.is_stored(conn, AS_OF, None, stamp, repo.thresholds):
            return ""
    t0 = time.perf_counter()
    repo.caseload_rows(None, AS_OF)
    return f"; ranking at {AS_OF} stored now ({time.perf_counter() - t0:.1f} s, not timed)"


def forget_ranking(engine: Any, as_of: dt.date) -> None:
    from caseload.store import ranking

    with engine.begin() as conn:
        ranking.forget(conn, [as_of])


def kept_district(students: int) -> Path:
    """Where --keep builds the district and later --keep runs find it."""
    return Path(tempfile.gettempdir()) / f"caseload-tui-bench-{students}-v{DISTRICT_VERSION}"


def district_cache(students: int, fresh: bool, root: Path) -> tuple[Any, str]:
    """The district's cache in ``root``, built (generate, import, materialize) unless a --keep
    run left it there."""
    from caseload.store.engine import make_engine, migrate

    db = root / "cache.db"
    stamp = root / "built.json"
    if not fresh and stamp.exists() and db.exists():
        engine = make_engine(f"sqlite:///{db}")
        migrate(engine)
        info = json.loads(stamp.read_text())
        ranked = rank_district(engine)
        return engine, (f"kept from an earlier run in {root} (built in {info['total']:.0f} s)"
                        + ranked)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    sys.path.insert(0, str(REPO / "benchmarks"))
    import generate  # benchmarks/generate.py: the streamed district

    counts = generate.generate(root / "csv", students, as_of=AS_OF)
    generated = time.perf_counter() - t0
    engine, imported, facts = build_cache(root / "csv", db)
    total = time.perf_counter() - t0
    shutil.rmtree(root / "csv", ignore_errors=True)  # keep only the cache
    stamp.write_text(json.dumps({"total": total}))
    return engine, (f"built in {root}: generated {counts['results.csv']:,} results, "
                    f"{counts['enrollments.csv']:,} enrollments, "
                    f"{counts['attendance.csv']:,} attendance rows in {generated:.1f} s; "
                    f"import {imported:.1f} s; facts {facts:.1f} s")


async def bench_all_students(engine: Any, students: int, *, unranked: bool = True
                             ) -> tuple[float, float, float | None, float]:
    """Choosing "All students" in the counselor picker to the first page painted, in a fresh
    app and Repository (cold), then after switching away and back (warm); both read the ranking
    stored at AS_OF. Then once at an as-of date with no stored ranking (AS_OF - 1 day), where
    every student's report is computed and the ranking stored (the first open of a new date).
    The first page: the top rows painted in triage order, with every row's place in the table
    (the rest shows as "…" until the whole list has loaded, also timed, for information).
    ``unranked=False`` skips the date with no stored ranking (returned as None)."""
    from caseload.store.repository import Repository
    from caseload.tui.app import CaseloadApp

    repo = Repository(engine)
    counselor = repo.default_counselor()
    app = CaseloadApp(repo, counselor_id=counselor, as_of=AS_OF, now=lambda: NOW,
                      tune_gc=True)  # as run_app (caseload open) makes it
    probe = Probe(app)

    def first_page(screen: Any) -> bool:
        table = screen.table if type(screen).__name__ == "CaseloadScreen" else None
        return (table is not None and app.counselor_id is None and table.row_count == students
                and screen.shown_for == (None, app.as_of)
                and bool(table._cache) and not table.loading)

    every: list[float] = []

    async def choose_all() -> float:
        await pilot.press("c")
        await settle(pilot, 1)
        await pilot.press("home")
        start = time.perf_counter()
        took = await probe.measure(lambda: send_key(app, "enter"), first_page, timeout=600)
        while app.home.loaded_for != (None, app.as_of):
            await asyncio.sleep(0.002)
        every.append(time.perf_counter() - start)
        return took

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cold = await choose_all()
        await settle(pilot)
        app.set_counselor(counselor)
        await settle(pilot)
        warm = await choose_all()
        if not unranked:
            return cold, warm, None, every[0]
        await settle(pilot)
        app.set_counselor(counselor)
        day = AS_OF - dt.timedelta(days=1)
        forget_ranking(engine, day)  # an earlier run of this benchmark stored it
        app.set_as_of(day)
        await settle(pilot)
        first_open = await choose_all()
    return cold, warm, first_open, every[0]


async def bench_datatable(students: int) -> tuple[float | None, str]:
    """Textual's DataTable: add the rows (in chunks, stopping at the cap) and paint."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    rows = [[Text(str(i % 13)), Text(f"{FAMILY[i % 26]}, {GIVEN[i % 25]}"), Text("09"),
             Text("95.0%"), Text("0"), Text("0"), Text("0"), Text("81.0"), Text("STALE"),
             Text("never")] for i in range(students)]

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            table: DataTable[Text] = DataTable(cursor_type="row")
            table.add_columns("Risk", "Name", "Gr", "Att%", "Unx30", "Strk", "<70", "Low",
                              "Flags", "Note")
            yield table

    app = Bare()
    probe = Probe(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.query_one(DataTable)
        state = {"added": 0}

        def fill() -> None:
            start = time.perf_counter()
            for i in range(0, students, 5000):
                table.add_rows(rows[i:i + 5000])
                state["added"] = min(students, i + 5000)
                if time.perf_counter() - start > DATATABLE_CAP_S:
                    break

        took = await probe.measure(fill, lambda s: table.row_count == state["added"],
                                   timeout=600)
    if state["added"] < students:
        return None, f"DataTable stopped at the {DATATABLE_CAP_S:.0f} s cap after " \
                     f"{state['added']:,} rows ({took:.1f} s)"
    return took, ""


def bench_district(n: int, *, fresh: bool, keep: bool) -> list[Row]:
    """Part 3, on a district in a temporary folder removed at the end (even on an error), or
    with ``keep`` in :func:`kept_district`, left there for the next --keep run."""
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        if keep:
            root = kept_district(n)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="caseload-tui-")))
            if kept_district(n).exists():
                print(f"(a district kept by an earlier --keep run is in {kept_district(n)}: "
                      "unused without --keep; delete it when done)")
        engine, how = district_cache(n, fresh, root)
        stack.callback(engine.dispose)  # before the folder goes
        print(f"district of {n:,} students {how}")
        cold, warm, unranked, whole = asyncio.run(bench_all_students(engine, n))
        baseline, note = asyncio.run(bench_datatable(n))
        rows.append(Row(f"all students ({n:,}) first page, cold", cold, baseline, 0.5, note,
                        base_name="DataTable"))
        rows.append(Row(f"all students ({n:,}) first page, warm", warm, baseline, 0.5,
                        base_name="DataTable"))
        rows.append(Row(f"all students ({n:,}), every row loaded (cold)", whole, baseline, 0.5,
                        "(informational: the rows below the first page)",
                        base_name="DataTable"))
        rows.append(Row(f"all students ({n:,}), date not yet ranked", unranked, baseline, 0.5,
                        "(informational: computes and stores the ranking)",
                        base_name="DataTable"))
    print(f"district kept in {root} for the next --keep run" if keep
          else "district removed (--keep keeps it for the next run)")
    return rows


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=75_000,
                    help="district size for the all-students view (default 75000)")
    ap.add_argument("--repeat", type=int, default=5, help="median of K runs (default 5)")
    ap.add_argument("--fresh", action="store_true", help="rebuild the generated district")
    ap.add_argument("--keep", action="store_true",
                    help="keep the generated district in the temp folder for the next --keep run "
                         "(default: build it in a temporary folder and remove it)")
    ap.add_argument("--skip-district", action="store_true", help="skip part 3")
    args = ap.parse_args()
    repeat = max(1, args.repeat)
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("CASELOAD_CONFIG", str(REPO / "tests" / "data" / "empty-config.toml"))
    rows: list[Row] = []
    print(f"caseload TUI benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"terminal {SIZE[0]}x{SIZE[1]}, median of {repeat} after a warm-up")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sample.db"
        t0 = time.perf_counter()
        engine, _, _ = build_cache(SAMPLE, db)
        from caseload.store.repository import Repository

        counselor = Repository(engine).default_counselor()
        assert counselor is not None
        print(f"sample cache built in {time.perf_counter() - t0:.1f} s (not timed); "
              f"counselor {counselor}, as of {AS_OF}")

        rows += bench_start(engine, db, counselor, repeat)
        ours = asyncio.run(bench_screens(engine, counselor, repeat))
        weekly = [78.0, 80.5, 81.0, 80.0, 79.0, 78.5, 76.0, 60.0, 52.0, 52.3, 52.3]
        bare = asyncio.run(bench_bare(repeat, weekly))
        names = ("caseload → student screen painted", "student → class screen + chart painted",
                 "cursor move (↓) painted", "filter keystroke painted")
        targets = (0.150, 0.150, 0.050, 0.050)
        bases = ("bare push", "bare chart", "bare cursor", "bare typing")
        rows += [Row(n, o, b, t, base_name=bn)
                 for n, o, b, t, bn in zip(names, ours, bare, targets, bases, strict=True)]
        engine.dispose()

    if not args.skip_district:
        rows += bench_district(args.students, fresh=args.fresh, keep=args.keep)
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
