"""Process-level tweaks: things that change how the interpreter runs, not what caseload does.

Kept out of domain/, store/ and sources/ so the code there reads as what it means; each
tweak is a function a use case or a client calls around its work.

- :func:`gc_paused`: pause the cyclic garbage collector for a batch that allocates many
  acyclic objects (a sync's decoded JSON and records; a caseload's reports, a
  ``ClassMetrics`` per student-class), and let it run again after. With the collector on,
  its young-generation passes keep promoting those objects and every call or two sets off a
  full pass over everything alive, which at 5,000 students costs about as much as the
  reports themselves; paused, the new objects get one young-generation pass after, unless
  the pause promotes them (``promote=True``: a caseload's reports, which its caller keeps;
  that one pass walked every report, about a second of a 4.5 s caseload of 75,000 students).
- :func:`freeze_long_lived`: once a long-running app has started (its modules imported, its
  first screen up), and again when it has read something it keeps (every student's names for
  the search: 150,000 objects at 75,000 students), move every object alive to the
  collector's permanent generation. Left in the oldest generation, every full pass walks them
  again to find nothing: at 75,000 students a drill-down's full passes took 100-200 ms over
  about 280,000 objects, most of them start-up's and the names'.
- :func:`skip_missing_sniffio`: httpcore tries ``import sniffio`` several times per request
  (its async locks); without the package (anyio 4 no longer needs it) each failed import
  searches ``sys.path`` again, ~0.5 ms per request. A ``None`` entry in ``sys.modules``
  makes the import fail at once with the same ImportError, so httpcore takes the very same
  asyncio branch.
- :func:`keep_freed_memory`: in a process that allocates and frees large arrays chunk after
  chunk (a facts refresh's worker), have glibc's malloc keep what is freed for the next
  allocation instead of giving it back to the system and faulting it in again.
"""

from __future__ import annotations

import gc
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collect_garbage", "freeze_long_lived", "gc_paused", "keep_freed_memory", "pause_gc",
           "resume_gc", "skip_missing_sniffio", "thaw"]


@contextmanager
def gc_paused(*, promote: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector (when it runs) for the block; nested uses and a
    collector someone else disabled are left as they were.

    ``promote``: the block makes acyclic objects that outlive it (a reader's records): they
    are moved to the oldest generation as it ends (``gc.freeze()`` then ``gc.unfreeze()``: no
    collector pass), not left young for the next pass to walk all of them (about 0.5 us an
    object: a tenth of a second per 200,000 records) only to find nothing to free. Every other
    object alive then is moved with them; a cycle among those becomes garbage later is freed by
    the next full pass instead of an earlier young one. When ``freeze_long_lived`` has frozen
    objects (a running app's import), they stay frozen and the block's objects join them."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if promote:
            frozen = gc.get_freeze_count()
            gc.freeze()
            if not frozen:  # else what is frozen stays so (freeze_long_lived), new ones too
                gc.unfreeze()
        gc.enable()


def freeze_long_lived() -> bool:
    """A full collector pass, then every object still tracked moved to the permanent
    generation (``gc.freeze()``): later passes no longer walk them. The pass first frees the
    garbage there is (a closed screen's cycles): frozen, it would stay. An acyclic object
    frozen is still freed when its last reference goes (the names replaced after a reload);
    a cycle of frozen objects that becomes garbage stays until ``thaw`` (a few widgets that
    were on screen at the time, replaced later). Returns whether it froze: not while the
    collector is off (inside ``gc_paused``: an import running)."""
    if not gc.isenabled():
        return False
    gc.collect()
    gc.freeze()
    return True


def collect_garbage() -> None:
    """A full collector pass now (when the collector runs: not inside ``gc_paused``)."""
    if gc.isenabled():
        gc.collect()


def pause_gc() -> bool:
    """Turn the collector off until ``resume_gc`` (an app's drill-down); False, and nothing
    done, when it is off already."""
    if not gc.isenabled():
        return False
    gc.disable()
    return True


def resume_gc() -> None:
    """Turn the collector back on after ``pause_gc``."""
    gc.enable()


def thaw() -> None:
    """Undo ``freeze_long_lived``: every frozen object back in the oldest generation, where
    the next full pass frees those that are garbage by then (``gc.unfreeze()``)."""
    gc.unfreeze()


def skip_missing_sniffio() -> None:
    """Make ``import sniffio`` fail at once when the package is not installed (idempotent)."""
    if "sniffio" in sys.modules:
        return
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


# glibc's mallopt(3) parameters, and what keep_freed_memory sets them to
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MALLOPT = (
    (_M_MMAP_THRESHOLD, 32 * 2**20),  # (glibc's largest on 64 bits)
    (_M_TRIM_THRESHOLD, 128 * 2**20),
    (_M_TOP_PAD, 16 * 2**20),
)


def keep_freed_memory() -> bool:
    """Have glibc's malloc keep the memory this process frees for its next allocations: an
    allocation of up to 32 MiB comes from the heap, not from an mmap of its own, and the
    heap's free top is given back to the system only past 128 MiB (mallopt(3)). Returns
    whether it could (False: not glibc, or a setting refused).

    For a process whose work is the same batch again and again, such as a facts refresh's
    worker: a chunk's numpy arrays (a column of 100,000 results: 0.8 MB) are above glibc's
    first mmap threshold (128 KiB), and under its dynamic thresholds a free heap top of more
    than twice the largest array freed so far goes back to the system; every chunk then
    faulted its pages in again, zeroed by the kernel. A chunk of 500 students took 0.31 s of
    CPU, 0.27 s with this (a third of it was system time: 1.0 -> 0.3 s over 18 chunks). Not
    for a long-running app: the process keeps up to 128 MiB it no longer uses."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if mallopt(_M_MMAP_THRESHOLD, _MALLOPT[0][1]) != 1:  # (musl's mallopt does nothing: 0)
        return False
    return all(mallopt(param, value) == 1 for param, value in _MALLOPT[1:])
