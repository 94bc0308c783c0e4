"""The /r/ resource proxy: who is served, what is served, how it is cached.

A local origin site (aiohttp on a free loopback port, allowed as a private
host) stands in for the ministry's server and counts what reaches it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cobrowse.config import Advisor, Config, FetchConfig, HostPattern, HostRule
from cobrowse.fetch import FetchResult
from cobrowse.keys import RESOURCE_CACHE, SIGNER
from cobrowse.protocol import Msg, encode
from cobrowse.resource_route import RESOURCE_CSP, attachment_header
from cobrowse.resources import ResourceCache, freshness_lifetime
from tests.relay_client import (
    HASH,
    Client,
    ClientFactory,
    ServerFactory,
    advisor_client,
    connect,
    join,
    navigate,
    new_session,
    receive,
    start_relay,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
CSS = (
    "@import 'more.css';\n"
    "body { background: url(img.png); color: red }\n"
    ".x { background: url(javascript:alert(1)); width: expression(alert(1)) }\n"
    ".y { background: url(https://elsewhere.example/t.png) }\n"
)


class Origin:
    """The stand-in origin server: fixed answers, counted requests."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.app = web.Application()
        self.app.router.add_get("/{name}", self.serve)
        self.app.router.add_post("/send", self.send)
        self.posted: list[dict[str, str]] = []

    async def send(self, request: web.Request) -> web.Response:
        self.posted.append(dict(await request.post()))  # type: ignore[arg-type]
        raise web.HTTPSeeOther("/thanks.html")

    async def serve(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.hits[name] += 1
        png = {"Content-Type": "image/png"}
        if name == "img.png":
            return web.Response(body=PNG, headers={**png, "Cache-Control": "max-age=600"})
        if name == "nostore.png":
            return web.Response(body=PNG, headers={**png, "Cache-Control": "no-store"})
        if name == "etag.png":
            if request.headers.get("If-None-Match") == '"v1"':
                self.hits["etag.png:304"] += 1
                return web.Response(status=304, headers={"ETag": '"v1"'})
            headers = {**png, "Cache-Control": "max-age=0", "ETag": '"v1"'}
            return web.Response(body=PNG, headers=headers)
        if name == "big.png":
            return web.Response(body=PNG * 100, headers=png)
        if name in ("site.css", "more.css"):
            return web.Response(text=CSS, content_type="text/css")
        if name == "icon.svg":
            return web.Response(body=SVG, content_type="image/svg+xml")
        if name == "merkblatt.pdf":
            return web.Response(body=b"%PDF-1.4\n", content_type="application/pdf")
        if name == "form.html":
            html = (
                '<div id="cookie">Cookies?</div><form method="post" action="/send">'
                '<input name="q" value="Wohngeld"><button>Senden</button></form>'
            )
            return web.Response(text=html, content_type="text/html")
        if name == "search.html":  # a GET search form with a POST button of its own
            html = (
                '<form action="/suche"><input name="q" value="Rente"><button>Suchen</button>'
                '<button formmethod="post" formaction="/send">Merken</button></form>'
            )
            return web.Response(text=html, content_type="text/html")
        if name == "thanks.html":
            return web.Response(text="<title>Danke</title><p>Danke</p>", content_type="text/html")
        if name == "page.html":
            return web.Response(text="<script>alert(1)</script>", content_type="text/html")
        if name in ("moved.png", "moved.html"):  # a scheme, but no host: httpx cannot build it
            return web.Response(status=302, headers={"Location": "http:\\\\x\\"})
        raise web.HTTPNotFound()


@pytest.fixture
async def origin(aiohttp_server: ServerFactory) -> AsyncIterator[tuple[Origin, TestServer]]:
    site = Origin()
    server = await aiohttp_server(site.app)
    yield site, server
    await server.close()


def relay_config(origin: TestServer, *rules: HostRule) -> Config:
    host = HostPattern.parse(f"127.0.0.1:{origin.port}")
    return Config(
        fetch=FetchConfig(allowed_hosts=(host,), private_hosts=(host,), max_resource_bytes=2000),
        advisors=(Advisor("berater", HASH),),
        confirm_join=False,
        join_policy="open",
        rules=rules,
    )


@pytest.fixture
async def relay(
    aiohttp_server: ServerFactory, origin: tuple[Origin, TestServer]
) -> AsyncIterator[TestServer]:
    server = await start_relay(aiohttp_server, relay_config(origin[1]))
    yield server
    await server.close()


async def session_with_citizen(
    relay: TestServer, aiohttp_client: ClientFactory
) -> tuple[str, Client, Client]:
    advisor, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(advisor, csrf)
    citizen, status = await join(relay, aiohttp_client, session["code"])
    assert status == 303
    return session["session"], advisor, citizen


def token(relay: TestServer, origin: TestServer, session_id: str, name: str, kind: str) -> str:
    return relay.app[SIGNER].url_for(session_id, kind, f"http://127.0.0.1:{origin.port}/{name}")


async def test_participants_only(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, advisor, citizen = await session_with_citizen(relay, aiohttp_client)
    path = token(relay, origin[1], session_id, "img.png", "image")
    for participant in (advisor, citizen):
        response = await participant.get(path)
        assert response.status == 200 and await response.read() == PNG
        assert response.headers["Content-Security-Policy"] == RESOURCE_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    stranger = await aiohttp_client(relay)
    assert (await stranger.get(path)).status == 403
    # a participant of another session is a stranger too
    other_id, _, other_citizen = await session_with_citizen(relay, aiohttp_client)
    assert (await other_citizen.get(path)).status == 403
    assert (await citizen.get(path[:-4] + "AAAA")).status == 404
    assert (await citizen.get(token(relay, origin[1], other_id, "img.png", "image"))).status == 403


@pytest.mark.parametrize(
    ("name", "kind"),
    [("page.html", "image"), ("page.html", "style"), ("img.png", "style"), ("site.css", "font")],
)
async def test_content_type_must_fit_the_kind(
    relay: TestServer,
    origin: tuple[Origin, TestServer],
    aiohttp_client: ClientFactory,
    name: str,
    kind: str,
) -> None:
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    assert (await citizen.get(token(relay, origin[1], session_id, name, kind))).status == 404


async def test_stylesheets_are_sanitized_with_session_tokens(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    response = await citizen.get(token(relay, origin[1], session_id, "site.css", "style"))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    css = await response.text()
    assert "javascript" not in css and "expression" not in css
    assert "elsewhere.example" not in css  # not an allowed host: dropped
    assert "color:red" in css
    assert css.count('url("/r/') == 2  # @import more.css and img.png, as tokens
    imported = css.split('url("', 1)[1].split('"', 1)[0]
    assert (await citizen.get(imported)).status == 200  # a token of the same session


async def test_svg_images_are_sandboxed(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    response = await citizen.get(token(relay, origin[1], session_id, "icon.svg", "image"))
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].endswith("; sandbox")


async def test_downloads_are_attachments(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    pdf = await citizen.get(token(relay, origin[1], session_id, "merkblatt.pdf", "download"))
    assert pdf.status == 200 and await pdf.read() == b"%PDF-1.4\n"
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="merkblatt.pdf"'
    html = await citizen.get(token(relay, origin[1], session_id, "page.html", "download"))
    assert html.headers["Content-Type"] == "application/octet-stream"
    assert html.headers["Content-Disposition"].startswith("attachment;")


async def test_size_limit(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    assert (
        await citizen.get(token(relay, origin[1], session_id, "big.png", "image"))
    ).status == 404


async def test_a_broken_redirect_upstream_is_not_found_not_a_server_error(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    response = await citizen.get(token(relay, origin[1], session_id, "moved.png", "image"))
    assert response.status == 404
    assert origin[0].hits["moved.png"] == 1


async def test_cache_is_shared_across_participants_and_sessions(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    site, server = origin
    first, advisor, citizen = await session_with_citizen(relay, aiohttp_client)
    second, _, other = await session_with_citizen(relay, aiohttp_client)
    for client, session_id in ((advisor, first), (citizen, first), (other, second)):
        response = await client.get(token(relay, server, session_id, "img.png", "image"))
        assert response.status == 200
    assert site.hits["img.png"] == 1
    assert relay.app[RESOURCE_CACHE].hits == 2


async def test_cache_honours_no_store_and_revalidates(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    site, server = origin
    session_id, _, citizen = await session_with_citizen(relay, aiohttp_client)
    for _ in range(3):
        assert (await citizen.get(token(relay, server, session_id, "nostore.png", "image"))).ok
        response = await citizen.get(token(relay, server, session_id, "etag.png", "image"))
        assert response.status == 200 and await response.read() == PNG
    assert site.hits["nostore.png"] == 3
    assert site.hits["etag.png"] == 3 and site.hits["etag.png:304"] == 2


# --- the cache itself ---------------------------------------------------------


def result(body: bytes = PNG, status: int = 200, **headers: str) -> FetchResult:
    return FetchResult("https://a.example/x", status, "image/png", body, headers)


async def test_concurrent_requests_share_one_fetch() -> None:
    cache = ResourceCache()
    started, gate = asyncio.Event(), asyncio.Event()
    calls = 0

    async def load(validators: Mapping[str, str]) -> FetchResult:
        nonlocal calls
        calls += 1
        started.set()
        await gate.wait()
        return result()

    async def opener() -> None:
        await started.wait()
        gate.set()

    first, second, _ = await asyncio.gather(
        cache.get("u", "image", load), cache.get("u", "image", load), opener()
    )
    assert calls == 1 and first is second


async def test_cache_is_bounded_in_bytes() -> None:
    cache = ResourceCache(max_bytes=1000, max_entry_bytes=600)

    async def load(validators: Mapping[str, str]) -> FetchResult:
        return result(b"x" * 300, **{"cache-control": "max-age=60"})

    for i in range(10):
        await cache.get(f"u{i}", "image", load)
    assert cache.size <= 1000 and len(cache) == 3

    async def huge(validators: Mapping[str, str]) -> FetchResult:
        return result(b"x" * 700, **{"cache-control": "max-age=60"})

    await cache.get("big", "image", huge)
    assert len(cache) == 3  # too big to keep


@pytest.mark.parametrize(
    ("headers", "lifetime"),
    [
        ({"cache-control": "no-store"}, None),
        ({"cache-control": "private, max-age=600"}, None),
        ({"cache-control": "max-age=600", "vary": "*"}, None),
        ({"cache-control": "no-cache"}, 0.0),
        ({"cache-control": "max-age=600"}, 600.0),
        ({"cache-control": "public, max-age=600, s-maxage=60"}, 60.0),
        ({"cache-control": "max-age=600", "age": "100"}, 500.0),
        (
            {"expires": "Thu, 01 Jan 2026 01:00:00 GMT", "date": "Thu, 01 Jan 2026 00:00:00 GMT"},
            3600.0,
        ),
        ({"expires": "0"}, 0.0),
        (
            {
                "last-modified": "Thu, 01 Jan 2026 00:00:00 GMT",
                "date": "Sun, 11 Jan 2026 00:00:00 GMT",
            },
            86400.0,
        ),
        ({}, 60.0),
        ({"cache-control": "max-age=999999999"}, 86400.0),
    ],
)
def test_freshness_lifetime(headers: dict[str, str], lifetime: float | None) -> None:
    assert freshness_lifetime(headers) == lifetime


@pytest.mark.parametrize(
    ("url", "upstream", "header"),
    [
        ("https://a.example/d/merkblatt.pdf", None, 'attachment; filename="merkblatt.pdf"'),
        ("https://a.example/d/", None, 'attachment; filename="download"'),
        ("https://a.example/get?id=1", 'inline; filename="Antrag 2026.pdf"', None),
        (
            "https://a.example/Gr%C3%BC%C3%9Fe.pdf",
            None,
            "attachment; filename=\"Gr__e.pdf\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.pdf",
        ),
        ("https://a.example/..%2F..%2Fetc%2Fpasswd", None, 'attachment; filename="passwd"'),
        ("https://a.example/x", 'attachment; filename="a\\"; evil=1.pdf"', None),
    ],
)
def test_attachment_header(url: str, upstream: str | None, header: str | None) -> None:
    value = attachment_header(url, upstream)
    if header is not None:
        assert value == header
    assert value.startswith("attachment; filename=")
    name = value.split('filename="', 1)[1].split('"', 1)[0]
    assert name and all(c.isalnum() or c in "._-" for c in name)


# --- navigation: downloads and POST forms ---------------------------------------


async def test_a_pdf_link_becomes_a_download_notice_for_everyone(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, advisor, citizen = await session_with_citizen(relay, aiohttp_client)
    adv_ws = await connect(advisor, f"/ws?session={session_id}")
    cit_ws = await connect(citizen)
    url = f"http://127.0.0.1:{origin[1].port}/merkblatt.pdf"
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
    notices = [await receive(ws, Msg.NOTICE) for ws in (adv_ws, cit_ws)]
    assert notices[0] == notices[1]
    notice = notices[0]
    assert notice["key"] == "download" and "merkblatt.pdf" in notice["text"]
    assert notice["link"].startswith("/r/") and notice["link_text"] == "Herunterladen"
    response = await citizen.get(notice["link"])
    assert response.status == 200 and await response.read() == b"%PDF-1.4\n"
    assert response.headers["Content-Disposition"] == 'attachment; filename="merkblatt.pdf"'
    assert (await (await aiohttp_client(relay)).get(notice["link"])).status == 403


async def test_a_broken_redirect_on_navigation_is_a_clear_notice(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, advisor, _ = await session_with_citizen(relay, aiohttp_client)
    ws = await connect(advisor, f"/ws?session={session_id}")
    url = f"http://127.0.0.1:{origin[1].port}/moved.html"
    await ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
    notice = await receive(ws, Msg.NOTICE)
    assert notice["key"] == "bad_redirect" and "Weiterleitung" in notice["text"]


async def test_post_forms_are_blocked_by_default(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    session_id, advisor, _ = await session_with_citizen(relay, aiohttp_client)
    ws = await connect(advisor, f"/ws?session={session_id}")
    snapshot = await navigate(ws, f"http://127.0.0.1:{origin[1].port}/form.html")
    flat = str(snapshot["tree"])
    assert "Cookies?" in flat and "data-cobrowse-blocked" in flat
    form = next(n for n in _nodes(snapshot["tree"]) if n[1] == "form")
    assert "aria-disabled" not in form[2]  # the fields work: only sending is blocked
    button = next(n for n in _nodes(snapshot["tree"]) if n[1] == "button")
    assert button[2]["disabled"] == "" and "gesperrt" in button[2]["title"]


async def test_a_post_button_in_a_get_form_is_blocked_not_run_as_a_search(
    relay: TestServer, origin: tuple[Origin, TestServer], aiohttp_client: ClientFactory
) -> None:
    site, server = origin
    session_id, advisor, _ = await session_with_citizen(relay, aiohttp_client)
    ws = await connect(advisor, f"/ws?session={session_id}")
    snapshot = await navigate(ws, f"http://127.0.0.1:{server.port}/search.html")
    form = next(n for n in _nodes(snapshot["tree"]) if n[1] == "form")
    search, post = [n for n in _nodes(snapshot["tree"]) if n[1] == "button"]
    assert "disabled" not in search[2] and "formaction" not in str(post)
    assert post[2]["disabled"] == ""
    body = {"page": snapshot["page"], "node": form[0], "fields": [["q", "Rente"]]}
    await ws.send_bytes(encode(Msg.SUBMIT, 0, body | {"submitter": post[0]}))
    notice = await receive(ws, Msg.NOTICE)
    assert notice["key"] == "form_post_blocked"
    assert site.posted == [] and site.hits["suche"] == 0


async def test_a_post_button_in_a_get_form_posts_where_the_host_allows_it(
    aiohttp_server: ServerFactory,
    origin: tuple[Origin, TestServer],
    aiohttp_client: ClientFactory,
) -> None:
    site, server = origin
    rule = HostRule(HostPattern.parse("127.0.0.1"), allow_post_forms=True)
    relay = await start_relay(aiohttp_server, relay_config(server, rule))
    session_id, advisor, _ = await session_with_citizen(relay, aiohttp_client)
    ws = await connect(advisor, f"/ws?session={session_id}")
    snapshot = await navigate(ws, f"http://127.0.0.1:{server.port}/search.html")
    form = next(n for n in _nodes(snapshot["tree"]) if n[1] == "form")
    post = [n for n in _nodes(snapshot["tree"]) if n[1] == "button"][1]
    body = {"page": snapshot["page"], "node": form[0], "fields": [["q", "Rente"]]}
    await ws.send_bytes(encode(Msg.SUBMIT, 0, body | {"submitter": post[0]}))
    thanks = await receive(ws, Msg.SNAPSHOT)
    assert thanks["title"] == "Danke" and site.posted == [{"q": "Rente"}]
    await relay.close()


async def test_host_rules_apply_and_allowed_post_forms_are_sent(
    aiohttp_server: ServerFactory,
    origin: tuple[Origin, TestServer],
    aiohttp_client: ClientFactory,
) -> None:
    site, server = origin
    rule = HostRule(HostPattern.parse("127.0.0.1"), remove=("#cookie",), allow_post_forms=True)
    relay = await start_relay(aiohttp_server, relay_config(server, rule))
    session_id, advisor, _ = await session_with_citizen(relay, aiohttp_client)
    ws = await connect(advisor, f"/ws?session={session_id}")
    snapshot = await navigate(ws, f"http://127.0.0.1:{server.port}/form.html")
    flat = str(snapshot["tree"])
    assert "Cookies?" not in flat and "disabled" not in flat
    form = next(n for n in _nodes(snapshot["tree"]) if n[1] == "form")
    await ws.send_bytes(
        encode(
            Msg.SUBMIT, 0, {"page": snapshot["page"], "node": form[0], "fields": [["q", "Rente"]]}
        )
    )
    thanks = await receive(ws, Msg.SNAPSHOT)
    assert thanks["title"] == "Danke"
    assert site.posted == [{"q": "Rente"}]
    await relay.close()


def _nodes(node: list[Any]) -> list[list[Any]]:
    out = [node] if len(node) == 4 else []
    for child in node[3] if len(node) == 4 else []:
        out.extend(_nodes(child))
    return out
