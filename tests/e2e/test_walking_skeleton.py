"""The walking skeleton in real Chromium: code on the phone → both see the
same sanitized page; nothing from the target site runs or is contacted."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Request, expect

from bench.harness.procs import Server
from tests.e2e.journey import (
    advisor_login,
    citizen_join,
    end_session,
    mirror,
    navigate,
    same_pixels,
    wait_same_doc,
    wait_until,
)

VIEWPORT = {"width": 1500, "height": 1000}
# The console shows the mirror 1:1 only where it has room beside its side column.
ADVISOR = {"width": 1920, "height": 1300}


def watch_requests(relay: Server, sink: list[str]) -> object:
    def on_request(request: Request) -> None:
        url = request.url
        if not (url.startswith(relay.base + "/") or url.startswith(("data:", "blob:", "about:"))):
            sink.append(url)

    return on_request


def test_advisor_and_citizen_see_the_same_sanitized_pages(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=ADVISOR)  # room for the citizen's mirror 1:1
    cit_ctx = browser.new_context(viewport=VIEWPORT)
    foreign: list[str] = []
    adv_ctx.on("request", watch_requests(relay, foreign))
    cit_ctx.on("request", watch_requests(relay, foreign))
    dialogs: list[str] = []
    advisor, code = advisor_login(adv_ctx, relay)
    assert re.fullmatch(r"\d{6}", code)
    citizen = citizen_join(cit_ctx, relay, code)
    for page in (advisor, citizen):
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")

    for path, heading in [
        ("/", "Bundesministerium"),
        ("/themen/rente.html", "Rente"),
        ("/service/faq.html", "Fragen"),
    ]:
        navigate(advisor, relay.demo + path)
        doc = wait_same_doc([advisor, citizen], heading)
        assert "<script" not in doc.lower()
        assert "data-demo-script-ran" not in doc
        assert " onclick=" not in doc and "javascript:" not in doc
        for page in (advisor, citizen):
            assert (
                mirror(page).evaluate(
                    "document.documentElement.hasAttribute('data-demo-script-ran')"
                )
                is False
            )
        # the advisor's mirror is laid out at the citizen's size: the same picture
        sizes = [mirror(p).evaluate("[innerWidth, innerHeight]") for p in (advisor, citizen)]
        assert sizes[0] == sizes[1]
        assert same_pixels([advisor, citizen]), f"mirror screenshots differ on {path}"
        expect(citizen.locator("#page-url")).to_contain_text(relay.demo + path)

    assert foreign == [], f"browsers contacted other origins: {foreign[:5]}"
    assert dialogs == []
    adv_ctx.close()
    cit_ctx.close()


def test_links_navigate_allowed_hosts_and_refuse_others(browser: Browser, relay: Server) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    cit_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = citizen_join(cit_ctx, relay, code)
    navigate(advisor, relay.demo + "/")
    wait_same_doc([advisor, citizen], "Rente und Altersvorsorge")

    mirror(advisor).get_by_role("link", name="Rente und Altersvorsorge").first.click()
    wait_until(
        lambda: "/themen/rente.html" in citizen.locator("#page-url").inner_text(),
        "the citizen did not follow the advisor's link click",
    )
    wait_same_doc([advisor, citizen], "Rente")

    before = citizen.locator("#page-url").inner_text()
    mirror(advisor).get_by_role("link", name=re.compile("Bürgerportal")).click()
    # the advisor's warning is the advisor's: nothing changed for the citizen
    expect(advisor.locator("#notices")).to_contain_text("nicht freigegeben")
    expect(citizen.locator("#notices")).to_be_empty()
    assert citizen.locator("#page-url").inner_text() == before

    # the citizen's own clicks never navigate the session
    mirror(citizen).get_by_role("link", name=re.compile("Häufige Fragen")).first.click()
    citizen.wait_for_timeout(500)
    assert citizen.locator("#page-url").inner_text() == before
    adv_ctx.close()
    cit_ctx.close()


def test_bad_codes_get_clear_german_messages_and_keep_focus(
    browser: Browser, relay: Server
) -> None:
    adv_ctx = browser.new_context(viewport=VIEWPORT)
    cit_ctx = browser.new_context(viewport=VIEWPORT)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = citizen_join(cit_ctx, relay, code)

    # a session that ended leaves an expired code
    ended_ctx = browser.new_context(viewport=VIEWPORT)
    other, old_code = advisor_login(ended_ctx, relay)
    end_session(other)
    expect(other.get_by_test_id("visited-pages")).to_be_attached()

    stranger_ctx = browser.new_context(viewport=VIEWPORT)
    page = stranger_ctx.new_page()
    page.goto(relay.base + "/")
    wrong = "000000" if code != "000000" else "000001"
    for typed, message in [
        ("12345", "sechs Ziffern"),
        ("abc def", "sechs Ziffern"),
        (wrong, "keine Sitzung"),
        (old_code, "abgelaufen"),
    ]:
        field = page.get_by_label("Zugangscode")
        field.fill(typed)
        page.get_by_role("button", name=re.compile("Los geht")).click()
        expect(page.get_by_role("alert")).to_contain_text(message)
        assert page.evaluate("document.activeElement && document.activeElement.id") == "code"
        expect(page.get_by_label("Zugangscode")).to_have_attribute("aria-invalid", "true")

    # the running session is unaffected
    navigate(advisor, relay.demo + "/service/kontakt.html")
    wait_same_doc([advisor, citizen], "Kontakt")
    for ctx in (adv_ctx, cit_ctx, ended_ctx, stranger_ctx):
        ctx.close()
