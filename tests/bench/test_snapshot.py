"""``bench snapshot`` counts what reaches the socket: the hub's frame bytes
plus the WebSocket header, never compressed per connection."""

from __future__ import annotations

from typing import Any

from bench.snapshot import wire_sizes
from cobrowse.protocol import Msg, encode, pack_tree


def test_wire_sizes_are_the_frames_plus_their_websocket_headers() -> None:
    small: list[Any] = [1, "html", {}, [[2, "p", {}, [[3, "Hallo"]]]]]
    big: list[Any] = [1, "html", {}, [[2 + i, "p", {"class": f"k{i}"}, []] for i in range(30_000)]]
    bodies = [
        {"page": 1, "url": "https://a.example/", "title": "", "tree": small},
        {"page": 2, "url": "https://a.example/", "title": "", "tree": pack_tree(big)},
    ]
    sizes = wire_sizes(bodies, [small, big])
    frames = [encode(Msg.SNAPSHOT, seq, body) for seq, body in enumerate(bodies, start=1)]
    assert len(frames[0]) < 126 and 65_535 < len(frames[1])
    assert sizes == [len(frames[0]) + 2, len(frames[1]) + 10]  # unmasked server frames
