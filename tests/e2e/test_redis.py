"""Two relay processes sharing one redis-server (``cobrowse serve --redis``):
the advisor works on one node, the citizen joins and watches on the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.bus.redis_server import running_redis
from tests.e2e.conftest import Relay, start_relay, stop_relay
from tests.e2e.journey import advisor_login, citizen_join, navigate, wait_same_doc

CONFIG = """
[server]
secret_key = "e2e-cluster-secret-0123456789-abcdefghij"
[sessions]
confirm_join = false
join_policy = "open"
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Relay, Relay]]:
    directory = Path(tmp_path_factory.mktemp("cluster"))
    config = directory / "relay.toml"
    config.write_text(CONFIG)
    with running_redis(directory) as redis:
        first = start_relay("--config", str(config), "--redis", redis.url)
        try:
            second = start_relay("--config", str(config), "--redis", redis.url)
        except BaseException:
            stop_relay(first[0])
            raise
        yield first[1], second[1]
        stop_relay(second[0])
        stop_relay(first[0])


def test_advisor_on_one_node_citizen_on_the_other_see_the_same_page(
    browser: Browser, cluster: tuple[Relay, Relay]
) -> None:
    node_a, node_b = cluster
    advisor_ctx, citizen_ctx = browser.new_context(), browser.new_context()
    try:
        advisor, code = advisor_login(advisor_ctx, node_a)
        citizen = citizen_join(citizen_ctx, node_b, code)
        expect(advisor.get_by_test_id("participants")).to_contain_text("Bürger/in")
        for path, heading in [("/", "Bundesministerium"), ("/themen/rente.html", "Rente")]:
            navigate(advisor, node_a.demo + path)
            doc = wait_same_doc([advisor, citizen], heading)
            assert "<script" not in doc.lower()
    finally:
        advisor_ctx.close()
        citizen_ctx.close()
