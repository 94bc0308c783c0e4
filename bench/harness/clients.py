"""Participants as a load generator makes them: over HTTP and real WebSockets.

:class:`RelayTarget` does what people do in the browser, minus the browser:
the advisor logs in at ``/berater`` (form token + ``cb_form`` cookie), opens
sessions with ``POST /api/sessions`` (CSRF header), citizens post the code to
``/`` and get their participant cookie; then every participant connects to
``/ws`` with the relay's ``Origin`` and says HELLO. :class:`FloorTarget`
opens the same three sockets on the floor forwarder. :func:`stalled_citizen`
joins like a citizen but never reads again (a frozen PC on a slow line).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import socket
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import msgpack

from bench.harness.procs import Server
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode

__all__ = ["FloorTarget", "RelayTarget", "Room", "Stalled", "stalled_citizen"]

HELLO = encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [1280, 720]})
# Admission (join confirmation) is newer than the walking skeleton: use it when present.
WAITING = int(getattr(Msg, "WAITING", -1))
ADMIT = int(getattr(Msg, "ADMIT", -1))
WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0)


@dataclass
class Stalled:
    """A citizen socket that stopped reading; closing it is all one can do,
    or :meth:`reopen` (the same participant's next connection, stalled too)."""

    writer: asyncio.StreamWriter
    base: str
    cookie: str

    def close(self) -> None:
        self.writer.close()

    async def reopen(self) -> Stalled:
        """Close this socket and connect the same participant again, stalled."""
        self.close()
        stalled, _, _ = await stalled_citizen(self.base, self.cookie)
        return stalled


@dataclass
class Room:
    """One co-browsing session under load: the advisor's socket, the citizens'."""

    index: int
    advisor: aiohttp.ClientWebSocketResponse
    citizens: list[aiohttp.ClientWebSocketResponse]
    stalled: list[Stalled] = field(default_factory=list)
    sent: dict[int, float] = field(default_factory=dict)  # pointer node → send time
    next_node: int = 0
    snapshots: int = 0  # SNAPSHOT frames the (healthy) citizens received
    navigations: int = 0


async def _hello(ws: aiohttp.ClientWebSocketResponse) -> tuple[str, dict[str, Any] | None]:
    """Say HELLO; return (participant id, WAITING body or None if admitted at once).

    After WELCOME the relay sends either WAITING (the joiner waits for the
    advisor's admission) or, for an admitted participant, the participant list.
    """
    await ws.send_bytes(HELLO)
    participant = ""
    while True:
        message = await ws.receive(timeout=30)
        if message.type is not aiohttp.WSMsgType.BINARY:
            raise RuntimeError(f"connection refused: {message.type} {message.extra}")
        kind, _, body = msgpack.unpackb(message.data)
        if kind == Msg.WELCOME:
            participant = body["participant"]
            continue
        return participant, body if kind == WAITING else None


class RelayTarget:
    """Opens rooms on the real relay, as browsers would (cookies, tokens, Origin)."""

    name = "relay"

    def navigation(self, url: str) -> bytes:
        """What the advisor sends to go to ``url``."""
        return encode(Msg.NAVIGATE, 0, {"url": url})

    def __init__(self, server: Server, citizen_server: Server | None = None) -> None:
        # Citizens may join through another node (Redis mode): their join and
        # their sockets then go to ``citizen_server``.
        self.base = server.base
        self.server = server
        self.citizen_base = (citizen_server or server).base
        self.form_token = ""
        self.form_cookie = ""
        self.advisor_cookie = ""
        self.csrf = ""

    async def login(self, http: aiohttp.ClientSession) -> None:
        """Log in as the demo advisor; keep the form token for the citizens' joins."""
        async with http.get(self.base + "/berater") as r:
            page = await r.text()
            self.form_cookie = r.cookies["cb_form"].value
        match = re.search(r'name="form_token" value="([^"]+)"', page)
        assert match is not None, "no form token on /berater"
        self.form_token = match.group(1)
        data = {"username": self.server.user, "password": self.server.password}
        async with http.post(
            self.base + "/berater/anmelden",
            data={**data, "form_token": self.form_token},
            headers={"Cookie": f"cb_form={self.form_cookie}", "Origin": "null"},
            allow_redirects=False,
        ) as r:
            if r.status != 303:
                raise RuntimeError(f"login failed: {r.status}")
            self.advisor_cookie = r.cookies["cb_advisor"].value
        async with http.get(self.base + "/berater", headers=self._advisor()) as r:
            found = re.search(r'name="csrf-token" content="([^"]+)"', await r.text())
        assert found is not None, "no CSRF token on the console"
        self.csrf = found.group(1)

    def _advisor(self) -> dict[str, str]:
        return {"Cookie": f"cb_advisor={self.advisor_cookie}", "Origin": self.base}

    async def _join(self, http: aiohttp.ClientSession, code: str) -> str:
        async with http.post(
            self.citizen_base + "/",
            data={"code": code, "form_token": self.form_token},
            headers={"Cookie": f"cb_form={self.form_cookie}", "Origin": "null"},
            allow_redirects=False,
        ) as r:
            if r.status != 303:
                raise RuntimeError(f"join failed: {r.status}")
            return str(r.cookies["cb_participant"].value)

    async def _connect(
        self, http: aiohttp.ClientSession, path: str, cookie: str, base: str = ""
    ) -> tuple[aiohttp.ClientWebSocketResponse, str, dict[str, Any] | None]:
        base = base or self.base
        ws = await http.ws_connect(
            "ws" + base[4:] + path,
            headers={"Cookie": cookie, "Origin": base},
            timeout=WS_TIMEOUT,
            max_msg_size=0,
        )
        participant, waiting = await _hello(ws)
        return ws, participant, waiting

    async def open_room(self, http: aiohttp.ClientSession, index: int, stalled: int = 0) -> Room:
        """A new session with its advisor and two citizens connected and admitted
        (``stalled`` of them as :class:`Stalled` sockets that never read)."""
        async with http.post(
            self.base + "/api/sessions", headers={**self._advisor(), "X-CSRF-Token": self.csrf}
        ) as r:
            created: dict[str, Any] = await r.json()
        tokens = [await self._join(http, created["code"]) for _ in range(2)]
        advisor, _, _ = await self._connect(
            http, f"/ws?session={created['session']}", f"cb_advisor={self.advisor_cookie}"
        )
        room = Room(index, advisor, [])
        for i, token in enumerate(tokens):
            cookie = f"cb_participant={token}"
            if i >= 2 - stalled:
                sock, participant, waiting = await stalled_citizen(self.citizen_base, cookie)
                room.stalled.append(sock)
            else:
                ws, participant, waiting = await self._connect(
                    http, "/ws", cookie, self.citizen_base
                )
                room.citizens.append(ws)
            if waiting is not None:
                # The advisor confirms the words the joiner "reads out".
                body = {"participant": participant, "phrase": waiting.get("phrase")}
                await advisor.send_bytes(msgpack.packb([ADMIT, 0, body]))
                if i < 2 - stalled:
                    await _admitted(room.citizens[-1])
        return room


async def _admitted(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Wait until a waiting citizen is let in (its first frame of the session)."""
    message = await ws.receive(timeout=30)
    if message.type is not aiohttp.WSMsgType.BINARY:
        raise RuntimeError(f"not admitted: {message.type} {message.extra}")


class FloorTarget:
    """Opens rooms on the floor forwarder: three sockets, nothing else. With
    ``citizen_server`` (the split floor's subscribing node) the citizens
    connect there, the advisor to ``server`` (the publishing node). ``pages``
    (URL path → frame, :func:`bench.harness.page_frames.capture_page_frames`):
    what an advisor "navigating" sends, for the floor to forward."""

    name = "floor"

    def __init__(
        self,
        server: Server,
        citizen_server: Server | None = None,
        pages: dict[str, bytes] | None = None,
    ) -> None:
        self.ws_base = "ws" + server.base[4:]
        self.citizen_ws_base = "ws" + (citizen_server or server).base[4:]
        self.pages = pages or {}

    def navigation(self, url: str) -> bytes:
        """The page frame the relay's citizens got for ``url``, sent as it is."""
        path = urlsplit(url).path
        if path not in self.pages:
            raise KeyError(f"no page frame captured for {path}")
        return self.pages[path]

    async def login(self, http: aiohttp.ClientSession) -> None:
        return None

    async def open_room(self, http: aiohttp.ClientSession, index: int, stalled: int = 0) -> Room:
        path = f"/ws?room={index}"
        bases = (self.ws_base, self.citizen_ws_base, self.citizen_ws_base)
        socks = [
            await http.ws_connect(base + path, timeout=WS_TIMEOUT, max_msg_size=0) for base in bases
        ]
        return Room(index, socks[0], socks[1:])


def _masked_frame(payload: bytes) -> bytes:
    """One client→server binary WebSocket frame (RFC 6455 requires the mask)."""
    mask = os.urandom(4)
    head = bytes([0x82])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + body


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One unmasked server→client frame: (opcode, payload)."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    return b0 & 0x0F, await reader.readexactly(n)


async def stalled_citizen(base: str, cookie: str) -> tuple[Stalled, str, dict[str, Any] | None]:
    """Connect a citizen by hand, say HELLO, read the greeting, and never read again.

    Returns the socket, the participant id and the WAITING body (if the
    relay holds the joiner for admission). The socket's receive buffer is
    small, so the relay's sends to it block after a few frames, as they
    would for a frozen client.
    """
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {base}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    status = await reader.readuntil(b"\r\n\r\n")
    if not status.startswith(b"HTTP/1.1 101"):
        raise RuntimeError("stalled citizen was not upgraded")
    writer.write(_masked_frame(HELLO))
    await writer.drain()
    participant, waiting = "", None
    while True:
        opcode, payload = await asyncio.wait_for(_read_frame(reader), 30)
        if opcode != 2:
            raise RuntimeError(f"stalled citizen got opcode {opcode}")
        kind, _, body = msgpack.unpackb(payload)
        if kind == Msg.WELCOME:
            participant = body["participant"]
            continue
        waiting = body if kind == WAITING else None
        return Stalled(writer, base, cookie), participant, waiting
