"""The access rules migrations apply are frozen by revision (``caseload.store.access_frozen``):
a fresh PostgreSQL database is migrated through every revision, and a migration that applied
today's rules would break the day a rule names a column a later revision adds (migrations
0012, 0013, 0018, 0019, 0020, 0021 and 0022 applied ``access.POLICIES`` as it is, review s19)."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from caseload.store import access, access_frozen

VERSIONS = Path(access.__file__).parent / "migrations" / "versions"

# Each snapshot's text, pinned. A test failing here means a snapshot (or the vocabulary it is
# written in: PERSON, DISTRICT, sees, by_student...) was edited: put it back, and write the
# new rule as a new snapshot with a migration of its own (see access_frozen's docstring).
PINNED = {
    "CREATE_GRANTS_0012": "15991e2a94b5d8ae",
    "LAST_SEEN_0014": "c3a334e9c94627a8",
    "FUNCTIONS_0019": "7f484662a3d97a2f",
    "NOTE_HISTORY_0021": "ac7f5c614259b18f",
    "NOTE_HISTORY_SQL_0021": "9fb41794a9d8c911",
    "POLICIES_0022": "fa4372499e2e0448",
    "BIND_GRANTS_0025": "aaf04b0d4ef4d5f2",
    "UNBIND_GRANTS_0025": "9d7057574c676c3a",
    "FUNCTIONS_0025": "8d7f353e8e82ad17",
    "AUDIT_CLOCK_SQL_0025": "5411feb0a182a1e0",
}


def _text(value: Any) -> str:
    """A snapshot as plain text: policies as their fields, in a fixed order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(dataclasses.astuple(value))
    if isinstance(value, dict):
        return repr(sorted((k, _text(v)) for k, v in value.items()))
    return repr(value)


def digest(name: str) -> str:
    return hashlib.sha256(_text(getattr(access_frozen, name)).encode()).hexdigest()[:16]


def test_snapshots_never_change() -> None:
    snapshots = sorted(n for n in vars(access_frozen) if re.fullmatch(r"[A-Z][A-Z_]*_\d{4}", n))
    assert snapshots == sorted(PINNED), "a new snapshot: pin it here"
    assert {n: digest(n) for n in snapshots} == PINNED


def test_the_app_uses_the_newest_policies() -> None:
    newest = max(n for n in vars(access_frozen) if re.fullmatch(r"POLICIES_\d{4}", n))
    assert access.POLICIES is getattr(access_frozen, newest)


_RULE_CALLS = {"apply_policies", "create_schema", "create_functions", "create_note_history",
               "create_audit_clock", "alter_grants"}


def _frozen_only(node: ast.expr) -> bool:
    """Whether an argument is a revision's snapshot (``frozen.NAME_00NN``), a dict of them,
    or a tuple of table names: never today's rules."""
    if isinstance(node, ast.Attribute):
        return (isinstance(node.value, ast.Name) and node.value.id == "frozen"
                and re.fullmatch(r"[A-Z_]+_\d{4}", node.attr) is not None)
    if isinstance(node, ast.Dict):
        return all(_frozen_only(v) for v in node.values)
    if isinstance(node, ast.Tuple):
        return all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    return False


def test_migrations_apply_frozen_rules_only() -> None:
    seen = 0
    for path in sorted(VERSIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):  # (review s20: not round the check below)
                assert node.module != "caseload.store.access", (
                    f"{path.name} imports from access: its module only (access.NAME)")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "access":
                assert node.attr in _RULE_CALLS | {"drop_schema", "drop_note_history",
                                                           "drop_audit_clock"}, (
                    f"{path.name} uses access.{node.attr}: today's, not its revision's")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _RULE_CALLS:
                seen += 1
                args = [*node.args[1:], *(k.value for k in node.keywords)]
                assert any(isinstance(a, ast.Attribute | ast.Dict) for a in args) and all(
                    _frozen_only(a) for a in args), (
                    f"{path.name}:{node.lineno} {node.func.attr} is given today's rules")
    assert seen >= 15  # 0012, 0013, 0014, 0018, 0019 (2), 0020 (2), 0021 (2), 0022, 0025 (5)


# --- what a migration writes, whole (review s20) ------------------------------------------------

class _Recorder:
    """A stand-in PostgreSQL connection that records each statement (a schema ``cache``
    holding every policed table)."""

    def __init__(self) -> None:
        from sqlalchemy.dialects import postgresql

        self.dialect = postgresql.dialect()
        self.statements: list[str] = []

    def execute(self, clause: Any, *args: Any) -> Any:
        sql = str(clause)
        self.statements.append(sql)

        class _Result:
            def scalars(self) -> list[str]:
                return sorted(access_frozen.POLICIES_0022) if "pg_tables" in sql else []

            def scalar(self) -> str:
                return "cache"

        return _Result()


def _written(call: str) -> str:
    conn = _Recorder()
    frozen = access_frozen
    if call == "create_schema":
        access.create_schema(conn, frozen.CREATE_GRANTS_0012,  # type: ignore[arg-type]
                             frozen.FUNCTIONS_0019, frozen.POLICIES_0022)
    elif call == "create_note_history":
        access.create_note_history(conn, frozen.NOTE_HISTORY_0021,  # type: ignore[arg-type]
                                   frozen.NOTE_HISTORY_SQL_0021)
    elif call == "create_functions_0025":
        access.create_functions(conn, frozen.FUNCTIONS_0025)  # type: ignore[arg-type]
    elif call == "create_audit_clock":
        access.create_audit_clock(conn, frozen.AUDIT_CLOCK_SQL_0025)  # type: ignore[arg-type]
    elif call == "alter_grants":
        access.alter_grants(conn, frozen.BIND_GRANTS_0025)  # type: ignore[arg-type]
        access.alter_grants(conn, frozen.UNBIND_GRANTS_0025)  # type: ignore[arg-type]
    else:
        access.apply_policies(conn, ("last_seen",),  # type: ignore[arg-type]
                              {"last_seen": frozen.LAST_SEEN_0014})
    return "\n".join(conn.statements)


# The SQL access.py writes from the snapshots, pinned as the snapshots are: the functions that
# turn them into statements are what every migration runs, so a change to them (a policy's
# USING, its WITH CHECK, the trigger's events) changes what an old revision does.
WRITTEN = {
    "create_schema": "2b0dc23b0f7895a4",
    "create_note_history": "33fc6087bddc4b04",
    "apply_policies": "a207b23179e45d8b",
    "create_functions_0025": "a8361dbf471c1c5b",
    "create_audit_clock": "ad058089b5f5202f",
    "alter_grants": "ee9ec7c25160072a",
}


@pytest.mark.parametrize("call", sorted(WRITTEN))
def test_what_the_migrations_write_never_changes(call: str) -> None:
    text = _written(call)
    assert "CREATE" in text or "ALTER" in text
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == WRITTEN[call]
