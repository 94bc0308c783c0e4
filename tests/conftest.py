"""Shared test settings: where the corpora are (``COBROWSE_CORPUS``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

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
