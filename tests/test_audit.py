"""``cobrowse audit``: per page, what the mirror drops or cannot emulate, from a
real (loopback) site fetched through the relay's own fetcher."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cobrowse.audit import audit_site, format_json, format_text
from cobrowse.config import HostPattern, HostRule
from cobrowse.errors import FetchError
from tests.relay_client import relay_config

START = """<!DOCTYPE html><html><head><script src="/app.js"></script></head><body>
<script>track()</script>
<iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe>
<iframe src="https://maps.example.net/embed"></iframe>
<form method="post" action="/kontakt"><input name="n"><button>Senden</button></form>
<form action="/suche"><input name="q"></form>
<button class="faq-toggle" aria-controls="faq1">Frage</button><div id="faq1">Antwort</div>
<span class="accordion-head">Kopf</span><div>Inhalt</div>
<button class="navbar-toggler" data-bs-toggle="collapse" data-bs-target="#n">M</button>
<div class="collapse" id="n"></div>
<a href="/zwei.html">Zwei</a> <a href="https://elsewhere.example/">Fremd</a>
</body></html>"""
SECOND = "<!DOCTYPE html><html><body><p>Zwei</p><a href='/'>Start</a></body></html>"


async def site(aiohttp_server: Any) -> TestServer:
    async def start(_: web.Request) -> web.Response:
        return web.Response(text=START, content_type="text/html")

    async def second(_: web.Request) -> web.Response:
        return web.Response(text=SECOND, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", start)
    app.router.add_get("/zwei.html", second)
    server: TestServer = await aiohttp_server(app)
    return server


async def test_audit_reports_what_the_mirror_drops_and_suggests_widget_rules(
    aiohttp_server: Any,
) -> None:
    server = await site(aiohttp_server)
    config = relay_config(server)
    reports = await audit_site(config, f"http://127.0.0.1:{server.port}/", 10)
    assert [r.url.rsplit("/", 1)[1] for r in reports] == ["", "zwei.html"]  # same host only
    first = reports[0]
    assert first.scripts == 2
    assert first.videos == ["https://www.youtube-nocookie.com/embed/abc"]
    assert first.iframes == ["https://maps.example.net/embed"]
    assert first.post_forms == [f"http://127.0.0.1:{server.port}/kontakt"]
    assert first.presets == {"bootstrap-collapse": 1}
    found = {w.trigger: w for w in first.widgets}
    assert set(found) == {"button.faq-toggle", "span.accordion-head"}
    assert 'target = "named"' in found["button.faq-toggle"].suggestion
    assert 'target = "next"' in found["span.accordion-head"].suggestion
    text = format_text(reports)
    assert "embedded video removed" in text and "[[rules.widgets]]" in text
    assert "2 page(s) audited." in text
    assert json.loads(format_json(reports))["pages"][1]["widgets"] == []


async def test_audit_honours_rules_and_the_page_limit(aiohttp_server: Any) -> None:
    server = await site(aiohttp_server)
    host = HostPattern.parse(f"127.0.0.1:{server.port}")
    rule = HostRule(host, allow_post_forms=True, disable_presets=("all",))
    config = relay_config(server, rules=(rule,))
    (report,) = await audit_site(config, f"http://127.0.0.1:{server.port}/", 1)
    assert report.post_forms == [] and report.presets == {}
    assert "button.navbar-toggler" in {w.trigger for w in report.widgets}


async def test_audit_refuses_a_host_that_is_not_allowed(aiohttp_server: Any) -> None:
    server = await site(aiohttp_server)
    config = relay_config(server)
    with pytest.raises(FetchError) as caught:
        await audit_site(config, "http://127.0.0.2:1/", 5)
    assert caught.value.kind == "not_allowed"
