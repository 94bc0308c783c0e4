"""The citizen's pages: the consent notice on the landing page, the end
screen's next step, Leichte Sprache and the accessibility statement; the
mirror's waiting text; coming back to one's session (rejoin)."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.config import Advisor, Config, SiteConfig
from cobrowse.keys import STORE
from cobrowse.web_security import PARTICIPANT_COOKIE
from tests.relay_client import (
    HASH,
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    end_session,
    new_session,
    post_form,
    relay_config,
)


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


async def _landing_page(aiohttp_client: ClientFactory, config: Config) -> str:
    client = await aiohttp_client(make_app(config))
    response = await client.get("/")
    assert response.status == 200
    return await response.text()


async def test_the_consent_notice_is_read_before_the_one_button(
    aiohttp_client: ClientFactory,
) -> None:
    """„Los geht's“ both joins and agrees: the notice sits between the code
    field and the button, and the button names it as its description."""
    page = await _landing_page(aiohttp_client, _config())
    consent = page.index('id="consent"')
    assert page.index('id="code"') < consent < page.index('type="submit"')
    notice = page[consent : page.index("</section>", consent)]
    for text in (
        "sieht nur diese gemeinsame Seite",
        "anderen Fenster",
        "nichts installieren",
        '<a href="/datenschutz">',
    ):
        assert text in notice, text
    agree = page.index('<p class="agree" id="join-agree">Mit „Los geht')
    assert "sind Sie damit einverstanden" in page[agree : page.index("</p>", agree)]
    assert '<button type="submit" class="primary" aria-describedby="join-agree">' in page


async def test_the_session_view_asks_nothing_more(aiohttp_client: ClientFactory) -> None:
    """After „Los geht's“ the view starts at once: no second notice, nothing hidden for it."""
    page = await _session_page(aiohttp_client, _config())
    assert 'id="consent"' not in page
    assert '<div id="view" class="citizen-view">' in page
    assert '<div id="session-bar" class="session-bar">' in page


async def test_the_operator_writes_the_consent_text(aiohttp_client: ClientFactory) -> None:
    config = _config(consent="Wir zeigen Ihnen nur Seiten des Amtes.\n\n<b>fett</b>")
    page = await _landing_page(aiohttp_client, config)
    assert "<p>Wir zeigen Ihnen nur Seiten des Amtes.</p>" in page
    assert "&lt;b&gt;fett&lt;/b&gt;" in page and "<b>fett" not in page
    assert "anderen Fenster" not in page  # replaced, not added
    assert '<a href="/datenschutz">' in page and "sind Sie damit einverstanden" in page


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


async def test_the_mirror_waiting_text_speaks_to_whoever_sees_it(
    aiohttp_client: ClientFactory,
) -> None:
    client = await aiohttp_client(make_app(Config()))
    citizen = await (await client.get("/spiegel")).text()
    assert "Ihre Beraterin oder Ihr Berater öffnet" in citizen
    advisor = await (await client.get("/spiegel?fuer=berater")).text()
    assert "sobald Sie eine Adresse öffnen" in advisor
    assert "Ihre Beraterin" not in advisor
    # anything else is the citizen's text, never an echo of the query
    other = await (await client.get("/spiegel?fuer=%3Cb%3E")).text()
    assert other == citizen and "<b>" not in other


async def test_the_same_browser_re_entering_the_code_is_the_same_participant(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo, join_policy="open")))
    store = relay.app[STORE]
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    citizen = await citizen_client(relay, aiohttp_client, session["code"])
    [(sid, person)] = [
        (s.id, p)
        for s in store.sessions.values()
        for p in s.participants.values()
        if p.role == "citizen"
    ]
    phrase = person.phrase
    landing = await (await citizen.get("/")).text()
    assert "Zurück zu Ihrer Sitzung" in landing and 'href="/sitzung"' in landing
    # the code again, spaced as read out: back in, no new person, no new words
    again = await post_form(
        citizen,
        "/",
        {"code": f"{session['code'][:3]} {session['code'][3:]}"},
        allow_redirects=False,
    )
    assert again.status == 303 and again.headers["Location"] == "/sitzung"
    everyone = store.sessions[sid].participants
    assert len(everyone) == 2 and everyone[person.id].phrase == phrase
    # another code with the same cookie is an ordinary join attempt
    wrong = await post_form(citizen, "/", {"code": "000000"}, allow_redirects=False)
    assert wrong.status == 404 and len(everyone) == 2
    # another browser with the same code is somebody else
    await citizen_client(relay, aiohttp_client, session["code"])
    assert len(everyone) == 3


async def test_no_way_back_without_a_valid_cookie(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo, join_policy="open")))
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    forged = await aiohttp_client(relay)
    forged.session.cookie_jar.update_cookies({PARTICIPANT_COOKIE: "erfunden"})
    assert "Zurück zu Ihrer Sitzung" not in await (await forged.get("/")).text()
    citizen = await citizen_client(relay, aiohttp_client, session["code"])
    ws = await connect(adv, f"/ws?session={session['session']}")
    await end_session(ws)
    assert "Zurück zu Ihrer Sitzung" not in await (await citizen.get("/")).text()
