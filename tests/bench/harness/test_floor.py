"""The split floor: frames sent to the publishing node reach the citizens on the
subscribing node through a real redis-server, unchanged, over TCP and over a
unix socket; only the subscribing node listens. No timing is asserted."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from bench.harness.clients import FloorTarget
from bench.harness.floor import CHANNEL, Split
from bench.harness.load import new_client
from bench.harness.procs import Server, start_floor
from bench.harness.redis_server import RedisServer
from tests.conftest import redis_or_skip


@pytest.fixture
def redis_unix() -> Iterator[RedisServer]:
    # tmp_path can be too long for a unix socket path (107 bytes)
    directory = Path(tempfile.mkdtemp(prefix="floor-"))
    try:
        with redis_or_skip(directory, unix_socket=True) as server:
            yield server
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _receive(ws: aiohttp.ClientWebSocketResponse, wait: float) -> bytes | None:
    try:
        message = await ws.receive(timeout=wait)
    except TimeoutError:
        return None
    assert message.type is aiohttp.WSMsgType.BINARY, message
    data: bytes = message.data
    return data


async def _through(url: str, a: Server, b: Server) -> None:
    target = FloorTarget(a, citizen_server=b)
    async with new_client() as http:
        room = await target.open_room(http, 7)
        # B subscribes when a citizen joins; resend until the subscription is in place
        frame, got = b"", [None, None]
        for attempt in range(50):
            frame = b"\x93\x05\x00\x81\xa4node%c" % attempt
            await room.advisor.send_bytes(frame)
            got[0] = await _receive(room.citizens[0], 0.2)
            if got[0] is not None:
                break
        assert got[0] is not None, "no frame crossed Redis"
        while got[0] != frame:  # earlier attempts may arrive late, in order
            got[0] = await _receive(room.citizens[0], 2.0)
        for _ in range(50):
            got[1] = await _receive(room.citizens[1], 2.0)
            if got[1] == frame:
                break
        assert got[1] == frame
        await room.advisor.send_bytes(b"second")
        assert [await _receive(ws, 5.0) for ws in room.citizens] == [b"second", b"second"]
        assert await _receive(room.advisor, 0.3) is None  # never back to the sender
        redis = Redis.from_url(url)
        try:
            # only node B listens: one subscriber on the room's channel
            assert await redis.pubsub_numsub(CHANNEL + "7") == [((CHANNEL + "7").encode(), 1)]
        finally:
            await redis.aclose()
        for ws in (room.advisor, *room.citizens):
            await ws.close()


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_split_floor_forwards_through_redis(redis_unix: RedisServer, transport: str) -> None:
    url = redis_unix.url if transport == "tcp" else redis_unix.unix_url
    with (
        start_floor(redis=url, role="publish") as a,
        start_floor(redis=url, role="subscribe") as b,
    ):
        asyncio.run(_through(url, a, b))
        assert a.proc.poll() is None and b.proc.poll() is None


def test_split_refuses_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="role"):
        Split("redis://127.0.0.1:1/0", "both", {})
