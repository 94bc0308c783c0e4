"""Steps of the co-browsing journey as a person takes them in the browser."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Frame, Page
from playwright.sync_api import Error as PlaywrightError

from bench.harness.procs import Server

JOIN = re.compile("Los geht")


def advisor_login(ctx: BrowserContext, relay: Server) -> tuple[Page, str]:
    """Log in at /berater, click "Neue Sitzung", return (console page, six-digit code)."""
    page = ctx.new_page()
    page.goto(relay.base + "/berater")
    page.get_by_label("Benutzername").fill(relay.user)
    page.get_by_label("Passwort").fill(relay.password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("button", name="Neue Sitzung").click()
    code_el = page.get_by_test_id("session-code")
    wait_until(lambda: len(re.sub(r"\D", "", code_el.inner_text())) == 6, "no code shown")
    return page, re.sub(r"\D", "", code_el.inner_text())


def citizen_join(ctx: BrowserContext, relay: Server, code: str) -> Page:
    page = ctx.new_page()
    page.goto(relay.base + "/")
    page.get_by_label("Zugangscode").fill(code)
    page.get_by_role("button", name=JOIN).click()
    page.get_by_test_id("mirror").wait_for()
    return page


def mirror(page: Page) -> Frame:
    handle = page.get_by_test_id("mirror").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


def mirror_html(page: Page) -> str:
    try:
        html: str = mirror(page).evaluate("document.documentElement.outerHTML")
    except PlaywrightError:
        return ""
    return html


def navigate(advisor: Page, url: str) -> None:
    address = advisor.get_by_test_id("address")
    address.fill(url)
    address.press("Enter")


def end_session(advisor: Page) -> None:
    """„Sitzung beenden“ and the answer „Ja, Sitzung beenden“ to the question it asks."""
    advisor.get_by_test_id("end-session").click()
    advisor.get_by_role("dialog").get_by_role("button", name="Ja, Sitzung beenden").click()


def wait_until(
    check: Callable[[], bool], message: str | Callable[[], str], timeout: float = 15.0
) -> None:
    """Poll ``check`` until it holds; else fail with ``message`` (a function:
    called only then, so it can say what the screens show at that moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(message if isinstance(message, str) else message())


def wait_same_doc(pages: list[Page], must_contain: str) -> str:
    """Wait until every mirror holds the same document containing ``must_contain``."""
    docs: list[str] = []

    def same() -> bool:
        docs[:] = [mirror_html(p) for p in pages]
        return must_contain in docs[0] and all(d == docs[0] for d in docs)

    wait_until(
        same,
        lambda: (
            f"mirrors never agreed on a document with {must_contain!r}: "
            f"lengths {[len(d) for d in docs]}"
        ),
    )
    return docs[0]


READY = """async () => {
  await document.fonts.ready;
  const imgs = [...document.images];
  const loaded = (i) => new Promise((r) => { i.onload = i.onerror = r; });
  await Promise.all(imgs.map((i) => (i.complete ? null : loaded(i))));
  return [innerWidth, innerHeight];
}"""


def same_pixels(pages: list[Page], timeout: float = 10.0) -> bool:
    """Screenshots of every mirror are identical (retaken while resources load)."""
    for page in pages:
        mirror(page).evaluate(READY)
    deadline = time.monotonic() + timeout
    while True:
        shots = [p.get_by_test_id("mirror").screenshot(animations="disabled") for p in pages]
        if all(s == shots[0] for s in shots):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
