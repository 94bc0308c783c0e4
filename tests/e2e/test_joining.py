"""Joining safely in real Chromium: read-back confirmation, admission,
removal, expired codes, resume after reload, the end with the visited pages,
and the throttle. The relay runs with a config file: confirmation on, join
policy "admit", and a trusted proxy so each browser context can stand for
another client address (``X-Forwarded-For``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from bench.harness.procs import Server
from cobrowse.protocol import Msg
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import (
    advisor_login,
    end_session,
    mirror_html,
    navigate,
    wait_same_doc,
    wait_until,
)

VIEWPORT = {"width": 1400, "height": 950}
CONFIG = """
[server]
trusted_proxies = ["127.0.0.1"]
[sessions]
confirm_join = true
join_policy = "admit"
[limits]
join_failures_per_client = 4
"""


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


_addresses = iter(range(1, 250))


def context(browser: Browser) -> BrowserContext:
    """A browser context that looks like its own client address to the relay."""
    return browser.new_context(
        viewport=VIEWPORT, extra_http_headers={"X-Forwarded-For": f"198.51.100.{next(_addresses)}"}
    )


class FrameLog:
    """Types of the frames one page's WebSockets received, in order."""

    def __init__(self, page: Page) -> None:
        self.types: list[int] = []
        self.raw: list[bytes] = []
        page.on("websocket", self._watch)

    def _watch(self, ws: WebSocket) -> None:
        def received(payload: Any) -> None:
            if isinstance(payload, bytes):
                self.raw.append(payload)
                self.types.append(msgpack.unpackb(payload)[0])

        ws.on("framereceived", received)


def enter_code(page: Page, relay: Server, code: str) -> None:
    page.goto(relay.base + "/")
    page.get_by_label("Zugangscode").fill(code)
    page.get_by_role("button", name=re.compile("Los geht")).click()


def phrase_of(page: Page) -> str:
    words = page.get_by_test_id("join-phrase")
    expect(words).to_be_visible()
    text = words.inner_text().strip()
    assert len(text.split()) == 2
    return text


def confirm(advisor: Page, words: str) -> None:
    field = advisor.get_by_test_id("confirm-phrase").first
    field.fill(words)
    field.press("Enter")


def test_a_joiner_sees_nothing_until_the_advisor_types_the_words(
    browser: Browser, relay: Server
) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor, code = advisor_login(adv_ctx, relay)
    navigate(advisor, relay.demo + "/themen/rente.html")
    wait_until(lambda: "Rente" in mirror_html(advisor), "advisor page did not load")
    citizen = cit_ctx.new_page()
    frames = FrameLog(citizen)
    enter_code(citizen, relay, code)
    words = phrase_of(citizen)
    expect(citizen.get_by_text("Bitte lesen Sie Ihrem Berater diese Wörter vor")).to_be_visible()
    expect(advisor.get_by_text("Neue Person möchte beitreten")).to_be_visible()
    assert "Rente" not in mirror_html(citizen)
    assert set(frames.types) <= {Msg.WELCOME, Msg.WAITING}
    assert not any(b"rente" in raw.lower() for raw in frames.raw)

    confirm(advisor, words.lower())
    wait_same_doc([advisor, citizen], "Rente")
    expect(citizen.get_by_test_id("join-phrase")).to_be_hidden()
    # frames with page content came only after the confirmation
    first_content = frames.types.index(Msg.SNAPSHOT)
    assert set(frames.types[:first_content]) <= {Msg.WELCOME, Msg.WAITING}
    adv_ctx.close()
    cit_ctx.close()


def test_three_wrong_entries_remove_the_joiner_and_the_code(
    browser: Browser, relay: Server
) -> None:
    adv_ctx, cit_ctx, again_ctx = context(browser), context(browser), context(browser)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = cit_ctx.new_page()
    enter_code(citizen, relay, code)
    phrase_of(citizen)
    for attempt in range(3):
        confirm(advisor, f"Falsch Geraten{attempt}")
        if attempt < 2:
            expect(advisor.locator("#notices")).to_contain_text(f"Noch {2 - attempt}")
    expect(advisor.locator("#notices")).to_contain_text("neuen Code")
    expect(citizen.get_by_test_id("ended-reason")).to_contain_text("Bestätigung hat nicht geklappt")
    again = again_ctx.new_page()
    enter_code(again, relay, code)
    expect(again.get_by_role("alert")).to_contain_text("abgelaufen")
    # the advisor draws a new code and the real citizen gets in with it
    advisor.get_by_role("button", name="Neuen Code ziehen").click()
    wait_until(
        lambda: len(re.sub(r"\D", "", advisor.get_by_test_id("session-code").inner_text())) == 6,
        "no new code shown",
    )
    new_code = re.sub(r"\D", "", advisor.get_by_test_id("session-code").inner_text())
    assert new_code != code
    enter_code(again, relay, new_code)
    phrase_of(again)
    for ctx in (adv_ctx, cit_ctx, again_ctx):
        ctx.close()


def test_second_person_admitted_then_removed_cannot_return(browser: Browser, relay: Server) -> None:
    adv_ctx, cit_ctx, guest_ctx = context(browser), context(browser), context(browser)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = cit_ctx.new_page()
    enter_code(citizen, relay, code)
    confirm(advisor, phrase_of(citizen))
    guest = guest_ctx.new_page()
    enter_code(guest, relay, code)
    confirm(advisor, phrase_of(guest))
    participants = advisor.get_by_test_id("participants")
    expect(participants).to_contain_text("Gast")
    navigate(advisor, relay.demo + "/service/faq.html")
    wait_same_doc([advisor, citizen, guest], "Fragen")
    participants.get_by_role("button", name=re.compile("Gast.*entfernen")).click()
    expect(guest.get_by_test_id("ended-reason")).to_contain_text("entfernt")
    expect(participants).not_to_contain_text("Gast")
    enter_code(guest, relay, code)
    expect(guest.get_by_role("alert")).to_contain_text("abgelaufen")
    # the citizen is unaffected
    navigate(advisor, relay.demo + "/service/kontakt.html")
    wait_same_doc([advisor, citizen], "Kontakt")
    for ctx in (adv_ctx, cit_ctx, guest_ctx):
        ctx.close()


def test_reload_resumes_and_the_end_shows_everyone_the_same_list(
    browser: Browser, relay: Server
) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor, code = advisor_login(adv_ctx, relay)
    citizen = cit_ctx.new_page()
    enter_code(citizen, relay, code)
    confirm(advisor, phrase_of(citizen))
    for path, text in [("/", "Bundesministerium"), ("/themen/wohngeld.html", "Wohngeld")]:
        navigate(advisor, relay.demo + path)
        wait_same_doc([advisor, citizen], text)
    citizen.reload()
    wait_same_doc([advisor, citizen], "Wohngeld")  # no new code, same page
    advisor.reload()
    wait_same_doc([advisor, citizen], "Wohngeld")
    end_session(advisor)
    lists = []
    for page in (advisor, citizen):
        visited = page.get_by_test_id("visited-pages")
        expect(visited.get_by_role("link")).to_have_count(2)
        lists.append(visited.inner_text())
        hrefs = visited.get_by_role("link").evaluate_all("links => links.map(a => a.href)")
        assert hrefs == [relay.demo + "/", relay.demo + "/themen/wohngeld.html"]
    assert lists[0] == lists[1]
    with citizen.expect_download() as download:
        citizen.get_by_role("button", name="Als Datei speichern").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert relay.demo + "/themen/wohngeld.html" in saved
    adv_ctx.close()
    cit_ctx.close()


def test_guessing_is_throttled(browser: Browser, relay: Server) -> None:
    ctx = context(browser)
    page = ctx.new_page()
    for _ in range(4):
        enter_code(page, relay, "999999")
        expect(page.get_by_role("alert")).to_contain_text(re.compile("keine Sitzung|abgelaufen"))
    enter_code(page, relay, "999998")
    expect(page.get_by_role("alert")).to_contain_text("Zu viele Versuche")
    other = context(browser).new_page()  # another address is not affected
    enter_code(other, relay, "999997")
    expect(other.get_by_role("alert")).not_to_contain_text("Zu viele Versuche")
    ctx.close()
