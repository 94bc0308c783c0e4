"""Tests for the built-in demo ministry site (cobrowse.demo)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from cobrowse.demo import MARKER_ATTRIBUTE, make_demo_app
from cobrowse.demo.server import EXTERNAL_REDIRECT, SITE_DIR

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
Client = TestClient[web.Request, web.Application]

PAGES = [
    "/",
    "/service/termine.html",
    "/themen/",
    "/themen/rente.html",
    "/themen/wohngeld.html",
    "/themen/kindergeld.html",
    "/themen/umzug.html",
    "/themen/latin1.html",
    "/service/",
    "/service/faq.html",
    "/service/kontakt.html",
    "/service/wohngeldrechner.html",
    "/service/standorte.html",
    "/servicekonto/anmelden.html",
    "/impressum.html",
    "/datenschutz.html",
    "/barrierefreiheit.html",
    "/suche",
    "/suche?q=Rente",
]


@pytest.fixture
async def client(aiohttp_client: AiohttpClient) -> Client:
    return await aiohttp_client(make_demo_app())


async def get_text(client: Client, path: str) -> str:
    resp = await client.get(path)
    assert resp.status == 200, path
    return await resp.text()


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_is_html_with_shared_layout(client: Client, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 200
    assert resp.content_type == "text/html"
    text = await resp.text()
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="de"' in text
    assert '<meta name="viewport"' in text
    assert '<a class="skip-link" href="#inhalt">' in text
    assert '<link rel="stylesheet" href="/static/css/site.css">' in text
    assert "<noscript>" in text
    assert '<footer class="site-footer">' in text
    assert '<form class="site-search" id="suche" action="/suche" method="get"' in text
    assert "Demo" in text


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_carries_the_attack_surface(client: Client, path: str) -> None:
    text = await get_text(client, path)
    marker = f"setAttribute('{MARKER_ATTRIBUTE}', '1')"
    assert MARKER_ATTRIBUTE == "data-demo-script-ran"
    assert text.count("<script>") >= 2  # inline scripts in head and before </body>
    assert '<script src="/static/js/site.js" defer></script>' in text
    assert f'onclick="document.documentElement.{marker}' in text
    assert f'onload="document.documentElement.{marker}' in text
    assert f'href="javascript:document.documentElement.{marker}' in text
    assert '<div class="cookie-banner" id="cookie-banner"' in text
    assert ">Alle akzeptieren</button>" in text
    assert ">Nur notwendige</button>" in text
    assert 'href="https://www.example.org/buergerportal"' in text
    assert 'href="mailto:buergerservice@bmbd.example"' in text


async def test_utf8_pages_declare_charset_and_keep_umlauts(client: Client) -> None:
    resp = await client.get("/themen/wohngeld.html")
    assert resp.charset == "utf-8"
    body = await resp.read()
    assert b'<meta charset="utf-8">' in body
    assert "Größe der Wohnung".encode() in body
    assert "Bürger".encode() in body


async def test_latin1_page_has_charset_header_and_latin1_bytes(client: Client) -> None:
    resp = await client.get("/themen/latin1.html")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    body = await resp.read()
    assert b'<meta charset="iso-8859-1">' in body
    assert "Straßenreinigung".encode("latin-1") in body
    assert "Größe".encode("latin-1") in body
    assert "ß".encode() not in body  # no UTF-8 sequences
    assert b"&#8364;" in body  # the euro sign has no Latin-1 code point
    assert "Straßenreinigung" in body.decode("latin-1")


async def test_nav_has_hover_submenus_and_marks_current_page(client: Client) -> None:
    text = await get_text(client, "/themen/rente.html")
    doc = lxml.html.fromstring(text)
    submenus = doc.xpath(
        "//nav[@class='site-nav']/ul[@class='nav-main']/li[@class='has-submenu']/ul[@class='submenu']"
    )
    assert len(submenus) >= 3
    current = doc.xpath("//ul[@id='hauptmenue']//a[@aria-current='page']")
    assert [a.get("href") for a in current] == ["/themen/rente.html"]
    toggle = doc.xpath("//button[@class='menu-toggle']")[0]
    assert toggle.get("aria-expanded") == "false"
    assert toggle.get("aria-controls") == "hauptmenue"
    assert doc.get_element_by_id("hauptmenue") is not None


async def test_accordions_point_to_hidden_panels(client: Client) -> None:
    for path in ["/", "/themen/rente.html", "/themen/wohngeld.html", "/themen/umzug.html"]:
        doc = lxml.html.fromstring(await get_text(client, path))
        triggers = doc.xpath("//div[@class='accordion']//button[@aria-expanded and @aria-controls]")
        assert triggers, path
        for button in triggers:
            assert button.get("aria-expanded") == "false"
            panel = doc.get_element_by_id(button.get("aria-controls"))
            assert panel.get("hidden") is not None


async def test_places_page_has_class_toggled_widgets_without_aria(client: Client) -> None:
    """Markup only a per-host widget rule makes work (tests/e2e/test_widget_rules.py)."""
    doc = lxml.html.fromstring(await get_text(client, "/service/standorte.html"))
    (button,) = doc.cssselect(".standorte-toggle")
    assert doc.cssselect("#standorte-liste")
    heads = doc.cssselect(".zeiten-kopf")
    assert len(heads) == 3
    assert all(h.getnext().get("class") == "zeiten-text" for h in heads)
    for el in [button, *heads]:
        assert not [a for a in el.attrib if a.startswith("aria-") or a == "role"]


async def test_appointment_page_is_empty_until_its_script_fetches_the_list(
    client: Client,
) -> None:
    text = await get_text(client, "/service/termine.html")
    doc = lxml.html.fromstring(text)
    (app,) = doc.xpath("//div[@id='termine-app']")
    assert len(app) == 0 and not (app.text or "").strip()  # nothing without the script
    assert "Weitere Termine anzeigen" not in text and "Freie Termine" not in text
    assert '<script src="/static/js/termine.js" defer></script>' in text
    script = await get_text(client, "/static/js/termine.js")
    assert 'setAttribute("data-demo-script-ran", "1")' in script
    resp = await client.get(app.get("data-quelle"))
    assert resp.status == 200
    slots = (await resp.json())["termine"]
    assert len(slots) == 5 and all({"tag", "zeit", "ort"} <= slot.keys() for slot in slots)


async def test_faq_uses_details_summary(client: Client) -> None:
    doc = lxml.html.fromstring(await get_text(client, "/service/faq.html"))
    details = doc.xpath("//div[@class='faq']//details")
    assert len(details) >= 5
    assert all(d.find("summary") is not None for d in details)
    assert any(d.get("open") is not None for d in details)


async def test_images_have_srcset_and_dimensions(client: Client) -> None:
    doc = lxml.html.fromstring(await get_text(client, "/"))
    images = doc.xpath("//img")
    # the hero is a blur-up image: its srcset waits in data-srcset, as on many real sites
    assert any("480w" in (img.get("data-srcset") or "") for img in images)
    hero = doc.xpath("//img[contains(@class, 'blur-up')]")[0]
    assert hero.get("src") == "/static/img/hero-blur.png"
    assert hero.get("data-src") == "/static/img/hero-960.png"
    assert any("2x" in (img.get("srcset") or "") for img in images)
    for img in images:
        assert img.get("alt") and img.get("width") and img.get("height")


async def test_search_finds_known_page(client: Client) -> None:
    text = await get_text(client, "/suche?q=Wohngeld")
    doc = lxml.html.fromstring(text)
    hrefs = [a.get("href") for a in doc.xpath("//ol[@class='suchergebnisse']//a")]
    assert hrefs[0] == "/themen/wohngeld.html"
    assert "<mark>Wohngeld</mark>" in text
    assert doc.get_element_by_id("suche-q").get("value") == "Wohngeld"


async def test_search_all_terms_umlauts_and_no_hits(client: Client) -> None:
    hits = await get_text(client, "/suche?q=Stra%C3%9Fenreinigung+Winterdienst")
    assert 'href="/themen/latin1.html"' in hits
    none = await get_text(client, "/suche?q=Quantenchromodynamik")
    assert "Keine Treffer" in none
    assert "suchergebnisse" not in none.split('<main id="inhalt"')[1]
    empty = await get_text(client, "/suche")
    assert "Bitte geben Sie einen Suchbegriff ein." in empty


async def test_search_escapes_the_query(client: Client) -> None:
    text = await get_text(client, "/suche?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


async def test_password_form_posts_and_is_refused(client: Client) -> None:
    doc = lxml.html.fromstring(await get_text(client, "/servicekonto/anmelden.html"))
    form = doc.get_element_by_id("anmeldung")
    assert form.get("method") == "post"
    assert form.get("action") == "/servicekonto/anmelden"
    assert form.xpath(".//input[@type='password' and @name='passwort']")
    resp = await client.post(
        "/servicekonto/anmelden", data={"benutzername": "erika", "passwort": "geheim123"}
    )
    assert resp.status == 200
    text = await resp.text()
    assert "Anmeldung in der Demo nicht möglich" in text
    assert "geheim123" not in text


async def test_contact_form_and_calculator(client: Client) -> None:
    resp = await client.post("/service/kontakt", data={"name": "<b>Erika</b>", "thema": "rente"})
    text = await resp.text()
    assert "Vielen Dank, &lt;b&gt;Erika&lt;/b&gt;." in text
    ok = await get_text(client, "/service/wohngeldrechner?personen=2&miete=700&einkommen=1200")
    assert "Voraussichtliches Wohngeld: etwa" in ok
    bad = await get_text(client, "/service/wohngeldrechner?personen=2&miete=abc&einkommen=1")
    assert "als Zahlen ein" in bad


async def test_pdf_is_a_valid_small_pdf(client: Client) -> None:
    resp = await client.get("/downloads/merkblatt.pdf")
    assert resp.status == 200
    assert resp.content_type == "application/pdf"
    data = await resp.read()
    assert data.startswith(b"%PDF-1.")
    assert data.rstrip().endswith(b"%%EOF")
    startxref = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[startxref:].startswith(b"xref")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data)
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(f"{number} 0 obj".encode())


async def test_stylesheet_has_urls_font_face_and_hover_rules(client: Client) -> None:
    resp = await client.get("/static/css/site.css")
    assert resp.status == 200
    assert resp.content_type == "text/css"
    css = await resp.text()
    assert "@font-face" in css
    assert 'url("../fonts/demo-sans.ttf")' in css
    assert css.count("url(") >= 4
    assert ".nav-main li:hover > .submenu" in css
    assert ".nav-main li:focus-within > .submenu" in css
    assert "@media (max-width: 700px)" in css
    assert '"Demo Sans", "DejaVu Sans",' in css


async def test_external_script_sets_marker(client: Client) -> None:
    resp = await client.get("/static/js/site.js")
    assert resp.status == 200
    assert "javascript" in resp.content_type
    js = await resp.text()
    assert f'setAttribute("{MARKER_ATTRIBUTE}", "1")' in js
    assert "aria-expanded" in js
    assert "cookie-banner" in js


async def test_font_is_served_from_the_system_or_404(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    font = tmp_path / "font.ttf"
    font.write_bytes(b"\x00\x01\x00\x00fake")
    with_font = await aiohttp_client(make_demo_app(font_path=font))
    resp = await with_font.get("/static/fonts/demo-sans.ttf")
    assert resp.status == 200
    assert resp.content_type == "font/ttf"
    assert await resp.read() == font.read_bytes()
    without = await aiohttp_client(make_demo_app(font_path=tmp_path / "missing.ttf"))
    assert (await without.get("/static/fonts/demo-sans.ttf")).status == 404


@pytest.mark.parametrize(
    "path", ["/gibt-es-nicht", "/themen/nichts.html", "/static/css/fehlt.css", "/static/"]
)
async def test_unknown_paths_get_german_404(client: Client, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 404
    assert resp.content_type == "text/html"
    assert "Seite nicht gefunden" in await resp.text()


async def test_static_files_cannot_escape_the_site(client: Client) -> None:
    for path in ["/static/../server.py", "/static/%2e%2e/%2e%2e/server.py"]:
        resp = await client.get(path)
        assert resp.status == 404, path


async def test_redirects(client: Client) -> None:
    resp = await client.get("/themen", allow_redirects=False)
    assert resp.status == 301
    assert resp.headers["Location"] == "/themen/"
    resp = await client.get(EXTERNAL_REDIRECT[0], allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "https://www.example.org/buergerportal"


async def test_every_internal_reference_resolves(client: Client) -> None:
    """Crawl all pages: links, images, srcset candidates, scripts and CSS url()s exist."""
    seen: set[str] = set()
    external: set[str] = set()
    for page in PAGES:
        doc = lxml.html.fromstring(await get_text(client, page))
        refs = [el.get("href") for el in doc.iter("a", "link")]
        refs += [el.get("src") for el in doc.iter("img", "script")]
        refs += [el.get("data-src") for el in doc.iter("img")]
        for img in doc.iter("img"):
            refs += [c.split()[0] for c in (img.get("srcset") or "").split(",") if c.strip()]
        for ref in refs:
            if not ref or ref.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            url = urlsplit(urljoin("http://demo.test" + page, ref))
            if url.netloc != "demo.test":
                external.add(url.netloc)
                continue
            seen.add(url.path + (f"?{url.query}" if url.query else ""))
    css = await get_text(client, "/static/css/site.css")
    for ref in re.findall(r"url\(\"?([^\")]+)\"?\)", css):
        seen.add(urlsplit(urljoin("http://demo.test/static/css/site.css", ref)).path)
    assert external == {"www.example.org", "social.example.net"}
    for path in sorted(seen - {"/static/fonts/demo-sans.ttf"}):
        resp = await client.get(path)
        assert resp.status == 200, path


def test_site_stays_small() -> None:
    files = [f for f in SITE_DIR.rglob("*") if f.is_file()]
    assert sum(f.stat().st_size for f in files) < 300_000
    for image in SITE_DIR.glob("static/img/*"):
        assert image.stat().st_size < 20_000, image
        if image.suffix == ".png":
            assert image.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert not list(SITE_DIR.rglob("*.ttf"))
