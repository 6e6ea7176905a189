"""Ed-Fi scores in two units: points (``PointsEarned``) and percentages (``NumericGradeEarned``).

A StudentGradebookEntry gives its score as ``PointsEarned`` (Data Standard 5+), in the
gradebook entry's own points, or as ``NumericGradeEarned``, a percentage (docs/DATA_FORMATS.md).
caseload keeps one unit per line item, its points, so a percentage is read as that share of the
entry's maximum: 85 on an entry with ``MaxPoints`` 10 is 8.5 points, and on an entry out of 100
(no ``MaxPoints``) it is 85. The product is exact (:func:`percent_points`), never rounded. An
entry with no maximum (no ``MaxPoints``, scored in ``PointsEarned``: ``edfi_common.assemble``)
gives a percentage no number of points: the result is listed with no score, and counted.

The percentage is kept with the result (``Result.score_percent``, ``results.score_percent``),
so that the score follows the maximum wherever it is decided:

- the reader (``edfi_common.assemble``) for the entries it carries (:func:`result_score`);
- the loader (``load_delta.score_percentages``, with its checks, reads only), from the maximum the
  load ends with: an entry the import does not carry (an incremental sync's changed score
  alone) has its cached maximum; an entry whose maximum the load changes (``MaxPoints`` edited,
  or an entry out of 100 that points now score: ``keep_cached_maxima``) has its cached
  percentage scores read again, as a full import would read them.

A result giving both is scored by its ``PointsEarned``; the loader counts those whose
``NumericGradeEarned`` is not the percentage the points make of the maximum (a source that
gives ``NumericGradeEarned`` in points shows up there).
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

__all__ = [
    "NO_MAXIMUM_PERCENT",
    "PERCENT_DISAGREES",
    "percent_points",
    "result_score",
]

NO_MAXIMUM_PERCENT = (
    "not shown: {n} (Ed-Fi NumericGradeEarned) of gradebook entries with no maximum points "
    "(scored in PointsEarned with no MaxPoints): a percentage of an unknown maximum is no "
    "number of points, so the result is listed with no score"
)
"""``n``: ``plural(found, "percentage score", grouped=True)``."""
PERCENT_DISAGREES = (
    "not shown: {n} (Ed-Fi NumericGradeEarned) given beside PointsEarned, a percentage point "
    "or more away from the share of MaxPoints those points make: the points are the score "
    "(is NumericGradeEarned given in points?)"
)
"""``n``: ``plural(found, "percentage score", grouped=True)``."""


def percent_points(percent: float, maximum: float | None) -> float | None:
    """``percent`` per cent of ``maximum`` points, as the decimals given multiply: 85 of 10 is
    8.5, 33.33 of 7 is 2.3331 (never a float product's noise, never rounded: no precision the
    source did not give, none dropped). None when there is no maximum."""
    if maximum is None:
        return None
    if maximum == 100:  # (nearly every entry without MaxPoints: the percentage itself)
        return float(percent)
    with localcontext(Context(prec=80)):  # exact: two floats' digits, at most 17 each
        value = Decimal(repr(percent)) * Decimal(repr(maximum)) / 100
    return float(value)


def result_score(
    score: float | None, percent: float | None, points: bool, maximum: tuple[float | None] | None
) -> tuple[float | None, float | None, float | None]:
    """A result's (score, score_percent, NumericGradeEarned beside its points) as the reader
    makes it. ``score``: PointsEarned, else NumericGradeEarned; ``percent``: the
    NumericGradeEarned read (or None); ``points``: the score is the PointsEarned; ``maximum``:
    (the entry's maximum,) when the import carries the entry, else None (the loader reads the
    percentage with the cached one)."""
    if percent is None:
        return score, None, None
    if points:
        return score, None, percent
    return (percent if maximum is None else percent_points(percent, maximum[0])), percent, None
