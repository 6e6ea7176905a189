"""A OneRoster 1.2 REST API on 127.0.0.1, serving a OneRoster CSV folder (the sample data).

Real HTTP (pytest-httpserver's threaded werkzeug server): OAuth 2.0 client credentials at
``/oauth/token`` (HTTP Basic auth), ``limit``/``offset`` paging, ``X-Total-Count`` (can be
turned off), ``filter=dateLastModified>'...'``, an optional extra header the gradebook
endpoints require (like Infinite Campus' ``x-vendor-authorization``), injected latency and
faults. The CSV rows are converted to OneRoster 1.2 JSON: refs as ``{"href", "sourcedId",
"type"}``, users with ``roles: [{roleType, role, org}]``, numbers and booleans typed. With
``version="1.1"`` it serves a OneRoster 1.1 CSV folder as 1.1 JSON at
``/ims/oneroster/v1p1/<collection>`` (users with ``role`` and ``orgs``: :func:`csv_to_json`).

Used by tests/sync and benchmarks/sync_bench.py.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import logging
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ROSTER = "/ims/oneroster/rostering/v1p2"
GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
V1P1 = "/ims/oneroster/v1p1"  # OneRoster 1.1: one root for every collection
RESOURCES = {
    "orgs": ROSTER, "academicSessions": ROSTER, "courses": ROSTER, "classes": ROSTER,
    "users": ROSTER, "demographics": ROSTER, "enrollments": ROSTER,
    "categories": GRADEBOOK, "lineItems": GRADEBOOK, "results": GRADEBOOK,
}
_USER_IDS = re.compile(r"\{\s*([^:{}]+?)\s*:\s*([^{}]*?)\s*\}")
_FILTER = re.compile(r"^\s*dateLastModified\s*>\s*'([^']*)'\s*$")


def _read(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    """The rows (the first ``limit`` of them) as csv.DictReader gives them (blank lines
    skipped; a short row's missing fields None, a long row's extra ones under None), read
    with csv.reader: faster."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if header is None:
            return []
        n = len(header)
        out = []
        for row in rows:
            if not row:
                continue
            if limit is not None and len(out) == limit:
                break
            if len(row) == n:
                out.append(dict(zip(header, row, strict=True)))
                continue
            d: dict[Any, Any] = dict(zip(header, row))
            if len(row) < n:
                d.update(dict.fromkeys(header[len(row):]))
            else:
                d[None] = row[n:]
            out.append(d)
        return out


def _ref(sid: str, kind: str) -> dict[str, str] | None:
    if not sid:
        return None
    return {"href": f"/{kind}s/{sid}", "sourcedId": sid, "type": kind}


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def _bool(text: str) -> bool | None:
    t = text.strip().lower()
    return None if not t else t == "true"


def _base(row: dict[str, str]) -> dict[str, Any]:
    return {
        "sourcedId": row["sourcedId"],
        "status": row.get("status") or "active",
        "dateLastModified": row.get("dateLastModified") or "2026-01-01T00:00:00Z",
    }


def _opt(d: dict[str, Any], **values: Any) -> dict[str, Any]:
    for k, v in values.items():
        if v is not None and v != "":
            d[k] = v
    return d


def csv_to_json(
    folder: Path, max_results: int | None = None, version: str = "1.2"
) -> dict[str, list[dict[str, Any]]]:
    """A OneRoster 1.2 CSV folder as the JSON the REST API returns, per collection (with
    ``max_results``, only the first that many results: the same as slicing them after).

    ``version="1.1"``: a OneRoster 1.1 CSV folder (users.csv with ``role`` and
    ``orgSourcedIds``, no roles.csv) as 1.1 JSON: users with ``role`` and ``orgs:
    [GUIDRef]`` (no ``roles``, no ``primaryOrg``), and ``enabledUser`` and enrollments'
    ``primary`` as the strings "true"/"false" many 1.1 servers send."""
    out: dict[str, list[dict[str, Any]]] = {}
    out["orgs"] = [
        _opt(_base(r), name=r["name"], type=r["type"], identifier=r.get("identifier"),
             parent=_ref(r.get("parentSourcedId", ""), "org"))
        for r in _read(folder / "orgs.csv")
    ]
    out["academicSessions"] = [
        _opt(_base(r), title=r["title"], type=r["type"], startDate=r["startDate"],
             endDate=r["endDate"], parent=_ref(r.get("parentSourcedId", ""), "academicSession"),
             schoolYear=r.get("schoolYear"), org=_ref(r.get("orgSourcedId", ""), "org"))
        for r in _read(folder / "academicSessions.csv")
    ]
    if version == "1.1":
        out["users"] = [_user_v11(r) for r in _read(folder / "users.csv")]
    else:
        out["users"] = _users_v12(folder)
    out["demographics"] = [
        _opt(_base(r), birthDate=r.get("birthDate"), sex=r.get("sex"))
        for r in _read(folder / "demographics.csv")
    ]
    out["courses"] = [
        _opt(_base(r), title=r["title"], courseCode=r.get("courseCode"),
             org=_ref(r.get("orgSourcedId", ""), "org"),
             schoolYear=_ref(r.get("schoolYearSourcedId", ""), "academicSession"))
        for r in _read(folder / "courses.csv")
    ]
    out["classes"] = [
        _opt(_base(r), title=r["title"], classCode=r.get("classCode"),
             classType=r.get("classType"), location=r.get("location"),
             course=_ref(r["courseSourcedId"], "course"),
             school=_ref(r["schoolSourcedId"], "org"),
             terms=[_ref(t.strip(), "academicSession")
                    for t in r["termSourcedIds"].split(",") if t.strip()],
             periods=[p.strip() for p in r.get("periods", "").split(",") if p.strip()],
             grades=[g.strip() for g in r.get("grades", "").split(",") if g.strip()])
        for r in _read(folder / "classes.csv")
    ]
    out["enrollments"] = [
        _opt(_base(r), role=r["role"],
             primary=_bool(r.get("primary", "")) if version != "1.1" else r.get("primary"),
             beginDate=r.get("beginDate"), endDate=r.get("endDate"),
             user=_ref(r["userSourcedId"], "user"), school=_ref(r.get("schoolSourcedId", ""), "org"),
             **{"class": _ref(r["classSourcedId"], "class")})
        for r in _read(folder / "enrollments.csv")
    ]
    out["categories"] = [
        _opt(_base(r), title=r["title"], weight=_num(r.get("weight", "")))
        for r in _read(folder / "categories.csv")
    ]
    out["lineItems"] = [
        _opt(_base(r), title=r["title"], description=r.get("description"),
             assignDate=r.get("assignDate"), dueDate=r.get("dueDate"),
             category=_ref(r.get("categorySourcedId", ""), "category"),
             gradingPeriod=_ref(r.get("gradingPeriodSourcedId", ""), "academicSession"),
             academicSession=_ref(r.get("academicSessionSourcedId", ""), "academicSession"),
             school=_ref(r.get("schoolSourcedId", ""), "org"),
             resultValueMin=_num(r.get("resultValueMin", "")),
             resultValueMax=_num(r.get("resultValueMax", "")),
             **{"class": _ref(r["classSourcedId"], "class")})
        for r in _read(folder / "lineItems.csv")
    ]
    out["results"] = [_result(r) for r in _read(folder / "results.csv", max_results)]
    return out


def _users_v12(folder: Path) -> list[dict[str, Any]]:
    """users.csv and roles.csv of a OneRoster 1.2 CSV folder as 1.2 JSON users."""
    roles: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _read(folder / "roles.csv"):
        roles[r["userSourcedId"]].append(
            _opt({"roleType": r.get("roleType") or "primary", "role": r["role"]},
                 org=_ref(r.get("orgSourcedId", ""), "org"))
        )
    users = []
    for r in _read(folder / "users.csv"):
        u = _opt(_base(r), enabledUser=_bool(r.get("enabledUser", "")),
                 username=r.get("username"), givenName=r["givenName"],
                 familyName=r["familyName"], middleName=r.get("middleName"),
                 identifier=r.get("identifier"), email=r.get("email"),
                 preferredFirstName=r.get("preferredGivenName"),
                 preferredLastName=r.get("preferredFamilyName"),
                 phone=r.get("phone"), sms=r.get("sms"),
                 primaryOrg=_ref(r.get("primaryOrgSourcedId", ""), "org"))
        u["agents"] = [_ref(a.strip(), "user")
                       for a in r.get("agentSourcedIds", "").split(",") if a.strip()]
        u["userIds"] = [{"type": k, "identifier": v}
                        for k, v in _USER_IDS.findall(r.get("userIds", ""))]
        u["grades"] = [g.strip() for g in r.get("grades", "").split(",") if g.strip()]
        u["roles"] = roles.get(r["sourcedId"], [])
        users.append(u)
    return users


def _user_v11(r: dict[str, str]) -> dict[str, Any]:
    """A OneRoster 1.1 users.csv row as 1.1 JSON."""
    u = _opt(_base(r), enabledUser=r.get("enabledUser"), username=r.get("username"),
             givenName=r["givenName"], familyName=r["familyName"],
             middleName=r.get("middleName"), role=r["role"], identifier=r.get("identifier"),
             email=r.get("email"), sms=r.get("sms"), phone=r.get("phone"))
    u["userIds"] = [{"type": k, "identifier": v}
                    for k, v in _USER_IDS.findall(r.get("userIds", ""))]
    u["agents"] = [_ref(a.strip(), "user")
                   for a in r.get("agentSourcedIds", "").split(",") if a.strip()]
    u["orgs"] = [_ref(o.strip(), "org")
                 for o in r.get("orgSourcedIds", "").split(",") if o.strip()]
    u["grades"] = [g.strip() for g in r.get("grades", "").split(",") if g.strip()]
    return u


def _result(r: dict[str, str]) -> dict[str, Any]:
    """``_opt(_base(r), lineItem=..., student=..., ...)`` for a result, written out (the sample
    has 130,000 of them)."""
    d: dict[str, Any] = {
        "sourcedId": r["sourcedId"],
        "status": r.get("status") or "active",
        "dateLastModified": r.get("dateLastModified") or "2026-01-01T00:00:00Z",
    }
    if sid := r["lineItemSourcedId"]:
        d["lineItem"] = {"href": f"/lineItems/{sid}", "sourcedId": sid, "type": "lineItem"}
    if sid := r["studentSourcedId"]:
        d["student"] = {"href": f"/users/{sid}", "sourcedId": sid, "type": "user"}
    if v := r.get("scoreStatus"):
        d["scoreStatus"] = v
    score = r.get("score", "")
    if score.strip():
        d["score"] = float(score)
    if v := r.get("scoreDate"):
        d["scoreDate"] = v
    if v := r.get("comment"):
        d["comment"] = v
    for key in ("late", "missing"):
        t = r.get(key, "").strip().lower()
        if t:
            d[key] = t == "true"
    return d


@dataclass
class Fault:
    """Answer the next ``times`` requests matching ``resource`` (a collection name, "token"
    or "*") with ``kind``: 429, 500, slow, truncate, repeat, 401, 403, 404, imsx.

    ``offset``: only requests for that offset match (a page in the middle of a collection).
    A ``repeat`` serves the page at offset 0 instead of the one asked for (an unstable
    order: records already sent come again, and those of the page asked for never come)."""

    resource: str
    kind: str
    times: int = 1
    offset: int | None = None
    retry_after: str = "1"
    delay: float = 1.0
    hits: int = 0


@dataclass
class OneRosterServer:
    data: dict[str, list[dict[str, Any]]]
    client_id: str = "caseload-test-client"
    secret: str = field(default_factory=lambda: "sekret-" + secrets.token_hex(12))
    latency: float = 0.0
    total_header: bool = True
    max_limit: int = 10_000  # pages are clamped to this many records, whatever limit asks
    total_lie: int = 0  # added to X-Total-Count (a server that promises more than it sends)
    token_ttl: int = 3600
    version: str = "1.2"  # "1.1": every collection under /ims/oneroster/v1p1
    require_header: tuple[str, str] | None = None  # (name, value) on gradebook endpoints
    faults: list[Fault] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    reject_all_tokens: bool = False
    server: HTTPServer | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._valid: set[str] = set()
        self.in_flight = 0  # data requests being served right now
        self.max_in_flight = 0  # the most seen at once

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    def from_folder(cls, folder: Path, **kw: Any) -> OneRosterServer:
        return cls(csv_to_json(folder, version=kw.get("version", "1.2")), **kw)

    def start(self) -> OneRosterServer:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on stderr
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None and self.server.is_running():
            self.server.clear()
            self.server.stop()

    @property
    def root(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def source_config(self, **extra: Any) -> dict[str, Any]:
        cfg = {
            "kind": "oneroster",
            "version": self.version,
            "base_url": self.root + "/district-x/api",
            "token_url": self.root + "/oauth/token",
            "client_id": self.client_id,
        }
        cfg.update(extra)
        return cfg

    # --- test controls ----------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self._lock:
            self._valid.clear()

    def touch(self, resource: str, sid: str, **changes: Any) -> None:
        """Change a record (or add it) and stamp it modified now."""
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for rec in self.data[resource]:
            if rec["sourcedId"] == sid:
                rec.update(changes)
                rec["dateLastModified"] = now
                return
        self.data[resource].append({"sourcedId": sid, "status": "active",
                                    "dateLastModified": now, **changes})

    def restamp(self, stamp: str) -> None:
        for items in self.data.values():
            for rec in items:
                rec["dateLastModified"] = stamp

    def paths(self, resource: str) -> list[dict[str, str]]:
        return [args for path, args in self.requests if path.endswith("/" + resource)]

    # --- the API ----------------------------------------------------------------------------

    def _fault(self, resource: str, offset: str | None = None) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.offset is not None and str(f.offset) != offset:
                    continue
                if f.times > 0 and f.resource in (resource, "*"):
                    f.times -= 1
                    f.hits += 1
                    return f
        return None

    def _token(self, request: Request) -> Response:
        fault = self._fault("token")
        if fault is not None:
            return self._fault_response(fault, None, request)
        auth = request.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                ok = user == self.client_id and pw == self.secret
            except Exception:
                ok = False
        if request.form.get("grant_type") != "client_credentials" or not ok:
            return Response(json.dumps({"error": "invalid_client"}), 401,
                            content_type="application/json")
        token = "tok-" + secrets.token_hex(16)
        with self._lock:
            self.issued.append(token)
            self._valid.add(token)
        body = {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl,
                "scope": request.form.get("scope", "")}
        return Response(json.dumps(body), 200, content_type="application/json")

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._handle(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _handle(self, request: Request) -> Response:
        if self.server is not None and len(self.server.log) > 50:
            self.server.clear_log()
        if self.latency:
            time.sleep(self.latency)
        path = request.path
        if path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        args = {k: v for k, v in request.args.items()}
        with self._lock:
            self.requests.append((path, args))
        resource = path.rsplit("/", 1)[-1]
        prefix = RESOURCES.get(resource)
        if prefix is not None and self.version == "1.1":
            prefix = V1P1
        if prefix is None or not path.endswith(prefix + "/" + resource):
            return Response(json.dumps({"imsx_codeMajor": "failure",
                                        "imsx_description": "Unknown endpoint"}), 404,
                            content_type="application/json")
        auth = request.headers.get("Authorization", "")
        with self._lock:
            valid = auth.startswith("Bearer ") and auth[7:] in self._valid
        if not valid or self.reject_all_tokens:
            return Response(json.dumps({"imsx_codeMajor": "failure",
                                        "imsx_description": "Unauthorized"}), 401,
                            content_type="application/json")
        if self.require_header and RESOURCES[resource] == GRADEBOOK:
            name, value = self.require_header
            if request.headers.get(name) != value:
                return Response(json.dumps({"imsx_codeMajor": "failure",
                                            "imsx_description": "Forbidden"}), 403,
                                content_type="application/json")
        fault = self._fault(resource, args.get("offset", "0"))
        if fault is not None and fault.kind not in ("slow", "repeat", "truncate"):
            return self._fault_response(fault, resource, request)
        items = self.data[resource]
        flt = args.get("filter")
        if flt:
            m = _FILTER.match(flt)
            if not m:
                return Response(json.dumps({"imsx_codeMajor": "failure",
                                            "imsx_description": "Invalid filter"}), 400,
                                content_type="application/json")
            since = m.group(1)
            items = [r for r in items if r["dateLastModified"] > since]
        try:
            limit = min(int(args.get("limit", "100")), self.max_limit)
            offset = int(args.get("offset", "0"))
        except ValueError:
            return Response("bad paging", 400)
        if fault is not None and fault.kind == "repeat":
            offset = 0
        page = items[offset : offset + limit]
        body = json.dumps({resource: page}).encode()
        headers = (
            {"X-Total-Count": str(len(items) + self.total_lie)} if self.total_header else {}
        )
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "truncate":
            body = body[: len(body) // 2]
        return Response(body, 200, headers=headers, content_type="application/json")

    def _fault_response(self, fault: Fault, resource: str | None, request: Request) -> Response:
        kind = fault.kind
        if kind == "429":
            return Response("slow down", 429, headers={"Retry-After": fault.retry_after})
        if kind == "500":
            return Response("oops", 500)
        if kind == "503":
            return Response("busy", 503, headers={"Retry-After": fault.retry_after})
        if kind == "401":
            return Response(json.dumps({"error": "invalid_client"}), 401,
                            content_type="application/json")
        if kind == "403":
            return Response(json.dumps({"imsx_codeMajor": "failure", "imsx_severity": "error",
                                        "imsx_description": "Insufficient scope"}), 403,
                            content_type="application/json")
        if kind == "404":
            return Response("not here", 404)
        if kind == "imsx":
            return Response(json.dumps({"imsx_codeMajor": "failure", "imsx_severity": "error",
                                        "imsx_description": "Sort field not supported",
                                        "imsx_CodeMinor": {"imsx_codeMinorField": [
                                            {"imsx_codeMinorFieldName": "TargetEndSystem",
                                             "imsx_codeMinorFieldValue": "invalid_sort_field"}
                                        ]}}), 400, content_type="application/json")
        raise AssertionError(f"unknown fault {kind}")


Handler = Callable[[Request], Response]


def generated_results(n: int, line_item: str = "li-1", student: str = "stu-3") -> list[dict]:
    """``n`` synthetic results (for speed tests)."""
    return [
        {"sourcedId": f"res-g{i}", "status": "active", "dateLastModified": "2026-09-01T00:00:00Z",
         "lineItem": {"sourcedId": line_item}, "student": {"sourcedId": student},
         "scoreStatus": "fully graded", "score": float(i % 100)}
        for i in range(n)
    ]


class RemoteServer:
    """A OneRosterServer in a child process, so its request handling does not compete with
    the client under test for this process' GIL (speed tests and the benchmark)."""

    def __init__(self, folder: Path, *, latency: float = 0.0, max_results: int | None = None,
                 extra_results: int = 0):
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_serve, args=(child, folder, latency, max_results, extra_results), daemon=True
        )
        self.proc.start()
        self.root, self.client_id, self.secret, self.rows = self.conn.recv()

    def set_latency(self, seconds: float) -> None:
        self.conn.send(("latency", seconds))
        self.conn.recv()

    def source_config(self, **extra: Any) -> dict[str, Any]:
        return {"kind": "oneroster", "version": "1.2", "base_url": self.root + "/district/api",
                "token_url": self.root + "/oauth/token", "client_id": self.client_id, **extra}

    def stop(self) -> None:
        try:
            self.conn.send(("stop", 0))
        finally:
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()


def _serve(conn: Any, folder: Path, latency: float, max_results: int | None,
           extra_results: int) -> None:
    srv = OneRosterServer.from_folder(folder, latency=latency)
    if max_results is not None:
        srv.data["results"] = srv.data["results"][:max_results]
    srv.data["results"] += generated_results(extra_results)
    srv.start()
    conn.send((srv.root, srv.client_id, srv.secret, sum(len(v) for v in srv.data.values())))
    while True:
        cmd, value = conn.recv()
        if cmd == "stop":
            srv.stop()
            return
        srv.latency = value
        conn.send("ok")
