"""``[[rules.widgets]]``: a site's own class-toggled widgets (no ARIA markup) work in
the mirror. The relay runs with a config file naming the demo page's burger-style
button and accordion; the advisor clicks them and the citizen sees them open and
close (real Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate

CONFIG = """
[sessions]
confirm_join = false
join_policy = "open"

[[rules]]
host = "127.0.0.1"
  [[rules.widgets]]
  trigger = ".standorte-toggle"
  target = "#standorte-liste"
  toggle_class = "is-open"

  [[rules.widgets]]
  trigger = ".zeiten-kopf"
  target = "next"
  toggle_class = "open"
  trigger_class = "aktiv"
  group = true
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def test_advisor_opens_class_toggled_menu_and_accordion_for_the_citizen(
    browser: Browser, relay: Server
) -> None:
    advisor, code = advisor_login(
        browser.new_context(viewport={"width": 1280, "height": 800}), relay
    )
    citizen = citizen_join(browser.new_context(viewport={"width": 390, "height": 844}), relay, code)
    navigate(advisor, relay.demo + "/service/standorte.html")
    for page in (advisor, citizen):
        expect(mirror(page).locator("h1")).to_have_text("Standorte und Öffnungszeiten")

    # The button that shows the list of places: open, then closed again.
    places = mirror(citizen).get_by_role("link", name="Bürgerbüro Nord")
    expect(places).to_be_hidden()
    button = mirror(advisor).get_by_role("button", name="Alle Standorte anzeigen")
    button.click()
    expect(places).to_be_visible()
    expect(mirror(advisor).get_by_role("link", name="Bürgerbüro Nord")).to_be_visible()
    button.click()
    expect(places).to_be_hidden()

    # The opening-hours accordion: one section at a time.
    saturday = mirror(citizen).get_by_text("9 bis 13 Uhr")
    weekdays = mirror(citizen).get_by_text("8 bis 18 Uhr")
    expect(saturday).to_be_hidden()
    mirror(advisor).locator("#zeiten-samstag").click()
    expect(saturday).to_be_visible()
    expect(mirror(citizen).locator("#zeiten-samstag")).to_have_class(re.compile(r"\baktiv\b"))
    mirror(advisor).locator("#zeiten-werktags").click()
    expect(weekdays).to_be_visible()
    expect(saturday).to_be_hidden()
    mirror(advisor).locator("#zeiten-werktags").click()
    expect(weekdays).to_be_hidden()

    # A citizen's click on a trigger does nothing: only the advisor steers.
    mirror(citizen).get_by_role("button", name="Alle Standorte anzeigen").click()
    expect(mirror(advisor).get_by_role("link", name="Bürgerbüro Nord")).to_be_hidden()

    # Someone joining now gets the page as it is.
    button.click()
    late = citizen_join(browser.new_context(viewport={"width": 800, "height": 600}), relay, code)
    expect(mirror(late).get_by_role("link", name="Bürgerbüro Nord")).to_be_visible()
    # No page script ran anywhere.
    for page in (advisor, citizen, late):
        expect(mirror(page).locator("html")).not_to_have_attribute("data-demo-script-ran", "1")
    for page in (advisor, citizen, late):
        page.context.close()
