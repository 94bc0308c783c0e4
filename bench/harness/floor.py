"""The floor: the least an aiohttp WebSocket relay can do.

``python -m bench.harness.floor`` serves ``/ws?room=R`` on a free loopback port and
prints ``floor: http://127.0.0.1:PORT/``. Every binary frame a member of a
room sends is forwarded, unchanged, to the room's other members: no
authentication, no decoding, no validation, no queues. The relay's latency
and CPU are measured against this in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections import defaultdict

from aiohttp import WSMsgType, web

ROOMS: web.AppKey[dict[str, set[web.WebSocketResponse]]] = web.AppKey("rooms", dict)


async def forward(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=64 * 1024, compress=False)
    await ws.prepare(request)
    room = request.app[ROOMS][request.query.get("room", "")]
    room.add(ws)
    try:
        async for message in ws:
            if message.type is WSMsgType.BINARY:
                for peer in tuple(room):
                    if peer is not ws:
                        await peer.send_bytes(message.data)
    finally:
        room.discard(ws)
    return ws


async def serve(port: int) -> None:
    app = web.Application()
    app[ROOMS] = defaultdict(set)
    app.router.add_get("/ws", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"floor: http://127.0.0.1:{runner.addresses[0][1]}/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for room in app[ROOMS].values():
        for ws in list(room):
            await ws.close()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.harness.floor")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
