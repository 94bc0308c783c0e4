"""The one launcher of a throw-away ``redis-server``: free port, given
directory, no persistence, loopback only (and, if asked, a unix socket in
that directory as well).

Benchmarks and tests both start Redis with :func:`running_redis`. Tests use
the ``redis_server`` fixture or ``redis_or_skip`` (``tests/conftest.py``),
which skip only when the binary is missing (``make test`` installs it);
benchmarks report "not available" instead (:func:`redis_binary` is ``None``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

READY = "Ready to accept connections"
START_TIMEOUT = 15.0


class RedisMissing(RuntimeError):
    """No ``redis-server`` binary on this machine."""


def redis_binary() -> str | None:
    """The ``redis-server`` to run, or ``None`` when it is not installed."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process that can be killed, frozen and started again on its port."""

    def __init__(self, binary: str, directory: Path, *, unix_socket: bool = False) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        # a path is at most 107 bytes: keep ``directory`` short (a tempfile.mkdtemp)
        self.socket = directory / "redis.sock" if unix_socket else None
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def unix_url(self) -> str:
        """The same server over its unix socket (only with ``unix_socket=True``)."""
        assert self.socket is not None, "started without a unix socket"
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        """Start (again) on the same port; returns once Redis accepts connections."""
        assert self.proc is None, "already running"
        proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                *(
                    ("--unixsocket", str(self.socket), "--unixsocketperm", "700")
                    if self.socket
                    else ()
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()
        lines: list[str] = []
        stdout = proc.stdout
        assert stdout is not None

        def watch() -> None:
            for line in stdout:
                lines.append(line)
                if READY in line:
                    ready.set()
            ready.set()  # EOF: the process ended

        threading.Thread(target=watch, daemon=True).start()
        if not ready.wait(START_TIMEOUT) or proc.poll() is not None:
            proc.kill()
            proc.wait()
            raise RuntimeError("redis-server did not start:\n" + "".join(lines[-20:]))
        self.proc = proc

    def kill(self) -> None:
        """Stop abruptly (like a crash); every client connection breaks."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a silently dead link)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.kill()
        self.start()


@contextmanager
def running_redis(directory: Path, *, unix_socket: bool = False) -> Iterator[RedisServer]:
    """A started :class:`RedisServer` in ``directory`` (listening on a unix socket
    there too with ``unix_socket``), killed afterwards.

    Raises :class:`RedisMissing` when ``redis-server`` is not installed."""
    binary = redis_binary()
    if binary is None:
        raise RedisMissing("redis-server is not installed (make test installs it)")
    server = RedisServer(binary, directory, unix_socket=unix_socket)
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.thaw()
        server.kill()
