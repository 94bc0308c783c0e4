"""The advisor's every move in real Chromium: pointer, hover menus, widgets,
scrolling, typing, highlight, history — on other screen sizes too, and
never a password on the wire."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import msgpack
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    WebSocket,
    expect,
)

from bench.harness.procs import Server
from cobrowse.protocol import read_frame
from tests.e2e.journey import (
    JOIN,
    advisor_login,
    mirror,
    navigate,
    wait_same_doc,
    wait_until,
)

DESKTOP: ViewportSize = {"width": 1500, "height": 1000}

# The element under the top-left corner (the hotspot) of the citizen's pointer.
UNDER_POINTER = """([mx, my]) => {
  const hit = document.elementFromPoint(mx, my);
  const link = hit && hit.closest("a");
  return link ? link.textContent.trim() : (hit ? hit.tagName : null);
}"""


# Whether (mx, my) lies in one of the line boxes of the link named ``name``
# (by geometry: a banner the site lays over the link does not count against it).
ON_LINE_BOX = """([mx, my, name]) => [...document.querySelectorAll("a")].some(
  (a) => a.textContent.trim() === name && [...a.getClientRects()].some(
    (r) => mx >= r.left && mx <= r.right && my >= r.top && my <= r.bottom))"""

WAITING = 21  # cobrowse.protocol.Msg.WAITING: the joiner waits for admission
SCROLL = 5  # cobrowse.protocol.Msg.SCROLL
SOCKETS: dict[Page, list[WebSocket]] = {}  # each joiner's WebSockets to the relay


def join(ctx: BrowserContext, relay: Server, code: str, advisor: Page) -> Page:
    """Join with the code; admit the person in the console if the join policy asks for it."""
    page = ctx.new_page()
    kinds: list[int] = []
    sockets = SOCKETS[page] = []

    def on_socket(ws: WebSocket) -> None:
        sockets.append(ws)
        ws.on("framereceived", lambda data: kinds.append(msgpack.unpackb(data)[0]))

    page.on("websocket", on_socket)
    page.goto(relay.base + "/")
    page.get_by_label("Zugangscode").fill(code)
    with page.expect_websocket():  # „Los geht's“ joins and agrees: the view connects at once
        page.get_by_role("button", name=JOIN).click()
    # after WELCOME comes WAITING (admission needed) or the session itself
    while len(kinds) < 2:
        sockets[0].wait_for_event("framereceived")
    if kinds[1] == WAITING:
        advisor.get_by_role("button", name="Zulassen").first.click()
        expect(page.locator("#waiting")).to_be_hidden()
    expect(page.get_by_test_id("mirror")).to_be_visible()
    return page


def session(browser: Browser, relay: Server, *sizes: ViewportSize) -> tuple[Page, list[Page]]:
    """The advisor (first size) and one citizen per further size, all in."""
    advisor, code = advisor_login(browser.new_context(viewport=sizes[0]), relay)
    people = [join(browser.new_context(viewport=size), relay, code, advisor) for size in sizes[1:]]
    expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")
    return advisor, people


def close(*pages: Page) -> None:
    for page in pages:
        page.context.close()


def open_page(advisor: Page, people: list[Page], relay: Server, path: str, text: str) -> None:
    navigate(advisor, relay.demo + path)
    for page in [advisor, *people]:
        expect(mirror(page).locator("body")).to_contain_text(text)
    wait_same_doc([advisor, *people], text)


def pointer_spot(page: Page) -> list[float] | None:
    """The citizen's pointer hotspot in the mirror's coordinates, or None while hidden."""
    spot: list[float] | None = page.evaluate(
        """() => {
          const marker = document.querySelector("[data-testid=advisor-pointer]");
          const frame = document.querySelector("[data-testid=mirror]");
          if (!marker || marker.hidden) return null;
          const m = marker.getBoundingClientRect(), f = frame.getBoundingClientRect();
          return [m.left - f.left - frame.clientLeft + 1, m.top - f.top - frame.clientTop + 1];
        }"""
    )
    return spot


def in_view(locator: Locator) -> bool:
    """The element is inside its frame's viewport (top to bottom)."""
    box = "el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }"
    top, bottom, height = locator.evaluate(box)
    return bool(top >= 0 and bottom <= height)


def scroll_y(page: Page) -> float:
    value: float = mirror(page).evaluate("scrollY")
    return value


def test_pointer_lands_on_the_same_link_on_every_screen(browser: Browser, relay: Server) -> None:
    advisor, people = session(
        browser,
        relay,
        {"width": 1280, "height": 800},
        {"width": 390, "height": 844},
        {"width": 1920, "height": 1080},
    )
    open_page(advisor, people, relay, "/", "Beliebte Themen")
    link = mirror(advisor).locator(".teaser h3 a", has_text="Wohngeld")
    # the advisor scrolls the card to the top; everyone follows, whatever their layout
    link.evaluate("a => a.closest('li').scrollIntoView({block: 'start'})")
    for page in people:
        card = mirror(page).locator(".teaser h3 a", has_text="Wohngeld")
        wait_until(partial(in_view, card), "the citizen's mirror did not scroll the link into view")
    for x, y in [(0.5, 0.5), (0.1, 0.3), (0.9, 0.7)]:
        box = link.bounding_box()
        assert box is not None
        advisor.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
        for page in people:

            def lands(p: Page = page) -> bool:
                spot = pointer_spot(p)
                return spot is not None and mirror(p).evaluate(UNDER_POINTER, spot) == "Wohngeld"

            wait_until(lands, f"the pointer missed the link at {page.viewport_size}")
    # the advisor's pointer leaves the page: hidden for everyone
    advisor.mouse.move(2, 2)
    for page in people:
        expect(page.get_by_test_id("advisor-pointer")).to_be_hidden()
    close(advisor, *people)


def test_pointer_on_a_link_that_wraps_stays_on_the_link_on_every_screen(
    browser: Browser, relay: Server
) -> None:
    # A link that wraps has one box per line; its bounding box also holds what
    # is beside the lines. Wherever the advisor points on its text, every
    # citizen's pointer must be on the link's text too, however it wraps there.
    advisor, people = session(
        browser,
        relay,
        {"width": 1280, "height": 800},
        {"width": 1280, "height": 800},
        {"width": 390, "height": 844},
    )
    open_page(advisor, people, relay, "/servicekonto/anmelden.html", "Registrierung")
    name = "So funktioniert die Registrierung"
    link = mirror(advisor).locator("p a", has_text=name)
    link.evaluate("a => a.scrollIntoView({block: 'center'})")
    for page in people:
        theirs = mirror(page).locator("p a", has_text=name)
        wait_until(partial(in_view, theirs), "the mirror did not follow the scroll")
        assert theirs.evaluate("a => a.getClientRects().length") >= 2, "pick a link that wraps"
    boxes = "a => [...a.getClientRects()].map(r => [r.left, r.top, r.width, r.height])"
    frame = advisor.get_by_test_id("mirror").bounding_box()
    assert frame is not None
    scale = frame["width"] / advisor.get_by_test_id("mirror").evaluate("f => f.offsetWidth")
    wrapped_here = link.evaluate(boxes)
    # The same link on one line in the advisor's mirror only (as with another font):
    # its middle is the citizens' first line, its start their line break.
    link.evaluate("a => { a.style.whiteSpace = 'nowrap'; }")
    one_line = link.evaluate(boxes)
    assert len(wrapped_here) >= 2 and len(one_line) == 1
    for left, top, width, height in [*one_line, *wrapped_here]:
        if (left, top, width, height) == tuple(wrapped_here[0]):
            link.evaluate("a => { a.style.whiteSpace = ''; }")  # wrapped again, as sent
        for x in (0.05, 0.5, 0.95):
            advisor.mouse.move(
                frame["x"] + (left + width * x) * scale, frame["y"] + (top + height / 2) * scale
            )
            for page in people:

                def lands(p: Page = page) -> bool:
                    spot = pointer_spot(p)
                    return spot is not None and bool(mirror(p).evaluate(ON_LINE_BOX, [*spot, name]))

                wait_until(lands, f"the pointer missed the wrapped link at {page.viewport_size}")
    close(advisor, *people)


def test_hover_opens_the_submenu_for_the_citizen(browser: Browser, relay: Server) -> None:
    advisor, (citizen,) = session(browser, relay, DESKTOP, {"width": 1280, "height": 800})
    open_page(advisor, [citizen], relay, "/", "Beliebte Themen")
    submenu = mirror(citizen).locator(".nav-main > li", has_text="Themen").locator(".submenu")
    expect(submenu).to_be_hidden()
    frame = citizen.get_by_test_id("mirror")
    closed_shot = frame.screenshot(animations="disabled")

    mirror(advisor).locator(".nav-main > li > a", has_text="Themen").hover()
    expect(submenu).to_be_visible()
    expect(submenu.get_by_role("link", name="Wohngeld")).to_be_visible()
    assert frame.screenshot(animations="disabled") != closed_shot
    # moving down into the open submenu keeps it open (the item stays hovered)
    mirror(advisor).locator(".submenu a", has_text="Kindergeld").first.hover()
    expect(submenu).to_be_visible()

    advisor.get_by_test_id("address").hover()  # the pointer leaves the page
    expect(submenu).to_be_hidden()
    expect(citizen.get_by_test_id("advisor-pointer")).to_be_hidden()
    wait_until(
        lambda: frame.screenshot(animations="disabled") == closed_shot,
        "the citizen's page does not look as before the hover",
    )
    close(advisor, citizen)


def test_widgets_open_for_the_citizen_and_for_late_joiners(browser: Browser, relay: Server) -> None:
    advisor, (citizen,) = session(browser, relay, DESKTOP, DESKTOP)
    open_page(advisor, [citizen], relay, "/themen/wohngeld.html", "Welche Einkommen")
    trigger = mirror(advisor).get_by_role("button", name="Welche Einkommen zählen?")
    panel = "#wohngeld-akk-1"
    expect(mirror(citizen).locator(panel)).to_be_hidden()
    trigger.click()
    for page in (advisor, citizen):
        expect(mirror(page).locator(panel)).to_be_visible()
    expect(
        mirror(citizen).get_by_role("button", name="Welche Einkommen zählen?")
    ).to_have_attribute("aria-expanded", "true")
    trigger.click()
    expect(mirror(citizen).locator(panel)).to_be_hidden()

    open_page(advisor, [citizen], relay, "/themen/rente.html", "Rentenarten")
    details = mirror(citizen).locator("details").first
    expect(details).not_to_have_attribute("open", "")
    mirror(advisor).locator("details summary").first.click()
    expect(details).to_have_attribute("open", "")

    open_page(advisor, [citizen], relay, "/themen/kindergeld.html", "Elterngeld")
    mirror(advisor).get_by_role("tab", name="Elterngeld").click()
    expect(mirror(citizen).locator("#panel-elterngeld")).to_be_visible()
    expect(mirror(citizen).locator("#panel-kindergeld")).to_be_hidden()
    expect(mirror(citizen).get_by_role("tab", name="Elterngeld")).to_have_attribute(
        "aria-selected", "true"
    )

    # someone joining now sees the page as it is, the chosen tab included
    code = re.sub(r"\D", "", advisor.get_by_test_id("session-code").inner_text())
    if len(code) == 6:
        guest = join(browser.new_context(viewport=DESKTOP), relay, code, advisor)
        expect(mirror(guest).locator("#panel-elterngeld")).to_be_visible()
        wait_same_doc([advisor, citizen, guest], "Elterngeld")
        close(guest)
    close(advisor, citizen)


def test_typed_search_shows_for_the_citizen_and_submits_for_both(
    browser: Browser, relay: Server
) -> None:
    advisor, (citizen,) = session(browser, relay, DESKTOP, DESKTOP)
    open_page(advisor, [citizen], relay, "/", "Beliebte Themen")
    field = mirror(advisor).get_by_label("Suchbegriff")
    field.click()
    field.press_sequentially("Wohngeld", delay=20)
    expect(mirror(citizen).get_by_label("Suchbegriff")).to_have_value("Wohngeld")
    field.press("Enter")
    for page in (advisor, citizen):
        expect(page.locator("#page-url")).to_contain_text("/suche?q=Wohngeld")
    wait_same_doc([advisor, citizen], "Treffer")
    expect(mirror(citizen).locator("#suche-q")).to_have_value("Wohngeld")
    close(advisor, citizen)


def _collect(sink: list[bytes], sent: bool) -> Any:
    def on_socket(ws: WebSocket) -> None:
        def keep(payload: str | bytes) -> None:
            sink.append(payload if isinstance(payload, bytes) else payload.encode())

        if sent:
            ws.on("framesent", keep)
        else:
            ws.on("framereceived", keep)

    return on_socket


def test_a_password_typed_by_the_advisor_never_reaches_anyone(
    browser: Browser, relay: Server
) -> None:
    secret = "Sehr-Geheim-4711"
    advisor_ctx = browser.new_context(viewport=DESKTOP)
    citizen_ctx = browser.new_context(viewport=DESKTOP)
    received: list[bytes] = []
    sent: list[bytes] = []
    advisor_ctx.on("page", lambda p: p.on("websocket", _collect(sent, sent=True)))
    citizen_ctx.on("page", lambda p: p.on("websocket", _collect(received, sent=False)))
    advisor, code = advisor_login(advisor_ctx, relay)
    citizen = join(citizen_ctx, relay, code, advisor)
    open_page(advisor, [citizen], relay, "/servicekonto/anmelden.html", "Servicekonto")

    frame = mirror(advisor)
    password = frame.get_by_label("Passwort", exact=True)
    # The relay disables fields of forms it will not send; try hard anyway, as if the
    # login form were usable: enable the fields in the advisor's mirror and type.
    frame.locator("#anmeldung").evaluate(
        "form => { for (const el of form.elements) el.disabled = false; }"
    )
    password.press_sequentially(secret, delay=10)
    password.press("Enter")  # an attempt to submit it
    # what does go out: text typed into the site search
    frame.locator("#suche-q").press_sequentially("Rente", delay=10)
    expect(mirror(citizen).locator("#suche-q")).to_have_value("Rente")
    expect(mirror(citizen).locator("#anmeldung-passwort")).to_have_value("")

    assert received and sent
    for frame_bytes in received + sent:
        assert secret.encode() not in frame_bytes
    # server frames as the client reads them (inflated), and the client's own
    assert all(secret not in repr(read_frame(frame_bytes)) for frame_bytes in received)
    assert all(secret not in repr(msgpack.unpackb(frame_bytes)) for frame_bytes in sent)
    assert any(b"Rente" in f for f in received)  # the inspection sees what does go out
    close(advisor, citizen)


def test_scroll_follow_and_free(browser: Browser, relay: Server) -> None:
    advisor, (citizen,) = session(browser, relay, DESKTOP, DESKTOP)
    open_page(advisor, [citizen], relay, "/themen/rente.html", "Rentenarten")
    follow = citizen.get_by_role("button", name="Dem Berater folgen")
    expect(follow).to_be_hidden()

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= 2

    advisor.get_by_test_id("mirror").hover()
    advisor.mouse.wheel(0, 500)
    wait_until(lambda: scroll_y(advisor) > 100, "the advisor's mirror did not scroll")
    wait_until(lambda: near(scroll_y(citizen), scroll_y(advisor)), "the citizen did not follow")

    # the citizen scrolls on their own: free mode, the advisor's scrolling no longer moves them
    citizen.get_by_test_id("mirror").hover()
    citizen.mouse.wheel(0, 300)
    expect(follow).to_be_visible()
    wait_until(lambda: scroll_y(citizen) > scroll_y(advisor) + 100, "the citizen did not scroll")
    own = scroll_y(citizen)
    is_scroll = lambda data: msgpack.unpackb(data)[0] == SCROLL  # noqa: E731
    with SOCKETS[citizen][-1].expect_event("framereceived", predicate=is_scroll):
        advisor.mouse.wheel(0, -400)
    wait_until(lambda: scroll_y(advisor) < own - 300, "the advisor's mirror did not scroll back")
    assert scroll_y(citizen) == own

    follow.click()
    expect(follow).to_be_hidden()
    wait_until(lambda: near(scroll_y(citizen), scroll_y(advisor)), "following did not resume")

    # in-page links scroll everyone, free or not
    citizen.mouse.wheel(0, 200)
    expect(follow).to_be_visible()
    mirror(advisor).get_by_role("link", name="Fragen und Antworten").click()
    expect(follow).to_be_hidden()
    heading = "Math.round(document.getElementById('fragen').getBoundingClientRect().top)"
    wait_until(lambda: mirror(advisor).evaluate(heading) < 300, "the advisor did not jump")
    wait_until(
        lambda: abs(mirror(citizen).evaluate(heading) - mirror(advisor).evaluate(heading)) <= 2,
        "the citizen did not jump to the heading with the advisor",
    )
    close(advisor, citizen)


def test_highlight_pulse_and_history(browser: Browser, relay: Server) -> None:
    advisor, (citizen,) = session(browser, relay, DESKTOP, {"width": 1280, "height": 800})
    open_page(advisor, [citizen], relay, "/", "Beliebte Themen")
    open_page(advisor, [citizen], relay, "/themen/umzug.html", "Meldebescheinigung")

    # a click anywhere shows a pulse to the citizen
    mirror(advisor).locator("h1").click()
    citizen.get_by_test_id("click-pulse").wait_for(state="attached")

    # mark the heading: the citizen's spotlight sits on it
    advisor.get_by_role("button", name="Element markieren").click()
    mirror(advisor).locator("h1").click()
    box = citizen.get_by_test_id("highlight")
    expect(box).to_be_visible()

    def around_heading() -> bool:
        spot = box.bounding_box()
        h1 = mirror(citizen).locator("h1").bounding_box()
        return (
            spot is not None
            and h1 is not None
            and spot["x"] <= h1["x"]
            and spot["y"] <= h1["y"]
            and spot["x"] + spot["width"] >= h1["x"] + h1["width"]
            and spot["y"] + spot["height"] >= h1["y"] + h1["height"]
        )

    wait_until(around_heading, "the highlight is not around the heading")
    advisor.get_by_role("button", name="Markierung entfernen").click()
    expect(box).to_be_hidden()
    advisor.get_by_role("button", name="Element markieren").click()
    mirror(advisor).locator("h1").click()
    expect(box).to_be_visible()

    # back, forward, reload; a new page drops the highlight
    advisor.get_by_role("button", name="Zurück").click()
    for page in (advisor, citizen):
        expect(page.locator("#page-url")).to_have_text(relay.demo + "/")
    expect(box).to_be_hidden()
    wait_same_doc([advisor, citizen], "Beliebte Themen")
    expect(advisor.get_by_role("button", name="Zurück")).to_be_disabled()
    advisor.get_by_role("button", name="Vor").click()
    expect(citizen.locator("#page-url")).to_have_text(relay.demo + "/themen/umzug.html")
    expect(advisor.get_by_role("button", name="Vor")).to_be_disabled()
    advisor.get_by_role("button", name="Neu laden").click()
    wait_same_doc([advisor, citizen], "Meldebescheinigung")
    close(advisor, citizen)
