"""``_runtime.keep_freed_memory``: a facts refresh's workers keep the memory they free.

Each chunk of a full refresh allocates and frees the same large numpy arrays again; with
glibc's default settings the freed heap top went back to the system and every chunk faulted
its pages in again (a third of a worker's CPU was system time). Measured here by the minor
page faults of allocating and freeing 64 MiB in 4 MiB blocks, round after round, in a
process of its own: with the setting the rounds after the first fault next to nothing in.
The refresh's worker processes call it; the calling process does not (the app is long-lived).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="mallopt(3) is glibc's",
)

_ROUNDS = """
import json, resource, sys
from caseload._runtime import keep_freed_memory

kept = keep_freed_memory() if sys.argv[1] == "keep" else None
faults = []
for _ in range(6):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [bytearray(4 * 2**20) for _ in range(16)]  # (zeroed: every page written)
    del blocks
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({"kept": kept, "faults": faults}))
"""


def _rounds(mode: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _ROUNDS, mode], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    got: dict[str, Any] = json.loads(out)
    return got


@glibc
def test_freed_memory_is_used_again_not_faulted_in_again() -> None:
    pages = 64 * 2**20 // os.sysconf("SC_PAGE_SIZE")
    default = _rounds("default")["faults"]
    kept = _rounds("keep")
    assert kept["kept"] is True
    assert min(default[1:]) > pages // 2  # (glibc's default: every round faults them in)
    assert max(kept["faults"][1:]) < pages // 20


def test_it_says_when_it_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    from caseload import _runtime

    monkeypatch.setattr(_runtime.sys, "platform", "darwin")
    assert _runtime.keep_freed_memory() is False


_SPY = """
real = refresh_pool.keep_freed_memory


def spy():
    with open(sys.argv[2], "a") as out:
        out.write(f"{os.getpid()}\\n")
    return real()


refresh_pool.keep_freed_memory = spy
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_each_refresh_worker_keeps_its_freed_memory(shared_dir: Path, tmp_path: Path) -> None:
    from tests import templates as tpl
    from tests.forked_refresh import refresh_with_spy

    cache = tpl.copy_sqlite(tpl.sqlite_small(shared_dir), tmp_path / "cache.db")
    log = tmp_path / "pids"
    parent = refresh_with_spy(_SPY, cache, log, chunk=5)
    pids = log.read_text().split()
    assert len(pids) == 2 and len(set(pids)) == 2  # each worker, once
    assert parent not in pids  # (not the calling process)
