"""What a delta does not say, taken from the cache by the loader (``caseload.sources.loader``).

A reader maps its rows without the cache: where a row leaves a field unsaid (a users.csv row
of a delta with no demographics.csv row gives no birth date), the dataset says so and these
functions, run with the loader's checks (reads only), keep what the cache holds. They rewrite
the dataset, never the cache.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, select

from caseload.sources.dataset import Dataset
from caseload.store.tables import METADATA


def _cached(conn: Connection, column: str, ids: list[str]) -> dict[str, object]:
    """The cached users' ``column`` by id, for those of ``ids`` the cache holds."""
    users = METADATA.tables["users"]
    out: dict[str, object] = {}
    for i in range(0, len(ids), 500):
        for sid, value in conn.execute(
            select(users.c.sourced_id, users.c[column])
            .where(users.c.sourced_id.in_(ids[i : i + 500]))
        ):
            out[sid] = value
    return out


def keep_cached_birth_dates(conn: Connection, ds: Dataset) -> None:
    """Users whose row gives no birth date of its own (``Dataset.birth_from_cache``: a delta
    or absent demographics file without their row) keep the one the cache holds."""
    if not ds.birth_from_cache:
        return
    cached = {
        sid: born for sid, born in _cached(conn, "birth_date", sorted(ds.birth_from_cache)).items()
        if born is not None
    }
    if cached:
        ds.users = [
            replace(u, birth_date=cached[u.sourced_id])  # type: ignore[arg-type]
            if u.birth_date is None and u.sourced_id in cached else u
            for u in ds.users
        ]
