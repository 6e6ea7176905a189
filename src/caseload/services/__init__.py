"""Use cases: what the CLI and the TUI both call (import, sync, flags, notes, export, changes).

A service takes plain arguments and returns typed results (dataclasses, domain objects); it never
prints and never imports Textual. ``cli.py`` parses arguments and prints what a service returns; the
TUI hands services to its screens (injection), so tests can give a screen a fake.

Open the cache with :func:`caseload.services.context.open_workspace`; the returned
:class:`~caseload.services.context.Workspace` carries the engine and the config. The CLI never
touches the engine itself: it passes the workspace to the services.
"""
