"""``cobrowse audit URL --learn``: rules learned in the relay's browser make the
demo's script widget work on the plain html path (real Chromium)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bench.harness.procs import Server, start_relay
from cobrowse.config import parse_config
from cobrowse.render.learn import LearnedWidget, _widget, widgets_toml
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate

BASE = '[sessions]\nconfirm_join = false\njoin_policy = "open"\n'


def test_changes_become_the_rule_a_widget_table_describes() -> None:
    changes = [
        {"where": "self", "classes": ["aktiv"], "attributes": []},
        {"where": "next", "classes": ["open"], "attributes": []},
    ]
    assert _widget("h3.kopf", changes) == LearnedWidget("h3.kopf", "next", "open", "", "aktiv")
    hidden = [{"where": "#panel", "classes": [], "attributes": ["hidden"]}]
    assert _widget("button.x", hidden) == LearnedWidget("button.x", "#panel", "", "hidden")
    assert _widget("button.x", [{"where": "self", "classes": [], "attributes": []}]) is None


def test_learned_toml_is_a_valid_rules_table() -> None:
    text = widgets_toml(
        "http://127.0.0.1:8081/seite",
        [LearnedWidget("h3.kopf", "next", "open", "", "aktiv", group=True)],
    )
    (rule,) = parse_config(text).rules
    assert rule.host.host == "127.0.0.1" and rule.host.port is None
    (widget,) = rule.widgets
    assert (widget.trigger, widget.target, widget.toggle_class) == ("h3.kopf", "next", "open")
    assert widget.trigger_class == "aktiv" and widget.group


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The rules audit --learn prints for the demo's appointment page."""
    relay = start_relay()  # only for its demo site
    try:
        config = tmp_path_factory.mktemp("audit") / "audit.toml"
        host = relay.demo.removeprefix("http://")
        config.write_text(f'[fetch]\nallowed_hosts = ["{host}"]\nprivate_hosts = ["{host}"]\n')
        url = relay.demo + "/service/termine.html"
        done = subprocess.run(
            [sys.executable, "-m", "cobrowse", "audit", url, "--learn", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        relay.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory, learned: str) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, BASE + learned)


@pytest.mark.e2e
def test_learned_rule_makes_the_demo_widget_work_on_the_html_path(
    browser: Browser, relay: Server, learned: str
) -> None:
    assert 'trigger = "button.hinweise-toggle"' in learned
    assert parse_config(learned).rules[0].render == "html"  # the cheap path
    advisor, code = advisor_login(browser.new_context(), relay)
    citizen = citizen_join(browser.new_context(), relay, code)
    navigate(advisor, relay.demo + "/service/termine.html")
    expect(mirror(citizen).locator("h1")).to_have_text("Termin vereinbaren")
    hint = mirror(citizen).get_by_text("Bringen Sie bitte Ihren Personalausweis")
    expect(hint).to_have_count(1)
    expect(hint).to_be_hidden()
    mirror(advisor).get_by_role("button", name="Hinweise zur Terminbuchung").click()
    expect(hint).to_be_visible()
    mirror(advisor).get_by_role("button", name="Hinweise zur Terminbuchung").click()
    expect(hint).to_be_hidden()
    # the html path: the script-built list is not there, nor did any script run
    expect(mirror(citizen).locator(".termin")).to_have_count(0)
    expect(mirror(citizen).locator("html")).not_to_have_attribute("data-demo-script-ran", "1")
    for page in (advisor, citizen):
        page.context.close()


def test_audit_refuses_a_host_that_is_not_allowed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cobrowse", "audit", "http://169.254.169.254/", "--learn"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "nicht freigegeben" in done.stderr and "(not_allowed)" in done.stderr
    assert "Traceback" not in done.stderr
