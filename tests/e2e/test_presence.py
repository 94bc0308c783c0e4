"""Presence and who is here (issue #17), in real Chromium: the citizen always
sees whether the advisor is there — connected, gone (the advisor's browser
closed) and back, the session ended by the advisor; the advisor sees each
participant's state and hears when someone drops; citizens see who is here
(labels only) and are told when someone joins or leaves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from bench.harness.procs import Server
from tests.e2e.balancer import balancing
from tests.e2e.conftest import OPEN_JOIN, configured_relay
from tests.e2e.journey import citizen_join, end_session
from tests.e2e.test_accessibility import assert_accessible, context, join, open_session
from tests.e2e.test_accessibility import login as advisor_console

CONFIG = OPEN_JOIN
HERE = "Ihre Beraterin oder Ihr Berater ist verbunden"
AWAY = "Ihre Beraterin oder Ihr Berater ist gerade nicht verbunden – bitte warten"
ENDED = "Ihre Beraterin oder Ihr Berater hat die Sitzung beendet"


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def test_the_citizen_sees_the_advisor_go_and_come_back(browser: Browser, relay: Server) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor = advisor_console(adv_ctx, relay)
    citizen = join(cit_ctx, relay, open_session(advisor))
    status = citizen.locator("#status")
    expect(status).to_have_text(HERE)
    people = advisor.get_by_test_id("participants")
    expect(people.locator("li[data-role=citizen]")).to_contain_text("verbunden")

    # the advisor's tab goes away (browser closed): the citizen is told
    advisor.goto("about:blank")
    expect(status).to_have_text(AWAY)
    expect(status).to_have_attribute("data-state", "away")
    assert_accessible(citizen, "the citizen view while the advisor is away")

    # the same tab again: the console picks the session up, the citizen sees it
    advisor.goto(relay.base + "/berater")
    expect(status).to_have_text(HERE)

    # the citizen's tab goes: the advisor sees the state and is told
    citizen.close()
    expect(people.locator("li[data-role=citizen]")).to_contain_text("getrennt seit")
    expect(advisor.get_by_test_id("notice")).to_contain_text("Bürger/in ist nicht mehr verbunden")
    adv_ctx.close()
    cit_ctx.close()


def _address(relay: Server) -> tuple[str, int]:
    parts = urlsplit(relay.base)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


# Long enough for the relay's ≤ 5 s (cobrowse/ws_liveness.py) on a busy machine; far
# shorter than the 20 s heartbeat plus 10 s pong wait that noticed a silent drop before.
NOTICED_MS = 10_000


def test_a_silent_drop_is_noticed_on_both_sides(browser: Browser, relay: Server) -> None:
    """A network cut without any close (laptop lid, lost signal): each side's
    line runs through a proxy that drops the bytes but keeps the sockets open."""
    adv_ctx, cit_ctx = context(browser), context(browser)
    with balancing([_address(relay)]) as adv_line, balancing([_address(relay)]) as cit_line:
        advisor = advisor_console(adv_ctx, replace(relay, base=adv_line.base))
        citizen = join(cit_ctx, replace(relay, base=cit_line.base), open_session(advisor))
        status, own = citizen.locator("#status"), advisor.locator("#status")
        expect(status).to_have_text(HERE)
        people = advisor.get_by_test_id("participants")
        expect(people.locator("li[data-role=citizen]")).to_contain_text("verbunden")

        # the advisor's line goes dead: the citizen is told, the advisor's page sees it too
        adv_line.cut()
        expect(status).to_have_text(AWAY, timeout=NOTICED_MS)
        expect(own).to_have_attribute("data-state", "reconnecting", timeout=NOTICED_MS)
        adv_line.mend()
        expect(own).to_have_attribute("data-state", "connected", timeout=NOTICED_MS)
        expect(status).to_have_text(HERE)

        # the citizen's line goes dead: the advisor sees it, the citizen's page too
        cit_line.cut()
        citizen_entry = people.locator("li[data-role=citizen]")
        expect(citizen_entry).to_contain_text("getrennt seit", timeout=NOTICED_MS)
        expect(advisor.get_by_test_id("notice")).to_contain_text(
            "Bürger/in ist nicht mehr verbunden"
        )
        expect(status).to_have_attribute("data-state", "reconnecting", timeout=NOTICED_MS)
        expect(status).to_have_text(re.compile("Verbindung"))
        cit_line.mend()
        expect(status).to_have_text(HERE, timeout=NOTICED_MS)
        expect(citizen_entry).not_to_contain_text("getrennt")
        adv_ctx.close()
        cit_ctx.close()


def test_citizens_see_who_is_here_and_who_comes_and_goes(browser: Browser, relay: Server) -> None:
    adv_ctx, cit_ctx, guest_ctx = context(browser), context(browser), context(browser)
    advisor = advisor_console(adv_ctx, relay)
    code = open_session(advisor)
    citizen = join(cit_ctx, relay, code)
    people = citizen.get_by_test_id("participants")
    expect(people.get_by_role("listitem")).to_have_text(["Berater/in", "Bürger/in (Sie)"])
    guest = citizen_join(guest_ctx, relay, code)
    expect(people).to_contain_text("Gast 1")
    expect(citizen.get_by_test_id("notice")).to_contain_text("Gast 1 ist jetzt dabei.")
    # labels only: nothing about anyone's connection in the citizen's list
    expect(people).not_to_contain_text("verbunden")
    assert_accessible(citizen, "the citizen view with who is here")
    guest.get_by_role("button", name="Verlassen").click()
    expect(citizen.get_by_test_id("notice")).to_contain_text("Gast 1 hat die Sitzung verlassen.")
    expect(people).not_to_contain_text("Gast 1")

    end_session(advisor)
    expect(citizen.locator("#status")).to_have_text(ENDED)
    adv_ctx.close()
    cit_ctx.close()
    guest_ctx.close()


def test_logging_out_asks_and_the_next_login_resumes(browser: Browser, relay: Server) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor = advisor_console(adv_ctx, relay)
    code = open_session(advisor)
    citizen = join(cit_ctx, relay, code)
    status = citizen.locator("#status")
    expect(status).to_have_text(HERE)
    # „Abmelden“ during a session asks first; staying signed in changes nothing
    advisor.get_by_role("button", name="Abmelden").click()
    dialog = advisor.get_by_role("dialog", name="Die Sitzung läuft noch")
    expect(dialog.get_by_role("button", name="Angemeldet bleiben")).to_be_focused()
    assert_accessible(advisor, "the question before logging out")
    advisor.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(status).to_have_text(HERE)
    # signed out, the session kept: the citizen waits
    advisor.get_by_role("button", name="Abmelden").click()
    dialog.get_by_role("button", name="Abmelden, Sitzung läuft weiter").click()
    expect(advisor.get_by_label("Benutzername")).to_be_visible()
    expect(status).to_have_text(AWAY)
    adv_ctx.close()

    # the next login, in another browser window, takes the session back
    again_ctx = context(browser)
    again = advisor_console(again_ctx, relay)
    again.get_by_role("button", name="Laufende Sitzung fortsetzen").click()
    expect(again.get_by_role("heading", name="Zugangscode")).to_be_focused()
    expect(again.get_by_test_id("session-code")).to_have_text(f"{code[:3]} {code[3:]}")
    expect(status).to_have_text(HERE)
    # and ends it on the way out
    again.get_by_role("button", name="Abmelden").click()
    again.get_by_role("button", name="Sitzung beenden und abmelden").click()
    expect(again.get_by_label("Benutzername")).to_be_visible()
    expect(status).to_have_text(ENDED)
    again_ctx.close()
    cit_ctx.close()


@pytest.mark.parametrize(
    "window",
    [
        {"viewport": {"width": 844, "height": 390}, "has_touch": True, "is_mobile": True},
        {"viewport": {"width": 640, "height": 400}},  # 1280×800 at 200 % zoom
    ],
    ids=["phone-landscape", "zoom-200"],
)
def test_short_windows_still_tell_who_is_here(
    browser: Browser, relay: Server, window: dict[str, object]
) -> None:
    """The slim bar has no room for the list at heights ≤ 30rem: „2 Personen“ opens it."""
    adv_ctx, short = context(browser), context(browser, **window)
    advisor = advisor_console(adv_ctx, relay)
    citizen = join(short, relay, open_session(advisor))
    people = citizen.get_by_test_id("participants")
    toggle = citizen.get_by_role("button", name="2 Personen")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(people).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(people.get_by_role("listitem")).to_have_text(["Berater/in", "Bürger/in (Sie)"])
    expect(citizen.get_by_role("button", name="Verlassen")).to_be_visible()
    assert_accessible(citizen, f"the short citizen view with who is here open ({window})")
    toggle.click()
    expect(people).to_be_hidden()
    adv_ctx.close()
    short.close()
