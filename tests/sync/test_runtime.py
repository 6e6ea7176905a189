"""caseload._runtime: the process-level tweaks a sync and the caseload use."""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import sys

import pytest

from caseload import _runtime
from caseload.domain import analysis
from caseload.domain.settings import Thresholds


def test_gc_paused_pauses_and_restores_the_collector():
    assert gc.isenabled()
    with _runtime.gc_paused():
        assert not gc.isenabled()
        with _runtime.gc_paused():  # nested: the outer one turns it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _runtime.gc_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_gc_paused_leaves_a_collector_someone_else_disabled_off():
    gc.disable()
    try:
        with _runtime.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_domain_never_pauses_the_collector(monkeypatch):
    """Pausing the GC is the caller's choice (the repository's), not the domain's."""
    assert not hasattr(analysis, "gc_paused")
    calls: list[bool] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append(True))
    assert analysis.reports_from_facts([], dt.date(2026, 1, 5), Thresholds()) == []
    assert calls == []


def test_skip_missing_sniffio_makes_the_import_fail_at_once(monkeypatch):
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    _runtime.skip_missing_sniffio()
    assert sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        import sniffio  # noqa: F401
    _runtime.skip_missing_sniffio()  # idempotent
