"""Presence (:meth:`cobrowse.session.model.CoSession.presence`): everyone learns at
once when someone's connection drops or comes back."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from cobrowse.protocol import Msg
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    receive,
    relay_config,
    start_relay,
)


def by_role(body: dict[str, Any], role: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in body["participants"] if p["role"] == role)
    return found


async def participants_until(ws: Any, role: str, connected: bool) -> dict[str, Any]:
    """The next PARTICIPANTS that shows ``role`` connected (or not)."""
    while True:
        body = await receive(ws, Msg.PARTICIPANTS)
        if by_role(body, role)["connected"] is connected:
            return body


async def test_the_citizen_learns_when_the_advisor_drops_and_comes_back(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    config = relay_config(demo, confirm_join=False, join_policy="open")
    relay = await start_relay(aiohttp_server, config)
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(await citizen_client(relay, aiohttp_client, session["code"]))
    here = await participants_until(cit_ws, "advisor", True)
    assert by_role(here, "advisor")["away_since"] is None
    await adv_ws.close()  # the advisor's browser closes
    away = by_role(await participants_until(cit_ws, "advisor", False), "advisor")
    assert isinstance(away["away_since"], float)
    # the advisor's next connection: present again
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    back = by_role(await participants_until(cit_ws, "advisor", True), "advisor")
    assert back["away_since"] is None
    # and the advisor hears of the citizen's drop the same way
    await cit_ws.close()
    gone = by_role(await participants_until(adv_ws, "citizen", False), "citizen")
    assert gone["state"] == "active" and isinstance(gone["away_since"], float)
    await relay.close()
