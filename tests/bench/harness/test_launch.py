"""``bench.harness.launch`` runs a module on the loop a benchmark row names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Stands in for an installed uvloop; the probe imports it as the relay does.
FAKE_UVLOOP = "INSTALLED = True\n"
PROBE = """
try:
    import uvloop
except ImportError:
    print("asyncio")
else:
    print("uvloop" if getattr(uvloop, "INSTALLED", False) else "?")
"""


def _run(tmp_path: Path, *flags: str) -> str:
    (tmp_path / "uvloop.py").write_text(FAKE_UVLOOP)
    (tmp_path / "loop_probe.py").write_text(PROBE)
    paths = [str(tmp_path), *sys.path]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    argv = [sys.executable, "-m", "bench.harness.launch", *flags, "loop_probe"]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_the_asyncio_row_runs_on_asyncio_even_with_uvloop_installed(tmp_path: Path) -> None:
    # cobrowse serve picks uvloop when it can import it; the "asyncio" rows once
    # measured that instead of asyncio's own loop.
    assert _run(tmp_path) == "uvloop"
    assert _run(tmp_path, "--asyncio") == "asyncio"
