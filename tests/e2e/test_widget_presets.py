"""Common widgets without rules (the built-in presets) and the fixes of issue #20,
in real Chromium: the relay runs with no [[rules.widgets]] at all; the advisor
opens Bootstrap-style and ARIA widgets and the citizen sees them open; arrow
keys move between tabs; fast typing in a textarea keeps every key; a reset
button empties the form; a link to a section of another page lands there."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate, wait_until

# No widget rules; POST forms allowed only so the contact form's textarea
# takes typing (a blocked form's fields are disabled).
CONFIG = """
[sessions]
confirm_join = false
join_policy = "open"

[[rules]]
host = "127.0.0.1"
allow_post_forms = true
"""
ACTIVE = re.compile(r"\bactive\b")


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def people(browser: Browser, relay: Server) -> tuple[Page, Page]:
    advisor, code = advisor_login(
        browser.new_context(viewport={"width": 1280, "height": 800}), relay
    )
    citizen = citizen_join(browser.new_context(viewport={"width": 390, "height": 844}), relay, code)
    return advisor, citizen


def show(advisor: Page, citizen: Page, url: str, heading: str) -> None:
    navigate(advisor, url)
    for page in (advisor, citizen):
        expect(mirror(page).locator("h1")).to_have_text(heading)


def test_bootstrap_widgets_open_for_the_citizen_without_a_rule(
    browser: Browser, relay: Server
) -> None:
    advisor, citizen = people(browser, relay)
    show(advisor, citizen, relay.demo + "/themen/umzug.html", "Umzug und Meldewesen")
    theirs = mirror(citizen)

    # Accordion with data-bs-parent: one section at a time.
    after = theirs.get_by_text("Kfz-Zulassung")
    before = theirs.get_by_text("Nachsendeauftrag")
    expect(after).to_be_hidden()
    expect(before).to_be_visible()
    mirror(advisor).locator("#check-2-knopf").click()
    expect(after).to_be_visible()
    expect(before).to_be_hidden()
    expect(theirs.locator("#check-1-knopf")).to_have_class(re.compile(r"\bcollapsed\b"))

    # Tabs: the other pane shows, by click and by arrow key.
    online = theirs.get_by_text("Online-Ausweisfunktion")
    expect(online).to_be_hidden()
    mirror(advisor).locator("#weg-online-tab").click()
    expect(online).to_be_visible()
    expect(theirs.locator("#weg-online-tab")).to_have_class(ACTIVE)
    mirror(advisor).locator("#weg-online-tab").press("ArrowLeft")
    expect(theirs.get_by_text("Buchen Sie einen Termin")).to_be_visible()
    expect(online).to_be_hidden()

    # Dropdown: the menu opens for everyone.
    item = theirs.get_by_role("link", name="Wohnungsgeberbestätigung")
    expect(item).to_be_hidden()
    mirror(advisor).locator("#formulare-knopf").click()
    expect(item).to_be_visible()
    advisor.context.close()
    citizen.context.close()


def test_arrow_keys_move_between_aria_tabs_for_everyone(browser: Browser, relay: Server) -> None:
    # Fails on the old code: keys in the mirror did nothing on a tab.
    advisor, citizen = people(browser, relay)
    show(advisor, citizen, relay.demo + "/themen/kindergeld.html", "Kindergeld und Familie")
    mirror(advisor).locator("#tab-kindergeld").focus()
    mirror(advisor).locator("#tab-kindergeld").press("ArrowRight")
    expect(mirror(citizen).locator("#panel-kinderzuschlag")).to_be_visible()
    expect(mirror(advisor).locator("#tab-kinderzuschlag")).to_be_focused()
    mirror(advisor).locator("#tab-kinderzuschlag").press("End")
    expect(mirror(citizen).locator("#panel-elterngeld")).to_be_visible()
    expect(mirror(citizen).locator("#panel-kinderzuschlag")).to_be_hidden()
    advisor.context.close()
    citizen.context.close()


def test_fast_typing_in_a_textarea_keeps_every_key_and_reset_empties_it(
    browser: Browser, relay: Server
) -> None:
    # Fails on the old code: the relay's echo of an earlier key overwrote
    # the focused textarea while the advisor typed on.
    advisor, citizen = people(browser, relay)
    show(advisor, citizen, relay.demo + "/service/kontakt.html", "Kontakt")
    text = "Guten Tag, ich habe eine Frage zum Wohngeldantrag meiner Mutter."
    field = mirror(advisor).locator("#kontakt-nachricht")
    field.click()
    field.press_sequentially(text, delay=10)
    expect(field).to_have_value(text)
    expect(mirror(citizen).locator("#kontakt-nachricht")).to_have_value(text)
    # Fails on the old code too: the reset button did nothing.
    mirror(advisor).get_by_role("button", name="Eingaben löschen").click()
    expect(mirror(citizen).locator("#kontakt-nachricht")).to_have_value("")
    expect(field).to_have_value("")
    advisor.context.close()
    citizen.context.close()


def test_a_link_to_a_section_of_another_page_lands_there_for_everyone(
    browser: Browser, relay: Server
) -> None:
    advisor, citizen = people(browser, relay)
    url = relay.demo + "/themen/umzug.html#wege"
    navigate(advisor, url)
    for page in (advisor, citizen):
        expect(page.locator("#page-url")).to_have_text(url)
    top = "Math.round(document.getElementById('wege').getBoundingClientRect().top)"
    wait_until(lambda: abs(mirror(citizen).evaluate(top)) < 50, "the citizen is not at #wege")
    wait_until(lambda: abs(mirror(advisor).evaluate(top)) < 50, "the advisor is not at #wege")
    advisor.context.close()
    citizen.context.close()
