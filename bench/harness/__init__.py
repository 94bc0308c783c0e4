"""What the benchmarks share: servers under test, load, statistics and the report.

Every module directly under ``bench/`` is one benchmark (``python -m bench
NAME``); everything it needs that is not the measurement itself lives here.
The relay and redis-server launchers (:mod:`bench.harness.procs`,
:mod:`bench.harness.redis_server`) are also what the tests start their
servers with, so a benchmark and a test run the relay the same way.
"""
