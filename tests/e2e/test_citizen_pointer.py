"""``[sessions] show_citizen_pointer``: the citizen points at a link in their
mirror and the advisor's orange pointer lands on the same link (real Chromium);
with several people pointing, the advisor sees one labelled marker each.
The relay runs with a config file turning the option on."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate, wait_until
from tests.e2e.test_accessibility import assert_accessible

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
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


# Every shown citizen marker: its label and its hotspot in the advisor's mirror
# coordinates (undoing the console's scaling).
SPOTS = """() => {
  const frame = document.querySelector("[data-testid=mirror]");
  const f = frame.getBoundingClientRect();
  const scale = f.width / frame.offsetWidth;
  return [...document.querySelectorAll("[data-testid=citizen-pointer]")]
    .filter((marker) => !marker.hidden)
    .map((marker) => {
      const m = marker.getBoundingClientRect();
      return [marker.textContent.trim(),
              [(m.left - f.left) / scale - frame.clientLeft + 1,
               (m.top - f.top) / scale - frame.clientTop + 1]];
    });
}"""


def citizen_spot(advisor: Page) -> list[float] | None:
    """The one citizen's pointer hotspot in the advisor's mirror, or None while hidden."""
    spots: list[tuple[str, list[float]]] = advisor.evaluate(SPOTS)
    return spots[0][1] if len(spots) == 1 else None


def settled(advisor: Page) -> bool:
    """No citizen marker is still gliding (its 60 ms transition) to where it was put."""
    done: bool = advisor.evaluate(
        """() => [...document.querySelectorAll("[data-testid=citizen-pointer]")]
                 .every((marker) => marker.getAnimations().length === 0)"""
    )
    return done


def pointed_at(advisor: Page) -> dict[str, str]:
    """Marker label → text of the link under its hotspot in the advisor's mirror.

    Pointing is element-relative (node + fraction of its box): the centre of a
    link that wraps onto two lines can fall beside its text, so the tests point
    at links on one line."""
    spots: list[tuple[str, list[float]]] = advisor.evaluate(SPOTS)
    who = {label: label.removesuffix(" zeigt hierhin") for label, _ in spots}
    assert all(who[label] != label for label, _ in spots), f"unlabelled marker: {spots}"
    return {who[label]: str(mirror(advisor).evaluate(UNDER, spot)) for label, spot in spots}


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
    browser: Browser, relay: Server, citizen_size: ViewportSize
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
    # A notice atop the console's right column makes the mirror smaller: the
    # marker moves with the page under it, the citizen's mouse staying put.
    scale = "el => el.getBoundingClientRect().width / el.offsetWidth"
    before = advisor.get_by_test_id("mirror").evaluate(scale)
    wait_until(partial(settled, advisor), "the marker kept gliding")
    spot = citizen_spot(advisor)
    assert spot is not None
    navigate(advisor, "")  # the advisor's own notice: the citizen's view stays as it is
    expect(advisor.get_by_test_id("notice")).to_contain_text("Adresse ein")
    wait_until(
        lambda: advisor.get_by_test_id("mirror").evaluate(scale) < before - 0.01,
        "the mirror kept its size under the notice",
    )

    def same_spot() -> bool:  # while the notice (a warning: 15 s) is still there
        smaller = advisor.get_by_test_id("mirror").evaluate(scale) < before - 0.01
        now = citizen_spot(advisor) if smaller and settled(advisor) else None
        return now is not None and all(abs(a - b) < 1 for a, b in zip(now, spot, strict=True))

    wait_until(same_spot, f"the marker stayed behind when the mirror shrank at {citizen_size}")
    assert lands()
    # Other colour than the advisor's own pointer, and never in the way of clicks.
    style = marker.evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).pointerEvents]"
    )
    assert style == ["rgb(255, 122, 0)", "none"]
    expect(marker).to_have_attribute("aria-hidden", "true")
    expect(marker).to_have_text("Bürger/in zeigt hierhin")  # who points
    # The citizen's pointer leaves the page: hidden for the advisor.
    citizen.mouse.move(1, 1)
    expect(marker).to_be_hidden()
    # The citizen's own screen shows no citizen pointer of anyone.
    expect(citizen.get_by_test_id("citizen-pointer")).to_have_count(0)
    advisor.context.close()
    citizen.context.close()


def markers_show(advisor: Page, expected: dict[str, str]) -> None:
    """Wait until the advisor's markers point at ``expected`` (label → link text)."""
    seen: list[dict[str, str]] = [{}]

    def check() -> bool:
        seen[0] = pointed_at(advisor)
        return seen[0] == expected

    try:
        wait_until(check, "")
    except AssertionError:
        raise AssertionError(f"markers showed {seen[0]}, not {expected}") from None


def point_at(page: Page, name: str) -> None:
    """Move ``page``'s mouse over the teaser link ``name`` in its mirror."""
    box = mirror(page).locator(".teaser h3 a", has_text=name).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_two_people_point_and_the_advisor_sees_two_labelled_markers(
    browser: Browser, relay: Server
) -> None:
    advisor, code = advisor_login(  # bypass_csp: axe is injected below
        browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True), relay
    )
    citizen = citizen_join(
        browser.new_context(viewport={"width": 1280, "height": 800}), relay, code
    )
    guest = citizen_join(browser.new_context(viewport={"width": 1280, "height": 720}), relay, code)
    expect(advisor.get_by_test_id("participants")).to_contain_text("Gast 1")
    navigate(advisor, relay.demo + "/")
    for page in (advisor, citizen, guest):
        expect(mirror(page).locator("body")).to_contain_text("Beliebte Themen")
    mirror(advisor).locator(".teaser-liste").evaluate("el => el.scrollIntoView({block: 'start'})")
    for page in (citizen, guest):
        wait_until(partial(in_view, page), "the mirror did not follow the advisor")
    wait_until(partial(in_view, advisor), "the advisor's mirror did not show the links")

    point_at(citizen, "Wohngeld")
    point_at(guest, "Kindergeld und Familie")  # (one-line links: see pointed_at)
    expected = {"Bürger/in": "Wohngeld", "Gast 1": "Kindergeld und Familie"}
    markers_show(advisor, expected)
    markers = advisor.get_by_test_id("citizen-pointer")
    for i in range(markers.count()):
        expect(markers.nth(i)).to_have_attribute("aria-hidden", "true")
    assert_accessible(advisor, "the console with two citizen markers")

    # They swap: each marker follows its own person.
    point_at(citizen, "Umzug und Meldewesen")
    point_at(guest, "Wohngeld")
    expected = {"Bürger/in": "Umzug und Meldewesen", "Gast 1": "Wohngeld"}
    markers_show(advisor, expected)

    # The guest's pointer leaves the page: only theirs goes.
    guest.mouse.move(1, 1)
    wait_until(
        lambda: pointed_at(advisor) == {"Bürger/in": "Umzug und Meldewesen"},
        "the guest's marker stayed",
    )
    # The guest points again, then leaves the session: their marker goes with them.
    point_at(guest, "Kindergeld und Familie")
    wait_until(lambda: "Gast 1" in pointed_at(advisor), "the guest's marker did not come back")
    guest.get_by_role("button", name="Verlassen").press("Enter")  # the mouse stays put
    wait_until(
        lambda: "Gast 1" not in pointed_at(advisor), "the guest's marker stayed after leaving"
    )
    # (the notice „Gast 1 hat die Sitzung verlassen“ atop the console's right
    # column shrinks the mirror; the citizen's marker moves along)
    wait_until(
        lambda: pointed_at(advisor) == {"Bürger/in": "Umzug und Meldewesen"},
        "the citizen's marker lost its link after the guest left",
    )
    # A second guest is "Gast 2" for good: the number is not handed on after Gast 1 left.
    second = citizen_join(browser.new_context(viewport={"width": 1280, "height": 720}), relay, code)
    people = advisor.get_by_test_id("participants")
    expect(people).to_contain_text("Gast 2")
    expect(people).not_to_contain_text("Gast 1")
    expect(mirror(second).locator("body")).to_contain_text("Beliebte Themen")
    point_at(second, "Wohngeld")
    wait_until(lambda: pointed_at(advisor).get("Gast 2") == "Wohngeld", "no marker 'Gast 2'")
    for page in (advisor, citizen, guest, second):
        page.context.close()
