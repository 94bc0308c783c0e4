"""Smoke tests of the benchmarks: each imports and parses its arguments, and
their pure helpers are right (the harness's own are tested in
``tests/bench/harness``). No benchmark runs here and no timing is asserted."""

from __future__ import annotations

import importlib
import zlib

import msgpack
import pytest

from bench.__main__ import BENCHMARKS, MODULES, build_parser
from bench.snapshot import deflated_size


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


def test_deflated_size_is_one_permessage_deflate_message() -> None:
    data = msgpack.packb([2, 1, {"tree": ["div"] * 500}])
    size = deflated_size(data)
    assert 0 < size < len(data) // 10
    comp = zlib.compressobj(1, zlib.DEFLATED, -15)
    body = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
    assert body.endswith(b"\x00\x00\xff\xff") and size == len(body) - 4
