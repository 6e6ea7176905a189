"""benchmarks/import_bench.py runs each step in a process of its own: that process must run
one thread, as ``caseload import`` does, or the full facts refresh it measures spawns its
worker processes (``refresh_pool.start_method``) where the command line forks them. Until the
twenty-third session the bench's memory watcher ran inside the step, and every recorded
refresh before then measured spawned workers."""

from __future__ import annotations

import sys

import pytest

from tests.paths import REPO


@pytest.fixture
def import_bench(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))  # (a spawned step inherits it)
    monkeypatch.delitem(sys.modules, "import_bench", raising=False)
    import import_bench

    return import_bench


def test_a_step_runs_in_a_process_of_one_thread(import_bench) -> None:  # type: ignore[no-untyped-def]
    out = import_bench.run_step("threads", import_bench.step_threads)
    assert out["threads"] == 1
    assert out["rss_peak"] >= out["rss_start"] > 0
    assert out["rss_workers"] == 0.0  # (it started no process)


def not_a_step() -> dict[str, object]:  # (not in import_bench: the step's lookup fails)
    return {}


def test_a_failing_step_says_so_in_the_caller(import_bench) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match=r"(?s)step 'missing' failed .*KeyError"):
        import_bench.run_step("missing", not_a_step)
