"""Real-browser fixtures: the relay as a subprocess (`cobrowse serve --demo`,
free ports, started by the launcher the benchmarks use:
:func:`bench.harness.procs.start_relay`) and the system Chromium driven by
Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from bench.harness.procs import Server, start_relay

CHROMIUM = os.environ.get("COBROWSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
]


def configured_relay(factory: pytest.TempPathFactory, config: str) -> Iterator[Server]:
    """A relay started with ``config`` as its config file, for a module fixture
    (``yield from configured_relay(tmp_path_factory, CONFIG)``)."""
    path = Path(factory.mktemp("relay")) / "relay.toml"
    path.write_text(config)
    with start_relay("--config", str(path)) as relay:
        yield relay


@pytest.fixture(scope="module")
def relay() -> Iterator[Server]:
    with start_relay() as server:
        yield server


# Anyone with the code joins at once (no read-back, no admission).
OPEN_JOIN = '[sessions]\nconfirm_join = false\njoin_policy = "open"\n'


@pytest.fixture(scope="module")
def open_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A relay anyone with the code joins at once (:data:`OPEN_JOIN`)."""
    yield from configured_relay(tmp_path_factory, OPEN_JOIN)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (installs it) "
            "or set COBROWSE_CHROMIUM"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
