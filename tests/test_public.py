"""The citizen's pages: the consent notice before the shared view, the end
screen's next step, Leichte Sprache and the accessibility statement."""

from __future__ import annotations

import re

from cobrowse.app import make_app
from cobrowse.config import Advisor, Config, SiteConfig
from tests.relay_client import HASH, ClientFactory, advisor_client, citizen_client, new_session


def _config(**site: str) -> Config:
    return Config(advisors=(Advisor("berater", HASH),), site=SiteConfig(**site), confirm_join=False)


async def _session_page(aiohttp_client: ClientFactory, config: Config) -> str:
    relay = (await aiohttp_client(make_app(config))).server
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    citizen = await citizen_client(relay, aiohttp_client, session["code"])
    response = await citizen.get("/sitzung")
    assert response.status == 200
    return await response.text()


async def test_the_consent_notice_comes_before_the_view(aiohttp_client: ClientFactory) -> None:
    page = await _session_page(aiohttp_client, _config())
    consent = page.index('id="consent"')
    assert consent < page.index('id="view"') and consent < page.index('id="waiting"')
    assert re.search(r'<div id="view" class="citizen-view" hidden>', page)  # until confirmed
    assert re.search(r'<div id="session-bar" class="session-bar" hidden>', page)
    notice = page[consent : page.index("</section>", consent)]
    for text in (
        "sieht nur diese gemeinsame Seite",
        "anderen Fenster",
        "nichts installieren",
        "Einverstanden – weiter",
        '<a href="/datenschutz">',
    ):
        assert text in notice, text
    assert re.search(r'data-participant="[\w-]{6,}"', notice)


async def test_the_operator_writes_the_consent_text(aiohttp_client: ClientFactory) -> None:
    config = _config(consent="Wir zeigen Ihnen nur Seiten des Amtes.\n\n<b>fett</b>")
    page = await _session_page(aiohttp_client, config)
    assert "<p>Wir zeigen Ihnen nur Seiten des Amtes.</p>" in page
    assert "&lt;b&gt;fett&lt;/b&gt;" in page and "<b>fett" not in page
    assert "anderen Fenster" not in page  # replaced, not added
    assert '<a href="/datenschutz">' in page and "Einverstanden – weiter" in page


async def test_the_end_screen_offers_the_hotline_when_configured(
    aiohttp_client: ClientFactory,
) -> None:
    plain = await _session_page(aiohttp_client, _config())
    assert 'data-testid="to-home"' in plain and "wieder bei uns an" in plain
    assert "tel:" not in plain
    page = await _session_page(aiohttp_client, _config(hotline="+49 (30) 1234-0"))
    assert '<a class="hotline" href="tel:+493012340">+49 (30) 1234-0</a>' in page


async def test_easy_language_and_statement_name_the_hotline(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(make_app(_config(hotline="030 1234-0")))
    easy = await (await client.get("/leichte-sprache")).text()
    assert 'href="tel:03012340"' in easy and "Rufen Sie uns an." in easy
    english = await (await client.get("/leichte-sprache?lang=en")).text()
    assert "<h1>Easy read</h1>" in english and "Call us." in english
    statement = await (await client.get("/barrierefreiheit?lang=en")).text()
    assert "<h1>Accessibility statement</h1>" in statement and "This is a placeholder" in statement
