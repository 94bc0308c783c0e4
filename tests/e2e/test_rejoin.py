"""Rejoining (issue #17): the caller closes the tab by mistake and comes back
in the same browser — by „Zurück zu Ihrer Sitzung“ on the start page or by
typing the code again — and is the same participant, without reading out new
words; the advisor's list shows no stranger. Read-back confirmation is on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import mirror_html, navigate, wait_until
from tests.e2e.test_accessibility import assert_accessible, context, open_session
from tests.e2e.test_accessibility import login as advisor_console
from tests.e2e.test_joining import confirm, enter_code, phrase_of

CONFIG = '[sessions]\nconfirm_join = true\njoin_policy = "open"\n'
HERE = "Ihre Beraterin oder Ihr Berater ist verbunden"


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def test_the_same_browser_comes_back_as_the_same_participant(
    browser: Browser, relay: Server
) -> None:
    adv_ctx, cit_ctx = context(browser), context(browser)
    advisor = advisor_console(adv_ctx, relay)
    code = open_session(advisor)
    navigate(advisor, relay.demo + "/themen/rente.html")
    citizen = cit_ctx.new_page()
    enter_code(citizen, relay, code)
    confirm(advisor, phrase_of(citizen))
    expect(citizen.locator("#status")).to_have_text(HERE)
    people = advisor.get_by_test_id("participants").get_by_role("listitem")
    expect(people).to_have_count(2)

    # the tab is closed; the start page offers the way back
    citizen.close()
    expect(people.filter(has_text="Bürger/in")).to_contain_text("getrennt seit")
    citizen = cit_ctx.new_page()
    citizen.goto(relay.base + "/")
    back = citizen.get_by_role("link", name="Zurück zu Ihrer Sitzung")
    expect(back).to_be_visible()
    assert_accessible(citizen, "the start page with the way back")
    back.click()
    expect(citizen.locator("#status")).to_have_text(HERE)
    wait_until(lambda: "Rente" in mirror_html(citizen), "the page did not come back")
    expect(people).to_have_count(2)
    expect(people.filter(has_text="Bürger/in")).to_contain_text("verbunden")

    # closed again, and this time the code is typed: still no new words, no guest
    citizen.close()
    citizen = cit_ctx.new_page()
    enter_code(citizen, relay, f"{code[:3]} {code[3:]}")
    expect(citizen.locator("#status")).to_have_text(HERE)
    expect(citizen.get_by_test_id("join-phrase")).to_be_hidden()
    expect(people).to_have_count(2)
    expect(advisor.get_by_text("Neue Person möchte beitreten")).to_be_hidden()
    adv_ctx.close()
    cit_ctx.close()
