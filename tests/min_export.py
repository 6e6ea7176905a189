"""The minimal OneRoster export (``MIN_DATA``) as tests change it: each test edits its own copy
(the ``data`` fixture in tests/conftest.py) in place, or loads a small delta export after it."""

from __future__ import annotations

from pathlib import Path


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file at ``path`` (which must hold it) with ``new``."""
    body = path.read_text(encoding="utf-8")
    assert old in body, old
    path.write_text(body.replace(old, new, 1), encoding="utf-8")


def no_calendar(data: Path) -> None:
    """The min export without its calendar (school days: every weekday in the terms)."""
    (data / "calendar.csv").unlink()


def no_day_off(data: Path) -> None:
    """The min export with a calendar that marks no weekday off (its one holiday a school day)."""
    edit(data / "calendar.csv", "sch-1,2026-09-07,false", "sch-1,2026-09-07,true")


def as_is(data: Path) -> None:
    """The min export unchanged (its calendar marks a day off)."""


def write_delta(root: Path) -> Path:
    """A delta export of ``MIN_DATA``'s results in ``root/delta``: res-1 changed to 77, res-5
    deleted (tobedeleted), res-9 added (40); users absent."""
    delta = root / "delta"
    delta.mkdir()
    (delta / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
        "file.results,delta\nfile.users,absent\n", encoding="utf-8",
    )
    (delta / "results.csv").write_text(
        "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,"
        "score,scoreDate\n"
        "res-1,active,2026-10-01T00:00:00Z,li-1,stu-1,fully graded,77,2026-10-01\n"
        "res-5,tobedeleted,2026-10-01T00:00:00Z,li-3,stu-2,fully graded,45,2026-09-21\n"
        "res-9,active,2026-10-01T00:00:00Z,li-3,stu-1,fully graded,40,2026-10-01\n",
        encoding="utf-8",
    )
    return delta
