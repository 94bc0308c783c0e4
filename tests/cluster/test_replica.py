"""A node's copy of another node's session (cobrowse.cluster.replica), and the
owner acting on what the copy forwards (cobrowse.cluster.owner)."""

from __future__ import annotations

import time

from cobrowse.bus.memory import MemoryBus
from cobrowse.cluster.owner import apply_control
from cobrowse.cluster.replica import ReplicaHub, replica_of
from cobrowse.cluster.wire import (
    Broadcast,
    BusKind,
    ChannelRelay,
    ControlOp,
    Envelope,
    Latest,
    PageCopy,
    Roster,
    RosterEntry,
    SendTo,
    control_channel,
    pack_control,
    unpack_control,
)
from cobrowse.protocol import Msg, encode
from cobrowse.session.hub import SessionHub
from cobrowse.session.model import CoSession, Participant
from tests.session.test_moves import RecordingHub


def replica(forwarded: list[ControlOp], rosters: list[str]) -> ReplicaHub:
    relay = ChannelRelay(MemoryBus(), control_channel("s1"))
    return ReplicaHub("node-a", forwarded.append, relay, lambda: rosters.append("roster"), {"c1"})


def session_with(hub: SessionHub) -> CoSession:
    now = time.time()
    session = CoSession("s1", "berater", "123456", now + 600, now, hub=hub)
    session.participants["advisor"] = Participant("advisor", "advisor")
    return session


def test_a_replica_passes_what_it_is_given_on_to_the_owner() -> None:
    forwarded: list[ControlOp] = []
    rosters: list[str] = []
    hub = replica(forwarded, rosters)
    assert hub.broadcast(Msg.NOTICE, {"key": "extended"}, exclude="c1") is None
    hub.broadcast_latest(Msg.POINTER, {"x": 0.5}, exclude="c1")
    hub.send_to("advisor", Msg.CODE, {"code": None})
    hub.send_to("advisor", Msg.ADMISSIONS, {"waiting": []})  # the owner has its own list
    hub.broadcast(Msg.PARTICIPANTS, {"participants": []})  # the owner lists everyone
    hub.broadcast(Msg.ENDED, {"reason": "shutdown"})  # ends only here
    assert forwarded == [
        Broadcast(Msg.NOTICE, {"key": "extended"}, "c1"),
        Latest(Msg.POINTER, {"x": 0.5}, "c1"),
        SendTo("advisor", Msg.CODE, {"code": None}),
    ]
    assert rosters == ["roster"]
    assert hub.seq == 0 and not hub.owned


def test_an_owner_hub_returns_the_frame_it_sequenced() -> None:
    hub = SessionHub()
    assert hub.owned
    assert hub.broadcast(Msg.NOTICE, {"key": "x"}) == encode(Msg.NOTICE, 1, {"key": "x"})


def test_a_replica_follows_a_new_owner_and_tells_it_who_is_here() -> None:
    rosters: list[str] = []
    hub = replica([], rosters)
    hub.follow_quietly("node-b")
    assert (hub.owner, rosters) == ("node-b", [])
    hub.follow("node-c")
    assert (hub.owner, rosters) == ("node-c", ["roster"])


def test_only_the_replicas_own_participants_are_in_its_roster() -> None:
    hub = replica([], [])
    session = session_with(hub)
    session.participants["c1"] = Participant("c1", "citizen", viewport=(800, 600))
    session.participants["c9"] = Participant("c9", "citizen")  # joined through another node
    hub.arrived("g1")
    session.participants["g1"] = Participant("g1", "guest", state="pending", phrase="Apfel")
    assert replica_of(session) is hub
    assert hub.roster_op(session, "node-b") == Roster(
        "node-b",
        (
            RosterEntry("c1", "citizen", "active", None, (800, 600)),
            RosterEntry("g1", "guest", "pending", "Apfel", None),
        ),
    )


def test_a_replica_drops_stale_ordered_frames_and_keeps_page_frames() -> None:
    hub = replica([], [])
    snapshot = encode(Msg.SNAPSHOT, 5, {"tree": [1, "html", {}, []]})
    assert hub.apply(Envelope(BusKind.ORDERED, 5, "", snapshot)) == Msg.SNAPSHOT
    assert hub.apply(Envelope(BusKind.ORDERED, 4, "", encode(Msg.MUTATIONS, 4, {}))) is None
    change = encode(Msg.MUTATIONS, 6, {"page": 1})
    assert hub.apply(Envelope(BusKind.ORDERED, 6, "", change)) == Msg.MUTATIONS
    assert hub.apply(Envelope(BusKind.LATEST, 9999, "", b"bad type")) is None  # dropped
    assert hub.current_frames() == [snapshot, change]
    assert hub.apply(Envelope(BusKind.ORDERED, 7, "", encode(Msg.ENDED, 7, {}))) == Msg.ENDED


def test_the_owner_acts_on_a_replicas_control_ops() -> None:
    hub = RecordingHub()
    session = session_with(hub)
    remote: dict[str, dict[str, str]] = {}
    bus = MemoryBus()
    roster = Roster("node-b", (RosterEntry("c1", "citizen", "pending", "Apfel", (640, 480)),))
    apply_control(bus, session, remote, roster)
    person = session.participants["c1"]
    assert (person.state, person.phrase, person.viewport) == ("pending", "Apfel", (640, 480))
    assert remote == {"s1": {"c1": "node-b"}}
    apply_control(bus, session, remote, Broadcast(Msg.NOTICE, {"key": "x"}, None))
    assert hub.sent[-1] == (Msg.NOTICE, {"key": "x"}, None)
    apply_control(bus, session, remote, Roster("node-b", ()))  # c1 left node-b
    assert "c1" not in session.participants and remote == {"s1": {}}


def test_a_forged_roster_cannot_make_anyone_an_advisor() -> None:
    hub = RecordingHub()
    session = session_with(hub)
    forged = RosterEntry("c1", "advisor", "active", None, None)
    op = unpack_control(pack_control(Roster("node-b", (forged,))))
    apply_control(MemoryBus(), session, {}, op)
    assert session.participants["c1"].role == "citizen"


def test_a_stale_replica_takes_the_owners_page_even_behind_frames_it_has_seen() -> None:
    hub = replica([], [])
    old_page = encode(Msg.SNAPSHOT, 3, {"tree": [1, "html", {}, []]})
    hub.apply(Envelope(BusKind.ORDERED, 3, "", old_page))
    # a new owner's frames arrive before the page it sent while this node was not listening
    later = encode(Msg.MUTATIONS, 12, {"page": 2})
    hub.apply(Envelope(BusKind.ORDERED, 12, "", later))
    new_page = encode(Msg.SNAPSHOT, 11, {"tree": [1, "html", {}, []]})
    copy = PageCopy(12, 11, new_page, [later]).pack()
    assert hub.resync(copy) == []  # not stale: nothing newer than seq 12
    hub.stale = True
    assert hub.resync(copy) == [new_page, later]
    assert (hub.seq, hub.snapshot_seq, hub.stale) == (12, 11, False)
    assert hub.resync(copy) == []  # taken once


def test_a_snapshot_ends_a_replicas_staleness() -> None:
    hub = replica([], [])
    hub.stale = True
    snapshot = encode(Msg.SNAPSHOT, 5, {"tree": [1, "html", {}, []]})
    hub.apply(Envelope(BusKind.ORDERED, 5, "", snapshot))
    assert not hub.stale
