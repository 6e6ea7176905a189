"""``python -m caseload`` with a gate on the import lock, for tests/test_concurrent_writes.py.

    python -m tests.gated_import GATE_DIR --db URL import PATH

runs ``caseload --db URL import PATH`` (``caseload.cli.main``, nothing else changed) except
that, once the import holds the cache's import lock (store/import_lock.py: its row written),
it creates ``GATE_DIR/held`` and waits for ``GATE_DIR/go`` before it loads, and after its load
and its refresh waits for ``GATE_DIR/finish`` before it lets the lock go. A test can so make
its writers write while the import runs, whatever the import's size and whichever loader
(one transaction or staged ones) does the load: conditions, not timing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

WITHIN = 600.0  # a test that never opens the gate fails on its own timeout first


def _wait(path: Path) -> None:
    deadline = time.monotonic() + WITHIN
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"gated import: gave up waiting for {path}")
        time.sleep(0.01)


def install(gate: Path) -> None:
    """Gate the first import lock this process takes."""
    from caseload.store import import_lock as lock_module

    real = lock_module.import_lock
    gated: list[bool] = []

    @contextmanager
    def import_lock(engine: Any, what: str, **kwargs: Any) -> Iterator[None]:
        with real(engine, what, **kwargs):
            if gated:  # re-entered (or a later lock): not gated again
                yield
                return
            gated.append(True)
            (gate / "held").touch()
            _wait(gate / "go")
            yield
            _wait(gate / "finish")

    lock_module.import_lock = import_lock  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    install(Path(argv[0]))
    from caseload.cli import main as cli_main

    return cli_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
