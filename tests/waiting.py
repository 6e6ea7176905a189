"""Waiting for a condition in a test that drives threads or processes (the TUI tests have
``wait_until`` in tests/tui/conftest.py for an app's loop): poll, never a fixed pause."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], what: str, within: float = 600.0) -> None:
    """Return as soon as ``predicate()`` holds; fail naming ``what`` after ``within`` seconds
    (a bound that only ends a test whose condition never comes, not a timing assertion)."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)
