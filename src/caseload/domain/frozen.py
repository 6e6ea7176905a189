"""``quick_init``: a faster ``__init__`` for the frozen, slotted records made by the million.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__``
(its own ``__setattr__`` refuses): about 0.12 us a field on CPython 3.11, so a ten-field
``Result`` costs 1.2 us before anything is done with it. An import makes one per row of
results.csv (17 million at 75,000 students) and a caseload makes a ``ClassMetrics`` per class
of every student, a ``StudentMetrics``, a ``StudentReport`` and their ``Flag``s per call.
``quick_init`` gives such a class an ``__init__`` that sets the same slots through their
member descriptors (what ``object.__setattr__`` ends up calling): about half the time.

The new ``__init__`` is generated the way ``dataclasses`` generates its own (source text, one
parameter per field, in order): the same parameters, the same defaults, default factories
called when the argument is left out, ``__post_init__`` called last. The instance is the one
the generated ``__init__`` makes (equality, hashing, ``repr``, ``replace`` and pickling are
the dataclass's); the class stays frozen. tests/domain/test_domain_records_init.py compares
every decorated class with its generated twin.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

class _Factory:
    """The default of a parameter whose field has a default factory (shown as dataclasses
    shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def quick_init(cls: T) -> T:
    """``cls`` (a frozen dataclass with ``slots=True``) with the faster ``__init__``."""
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or params is None or not params.frozen or "__slots__" not in vars(cls):
        raise TypeError(f"quick_init needs a frozen dataclass with slots=True, not {cls!r}")
    own = fields(cls)
    if len(own) != len(cls.__dataclass_fields__) or any(not f.init or f.kw_only for f in own):
        # InitVar or ClassVar pseudo-fields, init=False or keyword-only fields: not needed yet
        raise TypeError(f"quick_init cannot reproduce {cls.__name__}'s generated __init__")
    names: dict[str, Any] = {"_FACTORY": _FACTORY}
    args: list[str] = []
    body: list[str] = []
    for f in own:
        setter = f"_set_{f.name}"
        names[setter] = getattr(cls, f.name).__set__
        value = f.name
        if f.default is not MISSING:
            names[f"_default_{f.name}"] = f.default
            args.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            args.append(f"{f.name}=_FACTORY")
            value = f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            args.append(f.name)
        body.append(f"    {setter}(self, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(args)}):\n" + "\n".join(body) + "\n"
    exec(source, names)  # noqa: S102 (our own field names, as dataclasses itself does)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {f.name: f.type for f in own} | {"return": None}
    cls.__init__ = init  # type: ignore[misc]
    return cls


__all__ = ["quick_init"]
