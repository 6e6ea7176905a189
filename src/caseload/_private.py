"""Folders readable by their owner only (student data is FERPA-protected): every folder
caseload creates is 0700 whatever the umask, the missing folders above it too (``mkdir(parents=
True, mode=...)`` gives the mode to the last one only), and caseload's own folders (the cache's
and the config's default ones) are tightened when an older version or another tool left them
open. A folder the user named (``--db /tmp/x.db``) is never changed (nor created by the
commands: ``caseload.store.engine.refuse_missing_folder``)."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def private_dir(path: Path, *, tighten: bool = False) -> None:
    """Create ``path`` and every missing folder above it, each 0700; ``tighten``: an existing
    ``path`` of this user's that others may read or enter is made 0700 too."""
    missing: list[Path] = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by another process: left as it is
            continue
        os.chmod(folder, 0o700)  # (mkdir's mode is less the umask: a umask of 0o200 etc.)
    if not missing and not path.is_dir():  # as mkdir says of a file in the way
        raise FileExistsError(errno.EEXIST, "a file, not a folder", str(path))
    if tighten and not missing:
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(path, 0o700)
