"""Rendered pages through the navigator like fetched ones: an error page (the
site answers 404/500, the page still renders) is shown but left out of the
visited pages, with the same notices as on the html path (real Chromium)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cobrowse.config import Config
from cobrowse.fetch import Fetcher
from cobrowse.protocol import Msg
from cobrowse.render import Renderer
from cobrowse.resources import ResourceSigner
from cobrowse.session.model import CoSession
from cobrowse.session.navigation import Navigator
from tests.render.conftest import SECRET, RecordingHub, Site, new_session, renderer_for

# Each page's content exists only after its script ran (so the rendered path
# really rendered it); the error pages are what a site's own 404/500 look like.
SCRIPTED = """<!DOCTYPE html><html><head><title>{title}</title></head><body>
<main id="inhalt"></main><script>
document.getElementById("inhalt").textContent = "{text}";
</script></body></html>"""
# a page whose script sends it elsewhere while it loads (a script redirect)
JUMPS = """<!DOCTYPE html><html><head><title>Weiter</title></head><body>
<p>Sie werden weitergeleitet</p><script>location.href = "/fehlt";</script></body></html>"""


def _answer(title: str, text: str, status: int) -> Any:
    def handler(request: web.Request) -> web.Response:
        body = SCRIPTED.format(title=title, text=text)
        return web.Response(text=body, status=status, content_type="text/html")

    return handler


def _pages(site: Site) -> None:
    site.pages |= {
        "/da": _answer("Da", "Gebaut vom Skript", 200),
        "/fehlt": _answer("Nicht gefunden", "Diese Seite gibt es nicht", 404),
        "/kaputt": _answer("Fehler", "Interner Fehler", 500),
        "/springt": JUMPS,
    }


async def _walk(
    config: Config, renderer: Renderer | None, fetcher: Fetcher, urls: list[str]
) -> tuple[CoSession, list[str]]:
    """The advisor opens ``urls`` in turn; the session and the titles shown."""
    navigator = Navigator(
        fetcher, ResourceSigner(SECRET), rules=config.rules, secret=SECRET, renderer=renderer
    )
    session = new_session()
    titles = []
    for url in urls:
        navigator.navigate(session, url)
        assert session.nav_task is not None
        await session.nav_task
        assert session.page is not None
        titles.append(session.page.title)
    return session, titles


def _notices(session: CoSession) -> list[dict[str, Any]]:
    assert isinstance(session.hub, RecordingHub)
    return [body for msg, body in session.hub.sent if msg is Msg.NOTICE]


async def test_rendered_error_pages_are_shown_but_not_visited_as_on_the_html_path(
    site: Site,
) -> None:
    _pages(site)
    config = site.config()
    urls = [site.url(p) for p in ("/da", "/fehlt", "/kaputt", "/da")]
    renderer, fetcher = renderer_for(config)
    try:
        rendered, rendered_titles = await _walk(config, renderer, fetcher, urls)
        plain, plain_titles = await _walk(config, None, fetcher, urls)
    finally:
        await renderer.close()
        await fetcher.close()
    # shown on both paths (the site's own error page is what there is to see) …
    assert rendered_titles == plain_titles == ["Da", "Nicht gefunden", "Fehler", "Da"]
    assert rendered.history == plain.history
    # … and left out of the list of visited pages on both
    assert rendered.visited == plain.visited == [{"url": site.url("/da"), "title": "Da"}]
    assert _notices(rendered) == _notices(plain)
    assert rendered.page is not None and plain.page is not None
    assert "Gebaut vom Skript" in str(rendered.page.tree)  # the script ran on the relay
    assert "Gebaut vom Skript" not in str(plain.page.tree)


async def test_a_script_redirect_to_an_error_page_counts_as_the_error_page(site: Site) -> None:
    _pages(site)
    config = site.config()
    renderer, fetcher = renderer_for(config)
    try:
        session, titles = await _walk(
            config, renderer, fetcher, [site.url("/da"), site.url("/springt")]
        )
    finally:
        await renderer.close()
        await fetcher.close()
    assert titles == ["Da", "Nicht gefunden"]  # it settled on the 404 page …
    assert session.visited == [{"url": site.url("/da"), "title": "Da"}]  # … not counted
    assert [n for n in _notices(session) if n.get("level") == "error"] == []
