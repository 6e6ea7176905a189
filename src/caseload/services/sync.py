"""The sync use cases: bring the cache up to date from configured API sources, and store a
source's secret (``caseload sync``, ``caseload login``, the app's "Sync NAME").

Typed in, typed out; nothing here prints. The work itself (fetch, map, one-transaction
load) is :func:`caseload.sources.sync.sync`; this layer picks the sources, turns each
failure into a :class:`SourceOutcome` the caller can show, and rebuilds the analytics once
after the sources that landed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from caseload.sources import secrets
from caseload.sources.dataset import SourceError
from caseload.sources.http import SyncError
from caseload.sources.secrets import SecretMissing
from caseload.sources.sync import Progress, SyncReport, summary_line

if TYPE_CHECKING:
    from caseload.config import Config
    from caseload.services.context import Workspace

__all__ = [
    "LoginResult",
    "NoSecretGiven",
    "SecretMissing",
    "SourceOutcome",
    "SyncRun",
    "SyncSetupError",
    "UnknownSource",
    "source_names",
    "store_login_secret",
    "summary_line",
    "sync_one",
    "sync_sources",
]

log = logging.getLogger(__name__)

FAILURES = (SyncError, SourceError, SecretMissing)


class SyncSetupError(Exception):
    """Nothing to sync as asked (no sources configured, an unknown name); worded for the
    user."""


class UnknownSource(SyncSetupError):
    """A source name that is not a ``[sources.NAME]`` table of the config."""


class NoSecretGiven(Exception):
    """``caseload login`` got an empty secret: nothing stored."""


@dataclass(frozen=True)
class SourceOutcome:
    """One source's sync: its report when it landed, else the error (the cache is then as
    it was for that source)."""

    name: str
    report: SyncReport | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None


@dataclass
class SyncRun:
    """Every source asked for, in order."""

    outcomes: list[SourceOutcome] = field(default_factory=list)
    refreshed: int | None = None  # students whose facts the refresh recomputed

    @property
    def synced(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.synced


def source_names(config: Config, name: str | None = None) -> list[str]:
    """The sources a sync of ``name`` (None: all) covers, in config order. Raises
    :class:`SyncSetupError` when none are configured or ``name`` is not one of them."""
    where = config.path or "the config file"
    if not config.sources:
        raise SyncSetupError(
            f"no sources configured: add a [sources.NAME] table to {where} (see docs/SYNC.md)"
        )
    if name is not None and name not in config.sources:
        known = ", ".join(config.sources)
        raise UnknownSource(f"no source {name!r} in {where} (configured: {known})")
    return [name] if name is not None else list(config.sources)


def sync_one(
    ws: Workspace,
    name: str,
    *,
    full: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    refresh: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> SyncReport:
    """Sync source ``name`` (fetch, then load) and, with ``refresh``, rebuild the
    analytics. Raises SyncError, SourceError or SecretMissing (messages for the user, no
    secret in any form); the cache is then unchanged."""
    from caseload.services.facts import check_refresh_workers
    from caseload.sources.sync import sync
    from caseload.store.import_lock import import_lock

    if refresh:
        check_refresh_workers()  # before anything is fetched or written
    names = source_names(ws.config, name)
    with import_lock(ws.engine, f"caseload sync {names[0]}", on_wait=on_wait):
        report = sync(
            ws.engine, names[0], ws.config.sources[names[0]], full=full,
            skip_invalid=skip_invalid, progress=progress,
        )
        if refresh:
            from caseload.services.facts import refresh_facts

            refresh_facts(ws.engine, ws.config)
    return report


def sync_sources(
    ws: Workspace,
    names: Sequence[str],
    *,
    full: bool = False,
    skip_invalid: bool = False,
    progress_for: Callable[[str], Progress | None] | None = None,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> SyncRun:
    """Sync each source in turn; one failing does not stop the others. ``progress_for(name)``
    gives each source's progress callback; ``on_outcome`` sees each outcome as it comes. The
    analytics are rebuilt once, after the last source, when any landed (``run.refreshed``
    students' facts). The whole run holds the import lock (see ``sync_one``)."""
    from caseload.services.facts import check_refresh_workers
    from caseload.store.import_lock import import_lock

    check_refresh_workers()  # before anything is fetched or written

    with import_lock(ws.engine, f"caseload sync {' '.join(names)}", on_wait=on_wait):
        return _sync_sources(ws, names, full=full, skip_invalid=skip_invalid,
                             progress_for=progress_for, on_outcome=on_outcome)


def _sync_sources(
    ws: Workspace,
    names: Sequence[str],
    *,
    full: bool,
    skip_invalid: bool,
    progress_for: Callable[[str], Progress | None] | None,
    on_outcome: Callable[[SourceOutcome], None] | None,
) -> SyncRun:
    run = SyncRun()
    for name in names:
        progress = progress_for(name) if progress_for is not None else None
        try:
            report = sync_one(
                ws, name, full=full, skip_invalid=skip_invalid, progress=progress,
                refresh=False,
            )
        except FAILURES as exc:
            message = exc.describe() if isinstance(exc, SourceError) else str(exc)
            outcome = SourceOutcome(name, error=message)
        except Exception as exc:
            # a database failure while loading, a stopped apply...: this source failed; the
            # others still run and the facts of those that landed are still refreshed; said
            # in words or by its kind, never its text
            from caseload.db_errors import is_database_error, user_message
            from caseload.store.staging import ApplyInterrupted

            log.warning("sync of source %r failed: %s", name, type(exc).__name__)
            known = is_database_error(exc) or isinstance(exc, ApplyInterrupted)
            outcome = SourceOutcome(name, error=user_message(exc) if known else (
                f"the sync failed unexpectedly ({type(exc).__name__}); the cache is as it was "
                "for this source"))
        else:
            outcome = SourceOutcome(name, report=report)
        run.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    if run.synced:
        from caseload.services.facts import refresh_facts

        run.refreshed = refresh_facts(ws.engine, ws.config)
    return run


@dataclass(frozen=True)
class LoginResult:
    source: str
    what: str  # "client secret" or "value for header 'X'"
    env_var: str  # the environment variable that overrides the keyring entry


def store_login_secret(
    config: Config, name: str, secret: str, header: str | None = None
) -> LoginResult:
    """Store source ``name``'s client secret (or the value of its extra ``header``) in the OS
    keyring. Raises :class:`UnknownSource`, :class:`NoSecretGiven`, or SecretMissing when no
    keyring backend can store it (its message names the environment variable instead)."""
    if name not in config.sources:
        raise UnknownSource(f"no source {name!r} in {config.path or 'the config file'}")
    if not secret:
        raise NoSecretGiven("nothing entered; nothing stored")
    secrets.store_secret(name, secret, header)
    return LoginResult(name, login_prompt(header), secrets.env_var(name, header))


def login_prompt(header: str | None = None) -> str:
    """What ``caseload login`` asks for."""
    return f"value for header {header!r}" if header else "client secret"
