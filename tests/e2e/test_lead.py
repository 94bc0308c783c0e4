"""The citizen's turn (issue #17) in real Chromium: the advisor hands the lead
over („Führung abgeben“), the citizen clicks a demo link and both mirrors show
the new page, the citizen scrolls and the advisor's mirror follows, a masked
field the citizen types stays in their browser, and after „Führung
zurücknehmen“ the citizen's link click only explains again who opens links.
Both views stay accessible (axe, keyboard) on a call-centre screen and a phone,
and at 200 % zoom."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.procs import Server
from tests.e2e.conftest import OPEN_JOIN, configured_relay
from tests.e2e.journey import mirror, mirror_html, navigate, wait_same_doc, wait_until
from tests.e2e.test_accessibility import (
    ZOOM_200,
    assert_accessible,
    context,
    join,
    login,
    open_session,
    overflow,
)

CONFIG = OPEN_JOIN
CALL_CENTRE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
YOU_LEAD = "Sie führen jetzt. Klicken Sie auf Links, um gemeinsam weiterzugehen."
ADVISOR_ONLY = "Nur Ihre Beraterin oder Ihr Berater kann Links öffnen."


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def scroll_y(page: Page) -> float:
    value: float = mirror(page).evaluate("scrollY")
    return value


@pytest.mark.parametrize("citizen_size", [CALL_CENTRE, PHONE], ids=["desktop", "phone"])
def test_lead_handed_over_and_taken_back(
    browser: Browser, relay: Server, citizen_size: dict[str, int]
) -> None:
    advisor = login(context(browser, viewport=CALL_CENTRE), relay)
    citizen = join(context(browser, viewport=citizen_size), relay, open_session(advisor))
    navigate(advisor, relay.demo + "/")
    wait_same_doc([advisor, citizen], "Beliebte Themen")
    lead_status = citizen.get_by_test_id("lead-status")
    expect(lead_status).to_be_hidden()

    # „Führung abgeben“ by keyboard, at the citizen's entry in the participants list
    give = advisor.get_by_role("button", name="Führung abgeben an Bürger/in")
    give.focus()
    advisor.keyboard.press("Enter")
    expect(lead_status).to_have_text(YOU_LEAD)
    expect(advisor.get_by_test_id("lead-box")).to_contain_text("Bürger/in führt gerade.")
    expect(give).to_be_hidden()  # the leader gets no second „Führung abgeben“
    expect(advisor.get_by_test_id("participants")).to_contain_text(
        "Bürger/in – verbunden – führt gerade"
    )
    # focus follows the lead: on to „Führung zurücknehmen“
    expect(advisor.get_by_role("button", name="Führung zurücknehmen")).to_be_focused()
    assert_accessible(advisor, "the console while the citizen leads")
    assert_accessible(citizen, "the citizen's view while leading")
    assert overflow(citizen) == [] and overflow(advisor) == []

    # the citizen clicks a demo link: both mirrors show the new page
    mirror(citizen).get_by_role("link", name="Rente und Altersvorsorge").click()
    wait_same_doc([advisor, citizen], "Rentenarten")
    expect(advisor.get_by_test_id("address")).to_have_value(relay.demo + "/themen/rente.html")

    # the citizen scrolls: the advisor's mirror follows (laid out at the citizen's size)
    citizen.get_by_test_id("mirror").hover()
    citizen.mouse.wheel(0, 600)
    wait_until(lambda: scroll_y(citizen) > 100, "the citizen's mirror did not scroll")
    expect(citizen.get_by_role("button", name="Dem Berater folgen")).to_be_hidden()
    wait_until(
        lambda: abs(scroll_y(advisor) - scroll_y(citizen)) <= 2,
        "the advisor's mirror did not follow the citizen's scrolling",
    )

    # the advisor can always act: a page with a password field, the citizen types
    navigate(advisor, relay.demo + "/servicekonto/anmelden.html")
    wait_same_doc([advisor, citizen], "Noch kein Servicekonto?")
    mirror(citizen).locator("#anmeldung-benutzer").fill("erika")
    mirror(citizen).locator("#anmeldung-passwort").fill("Geheim-4711")
    theirs = mirror(advisor).locator("#anmeldung-benutzer")
    wait_until(lambda: theirs.input_value() == "erika", "the citizen's typing did not arrive")
    assert mirror(advisor).locator("#anmeldung-passwort").input_value() == ""
    assert "Geheim-4711" not in mirror_html(advisor)
    assert mirror(citizen).locator("#anmeldung-passwort").input_value() == "Geheim-4711"

    # 200 % zoom: the status line still there, nothing to scroll sideways
    citizen.set_viewport_size(ZOOM_200)
    expect(lead_status).to_be_visible()
    assert overflow(citizen) == []
    citizen.set_viewport_size(citizen_size)

    # „Führung zurücknehmen“ by keyboard: the citizen's link click explains again
    take_back = advisor.get_by_role("button", name="Führung zurücknehmen")
    take_back.focus()
    advisor.keyboard.press("Enter")
    expect(advisor.get_by_test_id("lead-box")).to_be_hidden()
    expect(lead_status).to_be_hidden()
    expect(citizen.get_by_test_id("notice")).to_contain_text("führt jetzt wieder")
    expect(give).to_be_focused()  # and back to „Führung abgeben“
    mirror(citizen).get_by_role("link", name="Passwort vergessen?").click()
    expect(citizen.get_by_test_id("notice")).to_contain_text(ADVISOR_ONLY)
    expect(mirror(citizen).locator("h1")).to_have_text("Anmelden im Servicekonto")
    expect(give).to_be_visible()
    assert_accessible(advisor, "the console after taking the lead back")
    advisor.context.close()
    citizen.context.close()
