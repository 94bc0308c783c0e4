"""A time limit for every inbound WebSocket message, fragments included.

aiohttp collects the frames of a fragmented message (and the bytes of one
large frame) until the last one arrives, and shows the application nothing
before: a client that starts a message and never finishes it would keep its
socket open for good (it still answers the heartbeat). :class:`MessageDeadline`
sits between the transport and aiohttp's protocol, follows the frame
boundaries of the client's byte stream (RFC 6455 §5.2: headers and lengths
only; aiohttp still parses and validates everything) and calls ``on_stall``
once a message has been incomplete for longer than the limit.

It is installed before the handshake is answered. Bytes a client sent
early, right behind its handshake request (it must not, RFC 6455 §4.1), are
held by aiohttp's protocol until then; :meth:`MessageDeadline.install` reads
them from there first, so no frame boundary is missed
(``tests/test_robustness.py`` checks this against aiohttp).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["FrameScanner", "MessageDeadline"]

_DATA_OPCODES = frozenset({0x0, 0x1, 0x2})  # continuation, text, binary


class FrameScanner:
    """Follows frame boundaries; ``mid_message`` while a message is incomplete."""

    def __init__(self) -> None:
        self._head = bytearray()  # the header of the next frame, so far
        self._skip = 0  # payload bytes of the current frame still to come
        self._fragmented = False  # a data frame without FIN came last

    @property
    def mid_message(self) -> bool:
        return bool(self._head) or self._skip > 0 or self._fragmented

    def feed(self, data: bytes) -> None:
        at, size = 0, len(data)
        while at < size:
            if self._skip:
                step = min(self._skip, size - at)
                self._skip -= step
                at += step
                continue
            self._head.append(data[at])
            at += 1
            self._frame_header()

    def _frame_header(self) -> None:
        head = self._head
        if len(head) < 2:
            return
        length = head[1] & 0x7F
        extra = 2 if length == 126 else 8 if length == 127 else 0
        full = 2 + extra + (4 if head[1] & 0x80 else 0)
        if len(head) < full:
            return
        if extra:
            length = int.from_bytes(head[2 : 2 + extra], "big")
        if head[0] & 0x0F in _DATA_OPCODES:
            self._fragmented = not head[0] & 0x80
        self._skip = length
        head.clear()


class MessageDeadline(asyncio.Protocol):
    """Forwards a transport's events to ``inner``; ``on_stall()`` when a message
    stays incomplete for ``seconds`` (counted from its first byte)."""

    def __init__(
        self, inner: asyncio.BaseProtocol, seconds: float, on_stall: Callable[[], None]
    ) -> None:
        self._inner = inner
        self._seconds = seconds
        self._on_stall = on_stall
        self._scanner = FrameScanner()
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def install(
        cls, transport: asyncio.BaseTransport, seconds: float, on_stall: Callable[[], None]
    ) -> MessageDeadline:
        inner = transport.get_protocol()
        guard = cls(inner, seconds, on_stall)
        early = getattr(inner, "_message_tail", b"")  # aiohttp: bytes after the request
        if isinstance(early, bytes | bytearray):
            guard._observe(bytes(early))
        transport.set_protocol(guard)
        return guard

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _stalled(self) -> None:
        self._timer = None
        self._on_stall()

    def _observe(self, data: bytes) -> None:
        self._scanner.feed(data)
        if not self._scanner.mid_message:
            self.cancel()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._seconds, self._stalled)

    def data_received(self, data: bytes) -> None:
        self._observe(data)
        assert isinstance(self._inner, asyncio.Protocol)
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        assert isinstance(self._inner, asyncio.Protocol)
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.cancel()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()
