"""Smoke tests of the benchmark harness: it imports, parses its arguments and
its pure helpers are right. No benchmark runs here and no timing is asserted."""

from __future__ import annotations

import importlib
import json
import zlib
from pathlib import Path

import msgpack
import pytest

from bench.__main__ import BENCHMARKS, MODULES, build_parser
from bench.outcome import Check, Outcome, Table, check
from bench.report import load_outcomes, reading, update_report, write_report
from bench.snapshot import deflated_size
from bench.stats import percentile, ratio


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_imports_and_parses_quick_json(name: str) -> None:
    module = importlib.import_module(MODULES[name])
    assert callable(module.run)
    assert module.__doc__, "the report quotes each module's docstring"
    args = build_parser().parse_args([name, "--quick", "--json"])
    assert (args.name, args.quick, args.json) == (name, True, True)


def test_all_is_a_name_and_unknown_names_are_refused() -> None:
    assert build_parser().parse_args(["all"]).name == "all"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["nonsense"])


def test_percentile_interpolates_and_is_nan_for_nothing() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert percentile([], 50) != percentile([], 50)  # NaN
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) != ratio(1.0, 0.0)


def test_deflated_size_is_one_permessage_deflate_message() -> None:
    data = msgpack.packb([2, 1, {"tree": ["div"] * 500}])
    size = deflated_size(data)
    assert 0 < size < len(data) // 10
    comp = zlib.compressobj(1, zlib.DEFLATED, -15)
    body = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
    assert body.endswith(b"\x00\x00\xff\xff") and size == len(body) - 4


def test_checks_and_tables() -> None:
    assert check("x ≤ 1", 0.5, 1.0).met is True
    assert check("x ≤ 1", 2.0, 1.0).verdict == "not met"
    assert check("x ≤ 1", float("nan"), 1.0).verdict == "not measured"
    table = Table("t", ["a", "b"], [[1234, 0.5], ["x", float("nan")]])
    assert table.markdown().splitlines()[3:] == ["|---|---|", "| 1,234 | 0.5 |", "| x | – |"]


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
