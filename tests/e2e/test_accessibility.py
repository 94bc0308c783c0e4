"""Accessibility (BITV 2.0 / WCAG 2.1 AA) of every relay page in real Chromium.

axe-core (npm, ``node_modules/axe-core``) is injected into each page and must
find no violation: landing (also with an error), Hilfe, Impressum,
Datenschutz, advisor login, console before and during a session, the
citizen view with a demo page loaded, and the end of the session. The mirror
iframe's *content* is the third-party page and is not ours to fix, so axe
does not descend into frames; the iframe element itself (its title) is
checked. Browser contexts for axe bypass the relay's CSP, which forbids the
inline script Playwright injects.

Further: no horizontal scrolling on a 360 px phone, at 200 % zoom (a
640 × 400 CSS viewport at device scale factor 2 is 1280 × 800 zoomed to
200 %) and at 320 CSS px (WCAG 1.4.10 reflow), motion off under
``prefers-reduced-motion``, and the status live regions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.harness.procs import Server, start_relay
from tests.e2e.journey import end_session, mirror_html, navigate, wait_until
from tests.public_pages import PUBLIC_PAGES

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1400, "height": 950}
PHONE = {"width": 360, "height": 740}
ZOOM_200 = {"width": 640, "height": 400}
REFLOW_320 = {"width": 320, "height": 256}  # WCAG 1.4.10: 1280 × 1024 at 400 %
# The journey's joiner gets in at once here; the read-back confirmation has its own relay.
CONFIG = "[sessions]\nconfirm_join = false\n"
CONFIRMING = "[sessions]\nconfirm_join = true\n"
# The citizen's status line once in: the advisor is there (issue #17, presence).
ADVISOR_HERE = "Ihre Beraterin oder Ihr Berater ist verbunden"


def _relay(tmp_path_factory: pytest.TempPathFactory, text: str) -> Iterator[Server]:
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run `npm install` (make test does)")
    config = tmp_path_factory.mktemp("a11y") / "relay.toml"
    config.write_text(text)
    with start_relay("--config", str(config)) as relay:
        yield relay


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _relay(tmp_path_factory, CONFIG)


@pytest.fixture(scope="module")
def confirming_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _relay(tmp_path_factory, CONFIRMING)


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` (all rules of axe's default set, frames excluded)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {iframes: false, resultTypes: ['violations']})"
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def assert_accessible(page: Page, where: str) -> None:
    found = violations(page)
    report = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']][:5]}"
        for v in found
    )
    assert not found, f"axe found {len(found)} violation(s) on {where}:\n{report}"


def overflow(page: Page) -> list[str]:
    """Visible elements of the relay's UI that stick out to the right (horizontal scrolling)."""
    result: list[str] = page.evaluate(
        """() => {
          const out = [];
          if (document.scrollingElement.scrollWidth > innerWidth) out.push('document');
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.height && r.right > innerWidth + 0.5 && el.checkVisibility())
              out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ends at ${r.right}`);
          }
          return out;
        }"""
    )
    return result


def context(browser: Browser, **options: Any) -> BrowserContext:
    return browser.new_context(bypass_csp=True, **{"viewport": DESKTOP, **options})


def login(ctx: BrowserContext, relay: Server) -> Page:
    page = ctx.new_page()
    page.goto(relay.base + "/berater")
    page.get_by_label("Benutzername").fill(relay.user)
    page.get_by_label("Passwort").fill(relay.password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Neue Sitzung")).to_be_visible()
    return page


def open_session(advisor: Page) -> str:
    advisor.get_by_role("button", name="Neue Sitzung").click()
    code = advisor.get_by_test_id("session-code")
    wait_until(lambda: len(re.sub(r"\D", "", code.inner_text())) == 6, "no code shown")
    return re.sub(r"\D", "", code.inner_text())


def join(ctx: BrowserContext, relay: Server, code: str) -> Page:
    page = ctx.new_page()
    page.goto(relay.base + "/")
    page.get_by_label("Zugangscode").fill(code)
    page.get_by_role("button", name=re.compile("Los geht")).click()
    expect(page.locator("#status")).to_have_text(ADVISOR_HERE)
    return page


def show_page(advisor: Page, citizen: Page, relay: Server, path: str, text: str) -> None:
    navigate(advisor, relay.demo + path)
    wait_until(lambda: text in mirror_html(citizen) and text in mirror_html(advisor), "no page")
    expect(citizen.locator("#page-title")).to_contain_text(text)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_violations(browser: Browser, relay: Server, path: str) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    page.goto(relay.base + path)
    assert_accessible(page, path)
    ctx.close()


def test_landing_with_an_error_has_no_violations(browser: Browser, relay: Server) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    page.goto(relay.base + "/")
    page.get_by_label("Zugangscode").fill("12 34")
    page.get_by_role("button", name=re.compile("Los geht")).click()
    field = page.get_by_label("Zugangscode")
    expect(page.get_by_role("alert")).to_contain_text("sechs Ziffern")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()  # back in the field to correct it
    described = (field.get_attribute("aria-describedby") or "").split()
    assert "code-error" in described
    assert_accessible(page, "landing with an error")
    ctx.close()


def test_session_pages_have_no_violations(browser: Browser, relay: Server) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor = login(adv_ctx, relay)
    assert_accessible(advisor, "the console before a session")
    code = open_session(advisor)
    assert_accessible(advisor, "the console with a fresh code")
    citizen = join(cit_ctx, relay, code)
    assert_accessible(citizen, "the citizen view before a page")
    show_page(advisor, citizen, relay, "/themen/rente.html", "Rente")
    assert_accessible(citizen, "the citizen view with a page")
    assert_accessible(advisor, "the console during a session")
    # a notice (link not allowed / page not shown) must not break anything either
    navigate(advisor, "https://nicht-freigegeben.example/")
    expect(advisor.locator("#notices")).to_contain_text("nicht freigegeben")
    expect(citizen.locator("#notices")).to_contain_text("bisherige Seite")
    assert_accessible(citizen, "the citizen view with a notice")
    assert_accessible(advisor, "the console with a notice")
    advisor.get_by_test_id("end-session").click()
    expect(advisor.get_by_role("dialog")).to_be_visible()
    assert_accessible(advisor, "the question before ending")
    advisor.get_by_role("button", name="Ja, Sitzung beenden").click()
    for page, who in ((citizen, "citizen"), (advisor, "advisor")):
        expect(page.get_by_test_id("visited-pages").get_by_role("link")).to_have_count(1)
        expect(page.get_by_role("heading", name="Die Sitzung ist beendet")).to_be_focused()
        assert_accessible(page, f"the end of the session ({who})")
    adv_ctx.close()
    cit_ctx.close()


def test_read_back_confirmation_has_no_violations(
    browser: Browser, confirming_relay: Server
) -> None:
    relay = confirming_relay
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor = login(adv_ctx, relay)
    code = open_session(advisor)
    citizen = cit_ctx.new_page()
    citizen.goto(relay.base + "/")
    citizen.get_by_label("Zugangscode").fill(code)
    expect(citizen.get_by_role("heading", name="Was passiert dann?")).to_be_visible()
    assert_accessible(citizen, "the start page with the consent notice and a typed code")
    citizen.get_by_role("button", name=re.compile("Los geht")).click()
    words = citizen.get_by_test_id("join-phrase")
    expect(words).to_be_visible()
    assert_accessible(citizen, "the waiting view with the words to read out")
    field = advisor.get_by_test_id("confirm-phrase")
    expect(field).to_be_visible()
    assert_accessible(advisor, "the console with a person waiting")
    field.fill("falsch falsch")
    field.press("Enter")
    expect(advisor.locator("main")).to_contain_text("Noch 2")  # attempts left
    assert_accessible(advisor, "the console after a wrong entry")
    field.fill(words.inner_text().strip())
    field.press("Enter")
    expect(citizen.locator("#status")).to_have_text(ADVISOR_HERE)
    expect(words).to_be_hidden()
    show_page(advisor, citizen, relay, "/", "Bundesministerium")
    assert_accessible(citizen, "the citizen view after the confirmation")
    adv_ctx.close()
    cit_ctx.close()


def test_the_checker_bites(browser: Browser, relay: Server) -> None:
    """A planted violation is found: the tests above are not vacuous."""
    ctx = context(browser)
    page = ctx.new_page()
    page.goto(relay.base + "/")
    page.evaluate(
        """() => {
          const input = document.createElement('input');
          document.querySelector('main').append(input);
          const frame = document.createElement('iframe');
          document.querySelector('main').append(frame);
        }"""
    )
    ids = {v["id"] for v in violations(page)}
    assert {"label", "frame-title"} <= ids
    ctx.close()


@pytest.mark.parametrize(
    ("viewport", "label"),
    [(PHONE, "360 px phone"), (ZOOM_200, "200 % zoom"), (REFLOW_320, "400 % zoom (reflow)")],
)
def test_no_horizontal_scrolling(
    browser: Browser, relay: Server, viewport: dict[str, int], label: str
) -> None:
    adv_ctx = context(browser, viewport=viewport, device_scale_factor=2)
    cit_ctx = context(browser, viewport=viewport, device_scale_factor=2)
    page = cit_ctx.new_page()
    for path in PUBLIC_PAGES:
        page.goto(relay.base + path)
        assert overflow(page) == [], f"{path} scrolls sideways at {label}"
    page.close()
    advisor = login(adv_ctx, relay)
    assert overflow(advisor) == [], f"console scrolls sideways at {label}"
    code = open_session(advisor)
    citizen = join(cit_ctx, relay, code)
    show_page(advisor, citizen, relay, "/themen/wohngeld.html", "Wohngeld")
    assert overflow(citizen) == [], f"citizen view scrolls sideways at {label}"
    assert overflow(advisor) == [], f"console in a session scrolls sideways at {label}"
    # the controls stay usable: leaving is visible without scrolling sideways
    expect(citizen.get_by_role("button", name="Verlassen")).to_be_in_viewport()
    end_session(advisor)
    expect(citizen.get_by_test_id("visited-pages").get_by_role("link")).to_have_count(1)
    assert overflow(citizen) == [], f"the end of the session scrolls sideways at {label}"
    adv_ctx.close()
    cit_ctx.close()


def test_reduced_motion_switches_transitions_off(browser: Browser, relay: Server) -> None:
    ctx = context(browser, reduced_motion="reduce")
    advisor = login(ctx, relay)
    code = open_session(advisor)
    citizen = join(ctx, relay, code)
    durations = citizen.evaluate(
        """() => [...document.querySelectorAll('#mirror, #advisor-pointer, button, a')]
                 .map(el => getComputedStyle(el))
                 .flatMap(s => [s.transitionDuration, s.animationDuration])"""
    )
    assert durations and all(d in ("0s", "") for d in durations), durations
    ctx.close()
    normal = context(browser)
    page = normal.new_page()
    page.goto(relay.base + "/")
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches") is False
    normal.close()


def test_status_changes_are_announced(browser: Browser, relay: Server) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor = login(adv_ctx, relay)
    code = open_session(advisor)
    citizen = join(cit_ctx, relay, code)
    for page in (citizen, advisor):
        status = page.locator("#status")
        expect(status).to_have_attribute("role", "status")
        expect(page.locator("#page-status")).to_have_attribute("role", "status")
        expect(page.locator("#notices")).to_have_attribute("aria-live", "assertive")
    expect(citizen.locator("#status")).to_have_text(ADVISOR_HERE)
    # record what the citizen's live regions said while the page loaded
    citizen.evaluate(
        """() => {
          window.__said = [];
          const watch = new MutationObserver(() => {
            for (const id of ['status', 'page-status'])
              window.__said.push(document.getElementById(id).textContent);
          });
          for (const id of ['status', 'page-status'])
            watch.observe(document.getElementById(id),
                          {childList: true, characterData: true, subtree: true});
        }"""
    )
    show_page(advisor, citizen, relay, "/service/faq.html", "Fragen")
    said: list[str] = citizen.evaluate("() => window.__said")
    assert any(s.startswith("Seite wird geladen") for s in said), said
    end_session(advisor)
    expect(citizen.locator("#status")).to_have_text(re.compile("beendet"))
    adv_ctx.close()
    cit_ctx.close()
