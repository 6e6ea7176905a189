"""The one output rounding: half up (away from zero) on the decimal value, float noise removed.

Grades, rates and percentages are computed unrounded and rounded only where they are shown
(JSON, CSV, the table, the TUI, PDF and Markdown exports, flag messages and evidence). They
are rounded the way a teacher's gradebook does: an exact tie goes up, 46.25 -> 46.3,
85.35 -> 85.4, 92.45 -> 92.5 (and -12.25 -> -12.3), whatever the binary float holding the
value happens to be (85.35 is stored as 85.349999...). Python's ``round()`` and format specs
round the binary value half to even, so ties went either way.

The definition is :func:`round_half_up_exact`: the value's decimal form to nine places (which
removes float noise; no computed grade carries meaningful digits that far), rounded half up.
:func:`round_half_up` gives the same result, and is what callers use: it decides on floats
when the value is clearly away from a tie (nearly always), and asks the Decimal definition
when it is within 1e-6 of one, or too large for the float test to be sure.

Figures from the data (a score, a maximum, a weight) are never rounded: they are shown as the
source gave them, :func:`exact_text` (the shortest decimal that is the stored value: 8.25,
0.125, 10), and a sum of them (a category's points) as :func:`sum_text`.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

# Why the float test agrees with the definition. Let S = |x| * 10**digits + 0.5 (real). For
# S below _FAST_LIMIT (2**20 > 1e6), computing it in floats is off by at most two half ulps,
# under 1.2e-10. The definition first moves x by at most 5e-10 (nine places), S by at most
# 5e-10 * 10**digits <= 5e-7 (digits <= 3). So when the computed S is more than _MARGIN
# (1e-6) from every integer, the real S and the definition's S have the same floor, and that
# floor is the rounded value (half up on |x|). Ties and near-ties go to the definition.
_FAST_LIMIT = 1e6
_WHOLE = 2.0**52  # every float this large is a whole number
_MARGIN = 1e-6
_SCALE = {0: 1.0, 1: 10.0, 2: 100.0, 3: 1000.0}
_QUANTUM = {d: Decimal(1).scaleb(-d) for d in _SCALE}


def round_half_up_exact(x: float, digits: int = 1) -> float:
    """The definition: ``x`` to nine decimal places, then rounded half up (away from zero) to
    ``digits`` places (0 to 3). Minus zero becomes zero; NaN and infinities are returned as
    they are."""
    if not math.isfinite(x):
        return x
    if abs(x) >= _WHOLE:  # already a whole number (and too long for Decimal's 28 digits)
        return x
    return float(Decimal(f"{x:.9f}").quantize(_QUANTUM[digits], ROUND_HALF_UP)) + 0.0


def round_half_up(x: float, digits: int = 1) -> float:
    """``x`` rounded half up to ``digits`` decimal places (0 to 3), as
    :func:`round_half_up_exact` (same result for every float), for output only. The result
    is the float nearest the decimal (46.3), so ``repr``, ``json`` and ``f"{r:.1f}"`` write
    it exactly."""
    scale = _SCALE[digits]
    s = abs(x) * scale + 0.5
    if s < _FAST_LIMIT:  # (False for NaN and infinities: the exact path keeps them)
        k = math.floor(s)
        if _MARGIN < s - k < 1.0 - _MARGIN:  # clearly not at a tie: floor(s) is the answer
            if not k:
                return 0.0
            return (k if x > 0 else -k) / scale
    return round_half_up_exact(x, digits)


def exact_text(x: float) -> str:
    """A figure from the data as the source gave it: the shortest decimal that reads back as
    the stored value (Python's ``repr``), written out without an exponent and without
    trailing zeros: 8.25 -> "8.25", 10.0 -> "10", 0.125 -> "0.125", 1e-05 -> "0.00001",
    1e16 -> "10000000000000000". Never rounded (a score of 8.25 is not 8.3). Minus zero is
    "0"; NaN and infinities (which the readers refuse) are written as ``repr`` writes them."""
    if not math.isfinite(x):
        return repr(x)
    if x == 0:
        return "0"
    return f"{Decimal(repr(x)).normalize():f}"


def sum_text(x: float) -> str:
    """A sum of figures from the data (a category's points earned and possible) as
    :func:`exact_text`, less the float noise of the adding (0.1 + 0.2 is 0.30000000000000004
    as a float): the sum to nine decimal places, as :func:`round_half_up_exact` removes it.
    8.25 + 0.125 is "8.375", never rounded to one decimal."""
    if not math.isfinite(x) or abs(x) >= _WHOLE:
        return exact_text(x)
    return exact_text(float(Decimal(f"{x:.9f}")))
