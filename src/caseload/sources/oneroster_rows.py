"""The row driver of the OneRoster CSV reader (:mod:`caseload.sources.oneroster_csv`, whose
REST twin :mod:`caseload.sources.oneroster_rest` reuses it): a file's table, and each row's
status, duplicate id, deletion and rejection handled in one place. Payload in, records out: no
cache here.
"""

from __future__ import annotations

from collections.abc import Callable

from caseload.domain.records import Deletion
from caseload.sources.csvutil import SECRET_COLUMNS, Container, CsvTable
from caseload.sources.dataset import Dataset, Reject, SourceError, row_refusal
from caseload.sources.oneroster_values import status as _status


class CsvRows:
    """What a OneRoster reader holds, and its files' tables and rows."""

    # class-level defaults: the REST reader reuses the reader without calling __init__
    version: str | None = None
    context = ""  # added to missing-column messages ("read as OneRoster 1.0...")
    skip_invalid: bool
    ds: Dataset
    container: Container

    def _table(
        self,
        name: str,
        required: tuple[str, ...],
        aliases: dict[str, tuple[str, ...]] | None = None,
        fallbacks: dict[str, tuple[str, ...]] | None = None,
    ) -> CsvTable:
        return CsvTable(
            self.container,
            name,
            required,
            aliases,
            fallbacks=fallbacks,
            rejects=self.ds.rejects if self.skip_invalid else None,
            context=self.context,
            skippable=True,
        )

    def _each(
        self,
        table: CsvTable,
        entity: str | None,
        handle: Callable[[list[str], str], None],
        id_column: str = "sourcedId",
        deleted: Callable[[list[str], str], None] | None = None,
        deletes_by_id: bool = True,
    ) -> None:
        """Run ``handle(row, sourced_id)`` per row; deletions, duplicates and rejects here.

        ``entity`` None: the file holds no records of its own (demographics, roles): its
        ``tobedeleted`` rows are not turned into deletions but go to ``deleted(row, id)``,
        which says what becomes of them. ``deletes_by_id`` False: the entity's records are not
        kept by the file's ids (incidents.csv's rows are students' parts in an incident), so a
        ``tobedeleted`` row is refused: nothing caseload stores goes by its id.
        """
        seen: dict[str, int] = {}
        if entity is not None:
            self.ds.line_maps[entity] = (table.name, seen)  # where each id came from
        id_col = table.index(id_column)
        table.key_column = id_col if entity is not None else None
        status_col = table.index("status")
        v10 = (self.version or "").startswith("1.0")
        inactive = 0
        for row in table.rows():
            try:
                sid = row[id_col].strip() if id_col is not None else ""
                if id_col is not None:
                    if not sid:
                        raise table.error(id_column, "is required but empty")
                    first = seen.get(sid)
                    if first is not None:
                        raise table.error(
                            id_column, f"duplicate id {sid!r} (first seen on line {first})"
                        )
                    seen[sid] = table.line
                status = row[status_col] if status_col is not None else ""
                if status and status != "active":
                    try:
                        status = _status(status, v10)
                    except ValueError as exc:
                        raise table.error("status", str(exc)) from None
                if status == "tobedeleted":
                    if entity is not None and id_col is None:  # caseloads.csv
                        raise table.error("status", f"'tobedeleted' in a file without "
                                          f"{id_column}: nothing says which record to delete; "
                                          "leave the row out instead")
                    if entity is not None and not deletes_by_id:  # incidents.csv
                        raise table.error("status", f"'tobedeleted' in {table.name}: caseload "
                                          f"keeps no record by its {id_column}, so nothing says "
                                          "what to delete; leave the row out instead")
                    if entity is not None:
                        self.ds.deletions.append(Deletion(entity, sid))
                    elif deleted is not None:
                        deleted(row, sid)
                    continue
                handle(row, sid)
                inactive += status == "inactive"
            except SourceError as err:
                if not self.skip_invalid:
                    row_refusal(err)
                    raise
                raw = {  # the file's own columns, once each (not the aliases too)
                    name: value for name, value in zip(table.header, row, strict=False)
                    if name.casefold() not in SECRET_COLUMNS
                }
                key = row[id_col].strip() if entity is not None and id_col is not None else None
                self.ds.rejects.append(Reject.from_error(err, raw, key))
        if inactive:
            self.ds.notices.append(
                f"{table.name}: {inactive} row{'s' if inactive != 1 else ''} with OneRoster 1.0's "
                "status 'inactive' loaded like active ones (caseload keeps no inactive state)"
            )
