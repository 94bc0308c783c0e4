"""docs/benchmarks.md: written from outcomes, one section rerun at a time."""

from __future__ import annotations

import json
from pathlib import Path

from bench.harness.outcome import Check, Outcome, Table
from bench.harness.report import load_outcomes, reading, update_report, write_report


def test_report_keeps_the_analysis_block(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text("old\n<!-- analysis -->\nhand-written reading\n<!-- /analysis -->\nold\n")
    outcomes = [
        Outcome(
            "memory",
            figures={"kib_per_session": 80.0, "floor_kib_per_session": 40.0},
            tables=[Table("mem", ["a"], [[1]])],
            checks=[Check("kib_per_session ≤ 100", True)],
        ),
        Outcome("redis", available=False, notes=["not available yet"]),
    ]
    write_report(outcomes, output=str(path))
    text = path.read_text()
    assert "hand-written reading" in text and "old" not in text.split("## Machine")[0]
    assert "| `memory` | kib_per_session ≤ 100 | **met** |" in text
    assert "not available yet" in text and "nproc" in text
    assert reading(outcomes[0]).startswith("An idle session")
    figures = text.split("JSON (`python -m bench memory --json`): `")[1].split("`")[0]
    assert json.loads(figures)["kib_per_session"] == 80.0


def test_one_benchmark_rerun_replaces_only_its_section(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    first = [
        Outcome("memory", figures={"kib_per_session": 80.0}, command="python -m bench all"),
        Outcome("navdiff", figures={"median_diff_ratio": 0.2}, tables=[Table("t", ["x"], [[1]])]),
    ]
    write_report(first, output=str(path))
    rerun = Outcome(
        "memory", figures={"kib_per_session": float("nan")}, command="python -m bench memory"
    )
    update_report(rerun, output=str(path))
    again = {o.name: o for o in load_outcomes(str(path))}
    assert again["memory"].figures == {"kib_per_session": None}
    assert again["navdiff"].tables[0].rows == [[1]]
    assert "`python -m bench memory`" in path.read_text()
