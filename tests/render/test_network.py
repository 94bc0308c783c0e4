"""The relay's browser reaches only what the fetcher would: a page script that
tries loopback, private and metadata addresses (by IP, by odd spellings, by an
allowed name that resolves privately, by WebSocket, image, frame and by
navigating) is refused — by the fetcher's guard, before any connection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from cobrowse.config import parse_config
from cobrowse.fetch import Fetcher
from cobrowse.page_worker import PageWorkers
from cobrowse.render import Renderer
from cobrowse.render.page import SessionBrowser
from cobrowse.session.store import SessionStore

SECRET = "s" * 32


class Canary:
    """A server on loopback that must never be reached."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.hit)

    async def hit(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        return web.Response(text="secret")


class RecordingTransport(httpx.AsyncBaseTransport):
    """The fetcher's only way out: records every connection it is asked for and
    refuses (without connecting) anything but the test site."""

    def __init__(self, allowed: str) -> None:
        self.allowed = allowed
        self.targets: list[str] = []
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = f"{request.url.host}:{request.url.port}"
        self.targets.append(target)
        if target != self.allowed:
            raise httpx.ConnectError("the test refuses this connection")
        return await self._real.handle_async_request(request)

    async def aclose(self) -> None:
        await self._real.aclose()


def attack_page(canary: int) -> str:
    targets = {
        "loopback": f"http://127.0.0.1:{canary}/",
        "localhost": f"http://localhost:{canary}/",
        "loopback-hex": f"http://0x7f.1:{canary}/",
        "loopback-v6": f"http://[::1]:{canary}/",
        "private-10": "http://10.0.0.1/",
        "private-192": "http://192.168.1.1/",
        "private-172": "http://172.16.0.1/",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "metadata-decimal": "http://2852039166/latest/meta-data/",
        "allowed-name-private": "http://intern.example/",
        "allowed-name-metadata": "http://meta.example/latest/meta-data/",
    }
    return f"""<!DOCTYPE html><html><head><title>Angriff</title></head><body>
<h1>Angriff</h1><ul id="out"></ul>
<img src="http://127.0.0.1:{canary}/img">
<iframe src="http://10.0.0.1/"></iframe>
<script>
const out = document.getElementById("out");
const show = (name, verdict) => {{
  const li = document.createElement("li");
  li.id = "r-" + name;
  li.textContent = verdict;
  out.appendChild(li);
}};
const targets = {json.dumps(targets)};
for (const [name, url] of Object.entries(targets)) {{
  fetch(url).then(() => show(name, "reached"), () => show(name, "blocked"));
}}
try {{
  const ws = new WebSocket("ws://127.0.0.1:{canary}/");
  ws.onopen = () => show("websocket", "reached");
  ws.onclose = () => show("websocket", "blocked");
}} catch (e) {{ show("websocket", "blocked"); }}
</script></body></html>"""


@pytest.fixture
async def servers() -> AsyncIterator[tuple[int, Canary]]:
    canary = Canary()
    canary_runner = web.AppRunner(canary.app)
    await canary_runner.setup()
    await web.TCPSite(canary_runner, "127.0.0.1", 0).start()
    canary_port = canary_runner.addresses[0][1]
    site = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=attack_page(canary_port), content_type="text/html")

    def html(text: str) -> web.Response:
        return web.Response(text=f"<!DOCTYPE html>{text}", content_type="text/html")

    async def away(request: web.Request) -> web.Response:
        # what a page does later (a script setting location): the test says when
        return html(
            "<p>Weiter …</p><script>window.go = () => {"
            " location.href = 'http://169.254.169.254/latest/meta-data/'; };</script>"
        )

    async def redirect_bad(request: web.Request) -> web.Response:
        return html(
            "<p>Bleibt</p><script>location.href = 'http://169.254.169.254/latest/';</script>"
        )

    async def redirect_good(request: web.Request) -> web.Response:
        return html("<p>Alt</p><script>location.replace('/ziel');</script>")

    async def target(request: web.Request) -> web.Response:
        return html("<h1>Ziel</h1>")

    site.router.add_get("/weg", away)
    site.router.add_get("/umleitung-schlecht", redirect_bad)
    site.router.add_get("/umleitung-gut", redirect_good)
    site.router.add_get("/ziel", target)
    site.router.add_get("/", page)
    site_runner = web.AppRunner(site)
    await site_runner.setup()
    await web.TCPSite(site_runner, "127.0.0.1", 0).start()
    yield site_runner.addresses[0][1], canary
    await site_runner.cleanup()
    await canary_runner.cleanup()


async def _resolve(host: str, port: int) -> list[str]:
    return {"intern.example": ["10.0.0.7"], "meta.example": ["169.254.169.254"]}[host]


async def test_page_scripts_cannot_reach_loopback_private_or_metadata(
    servers: tuple[int, Canary],
) -> None:
    port, canary = servers
    config = parse_config(
        f'[fetch]\nallowed_hosts = ["127.0.0.1:{port}", "intern.example", "meta.example"]\n'
        f'private_hosts = ["127.0.0.1:{port}"]\n'
        "[render]\nmax_browsers = 1\nsettle_seconds = 0.2\n"
        '[[rules]]\nhost = "127.0.0.1"\nrender = "browser"\n'
    )
    transport = RecordingTransport(f"127.0.0.1:{port}")
    fetcher = Fetcher(config.fetch, transport=transport, resolver=_resolve)
    renderer = Renderer(config.render, fetcher, config.rules, secret=SECRET, workers=PageWorkers(0))
    session = SessionStore(config).create("berater")
    try:
        rendered = await renderer.render(session, f"http://127.0.0.1:{port}/")
        page = rendered.page
        await page.wait_for_function("document.querySelectorAll('#out li').length >= 12")
        verdicts = await page.eval_on_selector_all(
            "#out li", "items => items.map((li) => [li.id.slice(2), li.textContent])"
        )
        _, browser = renderer.browsers[session.id]
        refused = browser.guard.refused
    finally:
        await renderer.close()
        await fetcher.close()
    assert len(verdicts) == 12
    assert {verdict for _, verdict in verdicts} == {"blocked"}, verdicts
    assert canary.hits == []
    # Nothing but the test site was ever connected to: the guard refused the
    # others before the transport (the only way out) was asked.
    assert set(transport.targets) == {f"127.0.0.1:{port}"}
    assert refused >= 11  # every fetch and the frame


async def test_a_shown_page_navigating_by_itself_is_stopped_and_reported(
    servers: tuple[int, Canary],
) -> None:
    port, canary = servers
    config = parse_config(
        f'[fetch]\nallowed_hosts = ["127.0.0.1:{port}"]\nprivate_hosts = ["127.0.0.1:{port}"]\n'
        "[render]\nsettle_seconds = 0.2\n"
    )
    transport = RecordingTransport(f"127.0.0.1:{port}")
    fetcher = Fetcher(config.fetch, transport=transport)
    renderer = Renderer(config.render, fetcher, (), secret=SECRET, workers=PageWorkers(0))
    asked: list[str] = []
    browser = SessionBrowser(renderer.pool, fetcher, config.render, asked.append)
    try:
        page, url, html, *_ = await browser.load(f"http://127.0.0.1:{port}/weg")
        await browser.show(page)
        await page.evaluate("go()")
        await page.wait_for_timeout(200)  # let Chromium settle on its answer
        assert page.url == url == f"http://127.0.0.1:{port}/weg"  # it stayed
    finally:
        await browser.close()
        await renderer.close()
        await fetcher.close()
    assert asked == ["http://169.254.169.254/latest/meta-data/"]  # the relay decides
    assert canary.hits == []
    assert "Weiter" in html
    assert set(transport.targets) == {f"127.0.0.1:{port}"}


async def test_script_redirects_while_loading_go_through_the_fetcher(
    servers: tuple[int, Canary],
) -> None:
    port, canary = servers
    config = parse_config(
        f'[fetch]\nallowed_hosts = ["127.0.0.1:{port}"]\nprivate_hosts = ["127.0.0.1:{port}"]\n'
        "[render]\nsettle_seconds = 0.2\n"
    )
    transport = RecordingTransport(f"127.0.0.1:{port}")
    fetcher = Fetcher(config.fetch, transport=transport)
    renderer = Renderer(config.render, fetcher, (), secret=SECRET, workers=PageWorkers(0))
    asked: list[str] = []
    browser = SessionBrowser(renderer.pool, fetcher, config.render, asked.append)
    try:
        _, good_url, good, *_ = await browser.load(f"http://127.0.0.1:{port}/umleitung-gut")
        _, bad_url, bad, *_ = await browser.load(f"http://127.0.0.1:{port}/umleitung-schlecht")
        refused = browser.guard.refused
    finally:
        await browser.close()
        await renderer.close()
        await fetcher.close()
    assert good_url.endswith("/ziel") and "<h1" in good and "Ziel" in good
    assert bad_url.endswith("/umleitung-schlecht") and "Bleibt" in bad  # refused, stayed
    assert refused == 1 and asked == [] and canary.hits == []
    assert set(transport.targets) == {f"127.0.0.1:{port}"}


async def test_http_redirects_are_followed_once_through_the_fetcher() -> None:
    """A page and a stylesheet behind HTTP redirects: the page opens at the
    address it led to, each address is asked for once (the fetcher followed the
    redirect; Chromium gets that answer), and nothing goes around the guard
    (Playwright routes only a redirect chain's first request: a redirect handed
    to Chromium once ended at the dead proxy, and the page failed to load)."""
    hits: list[str] = []
    site = web.Application()

    async def moved(request: web.Request) -> web.Response:
        hits.append(request.path)
        raise web.HTTPFound(request.path.replace("alt", "neu"))

    async def new(request: web.Request) -> web.Response:
        hits.append(request.path)
        head = '<link rel="stylesheet" href="/alt.css">'
        return web.Response(
            text=f"<!DOCTYPE html>{head}<h1>Neue Adresse</h1>", content_type="text/html"
        )

    async def sheet(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="h1 { color: rgb(1, 2, 3) }", content_type="text/css")

    site.router.add_get("/alt", moved)
    site.router.add_get("/alt.css", moved)
    site.router.add_get("/neu", new)
    site.router.add_get("/neu.css", sheet)
    runner = web.AppRunner(site)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    config = parse_config(
        f'[fetch]\nallowed_hosts = ["127.0.0.1:{port}"]\nprivate_hosts = ["127.0.0.1:{port}"]\n'
        "[render]\nsettle_seconds = 0.2\n"
    )
    fetcher = Fetcher(config.fetch)
    renderer = Renderer(config.render, fetcher, (), secret=SECRET, workers=PageWorkers(0))
    browser = SessionBrowser(renderer.pool, fetcher, config.render, lambda url: None)
    try:
        page, url, html, status, posted = await browser.load(f"http://127.0.0.1:{port}/alt")
        color = await page.evaluate("getComputedStyle(document.querySelector('h1')).color")
        refused = browser.guard.refused
    finally:
        await browser.close()
        await renderer.close()
        await fetcher.close()
        await runner.cleanup()
    assert url.endswith("/neu") and "Neue Adresse" in html and status == 200 and not posted
    assert color == "rgb(1, 2, 3)" and refused == 0
    assert hits == ["/alt", "/neu", "/alt.css", "/neu.css"]
