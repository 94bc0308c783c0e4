"""``[sessions] show_citizen_pointer``: the citizen points at a link in their
mirror and the advisor's orange pointer lands on the same link (real Chromium).
The relay runs with a config file turning the option on."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import Relay, start_relay, stop_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate, wait_until

CONFIG = """
[sessions]
confirm_join = false
join_policy = "open"
show_citizen_pointer = true
"""

# The link under a point of the mirror (its text), else the element's tag.
UNDER = """([mx, my]) => {
  const hit = document.elementFromPoint(mx, my);
  const link = hit && hit.closest("a");
  return link ? link.textContent.trim() : (hit ? hit.tagName : null);
}"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relay]:
    config = Path(tmp_path_factory.mktemp("relay")) / "relay.toml"
    config.write_text(CONFIG)
    proc, info = start_relay("--config", str(config))
    yield info
    stop_relay(proc)


def citizen_spot(advisor: Page) -> list[float] | None:
    """The citizen's pointer hotspot in the advisor's mirror coordinates (undoing the
    console's scaling), or None while hidden."""
    spot: list[float] | None = advisor.evaluate(
        """() => {
          const marker = document.querySelector("[data-testid=citizen-pointer]");
          const frame = document.querySelector("[data-testid=mirror]");
          if (!marker || marker.hidden) return null;
          const m = marker.getBoundingClientRect(), f = frame.getBoundingClientRect();
          const scale = f.width / frame.offsetWidth;
          return [(m.left - f.left) / scale - frame.clientLeft + 1,
                  (m.top - f.top) / scale - frame.clientTop + 1];
        }"""
    )
    return spot


def in_view(page: Page) -> bool:
    box = "el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }"
    top, bottom, height = mirror(page).locator(".teaser h3 a", has_text="Wohngeld").evaluate(box)
    return bool(top >= 0 and bottom <= height)


@pytest.mark.parametrize(
    "citizen_size",
    [{"width": 390, "height": 844}, {"width": 1920, "height": 1080}],
    ids=["phone", "wide-scaled-in-console"],
)
def test_the_citizen_points_at_a_link_and_the_advisor_sees_it(
    browser: Browser, relay: Relay, citizen_size: ViewportSize
) -> None:
    advisor, code = advisor_login(
        browser.new_context(viewport={"width": 1280, "height": 800}), relay
    )
    citizen = citizen_join(browser.new_context(viewport=citizen_size), relay, code)
    expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")
    marker = advisor.get_by_test_id("citizen-pointer")
    expect(marker).to_be_hidden()
    expect(marker).to_have_attribute("aria-hidden", "true")
    navigate(advisor, relay.demo + "/")
    for page in (advisor, citizen):
        expect(mirror(page).locator("body")).to_contain_text("Beliebte Themen")
    # The advisor brings the link into view; the citizen follows.
    link = mirror(advisor).locator(".teaser h3 a", has_text="Wohngeld")
    link.evaluate("a => a.closest('li').scrollIntoView({block: 'start'})")
    wait_until(partial(in_view, citizen), "the citizen's mirror did not follow")
    wait_until(partial(in_view, advisor), "the advisor's mirror did not show the link")
    target = mirror(citizen).locator(".teaser h3 a", has_text="Wohngeld")
    for x, y in [(0.5, 0.5), (0.1, 0.3), (0.9, 0.7)]:
        box = target.bounding_box()
        assert box is not None
        citizen.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)

        def lands() -> bool:
            spot = citizen_spot(advisor)
            return spot is not None and mirror(advisor).evaluate(UNDER, spot) == "Wohngeld"

        wait_until(lands, f"the citizen's pointer missed the link at {citizen_size}")
    # Other colour than the advisor's own pointer, and never in the way of clicks.
    style = marker.evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).pointerEvents]"
    )
    assert style == ["rgb(255, 122, 0)", "none"]
    # The citizen's pointer leaves the page: hidden for the advisor.
    citizen.mouse.move(1, 1)
    expect(marker).to_be_hidden()
    # The citizen's own screen shows no citizen pointer of anyone.
    expect(citizen.get_by_test_id("citizen-pointer")).to_have_count(0)
    advisor.context.close()
    citizen.context.close()
