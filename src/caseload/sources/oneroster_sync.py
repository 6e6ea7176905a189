"""What an incremental OneRoster sync must not lose, taken from the cache (the sync side).

Birth dates come from ``/demographics``; the mapping (payload only) cannot know a cached
birth date, so the sync keeps it here before the load.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Engine, select

from caseload.domain.records import Role, User
from caseload.sources.csvutil import parse_date
from caseload.sources.dataset import Dataset
from caseload.store.tables import METADATA

__all__ = ["keep_birth_dates"]


def keep_birth_dates(
    engine: Engine, ds: Dataset, demographics: list[dict[str, Any]] | None, *, delta: bool
) -> None:
    """Birth dates come from /demographics. When that collection is not offered, or (in an
    incremental sync) a user changed without their demographics record, keep the cached
    birth date; when only the demographics record changed, re-apply the cached user with it.
    """
    got: set[str] = set()
    if demographics is not None:
        got = {d["sourcedId"] for d in demographics if isinstance(d, dict)
               and isinstance(d.get("sourcedId"), str)}
    if demographics is not None and not delta:
        return  # a full collection is the truth
    users_t = METADATA.tables["users"]
    need = [u.sourced_id for u in ds.users if u.sourced_id not in got]
    cached: dict[str, Any] = {}
    with engine.connect() as conn:
        for i in range(0, len(need), 500):
            chunk = need[i : i + 500]
            for row in conn.execute(
                select(users_t.c.sourced_id, users_t.c.birth_date).where(
                    users_t.c.sourced_id.in_(chunk)
                )
            ):
                cached[row.sourced_id] = row.birth_date
        ds.users = [
            dataclasses.replace(u, birth_date=cached[u.sourced_id])
            if u.sourced_id in cached and u.birth_date is None
            else u
            for u in ds.users
        ]
        # a demographics change for a user that did not change: re-apply the cached user
        in_ds = {u.sourced_id for u in ds.users}
        births = _birth_dates(demographics or [])
        deleted = {d.sourced_id for d in ds.deletions if d.entity == "users"}
        only_demo = sorted(sid for sid in got if sid not in in_ds and sid not in deleted)
        for i in range(0, len(only_demo), 500):
            chunk = only_demo[i : i + 500]
            for row in conn.execute(select(users_t).where(users_t.c.sourced_id.in_(chunk))):
                m = row._mapping
                ds.users.append(
                    User(
                        m["sourced_id"], Role(m["role"]), m["given_name"], m["family_name"],
                        m["middle_name"], m["identifier"], m["state_id"], m["grade_level"],
                        births.get(m["sourced_id"]), m["email"], m["school_id"],
                        m["preferred_given_name"], m["preferred_family_name"],
                    )
                )


def _birth_dates(demographics: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in demographics:
        if str(d.get("status") or "").strip().casefold() == "tobedeleted":
            continue  # a deleted record: no birth date (the mapping clears it)
        sid, text = d.get("sourcedId"), d.get("birthDate")
        if isinstance(sid, str) and isinstance(text, str) and text.strip():
            try:
                out[sid] = parse_date(text, ValueError)
            except ValueError:
                out[sid] = None  # already reported by the mapping
    return out
