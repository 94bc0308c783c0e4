"""The demo ministry site in a process of its own, as a real site is.

``cobrowse serve --demo`` serves the demo site on the relay's own event loop:
convenient for a newcomer, but in a benchmark every page the relay fetches
is then also served by the loop being measured, which a deployed relay,
fetching from sites elsewhere, never does. (Measured: its handlers took
0.1–0.3 ms of CPU each, and two relays alternating in one run, one with the
site on its loop and one fetching from this process, had the same pointer
p99 with navigations within the noise.) ``python -m
bench.harness.demo_site`` serves the same site on a free loopback port and
prints ``demo site: http://127.0.0.1:PORT/``; :func:`bench.harness.procs.start_relay`
with ``site`` points a relay at it.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bench.harness.serving import serve_until_stopped
from cobrowse.demo import make_demo_app


async def serve() -> None:
    runner = web.AppRunner(make_demo_app(), access_log=None)
    await runner.setup()
    await serve_until_stopped(runner, 0, "demo site")
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
