"""What an export says when it cannot be done: its file cannot be written (the notes exports,
the triage list), or the triage list's students changed since they were shown.

The export layer raises :class:`ExportWriteError` with the failure in words; the CLI prints
them and the app's export dialogs show them, matching the type (the TUI does not import the
export layer)."""

from __future__ import annotations

from pathlib import PurePath


class ExportWriteError(OSError):
    """An export's file could not be written. ``str()`` says what went wrong and where, in
    words fit for a counselor ("the folder /x does not exist", "/x/out is a folder: add a file
    name", "permission denied writing /x/y.pdf"): never the name of a temporary file and never
    anything of the export's content. ``errno`` is the OS error's (None when there was none)."""

    def __init__(self, code: int | None, words: str) -> None:
        super().__init__(code, words)
        self.words = words

    def __str__(self) -> str:
        return self.words


class TriageChanged(ValueError):
    """Students on screen the reader no longer has: reload and export again. Here, not in the
    use case, so the app's dialog can show it as the counselor's to mend (one message, in the
    dialog), matching the type."""


def extension(path: str) -> str:
    """The file name's extension, lower case, without its dot (``mine.PDF``: ``pdf``): what
    an export's file name says its format is (the app's dialogs follow it; ``notes export``
    refuses ``-o`` named for another format than ``--format``)."""
    return PurePath(path.strip()).suffix[1:].lower()
