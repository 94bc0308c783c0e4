"""A ministry site looks right in the mirror without hand-written rules (real Chromium).

The demo site has what real sites have: a consent banner fixed at the bottom,
a ``<noscript>`` „JavaScript ist ausgeschaltet“ warning, a blur-up hero image
whose real address waits in ``data-src``/``data-srcset``, a lazy map on the
contact page and link icons chosen by CSS from the link's address
(``a[href$=".pdf"]``). The relay runs with no ``[[rules]]`` at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Frame, expect

from bench.harness.procs import Server
from tests.e2e.conftest import OPEN_JOIN, configured_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate, wait_until

CONFIG = OPEN_JOIN


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def _natural_width(frame: Frame, selector: str) -> int:
    width: int = frame.locator(selector).evaluate("img => img.complete ? img.naturalWidth : 0")
    return width


def test_no_banner_no_javascript_warning_and_the_real_images(
    browser: Browser, relay: Server
) -> None:
    advisor, code = advisor_login(
        browser.new_context(viewport={"width": 1280, "height": 800}), relay
    )
    citizen = citizen_join(browser.new_context(viewport={"width": 390, "height": 844}), relay, code)
    navigate(advisor, relay.demo + "/")
    for page in (advisor, citizen):
        frame = mirror(page)
        expect(frame.locator("h1")).to_have_text(
            "Willkommen beim Bundesministerium für Bürgerdienste"
        )
        expect(frame.get_by_text("Cookies auf dieser Website")).to_have_count(0)
        expect(frame.get_by_role("button", name="Nur notwendige")).to_have_count(0)
        expect(frame.get_by_text("JavaScript ist in Ihrem Browser ausgeschaltet")).to_have_count(0)
        # The blur-up hero shows the real image (hundreds of pixels wide), not the 24 px
        # placeholder.
        wait_until(lambda f=frame: _natural_width(f, "img.blur-up") > 300, "hero not loaded")

    # CSS that picks the icon by the link's address still matches.
    pdf = mirror(citizen).get_by_role("link", name="Merkblatt Rente (PDF, 2 KB)")
    icon = pdf.evaluate("a => getComputedStyle(a).backgroundImage")
    assert icon.startswith('url("') and "/r/" in icon
    assert pdf.get_attribute("href") == "/link"

    # The contact page's lazy map (placeholder.svg in src) shows the map.
    navigate(advisor, relay.demo + "/service/kontakt.html")
    frame = mirror(citizen)
    expect(frame.locator("h1")).to_have_text("Kontakt")
    wait_until(lambda: _natural_width(frame, "img.lazy") == 640, "lazy map not loaded")

    # The blocked POST form: its fields are not announced as disabled, the send button is.
    form = frame.locator("form.formular")
    assert form.get_attribute("aria-disabled") is None
    expect(form.get_by_role("textbox").first).to_be_enabled()
    send = form.get_by_role("button", name="Nachricht senden")
    expect(send).to_be_disabled()
    assert "gesperrt" in (send.get_attribute("title") or "")
