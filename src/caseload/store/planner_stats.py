"""PostgreSQL's planner statistics brought up to date after a large write.

PostgreSQL plans a query from each table's statistics, which ANALYZE gathers and autovacuum
refreshes in the background, a minute or more after a large write. A full import writes
every table and the facts refresh starts at once: planned on no statistics, PostgreSQL
guesses that ``student_id = ANY(250 ids)`` matches every row of ``results`` and scans the
whole table for each chunk of 250 students. At 75,000 students (17 million results, 300
chunks) that made the refresh grow faster than the district: 126.8 s, against 70.8 s with
this module (docs/PERFORMANCE.md, the 2026-12-05 07:27 run); at 20,000, 32.9 s against 14.7 s.
``analyze_written`` does what autovacuum would, but before the rows are read:
each table written past autovacuum's own threshold (``BASE`` rows plus ``SHARE`` of the rows
the planner knows of; a table never analyzed, whatever was written) is analyzed, which
samples a fixed number of rows (about a second for ``results`` at 75,000 students); of the
facts tables, only the columns queries compare (``KEYS``), and when worker processes write
them, halfway through (``facts.refresh_detail``).

A load also vacuums what it analyzes (``vacuum=True``), as autovacuum would after so many
inserts: a table's visibility map is set only by VACUUM, and until it is, PostgreSQL cannot
answer from an index alone. The refresh's read of a chunk's results (``result_columns``) is
an index-only scan of ``ix_results_student_line_item`` on a vacuumed table (0.06-0.08 s for
500 students of 5,000) and, right after an import, a scan of the whole table by three
processes, its two parallel workers beside it (0.22-0.41 s each, on two cores that the
refresh's worker processes already fill), while autovacuum's own VACUUM of ``results``
joined in a minute later. VACUUM of the 1.27 million results of 5,000 students took 0.17 s.

SQLite plans without statistics (it prefers an index), so nothing is done there. A login that
does not own the tables (a counselor's, issue 13) gets PostgreSQL's warning, not an error,
and nothing is analyzed; an error here is logged, never the caller's failure: statistics
change how fast a query runs, never what it returns."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from sqlalchemy import Engine, text

from caseload.store.tables import METADATA

log = logging.getLogger(__name__)

BASE = 50  # autovacuum_analyze_threshold's default
SHARE = 0.1  # autovacuum_analyze_scale_factor's default

# The facts tables' columns that queries filter or join on (their others are packed arrays,
# which no query compares): only these are analyzed. The whole of ``mat_class_facts``, its
# bytea arrays sampled too, took 0.19 s of each full refresh at 5,000 students; its two
# keys take 0.06 s. (The table's row and page counts are brought up to date either way.)
KEYS: dict[str, tuple[str, ...]] = {
    "mat_student": ("student_id", "attendance_through"),
    "mat_class": ("class_id",),
    "mat_class_facts": ("student_id", "class_id"),
}


def stale(written: Mapping[str, int], known: Mapping[str, float]) -> list[str]:
    """The tables of ``written`` (rows written, by table) to analyze, given the rows the
    planner knows each has (``known``: pg_class.reltuples; below 0 or absent, never
    analyzed), in name order."""
    out = []
    for name, rows in written.items():
        if rows <= 0:
            continue
        have = known.get(name, -1.0)
        if have < 0 or rows > BASE + SHARE * have:
            out.append(name)
    return sorted(out)


def analyze_written(
    engine: Engine, written: Mapping[str, int], *, vacuum: bool = False
) -> list[str]:
    """On PostgreSQL, ANALYZE the tables ``written`` (rows written, by table name; names
    that are not this schema's tables are ignored) that ``stale`` picks, and VACUUM them
    first when ``vacuum``; returns them. Elsewhere, or on an error (logged), nothing and
    []."""
    if engine.dialect.name != "postgresql":
        return []
    ours = {name: n for name, n in written.items() if name in METADATA.tables}
    if not ours:
        return []
    try:
        # (VACUUM runs outside a transaction: each statement commits as it ends)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            known = {
                name: float(rows)
                for name, rows in conn.execute(
                    text(
                        "SELECT c.relname, c.reltuples FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = current_schema() AND c.relname = ANY(:names)"
                    ),
                    {"names": sorted(ours)},
                )
            }
            picked = stale(ours, known)
            if picked:
                quote = conn.dialect.identifier_preparer.quote
                verb = "VACUUM (ANALYZE) " if vacuum else "ANALYZE "
                conn.exec_driver_sql(verb + ", ".join(
                    quote(name) + (f" ({', '.join(map(quote, KEYS[name]))})"
                                   if name in KEYS else "")
                    for name in picked
                ))
    except Exception as exc:  # (statistics: speed, never correctness)
        log.warning("updating the planner statistics failed: %s", type(exc).__name__)
        return []
    return picked


def analyzing(engine: Engine, written: Mapping[str, int]) -> Callable[[], list[str]]:
    """``analyze_written`` in a thread of its own, while the caller goes on (its writes to
    other tables, or its waits: ANALYZE takes a lock that lets rows be written meanwhile);
    returns the call that waits for it and returns the tables analyzed. Elsewhere than on
    PostgreSQL no thread is started (nothing is analyzed)."""
    if engine.dialect.name != "postgresql":
        return list
    picked: list[str] = []
    thread = threading.Thread(
        target=lambda: picked.extend(analyze_written(engine, written)),
        name="caseload-analyze", daemon=True,
    )
    thread.start()

    def done() -> list[str]:
        thread.join()
        return picked

    return done
