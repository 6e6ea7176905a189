"""Zip archives read safely: no zip bomb gets decompressed.

Before a member is read, every member's declared sizes are checked: a member whose
uncompressed size is more than :data:`MAX_RATIO` (100) times its compressed size, or a running
total of uncompressed sizes above the limit (default 4 GB, ``$CASELOAD_ZIP_MAX_BYTES``), refuses
the whole archive with a :class:`SourceError` naming the member, also under ``--skip-invalid``
(it is not a bad row: nothing of such an archive is trusted). Members are then streamed (never
read whole), through :class:`GuardedStream`, which stops at the declared size and at the limit,
so an archive whose headers lie cannot get past the check either.

Small members (under :data:`RATIO_FLOOR`, 1 MiB uncompressed) are exempt from the ratio rule:
a short CSV of repeated values can compress very well and is harmless.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import IO

from caseload.sources.dataset import SourceError

MAX_RATIO = 100
RATIO_FLOOR = 1 << 20
DEFAULT_MAX_BYTES = 4 * 1024**3
ENV_MAX_BYTES = "CASELOAD_ZIP_MAX_BYTES"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "i": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
# ("b": "100B", plain bytes; "i": the regex's "iB" with no prefix, also bytes)


def parse_size(text: str) -> int:
    """``"4GB"``, ``"512 MiB"``, ``"1000000"`` -> bytes (K/M/G/T are powers of 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a size (e.g. 4GB, 512MB, 1000000)")
    unit = (m.group(2) or "").casefold()[:1]
    value = int(float(m.group(1)) * _UNITS[unit])
    if value <= 0:
        raise ValueError(f"{text!r} is not a positive size")
    return value


def max_bytes() -> int:
    """The total uncompressed size an archive may declare: ``$CASELOAD_ZIP_MAX_BYTES`` or 4 GB."""
    env = os.environ.get(ENV_MAX_BYTES)
    if not env:
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(env)
    except ValueError as exc:
        raise SourceError(f"${ENV_MAX_BYTES}", None, None, str(exc)) from None


def _gb(n: int) -> str:
    return f"{n:,} bytes ({n / 1024**3:.2f} GB)"


def check_archive(zf: zipfile.ZipFile, archive: str, limit: int | None = None) -> None:
    """Refuse ``zf`` (SourceError naming the member) if a member's declared sizes look like a
    zip bomb or all members together exceed ``limit``. Reads no member data."""
    limit = max_bytes() if limit is None else limit
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        member = f"{archive}:{info.filename}"
        size, packed = info.file_size, info.compress_size
        if size >= RATIO_FLOOR and size > MAX_RATIO * max(packed, 1):
            ratio = size / max(packed, 1)
            raise SourceError(
                member, None, None,
                f"refused: possible zip bomb (expands {ratio:,.0f}:1, from {packed:,} to "
                f"{_gb(size)}; the limit is {MAX_RATIO}:1); nothing was read",
            )
        total += size
        if total > limit:
            raise SourceError(
                member, None, None,
                f"refused: the archive expands to more than {_gb(limit)} (at this member, "
                f"{_gb(total)}; set ${ENV_MAX_BYTES} to allow more); nothing was read",
            )


class GuardedStream(io.RawIOBase):
    """A member's decompressed bytes, refused past its declared size or the archive limit."""

    def __init__(self, raw: IO[bytes], member: str, declared: int, budget: list[int]):
        self._raw = raw
        self._member = member
        self._left = declared
        self._budget = budget  # [bytes the archive may still produce], shared by members

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        self._left -= n
        self._budget[0] -= n
        if self._left < 0 or self._budget[0] < 0:
            raise SourceError(
                self._member, None, None,
                "refused: the member holds more data than its header declares "
                "(possible zip bomb); nothing was imported",
            )
        b[:n] = data
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class SafeZip:
    """A checked zip archive whose members open as guarded streams."""

    def __init__(self, zf: zipfile.ZipFile, archive: str, limit: int | None = None):
        limit = max_bytes() if limit is None else limit
        check_archive(zf, archive, limit)
        self.zf = zf
        self.archive = archive
        self._budget = [limit]

    def open(self, name: str) -> io.BufferedReader:
        info = self.zf.getinfo(name)
        raw = self.zf.open(info)
        stream = GuardedStream(raw, f"{self.archive}:{name}", info.file_size, self._budget)
        return io.BufferedReader(stream, 1 << 16)
