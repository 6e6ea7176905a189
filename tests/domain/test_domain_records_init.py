"""``Result``'s own __init__ (records.py: set through the slots' descriptors, for the import's
speed) behaves as the frozen dataclass's generated one: same parameters and defaults, the same
record, still frozen, hashable, comparable, replaceable and picklable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import pickle

import pytest

from caseload.domain.records import Result, ScoreStatus


def _generated() -> type:
    """A dataclass with Result's fields, frozen and slotted, as ``@dataclass`` makes it."""
    return dataclasses.make_dataclass(
        "Result",
        [(f.name, f.type, f) for f in dataclasses.fields(Result)],
        frozen=True,
        slots=True,
    )


def test_same_parameters_and_defaults_as_the_generated_init() -> None:
    ours = inspect.signature(Result.__init__).parameters
    theirs = inspect.signature(_generated().__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]


def test_every_field_is_set_from_its_own_argument() -> None:
    day = dt.date(2026, 10, 5)
    full = Result("r1", "li1", "s1", 7.5, ScoreStatus.FULLY_GRADED, day, "late work", True,
                  False, True)
    ref = _generated()("r1", "li1", "s1", 7.5, ScoreStatus.FULLY_GRADED, day, "late work", True,
                       False, True)
    assert dataclasses.astuple(full) == dataclasses.astuple(ref)
    by_name = Result(
        sourced_id="r1", line_item_id="li1", student_id="s1", score=7.5,
        status=ScoreStatus.FULLY_GRADED, score_date=day, comment="late work", late=True,
        missing=False, excused=True,
    )
    assert by_name == full
    short = Result("r2", "li1", "s1", None, ScoreStatus.NOT_SUBMITTED)
    assert (short.score_date, short.comment, short.late, short.missing, short.excused) == (
        None, None, False, False, False,
    )


def test_still_frozen_hashable_replaceable_and_picklable() -> None:
    r = Result("r1", "li1", "s1", 7.5, ScoreStatus.FULLY_GRADED, missing=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.score = 1.0  # type: ignore[misc]
    assert hash(r) == hash(Result("r1", "li1", "s1", 7.5, ScoreStatus.FULLY_GRADED, missing=True))
    changed = dataclasses.replace(r, score=9.0)
    assert (changed.score, changed.missing, r.score) == (9.0, True, 7.5)
    assert pickle.loads(pickle.dumps(r)) == r
    with pytest.raises(TypeError):
        Result("r1", "li1", "s1")  # type: ignore[call-arg]
