"""The Ed-Fi fetch side (paging, change versions, deletes) against a real local server.

The JSON → record mapping (caseload.sources.edfi_api) is another module's job; here a stand-in
with the same contract records what it was given.
"""

from __future__ import annotations

import json
import re
import sys
import types
from dataclasses import dataclass

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from caseload.domain.records import Deletion, Org
from caseload.sources.dataset import Dataset
from caseload.sources.edfi_fetch import default_change_queries_url
from caseload.sources.sync import last_mark, sync


@dataclass(frozen=True)
class Res:
    name: str
    path: str


@pytest.fixture
def fake_edfi(monkeypatch):
    mod = types.ModuleType("caseload.sources.edfi_api")
    mod.RESOURCES = (Res("schools", "/ed-fi/schools"),)
    mod.COUNTED = ()  # (no kind only counted: tests/sync/test_edfi_counted.py)
    seen: dict = {}

    def map_items(source_name, items, *, skip_invalid=False, incremental=False, counted=None):
        seen["items"] = items
        seen["cache"] = None
        ds = Dataset(kind="edfi-api", source=source_name)
        ds.orgs = [Org(str(s["schoolId"]), s["nameOfInstitution"]) for s in items["schools"]]
        return ds, "needs"

    def keep_cached(engine, ds, needs, *, skip_invalid=False):
        assert needs == "needs"
        seen["cache"] = engine

    def deleted_to_dataset(source_name, deletes, *, skip_invalid=True):
        seen["deletes"] = deletes
        ds = Dataset(kind="edfi-api", source=source_name)
        ds.deletions = [Deletion("orgs", str(d["keyValues"]["schoolId"]))
                        for d in deletes["schools"]]
        return ds

    mod.map_items = map_items
    deletes_mod = types.ModuleType("caseload.sources.edfi_deletes")
    deletes_mod.deleted_to_dataset = deleted_to_dataset
    deletes_mod.deleted_parts = lambda deletes: {}  # no student's part in an incident here
    parts_mod = types.ModuleType("caseload.sources.edfi_parts")
    parts_mod.still_deleted = lambda ds, deletions: list(deletions)
    parts_mod.changed_parts = lambda items: {}  # nor a changed one
    sync_mod = types.ModuleType("caseload.sources.edfi_sync")
    sync_mod.keep_cached = keep_cached
    sync_mod.parts_maybe_cached = lambda engine, parts: set()
    import caseload.sources

    for name, fake in (("edfi_api", mod), ("edfi_deletes", deletes_mod),
                       ("edfi_parts", parts_mod), ("edfi_sync", sync_mod)):
        monkeypatch.setitem(sys.modules, f"caseload.sources.{name}", fake)
        monkeypatch.setattr(caseload.sources, name, fake, raising=False)
    return seen


class EdfiServer:
    def __init__(self):
        self.schools = [{"id": f"id{i}", "schoolId": 100 + i, "nameOfInstitution": f"S{i}",
                         "_cv": 1} for i in range(7)]
        self.deleted: list[dict] = []
        self.newest = 10
        self.requests: list[tuple[str, dict]] = []
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.server.start()
        self.root = f"http://127.0.0.1:{self.server.port}/api"

    def handle(self, request: Request) -> Response:
        path = request.path
        args = dict(request.args)
        self.requests.append((path, args))
        if path == "/api/oauth/token":
            return Response(json.dumps({"access_token": "edfi-token-123", "expires_in": 60}),
                            content_type="application/json")
        if request.headers.get("Authorization") != "Bearer edfi-token-123":
            return Response("no", 401)
        if path == "/api/changeQueries/v1/availableChangeVersions":
            return Response(json.dumps({"oldestChangeVersion": 0,
                                        "newestChangeVersion": self.newest}))
        items = None
        if path == "/api/data/v3/ed-fi/schools":
            items = self.schools
        elif path == "/api/data/v3/ed-fi/schools/deletes":
            items = self.deleted
        if items is None:
            return Response("not found", 404)
        if "minChangeVersion" in args:
            lo, hi = int(args["minChangeVersion"]), int(args["maxChangeVersion"])
            items = [s for s in items if lo <= s["_cv"] <= hi]
        off, lim = int(args.get("offset", 0)), int(args.get("limit", 25))
        assert lim <= 500
        headers = {"Total-Count": str(len(items))} if args.get("totalCount") == "true" else {}
        return Response(json.dumps(items[off:off + lim]), headers=headers,
                        content_type="application/json")

    def stop(self):
        self.server.clear()
        self.server.stop()


def test_change_queries_url_default():
    assert default_change_queries_url("https://h/api/data/v3/2025") == (
        "https://h/api/changeQueries/v1"
    )
    assert default_change_queries_url("https://h/data/v3") == "https://h/changeQueries/v1"


def test_edfi_full_then_incremental_with_deletes(fake_edfi, sqlite_engine, monkeypatch):
    srv = EdfiServer()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_GB", "edfi-secret-xyz")
        cfg = {"kind": "edfi", "base_url": srv.root + "/data/v3",
               "token_url": srv.root + "/oauth/token", "client_id": "c", "page_size": 3}
        report = sync(sqlite_engine, "gb", cfg, backoff=0.01)
        assert report.fetched == {"schools": 7} and report.mode == "full"
        assert fake_edfi["cache"] is None  # a full sync is the whole truth
        assert last_mark(sqlite_engine, "gb") == ("edfi-api", "change_version", "10")
        pages = [a for p, a in srv.requests if p.endswith("/ed-fi/schools")]
        assert all(a["totalCount"] == "true" and int(a["limit"]) == 3 for a in pages)

        srv.schools[0].update(nameOfInstitution="Renamed", _cv=11)
        srv.deleted.append({"id": "id6", "keyValues": {"schoolId": 106}, "_cv": 12})
        srv.newest = 12
        srv.requests.clear()
        report = sync(sqlite_engine, "gb", cfg, backoff=0.01)
        assert report.mode == "incremental"
        asked = [a for p, a in srv.requests if p.endswith("/ed-fi/schools")]
        assert asked[0]["minChangeVersion"] == "11" and asked[0]["maxChangeVersion"] == "12"
        assert [s["schoolId"] for s in fake_edfi["items"]["schools"]] == [100]
        assert fake_edfi["cache"] is sqlite_engine  # a delta fills gaps from the cache
        assert report.deleted == {"orgs": 1}
        assert last_mark(sqlite_engine, "gb")[2] == "12"
    finally:
        srv.stop()
