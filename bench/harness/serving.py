"""Running one of the bench's own servers (the floor, the demo site) as a process.

:func:`serve_until_stopped` listens on loopback, prints ``NAME:
http://127.0.0.1:PORT/`` (the line :mod:`bench.harness.procs` waits for) and
returns when the process gets SIGINT or SIGTERM (:meth:`Server.stop
<bench.harness.procs.Server.stop>`); the caller then cleans up.
"""

from __future__ import annotations

from aiohttp import web

from cobrowse.tasks import until_stopped

__all__ = ["serve_until_stopped"]


async def serve_until_stopped(runner: web.AppRunner, port: int, name: str) -> None:
    """Serve the set-up ``runner`` on 127.0.0.1:``port`` (0: a free one) until stopped."""
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"{name}: http://127.0.0.1:{runner.addresses[0][1]}/", flush=True)
    await until_stopped()
