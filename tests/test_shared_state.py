"""The shared-state contract on memory and on a real redis-server, plus Redis specifics.

"Nodes" are separate :class:`RedisSharedState` clients on one server (with
memory there is only one node, so every "node" is the same object).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

import cobrowse.shared_state
from bench.harness.redis_server import RedisServer
from cobrowse.errors import JoinError
from cobrowse.shared_state import (
    ParticipantRecord,
    SessionMeta,
    SharedState,
    StateSettings,
    ThrottleLimits,
    create_shared_state,
)
from cobrowse.shared_state.memory import MemorySharedState
from cobrowse.shared_state.redis import RedisSharedState
from tests.conftest import redis_or_skip

SETTINGS = StateSettings(
    secret=b"test-secret-test-secret-test-secret",
    session_ttl=600,
    tombstone_ttl=600,
    log_limit=5,
    visited_limit=3,
    throttle=ThrottleLimits(per_client=3, global_limit=5, window=60),
)
Nodes = Callable[[], SharedState]


@pytest.fixture(params=["memory", "redis"])
async def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Nodes]:
    """Each call is another node's view of the same shared state."""
    created: list[SharedState] = []
    with contextlib.ExitStack() as stack:
        if request.param == "memory":
            memory = MemorySharedState(SETTINGS)

            def node() -> SharedState:
                return memory
        else:
            server = stack.enter_context(redis_or_skip(tmp_path))

            def node() -> SharedState:
                state = create_shared_state(server.url, SETTINGS)
                created.append(state)
                return state

        try:
            yield node
        finally:
            for state in created:
                await state.close()


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds: for TTLs, where time itself is what we wait for."""
    async with asyncio.timeout(10):
        while not await check():  # noqa: ASYNC110 (no event tells that a TTL ran out)
            await asyncio.sleep(0.02)


async def join_error(call: Awaitable[object]) -> str:
    with pytest.raises(JoinError) as info:
        await call
    return info.value.kind


def meta(sid: str = "sess-1", code: str = "123456") -> SessionMeta:
    return SessionMeta(sid, "berater1", code, 1_700_000_000.5, 1_700_000_600.25, "node-a")


# -- access codes --------------------------------------------------------------


async def test_code_drawn_on_a_is_joinable_on_b_and_not_drawable_on_c(nodes: Nodes) -> None:
    a, b, c = nodes(), nodes(), nodes()
    code = await a.issue_code("sess-1", 600)
    assert len(code) == 6 and code.isdigit()
    assert await b.lookup_code(code, keep=600) == "sess-1"
    assert not await c.claim_code(code, "sess-2", 600)
    assert await b.lookup_code(code, keep=600) == "sess-1"


async def test_concurrent_claims_of_one_code_have_one_winner(nodes: Nodes) -> None:
    views = [nodes() for _ in range(8)]
    results = await asyncio.gather(
        *(v.claim_code("424242", f"s{i}", 600) for i, v in enumerate(views))
    )
    assert sorted(results) == [False] * 7 + [True]


async def test_issued_codes_are_unique(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    codes = [await (a if i % 2 else b).issue_code(f"s{i}", 600) for i in range(300)]
    assert len(set(codes)) == 300


async def test_unknown_malformed_and_revoked_codes(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    assert await join_error(a.lookup_code("000000", keep=60)) == "unknown"
    assert await join_error(a.lookup_code("12345", keep=60)) == "malformed"
    assert await join_error(a.lookup_code("12345*", keep=60)) == "malformed"
    assert await a.claim_code("111111", "sess-1", 600)
    await b.revoke_code("111111", "someone-else")  # not theirs: stays
    assert await a.lookup_code("111111", keep=60) == "sess-1"
    await b.revoke_code("111111", "sess-1")
    assert await join_error(a.lookup_code("111111", keep=60)) == "expired"
    # not drawable again while remembered: its late holder must not land in a stranger's session
    assert not await b.claim_code("111111", "sess-2", 600)


async def test_code_expires_into_a_tombstone(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    assert await a.claim_code("222222", "sess-1", 0.15)
    await asyncio.sleep(0.3)  # the code's lifetime passes (a lookup would extend it)
    assert await join_error(b.lookup_code("222222", keep=60)) == "expired"
    assert not await b.claim_code("222222", "sess-2", 600)  # remembered, not reissued


# -- join throttling --------------------------------------------------------------


async def test_failed_joins_throttle_the_client_on_every_node(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    for _ in range(3):
        await a.check_join("203.0.113.7")
        await a.record_failed_join("203.0.113.7")
    assert await join_error(b.check_join("203.0.113.7")) == "throttled"
    await b.check_join("198.51.100.1")  # somebody else is still fine


async def test_global_limit_throttles_everybody(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    for i in range(5):
        await (a if i % 2 else b).record_failed_join(f"192.0.2.{i}")
    assert await join_error(a.check_join("198.51.100.99")) == "throttled"


async def test_throttle_window_slides(nodes: Nodes) -> None:
    settings = StateSettings(
        secret=b"k" * 32, throttle=ThrottleLimits(per_client=1, global_limit=100, window=0.2)
    )
    state = nodes()
    if isinstance(state, RedisSharedState):
        state = RedisSharedState(state.redis, settings)
    else:
        state = MemorySharedState(settings)
    await state.record_failed_join("client")
    assert await join_error(state.check_join("client")) == "throttled"

    async def open_again() -> bool:
        try:
            await state.check_join("client")
        except JoinError:
            return False
        return True

    await eventually(open_again)


# -- sessions, participants, tokens ---------------------------------------------------


async def test_session_metadata_round_trip_and_drop(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    await a.save_session(meta())
    assert await b.load_session("sess-1") == meta()
    assert await b.load_session("sess-unknown") is None
    token = await a.issue_token("sess-1", "p1")
    await a.put_participant("sess-1", ParticipantRecord("p1", "citizen"))
    seq = await a.next_seq("sess-1")
    await a.record_frame("sess-1", seq, b"snap", snapshot=True)
    await a.add_visited("sess-1", "https://example.org/", "Start")
    await b.drop_session("sess-1")
    assert await a.load_session("sess-1") is None
    assert await a.token_owner(token) is None
    assert await a.participants("sess-1") == []
    assert await a.latest_snapshot("sess-1") is None
    assert await a.visited("sess-1") == []
    assert await a.current_seq("sess-1") == 0


async def test_an_advisors_running_sessions_are_listed_on_every_node(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    first = meta("sess-1", "123456")
    later = replace(meta("sess-2", "654321"), created_at=first.created_at + 60, owner="node-b")
    other = replace(meta("sess-3", "111111"), advisor="berater2")
    for one in (first, later, other):
        await a.save_session(one)
    assert await b.advisor_sessions("berater1") == [later, first]  # newest first
    assert await b.advisor_sessions("berater2") == [other]
    assert await b.advisor_sessions("nobody") == []
    moved = replace(first, owner="node-b", code="222222")  # a new owner, a new code
    await b.save_session(moved)
    assert await a.advisor_sessions("berater1") == [later, moved]
    await b.drop_session("sess-2")  # ended
    assert await a.advisor_sessions("berater1") == [moved]
    if isinstance(a, RedisSharedState):  # its node died: the meta ran out, no drop
        await a.redis.delete(a._s("sess-1", "meta"))
        assert await a.advisor_sessions("berater1") == []
        assert not [k async for k in a.redis.scan_iter(match="*berater1*")]  # a digest only


async def test_ids_that_could_escape_their_key_are_refused(nodes: Nodes) -> None:
    state = nodes()
    for bad in ("", "a}b", "a b", "x" * 65, "s:{x}", "ä"):
        with pytest.raises(ValueError):
            await state.save_session(meta(sid=bad))
        with pytest.raises(ValueError):
            await state.put_participant("sess-1", ParticipantRecord(bad, "guest"))


async def test_token_issued_on_a_resolves_on_b(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    first = await a.issue_token("sess-1", "p1")
    second = await a.issue_token("sess-1", "p1")
    assert first != second and len(first) >= 40
    assert await b.token_owner(first) == ("sess-1", "p1")
    assert await b.token_owner(second) == ("sess-1", "p1")
    assert await b.token_owner(first[:-1] + ("A" if first[-1] != "A" else "B")) is None
    assert await b.token_owner("") is None


async def test_participants_limit_order_and_removal(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    advisor = ParticipantRecord("advisor", "advisor", "node-a", None, "active", 1.0)
    citizen = ParticipantRecord("p1", "citizen", "node-b", (390, 844), "active", 2.0)
    guest = ParticipantRecord(
        "p2", "guest", "node-c", (1280, 720), "pending", 3.0, "Blaue Tanne", 3
    )
    assert await a.put_participant("sess-1", citizen, limit=3)
    assert await b.put_participant("sess-1", advisor, limit=3)
    assert await a.put_participant("sess-1", guest, limit=3)
    late = ParticipantRecord("p3", "guest", "node-a", None, "pending", 4.0)
    assert not await b.put_participant("sess-1", late, limit=3)  # full
    moved = ParticipantRecord("p2", "guest", "node-a", (800, 600), "pending", 3.0, "Blaue Tanne", 2)
    assert await b.put_participant("sess-1", moved, limit=3)  # updating is fine when full
    assert await b.participants("sess-1") == [advisor, citizen, moved]
    out = ParticipantRecord("p2", "guest", "node-a", None, "removed", 3.0, None, 0, "denied")
    assert await a.put_participant("sess-1", out)
    assert (await b.participants("sess-1"))[2] == out

    t1 = await a.issue_token("sess-1", "p1")
    t2 = await a.issue_token("sess-1", "p2")
    await b.remove_participant("sess-1", "p1")
    assert [p.id for p in await a.participants("sess-1")] == ["advisor", "p2"]
    assert await a.token_owner(t1) is None
    assert await a.token_owner(t2) == ("sess-1", "p2")
    await b.remove_participant("sess-1", "nobody")  # harmless


async def test_concurrent_joins_respect_the_limit(nodes: Nodes) -> None:
    views = [nodes() for _ in range(10)]
    results = await asyncio.gather(
        *(
            v.put_participant("sess-1", ParticipantRecord(f"p{i}", "guest"), limit=4)
            for i, v in enumerate(views)
        )
    )
    assert results.count(True) == 4
    assert len(await views[0].participants("sess-1")) == 4


# -- sequence numbers, snapshot, resume log -------------------------------------------


async def test_sequence_numbers_are_unique_across_nodes(nodes: Nodes) -> None:
    views = [nodes() for _ in range(4)]
    seqs = await asyncio.gather(*(views[i % 4].next_seq("sess-1") for i in range(40)))
    assert sorted(seqs) == list(range(1, 41))
    assert await views[0].current_seq("sess-1") == 40
    assert await views[1].ensure_seq("sess-1", 10) == 40
    assert await views[1].ensure_seq("sess-1", 100) == 100
    assert await views[2].next_seq("sess-1") == 101
    assert await views[3].current_seq("other") == 0


async def test_snapshot_and_seq_round_trip(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    assert await b.latest_snapshot("sess-1") is None
    frame = b"\x93\x02\xce\x00\x00\x00\x01" + bytes(range(256)) * 100
    seq = await a.next_seq("sess-1")
    assert await a.record_frame("sess-1", seq, frame, snapshot=True)
    assert await b.latest_snapshot("sess-1") == (seq, frame)
    newer = await a.next_seq("sess-1")
    await a.record_frame("sess-1", newer, b"newer page", snapshot=True)
    assert not await a.record_frame("sess-1", seq, b"stale page", snapshot=True)
    assert await b.latest_snapshot("sess-1") == (newer, b"newer page")


async def test_resume_from_seq(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    sid = "sess-1"
    assert await b.frames_after(sid, 0) == []
    assert await b.current_frames(sid) == []
    for seq in range(1, 4):  # notices before the first page
        assert await a.next_seq(sid) == seq
        await a.record_frame(sid, seq, b"n%d" % seq)
    assert await b.frames_after(sid, 1) == [b"n2", b"n3"]
    s4 = await a.next_seq(sid)
    await a.record_frame(sid, s4, b"SNAP4", snapshot=True)
    for _ in range(2):
        seq = await a.next_seq(sid)
        await a.record_frame(sid, seq, b"m%d" % seq)
    assert await b.frames_after(sid, 6) == []
    assert await b.frames_after(sid, 5) == [b"m6"]
    assert await b.frames_after(sid, 4) == [b"m5", b"m6"]
    # older than the snapshot: the snapshot stands in for everything before it
    assert await b.frames_after(sid, 2) == [b"SNAP4", b"m5", b"m6"]
    assert await b.frames_after(sid, 0) == [b"SNAP4", b"m5", b"m6"]
    # a seq this session never reached (e.g. state lost): resync
    assert await b.frames_after(sid, 99) is None
    assert await b.current_frames(sid) == [b"SNAP4", b"m5", b"m6"]
    assert not await a.record_frame(sid, 3, b"late")  # below the floor: ignored


async def test_resume_log_is_bounded(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    sid = "sess-1"
    s1 = await a.next_seq(sid)
    await a.record_frame(sid, s1, b"SNAP", snapshot=True)
    for _ in range(8):  # log_limit is 5
        seq = await a.next_seq(sid)
        await a.record_frame(sid, seq, b"m%d" % seq)
    assert await b.frames_after(sid, 4) == [b"m5", b"m6", b"m7", b"m8", b"m9"]
    assert await b.frames_after(sid, 3) is None  # m4 was dropped: send a fresh snapshot
    assert await b.frames_after(sid, 0) is None
    assert await b.latest_snapshot(sid) == (1, b"SNAP")


async def test_frames_recorded_out_of_order_come_back_in_order(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    seqs = [await a.next_seq("sess-1") for _ in range(4)]
    for seq in reversed(seqs):
        await b.record_frame("sess-1", seq, b"f%d" % seq)
    assert await a.frames_after("sess-1", 0) == [b"f1", b"f2", b"f3", b"f4"]


# -- visited pages -----------------------------------------------------------------------


async def test_visited_pages(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    await a.add_visited("sess-1", "https://example.org/", "Start")
    await b.add_visited("sess-1", "https://example.org/", "Start again")  # same page: once
    await b.add_visited("sess-1", "https://example.org/a", "Anträge & Förderung")
    await a.add_visited("sess-1", "https://example.org/", "Start")  # back again: listed
    assert await b.visited("sess-1") == [
        {"url": "https://example.org/", "title": "Start"},
        {"url": "https://example.org/a", "title": "Anträge & Förderung"},
        {"url": "https://example.org/", "title": "Start"},
    ]
    await a.add_visited("sess-1", "https://example.org/b", "B")  # visited_limit is 3
    assert [p["url"] for p in await b.visited("sess-1")] == [
        "https://example.org/a",
        "https://example.org/",
        "https://example.org/b",
    ]


# -- memory specifics ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_memory_joined_code_outlives_its_ttl_and_sessions_expire() -> None:
    clock = Clock()
    state = MemorySharedState(SETTINGS, clock)
    assert await state.claim_code("333333", "sess-1", 60)
    assert await state.lookup_code("333333", keep=3600) == "sess-1"
    clock.now += 120
    assert await state.lookup_code("333333", keep=3600) == "sess-1"
    await state.save_session(meta())
    token = await state.issue_token("sess-1", "p1")
    clock.now += SETTINGS.session_ttl + 1
    assert await state.load_session("sess-1") is None
    assert await state.token_owner(token) is None
    clock.now += 3600 + SETTINGS.tombstone_ttl
    assert await join_error(state.lookup_code("333333", keep=60)) == "unknown"


def test_public_surface() -> None:
    for name in cobrowse.shared_state.__all__:
        assert hasattr(cobrowse.shared_state, name)
    assert isinstance(create_shared_state(None, SETTINGS), MemorySharedState)


# -- Redis specifics -------------------------------------------------------------------------


@pytest.fixture
async def admin(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def full_workflow(state: SharedState) -> str:
    code = await state.issue_code("sess-1", 600)
    await state.save_session(meta(code=code))
    await state.lookup_code(code, keep=3600)
    await state.put_participant("sess-1", ParticipantRecord("p1", "citizen", "n", (1, 2)))
    token = await state.issue_token("sess-1", "p1")
    seq = await state.next_seq("sess-1")
    await state.record_frame("sess-1", seq, b"snap", snapshot=True)
    seq = await state.next_seq("sess-1")
    await state.record_frame("sess-1", seq, b"mutation")
    await state.add_visited("sess-1", "https://example.org/", "Start")
    await state.record_failed_join("203.0.113.7")
    return token


async def test_redis_keeps_no_address_and_no_token_in_clear(
    redis_server: RedisServer, admin: Redis
) -> None:
    state = RedisSharedState.from_url(redis_server.url, SETTINGS)
    token = await full_workflow(state)
    dump = b""
    for key in await admin.keys("*"):
        dump += key
        kind = (await admin.type(key)).decode()
        if kind == "string":
            dump += await admin.get(key) or b""
        elif kind == "hash":
            dump += b"".join(k + v for k, v in (await admin.hgetall(key)).items())
        elif kind == "set":
            dump += b"".join(await admin.smembers(key))
        elif kind == "zset":
            dump += b"".join(await admin.zrange(key, 0, -1))
        elif kind == "list":
            dump += b"".join(await admin.lrange(key, 0, -1))
    assert b"203.0.113.7" not in dump
    assert token.encode() not in dump
    await state.close()


async def test_redis_every_key_has_a_ttl(redis_server: RedisServer, admin: Redis) -> None:
    state = RedisSharedState.from_url(redis_server.url, SETTINGS)
    await full_workflow(state)
    keys = await admin.keys("*")
    assert len(keys) >= 10
    for key in keys:
        assert await admin.pttl(key) > 0, key
    await state.close()


async def test_redis_joined_code_lives_as_long_as_asked(
    redis_server: RedisServer, admin: Redis
) -> None:
    state = RedisSharedState.from_url(redis_server.url, SETTINGS)
    assert await state.claim_code("444444", "sess-1", 30)
    assert 0 < await admin.pttl("cobrowse:code:444444") <= 30_000
    await state.lookup_code("444444", keep=7200)
    assert await admin.pttl("cobrowse:code:444444") > 3_600_000
    await state.close()


async def test_redis_prefix_separates_deployments(redis_server: RedisServer) -> None:
    one = RedisSharedState.from_url(redis_server.url, SETTINGS, prefix="one:")
    two = RedisSharedState.from_url(redis_server.url, SETTINGS, prefix="two:")
    assert await one.claim_code("555555", "sess-1", 60)
    assert await two.claim_code("555555", "sess-9", 60)
    assert await two.lookup_code("555555", keep=60) == "sess-9"
    await one.close()
    await two.close()


async def test_redis_restart_loses_state_and_the_client_recovers(
    redis_server: RedisServer,
) -> None:
    """Without persistence a restart empties Redis: nodes must re-seed what they hold."""
    state = RedisSharedState.from_url(redis_server.url, SETTINGS)
    token = await full_workflow(state)
    assert await state.current_seq("sess-1") == 2
    redis_server.kill()
    with pytest.raises(RedisError):
        await state.load_session("sess-1")
    redis_server.start()
    assert await state.load_session("sess-1") is None  # reconnected; the data is gone
    assert await state.token_owner(token) is None
    assert await state.ensure_seq("sess-1", 2) == 2  # re-seeded: numbering continues
    await state.put_token(token, "sess-1", "p1")  # the node knew the cookie
    assert await state.token_owner(token) == ("sess-1", "p1")
    assert await state.next_seq("sess-1") == 3
    assert await state.record_frame("sess-1", 3, b"fresh snapshot", snapshot=True)  # scripts reload
    assert await state.frames_after("sess-1", 1) == [b"fresh snapshot"]
    await state.close()


async def test_node_wide_budget_has_its_own_longer_window(nodes: Nodes) -> None:
    limits = ThrottleLimits(per_client=100, global_limit=2, window=0.1, global_window=60)
    settings = StateSettings(secret=b"k" * 32, throttle=limits)
    state = nodes()
    if isinstance(state, RedisSharedState):
        state = RedisSharedState(state.redis, settings)
    else:
        state = MemorySharedState(settings)
    await state.record_failed_join("a")
    await state.record_failed_join("b")
    await asyncio.sleep(0.2)  # past the per-client window, inside the node-wide one
    assert await join_error(state.check_join("c")) == "throttled"


async def test_frames_recorded_with_the_owners_own_seq_resume(nodes: Nodes) -> None:
    """The owner numbers frames itself (no next_seq): the counter follows record_frame."""
    a, b = nodes(), nodes()
    await a.record_frame("sess-1", 7, b"SNAP", snapshot=True)
    await a.record_frame("sess-1", 9, b"m9")
    assert await b.current_seq("sess-1") == 9
    assert await b.frames_after("sess-1", 7) == [b"m9"]
    assert await b.frames_after("sess-1", 9) == []


# -- ownership, heartbeats, page records, logins ----------------------------------


async def test_only_one_node_takes_over_a_session(nodes: Nodes) -> None:
    a, b, c = nodes(), nodes(), nodes()
    await a.save_session(meta())  # owned by node-a
    won = await asyncio.gather(
        b.claim_owner("sess-1", "node-b", "node-a"), c.claim_owner("sess-1", "node-c", "node-a")
    )
    assert sorted(won) == [False, True]
    owner = (await a.load_session("sess-1")).owner  # type: ignore[union-attr]
    assert owner == ("node-b" if won[0] else "node-c")
    assert not await a.claim_owner("sess-1", "node-a", "node-a")  # stale expectation
    assert not await a.claim_owner("gone", "node-a", "node-a")  # no such session
    with pytest.raises(ValueError, match="id"):
        await a.claim_owner("sess-1", "node a}", owner)


async def test_heartbeats_run_out(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    await a.heartbeat("node-a", 0.2)
    await a.heartbeat("node-b", 60)
    assert await b.alive(["node-a", "node-b", "node-c"]) == {"node-a", "node-b"}
    assert await b.alive([]) == set()

    async def only_b() -> bool:
        return await b.alive(["node-a", "node-b"]) == {"node-b"}

    if isinstance(a, MemorySharedState):  # the memory clock is monotonic time
        await asyncio.sleep(0.25)
    await eventually(only_b)


async def test_page_record_and_logins_are_shared(nodes: Nodes) -> None:
    a, b = nodes(), nodes()
    assert await b.load_page("sess-1") is None
    assert not await a.save_page("sess-1", b"\x00record", "node-a")  # no such session
    await a.save_session(meta())  # owned by node-a
    assert await a.save_page("sess-1", b"\x00record", "node-a")
    assert not await b.save_page("sess-1", b"late write", "node-b")  # not the owner
    assert await b.load_page("sess-1") == b"\x00record"
    await a.drop_session("sess-1")
    assert await b.load_page("sess-1") is None
    await a.save_login("cookie-token", b"login", 60)
    assert await b.load_login("cookie-token") == b"login"
    assert await b.load_login("cookie-token2") is None
    await b.drop_login("cookie-token")
    assert await a.load_login("cookie-token") is None
    if isinstance(a, RedisSharedState):  # only the digest is a key, never the token
        assert not [k async for k in a.redis.scan_iter(match="*cookie-token*")]
