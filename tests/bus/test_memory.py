"""Memory-bus specifics: the private broker and the simulated Redis restart."""

from __future__ import annotations

from cobrowse.bus import BusState, session_channel
from cobrowse.bus.memory import MemoryBroker, MemoryBus
from tests.bus.test_contract import Inbox

CHANNEL = session_channel("s1")


async def test_a_single_node_only_hears_its_echo() -> None:
    bus = MemoryBus()
    await bus.start()
    inbox = Inbox()
    await bus.subscribe(CHANNEL, inbox)
    bus.publish(CHANNEL, b"mine")
    await bus.flush()
    other = MemoryBus(bus.broker)
    await other.start()
    other.publish(CHANNEL, b"theirs")
    assert (await inbox.next()).data == b"theirs"
    assert bus.stats.echoes == 1
    await bus.close()
    await other.close()
    assert bus.broker.channels() == set()


async def test_broker_outage_goes_down_and_resubscribes_on_return() -> None:
    broker = MemoryBroker()
    a, b = MemoryBus(broker, "a"), MemoryBus(broker, "b")
    await a.start()
    await b.start()
    states: list[BusState] = []
    remove = b.add_state_listener(states.append)
    inbox = Inbox()
    await b.subscribe(CHANNEL, inbox)
    broker.go_down()
    assert (a.state, b.state) == (BusState.DOWN, BusState.DOWN)
    assert broker.channels() == set()
    assert not a.publish(CHANNEL, b"lost")
    late = Inbox()
    await b.subscribe(session_channel("late"), late)
    broker.come_up()
    assert broker.channels() == {CHANNEL, session_channel("late")}
    assert states == [BusState.DOWN, BusState.UP]
    assert b.stats.reconnects == 1
    a.publish(CHANNEL, b"back")
    a.publish(session_channel("late"), b"late too")
    assert (await inbox.next()).data == b"back"
    assert (await late.next()).data == b"late too"
    remove()
    remove()  # removing twice is harmless
    broker.go_down()
    assert states == [BusState.DOWN, BusState.UP]
    await a.close()
    await b.close()


async def test_start_while_broker_down() -> None:
    broker = MemoryBroker()
    broker.go_down()
    bus = MemoryBus(broker)
    await bus.start()
    assert bus.state is BusState.DOWN
    broker.come_up()
    assert bus.state is BusState.UP and bus.stats.reconnects == 0
    await bus.close()
