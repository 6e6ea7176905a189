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

Target: at 100 ms, a whole caseload sync x4 (end to end) moves at least 3x the rows/s of the
sequential client's fetch alone (its "ratio" column). The server runs in a child process
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

from caseload.sources.http import ApiClient, Credentials  # noqa: E402
from caseload.sources.oneroster_fetch import fetch  # noqa: E402
from caseload.sources.oneroster_rest import RESOURCES, resource_path  # noqa: E402
from caseload.sources.sync import sync  # noqa: E402
from caseload.store.engine import make_engine, migrate  # noqa: E402
from tests.sync.oneroster_server import RemoteServer  # noqa: E402


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


def line(ms: int, label: str, rows: int, seconds: float, base: float) -> None:
    rate = rows / seconds
    print(f"{ms:>6}ms {label:<30} {rows:>8,} {seconds:>8.2f} {rate:>9,.0f} {rate / base:>5.1f}x")


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
        print(f"{'latency':>8} {'client':<30} {'rows':>8} {'seconds':>8} {'rows/s':>9} "
              f"{'ratio':>6}")
        for ms in (int(x) for x in args.latency_ms.split(",")):
            srv.set_latency(ms / 1000)
            rows_s, t_s = timed(sequential, srv, args.page_size)
            base = rows_s / t_s
            print(f"{ms:>6}ms {'sequential httpx (fetch)':<30} {rows_s:>8,} {t_s:>8.2f} "
                  f"{base:>9,.0f} {1:>5.1f}x")
            rows_c, t_c = timed(caseload_fetch, srv, args.page_size, args.concurrency)
            line(ms, f"caseload client x{args.concurrency} (fetch)", rows_c, t_c, base)
            rows_1, t_1 = caseload(srv, args.page_size, 1)
            line(ms, "caseload sync x1 (end to end)", rows_1, t_1, base)
            rows_4, t_4 = caseload(srv, args.page_size, args.concurrency)
            line(ms, f"caseload sync x{args.concurrency} (end to end)", rows_4, t_4, base)
            print(f"{'':>8} end to end, x{args.concurrency} vs x1: "
                  f"{(rows_4 / t_4) / (rows_1 / t_1):.1f}x")
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
