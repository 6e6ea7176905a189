"""A failed sync whose own failure cannot be recorded (the cache is read-only, say) says so
by the error's kind, never with a traceback (issue 13: no traceback ever reaches a user; a
traceback's frames can hold the run's message and the database's text)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from caseload.sources import sync


def test_an_unrecordable_failure_is_logged_by_kind_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")  # no import_runs table
    with caplog.at_level(logging.WARNING, logger=sync.log.name):
        sync._record_failure(engine, "sis", "oneroster", dt.datetime.now(dt.UTC),
                             "token request failed: secret-ish details")
    engine.dispose()
    (record,) = [r for r in caplog.records if r.name == sync.log.name]
    assert record.getMessage() == "could not record the failed sync run: OperationalError"
    assert record.exc_info is None and record.exc_text is None
    assert "secret-ish" not in caplog.text
