"""Shared state in Redis: what lets any node serve any participant.

Key layout (``prefix`` defaults to ``cobrowse:``; ``{sid}`` is a Redis
Cluster hash tag, so a session's keys share a slot)::

    code:<code>            session id             PX code TTL, then the session's
    code-tomb:<code>       "1"                    tombstone of a lapsed/revoked code
    throttle:c:<hmac>      zset of failure times  per client (keyed hash, no address)
    throttle:all           zset of failure times  all clients
    token:<sha256>         "<sid> <pid>"          participant token (digest only)
    s:{sid}:meta           hash                   SessionMeta
    s:{sid}:parts          hash pid → JSON        ParticipantRecord
    s:{sid}:tokens         set "<pid> <sha256>"   index for revoking tokens
    s:{sid}:seq            integer                INCR sequence counter
    s:{sid}:snap           8-byte seq + frame     latest snapshot
    s:{sid}:log            zset seq → 8-byte seq + frame   ordered frames after it
    s:{sid}:floor          integer                the log is complete above this seq
    s:{sid}:visited        list of JSON           visited pages
    s:{sid}:page           bytes                  the owner's page record
    node:<id>              "1"                    PX heartbeat of a live node
    login:<sha256>         bytes                  advisor login (digest only)
    advisor:<sha256>       set of session ids     an advisor's running sessions (name
                                                  digest; PX session TTL, pruned on read)

Every multi-step change is one Lua script (:mod:`cobrowse.shared_state.lua`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

from cobrowse.errors import JoinError
from cobrowse.shared_state import (
    ParticipantRecord,
    SessionMeta,
    SharedState,
    StateSettings,
    check_code,
    check_id,
    client_digest,
    lua,
    token_digest,
)

__all__ = ["RedisSharedState"]

_SESSION_PARTS = ("tokens", "meta", "parts", "seq", "snap", "log", "floor", "visited", "page")


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _bytes(value: Any) -> bytes:
    """redis-py types replies as ``bytes | str``; this client never decodes."""
    assert isinstance(value, bytes)
    return value


def _seq_prefixed(seq: int, frame: bytes) -> bytes:
    return seq.to_bytes(8, "big") + frame


class RedisSharedState(SharedState):
    """:class:`SharedState` on a Redis server shared by every node."""

    def __init__(self, redis: Redis, settings: StateSettings, prefix: str = "cobrowse:") -> None:
        self.redis = redis
        self.settings = settings
        self.prefix = prefix
        self._scripts = {name: redis.register_script(getattr(lua, name)) for name in lua.__all__}

    @classmethod
    def from_url(
        cls, url: str, settings: StateSettings, prefix: str = "cobrowse:"
    ) -> RedisSharedState:
        """Connect lazily to ``url`` (redis-py retries transient errors with backoff)."""
        client = Redis.from_url(url, socket_connect_timeout=3.0, socket_timeout=3.0)
        return cls(client, settings, prefix)

    async def close(self) -> None:
        await self.redis.aclose()

    async def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        return await self._scripts[script](keys=keys, args=args)

    def _s(self, session_id: str, part: str) -> str:
        return f"{self.prefix}s:{{{check_id(session_id)}}}:{part}"

    def _code_keys(self, code: str) -> list[str]:
        check_code(code)
        return [f"{self.prefix}code:{code}", f"{self.prefix}code-tomb:{code}"]

    # -- access codes ----------------------------------------------------------

    async def claim_code(self, code: str, session_id: str, ttl: float) -> bool:
        keep = _ms(ttl + self.settings.tombstone_ttl)
        args = [check_id(session_id), _ms(ttl), keep]
        return bool(await self._run("CLAIM_CODE", self._code_keys(code), args))

    async def lookup_code(self, code: str, keep: float) -> str:
        args = [_ms(keep), _ms(keep + self.settings.tombstone_ttl)]
        found = _bytes(await self._run("LOOKUP_CODE", self._code_keys(code), args)).decode()
        if found.endswith(":"):
            raise JoinError(found[:-1])
        return found

    async def revoke_code(self, code: str, session_id: str) -> None:
        args = [session_id, _ms(self.settings.tombstone_ttl)]
        await self._run("REVOKE_CODE", self._code_keys(code), args)

    # -- join throttling -------------------------------------------------------

    def _throttle_keys(self, client: str) -> list[str]:
        digest = client_digest(self.settings.secret, client)
        return [f"{self.prefix}throttle:c:{digest}", f"{self.prefix}throttle:all"]

    def _throttle_args(self) -> list[Any]:
        limits = self.settings.throttle
        return [_ms(limits.window), limits.per_client, limits.global_limit]

    async def check_join(self, client: str) -> None:
        args = [*self._throttle_args(), _ms(self.settings.throttle.overall_window)]
        if await self._run("THROTTLED", self._throttle_keys(client), args):
            raise JoinError("throttled")

    async def record_failed_join(self, client: str) -> None:
        overall = _ms(self.settings.throttle.overall_window)
        args = [*self._throttle_args(), secrets.token_hex(8), overall]
        await self._run("FAILED_JOIN", self._throttle_keys(client), args)

    # -- sessions --------------------------------------------------------------

    async def save_session(self, meta: SessionMeta) -> None:
        key = self._s(meta.session_id, "meta")
        fields = {
            "advisor": meta.advisor,
            "code": meta.code,
            "created_at": repr(meta.created_at),
            "code_expires_at": repr(meta.code_expires_at),
            "owner": meta.owner,
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            pipe.pexpire(key, _ms(self.settings.session_ttl))
            await pipe.execute()
        index = self._advisor(meta.advisor)  # another hash slot: not in the transaction
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(index, meta.session_id)
            pipe.pexpire(index, _ms(self.settings.session_ttl))
            await pipe.execute()

    async def load_session(self, session_id: str) -> SessionMeta | None:
        raw = await self.redis.hgetall(self._s(session_id, "meta"))
        if not raw:
            return None
        f = {_bytes(k).decode(): _bytes(v).decode() for k, v in raw.items()}
        return SessionMeta(
            session_id,
            f["advisor"],
            f["code"],
            float(f["created_at"]),
            float(f["code_expires_at"]),
            f.get("owner", ""),
        )

    async def drop_session(self, session_id: str) -> None:
        keys = [self._s(session_id, part) for part in _SESSION_PARTS]
        advisor = await self.redis.hget(self._s(session_id, "meta"), "advisor")
        await self._run("DROP_SESSION", keys, [f"{self.prefix}token:"])
        if advisor is not None:
            await self.redis.srem(self._advisor(_bytes(advisor).decode()), session_id)

    def _advisor(self, advisor: str) -> str:
        return f"{self.prefix}advisor:{token_digest(advisor)}"

    async def advisor_sessions(self, advisor: str) -> list[SessionMeta]:
        index = self._advisor(advisor)
        ids = sorted(_bytes(sid).decode() for sid in await self.redis.smembers(index))
        found: list[SessionMeta] = []
        gone: list[str] = []
        for sid in ids:
            meta = await self.load_session(check_id(sid))
            if meta is not None and meta.advisor == advisor:
                found.append(meta)
            elif meta is None:  # expired without drop_session (its node died)
                gone.append(sid)
        if gone:
            await self.redis.srem(index, *gone)
        return sorted(found, key=lambda meta: meta.created_at, reverse=True)

    # -- participants and tokens -----------------------------------------------

    async def put_participant(
        self, session_id: str, participant: ParticipantRecord, *, limit: int | None = None
    ) -> bool:
        record = json.dumps(
            {
                "id": participant.id,
                "role": participant.role,
                "node": participant.node,
                "viewport": list(participant.viewport) if participant.viewport else None,
                "state": participant.state,
                "joined_at": participant.joined_at,
                "phrase": participant.phrase,
                "attempts_left": participant.attempts_left,
                "removed_reason": participant.removed_reason,
            }
        )
        args = [check_id(participant.id), record, limit or 0, _ms(self.settings.session_ttl)]
        return bool(await self._run("PUT_PARTICIPANT", [self._s(session_id, "parts")], args))

    async def remove_participant(self, session_id: str, participant_id: str) -> None:
        keys = [self._s(session_id, "parts"), self._s(session_id, "tokens")]
        await self._run("REMOVE_PARTICIPANT", keys, [participant_id, f"{self.prefix}token:"])

    async def participants(self, session_id: str) -> list[ParticipantRecord]:
        raw = await self.redis.hvals(self._s(session_id, "parts"))
        found = []
        for item in raw:
            d = json.loads(item)
            viewport = tuple(d["viewport"]) if d["viewport"] else None
            found.append(
                ParticipantRecord(
                    d["id"],
                    d["role"],
                    d["node"],
                    viewport,
                    d["state"],
                    d["joined_at"],
                    d["phrase"],
                    d["attempts_left"],
                    d["removed_reason"],
                )
            )
        return sorted(found, key=lambda p: (p.joined_at, p.id))

    async def put_token(self, token: str, session_id: str, participant_id: str) -> None:
        check_id(participant_id)
        digest = token_digest(token)
        keys = [f"{self.prefix}token:{digest}", self._s(session_id, "tokens")]
        args = [
            f"{session_id} {participant_id}",
            f"{participant_id} {digest}",
            _ms(self.settings.session_ttl),
        ]
        await self._run("ISSUE_TOKEN", keys, args)

    async def token_owner(self, token: str) -> tuple[str, str] | None:
        raw = await self.redis.get(f"{self.prefix}token:{token_digest(token)}")
        if raw is None:
            return None
        session_id, participant_id = _bytes(raw).decode().split(" ")
        return session_id, participant_id

    # -- ordered frames --------------------------------------------------------

    async def next_seq(self, session_id: str) -> int:
        ttl = _ms(self.settings.session_ttl)
        return int(await self._run("NEXT_SEQ", [self._s(session_id, "seq")], [ttl]))

    async def current_seq(self, session_id: str) -> int:
        return int(await self.redis.get(self._s(session_id, "seq")) or 0)

    async def ensure_seq(self, session_id: str, at_least: int) -> int:
        args = [at_least, _ms(self.settings.session_ttl)]
        return int(await self._run("ENSURE_SEQ", [self._s(session_id, "seq")], args))

    async def record_frame(
        self, session_id: str, seq: int, frame: bytes, *, snapshot: bool = False
    ) -> bool:
        keys = [self._s(session_id, p) for p in ("log", "snap", "floor", "seq")]
        args = [
            seq,
            _seq_prefixed(seq, frame),
            "1" if snapshot else "0",
            self.settings.log_limit,
            _ms(self.settings.session_ttl),
        ]
        return bool(await self._run("RECORD_FRAME", keys, args))

    async def latest_snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        raw = await self.redis.get(self._s(session_id, "snap"))
        if raw is None:
            return None
        snap = _bytes(raw)
        return int.from_bytes(snap[:8], "big"), snap[8:]

    async def frames_after(self, session_id: str, seq: int) -> list[bytes] | None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(self._s(session_id, "seq"))
            pipe.get(self._s(session_id, "floor"))
            pipe.get(self._s(session_id, "snap"))
            pipe.zrangebyscore(self._s(session_id, "log"), f"({seq}", "+inf")
            current, floor_raw, snap, log = await pipe.execute()
        if seq > int(current or 0):
            return None
        later = [item[8:] for item in log]
        floor = int(floor_raw or 0)
        if seq >= floor:
            return later
        if snap and int.from_bytes(snap[:8], "big") == floor:
            return [snap[8:], *later]
        return None

    # -- visited pages ---------------------------------------------------------

    async def add_visited(self, session_id: str, url: str, title: str) -> None:
        entry = json.dumps({"url": url, "title": title}, ensure_ascii=False)
        args = [url, entry, self.settings.visited_limit, _ms(self.settings.session_ttl)]
        await self._run("ADD_VISITED", [self._s(session_id, "visited")], args)

    async def visited(self, session_id: str) -> list[dict[str, str]]:
        raw = await self.redis.lrange(self._s(session_id, "visited"), 0, -1)
        return [json.loads(item) for item in raw]

    # -- ownership, nodes, page records, logins ------------------------------------

    async def heartbeat(self, node: str, ttl: float) -> None:
        await self.redis.set(f"{self.prefix}node:{check_id(node)}", b"1", px=_ms(ttl))

    async def alive(self, nodes: Iterable[str]) -> set[str]:
        names = sorted(set(nodes))
        if not names:
            return set()
        found = await self.redis.mget([f"{self.prefix}node:{check_id(n)}" for n in names])
        return {name for name, value in zip(names, found, strict=True) if value is not None}

    async def claim_owner(self, session_id: str, node: str, expected: str) -> bool:
        args = [check_id(node), expected]
        return bool(await self._run("CLAIM_OWNER", [self._s(session_id, "meta")], args))

    async def save_page(self, session_id: str, record: bytes, owner: str) -> bool:
        keys = [self._s(session_id, "meta"), self._s(session_id, "page")]
        args = [owner, record, _ms(self.settings.session_ttl)]
        return bool(await self._run("SAVE_PAGE", keys, args))

    async def load_page(self, session_id: str) -> bytes | None:
        raw = await self.redis.get(self._s(session_id, "page"))
        return None if raw is None else _bytes(raw)

    def _login(self, token: str) -> str:
        return f"{self.prefix}login:{token_digest(token)}"

    async def save_login(self, token: str, record: bytes, ttl: float) -> None:
        await self.redis.set(self._login(token), record, px=_ms(ttl))

    async def load_login(self, token: str) -> bytes | None:
        raw = await self.redis.get(self._login(token))
        return None if raw is None else _bytes(raw)

    async def drop_login(self, token: str) -> None:
        await self.redis.delete(self._login(token))
