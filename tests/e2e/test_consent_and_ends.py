"""At the door and at the end, in real Chromium, as a caller of 70 meets them.

Consent: the start page shows a short notice (what the advisor sees, what is
not shared, nothing installed, Datenschutz) between the code field and
„Los geht's“, the one button that both joins and agrees; nothing of the
session reaches the browser (no WebSocket) before it is pressed, and nothing
more is asked after it. End screens: however the session ends
for the citizen (advisor ended, „Ablehnen“, ended while waiting, removed, code
revoked after three wrong words) the screen says why, offers „Zur Startseite“
and the hotline, and shows nothing left from before (read-back words, notices).
The relay runs with read-back confirmation and admission on, and a hotline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import JOIN, advisor_login, end_session, navigate
from tests.e2e.test_accessibility import assert_accessible, overflow

VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ZOOM_200 = {"width": 640, "height": 400}  # 1280 × 800 at 200 %
CONFIG = """
[sessions]
confirm_join = true
join_policy = "admit"
[site]
hotline = "0800 123 456"
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


# Counts the WebSockets a page creates (synchronously, unlike Playwright's events).
COUNT_SOCKETS = """
window.__sockets = 0;
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) { super(...args); window.__sockets += 1; }
};
"""


def browser_context(browser: Browser, **options: Any) -> BrowserContext:
    """A context for axe (bypasses the CSP that forbids its injected script)."""
    ctx = browser.new_context(**{"viewport": VIEWPORT, "bypass_csp": True, **options})
    ctx.add_init_script(COUNT_SOCKETS)
    return ctx


def sockets(page: Page) -> int:
    count: int = page.evaluate("() => window.__sockets")
    return count


def enter_code(ctx: BrowserContext, relay: Server, code: str) -> Page:
    """Type the code and press "Los geht's"."""
    page = ctx.new_page()
    page.goto(relay.base + "/")
    page.get_by_label("Zugangscode").fill(code)
    page.get_by_role("button", name=JOIN).click()
    return page


def words_of(page: Page) -> str:
    words = page.get_by_test_id("join-phrase")
    expect(words).to_be_visible()
    return words.inner_text().strip()


def confirm(advisor: Page, words: str) -> None:
    field = advisor.get_by_test_id("confirm-phrase").first
    field.fill(words)
    field.press("Enter")


def joined(browser: Browser, relay: Server, advisor: Page, code: str) -> Page:
    page = enter_code(browser_context(browser), relay, code)
    confirm(advisor, words_of(page))
    expect(page.locator("#status")).to_contain_text("ist verbunden")
    return page


def assert_end_screen(page: Page, reason: str) -> None:
    """The end: why, the next step, and nothing left over from before."""
    heading = page.get_by_role("heading", name="Die Sitzung ist beendet")
    expect(heading).to_be_focused()
    expect(page.get_by_test_id("ended-reason")).to_contain_text(reason)
    home = page.get_by_role("link", name="Zur Startseite", exact=True)
    expect(home).to_be_visible()
    expect(home).to_have_attribute("href", "/")
    expect(page.get_by_role("link", name="0800 123 456")).to_have_attribute(
        "href", "tel:0800123456"
    )
    leftovers = ("#waiting", "#idle-warning", "#view", "#leave", "#participants", ".page-info")
    for leftover in leftovers:
        expect(page.locator(leftover)).to_be_hidden()
    expect(page.get_by_test_id("join-phrase")).to_be_hidden()
    expect(page.get_by_text("Bitte lesen Sie Ihrem Berater")).to_be_hidden()
    expect(page.locator("#notices > *")).to_have_count(0)
    assert_accessible(page, f"the end screen ({reason})")


def test_the_notice_is_read_before_the_one_button(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    cit_ctx = browser_context(browser)
    citizen = cit_ctx.new_page()
    citizen.goto(relay.base + "/")
    notice = citizen.get_by_test_id("consent")
    expect(notice.get_by_role("heading", name="Was passiert dann?")).to_be_visible()
    for text in ("sieht nur diese gemeinsame Seite", "nicht geteilt", "nichts installieren"):
        expect(notice).to_contain_text(text)
    expect(notice.get_by_role("link", name="Mehr dazu im Datenschutz")).to_have_attribute(
        "href", "/datenschutz"
    )
    # the button says what pressing it means, and the notice comes before it
    button = citizen.get_by_role("button", name=JOIN)
    expect(button).to_have_accessible_description(re.compile("sind Sie damit einverstanden"))
    above: bool = citizen.evaluate(
        """() => {
          const notice = document.getElementById("consent");
          const button = document.querySelector("form.join-form [type=submit]");
          return !!(notice.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert above
    citizen.get_by_label("Zugangscode").fill(code)
    assert_accessible(citizen, "the start page with the consent notice")
    assert sockets(citizen) == 0  # the relay has sent this browser nothing of the session
    button.click()
    # „Los geht's“ was the one confirmation: the session starts, no second question
    words = words_of(citizen)
    assert sockets(citizen) == 1
    expect(citizen.get_by_role("button", name=re.compile("Einverstanden"))).to_have_count(0)
    confirm(advisor, words)
    expect(citizen.locator("#status")).to_contain_text("ist verbunden")
    navigate(advisor, relay.demo + "/")
    expect(citizen.locator("#page-title")).to_contain_text("Bundesministerium")
    # a reload of the same tab resumes at once
    citizen.reload()
    expect(citizen.locator("#page-title")).to_contain_text("Bundesministerium")
    adv_ctx.close()
    cit_ctx.close()


@pytest.mark.parametrize("viewport", [PHONE, ZOOM_200], ids=["390x844 phone", "200 % zoom"])
def test_the_notice_on_a_phone_and_zoomed(
    browser: Browser, relay: Server, viewport: dict[str, int]
) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    _, code = advisor_login(adv_ctx, relay)
    ctx = browser_context(browser, viewport=viewport, device_scale_factor=2, has_touch=True)
    citizen = ctx.new_page()
    citizen.goto(relay.base + "/")
    citizen.get_by_label("Zugangscode").fill(code)
    expect(citizen.get_by_test_id("consent")).to_contain_text("nicht geteilt")
    button = citizen.get_by_role("button", name=JOIN)
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    assert overflow(citizen) == []
    button.tap()
    words_of(citizen)
    adv_ctx.close()
    ctx.close()


def test_advisor_ended(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = joined(browser, relay, advisor, code)
    navigate(advisor, "https://nicht-freigegeben.example/")  # a notice that must not stay
    expect(citizen.locator("#notices")).to_contain_text("bisherige Seite")
    end_session(advisor)
    assert_end_screen(citizen, "Ihre Beraterin oder Ihr Berater hat die Sitzung beendet")
    citizen.get_by_role("link", name="Zur Startseite", exact=True).click()
    expect(citizen.get_by_label("Zugangscode")).to_be_visible()
    adv_ctx.close()
    citizen.context.close()


def test_a_quick_no_then_yes_still_ends(browser: Browser, relay: Server) -> None:
    """Escape, then at once „Sitzung beenden“ again: the first answer's ``close``
    event arrives after the dialog is open again and must not answer the second
    question (it once did, and „Ja“ then ended nothing)."""
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = joined(browser, relay, advisor, code)
    advisor.evaluate(
        """() => {
          const end = document.querySelector('[data-testid=end-session]');
          const dialog = document.getElementById('end-confirm');
          end.click();
          dialog.close();  // "no", as Escape does; its close event is only queued
          end.click();     // asked again before that event is dispatched
        }"""
    )
    dialog = advisor.get_by_role("dialog", name="Sitzung für alle beenden?")
    dialog.get_by_role("button", name="Ja, Sitzung beenden").click()
    assert_end_screen(citizen, "Ihre Beraterin oder Ihr Berater hat die Sitzung beendet")
    adv_ctx.close()
    citizen.context.close()


def test_denied_while_waiting(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = enter_code(browser_context(browser), relay, code)
    words_of(citizen)
    advisor.get_by_role("button", name="Ablehnen").click()
    assert_end_screen(citizen, "hat den Beitritt abgelehnt")
    expect(citizen.locator("#visited")).to_be_hidden()  # nothing was seen together
    adv_ctx.close()
    citizen.context.close()


def test_ended_while_waiting(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = enter_code(browser_context(browser), relay, code)
    words_of(citizen)
    # the same way out as an idle end while waiting: the session ends under the joiner
    end_session(advisor)
    assert_end_screen(citizen, "hat die Sitzung beendet")
    adv_ctx.close()
    citizen.context.close()


def test_removed(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = joined(browser, relay, advisor, code)
    participants = advisor.get_by_test_id("participants")
    participants.get_by_role("button", name=re.compile(r"Bürger.in.*entfernen")).click()
    assert_end_screen(citizen, "hat Sie aus der Sitzung entfernt")
    adv_ctx.close()
    citizen.context.close()


def test_code_revoked_after_three_wrong_words(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = enter_code(browser_context(browser), relay, code)
    words_of(citizen)
    for attempt in range(3):
        confirm(advisor, f"Falsch Geraten{attempt}")
        if attempt < 2:
            expect(advisor.locator("#notices")).to_contain_text(f"Noch {2 - attempt}")
    assert_end_screen(citizen, "neuen Code")
    adv_ctx.close()
    citizen.context.close()
