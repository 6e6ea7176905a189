"""Process-level tweaks: things that change how the interpreter runs, not what caseload does.

Kept out of domain/, store/ and sources/ so the code there reads as what it means; each
tweak is a function a use case or a client calls around its work.

- :func:`gc_paused`: pause the cyclic garbage collector for a batch that allocates many
  acyclic objects (a sync's decoded JSON and records; a caseload's reports, a
  ``ClassMetrics`` per student-class), and let it run again after. With the collector on,
  its young-generation passes keep promoting those objects and every call or two sets off a
  full pass over everything alive, which at 5,000 students costs about as much as the
  reports themselves; paused, the new objects get one young-generation pass after.
- :func:`skip_missing_sniffio`: httpcore tries ``import sniffio`` several times per request
  (its async locks); without the package (anyio 4 no longer needs it) each failed import
  searches ``sys.path`` again, ~0.5 ms per request. A ``None`` entry in ``sys.modules``
  makes the import fail at once with the same ImportError, so httpcore takes the very same
  asyncio branch.
"""

from __future__ import annotations

import gc
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused", "skip_missing_sniffio"]


@contextmanager
def gc_paused(*, promote: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector (when it runs) for the block; nested uses and a
    collector someone else disabled are left as they were.

    ``promote``: the block makes acyclic objects that outlive it (a reader's records): they
    are moved to the oldest generation as it ends (``gc.freeze()`` then ``gc.unfreeze()``: no
    collector pass), not left young for the next pass to walk all of them (about 0.5 us an
    object: a tenth of a second per 200,000 records) only to find nothing to free. Every other
    object alive then is moved with them; a cycle among those becomes garbage later is freed by
    the next full pass instead of an earlier young one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if promote:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def skip_missing_sniffio() -> None:
    """Make ``import sniffio`` fail at once when the package is not installed (idempotent)."""
    if "sniffio" in sys.modules:
        return
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
