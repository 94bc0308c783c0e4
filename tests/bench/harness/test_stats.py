"""The statistics the benchmarks report."""

from __future__ import annotations

from bench.harness.stats import percentile, ratio


def test_percentile_interpolates_and_is_nan_for_nothing() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert percentile([], 50) != percentile([], 50)  # NaN
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) != ratio(1.0, 0.0)
