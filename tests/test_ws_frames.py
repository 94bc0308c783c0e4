"""The frame scanner behind the per-message deadline: it must never lose a
frame boundary, however the bytes are split, and must see every incomplete
message (a fragment without its end, a header or payload cut short)."""

from __future__ import annotations

import asyncio

import pytest

from cobrowse.ws_frames import FrameScanner, MessageDeadline


def frame(opcode: int, payload: bytes, *, fin: bool = True, masked: bool = True) -> bytes:
    size = len(payload)
    if size < 126:
        head = bytes([size])
    elif size < 2**16:
        head = bytes([126]) + size.to_bytes(2, "big")
    else:
        head = bytes([127]) + size.to_bytes(8, "big")
    first = bytes([(0x80 if fin else 0) | opcode])
    if not masked:
        return first + head + payload
    return first + bytes([head[0] | 0x80]) + head[1:] + b"mask" + payload


MESSAGES = [
    frame(0x2, b"x" * 5),
    frame(0x2, b"y" * 300),  # 16-bit length
    frame(0x2, b"z" * 70_000),  # 64-bit length
    frame(0x1, b"", masked=False),
    frame(0x9, b"ping"),  # control frames are messages of their own
    # a fragmented message with a ping in between (RFC 6455 §5.4 allows it)
    frame(0x2, b"a" * 130, fin=False)
    + frame(0x9, b"")
    + frame(0x0, b"b", fin=False)
    + frame(0x0, b"c" * 3),
]


@pytest.mark.parametrize("message", MESSAGES, ids=range(len(MESSAGES)))
def test_a_complete_message_ends_at_its_last_byte_however_it_is_split(message: bytes) -> None:
    for step in (1, 2, 3, 7, 4096, len(message)):
        scanner = FrameScanner()
        for at in range(0, len(message), step):
            scanner.feed(message[at : at + step])
        assert not scanner.mid_message, step
        scanner.feed(MESSAGES[0])  # and the next one is read from its first byte
        assert not scanner.mid_message


@pytest.mark.parametrize("message", MESSAGES, ids=range(len(MESSAGES)))
def test_every_proper_prefix_is_mid_message(message: bytes) -> None:
    cuts = range(1, len(message)) if len(message) < 1000 else (1, 2, 5, 13, len(message) - 1)
    for cut in cuts:
        scanner = FrameScanner()
        scanner.feed(message[:cut])
        assert scanner.mid_message, cut


def test_a_fragment_without_its_end_stays_mid_message_across_control_frames() -> None:
    scanner = FrameScanner()
    scanner.feed(frame(0x2, b"start", fin=False))
    assert scanner.mid_message
    for _ in range(3):
        scanner.feed(frame(0xA, b"pong"))
        scanner.feed(frame(0x0, b"more", fin=False))
        assert scanner.mid_message
    scanner.feed(frame(0x0, b"end"))
    assert not scanner.mid_message


class Inner(asyncio.Protocol):
    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.lost = False

    def data_received(self, data: bytes) -> None:
        self.data.append(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True


async def test_the_deadline_fires_once_for_a_stalled_message_and_passes_everything_on() -> None:
    inner, stalls = Inner(), []
    guard = MessageDeadline(inner, 0.01, lambda: stalls.append(1))
    guard.data_received(frame(0x2, b"done"))
    await asyncio.sleep(0.05)
    assert stalls == []  # complete messages never arm it
    guard.data_received(frame(0x2, b"half", fin=False))
    await asyncio.sleep(0.05)
    assert stalls == [1]
    guard.data_received(frame(0x0, b"end"))
    guard.connection_lost(None)
    assert inner.lost and b"".join(inner.data).endswith(frame(0x0, b"end"))
    assert len(inner.data) == 3


async def test_a_finished_message_disarms_the_deadline() -> None:
    inner, stalls = Inner(), []
    guard = MessageDeadline(inner, 0.05, lambda: stalls.append(1))
    message = frame(0x2, b"slow" * 10)
    guard.data_received(message[:3])
    guard.data_received(message[3:])
    await asyncio.sleep(0.1)
    assert stalls == []
