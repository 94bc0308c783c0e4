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


def _form_pages(site: Site, requests: list[tuple[str, str]]) -> None:
    """A form's answer at ``/senden`` (a GET there shows another page);
    ``/umleiten``, which answers a POST with a redirect to ``/danke`` (POST,
    redirect, GET: that page is at an address of its own), and ``/weiter``,
    whose redirect keeps the POST (307) to ``/senden``."""

    def sent(request: web.Request) -> web.Response:
        requests.append((request.method, request.path))
        if request.method != "POST":
            return _answer("Formular", "Bitte füllen Sie das Formular aus", 200)(request)
        return _answer("Gesendet", "Ihr Termin ist gebucht", 200)(request)

    def redirected(request: web.Request) -> web.Response:
        requests.append((request.method, request.path))
        if request.path == "/weiter":
            raise web.HTTPTemporaryRedirect("/senden")
        raise web.HTTPSeeOther("/danke")

    site.pages |= {
        "/da": _answer("Da", "Gebaut vom Skript", 200),
        "/senden": sent,
        "/umleiten": redirected,
        "/weiter": redirected,
        "/danke": _answer("Danke", "Ihr Termin ist gebucht", 200),
    }


async def test_a_sent_forms_answer_is_marked_posted_on_both_paths(site: Site) -> None:
    requests: list[tuple[str, str]] = []
    _form_pages(site, requests)
    config = site.config()
    fields = [("name", "Erika Mustermann")]
    renderer, fetcher = renderer_for(config)
    try:
        for render in (renderer, None):
            navigator = Navigator(
                fetcher, ResourceSigner(SECRET), rules=config.rules, secret=SECRET, renderer=render
            )
            session = new_session()
            posted = []
            for url, post in (
                ("/da", None),
                ("/senden", fields),
                ("/umleiten", fields),  # its answer is a GET of /danke
                ("/weiter", fields),  # the form goes on to /senden
                ("/senden", None),  # the address alone: another page
            ):
                navigator.navigate(session, site.url(url), post=post)
                assert session.nav_task is not None
                await session.nav_task
                assert session.page is not None
                posted.append((session.page.title, session.page_posted))
            assert posted == [
                ("Da", False),
                ("Gesendet", True),
                ("Danke", False),
                ("Gesendet", True),
                ("Formular", False),
            ], "rendered" if render else "html"
    finally:
        await renderer.close()
        await fetcher.close()
    sent_once = [("POST", "/senden"), ("POST", "/umleiten")]
    sent_once += [("POST", "/weiter"), ("POST", "/senden"), ("GET", "/senden")]
    assert requests == sent_once * 2  # each form went out once, on each path
