"""Benchmarks of the relay against the floor of what is possible.

Run as ``python -m bench NAME [--quick] [--json]``; ``python -m bench all``
runs every benchmark and rewrites ``docs/benchmarks.md``. Servers run as
subprocesses on loopback; every load is bounded in count and time. These
are measurements, not tests: figures are compared with a baseline measured
in the same run, because the machines are shared and noisy.
"""
