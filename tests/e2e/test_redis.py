"""Two relay processes sharing one redis-server (``cobrowse serve --redis``):
the advisor works on one node, the citizen joins and watches on the other;
behind one load balancer, a node killed mid-session hands the session over."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.harness.procs import Server, start_relay
from tests.conftest import redis_or_skip
from tests.e2e.balancer import balancing
from tests.e2e.journey import (
    advisor_login,
    citizen_join,
    mirror,
    navigate,
    wait_same_doc,
    wait_until,
)

CONFIG = """
[server]
secret_key = "e2e-cluster-secret-0123456789-abcdefghij"
[sessions]
confirm_join = false
join_policy = "open"
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    directory = Path(tmp_path_factory.mktemp("cluster"))
    config = directory / "relay.toml"
    config.write_text(CONFIG)
    with redis_or_skip(directory) as redis:
        node = ("--config", str(config), "--redis", redis.url)
        with start_relay(*node) as first, start_relay(*node) as second:
            yield first, second


def test_advisor_on_one_node_citizen_on_the_other_see_the_same_page(
    browser: Browser, cluster: tuple[Server, Server]
) -> None:
    node_a, node_b = cluster
    advisor_ctx, citizen_ctx = browser.new_context(), browser.new_context()
    try:
        advisor, code = advisor_login(advisor_ctx, node_a)
        citizen = citizen_join(citizen_ctx, node_b, code)
        expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")
        pages = [("/", "Willkommen beim"), ("/themen/rente.html", "Rente und Altersvorsorge</h1>")]
        for path, heading in pages:  # headings of that page only (the home page links to Rente)
            navigate(advisor, node_a.demo + path)
            doc = wait_same_doc([advisor, citizen], heading)
            assert "<script" not in doc.lower()
    finally:
        advisor_ctx.close()
        citizen_ctx.close()


def test_the_advisors_next_login_on_the_other_node_resumes_the_session(
    browser: Browser, cluster: tuple[Server, Server]
) -> None:
    node_a, node_b = cluster
    advisor_ctx, citizen_ctx = browser.new_context(), browser.new_context()
    try:
        _advisor, code = advisor_login(advisor_ctx, node_a)
        citizen = citizen_join(citizen_ctx, node_a, code)
        status = citizen.locator("#status")
        expect(status).to_have_text("Ihre Beraterin oder Ihr Berater ist verbunden")
        advisor_ctx.close()  # the browser closed; the session runs on without it
        expect(status).to_contain_text("gerade nicht verbunden")
        advisor_ctx = browser.new_context()
        again = advisor_ctx.new_page()
        again.goto(node_b.base + "/berater")
        again.get_by_label("Benutzername").fill(node_b.user)
        again.get_by_label("Passwort").fill(node_b.password)
        again.get_by_role("button", name="Anmelden").click()
        again.get_by_role("button", name="Laufende Sitzung fortsetzen").click()
        expect(again.get_by_test_id("session-code")).to_have_text(f"{code[:3]} {code[3:]}")
        expect(status).to_have_text("Ihre Beraterin oder Ihr Berater ist verbunden")
        navigate(again, node_b.demo + "/themen/rente.html")
        wait_same_doc([again, citizen], "Rente und Altersvorsorge</h1>")
    finally:
        advisor_ctx.close()
        citizen_ctx.close()


def _address(relay: Server) -> tuple[str, int]:
    parts = urlsplit(relay.base)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def test_a_killed_node_hands_its_session_to_the_other_behind_one_balancer(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = Path(tmp_path_factory.mktemp("failover"))
    config = directory / "relay.toml"
    config.write_text(CONFIG + "[bus]\nowner_timeout_seconds = 1\n")
    with redis_or_skip(directory) as redis:
        node = ("--config", str(config), "--redis", redis.url)
        with start_relay(*node) as node_a, start_relay(*node) as node_b:
            advisor_ctx, citizen_ctx = browser.new_context(), browser.new_context()
            try:
                with balancing([_address(node_a), _address(node_b)]) as balancer:
                    front = replace(node_a, base=balancer.base)  # everyone lands on A first
                    advisor, code = advisor_login(advisor_ctx, front)
                    citizen = citizen_join(citizen_ctx, front, code)
                    expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")
                    navigate(advisor, node_a.demo + "/")
                    wait_same_doc([advisor, citizen], "Bundesministerium")
                    # "connected" must mean the new socket: right after the kill the
                    # status still shows the old one until the browser notices
                    reopened: list[Page] = []
                    for page in (advisor, citizen):
                        page.on("websocket", lambda _socket, page=page: reopened.append(page))

                    def back(page: Page) -> bool:
                        state = page.locator("#status").get_attribute("data-state")
                        return page in reopened and state == "connected"

                    node_a.kill()  # no goodbye: heartbeat, sockets and demo site just stop
                    for page in (advisor, citizen):  # both come back through B
                        status = page.locator("#status")
                        wait_until(
                            functools.partial(back, page),
                            lambda page=page, status=status: (
                                f"{page.url} did not reconnect: "
                                f"{status.inner_text()} / {page.locator('#notices').inner_text()}\n"
                                + "".join(node_b.output)[-3000:]
                            ),
                            timeout=20,
                        )
                    navigate(advisor, node_b.demo + "/themen/rente.html")

                    def citizen_on_new_page() -> bool:
                        title: str = mirror(citizen).evaluate("document.title")
                        return "Rente" in title

                    wait_until(
                        citizen_on_new_page,
                        lambda: (
                            "the citizen did not follow the new owner: pages "
                            f"{mirror(advisor).evaluate('document.title')!r} / "
                            f"{mirror(citizen).evaluate('document.title')!r}; notices "
                            f"{advisor.locator('#notices').inner_text()} / "
                            f"{citizen.locator('#notices').inner_text()}\n"
                            + "".join(node_b.output)[-3000:]
                        ),
                    )
                    # a heading of that page only: the home page links to "Rente" too
                    doc = wait_same_doc([advisor, citizen], "Rente und Altersvorsorge</h1>")
                    assert "<script" not in doc.lower()
            finally:
                advisor_ctx.close()
                citizen_ctx.close()


RENDERED = """
[render]
settle_seconds = 0.2
[[rules]]
host = "127.0.0.1"
render = "browser"
allow_post_forms = true
"""


def test_the_answer_to_a_sent_form_stays_when_the_advisor_comes_back_through_the_other_node(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = Path(tmp_path_factory.mktemp("posted"))
    config = directory / "relay.toml"
    config.write_text(CONFIG + RENDERED)
    with redis_or_skip(directory) as redis:
        node = ("--config", str(config), "--redis", redis.url)
        with start_relay(*node) as node_a, start_relay(*node) as node_b:
            advisor_ctx, citizen_ctx = browser.new_context(), browser.new_context()
            try:
                advisor, code = advisor_login(advisor_ctx, node_a)
                citizen = citizen_join(citizen_ctx, node_b, code)
                navigate(advisor, node_a.demo + "/service/kontakt.html")
                wait_same_doc([advisor, citizen], "Kontaktformular</h2>")
                form = mirror(advisor)
                form.get_by_label("Ihr Name").fill("Erika Mustermann")
                form.get_by_label("E-Mail-Adresse").fill("erika@example.org")
                form.get_by_label("Ich habe die").check()
                form.get_by_role("button", name="Nachricht senden").click()
                wait_same_doc([advisor, citizen], "Vielen Dank, Erika Mustermann")
                # the advisor's browser closes; the next login is on node B
                advisor_ctx.close()
                advisor_ctx = browser.new_context()
                again = advisor_ctx.new_page()
                again.goto(node_b.base + "/berater")
                again.get_by_label("Benutzername").fill(node_b.user)
                again.get_by_label("Passwort").fill(node_b.password)
                again.get_by_role("button", name="Anmelden").click()
                again.get_by_role("button", name="Laufende Sitzung fortsetzen").click()
                notice = again.get_by_test_id("notice")
                expect(notice).to_contain_text("Antwort auf ein abgeschicktes Formular")
                expect(notice).to_contain_text("damit nichts doppelt gesendet wird")
                # both still see the answer, not the form's address loaded again
                wait_same_doc([again, citizen], "Vielen Dank, Erika Mustermann")
                expect(citizen.get_by_test_id("notice")).to_have_count(0)  # the advisor's alone
            finally:
                advisor_ctx.close()
                citizen_ctx.close()
