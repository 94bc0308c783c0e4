"""The floor's navigation load: the frames a relay's citizen gets for the
navigation pages, captured from a real relay and forwarded by the floor
unchanged. No timing is asserted."""

from __future__ import annotations

import asyncio

import msgpack
import pytest

from bench.harness.clients import FloorTarget
from bench.harness.load import NAV_PAGES, new_client
from bench.harness.page_frames import capture_page_frames
from bench.harness.procs import start_floor, start_relay
from cobrowse.protocol import Msg, read_frame


def _is_page(frame: bytes) -> bool:
    kind, _, body = read_frame(frame, expand=False)
    return kind is Msg.SNAPSHOT or (kind is Msg.MUTATIONS and "navigate" in body)


async def _forward(target: FloorTarget) -> list[bytes]:
    async with new_client() as http:
        room = await target.open_room(http, 3)
        await room.advisor.send_bytes(target.navigation(NAV_PAGES[1]))
        got = [(await ws.receive(timeout=10)).data for ws in room.citizens]
        for ws in (room.advisor, *room.citizens):
            await ws.close()
        return got


def test_the_floor_forwards_the_page_frames_the_relay_sent() -> None:
    with start_relay() as relay:
        pages = capture_page_frames(relay)
    assert set(pages) == set(NAV_PAGES)
    assert all(_is_page(frame) for frame in pages.values())
    # the second round: each page replaced the other one of the same site
    assert any(msgpack.unpackb(f)[0] == Msg.MUTATIONS for f in pages.values())
    with start_floor() as floor:
        target = FloorTarget(floor, pages=pages)
        assert asyncio.run(_forward(target)) == [pages[NAV_PAGES[1]]] * 2
    with pytest.raises(KeyError, match="no page frame"):
        target.navigation("/nirgends.html")
