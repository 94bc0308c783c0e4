"""The owner node's side of a cluster session (see :mod:`cobrowse.cluster`):
merging other nodes' participants, writing a session back after Redis lost it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cobrowse.sessions import CoSession, Participant
from cobrowse.shared_state import ParticipantRecord, SessionMeta, SharedState

__all__ = ["apply_roster", "reseed", "retry"]


def apply_roster(
    session: CoSession, remote: dict[str, dict[str, str]], node: str, people: list[dict[str, Any]]
) -> None:
    """The owner learns who of ``node``'s participants is here and their viewports.

    New people are added as the joining node saw them (pending or active);
    after that the owner alone decides their state. People of ``node`` it no
    longer lists have left. ``remote``: session id → participant id → node.
    """
    where_of = remote.setdefault(session.id, {})
    listed = set()
    for person in people:
        pid = str(person["id"])
        listed.add(pid)
        viewport = person.get("viewport")
        known = session.participants.get(pid)
        if known is None:
            phrase = person.get("phrase")
            state = "pending" if person["state"] == "pending" else "active"
            role = "guest" if person["role"] == "guest" else "citizen"
            known = Participant(pid, role, state=state, phrase=phrase)
            session.participants[pid] = known
            session.touch()
        if known.role != "advisor":
            where_of[pid] = node  # a citizen may come back through another node
        known.viewport = (int(viewport[0]), int(viewport[1])) if viewport else None
    for pid, where in list(where_of.items()):
        if where == node and pid not in listed:
            del where_of[pid]
            session.participants.pop(pid, None)
    session.broadcast_participants()


async def reseed(
    state: SharedState,
    session: CoSession,
    meta: SessionMeta,
    remote: dict[str, dict[str, str]],
    session_ttl: float = 4 * 3600,
) -> None:
    """Write a session this node owns back into the shared state (Redis may
    have restarted empty): code, metadata, participants, seq and the page."""
    if session.ended:
        return
    sid, hub = session.id, session.hub
    joined = any(p.role != "advisor" for p in session.participants.values())
    ttl = session_ttl if joined else session.code_expires_at - time.time()
    await state.claim_code(session.code, sid, max(1.0, float(ttl)))
    await state.save_session(meta)
    nodes = remote.get(sid, {})
    for person in list(session.participants.values()):
        record = ParticipantRecord(
            person.id,
            person.role,
            node=nodes.get(person.id, meta.owner),
            viewport=person.viewport,
            state=person.state,
            phrase=person.phrase,
        )
        await state.put_participant(sid, record)
    await state.ensure_seq(sid, hub.seq)
    if hub.snapshot_frame is not None:
        await state.record_frame(sid, hub.snapshot_seq, hub.snapshot_frame, snapshot=True)
        for seq, frame in list(hub.log):
            await state.record_frame(sid, seq, frame)


async def retry(job: Callable[[], Awaitable[Any]], attempts: int = 4) -> None:
    """Run ``job``; after a failure (a connection the restarted Redis broke) try again."""
    for attempt in range(attempts):
        try:
            await job()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.05 * 2**attempt)
