"""English in real Chromium: the switch on the landing page, joining, and the
citizen view (chrome, status, server notices) in English while the advisor
works in German."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from bench.harness.procs import Server
from tests.e2e.journey import advisor_login, navigate, wait_same_doc
from tests.e2e.test_accessibility import AXE, PUBLIC_PAGES, assert_accessible

VIEWPORT = {"width": 1280, "height": 900}


def test_switch_to_english_join_and_follow(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    cit_ctx = browser.new_context(viewport=VIEWPORT, locale="en-US")
    try:
        advisor, code = advisor_login(adv_ctx, relay)
        citizen = cit_ctx.new_page()
        citizen.goto(relay.base + "/")
        expect(citizen.locator("html")).to_have_attribute("lang", "de")  # English browser too
        switch = citizen.get_by_role("link", name="English")
        expect(switch).to_have_attribute("hreflang", "en")
        switch.click()
        expect(citizen.locator("html")).to_have_attribute("lang", "en")
        expect(citizen.get_by_role("link", name="Deutsch")).to_have_attribute("lang", "de")
        citizen.get_by_label("Access code").fill(code[:3] + " " + code[3:])
        expect(citizen.get_by_role("heading", name="What happens next?")).to_be_visible()
        expect(citizen.get_by_test_id("consent")).to_contain_text("are not shared")
        citizen.get_by_role("button", name="Let's go").click()
        citizen.get_by_test_id("mirror").wait_for()

        expect(citizen.locator("html")).to_have_attribute("lang", "en")
        expect(citizen.locator("#status")).to_have_text("Your advisor is connected")
        expect(citizen.get_by_role("button", name="Leave")).to_be_visible()
        expect(citizen.get_by_role("link", name="Help")).to_be_visible()
        navigate(advisor, relay.demo + "/")
        wait_same_doc([advisor, citizen], "</body>")
        # a server notice: German text on the wire, shown from the client catalogue
        navigate(advisor, "https://nicht-freigegeben.example/")
        expect(citizen.locator("#notices")).to_contain_text("You still see the previous page")
        expect(advisor.locator("#notices")).to_contain_text("nicht freigegeben")
        expect(advisor.locator("#status")).to_have_text("Verbunden")

        citizen.get_by_role("button", name="Leave").click()
        expect(citizen.get_by_role("heading", name="The session has ended")).to_be_visible()
        expect(citizen.get_by_role("button", name="Print / save as PDF")).to_be_visible()
    finally:
        adv_ctx.close()
        cit_ctx.close()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_english_pages_have_no_violations(browser: Browser, relay: Server, path: str) -> None:
    assert AXE.exists(), "run `npm install` (make test does)"
    ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{relay.base}{path}?lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_accessible(page, f"{path} (English)")
    finally:
        ctx.close()


def test_english_console_and_citizen_view(browser: Browser, relay: Server) -> None:
    ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        ctx.new_page().goto(relay.base + "/?lang=en")  # the cookie counts for every page
        advisor = ctx.new_page()
        advisor.goto(relay.base + "/berater")
        advisor.get_by_label("User name").fill(relay.user)
        advisor.get_by_label("Password").fill(relay.password)
        advisor.get_by_role("button", name="Sign in").click()
        advisor.get_by_role("button", name="New session").click()
        expect(advisor.locator("#code-expiry")).to_contain_text("Code valid until")
        expect(advisor.locator("#status")).to_have_text("Connected")
        assert_accessible(advisor, "advisor console (English)")
        code = re.sub(r"\D", "", advisor.get_by_test_id("session-code").inner_text())
        cit_ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
        citizen = cit_ctx.new_page()
        citizen.goto(relay.base + "/?lang=en")
        citizen.get_by_label("Access code").fill(code)
        assert_accessible(citizen, "start page with the consent notice (English)")
        citizen.get_by_role("button", name="Let's go").click()
        expect(citizen.locator("#status")).to_have_text("Your advisor is connected")
        expect(advisor.get_by_test_id("participants")).to_contain_text("Citizen")
        assert_accessible(citizen, "citizen view (English)")
        advisor.get_by_role("button", name="Remove Citizen").click()
        # the server's German close reason, shown from the client catalogue
        expect(citizen.get_by_test_id("ended-reason")).to_contain_text("Your advisor removed you")
        expect(citizen.get_by_role("link", name="To the home page")).to_be_visible()
        cit_ctx.close()
    finally:
        ctx.close()
