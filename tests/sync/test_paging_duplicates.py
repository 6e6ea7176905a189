"""A record the server lists twice in ONE page (review s21 F4; session 22).

That is no paging fault (it happens with a collection that fits in one page) and a new sync
gets the same, so "paging order is not stable ... run the sync again" would blame the wrong
thing. It is refused as a CSV file's duplicate id is (docs/DATA_FORMATS.md: which copy is
true cannot be known), naming the record; the cache is unchanged. With ``--skip-invalid`` only
that record is rejected and the rest lands: copies that differ are all rejected (neither is
applied), identical copies are one record (kept) and each repeat is rejected. A record sent
again on a LATER page at another place is still the unstable-order error, with or without
``--skip-invalid`` (test_paging_repeats.py).
"""

from __future__ import annotations

import copy
import csv
import json
import re

import pytest
from sqlalchemy import text

from caseload.cli import main
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


@pytest.mark.parametrize("copies", ["differ", "identical"])
@pytest.mark.parametrize("max_limit", [10_000, 7], ids=["one-page", "paged"])
def test_oneroster_record_listed_twice_in_one_page_fails_naming_it(
    tmp_path, monkeypatch, migrated_template, max_limit, copies
):
    srv = OneRosterServer.from_folder(MIN_DATA, max_limit=max_limit)
    _gradebook(srv)
    at = 0 if max_limit > 100 else 8  # in the first page, or the second (offsets 7-13)
    sid = _twice(srv.data["results"], at, **({"score": 77.5} if copies == "differ" else {}))
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


@pytest.mark.parametrize("copies", ["differ", "identical"])
def test_edfi_record_listed_twice_in_one_page_fails_naming_it(
    tmp_path, monkeypatch, migrated_template, copies
):
    with EdfiServer.from_folder(SMALL) as srv:
        _more_students(srv, 5)
        sid = _twice(srv.data["students"], 2, **({"firstName": "Other"} if copies == "differ"
                                                 else {}))
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


# --- --skip-invalid: only the record is rejected -------------------------------------------------

_PAGE = (r"GET 127\.0\.0\.1:\d+{path}, the page at offset {offset}: places {a} and {b} of the "
         "collection")
_RESULTS = "/district-x/api/ims/oneroster/gradebook/v1p2/results"


def _differ(path: str, offset: int, a: int, b: int, fields: str, place: int) -> re.Pattern[str]:
    return re.compile(
        r"^the server listed this record twice in one page \("
        + _PAGE.format(path=re.escape(path), offset=offset, a=a, b=b)
        + rf"\) in copies that differ \(in {fields}\): neither is applied, since which is true "
        r"cannot be known \(the server's data needs fixing\); this is the copy at place "
        rf"{place}$"
    )


def _repeat(path: str, offset: int, a: int, b: int) -> re.Pattern[str]:
    return re.compile(
        r"^the server listed this record twice in one page \("
        + _PAGE.format(path=re.escape(path), offset=offset, a=a, b=b)
        + rf"\) in identical copies: the copy at place {a} is applied, this repeat at place "
        rf"{b} is not$"
    )


def _scores(engine) -> dict[str, float | None]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT sourced_id, score FROM results")).all())


def _synced_skipping(srv, monkeypatch, migrated_template, tmp_path):  # type: ignore[no-untyped-def]
    """A sync with --skip-invalid of the OneRoster server ``srv`` into a new cache: the
    engine and the report."""
    srv.start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        report = sync(engine, "district", srv.source_config(page_size=1000), skip_invalid=True)
    finally:
        srv.stop()
    return engine, report


@pytest.mark.parametrize("total", [True, False], ids=["with-total", "no-total"])
@pytest.mark.parametrize("max_limit", [10_000, 7], ids=["one-page", "paged"])
def test_oneroster_skip_invalid_rejects_both_copies_that_differ_and_lands_the_rest(
    tmp_path, monkeypatch, migrated_template, max_limit, total
):
    srv = OneRosterServer.from_folder(MIN_DATA, max_limit=max_limit, total_header=total)
    _gradebook(srv)
    at = 0 if max_limit > 100 else 8
    first = dict(srv.data["results"][at])
    sid = _twice(srv.data["results"], at, score=77.5)
    others = {r["sourcedId"] for r in srv.data["results"]} - {sid}
    engine, report = _synced_skipping(srv, monkeypatch, migrated_template, tmp_path)
    offset = 0 if at == 0 else 7
    assert [(r.file, r.line, r.field) for r in report.rejects] == [
        ("results", f"sourcedId {sid!r}", "sourcedId")] * 2
    for reject, place in zip(report.rejects, (at, at + 1), strict=True):
        pattern = _differ(_RESULTS, offset, at, at + 1, "'score'", place)
        assert pattern.search(reject.reason), reject.reason
    # each copy as the server sent it, as the mapping's own rejects show a record
    assert report.rejects[0].raw is not None and report.rejects[1].raw is not None
    assert report.rejects[0].raw["score"] == repr(first["score"])
    assert report.rejects[1].raw["score"] == "77.5"
    assert report.rejects[0].raw["lineItemSourcedId"] == first["lineItem"]["sourcedId"]
    assert report.fetched["results"] == len(others)
    assert set(_scores(engine)) == others  # the rest landed, neither copy did


@pytest.mark.parametrize("max_limit", [10_000, 7], ids=["one-page", "paged"])
def test_oneroster_skip_invalid_keeps_one_of_identical_copies_and_rejects_the_repeat(
    tmp_path, monkeypatch, migrated_template, max_limit
):
    srv = OneRosterServer.from_folder(MIN_DATA, max_limit=max_limit)
    _gradebook(srv)
    at = 0 if max_limit > 100 else 8
    sid = _twice(srv.data["results"], at)
    served = {r["sourcedId"]: r.get("score") for r in srv.data["results"]}
    engine, report = _synced_skipping(srv, monkeypatch, migrated_template, tmp_path)
    assert [(r.file, r.line, r.field) for r in report.rejects] == [
        ("results", f"sourcedId {sid!r}", "sourcedId")]
    offset = 0 if at == 0 else 7
    assert _repeat(_RESULTS, offset, at, at + 1).search(report.rejects[0].reason)
    assert report.fetched["results"] == len(served)
    assert _scores(engine) == served  # the record landed once, with everything else


def test_oneroster_cli_skip_invalid_writes_the_copies_to_the_rejects_file(
    tmp_path, capsys, migrated_template, monkeypatch
):
    srv = OneRosterServer.from_folder(MIN_DATA)
    sid = _twice(srv.data["results"], 1, score=12.0)
    srv.start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        cfg = tmp_path / "config.toml"
        cfg.write_text("[sources.district]\n" + "".join(
            f'{k} = "{v}"\n' for k, v in srv.source_config().items()), encoding="utf-8")
        db = tpl.copy_sqlite(migrated_template, tmp_path / "cache.db")
        rejects = tmp_path / "rejects.csv"
        args = ["--db", str(db), "--config", str(cfg), "sync"]
        assert main([*args, "--skip-invalid", "--rejects", str(rejects)]) == 0
    finally:
        srv.stop()
    out = capsys.readouterr().out
    assert "2 rejected" in out and f"rejected records: 2 (see {rejects})" in out
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [(r["file"], r["line"], r["field"]) for r in rows] == [
        ("results", f"sourcedId {sid!r}", "sourcedId")] * 2
    assert "in copies that differ (in 'score')" in rows[0]["reason"]
    assert [json.loads(r["row"]).get("score") for r in rows] == [None, "12.0"]


@pytest.mark.parametrize("total", [True, False], ids=["with-total", "no-total"])
def test_oneroster_a_record_listed_twice_across_a_page_boundary_still_fails(
    tmp_path, monkeypatch, migrated_template, total
):
    """Places 6 and 7 with pages of 7: in two pages, which nothing tells from an unstable
    order (the record at 7 may have taken another's place), so --skip-invalid cannot help."""
    srv = OneRosterServer.from_folder(MIN_DATA, max_limit=7, total_header=total)
    _gradebook(srv)
    _twice(srv.data["results"], 6)
    srv.start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        before = _snapshot(engine)
        with pytest.raises(SyncError, match=r"the server sent 1 record at offset 7 that it had "
                                            r"already sent: its paging order is not stable"):
            sync(engine, "district", srv.source_config(page_size=1000), skip_invalid=True)
    finally:
        srv.stop()
    assert _snapshot(engine) == before


def _students(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(
            text("SELECT sourced_id, given_name FROM users WHERE role = 'student'")).all())


@pytest.mark.parametrize("copies", ["differ", "identical"])
@pytest.mark.parametrize("clamp", [None, 4], ids=["one-page", "paged"])
def test_edfi_skip_invalid_rejects_only_the_record_listed_twice(
    tmp_path, monkeypatch, migrated_template, copies, clamp
):
    with EdfiServer.from_folder(SMALL, clamp=clamp) as srv:
        _more_students(srv, 5)
        at = len(srv.data["students"]) - 2  # a generated student (nothing refers to it)
        uid = srv.data["students"][at]["studentUniqueId"]
        rid = _twice(srv.data["students"], at,
                     **({"firstName": "Other"} if copies == "differ" else {}))
        srv.versions["students"].insert(at + 1, srv.versions["students"][at])
        given = {s["studentUniqueId"]: s["firstName"] for s in srv.data["students"]}
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        report = sync(engine, "edfi", srv.source_config(), skip_invalid=True)
    if clamp is not None:
        assert at // clamp == (at + 1) // clamp, "both copies in one page"
    offset = 0 if clamp is None else at - at % clamp
    path = "/data/v3/ed-fi/students"
    rejects = [r for r in report.rejects if r.file == "students"]
    if copies == "differ":
        assert [(r.line, r.field, r.raw) for r in rejects] == [
            (rid, "id", {"resource": "students", "record": rid})] * 2
        for reject, place in zip(rejects, (at, at + 1), strict=True):
            pattern = _differ(path, offset, at, at + 1, "'firstName'", place)
            assert pattern.search(reject.reason), reject.reason
        del given[uid]
    else:
        assert [(r.line, r.field) for r in rejects] == [(rid, "id")]
        assert _repeat(path, offset, at, at + 1).search(rejects[0].reason), rejects[0].reason
    assert report.rejects[: len(rejects)] == rejects  # first, before the mapping's own
    assert _students(engine) == given
