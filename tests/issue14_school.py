"""A small school for issue 14's hand-computed edge cases (``caseload changes``, ``caseload
notes effects``): ``tests/data/oneroster_min`` with its attendance, calendar, enrollments and
gradebook replaced.

The calendar, by hand: the school year and the fall semester start Monday 2026-08-31. Monday
9/7 and Monday 10/12 are not instructional. School days: 8/31-9/4 (5), 9/8-9/11 (9),
9/14-9/18 (14), 9/21-9/25 (19), 9/28-10/2 (24), 10/5-10/9 (29), 10/13-10/16 (33),
10/19-10/23 (38), 10/26-10/30 (43).

- stu-1 (Ada Able; cls-alg and cls-eng from 8/31; cns-1's caseload): unexcused whole-day
  absences 10/9, 10/13, 10/14, 10/16; a whole-day absence record on the 10/12 holiday (not a
  school day: ignored); on 10/15 an unexcused period absence from cls-alg only: 1 of her 2
  classes is half, a period-built full-day (unexcused) absence.
- stu-2 (Ben Baker; both classes from 8/31; cns-1's): excused whole-day absences 9/2 and
  9/3 (the school's days 3 and 4: EARLY from 9/3); a tardy on 9/15. Algebra: 91 on the
  Unit 1 Test (9/14), then 40 on the Unit 2 Test (10/14): tests only (HW 1 is exempt), so
  his grade goes 91.0 -> 65.5.
- stu-3 (Cy O'Connor; cls-alg from 10/14, a late enrollee; on no caseload): unexcused
  whole-day absences 10/13 (before the enrollment began: not counted) and 10/15; one more
  on 10/27 (attendance is recorded through 10/27 for the school).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.paths import MIN_DATA

HEADER_ATT = "sourcedId,studentSourcedId,date,category,classSourcedId,period\n"
ATTENDANCE = [
    ("stu-1", "2026-10-09", "unexcused_absence", ""),
    ("stu-1", "2026-10-12", "unexcused_absence", ""),
    ("stu-1", "2026-10-13", "unexcused_absence", ""),
    ("stu-1", "2026-10-14", "unexcused_absence", ""),
    ("stu-1", "2026-10-15", "unexcused_absence", "cls-alg"),
    ("stu-1", "2026-10-16", "unexcused_absence", ""),
    ("stu-2", "2026-09-02", "excused_absence", ""),
    ("stu-2", "2026-09-03", "excused_absence", ""),
    ("stu-2", "2026-09-15", "tardy", "cls-alg"),
    ("stu-3", "2026-10-13", "unexcused_absence", ""),
    ("stu-3", "2026-10-15", "unexcused_absence", ""),
    ("stu-3", "2026-10-27", "unexcused_absence", ""),
]
CALENDAR = "schoolSourcedId,date,instructional\nsch-1,2026-09-07,false\nsch-1,2026-10-12,false\n"
STAMP = "active,2026-09-01T00:00:00Z"


def write_school(
    dest: Path, extra_attendance: tuple[tuple[str, str, str, str], ...] = ()
) -> Path:
    """The school's OneRoster CSV folder at ``dest`` (created)."""
    shutil.copytree(MIN_DATA, dest)
    rows = [*ATTENDANCE, *extra_attendance]
    lines = [
        f"att-{i},{sid},{day},{cat},{cls},{'1' if cls else ''}\n"
        for i, (sid, day, cat, cls) in enumerate(rows, 1)
    ]
    (dest / "attendance.csv").write_text(HEADER_ATT + "".join(lines))
    (dest / "calendar.csv").write_text(CALENDAR)
    enrollments = (dest / "enrollments.csv").read_text()
    enrollments = enrollments.replace(
        "e5,active,2026-09-01T00:00:00Z,cls-alg,sch-1,stu-3,student,false,2026-09-14,",
        "e5,active,2026-09-01T00:00:00Z,cls-alg,sch-1,stu-3,student,false,2026-10-14,",
    )
    assert "stu-3,student,false,2026-10-14" in enrollments
    (dest / "enrollments.csv").write_text(enrollments)
    with (dest / "lineItems.csv").open("a") as fh:
        fh.write(
            f"li-4,{STAMP},Unit 2 Test,,cls-alg,sch-1,cat-tests,gp-1,,2026-10-12,2026-10-14,,0,100\n"
        )
    with (dest / "results.csv").open("a") as fh:
        fh.write(f"res-6,{STAMP},li-4,stu-2,,fully graded,40,,2026-10-14,,,,false,false\n")
    return dest
