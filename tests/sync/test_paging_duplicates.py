"""A record the server lists twice in ONE page (review s21 F4).

That is no paging fault (it happens with a collection that fits in one page) and a new sync
gets the same, so "paging order is not stable ... run the sync again" would blame the wrong
thing. It is refused as a CSV file's duplicate id is (docs/DATA_FORMATS.md: which copy is
true cannot be known), naming the record; the cache is unchanged. A record sent again on a
LATER page at another place is still the unstable-order error (test_paging_repeats.py).
"""

from __future__ import annotations

import copy
import re

import pytest

from caseload.sources.http import SyncError
from caseload.sources.sync import sync
from tests import templates as tpl
from tests.paths import MIN_DATA
from tests.sync.edfi_server import EdfiServer
from tests.sync.oneroster_server import OneRosterServer
from tests.sync.test_paging import SMALL, _gradebook, _more_students, _snapshot


def _listed_twice(sid: str, offset: int, a: int, b: int) -> re.Pattern[str]:
    return re.compile(
        rf"the server listed the record '{re.escape(sid)}' twice in the page at offset "
        rf"{offset} \(places {a} and {b} of the collection\): which copy is true cannot be "
        r"known; nothing was applied \(a new sync gets the same: the server's data needs "
        r"fixing\)"
    )


def _twice(items: list[dict], at: int, **changed) -> str:
    """Lists ``items[at]`` again right after itself (the later copy changed): its id."""
    again = {**copy.deepcopy(items[at]), **changed}
    items.insert(at + 1, again)
    return next(v for k, v in again.items() if k in ("sourcedId", "id"))


@pytest.mark.parametrize("max_limit", [10_000, 7], ids=["one-page", "paged"])
def test_oneroster_record_listed_twice_in_one_page_fails_naming_it(
    tmp_path, monkeypatch, migrated_template, max_limit
):
    srv = OneRosterServer.from_folder(MIN_DATA, max_limit=max_limit)
    _gradebook(srv)
    at = 0 if max_limit > 100 else 8  # in the first page, or the second (offsets 7-13)
    sid = _twice(srv.data["results"], at, score=1.0)
    srv.start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        before = _snapshot(engine)
        with pytest.raises(SyncError) as info:
            sync(engine, "district", srv.source_config(page_size=1000))
    finally:
        srv.stop()
    message = str(info.value)
    offset = 0 if at == 0 else 7
    assert _listed_twice(sid, offset, at, at + 1).search(message), message
    assert "paging order" not in message and "run the sync again" not in message
    assert _snapshot(engine) == before


def test_edfi_record_listed_twice_in_one_page_fails_naming_it(
    tmp_path, monkeypatch, migrated_template
):
    with EdfiServer.from_folder(SMALL) as srv:
        _more_students(srv, 5)
        sid = _twice(srv.data["students"], 2, firstName="Other")
        srv.versions["students"].insert(3, srv.versions["students"][2])
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        before = _snapshot(engine)
        with pytest.raises(SyncError) as info:
            sync(engine, "edfi", srv.source_config())
    message = str(info.value)
    assert _listed_twice(sid, 0, 2, 3).search(message), message
    assert "paging order" not in message
    assert _snapshot(engine) == before
