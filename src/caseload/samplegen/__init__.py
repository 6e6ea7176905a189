"""Deterministic synthetic high school in OneRoster 1.2 CSV, plus caseload's extension files.

``generate(out_dir)`` writes a plainly fictional school ("Harborview High School" in "Bayside
City Public Schools"): grades 9-12, three counselors with caseloads split by last name, about
35 teachers at 600 students, 6 or 7 fall classes per student, gradebooks (line items and
results) and attendance through a fixed as-of date in the fall semester. The data exercises
the early-warning rules on purpose:

* failing one class for weeks (about 6% of students), a sharp drop from a B or better in the
  last 2-3 weeks (about 4%), two teachers who stopped posting grades three weeks ago;
* chronic absence (about 8%), recent unexcused runs (about 4%; some with a current streak,
  one spanning a weekend, one with exactly 5 unexcused days in 30), period-level tardies and
  absences, one day per few students of period absences in half their classes;
* missing, late, exempt, extra-credit and not-yet-graded work, a few late enrollees.

Pure standard library, one ``random.Random(seed)``: the same arguments give byte-identical
files. Results, the bulk of the data, are written as they are generated.

CLI: ``python -m caseload.samplegen OUT_DIR [--students N] [--seed S]``.

Modules: ``constants`` (calendar, names, courses, headers), ``model`` (people, sections, items
and pure helpers), ``school`` (building it in memory), ``output`` (writing the CSV files).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from caseload.samplegen.constants import (
    DEFAULT_AS_OF,
    DEFAULT_SEED,
    DEFAULT_STUDENTS,
    FALL_END,
    FALL_ID,
    FALL_START,
    HEADERS,
    Q1_ID,
)
from caseload.samplegen.model import _ascii
from caseload.samplegen.output import write
from caseload.samplegen.school import School

__all__ = [
    "DEFAULT_AS_OF",
    "DEFAULT_SEED",
    "DEFAULT_STUDENTS",
    "FALL_END",
    "FALL_ID",
    "FALL_START",
    "HEADERS",
    "Q1_ID",
    "_ascii",
    "generate",
    "main",
]


def generate(
    out_dir: Path,
    students: int = DEFAULT_STUDENTS,
    seed: int = DEFAULT_SEED,
    as_of: dt.date = DEFAULT_AS_OF,
) -> Path:
    """Write the synthetic school to ``out_dir`` (created if needed); return ``out_dir``.

    ``as_of`` is the date the data runs through; it must fall in the fall semester at least
    five weeks after it starts (the storylines look back up to four weeks). The storylines
    are tuned for the default, mid-November: late in the semester a three-week slump moves
    a running grade less, so fewer students show a 15-point drop.
    """
    if students < 1:
        raise ValueError("students must be at least 1")
    if not (FALL_START + dt.timedelta(35) <= as_of <= FALL_END):
        raise ValueError(f"as_of must be between {FALL_START + dt.timedelta(35)} and {FALL_END}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    school = School(students, seed, as_of)
    school.make_people()
    school.choose_courses()
    school.build_sections()
    school.staff_sections()
    school.make_policies()
    school.make_items()
    school.assign_patterns()
    write(school, out_dir)
    return out_dir


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m caseload.samplegen",
        description="Write a deterministic synthetic high school as OneRoster 1.2 CSV.")
    parser.add_argument("out_dir", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--students", type=int, default=DEFAULT_STUDENTS,
                        help=f"number of students (default {DEFAULT_STUDENTS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF,
                        help=f"date the data runs through (default {DEFAULT_AS_OF})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        out = generate(args.out_dir, args.students, args.seed, args.as_of)
    except ValueError as exc:
        parser.error(str(exc))
    took = time.perf_counter() - started
    print(f"wrote {out} ({args.students} students, seed {args.seed}) in {took:.1f} s",
          file=sys.stderr)
    return 0
