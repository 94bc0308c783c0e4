"""The console's address field in real Chromium: a page update while the
advisor types an address (here: the citizen, who leads, clicks a link) leaves
what they typed alone, Enter loads it, and Escape puts the page's address
back. Before, the update overwrote the field and Enter loaded the old page
again (it made the failover e2e test flaky: a hand-over's snapshot arrived
while the test typed)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from bench.harness.procs import Server
from tests.e2e.journey import mirror, navigate, wait_same_doc
from tests.e2e.test_accessibility import context, join, login, open_session


def test_a_page_update_does_not_overwrite_the_address_being_typed(
    browser: Browser, open_relay: Server
) -> None:
    relay = open_relay
    advisor = login(context(browser), relay)
    citizen = join(context(browser), relay, open_session(advisor))
    navigate(advisor, relay.demo + "/")
    address = advisor.get_by_test_id("address")
    wait_same_doc([advisor, citizen], "Beliebte Themen")
    expect(address).to_have_value(relay.demo + "/")
    advisor.get_by_role("button", name="Führung abgeben an Bürger/in").click()

    # the advisor types the next address; meanwhile the citizen opens a link
    typed = relay.demo + "/service/standorte.html"
    address.fill(typed)
    mirror(citizen).get_by_role("link", name="Rente und Altersvorsorge").click()
    wait_same_doc([advisor, citizen], "Rentenarten")
    expect(address).to_have_value(typed)  # not the Rente page's address

    address.press("Enter")  # loads what was typed
    wait_same_doc([advisor, citizen], "Standorte und Öffnungszeiten</h1>")
    expect(address).to_have_value(typed)

    # a page update after Enter shows that page's address again
    mirror(citizen).get_by_role("link", name="Startseite", exact=True).first.click()
    wait_same_doc([advisor, citizen], "Beliebte Themen")
    expect(address).to_have_value(relay.demo + "/")

    # Escape: what was typed goes, the page's address is back
    address.fill("www.example.org/irgendwas")
    address.press("Escape")
    expect(address).to_have_value(relay.demo + "/")
    advisor.context.close()
    citizen.context.close()
