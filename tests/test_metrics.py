"""/metrics after a real session, /readyz, and the bounded sanitizer labels."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from cobrowse.app import make_app
from cobrowse.config import Config
from cobrowse.demo import make_demo_app
from cobrowse.keys import READINESS
from cobrowse.metrics import Readiness, RelayMetrics, rule_label
from cobrowse.protocol import Msg, encode
from tests.relay_client import Client as HttpClient
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    connect,
    end_session,
    join,
    navigate,
    new_session,
    post_form,
    receive,
    relay_config,
    start_relay,
)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def demo(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(make_demo_app())


@pytest.fixture
async def relay(aiohttp_server: ServerFactory, demo: TestServer) -> AsyncIterator[TestServer]:
    server = await start_relay(aiohttp_server, relay_config(demo, join_failures_per_client=2))
    yield server
    await server.close()  # before the demo site: the relay's keep-alive connections go first


async def scrape(client: HttpClient) -> tuple[Samples, str]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, text


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_after_a_session(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    code = session["code"]
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    _, status = await join(relay, aiohttp_client, code)
    assert status == 303
    page_url = f"http://127.0.0.1:{demo.port}/"
    await navigate(adv_ws, page_url)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": "https://nicht-erlaubt.example/"}))
    await receive(adv_ws, Msg.NOTICE)
    wrong = "000000" if code != "000000" else "000001"
    for _ in range(2):  # two different browsers, each failing once
        _, status = await join(relay, aiohttp_client, wrong)
        assert status == 404

    during, text = await scrape(adv)
    assert value(during, "cobrowse_sessions") == 1
    assert value(during, "cobrowse_participants", role="advisor") == 1
    assert value(during, "cobrowse_participants", role="citizen") == 1
    assert value(during, "cobrowse_connections") >= 1
    assert value(during, "cobrowse_frames_out_total") >= 1
    assert value(during, "cobrowse_bytes_out_total") > 1000  # at least the snapshot
    assert value(during, "cobrowse_fetch_seconds_count", kind="page") == 1
    assert value(during, "cobrowse_pipeline_seconds_count") == 1
    assert value(during, "cobrowse_navigation_failures_total", reason="not_allowed") == 1
    assert value(during, "cobrowse_sanitizer_removals_total", rule="element:script") >= 1
    assert value(during, "cobrowse_join_failures_total", reason="unknown") == 2
    # nothing personal in the exposition: metric names and label values carry
    # no code, port or address (sample values are numbers and may contain any digits)
    labels = "\n".join(
        line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )
    assert code not in labels and str(demo.port) not in labels and "127.0.0.1" not in text

    await end_session(adv_ws)
    await adv_ws.close()
    after, _ = await scrape(adv)
    assert value(after, "cobrowse_sessions") == 0
    assert value(after, "cobrowse_participants", role="citizen") == 0
    assert value(after, "cobrowse_bytes_out_total") >= value(during, "cobrowse_bytes_out_total")
    assert value(after, "cobrowse_fetch_seconds_count", kind="page") == 1


async def test_throttled_joins_are_counted_apart(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(relay)
    for _ in range(3):  # the limit is 2 failures per client
        await post_form(client, "/", {"code": "12345"})  # malformed: not throttled itself
    for _ in range(3):
        await post_form(client, "/", {"code": "999999"})
    samples, _ = await scrape(client)
    assert value(samples, "cobrowse_join_failures_total", reason="malformed") == 3
    assert value(samples, "cobrowse_join_failures_total", reason="unknown") == 2
    assert value(samples, "cobrowse_joins_throttled_total") == 1


async def test_each_app_has_its_own_registry(aiohttp_client: ClientFactory) -> None:
    first, second = make_app(Config()), make_app(Config())
    a, b = await aiohttp_client(first), await aiohttp_client(second)
    await post_form(a, "/", {"code": "abc"})
    samples_a, _ = await scrape(a)
    samples_b, _ = await scrape(b)
    assert value(samples_a, "cobrowse_join_failures_total", reason="malformed") == 1
    assert value(samples_b, "cobrowse_join_failures_total", reason="malformed") == 0


async def test_readyz_follows_lifetime_and_checks(aiohttp_client: ClientFactory) -> None:
    app = make_app(Config())
    client = await aiohttp_client(app)
    response = await client.get("/readyz")
    assert response.status == 200 and (await response.json())["status"] == "ready"
    assert (await client.get("/healthz")).status == 200

    async def redis_down() -> None:
        raise ConnectionError("no redis")

    app[READINESS].add("redis", redis_down)
    response = await client.get("/readyz")
    assert response.status == 503
    assert await response.json() == {"status": "not ready", "failing": ["redis"]}


async def test_readiness_states() -> None:
    ready = Readiness()
    assert await ready.failing() == ["starting"]
    ready.started = True

    async def slow_but_fine() -> bool:
        await asyncio.sleep(0)
        return True

    ready.add("bus", slow_but_fine)
    assert await ready.failing() == []
    ready.stopping = True
    assert await ready.failing() == ["stopping"]


async def test_not_ready_while_shutting_down() -> None:
    app = make_app(Config())
    runner = web.AppRunner(app)
    await runner.setup()
    assert app[READINESS].started
    await app.shutdown()
    assert await app[READINESS].failing() == ["stopping"]
    await runner.cleanup()


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("element:script", "element:script"),
        ("element:iframe", "element:iframe"),
        ("css:expression", "css:expression"),
        ("attr:onclick", "attr:on*"),
        ("attr:onmouseover", "attr:on*"),
        ("attr:clobber", "attr:clobber"),
        ("attr:data-kundennummer-4711", "attr:other"),
        ("unwrap:my-custom-widget", "unwrap"),
        ("url:javascript", "url:javascript"),
        ("url:x-secret-scheme", "url:other"),
        ("depth", "depth"),
        ("something-new", "other"),
        ("weird:thing", "other"),
        ("element:<script>", "element:other"),
        ("form:post", "form:post"),
        ("rule:remove:.cookie-banner > div", "rule:remove"),
        ("rule:hide:#x", "rule:hide"),
        ("rule:explode:#x", "rule:other"),
    ],
)
def test_rule_labels_are_bounded(key: str, label: str) -> None:
    assert rule_label(key) == label


def test_page_controlled_keys_never_become_labels() -> None:
    """However many attribute names, tags and schemes a page invents, the series stay few."""
    metrics = RelayMetrics()
    removed: Counter[str] = Counter()
    for n in range(500):
        removed[f"attr:data-x{n}"] += 1
        removed[f"unwrap:x-tag-{n}"] += 1
        removed[f"url:scheme{n}"] += 1
        removed[f"attr:on{n}"] += 1
    metrics.page_built(removed, 0.0)
    families = list(text_string_to_metric_families(metrics.exposition().decode()))
    series = {
        s.labels["rule"]
        for f in families
        if f.name == "cobrowse_sanitizer_removals"
        for s in f.samples
        if s.name.endswith("_total")
    }
    assert series == {"attr:other", "unwrap", "url:other", "attr:on*"}
