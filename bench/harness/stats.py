"""Small statistics for benchmark figures (no numpy needed)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["percentile", "ratio"]


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(a: float, b: float) -> float:
    """``a / b`` rounded to 2 places; NaN when ``b`` is zero or NaN."""
    if not b or math.isnan(b) or math.isnan(a):
        return math.nan
    return round(a / b, 2)
