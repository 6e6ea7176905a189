"""The benchmarks' figure lines (issue 13): one line per figure, beside its same-run baseline.

    what                                     value  baseline-name  baseline  ratio R  (goal G)  PASS

``line`` prints what is measured, its value, the baseline's name and value, the word "ratio"
and value / baseline to three significant figures (``sig3``: 0.595 stays "0.595", never
"0.60"; 12.63 is "12.6"; 1234 is "1.23e+03"), the goal, and PASS or FAIL against it, or "info"
where no goal is set. ``secs`` and ``ms`` format times for it. Every script ``make bench`` runs
(import_bench, flags_bench, tui_bench, sync_bench, notes_pdf_bench) imports this module.
"""

from __future__ import annotations

NO_RATIO = "—"  # a figure without a baseline value (e.g. not measured in this run)


def sig3(x: float) -> str:
    """``x`` to three significant figures (0.595 stays "0.595", never "0.60")."""
    return f"{x:#.3g}".rstrip(".")


def verdict(ok: bool | None) -> str:
    """PASS or FAIL against the goal; "info" where there is none (``ok`` is None)."""
    return "info" if ok is None else ("PASS" if ok else "FAIL")


def line(what: str, ours: str, base_name: str, base: str, ratio: float | None, goal: str,
         ok: bool | None) -> str:
    """One figure: what, value, baseline name and value, "ratio" (three significant figures,
    "—" when ``ratio`` is None), the goal, PASS/FAIL (``ok``) or info (``ok`` None)."""
    r = NO_RATIO if ratio is None else sig3(ratio)
    return (f"{what:<46} {ours:>12}  {base_name} {base:>10}  ratio {r:>6}  "
            f"(goal {goal})  {verdict(ok)}")


def secs(x: float) -> str:
    """Seconds: three decimals under 10 s, one from there."""
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def ms(x: float, decimals: int = 0) -> str:
    """Seconds ``x`` as milliseconds, ``decimals`` after the point."""
    return f"{x * 1000:.{decimals}f} ms"
