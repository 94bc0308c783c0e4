"""Drive the relay in-process as browsers do (forms, cookies, WebSocket frames).

Small helpers shared by tests that need a whole session (metrics, logs): the
relay app against the real demo site on loopback, an advisor who logs in and
opens a session, a citizen who types the code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from cobrowse.accounts import hash_password
from cobrowse.app import make_app
from cobrowse.config import Advisor, Config, FetchConfig, HostPattern
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode, read_frame

PASSWORD = "richtig-geheim-2026"
HASH = hash_password(PASSWORD)

ServerFactory = Callable[..., Awaitable[TestServer]]
ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
Client = TestClient[Any, Any]


def relay_config(demo: TestServer, **overrides: Any) -> Config:
    """A config allowing the demo site (on loopback) with the advisor ``berater``."""
    host = HostPattern.parse(f"127.0.0.1:{demo.port}")
    values: dict[str, Any] = {
        "fetch": FetchConfig(allowed_hosts=(host,), private_hosts=(host,)),
        "advisors": (Advisor("berater", HASH),),
        **overrides,
    }
    return Config(**values)


async def start_relay(aiohttp_server: ServerFactory, config: Config) -> TestServer:
    """The relay app on a free port, without an access log (as ``cobrowse serve`` runs it)."""
    return await aiohttp_server(make_app(config), access_log=None)


def origin(client: Client) -> dict[str, str]:
    return {"Origin": f"http://{client.host}:{client.port}"}


async def post_form(client: Client, path: str, data: dict[str, str], **kw: Any) -> Any:
    """Load the form page (sets the form cookie), then post with its token, as a browser
    does; browsers send ``Origin: null`` under ``Referrer-Policy: no-referrer``."""
    page = await (await client.get(path)).text()
    match = re.search(r'name="form_token" value="([^"]+)"', page)
    assert match is not None
    headers = kw.pop("headers", {"Origin": "null"})
    return await client.post(
        path if path != "/berater" else "/berater/anmelden",
        data={**data, "form_token": match.group(1)},
        headers=headers,
        **kw,
    )


async def advisor_client(relay: TestServer, aiohttp_client: ClientFactory) -> tuple[Client, str]:
    """A logged-in advisor and the console's CSRF token."""
    client = await aiohttp_client(relay)
    response = await post_form(
        client, "/berater", {"username": "berater", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 303
    page = await (await client.get("/berater")).text()
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match is not None
    return client, match.group(1)


async def new_session(client: Client, csrf: str) -> dict[str, Any]:
    """Open a session (``{"session", "code", …}``) for the logged-in advisor."""
    response = await client.post("/api/sessions", headers={"X-CSRF-Token": csrf, **origin(client)})
    assert response.status == 200
    data: dict[str, Any] = await response.json()
    return data


async def join(relay: TestServer, aiohttp_client: ClientFactory, code: str) -> tuple[Client, int]:
    """A fresh browser types ``code`` on the landing page; returns it and the status."""
    client = await aiohttp_client(relay)
    response = await post_form(client, "/", {"code": code}, allow_redirects=False)
    return client, response.status


async def citizen_client(relay: TestServer, aiohttp_client: ClientFactory, code: str) -> Client:
    """A fresh browser that joined with ``code`` (and was sent to /sitzung)."""
    client = await aiohttp_client(relay)
    response = await post_form(client, "/", {"code": code}, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/sitzung"
    return client


async def receive(ws: Any, kind: Msg, seconds: float = 10.0) -> dict[str, Any]:
    """Next frame of ``kind`` (others are skipped)."""
    while True:
        message = await ws.receive(timeout=seconds)
        assert message.type is WSMsgType.BINARY, message
        frame_kind, _, body = read_frame(message.data)
        if frame_kind == kind:
            result: dict[str, Any] = body
            return result


async def connect(client: Client, path: str = "/ws") -> Any:
    """Open the WebSocket, say HELLO and wait for WELCOME."""
    ws = await client.ws_connect(path, headers=origin(client))
    await ws.send_bytes(
        encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [1280, 720]})
    )
    await receive(ws, Msg.WELCOME)
    return ws


async def navigate(ws: Any, url: str) -> dict[str, Any]:
    """The advisor opens ``url``; returns the SNAPSHOT body."""
    await ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
    return await receive(ws, Msg.SNAPSHOT)


async def end_session(ws: Any) -> dict[str, Any]:
    """The advisor ends the session; returns the ENDED body."""
    await ws.send_bytes(encode(Msg.END, 0, {}))
    return await receive(ws, Msg.ENDED)
