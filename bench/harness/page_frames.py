"""The page frames the relay sends for the navigation load, for the floor to send.

The floor with pages (``relay`` bench) makes its advisors send, at the
navigation load's pace, the very frames the relay's citizens get for those
navigations; the floor forwards them like any frame. What the relay adds on
top of that (fetching, building, diffing and encoding the page) is then the
difference between the two rows. :func:`capture_page_frames` records the
frames from one room on a running relay: the navigation load's pages twice
over, keeping the second round's (as under load: a same-site page replacing
the other, mostly sent as a diff).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import aiohttp
import msgpack

from bench.harness.clients import RelayTarget
from bench.harness.load import NAV_PAGES, new_client
from bench.harness.procs import Server
from cobrowse.protocol import Msg, read_frame

__all__ = ["capture_page_frames"]

_PAGE_TIMEOUT = 30.0


async def _next_page(ws: aiohttp.ClientWebSocketResponse) -> bytes:
    """The next frame that is a new page (a SNAPSHOT, or MUTATIONS with ``navigate``)."""
    while True:
        message = await ws.receive(timeout=_PAGE_TIMEOUT)
        if message.type is not aiohttp.WSMsgType.BINARY:
            raise RuntimeError(f"the citizen's socket closed: {message.type}")
        kind = msgpack.unpackb(message.data)[0]
        if kind == Msg.SNAPSHOT:
            return bytes(message.data)
        if kind == Msg.MUTATIONS and "navigate" in read_frame(message.data, expand=False)[2]:
            return bytes(message.data)


async def _capture(relay: Server, paths: tuple[str, ...]) -> dict[str, bytes]:
    target = RelayTarget(relay)
    frames: dict[str, bytes] = {}
    async with new_client() as http:
        await target.login(http)
        room = await target.open_room(http, 0)
        try:
            for path in paths * 2:  # the second round replaces the first's frames
                url = relay.demo + path
                await room.advisor.send_bytes(target.navigation(url))
                frames[urlsplit(url).path] = await asyncio.wait_for(
                    _next_page(room.citizens[0]), _PAGE_TIMEOUT
                )
        finally:
            for ws in (room.advisor, *room.citizens):
                await ws.close()
    return frames


def capture_page_frames(relay: Server, paths: tuple[str, ...] = NAV_PAGES) -> dict[str, bytes]:
    """URL path → the frame a citizen of ``relay`` got for navigating there
    (steady state, see the module docstring)."""
    return asyncio.run(_capture(relay, paths))
