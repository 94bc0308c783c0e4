"""The floor: the least an aiohttp WebSocket relay can do.

``python -m bench.harness.floor`` serves ``/ws?room=R`` on a free loopback port and
prints ``floor: http://127.0.0.1:PORT/``. Every binary frame a member of a
room sends is forwarded, unchanged, to the room's other members: no
authentication, no decoding, no validation, no queues. The relay's latency
and CPU are measured against this in the same run.

The split floor is the same forwarder over Redis, the floor of Redis mode:
``--redis URL --role publish`` also PUBLISHes every binary frame, unchanged
and without a header, on the room's channel (``floor:R``), one command per
frame written at once on one connection, the replies read and dropped
unparsed; ``--redis URL --role subscribe`` SUBSCRIBEs to the channel of every
room it has a member of and writes each message to those members, reading
the subscriber connection in 64 KiB chunks through hiredis (as the relay's
bus does). Advisors on a publishing node and citizens on a subscribing node
make every frame cross redis-server, as in Redis mode.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections import defaultdict
from typing import Any

import hiredis
from aiohttp import WSMsgType, web
from redis.asyncio import Redis

from bench.harness.serving import serve_until_stopped

__all__ = ["CHANNEL", "Split", "serve"]

Rooms = dict[str, set[web.WebSocketResponse]]
ROOMS: web.AppKey[Rooms] = web.AppKey("rooms", dict)
CHANNEL = "floor:"  # + room: one pub/sub channel per room
_READ_SIZE = 65536


def _stream(connection: Any, side: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """The socket of a connected redis-py connection (kept in ``_reader``/``_writer``)."""
    reader, writer = getattr(connection, "_reader", None), getattr(connection, "_writer", None)
    if not isinstance(reader, asyncio.StreamReader) or not isinstance(writer, asyncio.StreamWriter):
        raise ConnectionError(f"{side} not connected")
    return reader, writer


class Split:
    """One node of the split floor: ``role`` is ``publish`` or ``subscribe``."""

    def __init__(self, url: str, role: str, rooms: Rooms) -> None:
        if role not in ("publish", "subscribe"):
            raise ValueError(f"unknown role {role!r}")
        self.role = role
        self.rooms = rooms
        self.client = Redis.from_url(url, protocol=2, socket_timeout=None)
        self._writer: asyncio.StreamWriter | None = None
        self._pubsub = self.client.pubsub()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.role == "publish":
            pool = self.client.connection_pool
            connection = await pool.get_connection()  # type: ignore[no-untyped-call]
            reader, self._writer = _stream(connection, "publisher")
            self._reader = asyncio.create_task(self._drop_replies(reader))
        else:
            await self._pubsub.connect()  # type: ignore[no-untyped-call]
            reader, _ = _stream(self._pubsub.connection, "subscriber")
            self._reader = asyncio.create_task(self._deliver(reader))

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await self._reader
        await self._pubsub.aclose()
        await self.client.aclose()

    async def joined(self, room: str) -> None:
        """A member joined ``room`` here; the subscriber listens from its first member on."""
        if self.role == "subscribe" and len(self.rooms[room]) == 1:
            await self._pubsub.subscribe(CHANNEL + room)

    async def left(self, room: str) -> None:
        if self.role == "subscribe" and not self.rooms[room]:
            with contextlib.suppress(ConnectionError):
                await self._pubsub.unsubscribe(CHANNEL + room)

    def publish(self, room: str, data: bytes) -> None:
        """Write ``PUBLISH floor:room data`` now; its reply is not waited for."""
        if self._writer is not None:
            channel = (CHANNEL + room).encode()
            self._writer.writelines(
                (
                    b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%b\r\n$%d\r\n"
                    % (len(channel), channel, len(data)),
                    data,
                    b"\r\n",
                )
            )

    async def _drop_replies(self, reader: asyncio.StreamReader) -> None:
        while await reader.read(_READ_SIZE):
            pass  # ":<subscribers>\r\n" per PUBLISH: nothing to do with it
        raise ConnectionError("redis closed the publisher connection")

    async def _deliver(self, reader: asyncio.StreamReader) -> None:
        parser = hiredis.Reader()
        rooms, skip = self.rooms, len(CHANNEL)
        while True:
            chunk = await reader.read(_READ_SIZE)
            if not chunk:
                raise ConnectionError("redis closed the subscriber connection")
            parser.feed(chunk)
            reply = parser.gets()
            while reply is not False:
                # [b"message", channel, data]; (un)subscribe confirmations are skipped
                if reply[0] == b"message":
                    for peer in tuple(rooms.get(reply[1][skip:].decode(), ())):
                        await peer.send_bytes(reply[2])
                reply = parser.gets()


SPLIT: web.AppKey[Split] = web.AppKey("split", Split)


async def forward(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=64 * 1024, compress=False)
    await ws.prepare(request)
    name = request.query.get("room", "")
    room = request.app[ROOMS][name]
    split = request.app.get(SPLIT)
    room.add(ws)
    try:
        if split is not None:
            await split.joined(name)
        async for message in ws:
            if message.type is WSMsgType.BINARY:
                if split is not None:
                    split.publish(name, message.data)
                for peer in tuple(room):
                    if peer is not ws:
                        await peer.send_bytes(message.data)
    finally:
        room.discard(ws)
        if split is not None:
            await split.left(name)
    return ws


async def serve(port: int, redis: str = "", role: str = "") -> None:
    app = web.Application()
    app[ROOMS] = defaultdict(set)
    split = Split(redis, role, app[ROOMS]) if redis else None
    if split is not None:
        await split.start()
        app[SPLIT] = split
    app.router.add_get("/ws", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await serve_until_stopped(runner, port, "floor")
    for room in app[ROOMS].values():
        for ws in list(room):
            await ws.close()
    await runner.cleanup()
    if split is not None:
        await split.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.harness.floor")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--redis", default="", metavar="URL", help="split over this Redis")
    parser.add_argument("--role", choices=("publish", "subscribe"), default="publish")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.redis, args.role))


if __name__ == "__main__":
    main()
