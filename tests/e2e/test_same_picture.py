"""The same picture (DESIGN principle 6): the advisor's mirror is laid out at
the citizen's mirror size, so both see exactly the same viewport."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from bench.harness.procs import Server
from tests.e2e.journey import (
    advisor_login,
    citizen_join,
    mirror,
    navigate,
    same_pixels,
    wait_same_doc,
    wait_until,
)


def sizes(pages: list[Page]) -> list[list[int]]:
    return [mirror(p).evaluate("[innerWidth, innerHeight]") for p in pages]


def test_advisor_sees_the_citizens_viewport_and_follows_a_resize(
    browser: Browser, relay: Server
) -> None:
    adv_ctx = browser.new_context(viewport={"width": 1700, "height": 1100})
    cit_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = citizen_join(cit_ctx, relay, code)
    navigate(advisor, relay.demo + "/themen/kindergeld.html")
    wait_same_doc([advisor, citizen], "Kindergeld")
    wait_until(
        lambda: sizes([advisor, citizen])[0] == sizes([advisor, citizen])[1],
        f"mirror sizes differ: {sizes([advisor, citizen])}",
    )
    expect(advisor.locator("#viewport-label")).to_contain_text("Bürgeransicht")
    assert same_pixels([advisor, citizen]), "advisor and citizen mirrors differ"

    # after a hover that opens a menu: the submenu is open in both pictures
    # (the citizen's pointer overlay sits above the mirror; it is not the page)
    citizen.add_style_tag(
        content="#advisor-pointer, .click-pulse { visibility: hidden !important; }"
    )
    mirror(advisor).locator(".nav-main > li > a", has_text="Themen").hover()
    for page in (advisor, citizen):
        expect(mirror(page).locator(".nav-main .submenu").first).to_be_visible()
    assert same_pixels([advisor, citizen]), "mirrors differ with the menu open"

    # after scrolling: the citizen follows the advisor to the same place
    advisor.get_by_test_id("address").hover()  # the pointer leaves the page; the menu closes
    mirror(advisor).locator("footer").first.scroll_into_view_if_needed()
    wait_until(
        lambda: (
            mirror(citizen).evaluate("scrollY") > 200
            and mirror(citizen).evaluate("scrollY") == mirror(advisor).evaluate("scrollY")
        ),
        "the citizen did not follow the advisor's scroll to the same place",
        timeout=5,
    )
    assert same_pixels([advisor, citizen]), "mirrors differ after scrolling"
    mirror(advisor).evaluate("scrollTo(0, 0)")
    wait_until(lambda: mirror(citizen).evaluate("scrollY") == 0, "scroll back not followed")

    # the citizen turns into a phone: the advisor's mirror follows, mobile layout
    citizen.set_viewport_size({"width": 390, "height": 844})
    wait_until(
        lambda: sizes([advisor, citizen])[0] == sizes([advisor, citizen])[1],
        f"advisor did not follow the resize: {sizes([advisor, citizen])}",
        timeout=5,
    )
    width = sizes([citizen])[0][0]
    assert width < 400
    menu_button = "getComputedStyle(document.querySelector('.menu-toggle')).display"
    assert mirror(advisor).evaluate(menu_button) != "none"  # the burger menu of the mobile layout
    expect(advisor.locator("#viewport-label")).to_contain_text(f"{width} ×")
    assert same_pixels([advisor, citizen]), "mirrors differ after the resize"
    adv_ctx.close()
    cit_ctx.close()
