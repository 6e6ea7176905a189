"""Which reader a path needs."""

from __future__ import annotations

from pathlib import Path

from caseload.sources.dataset import Dataset, SourceError


def read_path(path: Path, *, skip_invalid: bool = False) -> Dataset:
    """Read a OneRoster CSV folder/.zip (with manifest.csv) or a folder of Ed-Fi XML."""
    from caseload.sources import oneroster_csv

    if not path.exists():
        raise SourceError(str(path), None, None, "no such file or folder")
    if oneroster_csv.is_oneroster(path):
        return oneroster_csv.read_oneroster(path, skip_invalid=skip_invalid)
    from caseload.sources import edfi_xml

    if path.is_dir() and edfi_xml.is_edfi_folder(path):
        return edfi_xml.read_edfi_folder(path, skip_invalid=skip_invalid)
    raise SourceError(
        str(path), None, None,
        "not a recognized export: expected a OneRoster folder or .zip with manifest.csv, "
        "or a folder of Ed-Fi Interchange XML files",
    )
