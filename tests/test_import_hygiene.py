"""Layer boundaries (import-linter contracts in pyproject.toml) and lazy imports.

As Harlequin does: CI fails when a layer imports upward or domain/ reaches for Textual/SQL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.paths import REPO


def test_import_linter_contracts_hold():
    exe = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(exe)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: " in proc.stdout and " broken" in proc.stdout


def test_cli_help_does_not_import_heavy_modules():
    code = (
        "import sys; from caseload.cli import build_parser; build_parser();"
        "heavy = [m for m in ('textual', 'sqlalchemy', 'plotext', 'httpx') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_app_and_the_cli_run_without_sqlmodel() -> None:
    """The code reads and writes the cache through Core tables (store/tables.py, generated
    from the SQLModel classes of store/models.py): starting the app, importing, syncing or
    adding a note never builds SQLModel's pydantic models and ORM mappers (a third of the
    start-up). Migrations (alembic) and the schema tests still use the models."""
    code = (
        "import sys; import caseload.cli;"
        "from caseload.store.engine import open_store;"
        "from caseload.store.repository import Repository;"
        "import caseload.tui.app, caseload.services.notes, caseload.services.importing,"
        " caseload.services.sync, caseload.store.facts, caseload.sources.loader;"
        "heavy = [m for m in ('sqlmodel', 'pydantic', 'sqlalchemy.orm') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_numpy_waits_for_the_facts_refresh() -> None:
    """numpy (the facts refresh's batch timelines: domain/timeline_batch.py) is imported by
    the refresh's first read, not by starting the app or the CLI, nor by reading a student."""
    code = (
        "import sys; import caseload.cli, caseload.tui.app;"
        "from caseload.store.engine import open_store;"
        "from caseload.store.repository import Repository;"
        "import caseload.services.notes, caseload.services.importing, caseload.services.sync,"
        " caseload.store.facts, caseload.store.facts_rows, caseload.store.refresh_pool,"
        " caseload.store.inputs, caseload.sources.loader;"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
