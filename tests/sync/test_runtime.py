"""caseload._runtime: the process-level tweaks a sync uses."""

from __future__ import annotations

import gc
import importlib.util
import sys

import pytest

from caseload import _runtime


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


def test_skip_missing_sniffio_makes_the_import_fail_at_once(monkeypatch):
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    _runtime.skip_missing_sniffio()
    assert sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        import sniffio  # noqa: F401
    _runtime.skip_missing_sniffio()  # idempotent
