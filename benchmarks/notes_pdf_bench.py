"""PDF for a meeting: a 500-student caseload with 200 notes, against fpdf2 writing the same text.

    python benchmarks/notes_pdf_bench.py [--caseload 500] [--notes 200] [--repeat 3]

Generates a synthetic school (the sample-data generator) with three counselors and about
``--caseload`` students each, imports it into a fresh SQLite cache, writes ``--notes`` short
notes (seeded) about students of the largest caseload, then in the same process times:
- caseload: ``caseload.services.export.export_notes`` for that counselor, format pdf, the
  default (cover page + one summary per student with notes), end to end: reading the notes,
  each noted student's flags, grades and attendance from the cache (a new Repository per run,
  facts decoded cold), rendering, the audit entry and the 0600 file;
- baseline: fpdf2 writing the same text raw (the cover's and every summary's lines, gathered
  beforehand and not timed) with the same font, one multi_cell per line, no tables or charts.
Each figure is the best of --repeat runs after one warm-up (wall clock), then the median of the
same runs, and the process's CPU time of the same runs (best, median), which other processes on
a loaded machine do not inflate; each on one line (benchmarks/report.py): what, value, the
baseline's, "ratio" to three significant figures, the goal and PASS/FAIL, or "info" where none
is set. Target (issue 12, "Papers for a meeting"): caseload under 2 s wall clock (the best);
and at most 1 + 2 x the noted students' pages (the last line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # report, imported as a module

from report import line, secs  # noqa: E402  (benchmarks/report.py: the figure lines)

TARGET_S = 2.0  # issue 12: the PDF for a meeting under 2 s wall clock
AS_OF = dt.date(2026, 11, 20)

TEXTS = [
    "Met to go over missing work in Algebra; agreed on a plan for the next two weeks.",
    "Called home, spoke with mom about absences. She will check the portal on Fridays.",
    "Check-in: feeling better about Biology, asked for tutoring on Tuesdays.",
    "Teacher consult with Ms. Ortiz about late assignments; extension until Friday.",
    "Referred to the school social worker after a conversation about home.",
    "Attendance meeting with family; truancy letter explained, next steps agreed.",
]


CPU: list[float] = []  # the process CPU time of each timed run of the last best_of


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    fn()  # warm-up
    times, result = [], None
    CPU.clear()
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        CPU.append(time.process_time() - c0)
    return min(times), times, result


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--caseload", type=int, default=500, help="students per counselor (about)")
    ap.add_argument("--notes", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from caseload.config import Config
    from caseload.domain.notes import NoteType
    from caseload.samplegen import generate
    from caseload.services import export as export_service
    from caseload.services import notes as notes_service
    from caseload.services.context import Workspace
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import make_engine, migrate
    from caseload.store.notes import NotesStore

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        generate(root / "school", students=args.caseload * 3, as_of=AS_OF)
        engine = make_engine(f"sqlite:///{root / 'cache.db'}")
        migrate(engine)
        load(engine, read_path(root / "school"))
        from caseload.domain.settings import Thresholds
        from caseload.store.facts import refresh

        refresh(engine, Thresholds())
        setup_s = time.perf_counter() - t0

        store = NotesStore(engine)
        counselors: dict[str, list[str]] = {}
        from sqlalchemy import text

        with engine.connect() as conn:
            for cid, sid in conn.execute(text("SELECT counselor_id, student_id FROM caseloads")):
                counselors.setdefault(cid, []).append(sid)
        counselor, caseload = max(counselors.items(), key=lambda kv: len(kv[1]))
        classes: dict[str, list[str]] = {}
        with engine.connect() as conn:
            for cls, sid in conn.execute(text(
                    "SELECT class_id, user_id FROM enrollments WHERE role = 'student'")):
                classes.setdefault(sid, []).append(cls)
        rng = random.Random(12)
        types = list(NoteType)
        for i in range(args.notes):
            sid = rng.choice(caseload)
            day = AS_OF - dt.timedelta(days=rng.randrange(0, 60))
            store.add(
                student_id=sid, author_id=counselor, type=rng.choice(types),
                text=rng.choice(TEXTS), contact_date=day,
                follow_up=day + dt.timedelta(days=7) if i % 3 == 0 else None,
                class_id=rng.choice(classes[sid]) if i % 4 == 0 and classes.get(sid) else None,
            )
        noted = len({n.student_id for n in store.list(counselor_id=counselor)})
        print(f"school: {len(caseload)} students on {counselor}'s caseload (of "
              f"{sum(map(len, counselors.values()))}), {args.notes} notes about {noted} "
              f"students; set-up {setup_s:.1f} s (not timed)")

        ws = Workspace(engine, Config(me=counselor))
        out = root / "meeting.pdf"
        request = export_service.ExportRequest(
            format=export_service.ExportFormat.PDF, path=out,
            scope=notes_service.resolve_scope(ws, counselor=counselor), as_of=AS_OF,
        )

        def caseload_run() -> Any:
            return export_service.export_notes(ws, request)

        cl_s, cl_times, result = best_of(caseload_run, args.repeat)
        cl_cpu = list(CPU)
        pdf_bytes = out.read_bytes()

        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
        pages = len(reader.pages)
        lines = [pdf_line for page in reader.pages
                 for pdf_line in (page.extract_text() or "").splitlines()]

        from fpdf import FPDF

        from caseload.export.notes_pdf import find_unicode_font

        fonts = find_unicode_font()

        def baseline() -> bytes:
            doc = FPDF(orientation="P", unit="mm", format="letter")
            doc.set_margins(15, 15, 15)
            doc.set_auto_page_break(True, margin=18)
            if fonts is not None:
                doc.add_font("DejaVu", "", str(fonts[0]))
                doc.set_font("DejaVu", "", 10)
            else:
                doc.set_font("helvetica", "", 10)
            doc.add_page()
            for pdf_line in lines:
                if pdf_line.startswith("Student summary"):
                    doc.add_page()
                safe = pdf_line if fonts is not None else pdf_line.encode(
                    "latin-1", "replace").decode("latin-1")
                doc.multi_cell(doc.epw, 5, safe, new_x="LMARGIN", new_y="NEXT")
            return bytes(doc.output())

        base_s, base_times, _ = best_of(baseline, args.repeat)
        summaries = sum(1 for pdf_line in lines if pdf_line.startswith("Student summary"))
        base_cpu = list(CPU)  # best_of's CPU times, of the baseline's runs now
        limit = 1 + 2 * noted
        print(f"caseload PDF: {pages} pages (cover + {summaries} summaries), "
              f"{len(pdf_bytes) / 1024:.0f} KiB, {result.entry.count} notes; fpdf2 baseline: "
              f"the same {len(lines)} lines as raw text")
        what = f"PDF, {len(caseload)} students, {args.notes} notes"
        print(line(f"{what}, best", secs(cl_s), "fpdf2 raw", secs(base_s), cl_s / base_s,
                   f"< {TARGET_S:g} s, issue 12", cl_s < TARGET_S))
        cl_med, base_med = statistics.median(cl_times), statistics.median(base_times)
        print(line(f"{what}, median", secs(cl_med), "fpdf2 raw", secs(base_med),
                   cl_med / base_med, "none", None))
        print(line(f"{what}, CPU best", secs(min(cl_cpu)), "fpdf2 CPU", secs(min(base_cpu)),
                   min(cl_cpu) / min(base_cpu), "none", None))
        print(line(f"{what}, CPU median", secs(statistics.median(cl_cpu)), "fpdf2 CPU",
                   secs(statistics.median(base_cpu)),
                   statistics.median(cl_cpu) / statistics.median(base_cpu), "none", None))
        print(line(f"PDF pages, {noted} noted students", f"{pages}", "1 + 2 x noted",
                   f"{limit}", pages / limit, "<= 1 + 2 x noted", pages <= limit))

if __name__ == "__main__":
    main()
