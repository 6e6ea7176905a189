"""A ``[sources.NAME]`` table's numbers and choices are checked before a sync starts
(docs/SYNC.md): a negative page size was sent to the server as ``limit=-5``, a NaN timeout
accepted, ``token_auth = "Body"`` silently meant HTTP Basic, ``change_queries = "false"``
meant true, and a wrong type ended as an unexpected ValueError naming no setting."""

from __future__ import annotations

from typing import Any

import pytest

from caseload.sources.http import SyncError
from caseload.sources.sync import _config

BASE = {"kind": "edfi", "base_url": "https://ods.example/data/v3",
        "token_url": "https://ods.example/oauth/token", "client_id": "caseload"}


@pytest.mark.parametrize(("key", "value"), [
    ("page_size", -5), ("page_size", 0), ("page_size", "big"), ("page_size", 2.5),
    ("concurrency", -2), ("max_attempts", True),
    ("timeout", float("nan")), ("timeout", 0), ("timeout", "30"),
    ("token_auth", "Body"), ("change_queries", "false"),
])
def test_a_bad_value_is_refused_naming_the_setting(key: str, value: Any) -> None:
    with pytest.raises(SyncError) as e:
        _config("district", {**BASE, key: value})
    assert f"[sources.district]: '{key}'" in str(e.value)


def test_good_values_pass() -> None:
    cfg = _config("district", {**BASE, "page_size": 500, "concurrency": 4, "max_attempts": 3,
                               "timeout": 12.5, "token_auth": "body", "change_queries": False})
    assert cfg["page_size"] == 500 and cfg["change_queries"] is False
