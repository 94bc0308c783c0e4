"""What the benchmarks ran on, for the report."""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from importlib import metadata

__all__ = ["describe"]

_PACKAGES = ("aiohttp", "lxml", "msgpack", "uvloop", "playwright", "redis")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return float("nan")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict[str, str]:
    """nproc, CPU model, memory, OS, Python and the versions that matter."""
    info = {
        "nproc": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{_memory_gib()} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "load average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
    info.update({name: _version(name) for name in _PACKAGES})
    policy = type(asyncio.get_event_loop_policy()).__module__.split(".")[0]
    info["load generator loop"] = "uvloop" if policy == "uvloop" else "asyncio"
    return info
