"""``domain.frozen.quick_init``: each decorated record's ``__init__`` behaves as the frozen
dataclass's generated one (same parameters and defaults, every field from its own argument,
default factories called afresh, ``__post_init__`` run), and the record stays frozen, hashable,
comparable, replaceable and picklable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import pickle
from typing import Any

import pytest

from caseload.domain import records, report
from caseload.domain.frozen import quick_init
from caseload.domain.records import Result, ScoreStatus
from caseload.domain.report import ClassMetrics, Flag, FlagCode, Severity, StudentMetrics

DECORATED = [
    cls
    for module in (records, report)
    for cls in vars(module).values()
    if isinstance(cls, type) and cls.__module__ == module.__name__
    and dataclasses.is_dataclass(cls) and cls.__init__.__module__ == module.__name__
    and cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"
    and "_set_" in cls.__init__.__code__.co_names[0]
]


def _generated(cls: type) -> type:
    """A dataclass with ``cls``'s fields, frozen and slotted, as ``@dataclass`` makes it."""
    return dataclasses.make_dataclass(
        cls.__name__, [(f.name, f.type, f) for f in dataclasses.fields(cls)],
        frozen=True, slots=True,
    )


def test_the_hot_records_are_decorated() -> None:
    assert {c.__name__ for c in DECORATED} >= {
        "Result", "Enrollment", "LineItem", "AttendanceEvent",  # an import's, a refresh's
        "Flag", "ClassMetrics", "StudentMetrics", "StudentReport",  # a caseload's, per call
    }


@pytest.mark.parametrize("cls", DECORATED, ids=lambda c: c.__name__)
def test_same_parameters_and_defaults_as_the_generated_init(cls: type) -> None:
    ours = inspect.signature(cls.__init__).parameters
    theirs = inspect.signature(_generated(cls).__init__).parameters
    assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()]
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            assert ours[f.name].default == theirs[f.name].default
        elif f.default_factory is not dataclasses.MISSING:
            assert repr(ours[f.name].default) == "<factory>"
        else:
            assert ours[f.name].default is inspect.Parameter.empty


@pytest.mark.parametrize("cls", DECORATED, ids=lambda c: c.__name__)
def test_every_field_is_set_from_its_own_argument(cls: type) -> None:
    # a distinct value per field (no __post_init__ among them reads its fields' types)
    values: list[Any] = [f"value {i}" for i, _ in enumerate(dataclasses.fields(cls))]
    ours = cls(*values)
    theirs = _generated(cls)(*values)
    assert [getattr(ours, f.name) for f in dataclasses.fields(cls)] == values
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
    by_name = cls(**{f.name: v for f, v in zip(dataclasses.fields(cls), values, strict=True)})
    assert by_name == ours


def test_defaults_and_factories() -> None:
    short = Result("r2", "li1", "s1", None, ScoreStatus.NOT_SUBMITTED)
    assert (short.score_date, short.comment, short.late, short.missing, short.excused) == (
        None, None, False, False, False,
    )
    a = Flag(FlagCode.LOW_GRADE, Severity.HIGH, "m")
    b = Flag(FlagCode.LOW_GRADE, Severity.HIGH, "m")
    assert a.evidence == {} and a.evidence is not b.evidence  # a new dict each time
    given = {"k": 1}
    assert Flag(FlagCode.LOW_GRADE, Severity.HIGH, "m", given).evidence is given
    m = ClassMetrics("c", "t", None, None, (), None, 0)
    assert (m.period, m.stale, m.gradebook, m.stale_since) == (None, False, True, None)
    assert StudentMetrics(1, None, None, None, None, None, None, None, 0).classes == ()


def test_still_frozen_hashable_replaceable_and_picklable() -> None:
    r = Result("r1", "li1", "s1", 7.5, ScoreStatus.FULLY_GRADED, dt.date(2026, 10, 5),
               missing=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.score = 1.0  # type: ignore[misc]
    assert hash(r) == hash(Result("r1", "li1", "s1", 7.5, ScoreStatus.FULLY_GRADED,
                                  dt.date(2026, 10, 5), missing=True))
    changed = dataclasses.replace(r, score=9.0)
    assert (changed.score, changed.missing, r.score) == (9.0, True, 7.5)
    assert pickle.loads(pickle.dumps(r)) == r
    with pytest.raises(TypeError):
        Result("r1", "li1", "s1")  # type: ignore[call-arg]


def test_post_init_still_runs() -> None:
    @quick_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class Doubled:
        x: int
        twice: int = 0

        def __post_init__(self) -> None:
            object.__setattr__(self, "twice", 2 * self.x)

    assert Doubled(4).twice == 8


def test_refuses_what_it_cannot_reproduce() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        x: int
        y: int = dataclasses.field(init=False, default=0)

    for cls in (NoSlots, NotFrozen, Derived):
        with pytest.raises(TypeError):
            quick_init(cls)
