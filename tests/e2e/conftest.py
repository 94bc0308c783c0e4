"""Real-browser fixtures: the relay as a subprocess (`cobrowse serve --demo`,
free ports) and the system Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

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
PASSWORD = "E2E-Geheimnis-2026"


@dataclass(frozen=True)
class Relay:
    base: str
    demo: str
    user: str
    password: str
    output: list[str]


def start_relay(*extra: str) -> tuple[subprocess.Popen[str], Relay]:
    """Start ``cobrowse serve --demo`` on free ports (``extra``: more arguments)."""
    env = {**os.environ, "COBROWSE_DEMO_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
    command = ["serve", "--demo", "--port", "0", "--demo-port", "0", *extra]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cobrowse", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: see kill_relay
    )
    lines: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = "".join(lines)
        base = re.search(r"landing page: (http://\S+)/", text)
        demo = re.search(r"demo site: (http://\S+)/", text)
        login = re.search(r"advisor login: (\S+) (\S+)", text)
        if base and demo and login:
            return proc, Relay(base.group(1), demo.group(1), login.group(1), login.group(2), lines)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError("relay did not start: " + "".join(lines)[-2000:])


def stop_relay(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


def kill_relay(proc: subprocess.Popen[str]) -> None:
    """Kill the relay and its page workers at once, as a crash or power cut would."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def configured_relay(factory: pytest.TempPathFactory, config: str) -> Iterator[Relay]:
    """A relay started with ``config`` as its config file, for a module fixture
    (``yield from configured_relay(tmp_path_factory, CONFIG)``)."""
    path = Path(factory.mktemp("relay")) / "relay.toml"
    path.write_text(config)
    proc, info = start_relay("--config", str(path))
    yield info
    stop_relay(proc)


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    proc, info = start_relay()
    yield info
    stop_relay(proc)


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
