"""The built-in demo "ministry" site served by ``cobrowse serve --demo``.

It is a second origin that the relay fetches over HTTP like any real site. Every page
is rendered from one shared layout (``site/layout.html``) plus a content fragment from
``site/pages/``; each fragment starts with a small front-matter comment::

    <!--
    title: Wohngeld
    description: ...
    charset: iso-8859-1      (optional, default utf-8)
    -->

The site deliberately carries everything the relay must neutralise: inline and
external scripts, ``on*`` handlers, ``javascript:`` links, a cookie banner, hover
menus, external links and a password form. Every script path sets
:data:`MARKER_ATTRIBUTE` on ``<html>`` if it ever runs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from string import Template

from aiohttp import web
from aiohttp.typedefs import Handler

SITE_DIR = Path(__file__).parent / "site"
MARKER_ATTRIBUTE = "data-demo-script-ran"
FONT_SOURCE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

_FRONT_MATTER = re.compile(r"\A<!--\n(?P<meta>.*?)\n-->\n", re.DOTALL)
_SECTIONS = {
    "themen": ("Themen", "/themen/"),
    "service": ("Service", "/service/"),
    "servicekonto": ("Servicekonto", "/servicekonto/anmelden.html"),
}
_REDIRECTS = {
    "/index.html": "/",
    "/themen": "/themen/",
    "/service": "/service/",
    "/servicekonto": "/servicekonto/anmelden.html",
    "/servicekonto/": "/servicekonto/anmelden.html",
    "/rente": "/themen/rente.html",
}
#: A redirect that leaves the site, for testing the relay's redirect checks.
EXTERNAL_REDIRECT = ("/weiterleitung/extern", "https://www.example.org/buergerportal")
_RENT_CAP = {1: 500, 2: 600, 3: 720, 4: 840, 5: 960}
_MAX_QUERY = 200


@dataclass(frozen=True)
class Page:
    """One static content page: URL path, metadata, HTML fragment and plain text."""

    path: str
    title: str
    description: str
    charset: str
    body: str
    text: str


@dataclass(frozen=True)
class SearchHit:
    """One search result: the page and an HTML snippet with ``<mark>`` highlights."""

    page: Page
    snippet: str


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment (skips script and style)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment with whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def url_path_for(relative: Path) -> str:
    """Map a file below ``site/pages`` to its URL path (``index.html`` -> directory)."""
    parts = relative.parts
    if parts[-1] == "index.html":
        return "/" + "".join(part + "/" for part in parts[:-1])
    return "/" + "/".join(parts)


def load_pages(pages_dir: Path) -> dict[str, Page]:
    """Read every content fragment below ``pages_dir`` into a path -> Page mapping."""
    pages: dict[str, Page] = {}
    for file in sorted(pages_dir.rglob("*.html")):
        source = file.read_text(encoding="utf-8")
        match = _FRONT_MATTER.match(source)
        if match is None:
            raise ValueError(f"{file}: missing front matter")
        meta: dict[str, str] = {}
        for line in match.group("meta").splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
        body = source[match.end() :]
        path = url_path_for(file.relative_to(pages_dir))
        pages[path] = Page(
            path=path,
            title=meta["title"],
            description=meta.get("description", ""),
            charset=meta.get("charset", "utf-8"),
            body=body,
            text=page_text(body),
        )
    return pages


def _snippet(text: str, terms: list[str], width: int = 180) -> str:
    """Cut an excerpt around the first hit and wrap every hit in ``<mark>``."""
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    excerpt = text[start : start + width]
    pieces: list[str] = ["… " if start else ""]
    last = 0
    for hit in pattern.finditer(excerpt):
        pieces.append(html.escape(excerpt[last : hit.start()]))
        pieces.append(f"<mark>{html.escape(hit.group())}</mark>")
        last = hit.end()
    pieces.append(html.escape(excerpt[last:]))
    if start + width < len(text):
        pieces.append(" …")
    return "".join(pieces)


class DemoSite:
    """Templates, pages and request handlers of the demo site."""

    def __init__(self, site_dir: Path = SITE_DIR, font_path: Path = FONT_SOURCE) -> None:
        self.site_dir = site_dir
        self.font_path = font_path
        self.layout = Template((site_dir / "layout.html").read_text(encoding="utf-8"))
        self.nav = (site_dir / "partials" / "nav.html").read_text(encoding="utf-8")
        self.pages = load_pages(site_dir / "pages")

    def partial(self, name: str, /, **values: str) -> str:
        """Fill the partial ``site/partials/<name>.html``; values must be escaped already."""
        source = (self.site_dir / "partials" / f"{name}.html").read_text(encoding="utf-8")
        return Template(source).substitute(values)

    def _breadcrumb(self, path: str, title: str) -> str:
        items: list[str] = []
        if path != "/":
            items.append('<li><a href="/">Startseite</a></li>')
            section = _SECTIONS.get(path.strip("/").split("/")[0])
            if section is not None and section[1] != path:
                items.append(f'<li><a href="{section[1]}">{html.escape(section[0])}</a></li>')
        items.append(f'<li aria-current="page">{html.escape(title)}</li>')
        return "\n".join("      " + item for item in items)

    def render(
        self,
        path: str,
        title: str,
        content: str,
        *,
        description: str = "",
        charset: str = "utf-8",
        query: str = "",
        status: int = 200,
    ) -> web.Response:
        """Render ``content`` (trusted HTML) inside the shared layout as a response."""
        nav = self.nav.replace(f'<a href="{path}">', f'<a href="{path}" aria-current="page">')
        document = self.layout.substitute(
            charset=charset,
            title=html.escape(title),
            description=html.escape(description),
            query=html.escape(query),
            nav=nav.rstrip("\n"),
            breadcrumb=self._breadcrumb(path, title),
            content=content.rstrip("\n"),
        )
        body = document.encode(charset, errors="xmlcharrefreplace")
        return web.Response(body=body, status=status, content_type="text/html", charset=charset)

    def search(self, query: str) -> list[SearchHit]:
        """Case-insensitive substring search: every term must occur in title or text."""
        terms = query.lower().split()
        if not terms:
            return []
        scored: list[tuple[int, str, SearchHit]] = []
        for page in self.pages.values():
            haystack = f"{page.title} {page.description} {page.text}".lower()
            if all(term in haystack for term in terms):
                in_title = sum(term in page.title.lower() for term in terms)
                count = sum(haystack.count(term) for term in terms)
                hit = SearchHit(page, _snippet(page.text, terms))
                scored.append((-(in_title * 100 + count), page.path, hit))
        return [hit for *_, hit in sorted(scored, key=lambda item: item[:2])]

    async def page(self, request: web.Request) -> web.Response:
        """Serve one content page from ``site/pages``."""
        page = self.pages[request.path]
        return self.render(
            page.path, page.title, page.body, description=page.description, charset=page.charset
        )

    async def search_page(self, request: web.Request) -> web.Response:
        """GET /suche?q=...: the site search results page."""
        query = request.query.get("q", "").strip()[:_MAX_QUERY]
        hits = self.search(query)
        if not query:
            summary, results = "Bitte geben Sie einen Suchbegriff ein.", ""
        elif not hits:
            summary = f"Keine Treffer für „{html.escape(query)}“."
            results = ""
        else:
            summary = f"{len(hits)} Treffer für „{html.escape(query)}“:"
            results = '<ol class="suchergebnisse">\n' + "\n".join(
                f'  <li><h2><a href="{hit.page.path}">{html.escape(hit.page.title)}</a></h2>'
                f"<p>{hit.snippet}</p></li>"
                for hit in hits
            )
            results += "\n</ol>"
        content = self.partial("suche", query=html.escape(query), summary=summary, results=results)
        return self.render("/suche", "Suche", content, query=query)

    async def login_post(self, request: web.Request) -> web.Response:
        """POST /servicekonto/anmelden: always refuses; the input is discarded."""
        await request.post()
        content = self.partial("anmelden-antwort")
        return self.render(request.path, "Anmeldung nicht möglich", content)

    async def contact_post(self, request: web.Request) -> web.Response:
        """POST /service/kontakt: confirms without sending anything."""
        form = await request.post()
        name = str(form.get("name", "")).strip()[:100] or "unbekannt"
        topic = str(form.get("thema", "")).strip()[:50] or "–"
        content = self.partial("kontakt-antwort", name=html.escape(name), thema=html.escape(topic))
        return self.render(request.path, "Nachricht nicht versendet", content)

    async def calculator(self, request: web.Request) -> web.Response:
        """GET /service/wohngeldrechner: a toy housing-benefit estimate."""
        try:
            persons = min(5, max(1, int(request.query.get("personen", "1"))))
            rent = float(request.query.get("miete", "").replace(",", "."))
            income = float(request.query.get("einkommen", "").replace(",", "."))
            if not (0 <= rent <= 5000 and 0 <= income <= 20000):
                raise ValueError
        except ValueError:
            result = "Bitte geben Sie Miete und Einkommen als Zahlen ein."
        else:
            limit = 1200 + 400 * (persons - 1)
            estimate = min(rent, _RENT_CAP[persons]) * 0.5 - max(0.0, income - limit / 2) * 0.3
            if estimate >= 10:
                result = f"Voraussichtliches Wohngeld: etwa {round(estimate)} Euro im Monat."
            else:
                result = "Nach dieser Schätzung besteht voraussichtlich kein Anspruch auf Wohngeld."
        content = self.partial("rechner-ergebnis", result=html.escape(result))
        return self.render(request.path, "Ergebnis des Wohngeld-Rechners", content)

    async def static(self, request: web.Request) -> web.FileResponse:
        """Files below ``site/static`` (never outside it, no directory listings)."""
        root = (self.site_dir / "static").resolve()
        target = (root / request.match_info["path"]).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(target)

    async def font(self, request: web.Request) -> web.FileResponse:
        """The web font, taken from the system's DejaVu Sans if installed."""
        if not self.font_path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(self.font_path, headers={"Content-Type": "font/ttf"})

    async def pdf(self, request: web.Request) -> web.FileResponse:
        """The hand-written PDF leaflet."""
        headers = {
            "Content-Type": "application/pdf",
            "Content-Disposition": 'inline; filename="merkblatt.pdf"',
        }
        return web.FileResponse(self.site_dir / "downloads" / "merkblatt.pdf", headers=headers)

    def not_found(self, request: web.Request) -> web.Response:
        """The German 404 page."""
        content = self.partial("404", path=html.escape(request.path))
        return self.render(request.path, "Seite nicht gefunden", content, status=404)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Turn 404s into the German error page and add a few realistic headers."""
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = self.not_found(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path.startswith(("/static/", "/downloads/")) and response.status == 200:
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            response.headers.setdefault("Cache-Control", "no-cache")
        return response


def _redirect(target: str, status: type[web.HTTPMove]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise status(target)

    return handler


#: Free appointments of service/termine.html (its script fetches them).
APPOINTMENTS = (
    ("Montag, 7. Dezember", "9:00"),
    ("Montag, 7. Dezember", "11:30"),
    ("Dienstag, 8. Dezember", "14:00"),
    ("Mittwoch, 9. Dezember", "8:30"),
    ("Donnerstag, 10. Dezember", "18:00"),
)


async def appointments(request: web.Request) -> web.Response:
    """GET /service/termine.json: what the appointment page's script shows."""
    slots = [{"tag": day, "zeit": time, "ort": "Bürgerbüro Mitte"} for day, time in APPOINTMENTS]
    return web.json_response({"termine": slots})


def make_demo_app(*, site_dir: Path = SITE_DIR, font_path: Path = FONT_SOURCE) -> web.Application:
    """Build the aiohttp application that serves the demo ministry site."""
    site = DemoSite(site_dir, font_path)
    app = web.Application(middlewares=[site.middleware])
    router = app.router
    for path in site.pages:
        router.add_get(path, site.page)
    router.add_get("/suche", site.search_page)
    router.add_post("/servicekonto/anmelden", site.login_post)
    router.add_get(
        "/servicekonto/anmelden", _redirect("/servicekonto/anmelden.html", web.HTTPFound)
    )
    router.add_post("/service/kontakt", site.contact_post)
    router.add_get("/service/wohngeldrechner", site.calculator)
    router.add_get("/service/termine.json", appointments)
    router.add_get("/downloads/merkblatt.pdf", site.pdf)
    router.add_get("/static/fonts/demo-sans.ttf", site.font)
    for source, target in _REDIRECTS.items():
        router.add_get(source, _redirect(target, web.HTTPMovedPermanently))
    router.add_get(EXTERNAL_REDIRECT[0], _redirect(EXTERNAL_REDIRECT[1], web.HTTPFound))
    router.add_get("/static/{path:.+}", site.static)
    return app
