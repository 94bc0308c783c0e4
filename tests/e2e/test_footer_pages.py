"""The public-sector pages in real Chromium: every relay page's footer leads to
Leichte Sprache and the Erklärung zur Barrierefreiheit (BITV 2.0 §4, BGG §12b)
beside Startseite, Hilfe, Impressum and Datenschutz; both pages show what the
operator configured in ``[site]`` (or marked placeholders), pass axe, and the
footer stays usable on a 390 × 844 phone and at 200 % zoom."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.procs import Server, start_relay
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join
from tests.e2e.test_accessibility import assert_accessible, context, overflow
from tests.public_pages import PUBLIC_PAGES

FOOTER = [
    ("Startseite", "/"),
    ("Hilfe", "/hilfe"),
    ("Leichte Sprache", "/leichte-sprache"),
    ("Barrierefreiheit", "/barrierefreiheit"),
    ("Impressum", "/impressum"),
    ("Datenschutz", "/datenschutz"),
]

PHONE = {"width": 390, "height": 844}
ZOOM_200 = {"width": 640, "height": 400}
CONFIG = """
[sessions]
confirm_join = false
[site]
operator = "Bürgertelefon des Beispielamts"
hotline = "030 1234-5678"
accessibility = \"\"\"
## Stand der Vereinbarkeit mit den Anforderungen
Diese Seiten sind weitgehend mit der BITV 2.0 vereinbar.

## Schlichtungsverfahren
Schlichtungsstelle nach § 16 BGG, www.schlichtungsstelle-bgg.de
\"\"\"
accessibility_contact = \"\"\"
E-Mail: barrierefreiheit@beispielamt.example
Telefon: 030 1234-9999
\"\"\"
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def footer_links(page: Page) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = page.locator("footer.site-footer a").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    return [(name, href) for name, href in links]


def test_every_relay_page_has_the_whole_footer(browser: Browser, relay: Server) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    for path in PUBLIC_PAGES:
        page.goto(relay.base + path)
        assert footer_links(page) == FOOTER, path
    # the citizen's session page too, and the console
    advisor, code = advisor_login(ctx, relay)
    citizen = citizen_join(browser.new_context(), relay, code)
    for where in (citizen, advisor):
        assert footer_links(where) == FOOTER
    citizen.context.close()
    ctx.close()


def test_the_footer_leads_to_both_pages_with_the_operators_texts(
    browser: Browser, relay: Server
) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    page.goto(relay.base + "/hilfe")
    footer = page.locator("footer.site-footer")
    footer.get_by_role("link", name="Barrierefreiheit").click()
    expect(page).to_have_url(relay.base + "/barrierefreiheit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erklärung zur Barrierefreiheit")
    main = page.locator("main")
    expect(main).to_contain_text("Bürgertelefon des Beispielamts")
    expect(main).to_contain_text("weitgehend mit der BITV 2.0 vereinbar")
    expect(page.get_by_role("heading", name="Feedback und Kontakt")).to_be_visible()
    expect(main).to_contain_text("barrierefreiheit@beispielamt.example")
    expect(main).to_contain_text("Welche Inhalte nicht barrierefrei sind")
    expect(main.locator(".placeholder-note")).to_have_count(0)  # everything configured
    assert_accessible(page, "the accessibility statement")

    footer.get_by_role("link", name="Leichte Sprache").click()
    expect(page).to_have_url(relay.base + "/leichte-sprache")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leichte Sprache")
    for heading in ("Was ist der Web-Begleiter?", "So geht es", "Wie höre ich auf?"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    call = page.get_by_role("link", name="030 1234-5678")
    expect(call).to_have_attribute("href", "tel:03012345678")
    assert_accessible(page, "Leichte Sprache")
    ctx.close()


def test_unset_texts_are_marked_placeholders(browser: Browser) -> None:
    """The demo relay without a config: the operator's parts are visibly placeholders."""
    with start_relay() as relay:
        ctx = context(browser)
        page = ctx.new_page()
        page.goto(relay.base + "/barrierefreiheit")
        expect(page.locator("main .placeholder-note")).to_have_count(2)
        expect(page.locator("main")).to_contain_text("Schlichtungsstelle")
        assert_accessible(page, "the statement with placeholders")
        ctx.close()


@pytest.mark.parametrize(("viewport", "label"), [(PHONE, "phone"), (ZOOM_200, "200 % zoom")])
def test_the_footer_is_usable_on_a_phone_and_zoomed(
    browser: Browser, relay: Server, viewport: dict[str, int], label: str
) -> None:
    ctx = browser.new_context(viewport=viewport, device_scale_factor=2, has_touch=True)
    page = ctx.new_page()
    for path in ("/", "/leichte-sprache", "/barrierefreiheit"):
        page.goto(relay.base + path)
        assert overflow(page) == [], f"{path} scrolls sideways ({label})"
        boxes = []
        for name, _ in FOOTER:
            link = page.locator("footer.site-footer").get_by_role("link", name=name, exact=True)
            link.scroll_into_view_if_needed()
            expect(link).to_be_in_viewport()
            box = link.bounding_box()
            assert box is not None and box["height"] >= 44, f"{name} too small to tap ({label})"
            boxes.append(box)
        for i, a in enumerate(boxes):  # no two targets overlap
            for b in boxes[i + 1 :]:
                apart = (
                    a["x"] + a["width"] <= b["x"]
                    or b["x"] + b["width"] <= a["x"]
                    or a["y"] + a["height"] <= b["y"]
                    or b["y"] + b["height"] <= a["y"]
                )
                assert apart, f"footer links overlap ({label})"
    page.locator("footer.site-footer").get_by_role("link", name="Leichte Sprache").tap()
    expect(page).to_have_url(relay.base + "/leichte-sprache")
    ctx.close()
