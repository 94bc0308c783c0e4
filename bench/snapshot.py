"""``snapshot``: SNAPSHOT frame bytes against the sanitized page as HTML.

For every corpus page the SNAPSHOT frame is compared with the same sanitized
tree serialized back to HTML (:func:`cobrowse.pipeline.preview.document_html`):

* the frame before deflate (compact tree, :func:`cobrowse.protocol.wire_tree`),
  and the old frame with an id on every node (protocol version 1) for
  comparison;
* what reaches the socket: every page, its tree encoded as the page worker
  does (:func:`cobrowse.protocol.pack_tree`), is broadcast through a real
  :class:`~cobrowse.hub.SessionHub` to a WebSocket opened with the relay's
  options, and a raw TCP client (which offers permessage-deflate, as
  browsers do) counts the bytes it reads, WebSocket headers included.

``median_wire_ratio`` is wire bytes over *raw* HTML bytes (what goes over
the wire against what a plain HTML transfer would be);
``median_wire_vs_html_deflate`` compares with the HTML deflated (level 6).
The cost table times the encoding where it runs: the tree in the page
worker, the frame on the relay's loop (splicing the worker's bytes; a tree
renumbered by a same-site diff is encoded on the loop, at most 8,000 nodes),
against msgpack of the old frame.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
import zlib
from typing import Any

import msgpack
from aiohttp import web

from bench.harness.corpus import corpus_dir, load_pages, resource_url
from bench.harness.outcome import Outcome, Table, check
from bench.harness.stats import percentile
from cobrowse.pipeline import build_page
from cobrowse.pipeline.preview import document_html
from cobrowse.protocol import Msg, encode, pack_tree, read_frame, wire_tree
from cobrowse.session.hub import Connection, SessionHub

__all__ = ["deflated_size", "run", "wire_sizes"]


DEFLATE_LEVEL = 1  # aiohttp's permessage-deflate writer uses Z_BEST_SPEED


def deflated_size(data: bytes, level: int = DEFLATE_LEVEL) -> int:
    """Bytes of ``data`` as one permessage-deflate message (RFC 7692, no context takeover)."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
    return len(out) - 4 if out.endswith(b"\x00\x00\xff\xff") else len(out)


async def _read_message(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One server→client WebSocket message: (bytes read off the socket, payload)."""
    b0, b1 = await reader.readexactly(2)
    if b0 & 0x70:
        raise RuntimeError("the relay compressed per connection (RSV1 set)")
    n, used = b1 & 0x7F, 2
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
        used += 2
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
        used += 8
    return used + n, await reader.readexactly(n)


async def _wire(bodies: list[dict[str, Any]], trees: list[Any]) -> list[int]:
    hub = SessionHub()
    opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        # the options of cobrowse.ws (compress=False: no permessage-deflate)
        ws = web.WebSocketResponse(max_msg_size=64 * 1024, compress=False)
        await ws.prepare(request)
        hub.attach(Connection(ws, "citizen", "citizen", hub.current_frames))
        opened.set_result(None)
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**24)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101") or b"permessage-deflate" in head.lower():
        raise RuntimeError("unexpected WebSocket handshake")
    await opened
    got = []
    try:
        for body in bodies:
            frame = hub.broadcast(Msg.SNAPSHOT, body)
            size, payload = await asyncio.wait_for(_read_message(reader), 60)
            if payload != frame:
                raise RuntimeError("the socket carried other bytes than the hub's frame")
            if read_frame(payload)[2]["tree"] != trees[len(got)]:
                raise RuntimeError("the frame does not decode to the page's tree")
            got.append(size)
    finally:
        writer.close()
        await hub.close_all(1001, "")
        await runner.cleanup()
    return got


def wire_sizes(bodies: list[dict[str, Any]], trees: list[Any]) -> list[int]:
    """Broadcast each SNAPSHOT body through a SessionHub to a real socket:
    the bytes read off the socket per body (checked against the hub's frame,
    and that it decodes to ``trees``)."""
    return asyncio.run(_wire(bodies, trees))


def run(quick: bool) -> Outcome:
    out = Outcome("snapshot")
    if not (corpus_dir() / "pages").is_dir():
        out.available = False
        out.notes.append(f"corpus not found at {corpus_dir()} (set COBROWSE_CORPUS): skipped")
        return out
    rows: list[tuple[int, int, int, int, list[float]]] = []
    bodies: list[dict[str, Any]] = []
    trees: list[Any] = []
    for page in load_pages(20 if quick else None):
        built = build_page(page.body, "text/html", page.url, resource_url)
        body = {"page": 1, "url": built.url, "title": built.title, "tree": built.tree}
        html = document_html(built.tree).encode("utf-8")
        v1 = msgpack.packb([int(Msg.SNAPSHOT), 1, body], use_bin_type=True)
        compact = msgpack.packb(
            [int(Msg.SNAPSHOT), 1, {**body, "tree": wire_tree(built.tree)}], use_bin_type=True
        )
        t0 = time.perf_counter()
        packed = pack_tree(built.tree)
        t1 = time.perf_counter()
        encode(Msg.SNAPSHOT, 1, {**body, "tree": packed})
        t2 = time.perf_counter()
        encode(Msg.SNAPSHOT, 1, body)
        t3 = time.perf_counter()
        msgpack.packb([int(Msg.SNAPSHOT), 1, body], use_bin_type=True)
        t4 = time.perf_counter()
        ms = [(t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3]
        rows.append((len(html), len(v1), len(compact), deflated_size(html, 6), ms))
        bodies.append({**body, "tree": packed})
        trees.append(built.tree)
    wire_bytes = wire_sizes(bodies, trees)
    html_sizes = [r[0] for r in rows]
    v1 = [r[1] / r[0] for r in rows]
    raw = [r[2] / r[0] for r in rows]
    on_wire = [w / h for w, h in zip(wire_bytes, html_sizes, strict=True)]
    vs = [w / r[3] for w, r in zip(wire_bytes, rows, strict=True)]
    out.figures = {
        "median_size_ratio": round(percentile(raw, 50), 3),
        "median_wire_ratio": round(percentile(on_wire, 50), 3),
        "median_wire_vs_html_deflate": round(percentile(vs, 50), 3),
        "median_v1_ratio": round(percentile(v1, 50), 3),
        "pages": len(rows),
    }
    table = Table(
        "SNAPSHOT frame vs sanitized HTML, per page (ratios: frame ÷ HTML)",
        ["", "pages", "HTML bytes (sum)", "frame bytes (sum)", "median", "p95", "total"],
    )

    def line(label: str, values: list[float], num: int, den: int) -> list[object]:
        return [
            label,
            len(rows),
            den,
            num,
            round(percentile(values, 50), 3),
            round(percentile(values, 95), 3),
            round(num / den, 3),
        ]

    html_sum, wire_sum = sum(html_sizes), sum(wire_bytes)
    table.rows = [
        line("v1 frame (an id on every node) ÷ raw HTML", v1, sum(r[1] for r in rows), html_sum),
        line(
            "frame before deflate (compact tree) ÷ raw HTML", raw, sum(r[2] for r in rows), html_sum
        ),
        line("bytes on the socket ÷ raw HTML", on_wire, wire_sum, html_sum),
        line(
            "bytes on the socket ÷ deflated HTML (level 6)", vs, wire_sum, sum(r[3] for r in rows)
        ),
    ]
    out.tables.append(table)
    cost = Table(
        "encoding a SNAPSHOT: where it runs and what it costs (ms)",
        ["step", "runs in", "pages", "sum", "median", "max", "median per MB of HTML"],
    )
    steps = [
        ("pack_tree: compact tree + deflate", "page worker"),
        ("encode() splicing the worker's tree (a new page)", "relay's loop"),
        ("encode() of a tree (renumbered by a diff)", "relay's loop"),
        ("before: msgpack of the v1 frame", "relay's loop"),
    ]
    for k, (label, where) in enumerate(steps):
        times = [r[4][k] for r in rows]
        per_mb = [ms / (h / 1e6) for ms, h in zip(times, html_sizes, strict=True)]
        cost.rows.append(
            [
                label,
                where,
                len(rows),
                round(sum(times), 1),
                round(percentile(times, 50), 3),
                round(max(times), 2),
                round(percentile(per_mb, 50), 2),
            ]
        )
    out.tables.append(cost)
    out.checks = [
        check("median_size_ratio ≤ 0.85", out.figures["median_size_ratio"], 0.85),
        check("median_wire_ratio ≤ 0.22", out.figures["median_wire_ratio"], 0.22),
    ]
    return out
