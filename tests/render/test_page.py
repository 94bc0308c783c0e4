"""A session's browser: isolation between sessions, closed doors, limits (real Chromium)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from aiohttp import web

from cobrowse.errors import FetchError, RenderError
from tests.render.conftest import Site, new_session, renderer_for

READ = """<!DOCTYPE html><html><body><p id="cookie"></p><p id="storage"></p><script>
document.getElementById("cookie").textContent = "cookie:" + document.cookie;
document.getElementById("storage").textContent = "storage:" + (localStorage.getItem("k") || "");
</script></body></html>"""
WRITE = """<!DOCTYPE html><html><body><p>geschrieben</p><script>
document.cookie = "script=1; path=/";
localStorage.setItem("k", "aus-sitzung-a");
</script></body></html>"""


def _with_cookie(request: web.Request) -> web.Response:
    response = web.Response(text=WRITE, content_type="text/html")
    response.set_cookie("server", "2", path="/")
    return response


async def test_sessions_share_no_cookies_or_storage(site: Site) -> None:
    site.pages |= {"/write": _with_cookie, "/read": READ}
    echoed: list[str] = []

    def echo(request: web.Request) -> web.Response:
        echoed.append(request.headers.get("Cookie", ""))
        return web.Response(text=READ, content_type="text/html")

    site.pages["/echo"] = echo
    renderer, fetcher = renderer_for(site.config())
    first, second = new_session("a"), new_session("b")
    try:
        await renderer.render(first, site.url("/write"))
        again = await renderer.render(first, site.url("/echo"))
        other = await renderer.render(second, site.url("/echo"))
    finally:
        await renderer.close()
        await fetcher.close()
    # within a session the site's cookies and storage live on (logins work) …
    assert "script=1" in again.html and "server=2" in again.html
    assert "storage:aus-sitzung-a" in again.html
    assert "server=2" in echoed[0]  # the browser's cookie reached the site via the fetcher
    # … and another session sees none of it
    assert "cookie:<" in other.html.replace("cookie:</p>", "cookie:<")
    assert "storage:</p>" in other.html
    assert echoed[1] == ""


async def test_popups_service_workers_permissions_and_webrtc_are_off(site: Site) -> None:
    site.pages["/doors"] = """<!DOCTYPE html><html><body><ul id="out"></ul><script>
    const show = (name, value) => {
      const li = document.createElement("li"); li.id = name; li.textContent = name + "=" + value;
      document.getElementById("out").appendChild(li);
    };
    show("popup", String(window.open("/doors")));
    show("sw", String(navigator.serviceWorker));
    show("rtc", typeof RTCPeerConnection);
    navigator.permissions.query({name: "geolocation"}).then((p) => show("geo", p.state));
    </script></body></html>"""
    renderer, fetcher = renderer_for(site.config())
    session = new_session()
    try:
        rendered = await renderer.render(session, site.url("/doors"))
        await rendered.page.wait_for_selector("#geo", state="attached")
        html = await rendered.page.content()
        pages = len(rendered.page.context.pages)
    finally:
        await renderer.close()
        await fetcher.close()
    assert "popup=null" in html and "sw=undefined" in html and "rtc=undefined" in html
    assert "geo=granted" not in html
    assert pages == 1


async def test_a_page_that_keeps_the_cpu_busy_is_stopped(site: Site) -> None:
    site.pages["/busy"] = "<!DOCTYPE html><p>x</p><script>for (;;) {}</script>"
    site.pages["/fine"] = "<!DOCTYPE html><p>fein</p>"
    renderer, fetcher = renderer_for(site.config("page_timeout_seconds = 2"))
    session = new_session()
    try:
        with pytest.raises(RenderError) as info:
            await renderer.render(session, site.url("/busy"))
        assert info.value.kind == "render_timeout"
        assert "angehalten" in info.value.user_message
        # the same session goes on with the next page
        assert "fein" in (await renderer.render(session, site.url("/fine"))).html
    finally:
        await renderer.close()
        await fetcher.close()


async def test_a_page_that_needs_too_much_memory_crashes_alone(site: Site) -> None:
    site.pages["/hog"] = """<!DOCTYPE html><p>x</p><script>
    const keep = []; for (;;) keep.push(new Array(1e6).fill(keep.length));
    </script>"""
    site.pages["/fine"] = "<!DOCTYPE html><p>fein</p>"
    renderer, fetcher = renderer_for(site.config("memory_mb = 64\npage_timeout_seconds = 20"))
    hog, other = new_session("hog"), new_session("other")
    try:
        with pytest.raises(RenderError) as info:
            await renderer.render(hog, site.url("/hog"))
        assert info.value.kind in ("render_crashed", "render_timeout")
        assert "fein" in (await renderer.render(other, site.url("/fine"))).html
        assert "fein" in (await renderer.render(hog, site.url("/fine"))).html
    finally:
        await renderer.close()
        await fetcher.close()


async def test_a_full_pool_queues_navigations_and_drops_none(site: Site) -> None:
    site.pages["/slow"] = """<!DOCTYPE html><ul id="l"></ul><script>
    for (let n = 1; n <= 5; n++) {
      const li = document.createElement("li"); li.textContent = "Eintrag " + n;
      document.getElementById("l").appendChild(li);
    }</script>"""
    renderer, fetcher = renderer_for(site.config("max_browsers = 1"))
    sessions = [new_session(f"s{i}") for i in range(3)]
    try:
        results = await asyncio.gather(*(renderer.render(s, site.url("/slow")) for s in sessions))
    finally:
        await renderer.close()
        await fetcher.close()
    assert all("Eintrag 5" in r.html for r in results)  # each one loaded, none dropped
    queued = [s for s in sessions if any(b.get("key") == "render_queued" for _, b in s.hub.sent)]
    assert len(queued) == 2
    (_, body) = next(m for m in queued[0].hub.sent if m[1].get("key") == "render_queued")
    assert body["text"] == "Seite wird vorbereitet …"


async def test_the_context_is_dropped_when_the_session_ends(site: Site) -> None:
    site.pages["/p"] = "<!DOCTYPE html><p>x</p>"
    renderer, fetcher = renderer_for(site.config())
    session = new_session()
    try:
        rendered = await renderer.render(session, site.url("/p"))
        context = rendered.page.context
        session.ended = True
        for _ in range(100):
            if session.id not in renderer.browsers:
                break
            await asyncio.sleep(0.05)
        assert session.id not in renderer.browsers
        assert context.pages == []
    finally:
        await renderer.close()
        await fetcher.close()


async def test_a_dom_its_scripts_blow_up_is_refused_like_a_page_too_large(site: Site) -> None:
    site.pages["/gross"] = """<!DOCTYPE html><p>x</p><script>
    document.body.append("Sehr langer Text. ".repeat(20000));</script>"""
    config = site.config()
    config = replace(config, fetch=replace(config.fetch, max_page_bytes=100_000))
    renderer, fetcher = renderer_for(config)
    try:
        with pytest.raises(FetchError) as info:
            await renderer.render(new_session(), site.url("/gross"))
    finally:
        await renderer.close()
        await fetcher.close()
    assert info.value.kind == "too_large"
