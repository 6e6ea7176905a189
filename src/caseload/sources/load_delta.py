"""What a delta does not say, and what its deletions do, worked out with the cache by the
loader (``caseload.sources.loader``).

A reader maps its rows without the cache: where a row leaves a field unsaid (a users.csv row
of a delta with no demographics.csv row gives no birth date), or deletes what is no record of
its own (a demographics.csv row marked tobedeleted), the dataset says so and these functions,
run with the loader's checks (reads only), keep what the cache holds or apply the deletion, and
count in the dataset's notices what the summary must say. They rewrite the dataset, never the
cache.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from sqlalchemy import Connection, select

from caseload.domain.records import LineItem, Result, Role, ScoreStatus, User
from caseload.domain.text import plural
from caseload.sources.dataset import Dataset, Reject, SourceError, row_refusal
from caseload.sources.edfi_scores import NO_MAXIMUM_PERCENT, PERCENT_DISAGREES, percent_points
from caseload.store.deletion_keys import key_columns, keys_of, naming
from caseload.store.tables import METADATA

_USER_FIELDS = tuple(f.name for f in fields(User))  # each a column of the same name


def _label(ds: Dataset, name: str) -> str:
    """How the summary names a OneRoster file (CSV) or collection (REST)."""
    return f"{name}.csv" if ds.kind == "oneroster-csv" else name


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def not_held(where: str, n: int, what: str = "tobedeleted row") -> str:
    """The summary's line for ``n`` deletions (``what``: OneRoster's tobedeleted rows) of
    ``where`` whose records the cache does not hold."""
    if n == 1:
        return f"{where}: 1 {what} names a record the cache does not hold (nothing to delete)"
    return f"{where}: {n:,} {what}s name records the cache does not hold (nothing to delete)"


def unheld_deletions(conn: Connection, ds: Dataset) -> dict[str, int]:
    """How many of the dataset's deletions, per entity, name a record that neither the cache
    nor the dataset holds: nothing to delete, so the deleted count leaves them out. Each entity
    with any is counted in a notice, by the file its rows came from when the reader knows it
    ("results.csv: 2 tobedeleted rows name records the cache does not hold ...")."""
    by_entity: dict[str, list[str]] = {}
    for d in ds.deletions:
        by_entity.setdefault(d.entity, []).append(d.sourced_id)
    what = "tobedeleted row" if ds.kind.startswith("oneroster") else "deletion"
    out: dict[str, int] = {}
    for entity, ids in by_entity.items():
        table = METADATA.tables[entity]
        columns = key_columns(table)  # sourced_id, else the key (its ids in a JSON array)
        keys = dict(zip(ids, keys_of(table, ids), strict=True))
        held = {  # written, then deleted
            tuple(getattr(r, c.name) for c in columns) for r in getattr(ds, entity)
        }
        wanted = sorted({sid for sid, key in keys.items() if key not in held})
        for i in range(0, len(wanted), 500):
            held.update(tuple(r) for r in conn.execute(
                select(*columns).where(naming(table, wanted[i : i + 500]))
            ))
        n = sum(keys[sid] not in held for sid in ids)
        if n:
            out[entity] = n
            ds.notices.append(not_held(ds.line_maps.get(entity, (entity,))[0], n, what))
    return out


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


_GUARDIAN_ROLES = frozenset({Role.GUARDIAN, Role.PARENT})


def keep_cached_roles(conn: Connection, ds: Dataset, skip_invalid: bool) -> None:
    """Users whose row gives no role (``Dataset.role_from_cache``: a 1.2 delta without their
    roles.csv row) keep the role the cache holds, and its school when the row's
    primaryOrgSourcedId is blank (roles.csv's orgSourcedId gave it), counted in a notice; and
    apart, those whose guardian links stay as cached (a guardian or parent, or a row listing
    agentSourcedIds: links are read with the row's role). A user the cache does not hold has
    no role at all: refused with the row's file, line and field ``role`` (rejected with
    ``skip_invalid``; what refers to it is then unknown)."""
    if not ds.role_from_cache:
        return
    ids = sorted({p.user.sourced_id for p in ds.role_from_cache})
    cached = _cached(conn, "role", ids)
    schools = _cached(conn, "school_id", ids)  # roles.csv's orgSourcedId stood in for a blank
    kept: dict[str, int] = {}
    guardians: dict[str, int] = {}
    for pending in ds.role_from_cache:
        sid = pending.user.sourced_id
        role = cached.get(sid)
        if role is None:
            err = SourceError(
                pending.file, pending.line, "role",
                f"user {sid!r} has no role: no roles.csv row in this import, and the cache "
                "does not hold the user",
            )
            if not skip_invalid:
                raise row_refusal(err)
            ds.rejects.append(Reject.from_error(err, key=sid))  # (what refers to it: rejected)
            continue
        user = replace(pending.user, role=Role(str(role)))
        if user.school_id is None and schools.get(sid) is not None:
            user = replace(user, school_id=str(schools[sid]))
        ds.users.append(user)
        kept[pending.file] = kept.get(pending.file, 0) + 1
        if pending.agents or user.role in _GUARDIAN_ROLES:
            guardians[pending.file] = guardians.get(pending.file, 0) + 1
    ds.role_from_cache = []
    for file, n in kept.items():
        ds.notices.append(
            f"{file}: {n:,} user{'s' if n != 1 else ''} with no roles.csv row in this import "
            f"keep{'s' if n == 1 else ''} the role the cache holds"
        )
    for file, n in guardians.items():
        one = n == 1
        ds.notices.append(
            f"{file}: {n:,} of them "
            f"{'is a guardian or parent or lists' if one else 'are guardians or parents or list'}"
            f" agentSourcedIds: {'its' if one else 'their'} guardian links kept as cached, with "
            "the names, phones and emails they show (caseload reads links with the row's role)"
        )


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


def clear_deleted_birth_dates(conn: Connection, ds: Dataset) -> None:
    """Apply demographics records marked tobedeleted (``Dataset.birth_cleared``): the birth
    date is no longer known. A user whose row the dataset carries has none already; a cached
    user without one is written again with none; a user deleted in the same import goes with
    its demographics. Each counted in a notice, with the ids the cache does not hold."""
    if not ds.birth_cleared:
        return
    in_ds = {u.sourced_id for u in ds.users}
    gone = {d.sourced_id for d in ds.deletions if d.entity == "users"}
    with_user = len(ds.birth_cleared & gone)
    rest = sorted(ds.birth_cleared - in_ds - gone)
    cleared = len(ds.birth_cleared & (in_ds - gone))
    users = METADATA.tables["users"]
    for i in range(0, len(rest), 500):
        for row in conn.execute(select(users).where(users.c.sourced_id.in_(rest[i : i + 500]))):
            cleared += 1
            m = row._mapping
            if m["birth_date"] is not None:
                values = {name: m[name] for name in _USER_FIELDS}
                ds.users.append(User(**{**values, "role": Role(m["role"]), "birth_date": None}))
    label = _label(ds, "demographics")
    if cleared:
        ds.notices.append(f"{label}: {_rows(cleared)} marked tobedeleted: birth date cleared")
    if with_user:
        ds.notices.append(
            f"{label}: {_rows(with_user)} marked tobedeleted: deleted with "
            f"{'its user' if with_user == 1 else 'their users'} ({_label(ds, 'users')})"
        )
    missing = len(ds.birth_cleared) - cleared - with_user
    if missing:
        ds.notices.append(not_held(label, missing))


_LINE_ITEM_FIELDS = tuple(f.name for f in fields(LineItem))  # each a column of the same name


def keep_cached_maxima(conn: Connection, ds: Dataset) -> None:
    """An Ed-Fi gradebook entry with no ``MaxPoints`` has no maximum once ``PointsEarned``
    score it, else it is out of 100 (``edfi_common``); an import that carries only some of
    its records (an incremental sync, a partial export) decides as a full import would:

    - an entry it carries with no stated maximum and no points, read out of 100, that the
      cache holds with no maximum (points scored it before) keeps none;
    - an entry its points score (``Dataset.scored_in_points``) that it does not carry, held
      in the cache out of 100 with no stated maximum (``max_stated`` False), is written again
      with none (its facts then move, as for any changed line item).

    ``no_maximum``, run after, counts them in the summary."""
    if not ds.scored_in_points and not any(li.max_stated is False for li in ds.line_items):
        return
    carried = {li.sourced_id for li in ds.line_items}
    assumed = sorted(li.sourced_id for li in ds.line_items
                     if li.max_stated is False and li.max_points is not None)
    table = METADATA.tables["line_items"]
    cached: dict[str, Any] = {}
    wanted = sorted(set(assumed) | (ds.scored_in_points - carried))
    for i in range(0, len(wanted), 500):
        for row in conn.execute(select(table).where(table.c.sourced_id.in_(wanted[i:i + 500]))):
            cached[row.sourced_id] = row._mapping
    had_none = {lid for lid in assumed
                if lid in cached and cached[lid]["max_points"] is None}
    if had_none:
        ds.line_items = [replace(li, max_points=None) if li.sourced_id in had_none else li
                         for li in ds.line_items]
    for lid in sorted(ds.scored_in_points - carried):
        m = cached.get(lid)
        if m is not None and m["max_stated"] is False and m["max_points"] is not None:
            values = {name: m[name] for name in _LINE_ITEM_FIELDS}
            ds.line_items.append(LineItem(**{**values, "max_points": None}))


def _cached_max_points(conn: Connection, ids: set[str]) -> dict[str, float | None]:
    t = METADATA.tables["line_items"]
    wanted = sorted(ids)
    out: dict[str, float | None] = {}
    for i in range(0, len(wanted), 500):
        for lid, mx in conn.execute(select(t.c.sourced_id, t.c.max_points)
                                    .where(t.c.sourced_id.in_(wanted[i:i + 500]))):
            out[lid] = mx
    return out


_RESULT_FIELDS = ("sourced_id", "line_item_id", "student_id", "score", "status", "score_date",
                  "comment", "late", "missing", "excused", "score_percent")


def _cached_percent_results(conn: Connection, items: set[str]) -> list[Result]:
    """The cached results of ``items`` whose score was read from a percentage."""
    t = METADATA.tables["results"]
    wanted = sorted(items)
    out = []
    for i in range(0, len(wanted), 500):
        rows = conn.execute(select(*(t.c[name] for name in _RESULT_FIELDS)).where(
            t.c.line_item_id.in_(wanted[i:i + 500]), t.c.score_percent.is_not(None)))
        for row in rows:
            values: dict[str, Any] = dict(row._mapping)
            values["status"] = ScoreStatus(values["status"])
            out.append(Result(**values))
    return out


def score_percentages(conn: Connection, ds: Dataset) -> None:
    """After ``keep_cached_maxima``: every Ed-Fi score read from a percentage
    (``Result.score_percent``) is that share of the maximum the load ends with
    (``edfi_scores``), as a full import would read it:

    - a result whose line item this import does not carry: of the cached maximum;
    - a line item whose maximum this load changes (its MaxPoints edited, or points that leave
      it none): its cached results read from a percentage are read again, and written.

    The summary counts the percentages no score shows (of a line item with no maximum) and
    those given beside points (``Dataset.percent_beside_points``) that disagree with them."""
    edfi_items = {li.sourced_id: li.max_points for li in ds.line_items
                  if li.max_stated is not None}
    mine = ([r for r in ds.results if r.score_percent is not None]  # (only Ed-Fi reads them)
            if ds.edfi else [])
    if not edfi_items and not mine and not ds.percent_beside_points:
        return
    held = {r.sourced_id for r in ds.results}
    wanted = (set(edfi_items) | {r.line_item_id for r in mine}
              | {r.line_item_id for r in ds.results if r.sourced_id in ds.percent_beside_points})
    cached = _cached_max_points(conn, wanted)
    maxima = {**cached, **{li.sourced_id: li.max_points for li in ds.line_items}}
    # entries whose maximum this load changes: their cached percentage scores follow it
    moved = {lid for lid, mx in edfi_items.items() if lid in cached and cached[lid] != mx}
    gone = {d.sourced_id for d in ds.deletions if d.entity == "results"}
    again = [r for r in _cached_percent_results(conn, moved) if r.sourced_id not in held | gone]

    def rescored(r: Result) -> Result:
        if r.score_percent is None or r.line_item_id not in maxima:
            return r
        score = percent_points(r.score_percent, maxima[r.line_item_id])
        return r if score == r.score else replace(r, score=score)

    ds.results = [rescored(r) for r in ds.results]
    ds.results += [new for r in again if (new := rescored(r)) is not r]
    unshown = sum(1 for r in ds.results if r.score_percent is not None and r.score is None)
    if unshown:
        n = plural(unshown, "percentage score", grouped=True)
        ds.notices.append(NO_MAXIMUM_PERCENT.format(n=n))
    by_id = {r.sourced_id: r for r in ds.results}
    disagree = 0
    for rid, percent in ds.percent_beside_points.items():
        r = by_id.get(rid)
        mx = maxima.get(r.line_item_id) if r is not None else None
        if r is not None and r.score is not None and mx:
            disagree += abs(r.score * 100 / mx - percent) >= 1
    if disagree:
        ds.notices.append(PERCENT_DISAGREES.format(n=plural(disagree, "percentage score",
                                                            grouped=True)))
