"""Pointer and console (issue #17): the advisor's pointer carries its label
„Berater/in“ on the citizen's screen; on a 1366 × 768 call-centre screen the
whole mirror is in view (scaled, the same picture); the wheel over the mirror
never scrolls the console; the console's empty mirror speaks to the advisor.
An error notice never pushes who is there, the code or „Sitzung beenden“ out
of the window (1366 × 768, 1280 × 720, a phone)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import mirror, navigate
from tests.e2e.test_accessibility import assert_accessible, context, join, open_session, show_page
from tests.e2e.test_accessibility import login as advisor_console

CONFIG = '[sessions]\nconfirm_join = false\n\n[site]\npointer_color = "#9fd3ff"\n'
CALL_CENTRE = {"width": 1366, "height": 768}
CITIZEN = {"width": 1280, "height": 800}
LAPTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}

# The mirror's box in the console window, and the window's size.
MIRROR_BOX = """() => {
  const r = document.querySelector('[data-testid=mirror]').getBoundingClientRect();
  return {top: r.top, left: r.left, bottom: r.bottom, right: r.right,
          width: innerWidth, height: innerHeight};
}"""
# The element entirely inside the window as it is, without scrolling.
IN_SIGHT = """(el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
      && r.bottom <= innerHeight && r.right <= innerWidth;
}"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def test_the_console_shows_the_whole_mirror_and_keeps_the_wheel_in_it(
    browser: Browser, relay: Server
) -> None:
    adv_ctx = context(browser, viewport=CALL_CENTRE)
    cit_ctx = context(browser, viewport=CITIZEN)
    advisor = advisor_console(adv_ctx, relay)
    code = open_session(advisor)
    # before any page: the empty mirror speaks to the advisor
    expect(mirror(advisor).locator("body")).to_contain_text("sobald Sie eine Adresse öffnen")
    citizen = join(cit_ctx, relay, code)
    expect(mirror(citizen).locator("body")).to_contain_text("Ihre Beraterin oder Ihr Berater")
    show_page(advisor, citizen, relay, "/themen/rente.html", "Rente")
    expect(advisor.locator("#viewport-label")).to_contain_text("verkleinert")
    box = advisor.evaluate(MIRROR_BOX)
    assert box["top"] >= 0 and box["left"] >= 0, box
    assert box["bottom"] <= box["height"] and box["right"] <= box["width"], box
    assert_accessible(advisor, "the console at 1366 × 768")

    # the wheel over the mirror scrolls the page in it, never the console
    frame = advisor.get_by_test_id("mirror").bounding_box()
    assert frame is not None
    advisor.mouse.move(frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2)
    for _ in range(12):  # well past the end of the page
        advisor.mouse.wheel(0, 1500)
    expect(mirror(advisor).locator("footer").last).to_be_in_viewport()
    assert advisor.evaluate("scrollY") == 0
    for _ in range(12):  # and back up past its top
        advisor.mouse.wheel(0, -1500)
    assert advisor.evaluate("scrollY") == 0
    adv_ctx.close()
    cit_ctx.close()


def test_the_advisors_pointer_says_who_points(browser: Browser, relay: Server) -> None:
    adv_ctx = context(browser)
    cit_ctx = context(browser, viewport=CITIZEN)
    advisor = advisor_console(adv_ctx, relay)
    citizen = join(cit_ctx, relay, open_session(advisor))
    show_page(advisor, citizen, relay, "/", "Startseite")
    link = mirror(advisor).locator(".teaser h3 a", has_text="Wohngeld")
    link.evaluate("a => a.closest('li').scrollIntoView({block: 'start'})")
    expect(mirror(citizen).locator(".teaser h3 a", has_text="Wohngeld")).to_be_in_viewport()
    box = link.bounding_box()
    assert box is not None
    advisor.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pointer = citizen.get_by_test_id("advisor-pointer")
    expect(pointer).to_be_visible()
    expect(pointer).to_have_text("Berater/in")
    # the operator's colour ([site] pointer_color), dark text on it
    colours = pointer.locator(".pointer-label").evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    )
    assert colours == ["rgb(159, 211, 255)", "rgb(26, 26, 26)"]
    assert_accessible(citizen, "the citizen view with the labelled pointer")
    adv_ctx.close()
    cit_ctx.close()


@pytest.mark.parametrize(
    ("viewport", "wide"),
    [(CALL_CENTRE, True), (LAPTOP, True), (PHONE, False)],
    ids=["1366x768", "1280x720", "phone"],
)
def test_an_error_notice_leaves_the_session_controls_in_sight(
    browser: Browser, relay: Server, viewport: dict[str, int], wide: bool
) -> None:
    adv_ctx = context(browser, viewport=viewport)
    cit_ctx = context(browser, viewport=CITIZEN)
    advisor = advisor_console(adv_ctx, relay)
    citizen = join(cit_ctx, relay, open_session(advisor))
    show_page(advisor, citizen, relay, "/themen/rente.html", "Rente")
    navigate(advisor, "https://nicht-freigegeben.example/")
    notice = advisor.get_by_test_id("notice")
    expect(notice).to_contain_text("nicht freigegeben")
    # who is there, the code, the error and the way out: all in the window at once
    assert advisor.evaluate("scrollY") == 0
    for what in (
        notice,
        advisor.get_by_test_id("session-code"),
        advisor.get_by_test_id("participants"),
        advisor.get_by_role("button", name="Sitzung beenden"),
    ):
        assert what.evaluate(IN_SIGHT), f"{what} is not entirely in the window at {viewport}"
    expect(advisor.locator("#notices")).to_have_attribute("aria-live", "assertive")
    if wide:  # beside the column, the mirror still fits whole under the notice
        box = advisor.evaluate(MIRROR_BOX)
        assert box["top"] >= 0 and box["bottom"] <= box["height"], box
        assert_accessible(advisor, f"the console with a notice at {viewport}")
    # closing the notice leaves the advisor in the address field, ready to retype
    notice.get_by_role("button", name="Hinweis schließen").click()
    expect(notice).to_have_count(0)
    expect(advisor.get_by_test_id("address")).to_be_focused()
    adv_ctx.close()
    cit_ctx.close()
