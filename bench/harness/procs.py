"""Servers under test as subprocesses, and what /proc says about them.

:func:`start_relay` is the one relay launcher, for the benchmarks and the
end-to-end tests alike. The relay runs exactly as an operator starts it
(``python -m cobrowse serve --demo``); the floor is :mod:`bench.harness.floor`.
Both print their address on stdout, which a thread keeps draining so a chatty
server never blocks on a full pipe. Every process started here is stopped by
:meth:`Server.stop` (SIGTERM, then SIGKILL after a grace period), and the
context manager makes sure that happens; :meth:`Server.kill` ends it with its
page workers at once, as a crash would.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

__all__ = [
    "PASSWORD",
    "Server",
    "cpu_seconds",
    "raise_fd_limit",
    "rss_kib",
    "start_demo_site",
    "start_floor",
    "start_relay",
]

PASSWORD = "Bench-Geheimnis-2026"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A running server process: its base URL, demo site (relay only) and output."""

    proc: subprocess.Popen[str]
    base: str
    demo: str = ""
    loop: str = ""  # the relay's event loop, as it reports it
    user: str = ""
    password: str = ""
    output: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # removed when it stops

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period; the server's own shutdown runs."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        for path in self.files:
            path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the server and its page workers at once, as a crash or power cut would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group: see _spawn
        self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to the hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _spawn(argv: list[str], patterns: dict[str, str], env: dict[str, str]) -> Server:
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        start_new_session=True,  # its own process group, for Server.kill
    )
    lines: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = "".join(lines)
        found = {key: re.search(rx, text) for key, rx in patterns.items()}
        if all(found.values()):
            groups = {key: m.groups() for key, m in found.items() if m is not None}
            server = Server(proc, groups["base"][0], output=lines)
            if "demo" in groups:
                server.demo = groups["demo"][0]
            if "loop" in groups:
                server.loop = groups["loop"][0]
            if "login" in groups:
                server.user, server.password = groups["login"]
            return server
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"{argv[2]} did not start: " + "".join(lines)[-2000:])


def _python(module: str, uvloop: bool) -> list[str]:
    # bench.harness.launch installs uvloop, or hides it, before handing over to
    # the module's main: the loop is the one a row names, installed or not.
    loop = "--uvloop" if uvloop else "--asyncio"
    return [sys.executable, "-m", "bench.harness.launch", loop, module]


def start_relay(*extra: str, uvloop: bool | None = None, site: Server | None = None) -> Server:
    """Start ``cobrowse serve --demo`` on free loopback ports with a fixed password
    (``extra``: more arguments, such as ``--config PATH`` or ``--redis URL``).
    ``uvloop``: True or False for that loop (``--loop``); by default the one the
    relay picks, as deployed. :attr:`Server.loop` says which it runs on.
    ``site``: a demo site of its own (:func:`start_demo_site`) that the relay
    fetches from instead of the one on its own loop (a config file allows it;
    not together with a ``--config`` in ``extra``)."""
    loop = [] if uvloop is None else ["--loop", "uvloop" if uvloop else "asyncio"]
    argv = [sys.executable, "-m", "cobrowse", "serve", "--demo", "--port", "0", "--demo-port", "0"]
    if site is not None and "--config" in extra:
        raise ValueError("start_relay: site= writes the relay's config; not with --config")
    config = _site_config(site.base) if site is not None else None
    server = _spawn(
        [*argv, *loop, *extra, *(["--config", str(config)] if config else [])],
        {
            "loop": r"event loop: (\S+)",
            "base": r"landing page: (http://\S+)/",
            "demo": r"demo site: (http://\S+)/",
            "login": r"advisor login: (\S+) (\S+)",
        },
        # PYTHONSAFEPATH: ``python -m`` would put the working directory first on
        # sys.path, so a relay meant to run another checkout (PYTHONPATH, as an
        # old-against-new comparison does) ran the working directory's code when
        # started from inside the repository. Now PYTHONPATH, else the installed
        # package, decides.
        {"COBROWSE_DEMO_PASSWORD": PASSWORD, "PYTHONSAFEPATH": "1"},
    )
    if site is not None and config is not None:
        server.demo = site.base
        server.files.append(config)
    return server


def _site_config(base: str) -> Path:
    """A config file that allows the site at ``base`` (on loopback) and, like
    ``serve --demo`` without a config file, lets joiners in without read-back."""
    host = base.removeprefix("http://").rstrip("/")
    fd, name = tempfile.mkstemp(prefix="relay-site-", suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(
            f'[sessions]\nconfirm_join = false\n\n[fetch]\nallowed_hosts = ["{host}"]\n'
            f'private_hosts = ["{host}"]\n'
        )
    return Path(name)


def start_demo_site() -> Server:
    """Start the demo site in its own process (:mod:`bench.harness.demo_site`)."""
    argv = [sys.executable, "-m", "bench.harness.demo_site"]
    return _spawn(argv, {"base": r"demo site: (http://\S+)/"}, {})


def start_floor(*, uvloop: bool = False, redis: str = "", role: str = "publish") -> Server:
    """Start the minimal aiohttp WebSocket forwarder (the floor) on a free port; with
    ``redis``, one node of the split floor in ``role`` (``publish``/``subscribe``)."""
    split = ["--redis", redis, "--role", role] if redis else []
    return _spawn(
        [*_python("bench.harness.floor", uvloop), *split], {"base": r"floor: (http://\S+)/"}, {}
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def rss_kib(pid: int) -> int:
    """Resident set size of the process in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")
