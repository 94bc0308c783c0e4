"""The advisor's console API (:mod:`cobrowse.console`): the next login finds
the advisor's running session."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.config import Config
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    connect,
    end_session,
    new_session,
    relay_config,
)


async def test_the_next_login_finds_the_running_session(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo)))
    first, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(first, csrf)
    # another tab, another login of the same advisor (after „Abmelden“ that left it open)
    later, _ = await advisor_client(relay, aiohttp_client)
    found = await (await later.get("/api/sessions")).json()
    assert [s["session"] for s in found["sessions"]] == [session["session"]]
    assert found["sessions"][0]["code"] == session["code"]
    # once ended it is not offered any more
    ws = await connect(later, f"/ws?session={session['session']}")
    await end_session(ws)
    assert (await (await later.get("/api/sessions")).json())["sessions"] == []


async def test_without_a_login_nothing_is_listed(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(make_app(Config()))
    stranger = await aiohttp_client(relay)
    response = await stranger.get("/api/sessions")
    assert response.status == 401
    assert (await response.json())["error"] == "Bitte melden Sie sich erneut an."
