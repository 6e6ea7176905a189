"""The demo: the bundled sample school, loaded into a database of its own.

The sample school is the checked-in ``sample_data/`` when caseload runs from a checkout (or
``$CASELOAD_SAMPLE_DATA``). An installed copy (``pip install .``, pipx) has no checkout beside
it, so it builds the same school from the package itself (:mod:`caseload.samplegen`, default
seed, byte-identical to ``sample_data/``) into the user data folder, owner-only, and reuses it
while the generator and the files are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlalchemy import Engine

ENV_SAMPLE_DATA = "CASELOAD_SAMPLE_DATA"
SAMPLE_SYSTEM_CODE = "caseload-sample"  # manifest.csv's source.systemCode in sample_data/
SCHOOL_DIR = "sample_school"
STAMP_FILE = "sample_school.json"

Step = Callable[[str], None]


@dataclass(frozen=True)
class SampleSchool:
    """Where the demo's sample school is, and where it came from."""

    path: Path
    origin: Literal["env", "checkout", "built", "cached"]


def user_data_dir() -> Path:
    """caseload's folder in the user data folder (platformdirs), as the cache uses it."""
    import platformdirs

    return Path(platformdirs.user_data_dir("caseload", appauthor=False))


def checkout_sample_data() -> Path | None:
    """``sample_data/`` of the checkout this code runs from, if it runs from one.

    Only the repository root itself counts (``src/caseload/services/demo.py`` three levels
    down, beside ``pyproject.toml``): never a ``sample_data`` folder further up the tree, which
    could hold anybody's data.
    """
    root = Path(__file__).resolve().parents[3]
    candidate = root / "sample_data"
    if (root / "pyproject.toml").is_file() and _is_sample_school(candidate):
        return candidate
    return None


def _is_sample_school(folder: Path) -> bool:
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        return False
    with manifest.open(encoding="utf-8") as fh:
        return any(line.strip() == f"source.systemCode,{SAMPLE_SYSTEM_CODE}" for line in fh)


def sample_school(on_step: Step | None = None) -> SampleSchool:
    """The sample school for the demo: ``$CASELOAD_SAMPLE_DATA``, else the checkout's
    ``sample_data/``, else the copy built from the package in the user data folder (built
    now when missing, stale or altered)."""
    env = os.environ.get(ENV_SAMPLE_DATA)
    if env:
        path = Path(env).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"{ENV_SAMPLE_DATA}={env}: no such folder")
        return SampleSchool(path, "env")
    beside = checkout_sample_data()
    if beside is not None:
        return SampleSchool(beside, "checkout")
    return ensure_built_school(user_data_dir(), on_step=on_step)


def generator_fingerprint() -> str:
    """A hash of the generator's own source and its defaults: when it changes, a copy built
    by an earlier version is built again."""
    from caseload import samplegen

    digest = hashlib.sha256()
    digest.update(
        f"{samplegen.DEFAULT_STUDENTS}/{samplegen.DEFAULT_SEED}/{samplegen.DEFAULT_AS_OF}".encode()
    )
    package = resources.files("caseload.samplegen")
    for name in sorted(p.name for p in package.iterdir() if p.name.endswith(".py")):
        digest.update(name.encode())
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _is_current(folder: Path, stamp: Path, fingerprint: str) -> bool:
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("generator") != fingerprint:
        return False
    return folder.is_dir() and recorded.get("files") == _file_hashes(folder)


def _owner_only_dir(path: Path) -> None:
    from caseload._private import private_dir

    private_dir(path, tighten=True)  # (every missing folder above it 0700 too)


def ensure_built_school(data_dir: Path, on_step: Step | None = None) -> SampleSchool:
    """The sample school in ``data_dir/sample_school``, generated from the package when it is
    missing or differs from what this version's generator writes (checked by file hashes
    recorded in ``data_dir/sample_school.json``). Folders 0700, files 0600."""
    from caseload import samplegen

    folder = data_dir / SCHOOL_DIR
    stamp = data_dir / STAMP_FILE
    fingerprint = generator_fingerprint()
    if _is_current(folder, stamp, fingerprint):
        return SampleSchool(folder, "cached")
    if on_step:
        on_step(f"Generating the sample school into {folder} (a few seconds)…")
    _owner_only_dir(data_dir)
    staging = data_dir / f".{SCHOOL_DIR}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700)
    os.chmod(staging, 0o700)
    try:
        samplegen.generate(staging)
        for p in staging.iterdir():
            os.chmod(p, 0o600)
        stamp.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    record = {"generator": fingerprint, "files": _file_hashes(folder)}
    fd = os.open(stamp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1, sort_keys=True)
    os.chmod(stamp, 0o600)
    return SampleSchool(folder, "built")


def demo_database_path() -> Path:
    """Where the demo's own database lives (the user data folder), whatever ``--db`` says."""
    from caseload.store.engine import demo_db_path

    return Path(demo_db_path())


def fresh_demo_database() -> tuple[Engine, Path]:
    """An empty, migrated demo database (the demo's own file, never the user's cache): any
    earlier demo database and its WAL files are removed first."""
    from caseload.store.engine import demo_db_path, make_engine, migrate, sqlite_url

    path = demo_db_path()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(sqlite_url(path))
    migrate(engine)
    return engine, path


# --- the demo's notes ---------------------------------------------------------------------------

# (days before the as-of date, type, method, outcome, follow-up in days from the as-of date or
# None, text): a counselor's first weeks with a student at the top of their list. Fictional.
_DEMO_NOTES = (
    (24, "attendance_intervention", "phone", "left_message", None,
     "Called home about absences in the first weeks of school. Left a message."),
    (22, "parent_contact", "phone", "reached", None,
     "Spoke with a parent: the student has been caring for a younger sibling in the mornings."),
    (17, "student_meeting", "in_person", "reached", -3,
     "Met with the student. Agreed on an attendance goal and a check-in every Friday."),
    (10, "teacher_consult", "email", "reached", 2,
     "Asked teachers for missing work lists; two replied with make-up plans."),
    (4, "referral", "in_person", "meeting_set", 9,
     "Referred to the attendance team; meeting set for next week."),
)


def seed_demo_notes(engine: Engine, as_of: dt.date, *, per_counselor: int = 3) -> int:
    """Notes for the demo (never for a real cache): for the top ``per_counselor`` students of
    each counselor's caseload at ``as_of``, a few contact and intervention notes in the weeks
    before it, written by that counselor, with follow-ups (some due, some coming), so the
    notes, follow-ups, "did it work" and "what changed" screens show data. Returns how many."""
    from caseload.config import Config
    from caseload.domain.notes import ContactMethod, ContactOutcome, NoteType
    from caseload.services.context import Workspace
    from caseload.services.flags import flag_reports
    from caseload.services.notes import NewNote, add_note

    ws = Workspace(engine=engine, config=Config())
    reports = flag_reports(ws, as_of=as_of, counselor="all").reports
    chosen: dict[str, list[str]] = {}
    for report in reports:  # triage order; a student's first counselor writes about them
        if report.counselor_ids:
            picked = chosen.setdefault(report.counselor_ids[0], [])
            if len(picked) < per_counselor:
                picked.append(report.id)
    written = 0
    for counselor in sorted(chosen):
        for rank, student in enumerate(chosen[counselor]):
            # the top student has the whole story; the others its start
            for days, kind, method, outcome, follow_up, text in _DEMO_NOTES[: 5 - rank * 2]:
                add_note(ws, NewNote(
                    student_id=student, type=NoteType(kind), text=text,
                    contact_date=as_of - dt.timedelta(days=days),
                    follow_up=(as_of + dt.timedelta(days=follow_up)
                               if follow_up is not None else None),
                    author_id=counselor, method=ContactMethod(method),
                    outcome=ContactOutcome(outcome),
                ))
                written += 1
    return written
