"""The list of visited pages participants take home: built on the relay from the
session's record, each address once, error pages left out, with a header."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.config import Advisor, Config, SiteConfig
from cobrowse.protocol import Msg, encode, read_frame
from cobrowse.session.visits import ended_body, visit_summary, visited_pages
from tests.relay_client import (
    HASH,
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    receive,
    relay_config,
)

SITE = SiteConfig(operator="Bürgertelefon Beispiel", hotline="030 1234-0")


def test_each_address_once_in_the_order_of_its_first_visit() -> None:
    pages = visited_pages(
        [
            {"url": "https://a.example/", "title": "Start"},
            {"url": "https://a.example/rente", "title": "Rente"},
            {"url": "https://a.example/", "title": "Start (wieder)"},
            {"url": "https://a.example/rente#antrag", "title": "Rente"},  # same page, a spot on it
            {"url": "https://a.example/wohngeld", "title": ""},
        ]
    )
    assert pages == [
        {"url": "https://a.example/", "title": "Start"},
        {"url": "https://a.example/rente", "title": "Rente"},
        {"url": "https://a.example/wohngeld", "title": "https://a.example/wohngeld"},
    ]
    assert visited_pages([]) == []


def test_the_header_names_operator_hotline_times_and_the_advisor_label_never_the_user() -> None:
    config = Config(site=SITE, advisors=(Advisor("mueller", HASH, "Frau Müller, Team Rente"),))
    summary = visit_summary(config, "mueller", 100.0, 200.0)
    assert summary == {
        "operator": "Bürgertelefon Beispiel",
        "hotline": "030 1234-0",
        "advisor": "Frau Müller, Team Rente",
        "started_at": 100.0,
        "ended_at": 200.0,
    }
    unlabelled = Config(advisors=(Advisor("mueller", HASH),))
    assert visit_summary(unlabelled, "mueller", 1.0, 2.0)["advisor"] == ""  # not "mueller"
    assert visit_summary(config, "gone", 1.0, 2.0)["advisor"] == ""
    body = ended_body(
        config, "advisor", [{"url": "https://a.example/", "title": "A"}] * 2, "x", 1, 2
    )
    assert body["reason"] == "advisor" and len(body["visited"]) == 1 and "summary" in body


@pytest.fixture
async def relay(aiohttp_server: ServerFactory, demo: TestServer) -> AsyncIterator[TestServer]:
    config = relay_config(
        demo,
        confirm_join=False,
        join_policy="open",
        site=SITE,
        advisors=(Advisor("berater", HASH, "Beratungsteam 3"),),
    )
    server = await aiohttp_server(make_app(config))
    yield server
    await server.close()


async def _shown(ws: Any) -> str:
    """Wait until the next page is shown (a snapshot, or a diff to it); its address."""
    while True:
        message = await ws.receive(timeout=10)
        kind, _, body = read_frame(message.data)
        if kind == Msg.SNAPSHOT or (kind == Msg.MUTATIONS and "navigate" in body):
            page = body if kind == Msg.SNAPSHOT else body["navigate"]
            return str(page["url"])


async def test_ended_lists_each_page_once_without_the_error_page(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    advisor_ws = await connect(adv, f"/ws?session={session['session']}")
    citizen = await citizen_client(relay, aiohttp_client, session["code"])
    citizen_ws = await connect(citizen)
    base = f"http://127.0.0.1:{demo.port}"
    started = time.time()
    for path in ("/", "/themen/rente.html", "/gibt-es-nicht", "/", "/themen/rente.html#antrag"):
        await advisor_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": base + path}))
        assert (await _shown(advisor_ws)).startswith(base + path.split("#")[0])
    await citizen_ws.send_bytes(encode(Msg.LEAVE, 0, {}))
    left = await receive(citizen_ws, Msg.ENDED)
    await advisor_ws.send_bytes(encode(Msg.END, 0, {}))
    ended = await receive(advisor_ws, Msg.ENDED)
    for body in (left, ended):
        assert [p["url"] for p in body["visited"]] == [base + "/", base + "/themen/rente.html"]
        assert all("nicht gefunden" not in p["title"] for p in body["visited"])
        summary = body["summary"]
        assert summary["operator"] == "Bürgertelefon Beispiel"
        assert summary["hotline"] == "030 1234-0"
        assert summary["advisor"] == "Beratungsteam 3"
        assert started - 60 < summary["started_at"] <= summary["ended_at"] <= time.time()
    assert left["reason"] == "left" and ended["reason"] == "advisor"
