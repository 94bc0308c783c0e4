"""The relay over HTTP and WebSocket, against the real demo site on loopback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import msgpack
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.config import Config
from cobrowse.protocol import Msg, encode, read_frame
from tests.relay_client import (
    PASSWORD,
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    origin,
    post_form,
    receive,
    relay_config,
)


@pytest.fixture
async def relay(aiohttp_server: ServerFactory, demo: TestServer) -> AsyncIterator[TestServer]:
    config = relay_config(demo, join_failures_per_client=3, confirm_join=False, join_policy="open")
    server = await aiohttp_server(make_app(config))
    yield server
    await server.close()  # before the demo site, so the relay's keep-alive connections go first


FOOTER = (
    "Startseite",
    "Hilfe",
    "Leichte Sprache",
    "Barrierefreiheit",
    "Impressum",
    "Datenschutz",
)
ROUTES = [
    "/",
    "/hilfe",
    "/leichte-sprache",
    "/barrierefreiheit",
    "/impressum",
    "/datenschutz",
    "/berater",
    "/sitzung",
    "/spiegel",
    "/link",
    "/healthz",
    "/static/css/site.css",
    "/gibt-es-nicht",
]


@pytest.mark.parametrize("path", ROUTES)
async def test_security_headers_on_every_route(
    relay: TestServer, aiohttp_client: ClientFactory, path: str
) -> None:
    client = await aiohttp_client(relay)
    response = await client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert ("frame-ancestors 'self'" if path == "/spiegel" else "frame-ancestors 'none'") in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in response.headers["Permissions-Policy"]


async def test_public_pages_have_footer(relay: TestServer, aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(relay)
    pages = ("/", "/hilfe", "/leichte-sprache", "/barrierefreiheit", "/impressum", "/datenschutz")
    footer = dict(zip(pages, FOOTER, strict=True))
    for path in pages:
        text = await (await client.get(path)).text()
        links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', text.split("site-footer")[1])
        assert links == list(footer.items()), path
    landing = await (await client.get("/")).text()
    assert ("Zugangscode" in landing and "Los geht&#x27;s" in landing) or "Los geht's" in landing


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("12345", 400, "sechs Ziffern"),
        ("abcdef", 400, "sechs Ziffern"),
        ("000000", 404, "keine Sitzung"),
    ],
)
async def test_bad_codes_get_german_messages(
    relay: TestServer, aiohttp_client: ClientFactory, code: str, status: int, message: str
) -> None:
    client = await aiohttp_client(relay)
    response = await post_form(client, "/", {"code": code})
    assert response.status == status
    text = await response.text()
    assert message in text
    assert 'aria-invalid="true"' in text and "autofocus" in text


async def test_failed_joins_are_throttled(relay: TestServer, aiohttp_client: ClientFactory) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    client = await aiohttp_client(relay)
    for _ in range(3):
        wrong = "000000" if session["code"] != "000000" else "000001"
        assert (await post_form(client, "/", {"code": wrong})).status == 404
    response = await post_form(client, "/", {"code": session["code"]})
    assert response.status == 429  # even the right code waits: no oracle for guessers
    assert "Zu viele Versuche" in await response.text()


async def test_ended_session_code_is_expired(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    ws = await connect(adv, f"/ws?session={session['session']}")
    await ws.send_bytes(encode(Msg.END, 0, {}))
    ended = await receive(ws, Msg.ENDED)
    assert ended["reason"] == "advisor"
    client = await aiohttp_client(relay)
    response = await post_form(client, "/", {"code": session["code"]})
    assert response.status == 410
    assert "abgelaufen" in await response.text()


async def test_login_and_csrf(relay: TestServer, aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(relay)
    bad = await post_form(client, "/berater", {"username": "berater", "password": "falsch"})
    assert bad.status == 401
    assert "Benutzername oder Passwort ist falsch" in await bad.text()
    foreign = await post_form(
        client,
        "/berater",
        {"username": "berater", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status == 403
    # a cross-site post has no SameSite=Strict form cookie: the token alone does not pass
    stranger = await aiohttp_client(relay)
    forged = await stranger.post(
        "/berater/anmelden",
        headers={"Origin": "null"},
        data={"username": "berater", "password": PASSWORD, "form_token": "x" * 43},
    )
    assert forged.status == 403
    assert "nicht mehr gültig" in await forged.text()
    adv, csrf = await advisor_client(relay, aiohttp_client)
    assert (await adv.post("/api/sessions", headers=origin(adv))).status == 403
    assert (
        await adv.post("/api/sessions", headers={"X-CSRF-Token": "x", **origin(adv)})
    ).status == 403
    anonymous = await aiohttp_client(relay)
    assert (await anonymous.post("/api/sessions", headers={"X-CSRF-Token": csrf})).status == 401


async def test_cookies_are_httponly_strict(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(relay)
    response = await post_form(
        client, "/berater", {"username": "berater", "password": PASSWORD}, allow_redirects=False
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_websocket_needs_credentials_and_origin(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(relay)
    response = await client.get(
        "/ws",
        headers={
            "Origin": "https://evil.example",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    assert response.status == 403
    ws = await client.ws_connect("/ws", headers=origin(client))
    message = await ws.receive(timeout=5)
    assert message.type is WSMsgType.CLOSE and message.data == 4003


async def test_advisor_navigates_and_everyone_gets_identical_frames(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    assert re.fullmatch(r"\d{6}", session["code"])
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    guest = await citizen_client(relay, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws, guest_ws = await connect(cit), await connect(guest)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    frames = []
    for ws in (adv_ws, cit_ws, guest_ws):
        while True:
            message = await ws.receive(timeout=10)
            if msgpack.unpackb(message.data)[0] == Msg.SNAPSHOT:
                frames.append(message.data)
                break
    assert frames[0] == frames[1] == frames[2]  # encoded once, the same bytes for everyone
    _, _, body = read_frame(frames[0])
    assert body["url"] == f"http://127.0.0.1:{demo.port}/"
    flat = msgpack.packb(body["tree"]).decode("utf-8", "replace")
    assert "script" not in re.findall(r"[a-z]+", flat) or "<script" not in flat
    assert "data-demo-script-ran" not in flat and "javascript:" not in flat.lower()
    # resources are served to participants only
    token = re.search(r"/r/[A-Za-z0-9_.-]+", flat)
    assert token is not None
    assert (await cit.get(token.group(0))).status == 200
    stranger = await aiohttp_client(relay)
    assert (await stranger.get(token.group(0))).status == 403
    assert (await stranger.get(token.group(0)[:-3] + "abc")).status == 404


async def test_a_link_to_a_section_of_another_page_keeps_its_fragment(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    # The fragment is not fetched, but the page's address keeps it: the
    # clients scroll to the section (they read it from the snapshot's url).
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    url = f"http://127.0.0.1:{demo.port}/themen/wohngeld.html#antrag"
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
    while True:
        kind, _, body = read_frame((await adv_ws.receive(timeout=10)).data)
        if kind == Msg.SNAPSHOT:
            break
    assert body["url"] == url


async def test_citizen_cannot_navigate_and_bad_frame_closes_only_that_connection(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(cit)
    await cit_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": "http://127.0.0.1:1/"}))
    closed = await cit_ws.receive(timeout=5)
    while closed.type is WSMsgType.BINARY:
        closed = await cit_ws.receive(timeout=5)
    assert closed.type is WSMsgType.CLOSE and closed.data == 4400
    await adv_ws.send_bytes(
        encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/service/faq.html"})
    )
    snapshot = await receive(adv_ws, Msg.SNAPSHOT, seconds=10)
    assert snapshot["title"]


async def test_navigation_errors_become_notices(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": "https://www.example.org/"}))
    notice = await receive(adv_ws, Msg.NOTICE)
    assert notice["key"] == "not_allowed" and "nicht freigegeben" in notice["text"]
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": "javascript:alert(1)"}))
    notice = await receive(adv_ws, Msg.NOTICE)
    assert notice["key"] == "invalid_url"


async def test_a_refused_address_never_reaches_the_citizens(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(await citizen_client(relay, aiohttp_client, session["code"]))
    secret = "https://www.example.org/private?name=Erika+Mustermann"
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": secret}))
    frames = []
    while True:  # everything the citizen gets up to the notice
        message = await cit_ws.receive(timeout=5)
        assert message.type is WSMsgType.BINARY, message
        kind, _, body = read_frame(message.data)
        frames.append((kind, body))
        if kind == Msg.NOTICE:
            break
    # the advisor's error is the advisor's: the citizen only learns the page stays
    assert body["key"] == "page_kept" and body["level"] == "info"
    assert "nennen Sie" not in body["text"] and "freigegeben" not in body["text"]
    assert "example.org" not in str(frames)
    assert all(kind != Msg.LOADING or body == {"url": None} for kind, body in frames)


async def test_unused_app_shuts_down_cleanly() -> None:
    app = make_app(Config())
    runner = web.AppRunner(app)
    await runner.setup()
    await runner.cleanup()


async def test_trusted_proxy_headers(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    """Behind a trusted proxy, X-Forwarded-For keys the throttle and
    X-Forwarded-Proto makes cookies Secure; from anyone else both are ignored."""
    config = Config(trusted_proxies=("127.0.0.1",), join_failures_per_client=2)
    relay = await aiohttp_server(make_app(config))
    client = await aiohttp_client(relay)
    alice = {"Origin": "null", "X-Forwarded-For": "198.51.100.7, 127.0.0.1"}
    for _ in range(2):
        assert (await post_form(client, "/", {"code": "000000"}, headers=alice)).status == 404
    assert (await post_form(client, "/", {"code": "000000"}, headers=alice)).status == 429
    bob = {"Origin": "null", "X-Forwarded-For": "198.51.100.8"}
    assert (await post_form(client, "/", {"code": "000000"}, headers=bob)).status == 404
    fresh = await aiohttp_client(relay)
    response = await fresh.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    await relay.close()
    untrusted = await aiohttp_server(make_app(Config()))
    other = await aiohttp_client(untrusted)
    response = await other.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in response.headers["Set-Cookie"]


async def test_the_console_can_ask_whether_its_session_still_runs(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    advisor, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(advisor, csrf)
    answer = await advisor.get(f"/api/sessions/{session['session']}")
    assert answer.status == 200
    body = await answer.json()
    assert (body["session"], body["code"]) == (session["session"], session["code"])
    for path in ("/api/sessions/no-such-session", "/api/sessions/..%2F..%2Fetc"):
        assert (await advisor.get(path)).status == 404
    stranger = await aiohttp_client(relay)  # not logged in
    assert (await stranger.get(f"/api/sessions/{session['session']}")).status == 404


def test_without_a_render_rule_the_browser_code_is_never_imported() -> None:
    """render = "browser" is optional: the relay starts without Playwright."""
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "from aiohttp import web\n"
        "from cobrowse.app import make_app\n"
        "from cobrowse.config import Config\n"
        "async def main():\n"
        "    runner = web.AppRunner(make_app(Config()))\n"
        "    await runner.setup()\n"  # runs the app's lifetimes (where a renderer would start)
        "    await runner.cleanup()\n"
        "asyncio.run(main())\n"
        "assert 'playwright' not in sys.modules, 'playwright imported'\n"
        "assert 'cobrowse.render' not in sys.modules, 'cobrowse.render imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-1000:]
