"""Redis-only bus properties: channels on the wire, restarts, dead links."""

from __future__ import annotations

import asyncio
import inspect
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis

import cobrowse.bus.redis as redis_bus_module
from bench.harness.redis_server import RedisServer
from cobrowse.bus import Bus, BusState, create_bus, session_channel
from cobrowse.bus.base import encode_envelope
from cobrowse.bus.memory import MemoryBus
from cobrowse.bus.redis import RedisBus
from tests.bus.conftest import redis_bus
from tests.bus.test_contract import WAIT, Inbox
from tests.conftest import redis_or_skip


@pytest.fixture
async def admin(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def started(bus: Bus) -> Bus:
    await bus.start()
    return bus


async def wait_state(bus: Bus, state: BusState) -> None:
    await asyncio.wait_for(bus.wait_state(state), WAIT)


async def test_one_plain_channel_per_session_never_patterns(
    redis_server: RedisServer, admin: Redis
) -> None:
    bus = await started(redis_bus(redis_server, "n1"))
    try:
        for sid in ("s1", "s2", "s3"):
            await bus.subscribe(session_channel(sid), Inbox())
        channels = {c.decode() for c in await admin.pubsub_channels()}
        assert channels == {"cobrowse:session:s1", "cobrowse:session:s2", "cobrowse:session:s3"}
        assert await admin.pubsub_numpat() == 0
        clients = await admin.client_list()
        sub = next(c for c in clients if c["name"] == "cobrowse-sub-n1")
        assert (int(sub["sub"]), int(sub["psub"])) == (3, 0)
    finally:
        await bus.close()


def test_the_redis_bus_never_uses_pattern_subscriptions() -> None:
    source = inspect.getsource(redis_bus_module)
    assert not re.search(r"psubscribe|PSUBSCRIBE|punsubscribe|pubsub_numpat", source)


async def test_prefix_separates_deployments(redis_server: RedisServer) -> None:
    a = await started(redis_bus(redis_server))
    b = await started(RedisBus(redis_server.url, prefix="other:"))
    try:
        inbox, mine = Inbox(), Inbox()
        await b.subscribe("session:x", inbox)
        c = await started(redis_bus(redis_server))
        await c.subscribe("session:x", mine)
        a.publish("session:x", b"only for cobrowse:")
        assert (await mine.next()).data == b"only for cobrowse:"
        assert inbox.queue.empty()
        await c.close()
    finally:
        await a.close()
        await b.close()


async def test_redis_restart_mid_stream_reconnects_and_resubscribes(
    redis_server: RedisServer, admin: Redis
) -> None:
    a = await started(redis_bus(redis_server, "a"))
    b = await started(redis_bus(redis_server, "b"))
    seen: list[BusState] = []
    b.add_state_listener(seen.append)
    try:
        inbox, other = Inbox(), Inbox()
        await b.subscribe(session_channel("s1"), inbox)
        await b.subscribe(session_channel("s2"), other)
        for i in range(20):
            a.publish(session_channel("s1"), b"before %d" % i)
        assert [m.data for m in await inbox.take(20)][-1] == b"before 19"

        redis_server.kill()
        await wait_state(a, BusState.DOWN)
        await wait_state(b, BusState.DOWN)
        assert not a.publish(session_channel("s1"), b"while down")  # refused, not queued

        redis_server.start()
        await wait_state(a, BusState.UP)
        await wait_state(b, BusState.UP)
        assert seen == [BusState.DOWN, BusState.UP]
        assert b.stats.reconnects == 1
        channels = {c.decode() for c in await admin.pubsub_channels()}
        assert channels == {"cobrowse:session:s1", "cobrowse:session:s2"}

        for i in range(20):
            a.publish(session_channel("s1"), b"after %d" % i)
        a.publish(session_channel("s2"), b"s2 after")
        assert [m.data for m in await inbox.take(20)] == [b"after %d" % i for i in range(20)]
        assert (await other.next()).data == b"s2 after"
    finally:
        await a.close()
        await b.close()


def publish_while_the_loop_is_blocked(
    server: RedisServer, messages: list[tuple[str, bytes]], kill_subscriber: str = ""
) -> None:
    """Publish ``messages`` as node "other" with a blocking client, so they all reach
    the subscriber's socket before its event loop runs again: it then finds them
    in one read. ``kill_subscriber`` (a client name) has Redis close that
    connection right behind them."""
    client = redis.Redis.from_url(server.url)
    try:
        with client.pipeline(transaction=False) as pipe:
            for channel, data in messages:
                pipe.publish("cobrowse:" + channel, encode_envelope(b"other", data))
            pipe.execute()
        if kill_subscriber:
            victim = next(c for c in client.client_list() if c["name"] == kill_subscriber)
            assert client.client_kill_filter(_id=victim["id"]) == 1
    finally:
        client.close()


async def test_many_messages_arriving_in_one_read_are_all_delivered_in_order(
    redis_server: RedisServer,
) -> None:
    b = await started(redis_bus(redis_server, "b"))
    try:
        one, two = Inbox(), Inbox()
        await b.subscribe(session_channel("s1"), one)
        await b.subscribe(session_channel("s2"), two)
        batch = [(session_channel(f"s{1 + i % 2}"), b"m%d" % i) for i in range(300)]
        publish_while_the_loop_is_blocked(redis_server, batch)
        got_one, got_two = await one.take(150), await two.take(150)
        assert [m.data for m in got_one] == [b"m%d" % i for i in range(0, 300, 2)]
        assert [m.data for m in got_two] == [b"m%d" % i for i in range(1, 300, 2)]
        assert {m.sender for m in got_one + got_two} == {"other"}
        assert b.stats.delivered == 300
        assert b.stats.malformed == 0
    finally:
        await b.close()


async def test_a_message_larger_than_one_read_arrives_whole_between_its_neighbours(
    redis_server: RedisServer,
) -> None:
    b = await started(redis_bus(redis_server, "b"))
    try:
        inbox = Inbox()
        await b.subscribe(session_channel("s1"), inbox)
        large = bytes(range(256)) * 1000  # 256 kB: several socket reads, torn replies
        batch = [(session_channel("s1"), data) for data in (b"before", large, b"after")]
        publish_while_the_loop_is_blocked(redis_server, batch)
        assert [m.data for m in await inbox.take(3)] == [b"before", large, b"after"]
    finally:
        await b.close()


async def test_a_connection_lost_right_after_a_batch_delivers_it_then_reconnects(
    redis_server: RedisServer,
) -> None:
    a = await started(redis_bus(redis_server, "a"))
    b = await started(redis_bus(redis_server, "b"))
    seen: list[BusState] = []
    b.add_state_listener(seen.append)
    try:
        inbox = Inbox()
        await b.subscribe(session_channel("s1"), inbox)
        batch = [(session_channel("s1"), b"m%d" % i) for i in range(200)]
        publish_while_the_loop_is_blocked(redis_server, batch, kill_subscriber="cobrowse-sub-b")
        # what arrived before the connection closed is delivered, in order
        assert [m.data for m in await inbox.take(200)] == [data for _, data in batch]
        await wait_state(b, BusState.DOWN)
        await wait_state(b, BusState.UP)
        assert seen == [BusState.DOWN, BusState.UP]
        assert b.stats.reconnects == 1
        a.publish(session_channel("s1"), b"after")
        assert (await inbox.next()).data == b"after"
        assert inbox.queue.empty()
    finally:
        await a.close()
        await b.close()


async def test_subscribing_while_down_takes_effect_on_reconnect(
    redis_server: RedisServer,
) -> None:
    a = await started(redis_bus(redis_server))
    b = await started(redis_bus(redis_server))
    try:
        redis_server.kill()
        await wait_state(b, BusState.DOWN)
        inbox = Inbox()
        await b.subscribe(session_channel("late"), inbox)  # returns at once while down
        redis_server.start()
        await wait_state(a, BusState.UP)
        await wait_state(b, BusState.UP)
        a.publish(session_channel("late"), b"hello")
        assert (await inbox.next()).data == b"hello"
    finally:
        await a.close()
        await b.close()


async def test_a_silently_dead_link_is_noticed_by_the_watchdog(
    redis_server: RedisServer,
) -> None:
    bus = await started(redis_bus(redis_server, ping_interval=0.1, timeout=0.5))
    try:
        redis_server.freeze()  # connection open, nobody answers
        await wait_state(bus, BusState.DOWN)
        redis_server.thaw()
        await wait_state(bus, BusState.UP)
    finally:
        await bus.close()


async def test_start_while_redis_is_down_then_connects(redis_server: RedisServer) -> None:
    redis_server.kill()
    bus = redis_bus(redis_server)
    states: list[BusState] = []
    bus.add_state_listener(states.append)
    try:
        await bus.start()
        assert bus.state is BusState.DOWN
        assert not bus.publish("session:x", b"nobody listens")
        redis_server.start()
        await wait_state(bus, BusState.UP)
        assert states == [BusState.UP]
        assert bus.stats.reconnects == 0
    finally:
        await bus.close()


async def test_create_bus_picks_the_transport(redis_server: RedisServer) -> None:
    assert isinstance(create_bus(None), MemoryBus)
    bus = create_bus(redis_server.url, node_id="n9")
    assert isinstance(bus, RedisBus) and bus.node_id == "n9"
    await bus.start()
    assert bus.state is BusState.UP
    await bus.close()


async def test_a_unix_socket_url_works() -> None:
    # a short directory: a unix socket path has at most 107 bytes
    directory = Path(tempfile.mkdtemp(prefix="bus-"))
    try:
        with redis_or_skip(directory, unix_socket=True) as server:
            options = {"backoff_base": 0.02, "ping_interval": 0.5, "timeout": 2.0}
            a = await started(RedisBus(server.unix_url, node_id="ua", **options))
            b = await started(RedisBus(server.unix_url, node_id="ub", **options))
            try:
                await wait_state(a, BusState.UP)
                inbox = Inbox()
                await b.subscribe("session:u", inbox)
                assert a.publish("session:u", b"over the unix socket")
                assert (await inbox.next()).data == b"over the unix socket"
            finally:
                await a.close()
                await b.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
