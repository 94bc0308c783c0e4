"""Keyboard only, in real Chromium: Tab, Shift+Tab, Enter and typing — no mouse.

The citizen's whole journey (skip link, type or paste the code with a
space, join, read the two words, follow the advisor, leave, reach the list
of visited pages) and the advisor's (log in, open a session, confirm the
words, open an address, end). Every control reached on the way must show a
visible focus indicator. The relay runs with read-back confirmation on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import mirror_html, wait_until

VIEWPORT = {"width": 1400, "height": 950}
MAX_TABS = 150  # the mirrored page's own links are in the tab order too
CONFIG = "[sessions]\nconfirm_join = true\n"

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || '')
      .trim().replace(/\\s+/g, ' '),
    testid: el.dataset.testid || '',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== 'none',
  };
}"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def focused(page: Page) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate(FOCUSED)
    return info


def tab_to(
    page: Page, wanted: Callable[[dict[str, Any]], bool], what: str, key: str = "Tab"
) -> dict[str, Any]:
    """Press ``key`` (Tab or Shift+Tab) until the focused element matches; every stop
    must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        info = focused(page)
        if info["tag"] != "body" and info["tag"] != "iframe":
            assert info["outline"] or info["shadow"], f"no visible focus on {info}"
        if wanted(info):
            return info
    raise AssertionError(f"{what} not reachable with Tab")


def named(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda info: info["name"] == text


def test_skip_link_is_first_and_moves_focus_to_the_content(browser: Browser, relay: Server) -> None:
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.goto(relay.base + "/hilfe")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["name"] == "Zum Inhalt springen" and first["outline"]
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # the next Tab lands on the first link inside the content, not in the header
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    ctx.close()


def test_citizen_journey_with_the_keyboard_only(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    cit_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_by_keyboard(adv_ctx, relay)
    citizen = cit_ctx.new_page()
    citizen.goto(relay.base + "/")
    field = citizen.get_by_label("Zugangscode")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    # from the top of the page, as a keyboard user arrives
    citizen.evaluate("() => document.activeElement.blur()")
    tab_to(citizen, lambda i: i["id"] == "code", "the code field")
    citizen.keyboard.insert_text(f"{code[:3]} {code[3:]}")  # pasted, with a space
    agree_by_keyboard(citizen)
    confirm_by_keyboard(advisor, read_words(citizen))
    expect(citizen.locator("#status")).to_have_text("Ihre Beraterin oder Ihr Berater ist verbunden")

    open_address(advisor, relay.demo + "/themen/rente.html")
    wait_until(lambda: "Rente" in mirror_html(citizen), "the citizen never saw the page")
    expect(citizen.locator("#page-title")).to_contain_text("Rente")

    tab_to(citizen, named("Verlassen"), "the leave button", "Shift+Tab")
    citizen.keyboard.press("Enter")
    heading = citizen.get_by_role("heading", name="Die Sitzung ist beendet")
    expect(heading).to_be_focused()
    # the next step comes first, then the pages visited together
    first = tab_to(citizen, lambda i: i["tag"] == "a", "the first link after the heading")
    assert first["name"] == "Zur Startseite"
    # the visited list can come a moment after the end screen: until then Tab
    # reaches the footer ("Startseite") first
    link = tab_to(citizen, lambda i: i["tag"] == "a" and "Rente" in i["name"], "the Rente page")
    assert "Rente" in link["name"]
    links = citizen.get_by_test_id("visited-pages").get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_have_attribute("href", relay.demo + "/themen/rente.html")
    adv_ctx.close()
    cit_ctx.close()


def advisor_by_keyboard(ctx: BrowserContext, relay: Server) -> tuple[Page, str]:
    """Log in and open a session with Tab, typing and Enter; returns the console and code."""
    page = ctx.new_page()
    page.goto(relay.base + "/berater")
    expect(page.get_by_label("Benutzername")).to_be_focused()  # autofocus
    page.keyboard.type(relay.user)
    tab_to(page, lambda i: i["id"] == "password", "the password field")
    page.keyboard.type(relay.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Neue Sitzung")).to_be_visible()
    tab_to(page, named("Neue Sitzung"), "the new-session button")
    page.keyboard.press("Enter")
    code_el = page.get_by_test_id("session-code")
    wait_until(lambda: len(re.sub(r"\D", "", code_el.inner_text())) == 6, "no code shown")
    # the button is gone; focus is on the code to read out, not lost to <body>
    expect(page.get_by_role("heading", name="Zugangscode")).to_be_focused()
    return page, re.sub(r"\D", "", code_el.inner_text())


def read_words(citizen: Page) -> str:
    """The two words the joiner sees; they are announced (a live region)."""
    words = citizen.get_by_test_id("join-phrase")
    expect(words).to_be_visible()
    live = citizen.locator("#waiting [role=status], #waiting [aria-live]")
    expect(live.first).to_contain_text("Wörter")
    return words.inner_text().strip()


def agree_by_keyboard(citizen: Page) -> None:
    """From the code field, Tab passes the consent notice (its Datenschutz link
    first) and then reaches „Los geht's“, the one button that joins and agrees."""
    link = tab_to(citizen, lambda i: i["tag"] == "a", "the consent notice's first link")
    assert link["name"] == "Mehr dazu im Datenschutz"
    tab_to(citizen, named("Los geht's"), "the join button")
    citizen.keyboard.press("Enter")


def confirm_by_keyboard(advisor: Page, words: str) -> None:
    """The advisor tabs to the field for the heard words, types them and presses Enter."""
    tab_to(advisor, lambda i: i["testid"] == "confirm-phrase", "the confirmation field")
    advisor.keyboard.type(words)
    advisor.keyboard.press("Enter")
    # the admission form went away with the admission: focus moved to the list
    expect(advisor.get_by_role("heading", name="Teilnehmende")).to_be_focused()


def open_address(advisor: Page, url: str) -> None:
    tab_to(advisor, lambda i: i["testid"] == "address", "the address field")
    advisor.keyboard.type(url)
    advisor.keyboard.press("Enter")


def test_advisor_console_with_the_keyboard_only(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    cit_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_by_keyboard(adv_ctx, relay)
    citizen = cit_ctx.new_page()
    citizen.goto(relay.base + "/")
    citizen.get_by_label("Zugangscode").fill(code)
    citizen.keyboard.press("Enter")  # Enter in the field is „Los geht's“ too
    confirm_by_keyboard(advisor, read_words(citizen))
    expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")
    open_address(advisor, relay.demo + "/service/faq.html")
    wait_until(lambda: "Fragen" in mirror_html(citizen), "the page did not load")
    end = tab_to(advisor, lambda i: i["testid"] == "end-session", "the end button", "Shift+Tab")
    # ending asks first; the safe answer has the focus and Escape is "no"
    advisor.keyboard.press("Enter")
    dialog = advisor.get_by_role("dialog", name="Sitzung für alle beenden?")
    expect(dialog.get_by_role("button", name="Weiter beraten")).to_be_focused()
    advisor.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(advisor)["testid"] == end["testid"]
    expect(citizen.locator("#status")).not_to_contain_text("beendet")
    advisor.keyboard.press("Enter")
    tab_to(advisor, named("Ja, Sitzung beenden"), "the yes button")
    advisor.keyboard.press("Enter")
    expect(advisor.get_by_role("heading", name="Die Sitzung ist beendet")).to_be_focused()
    expect(citizen.get_by_test_id("visited-pages").get_by_role("link")).to_have_count(1)
    adv_ctx.close()
    cit_ctx.close()
