"""``handover``: moving a session to another relay node, against a page reload.

Two relay processes share one ``redis-server``; every advisor works on node
A, every citizen watches through node B. Per session, in this order:

* **reload** (the baseline): the advisor reloads the page on A; the time until
  the citizen has the page again (fetch, pipeline, fan-out through Redis);
* **hand-over**: the advisor's browser comes through B instead (a new
  WebSocket there, as after a load balancer changed its mind); the time until
  the citizen has the page again: B claims the session, rebuilds the page
  from Redis and sends it to everyone.

Then node A is killed (SIGKILL) with several sessions open: the time until
each citizen has the page again from B. By design that is at most
``owner_timeout_seconds`` (A's last heartbeat runs out) plus a third of it
(B looks every third), plus the rebuild.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness.clients import RelayTarget
from bench.harness.outcome import Check, Outcome, Table, check
from bench.harness.procs import Server, start_relay
from bench.harness.redis_server import redis_binary, running_redis
from bench.harness.stats import percentile, ratio
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode, read_frame

__all__ = ["run"]

OWNER_TIMEOUT = 1.0
SEQ_STRIDE = 1 << 20  # a new owner's first seq is a multiple (cobrowse.cluster.handover)


async def _next_page(ws: aiohttp.ClientWebSocketResponse, above: int = 0) -> int:
    """Wait for the next page (snapshot or navigating diff) with seq > ``above``.

    At most 30 s in all, however many other frames arrive meanwhile: a page
    that never comes ends the round with an error instead of a hang.
    """
    deadline = time.monotonic() + 30
    while True:
        message = await ws.receive(timeout=max(0.0, deadline - time.monotonic()))
        if message.type is not aiohttp.WSMsgType.BINARY:
            raise RuntimeError(f"socket closed: {message.type.name}")
        kind, seq, body = read_frame(message.data)
        page = kind == Msg.SNAPSHOT or (kind == Msg.MUTATIONS and "navigate" in body)
        if page and seq > above:
            return int(seq)


async def _connect(
    http: aiohttp.ClientSession, base: str, path: str, cookie: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(
        "ws" + base[4:] + path, headers={"Cookie": cookie, "Origin": base}, max_msg_size=0
    )
    hello = {"version": PROTOCOL_VERSION, "viewport": [1280, 800], "last_seq": 0}
    await ws.send_bytes(encode(Msg.HELLO, 0, hello))
    return ws


class Room:
    """One session: the advisor on A, a citizen on B, the demo home page shown."""

    def __init__(self, target: RelayTarget, b: Server) -> None:
        self.target, self.b = target, b

    async def open(self, http: aiohttp.ClientSession, url: str) -> None:
        target = self.target
        headers = {**target._advisor(), "X-CSRF-Token": target.csrf}
        async with http.post(target.base + "/api/sessions", headers=headers) as r:
            self.session: dict[str, Any] = await r.json()
        token = await target._join(http, self.session["code"])
        self.advisor_cookie = f"cb_advisor={target.advisor_cookie}"
        path = f"/ws?session={self.session['session']}"
        self.advisor = await _connect(http, target.base, path, self.advisor_cookie)
        self.citizen = await _connect(http, self.b.base, "/ws", f"cb_participant={token}")
        await self.advisor.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
        self.seq = await _next_page(self.citizen)

    async def reload(self) -> float:
        started = time.perf_counter()
        await self.advisor.send_bytes(encode(Msg.HISTORY_GO, 0, {"step": 0}))
        self.seq = await _next_page(self.citizen, self.seq)
        return time.perf_counter() - started

    async def move_advisor(self, http: aiohttp.ClientSession) -> float:
        started = time.perf_counter()
        path = f"/ws?session={self.session['session']}"
        self.advisor = await _connect(http, self.b.base, path, self.advisor_cookie)
        self.seq = await _next_page(self.citizen, self.seq)
        return time.perf_counter() - started


async def _measure(a: Server, b: Server, rounds: int, killed: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"reload": [], "handover": [], "failover": []}
    async with aiohttp.ClientSession() as http:
        target = RelayTarget(a, citizen_server=b)
        await target.login(http)
        for _ in range(rounds):
            room = Room(target, b)
            await room.open(http, a.demo + "/")
            out["reload"].append(await room.reload())
            out["handover"].append(await room.move_advisor(http))
            assert room.seq >= SEQ_STRIDE, "the citizen's page did not come from a new owner"
            await room.advisor.send_bytes(encode(Msg.END, 0, {}))
        rooms = [Room(target, b) for _ in range(killed)]
        for room in rooms:
            await room.open(http, a.demo + "/")
        killed_at = time.perf_counter()
        a.kill()

        async def back(room: Room) -> float:
            await _next_page(room.citizen, room.seq)
            return time.perf_counter() - killed_at

        out["failover"] = list(await asyncio.gather(*(back(room) for room in rooms)))
    return out


def run(quick: bool) -> Outcome:
    out = Outcome("handover")
    if redis_binary() is None:
        out.available = False
        out.notes.append("redis-server is not installed (make test installs it)")
        out.checks = [Check("handover_p50 ≤ 2 × reload_p50", None)]
        return out
    rounds, killed = (5, 3) if quick else (30, 10)
    with tempfile.TemporaryDirectory(prefix="bench-handover-") as tmp:
        config = Path(tmp) / "relay.toml"
        config.write_text(
            f'[server]\nsecret_key = "{secrets.token_urlsafe(48)}"\n'
            '[sessions]\nconfirm_join = false\njoin_policy = "open"\n'
            f"[bus]\nowner_timeout_seconds = {OWNER_TIMEOUT}\n",
            "utf-8",
        )
        with running_redis(Path(tmp)) as redis:
            node = ("--config", str(config), "--redis", redis.url)
            with start_relay(*node) as a, start_relay(*node) as b:
                try:
                    times = asyncio.run(_measure(a, b, rounds, killed))
                finally:
                    a.kill()
    ms = {k: [v * 1000 for v in values] for k, values in times.items()}
    figures = {f"{k}_p50_ms": round(percentile(v, 50), 1) for k, v in ms.items()}
    figures |= {f"{k}_max_ms": round(max(v), 1) for k, v in ms.items()}
    figures["handover_ratio_p50"] = ratio(figures["handover_p50_ms"], figures["reload_p50_ms"])
    figures |= {"rounds": rounds, "killed_sessions": killed, "owner_timeout_s": OWNER_TIMEOUT}
    out.figures = figures
    out.tables.append(
        Table(
            "until the citizen on node B has the page again (ms)",
            ["what", "sessions", "p50", "max"],
            [
                [
                    "reload on the owner (baseline)",
                    rounds,
                    figures["reload_p50_ms"],
                    figures["reload_max_ms"],
                ],
                [
                    "advisor comes through node B",
                    rounds,
                    figures["handover_p50_ms"],
                    figures["handover_max_ms"],
                ],
                [
                    f"node A killed (owner_timeout_seconds = {OWNER_TIMEOUT:g})",
                    killed,
                    figures["failover_p50_ms"],
                    figures["failover_max_ms"],
                ],
            ],
        )
    )
    out.checks = [
        check("handover_p50 ≤ 2 × reload_p50", figures["handover_ratio_p50"], 2.0),
        check(
            "failover_max ≤ 4/3 × owner timeout + 200 ms",
            figures["failover_max_ms"],
            OWNER_TIMEOUT * 4000 / 3 + 200,
        ),
    ]
    return out
