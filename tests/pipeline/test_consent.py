"""Consent banners are left out of the mirror: known managers and the generic pattern.

The markup below is written for these tests in the shape each consent
manager's banner has on real sites (containers, roles, buttons); it is not
copied from any vendor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from cobrowse.pipeline import NO_RULES, build_page

from .helpers import PAGE_URL, assert_safe, body_html

_PAGE = (
    "<!DOCTYPE html><html><body><header><a href='/'>Ministerium</a></header>"
    "<main><h1>Wohngeld</h1><p>Wohngeld ist ein Zuschuss zur Miete.</p></main>{banner}"
    "<footer><a href='/impressum'>Impressum</a></footer></body></html>"
)

VENDORS = [
    pytest.param(
        "usercentrics",
        '<div id="usercentrics-root" data-testid="uc-app-container"></div>'
        '<aside id="usercentrics-cmp-ui" aria-label="Einwilligungsverwaltung"></aside>',
        2,
        id="usercentrics",
    ),
    pytest.param(
        "cookiebot",
        '<div id="CybotCookiebotDialog" role="dialog" aria-modal="true" lang="de"'
        ' class="CybotCookiebotDialogActive" style="display:flex">'
        '<div class="CybotCookiebotDialogContentWrapper"><h2>Diese Webseite verwendet Cookies</h2>'
        "<div><p>Wir verwenden Cookies, um Inhalte zu personalisieren und Zugriffe zu "
        "analysieren.</p></div><div><button id='CybotCookiebotDialogBodyButtonDecline'>Ablehnen"
        "</button><button>Auswahl erlauben</button><button>Alle zulassen</button></div>"
        "</div></div><div id='CybotCookiebotDialogBodyUnderlay'></div>",
        2,
        id="cookiebot",
    ),
    pytest.param(
        "onetrust",
        '<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter ot-hide ot-fade-in">'
        '</div><div id="onetrust-banner-sdk" class="otFlat" tabindex="0" role="region"'
        ' aria-label="Cookie-Banner"><div class="ot-sdk-container"><p id="onetrust-policy-text">'
        "Wenn Sie „Alle Cookies akzeptieren“ wählen, stimmen Sie der Speicherung zu.</p>"
        '<button id="onetrust-reject-all-handler">Alle ablehnen</button>'
        '<button id="onetrust-accept-btn-handler">Alle Cookies akzeptieren</button></div></div>'
        '<div id="onetrust-pc-sdk" class="otPcCenter ot-hide" role="dialog"'
        ' aria-modal="true"><h2>Datenschutz-Präferenz-Center</h2></div></div>'
        '<button id="ot-sdk-btn-floating" class="ot-floating-button">Cookie-Einstellungen</button>',
        2,
        id="onetrust",
    ),
    pytest.param(
        "borlabs",
        '<div data-nosnippet data-borlabs-cookie-consent-required="true" id="BorlabsCookieBox"'
        ' class="BorlabsCookie" role="dialog" aria-modal="true"><div class="bottom-center"'
        ' style="display: none;"><div class="_brlbs-bar-wrap"><div class="_brlbs-bar">'
        '<p class="_brlbs-flex-center">Wir nutzen Cookies auf unserer Website. Einige von ihnen'
        " sind essenziell, während andere uns helfen, diese Website zu verbessern.</p>"
        '<p class="_brlbs-accept"><a href="#" class="_brlbs-btn _brlbs-btn-accept-all"'
        ' data-cookie-accept-all>Alle akzeptieren</a></p><p class="_brlbs-refuse-btn"><a href="#"'
        " data-cookie-refuse>Nur essenzielle Cookies akzeptieren</a></p></div></div></div></div>"
        '<div id="BorlabsCookieWidget" class="brlbs-cmpnt-container"></div>',
        2,
        id="borlabs",
    ),
    pytest.param(
        "consentmanager",
        '<div id="cmpbox" class="cmpbox cmpstyleroot cmpBoxPositionBottom" role="dialog"'
        ' aria-modal="true" tabindex="0"><div class="cmpboxinner"><div class="cmpboxtxt">'
        "Wir und unsere Partner verarbeiten Daten mit Ihrer Einwilligung.</div>"
        '<div class="cmpboxbtns"><a class="cmpboxbtn cmpboxbtnyes" role="button" tabindex="0">'
        'Akzeptieren und weiter</a><a class="cmpboxbtn cmpboxbtnno" role="button">Ablehnen</a>'
        '</div></div></div><div id="cmpbox2" class="cmpbox2"></div><div class="cmpboxBG"></div>',
        3,
        id="consentmanager",
    ),
    pytest.param(
        "klaro",
        '<div id="klaro"><div class="klaro"><div class="cookie-notice" role="dialog"'
        ' aria-labelledby="id-cookie-title"><div class="cn-body"><h2 id="id-cookie-title">'
        "Datenschutzeinstellungen</h2><p>Hallo! Könnten wir bitte einige zusätzliche Dienste für"
        " Statistik aktivieren? Sie können Ihre Zustimmung später jederzeit ändern.</p>"
        '<div class="cn-ok"><a class="cm-link cn-learn-more" href="#">Lassen Sie mich wählen'
        '</a><div class="cn-buttons"><button class="cm-btn cm-btn-danger cn-decline"'
        ' type="button">Ich lehne ab</button><button class="cm-btn cm-btn-success"'
        ' type="button">Das ist ok</button></div></div></div></div></div></div>',
        1,
        id="klaro",
    ),
    pytest.param(
        "ccm19",
        '<div id="ccm-widget" class="ccm-root ccm-widget ccm--is-visible" role="dialog"'
        ' aria-modal="true" data-ccm-modal-type="widget"><div class="ccm-modal-inner">'
        '<div class="ccm-modal--header"><h2 class="ccm-widget--title">Datenschutzeinstellungen'
        '</h2></div><div class="ccm-modal--body"><div class="ccm-widget--text">Wir nutzen auf'
        " unserer Website Cookies und ähnliche Technologien.</div></div>"
        '<div class="ccm-modal--footer ccm-widget--buttons"><button type="button"'
        ' class="ccm--decline-cookies">Nur technisch notwendige</button><button type="button"'
        ' class="ccm--save-settings" data-full-consent="true">Alle akzeptieren</button></div>'
        "</div></div>",
        1,
        id="ccm19",
    ),
]

GENERIC = [
    pytest.param(
        '<div class="cookie-banner" id="cookie-banner" role="dialog" aria-labelledby="t">'
        '<div class="cookie-banner__inner"><h2 id="t">Cookies auf dieser Website</h2>'
        "<p>Wir verwenden technisch notwendige Cookies. Mit Ihrer Zustimmung nutzen wir "
        'zusätzlich Cookies zur Reichweitenmessung.</p><div class="aktionen">'
        '<button type="button" class="btn btn-primary">Alle akzeptieren</button>'
        '<button type="button" class="btn">Nur notwendige</button></div></div></div>',
        id="dialog-german",
    ),
    pytest.param(
        '<div style="position: fixed; bottom: 0; left: 0; right: 0">Diese Website verwendet '
        'Cookies. <a href="/datenschutz">Mehr erfahren</a> <a href="#" class="btn">'
        "Einverstanden</a></div>",
        id="fixed-by-style",
    ),
    pytest.param(
        "<dialog open><p>We use cookies to improve your experience.</p><form method=dialog>"
        "<button value=all>Accept all cookies</button><button value=none>Reject</button>"
        "</form></dialog>",
        id="dialog-element-english",
    ),
    pytest.param(
        '<section class="c-consent-layer"><h2>Ihre Privatsphäre</h2><p>Wir möchten mit Ihrer '
        "Einwilligung Statistik-Cookies setzen.</p><form action='/consent' method='post'>"
        "<input type='submit' name='all' value='Zustimmen'>"
        "<input type='submit' name='none' value='Nur erforderliche Cookies'></form></section>"
        '<div class="cookie-overlay"></div>',
        id="named-section-with-backdrop",
    ),
]


def _build(banner: str, rules: object = None) -> tuple[str, Counter[str]]:
    body = _PAGE.format(banner=banner).encode()
    asked: list[str] = []

    def resource_url(url: str, kind: str) -> str:
        asked.append(url)
        return "/r/" + kind

    page = build_page(body, None, PAGE_URL, resource_url, rules)  # type: ignore[arg-type]
    assert_safe(page.tree)
    return body_html(page), page.removed


def _page_survives(out: str) -> None:
    assert "Wohngeld ist ein Zuschuss zur Miete." in out
    assert "Ministerium" in out and "Impressum" in out


@pytest.mark.parametrize(("vendor", "banner", "count"), VENDORS)
def test_known_consent_managers_are_removed(vendor: str, banner: str, count: int) -> None:
    out, removed = _build(banner)
    _page_survives(out)
    for word in ("ookie", "akzeptier", "Ablehnen", "Einwilligung", "Zustimmung", "uc-app"):
        assert word not in out
    assert removed["element:consent-" + vendor] == count


@pytest.mark.parametrize("banner", GENERIC)
def test_generic_cookie_dialogs_are_removed(banner: str) -> None:
    out, removed = _build(banner)
    _page_survives(out)
    assert "ookie" not in out and "Einwillig" not in out and "Einverstanden" not in out
    assert removed["element:consent-banner"] == 1


def test_the_switch_turns_it_off() -> None:
    rules = replace(NO_RULES, remove_consent_banners=False)
    banner = GENERIC[0].values[0]
    out, removed = _build(str(banner), rules)
    assert "Alle akzeptieren" in out
    assert not any(key.startswith("element:consent") for key in removed)


def test_nothing_of_a_banner_is_fetched() -> None:
    """Nothing is clicked or loaded for a banner: its logo is never asked for."""
    banner = (
        '<div id="CybotCookiebotDialog" role="dialog"><img src="/cookiebot-logo.svg" alt="">'
        "<p>Cookies</p><button>Alle zulassen</button></div>"
    )
    body = _PAGE.format(banner=banner).encode()
    asked: list[str] = []
    build_page(body, None, PAGE_URL, lambda url, kind: asked.append(url) or "/r/x")
    assert not any("cookiebot" in url for url in asked)


KEPT = [
    pytest.param(
        # A privacy page's own cookie settings are page content.
        '<main><h1>Datenschutz</h1><section id="cookie-einstellungen" class="cookie-settings">'
        "<h2>Cookie-Einstellungen</h2><p>Hier ändern Sie Ihre Einwilligung.</p>"
        "<button>Auswahl speichern</button><button>Alle akzeptieren</button></section></main>",
        "Cookie-Einstellungen",
        id="settings-on-the-privacy-page",
    ),
    pytest.param(
        # A wrapper around the whole page (and the banner) is not the banner.
        '<div class="cookie-consent-wrapper"><main><h1>Start</h1><p>Text</p></main>'
        '<div class="cookie-notice" role="dialog"><p>Wir nutzen Cookies.</p>'
        "<button>OK, akzeptieren</button></div></div>",
        "Start",
        id="page-wrapper",
    ),
    pytest.param(
        '<div role="dialog" aria-modal="true"><h2>Newsletter</h2><p>Jetzt anmelden!</p>'
        "<button>Anmelden</button></div>",
        "Newsletter",
        id="other-dialog",
    ),
    pytest.param(
        '<div role="dialog"><p>Was sind Cookies? Kleine Textdateien.</p>'
        "<button>Schließen</button></div>",
        "Was sind Cookies?",
        id="cookie-text-without-a-choice",
    ),
    pytest.param(
        '<main><div class="BorlabsCookie _brlbs-cb-youtube"><div class="_brlbs-content-blocker">'
        "<p>Mit dem Laden des Videos akzeptieren Sie die Datenschutzerklärung von YouTube und "
        'Cookies von YouTube.</p><a class="_brlbs-btn" href="#" role="button">Video laden</a>'
        "</div></div></main>",
        "Video laden",
        id="borlabs-content-blocker-in-the-content",
    ),
    pytest.param('<p class="klaro">Alles klaro, bis morgen!</p>', "Alles klaro", id="klaro-word"),
]


@pytest.mark.parametrize(("html", "kept"), KEPT)
def test_what_only_looks_like_a_banner_stays(html: str, kept: str) -> None:
    body = f"<!DOCTYPE html><html><body>{html}</body></html>".encode()
    page = build_page(body, None, PAGE_URL, lambda url, kind: "/r/x")
    assert kept in body_html(page)


def test_inside_a_page_wrapper_only_the_banner_goes() -> None:
    html = str(KEPT[1].values[0])
    page = build_page(html.encode(), None, PAGE_URL, lambda url, kind: "/r/x")
    out = body_html(page)
    assert "Start" in out and "Wir nutzen Cookies" not in out
