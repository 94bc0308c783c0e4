"""Shared test settings: where the corpora are (``COBROWSE_CORPUS``), the demo
site and a real redis-server (started by the launcher the benchmarks use)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bench.harness.redis_server import RedisServer, redis_binary, running_redis
from cobrowse.demo import make_demo_app

ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    """The shared corpora; ``COBROWSE_CORPUS`` overrides ``../shared/corpus``."""
    return Path(os.environ.get("COBROWSE_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture
def corpus() -> Path:
    path = corpus_dir()
    if not path.is_dir():
        pytest.skip(f"corpus not found at {path}: set COBROWSE_CORPUS to the shared corpus folder")
    return path


@pytest.fixture
async def demo(aiohttp_server: Any) -> TestServer:
    """The built-in demo ministry site on a free loopback port."""
    server: TestServer = await aiohttp_server(make_demo_app())
    return server


def redis_or_skip(
    directory: Path, *, unix_socket: bool = False
) -> AbstractContextManager[RedisServer]:
    """:func:`running_redis` in ``directory``; skips the test when redis-server is missing."""
    if redis_binary() is None:
        pytest.skip("redis-server not installed (make test installs it: apt-get redis-server)")
    return running_redis(directory, unix_socket=unix_socket)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server for this test, killed afterwards."""
    with redis_or_skip(tmp_path) as server:
        yield server
