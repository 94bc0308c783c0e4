"""One status line, not a pile (issue #17): notices replace each other, the
advisor's errors reach the citizen only as "your page stays", an error stays
until the next page, and while a page is shown the citizen's chrome is one
slim bar, so the mirror keeps the window and „Verlassen“ stays in sight
(desktop 1280 × 800, phone in landscape)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import navigate
from tests.e2e.test_accessibility import assert_accessible, context, join, open_session, show_page
from tests.e2e.test_accessibility import login as advisor_console

CONFIG = "[sessions]\nconfirm_join = false\n"
CITIZEN = {"width": 1280, "height": 800}
PHONE_LANDSCAPE = {"width": 844, "height": 390}

# Shown notices (the whole #notices line) and the mirror's share of the window.
NOTICES = """() => [...document.querySelectorAll('[data-testid=notice]')]
  .filter((n) => n.checkVisibility()).length"""
MIRROR_SHARE = """() => {
  const r = document.querySelector('[data-testid=mirror]').getBoundingClientRect();
  const shown = Math.min(r.bottom, innerHeight) - Math.max(r.top, 0);
  return shown / innerHeight;
}"""
# „Verlassen“ entirely inside the window.
IN_SIGHT = """(el) => {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
}"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def three_errors(advisor: Page) -> None:
    navigate(advisor, "https://nicht-freigegeben.example/")
    expect(advisor.get_by_test_id("notice")).to_contain_text("nicht freigegeben")
    navigate(advisor, "https://[::1/")
    expect(advisor.get_by_test_id("notice")).to_contain_text("keine gültige Internetadresse")
    navigate(advisor, "https://auch-nicht.example/")
    expect(advisor.get_by_test_id("notice")).to_contain_text("nicht freigegeben")


def test_three_errors_leave_one_notice_and_the_page_in_view(
    browser: Browser, relay: Server
) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser, viewport=CITIZEN)
    advisor = advisor_console(adv_ctx, relay)
    citizen = join(cit_ctx, relay, open_session(advisor))
    show_page(advisor, citizen, relay, "/themen/rente.html", "Rente")
    three_errors(advisor)
    expect(citizen.get_by_test_id("notice")).to_contain_text("bisherige Seite")
    for page in (advisor, citizen):
        assert page.evaluate(NOTICES) == 1
    # the citizen is told in the citizen's words, never the advisor's advice
    said = citizen.get_by_test_id("notice").inner_text()
    assert "nennen Sie" not in said and "freigegeben" not in said
    expect(citizen.locator(".site-header")).to_be_hidden()
    share = citizen.evaluate(MIRROR_SHARE)
    assert share >= 0.85, f"the mirror keeps only {share:.0%} of the window"
    assert citizen.get_by_role("button", name="Verlassen").evaluate(IN_SIGHT)
    assert_accessible(citizen, "the citizen view with its one notice line")
    # an error stays until the next action: the next page takes it away
    show_page(advisor, citizen, relay, "/service/kontakt.html", "Kontakt")
    for page in (advisor, citizen):
        expect(page.get_by_test_id("notice")).to_have_count(0)
    adv_ctx.close()
    cit_ctx.close()


def test_leaving_stays_in_sight_on_a_phone_in_landscape(browser: Browser, relay: Server) -> None:
    adv_ctx = context(browser)
    phone = browser.new_context(viewport=PHONE_LANDSCAPE, has_touch=True, is_mobile=True)
    advisor = advisor_console(adv_ctx, relay)
    citizen = join(phone, relay, open_session(advisor))
    show_page(advisor, citizen, relay, "/themen/rente.html", "Rente")
    navigate(advisor, "https://nicht-freigegeben.example/")
    expect(citizen.get_by_test_id("notice")).to_be_visible()
    leave = citizen.get_by_role("button", name="Verlassen")
    for y in (0, 10_000):  # the window scrolled to the top and to the very end
        citizen.evaluate("(y) => window.scrollTo(0, y)", y)
        assert leave.evaluate(IN_SIGHT), f"„Verlassen“ out of sight at scroll {y}"
    share = citizen.evaluate(MIRROR_SHARE)
    assert share >= 0.5, f"the mirror keeps only {share:.0%} of a landscape phone"
    leave.click()
    expect(citizen.get_by_role("heading", name="Die Sitzung ist beendet")).to_be_visible()
    adv_ctx.close()
    phone.close()
