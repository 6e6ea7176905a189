"""A full facts refresh in a new interpreter, its two workers forked, after a spy is set up:
how tests see what happens inside the refresh's worker processes (what they have imported,
which reader computes each chunk, the memory setting they make), which the test's own process
cannot watch (a forked worker does not share its memory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_PRELUDE = """
import json, os, sys
from caseload.domain.settings import Thresholds
from caseload.store import facts as mat
from caseload.store import refresh_pool
from caseload.store.engine import make_engine


def log(what):
    with open(sys.argv[2], "a") as seen:
        seen.write(f"{os.getpid()} {what}\\n")
"""

_REFRESH = """
refresh_pool.start_method = lambda: "fork"
os.environ[refresh_pool.ENV_WORKERS] = "2"
engine = make_engine(f"sqlite:///{sys.argv[1]}")
mat.refresh(engine, Thresholds(), full=True, chunk=int(sys.argv[3]))
print(os.getpid())
"""


def refresh_with_spy(spy: str, cache: Path | str, log: Path, *, chunk: int) -> str:
    """Run ``spy`` (Python that replaces something of ``refresh_pool``'s, with ``json``,
    ``os``, ``sys`` and ``refresh_pool`` imported, and ``sys.argv[2]`` naming ``log``, the
    file it writes to: ``log(what)`` appends a line "<its process id> <what>"), then a full refresh of the SQLite cache ``cache`` by two forked
    workers in chunks of ``chunk``, in a new interpreter; returns that interpreter's pid."""
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE + spy + _REFRESH, str(cache), str(log), str(chunk)],
        check=True, capture_output=True, text=True, timeout=120,
    )
    return done.stdout.strip()
