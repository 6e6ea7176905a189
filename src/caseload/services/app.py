"""Opening the app: what the TUI is handed (the reader, the notes store, the palette's import
and sync), built from a workspace. The CLI wires these into the Textual app; the TUI never
opens the store itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseload.domain.text import plural

if TYPE_CHECKING:
    from caseload.services.context import Workspace
    from caseload.store.notes import NotesStore
    from caseload.store.repository import Repository

SyncProgress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ConfigMe:
    """Saves the first run's answer to "who are you?" as ``me`` in the config file at
    ``path`` (``caseload.config.save_me``: other settings and comments kept, written
    atomically, 0600). The TUI calls it (``tui.ports.SaveMe``) in a worker."""

    path: Path

    @property
    def where(self) -> str:
        try:
            return f"~/{self.path.relative_to(Path.home()).as_posix()}"
        except ValueError:
            return str(self.path)

    def __call__(self, counselor_id: str) -> str:
        from caseload.config import save_me

        save_me(self.path, counselor_id)
        return self.where


@dataclass(frozen=True)
class AppLaunch:
    """Everything the TUI needs, ready to hand over."""

    reader: Repository
    notes: NotesStore
    counselor_id: str | None
    as_of: dt.date
    empty: bool  # no students in the cache: the CLI says how to load some instead
    sync_names: tuple[str, ...]
    run_import: Callable[[str], str]
    run_sync_progress: Callable[[str, SyncProgress | None], str]
    export_notes: Callable[..., Any]  # the TUI's export: ``services.export.app_exporter``
    save_me: ConfigMe | None = None  # no ``me`` in the config: the TUI asks who you are
    me: str | None = None  # who writes notes: a granted login's person, else the config's `me`

    def run_sync(self, name: str) -> str:
        return self.run_sync_progress(name, None)


def prepare_app(
    ws: Workspace, *, counselor: str | None, as_of: dt.date | None, demo: bool = False
) -> AppLaunch:
    """The reader and notes store over ``ws``, whose caseload opens first (``counselor``, else
    the config's ``me``, else for the demo the largest caseload), and the palette's actions."""
    from caseload.config import config_path
    from caseload.services.export import app_exporter
    from caseload.services.flags import no_caseload
    from caseload.services.importing import import_into
    from caseload.services.notes import notes_store
    from caseload.services.sync import summary_line, sync_one
    from caseload.store.repository import Repository

    config = ws.config
    repo = Repository(ws.engine, thresholds=config.thresholds)
    empty = not repo.has_students()
    counselor_id = counselor or config.me
    if demo and counselor_id is None and not empty:
        counselor_id = repo.default_counselor()
    elif counselor is None and counselor_id is not None and not empty \
            and no_caseload(repo, counselor_id):
        # `me` with no caseload assignment (a psychologist, an assistant principal): every
        # student (issue 4), not an empty caseload; an explicit --counselor is kept as asked
        counselor_id = None

    def palette_import(path: str) -> str:
        summary = import_into(ws.engine, Path(path).expanduser(), config=config)
        total = sum(summary.counts.values())
        return f"Imported {plural(total, 'row', grouped=True)} from {path}"

    def palette_sync(name: str, progress: SyncProgress | None) -> str:
        if name not in config.sources:
            known = ", ".join(config.sources) or "none"
            raise ValueError(f"no source {name!r} in the config (configured: {known})")
        report: Any = sync_one(ws, name, progress=progress)
        return summary_line(report)

    return AppLaunch(
        reader=repo,
        notes=notes_store(ws),
        counselor_id=counselor_id,
        as_of=as_of or dt.date.today(),
        empty=empty,
        sync_names=tuple(config.sources),
        run_import=palette_import,
        run_sync_progress=palette_sync,
        export_notes=app_exporter(ws),
        # the demo's sample counselors are nobody's `me`: the demo never asks
        # a granted login (shared PostgreSQL) is the person of its grant: never asked
        save_me=(None if config.me or demo or ws.person
                 else ConfigMe(config.path or config_path())),
        me=ws.person or config.me,
    )
