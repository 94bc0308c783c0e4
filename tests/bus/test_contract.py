"""The bus contract, run against the memory bus and the Redis bus alike."""

from __future__ import annotations

import asyncio

import pytest

from cobrowse.bus import BusMessage, BusState, session_channel
from tests.bus.conftest import NodeFactory

WAIT = 10.0  # generous upper bound so a broken bus fails instead of hanging


class Inbox:
    """A handler that queues what it receives, so tests await messages instead of sleeping."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[BusMessage] = asyncio.Queue()

    def __call__(self, message: BusMessage) -> None:
        self.queue.put_nowait(message)

    async def next(self) -> BusMessage:
        return await asyncio.wait_for(self.queue.get(), WAIT)

    async def take(self, n: int) -> list[BusMessage]:
        return [await self.next() for _ in range(n)]


CHANNEL = session_channel("s1")


async def test_two_nodes_exchange_frames_as_bytes(nodes: NodeFactory) -> None:
    a, b = await nodes("node-a"), await nodes("node-b")
    at_a, at_b = Inbox(), Inbox()
    await a.subscribe(CHANNEL, at_a)
    await b.subscribe(CHANNEL, at_b)
    frame = bytes(range(256)) * 4
    assert a.publish(CHANNEL, frame)
    got = await at_b.next()
    assert (got.channel, got.sender, got.data) == (CHANNEL, "node-a", frame)
    assert b.publish(CHANNEL, b"answer")
    back = await at_a.next()
    assert (back.sender, back.data) == ("node-b", b"answer")


async def test_a_node_drops_its_own_echo(nodes: NodeFactory) -> None:
    a, b = await nodes(), await nodes()
    at_a, at_b = Inbox(), Inbox()
    await a.subscribe(CHANNEL, at_a)
    await b.subscribe(CHANNEL, at_b)
    a.publish(CHANNEL, b"from-a")
    assert (await at_b.next()).data == b"from-a"
    # B answers only after it got A's message, so the transport handled A's
    # message first: if A's echo were delivered, A would see it before this.
    b.publish(CHANNEL, b"from-b")
    assert (await at_a.next()).data == b"from-b"
    assert a.stats.echoes == 1 and a.stats.delivered == 1


async def test_order_is_kept_per_publisher_across_batches(nodes: NodeFactory) -> None:
    a, b = await nodes(), await nodes()
    inbox = Inbox()
    await b.subscribe(CHANNEL, inbox)
    frames = [i.to_bytes(4, "big") for i in range(1500)]  # several outbox batches
    for frame in frames:
        assert a.publish(CHANNEL, frame)
    got = await inbox.take(len(frames))
    assert [m.data for m in got] == frames


async def test_each_session_has_its_own_channel(nodes: NodeFactory) -> None:
    a, b, c = await nodes(), await nodes(), await nodes()
    one, two = Inbox(), Inbox()
    await b.subscribe(session_channel("one"), one)
    await c.subscribe(session_channel("two"), two)
    a.publish(session_channel("one"), b"for one")
    a.publish(session_channel("two"), b"for two")
    assert (await one.next()).data == b"for one"
    assert (await two.next()).data == b"for two"
    a.publish(session_channel("one"), b"again")
    assert (await one.next()).data == b"again"
    assert one.queue.empty() and two.queue.empty()


async def test_unsubscribed_handler_gets_nothing_more(nodes: NodeFactory) -> None:
    a, b = await nodes(), await nodes()
    gone, stays = Inbox(), Inbox()
    sub = await b.subscribe(CHANNEL, gone)
    await b.subscribe(CHANNEL, stays)
    a.publish(CHANNEL, b"1")
    assert (await gone.next()).data == b"1"
    assert (await stays.next()).data == b"1"
    await sub.close()
    await sub.close()  # idempotent
    a.publish(CHANNEL, b"2")
    assert (await stays.next()).data == b"2"
    assert gone.queue.empty()
    assert CHANNEL in b.channels()


async def test_resubscribe_after_last_handler_left(nodes: NodeFactory) -> None:
    a, b = await nodes(), await nodes()
    first = Inbox()
    sub = await b.subscribe(CHANNEL, first)
    await sub.close()
    assert CHANNEL not in b.channels()
    second = Inbox()
    await b.subscribe(CHANNEL, second)
    a.publish(CHANNEL, b"x")
    assert (await second.next()).data == b"x"
    assert first.queue.empty()


async def test_a_failing_handler_does_not_stop_delivery(nodes: NodeFactory) -> None:
    a, b = await nodes(), await nodes()

    def broken(message: BusMessage) -> None:
        raise ValueError("handler bug")

    inbox = Inbox()
    await b.subscribe(CHANNEL, broken)
    await b.subscribe(CHANNEL, inbox)
    a.publish(CHANNEL, b"1")
    a.publish(CHANNEL, b"2")
    assert [m.data for m in await inbox.take(2)] == [b"1", b"2"]


async def test_publish_is_refused_after_close(nodes: NodeFactory) -> None:
    a = await nodes()
    assert a.state is BusState.UP
    await a.close()
    assert a.state is BusState.CLOSED
    assert not a.publish(CHANNEL, b"late")
    assert a.stats.dropped == 1
    with pytest.raises(RuntimeError):
        await a.subscribe(CHANNEL, Inbox())
    await a.close()  # idempotent


async def test_flush_waits_until_handed_over(nodes: NodeFactory) -> None:
    a = await nodes()
    for i in range(600):
        a.publish(CHANNEL, bytes([i % 256]))
    await asyncio.wait_for(a.flush(), WAIT)
    assert a.stats.sent == 600 and a.stats.published == 600


async def test_wrong_envelopes_are_counted_not_delivered(nodes: NodeFactory) -> None:
    b = await nodes()
    inbox = Inbox()
    await b.subscribe(CHANNEL, inbox)
    for payload in (b"", b"\x02\x01a", b"\x01\x09short", b"\x01\x02\xff\xfe"):
        b._deliver(CHANNEL, payload)
    assert b.stats.malformed == 4
    assert inbox.queue.empty()


async def test_concurrent_subscribers_of_one_channel_all_wait_for_it(nodes: NodeFactory) -> None:
    a, b = await nodes(), await nodes()
    inboxes = [Inbox() for _ in range(5)]
    await asyncio.gather(*(b.subscribe(CHANNEL, inbox) for inbox in inboxes))
    a.publish(CHANNEL, b"to all")
    for inbox in inboxes:
        assert (await inbox.next()).data == b"to all"


async def test_waiting_for_a_state_ends_when_the_bus_closes(nodes: NodeFactory) -> None:
    a = await nodes()
    waiter = asyncio.ensure_future(a.wait_state(BusState.DOWN))
    await a.close()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(waiter, WAIT)
    await a.wait_state(BusState.CLOSED)
