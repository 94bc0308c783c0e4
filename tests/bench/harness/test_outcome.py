"""A benchmark's outcome: checks against targets and its tables."""

from __future__ import annotations

from bench.harness.outcome import Table, check


def test_checks_and_tables() -> None:
    assert check("x ≤ 1", 0.5, 1.0).met is True
    assert check("x ≤ 1", 2.0, 1.0).verdict == "not met"
    assert check("x ≤ 1", float("nan"), 1.0).verdict == "not measured"
    table = Table("t", ["a", "b"], [[1234, 0.5], ["x", float("nan")]])
    assert table.markdown().splitlines()[3:] == ["|---|---|", "| 1,234 | 0.5 |", "| x | – |"]
