"""``render = "browser"`` end to end: the demo host's pages are loaded in the
relay's own Chromium; participants get the DOM its scripts built, the
advisor's clicks reach the page's scripts there, and no page script ever runs
in a participant's browser nor does it contact anything but the relay."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Request, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate

pytestmark = pytest.mark.e2e

CONFIG = """
[sessions]
confirm_join = false
join_policy = "open"

[render]
max_browsers = 1

[[rules]]
host = "127.0.0.1"
render = "browser"
"""

# In every document of the participants' browsers: count what the demo's
# scripts would do if they ran there (their XHR, their global, a blocked
# script), reported to the top window of the relay page.
HOOK = """
(() => {
  const record = (what) => {
    try { (window.top.__pageScripts = window.top.__pageScripts || []).push(what); } catch (e) {}
  };
  // the hook itself runs in the sandboxed mirror frame too (Playwright injects it there)
  try { (window.top.__hooked = window.top.__hooked || []).push(location.pathname); } catch (e) {}
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (...args) {
    record("xhr");
    return open.apply(this, args);
  };
  Object.defineProperty(window, "demoStatistik", {set() { record("inline script"); }});
  const csp = (e) => record("csp " + e.effectiveDirective);
  document.addEventListener("securitypolicyviolation", csp);
})();
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def _watch(ctx: BrowserContext, relay: Server, foreign: list[str], console: list[str]) -> None:
    ctx.add_init_script(HOOK)

    def on_request(request: Request) -> None:
        if not request.url.startswith((relay.base + "/", "data:", "about:", "blob:")):
            foreign.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if "Blocked script execution" in message.text or "Content Security Policy" in message.text:
            console.append(message.text[:200])

    ctx.on("request", on_request)
    ctx.on("console", on_console)


def test_citizen_sees_script_built_content_and_the_advisor_works_its_widget(
    browser: Browser, relay: Server
) -> None:
    foreign: list[str] = []
    console: list[str] = []
    contexts = [
        browser.new_context(viewport={"width": 1280, "height": 800}),
        browser.new_context(viewport={"width": 390, "height": 844}),
    ]
    for ctx in contexts:
        _watch(ctx, relay, foreign, console)
    advisor, code = advisor_login(contexts[0], relay)
    citizen = citizen_join(contexts[1], relay, code)
    navigate(advisor, relay.demo + "/service/termine.html")

    # What only the page's script builds (from a JSON request) reaches both.
    for page in (advisor, citizen):
        # the first rendered page also starts the relay's browser
        expect(mirror(page).locator("h1")).to_have_text("Termin vereinbaren", timeout=30_000)
        expect(mirror(page).get_by_role("heading", name="Freie Termine")).to_be_visible()
        expect(mirror(page).locator(".termin")).to_have_count(5)
    later = mirror(citizen).get_by_text("Donnerstag, 10. Dezember")
    expect(later).to_be_hidden()

    # The script's own widget (no ARIA, no widget rule): the advisor's click is
    # replayed in the relay's browser, the script reacts, everyone sees it.
    mirror(advisor).get_by_role("button", name="Weitere Termine anzeigen").click()
    expect(later).to_be_visible()
    expect(mirror(citizen).get_by_role("button", name="Weniger Termine anzeigen")).to_be_visible()
    mirror(advisor).get_by_role("button", name="Weniger Termine anzeigen").click()
    expect(later).to_be_hidden()

    # A citizen's click does nothing: only the advisor steers.
    mirror(citizen).get_by_role("button", name="Weitere Termine anzeigen").click()
    expect(mirror(advisor).get_by_text("Donnerstag, 10. Dezember")).to_be_hidden()

    # A plain link on the rendered page navigates for everyone, rendered again.
    mirror(advisor).locator(".breadcrumb a", has_text="Service").first.click()
    for page in (advisor, citizen):
        expect(mirror(page).locator("h1")).to_have_text("Service")

    for page in (advisor, citizen):
        assert mirror(page).locator("script").count() == 0
        assert mirror(page).locator("[data-cobrowse-key]").count() == 0  # relay-private
        assert len(page.evaluate("window.__hooked")) >= 2  # the mirror frame was watched too
        assert page.evaluate("window.__pageScripts || []") == []
    for ctx in contexts:
        ctx.close()
    assert foreign == [], f"participants' browsers contacted other origins: {foreign[:5]}"
    assert console == [], f"sandbox or CSP had to stop something: {console[:5]}"
