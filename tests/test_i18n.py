"""Message catalogues and the language choice (German default, English by switch)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cobrowse.app import make_app
from cobrowse.config import Config, SiteConfig, load_config
from cobrowse.i18n import CATALOGUES, LANG_COOKIE, choose_language, placeholders, translator
from cobrowse.i18n_catalogue import DE, EN
from tests.public_pages import PUBLIC_PAGES
from tests.relay_client import ClientFactory, post_form

TEMPLATES = Path(__file__).parent.parent / "cobrowse" / "templates"
CLIENT_I18N = Path(__file__).parent.parent / "client_js" / "i18n.js"

_ENTRY = re.compile(r'    (\w+): ("(?:[^"\\]|\\.)*"),')
GERMAN_LABELS = ["Zugangscode", "Los geht", "Startseite", "Hilfe", "Impressum", "Datenschutz"]


def _client_catalogues() -> dict[str, dict[str, str]]:
    """The ``de`` and ``en`` objects of client_js/i18n.js (one ``id: "text",`` per line)."""
    result: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in CLIENT_I18N.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"  (de|en): \{", line):
            current = result.setdefault(match.group(1), {})
        elif current is not None and (
            entry := re.fullmatch(r'    (\w+): ("(?:[^"\\]|\\.)*"),', line)
        ):
            current[entry.group(1)] = json.loads(entry.group(2))
        elif line.startswith("  }"):
            current = None
    return result


def test_every_key_in_both_languages_with_the_same_placeholders() -> None:
    assert DE.keys() == EN.keys()
    for key in DE:
        assert EN[key].strip() and DE[key].strip(), key
        assert placeholders(DE[key]) == placeholders(EN[key]), key


def test_client_catalogue_complete_and_matches_the_server_notices() -> None:
    client = _client_catalogues()
    assert client["de"].keys() == client["en"].keys() and len(client["de"]) > 40
    for key, text in client["de"].items():
        assert placeholders(text) == placeholders(client["en"][key]), key
    for key in (k for k in DE if k.startswith(("notice_", "removed_", "role_", "close_"))):
        assert client["de"][key] == DE[key] and client["en"][key] == EN[key], key


def test_every_template_placeholder_is_in_the_catalogue() -> None:
    for template in TEMPLATES.glob("*.html"):
        for key in re.findall(r"\$\{?t_(\w+)", template.read_text(encoding="utf-8")):
            assert key in DE, f"{template.name}: {key}"


def test_translator_fills_parameters_and_falls_back() -> None:
    assert translator("en")("notice_confirm_wrong", n=2).startswith("The words do not match. 2")
    assert translator("de")("notice_confirm_wrong", n=1).startswith(
        "Die Wörter stimmen nicht. Noch 1"
    )
    assert translator("fr")("code_label") == "Zugangscode"
    assert translator("en")("no_such_key") == "no_such_key"


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "negotiate", "expected"),
    [
        (None, None, "en-US,en;q=0.9", False, "de"),  # German for everyone by default
        (None, None, "en-US,en;q=0.9", True, "en"),
        (None, None, "de-DE,en;q=0.5", True, "de"),
        (None, None, "fr, en;q=0.3", True, "en"),
        (None, None, "en;q=0, de;q=0.1", True, "de"),
        (None, None, "fr", True, "de"),
        (None, None, "en;q=bogus", True, "de"),
        (None, "en", "", False, "en"),
        ("de", "en", "en", True, "de"),  # the switch wins over cookie and header
        ("xx", "en", "", False, "en"),  # an unknown value is ignored
        (None, "<script>", "", False, "de"),
    ],
)
def test_choose_language(
    query: str | None, cookie: str | None, accept: str, negotiate: bool, expected: str
) -> None:
    assert choose_language(query, cookie, accept, negotiate) == expected


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_german_by_default_even_for_english_browsers(
    aiohttp_client: ClientFactory, path: str
) -> None:
    client = await aiohttp_client(make_app(Config()))
    response = await client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
    page = await response.text()
    assert '<html lang="de">' in page
    assert 'href="?lang=en" lang="en" hreflang="en">English</a>' in page
    assert "Skip to content" not in page and "Zum Inhalt springen" in page
    assert LANG_COOKIE not in response.cookies


async def test_german_pages_keep_their_labels(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(make_app(Config()))
    landing = await (await client.get("/")).text()
    for label in GERMAN_LABELS:
        assert label in landing
    login = await (await client.get("/berater")).text()
    assert "Benutzername" in login and "Passwort" in login and ">Anmelden<" in login


@pytest.mark.parametrize("path", PUBLIC_PAGES)
async def test_lang_en_renders_english_and_sets_the_cookie(
    aiohttp_client: ClientFactory, path: str
) -> None:
    client = await aiohttp_client(make_app(Config()))
    response = await client.get(path, params={"lang": "en"})
    page = await response.text()
    assert '<html lang="en">' in page and "Skip to content" in page
    assert 'lang="de" hreflang="de">Deutsch</a>' in page
    assert "Zum Inhalt springen" not in page and "Startseite" not in page
    morsel = response.cookies[LANG_COOKIE]
    assert morsel.value == "en" and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert int(morsel["max-age"]) > 30 * 24 * 3600
    # remembered: the next request without ?lang stays English
    again = await (await client.get(path)).text()
    assert '<html lang="en">' in again


async def test_english_landing_and_prose_pages(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(make_app(Config()))
    landing = await (await client.get("/?lang=en")).text()
    assert "Access code" in landing and "Let&#x27;s go" in landing
    assert "Zugangscode" not in landing
    help_page = await (await client.get("/hilfe")).text()
    assert "<h1>Help</h1>" in help_page and "Ist das sicher" not in help_page
    imprint = await (await client.get("/impressum")).text()
    assert "This is a placeholder" in imprint and "Platzhalter. Der Betreiber" not in imprint
    privacy = await (await client.get("/datenschutz")).text()
    assert "<h1>Privacy</h1>" in privacy and "Welche Daten" not in privacy
    mirror = await (await client.get("/spiegel")).text()
    assert '<html lang="en">' in mirror and "Please wait" in mirror


async def test_switch_back_to_german(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(make_app(Config()))
    await client.get("/?lang=en")
    response = await client.get("/hilfe?lang=de")
    assert '<html lang="de">' in await response.text()
    assert response.cookies[LANG_COOKIE].value == "de"


async def test_join_errors_in_the_chosen_language(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(make_app(Config()))
    await client.get("/?lang=en")
    response = await post_form(client, "/", {"code": "12"})
    page = await response.text()
    assert response.status == 400 and "The access code has six digits" in page
    german = await aiohttp_client(make_app(Config()))
    response = await post_form(german, "/", {"code": "12"})
    assert "Der Zugangscode besteht aus sechs Ziffern" in await response.text()


async def test_negotiate_language_uses_accept_language(aiohttp_client: ClientFactory) -> None:
    config = Config(site=SiteConfig(negotiate_language=True))
    client = await aiohttp_client(make_app(config))
    english = await (await client.get("/", headers={"Accept-Language": "en-GB,en"})).text()
    assert '<html lang="en">' in english and "Access code" in english
    german = await (await client.get("/", headers={"Accept-Language": "de-DE"})).text()
    assert '<html lang="de">' in german and "Zugangscode" in german
    chosen = await (await client.get("/?lang=de", headers={"Accept-Language": "en"})).text()
    assert '<html lang="de">' in chosen


STEERING = ['/x"><script>alert(1)</script>', "/\\evil", "/?lang=%22%3E%3Cscript%3Ealert(1)"]


@pytest.mark.parametrize("path", STEERING)
async def test_language_switch_cannot_be_steered(aiohttp_client: ClientFactory, path: str) -> None:
    client = await aiohttp_client(make_app(Config()))
    page = await (await client.get(path)).text()
    assert "<script>alert(1)" not in page and "evil" not in page
    assert 'class="lang-switch" href="?lang=en"' in page


def test_negotiate_language_in_config(tmp_path: Path) -> None:
    path = tmp_path / "relay.toml"
    path.write_text("[site]\nnegotiate_language = true\n", encoding="utf-8")
    assert load_config(path).site.negotiate_language is True
    assert Config().site.negotiate_language is False
    example = (Path(__file__).parent.parent / "config.example.toml").read_text(encoding="utf-8")
    assert "negotiate_language = false" in example


def test_catalogues_cover_both_languages() -> None:
    assert set(CATALOGUES) == {"de", "en"}
