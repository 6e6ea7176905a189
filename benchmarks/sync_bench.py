"""Sync speed: caseload's async client vs a plain sequential httpx client, same run.

Serves OneRoster 1.2 REST from a local HTTP server (tests/sync/oneroster_server.py) with 0 ms
and 100 ms of injected latency per request, and reports rows/s for:

- ``sequential``: a plain ``httpx.Client``, one request at a time, limit/offset paging over
  every collection (fetch only: no mapping, no database);
- ``caseload client (fetch)``: caseload's ApiClient with 4 requests in flight fetching the
  same collections (``oneroster_fetch.fetch``): the client-vs-client comparison;
- ``caseload sync (end to end)``: ``caseload.sources.sync.sync`` with 4 requests in flight:
  fetch, mapping (done while pages are in flight), and the one-transaction load into a fresh
  SQLite cache; timed from the call to its return (the cache's creation and migration are
  not timed).

Each figure is one line (benchmarks/report.py): what, rows/s, the sequential client's rows/s
at the same latency (the end-to-end x4-vs-x1 line: sync x1's), "ratio" to three significant
figures, the goal and PASS/FAIL, or "info" where none is set. Target: at 100 ms, a whole
caseload sync x4 (end to end) moves at least 3x the rows/s of the sequential client's fetch
alone (ratio >= 3 on its line; with another --concurrency or latency every line is info).
The server runs in a child process
(threaded, a new connection per request); on a machine with few cores it still competes with
the client for CPU, so run the benchmark a few times.

    python benchmarks/sync_bench.py [--results N] [--page-size N] [--latency-ms 0,100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))  # report, imported as a module

from report import line  # noqa: E402  (benchmarks/report.py: the figure lines)

from caseload.sources.http import ApiClient, Credentials  # noqa: E402
from caseload.sources.oneroster_fetch import fetch  # noqa: E402
from caseload.sources.oneroster_rest import RESOURCES, resource_path  # noqa: E402
from caseload.sources.sync import sync  # noqa: E402
from caseload.store.engine import make_engine, migrate  # noqa: E402
from tests.sync.oneroster_server import RemoteServer  # noqa: E402

GOAL_LATENCY_MS, GOAL_CONCURRENCY, GOAL_RATIO = 100, 4, 3.0  # the docstring's target


def sequential(srv: RemoteServer, page_size: int) -> int:
    cfg = srv.source_config()
    rows = 0
    with httpx.Client(timeout=60) as client:
        tok = client.post(cfg["token_url"], data={"grant_type": "client_credentials"},
                          auth=(srv.client_id, srv.secret)).json()["access_token"]
        headers = {"Authorization": f"Bearer {tok}"}
        for res in RESOURCES:
            url = cfg["base_url"] + resource_path("1.2", res)
            offset = 0
            while True:
                resp = client.get(url, params={"limit": page_size, "offset": offset},
                                  headers=headers)
                resp.raise_for_status()
                page = resp.json()[res.name]
                rows += len(page)
                if len(page) < page_size:
                    break
                offset += page_size
    return rows


def caseload_fetch(srv: RemoteServer, page_size: int, concurrency: int) -> int:
    cfg = srv.source_config()
    creds = Credentials(cfg["token_url"], srv.client_id, srv.secret)

    async def go() -> int:
        async with ApiClient(cfg["base_url"], creds, concurrency=concurrency) as api:
            items = await fetch(api, "1.2", limit=page_size)
        return sum(len(v or []) for v in items.values())

    return asyncio.run(go())


def caseload(srv: RemoteServer, page_size: int, concurrency: int) -> tuple[int, float]:
    """A full sync into a fresh, migrated cache; times the sync only (not the migration)."""
    with tempfile.TemporaryDirectory() as tmp:
        eng = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(eng)
        t0 = time.perf_counter()
        report = sync(eng, "bench", srv.source_config(page_size=page_size),
                      concurrency=concurrency)
        seconds = time.perf_counter() - t0
        eng.dispose()
        return report.rows, seconds


def timed(fn, *args) -> tuple[int, float]:
    t0 = time.perf_counter()
    rows = fn(*args)
    return rows, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", type=int, default=20_000, help="result rows served")
    ap.add_argument("--page-size", type=int, default=500)
    ap.add_argument("--latency-ms", default="0,100")
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()

    srv = RemoteServer(REPO / "sample_data", max_results=args.results)
    os.environ["CASELOAD_SECRET_BENCH"] = srv.secret
    try:
        print(f"OneRoster 1.2 REST on 127.0.0.1 (server in its own process), page size "
              f"{args.page_size}, {srv.rows:,} rows served")
        conc = args.concurrency
        for ms in (int(x) for x in args.latency_ms.split(",")):
            srv.set_latency(ms / 1000)
            rows_s, t_s = timed(sequential, srv, args.page_size)
            base = rows_s / t_s
            rows_c, t_c = timed(caseload_fetch, srv, args.page_size, conc)
            rows_1, t_1 = caseload(srv, args.page_size, 1)
            rows_4, t_4 = caseload(srv, args.page_size, conc)
            counts = {rows_s, rows_c, rows_1, rows_4}
            print(f"latency {ms} ms: rows moved by each client "
                  + (f"{rows_s:,}" if len(counts) == 1 else
                     f"sequential {rows_s:,}, client x{conc} {rows_c:,}, sync x1 {rows_1:,}, "
                     f"sync x{conc} {rows_4:,}")
                  + f"; sequential httpx fetch {t_s:.2f} s")
            judged = ms == GOAL_LATENCY_MS and conc == GOAL_CONCURRENCY
            for label, rows, seconds, goal in (
                (f"client x{conc} (fetch)", rows_c, t_c, False),
                ("sync x1 (end to end)", rows_1, t_1, False),
                (f"sync x{conc} (end to end)", rows_4, t_4, judged),
            ):
                rate = rows / seconds
                print(line(f"{ms} ms: caseload {label}, rows/s", f"{rate:,.0f}", "sequential",
                           f"{base:,.0f}", rate / base,
                           f">= {GOAL_RATIO:g}" if goal else "none",
                           rate / base >= GOAL_RATIO if goal else None))
            r1, r4 = rows_1 / t_1, rows_4 / t_4
            print(line(f"{ms} ms: caseload sync x{conc} vs x1, rows/s", f"{r4:,.0f}", "sync x1",
                       f"{r1:,.0f}", r4 / r1, "none", None))
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
