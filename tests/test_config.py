from __future__ import annotations

from pathlib import Path

import pytest

from cobrowse.config import HostPattern, load_config, parse_config
from cobrowse.errors import ConfigError
from cobrowse.pipeline import rules_for

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_loads_and_documents_every_key() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.fetch.is_allowed("www.example.org", 443, "https")
    assert config.advisors[0].name == "mueller"
    text = (ROOT / "config.example.toml").read_text()
    from cobrowse.config import _TABLES

    for table, keys in _TABLES.items():
        assert f"[{table}]" in text
        for key in keys:
            assert f"\n{key} = " in text, f"{table}.{key} is not documented"


def test_empty_config_gives_defaults() -> None:
    config = parse_config("")
    assert config.port == 8080
    assert config.code_ttl_seconds == 600
    assert config.fetch.allowed_hosts == ()
    assert config.show_citizen_pointer is True  # callers may point ("hier?") by default


def test_bad_value_names_key_and_line() -> None:
    text = "[server]\nhost = '127.0.0.1'\nport = 'achtzig'\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "relay.toml")
    assert "relay.toml:3: server.port" in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    text = (
        "[server]\nprot = 1\n[sessions]\ncode_ttl_seconds = 5\n"
        "[fetch]\nallowed_hosts = ['bad host!']\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "x.toml")
    message = str(info.value)
    assert "server.prot: unknown key" in message
    assert "sessions.code_ttl_seconds" in message
    assert "'bad host!' is not a host name" in message


def test_unknown_table_and_bad_toml() -> None:
    with pytest.raises(ConfigError, match="unknown table"):
        parse_config("[srever]\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("[server\n")


def test_advisor_needs_argon2_hash() -> None:
    with pytest.raises(ConfigError, match="argon2"):
        parse_config("[[advisors]]\nname = 'a'\npassword_hash = 'plain'\n")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("pattern", "host", "port", "scheme", "ok"),
    [
        ("example.org", "example.org", 443, "https", True),
        ("example.org", "example.org", 80, "http", True),
        ("example.org", "example.org", 8080, "http", False),
        ("example.org", "evil-example.org", 443, "https", False),
        ("*.example.org", "www.example.org", 443, "https", True),
        ("*.example.org", "example.org", 443, "https", False),
        ("127.0.0.1:8081", "127.0.0.1", 8081, "http", True),
        ("127.0.0.1:8081", "127.0.0.1", 8080, "http", False),
        ("Example.ORG", "example.org.", 443, "https", True),
    ],
)
def test_host_patterns(pattern: str, host: str, port: int, scheme: str, ok: bool) -> None:
    assert HostPattern.parse(pattern).matches(host, port, scheme) is ok


def test_example_config_documents_every_rules_key() -> None:
    from cobrowse.pipeline.site_rules import AUTOMATIC_FIXES, RULE_LISTS

    text = (ROOT / "config.example.toml").read_text()
    assert "\n[[rules]]\n" in text
    for key in ("host", *RULE_LISTS, "allow_post_forms", *AUTOMATIC_FIXES):
        assert f"\n{key} = " in text, f"rules.{key} is not documented"


def test_host_rules_are_parsed() -> None:
    config = parse_config(
        "[[rules]]\nhost = '*.example.org'\nremove = ['#cookie', 'div.chat > p']\n"
        "hide = ['.print']\nallow_attributes = ['Itemprop']\nlazy_image_attributes = "
        "['data-echo', 'data-lazy-srcset']\nallow_post_forms = true\n"
        "[[rules]]\nhost = 'www.example.net:8443'\nunwrap = ['font']\n"
    )
    first, second = config.rules
    assert first.host == HostPattern.parse("*.example.org")
    assert first.remove == ("#cookie", "div.chat > p")
    assert first.allow_attributes == ("itemprop",)
    assert first.allow_post_forms is True
    assert second.host.port == 8443 and second.unwrap == ("font",)


def test_host_rule_problems_name_key_and_line() -> None:
    text = (
        "[fetch]\nallowed_hosts = ['www.example.org']\n\n"
        "[[rules]]\nhost = 'www.example.org'\nremove = ['div[']\n\n"
        "[[rules]]\nhost = 'bad host'\nhide = ['a::before']\nallow_attributes = ['onclick', "
        "'href', 'ok-name']\nforbid_attributes = ['Bad Name']\ncolour = 'red'\n"
        "allow_post_forms = 'yes'\n\n[[rules]]\nremove = ['p']\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "relay.toml")
    message = str(info.value)
    assert "relay.toml:6: rules[0].remove: 'div[' is not a CSS selector" in message
    assert "relay.toml:9: rules[1].host" in message
    assert "relay.toml:10: rules[1].hide: 'a::before' is not a CSS selector" in message
    assert "relay.toml:11: rules[1].allow_attributes: 'onclick' is an attribute that" in message
    assert "rules[1].allow_attributes: 'href' is an attribute that carries script" in message
    assert "'ok-name'" not in message
    assert "relay.toml:12: rules[1].forbid_attributes: 'bad name'" in message
    assert "relay.toml:13: rules[1].colour: unknown key" in message
    assert "relay.toml:14: rules[1].allow_post_forms: expected true or false" in message
    assert "relay.toml:16: rules[2].host: missing" in message


def test_rules_must_be_tables() -> None:
    with pytest.raises(ConfigError, match="rules: expected"):
        parse_config("rules = 'x'\n")


def test_rules_that_are_no_tables_are_named_not_a_traceback() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("# operator rules\nrules = [1, [2]]\n", "f.toml")
    assert str(caught.value).splitlines() == [
        "f.toml:2: rules[0]: expected a [[rules]] table, got 1",
        "f.toml:2: rules[1]: expected a [[rules]] table, got [2]",
    ]


def test_a_widgets_value_that_is_no_table_does_not_break_later_rules() -> None:
    text = '[[rules]]\nhost = "a.example"\nwidgets = 3\n[[rules]]\nhost = "b.example"\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "f.toml")
    assert str(caught.value) == (
        "f.toml: rules[0].widgets[0].widgets: expected [[rules.widgets]] tables"
    )


# --- [[rules.widgets]] -----------------------------------------------------------

WIDGETS = """
[[rules]]
host = "www.example.de"
remove = [".ad"]
  [[rules.widgets]]
  trigger = ".nav-toggle"
  target = "#main-nav"
  toggle_class = "is-open"
  trigger_class = "active"

  [[rules.widgets]]
  trigger = ".acc-head"
  target = "next"
  toggle_attribute = "hidden"
  group = true
"""


def test_widget_rules_are_parsed() -> None:
    from cobrowse.pipeline.site_rules import WidgetRule

    (rule,) = parse_config(WIDGETS).rules
    assert rule.remove == (".ad",)
    assert rule.widgets == (
        WidgetRule(".nav-toggle", "#main-nav", toggle_class="is-open", trigger_class="active"),
        WidgetRule(".acc-head", "next", toggle_attribute="hidden", group=True),
    )


def test_example_config_documents_every_widget_key() -> None:
    from cobrowse.pipeline.site_rules import WIDGET_KEYS

    text = (ROOT / "config.example.toml").read_text()
    assert "\n  [[rules.widgets]]\n" in text
    for key in WIDGET_KEYS:
        assert f"\n  {key} = " in text, f"rules.widgets.{key} is not documented"
    assert load_config(ROOT / "config.example.toml").rules[-1].widgets  # [0]: [pipeline]


BAD_WIDGETS = """[[rules]]
host = "www.example.de"
  [[rules.widgets]]
  trigger = "div["
  target = "nxt::after"
  toggle_class = "two classes"
  toggle_attribute = "onclick"
  trigger_class = "cb-hover"
  group = "yes"
  colour = "red"

[[rules]]
host = "other.example"
  [[rules.widgets]]
  target = "self"
  toggle_attribute = "href"

  [[rules.widgets]]
  trigger = "button"
  target = "parent"
"""


def test_widget_rule_problems_name_key_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(BAD_WIDGETS, "relay.toml")
    message = str(info.value)
    expected = [
        "relay.toml:4: rules[0].widgets[0].trigger: 'div[' is not a CSS selector",
        "relay.toml:5: rules[0].widgets[0].target: 'nxt::after' is not a CSS selector",
        "relay.toml:6: rules[0].widgets[0].toggle_class: 'two classes' is not a single class",
        "relay.toml:7: rules[0].widgets[0].toggle_attribute: 'onclick' is not an attribute",
        "relay.toml:8: rules[0].widgets[0].trigger_class: 'cb-hover' is a class name reserved",
        "relay.toml:9: rules[0].widgets[0].group: expected true or false",
        "relay.toml:10: rules[0].widgets[0].colour: unknown key (known: trigger, target",
        "relay.toml:14: rules[1].widgets[0].trigger: missing",
        "relay.toml:16: rules[1].widgets[0].toggle_attribute: 'href' is not an attribute",
        "relay.toml:18: rules[1].widgets[1].toggle_class: missing: set toggle_class, "
        "toggle_attribute or both",
    ]
    for line in expected:
        assert line in message, f"{line!r} not in:\n{message}"
    assert len(message.splitlines()) == len(expected)


@pytest.mark.parametrize(
    "widget",
    [
        "widgets = 'x'",
        "widgets = [1]",
        "widgets = [{trigger = 'a', target = 'self', toggle_class = 'x\"onclick=\"y'}]",
        "widgets = [{trigger = 'a', target = 'self', toggle_attribute = 'style'}]",
        "widgets = [{trigger = 'a', target = 'self', toggle_attribute = 'data-cb-masked'}]",
    ],
)
def test_widget_rules_refuse_anything_but_a_class_or_a_safe_attribute(widget: str) -> None:
    with pytest.raises(ConfigError, match=r"rules\[0\]\.widgets"):
        parse_config(f"[[rules]]\nhost = 'a.example'\n{widget}\n")


def test_check_config_reports_widget_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from cobrowse import cli
    from cobrowse.logs import QUIET_LOGGERS

    path = tmp_path / "relay.toml"
    path.write_text(BAD_WIDGETS, encoding="utf-8")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert cli.main(["check-config", str(path)]) == 1
    finally:  # main() configures logging for the process
        root.handlers[:] = handlers
        root.setLevel(level)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    out = capsys.readouterr().out
    assert "rules[0].widgets[0].toggle_attribute: 'onclick'" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("written", "href"),
    [
        ("030 1234-0", "tel:03012340"),
        ("(030) 1234 56", "tel:030123456"),
        ("+49 30 1234/56", "tel:+4930123456"),
        ("0800 123 456", "tel:0800123456"),
        ("115", "tel:115"),  # the public-service number
    ],
)
def test_the_hotline_takes_the_usual_ways_of_writing_a_number(written: str, href: str) -> None:
    site = parse_config(f'[site]\nhotline = "{written}"\n').site
    assert site.hotline == written and site.hotline_href() == href


@pytest.mark.parametrize("written", ["Rufen Sie an", "12", "tel:0301234", "+49 30 1234-0 oder"])
def test_a_hotline_that_is_no_number_is_refused(written: str) -> None:
    with pytest.raises(ConfigError, match=r"site\.hotline: expected a phone number"):
        parse_config(f'[site]\nhotline = "{written}"\n')


def test_automatic_fixes_are_on_unless_pipeline_or_a_host_rule_says_false() -> None:
    url, other = "https://www.example.org/", "https://www.example.net/"
    assert rules_for(parse_config("").rules, url).remove_consent_banners is True
    config = parse_config(
        "[pipeline]\nremove_consent_banners = false\npromote_lazy_images = false\n"
        "[[rules]]\nhost = 'www.example.org'\nremove_consent_banners = true\n"
        "drop_noscript_warnings = false\n"
    )
    here, there = rules_for(config.rules, url), rules_for(config.rules, other)
    assert (here.remove_consent_banners, there.remove_consent_banners) == (True, False)
    assert (here.drop_noscript_warnings, there.drop_noscript_warnings) == (False, True)
    assert here.promote_lazy_images is False and there.promote_lazy_images is False
    assert parse_config("[pipeline]\n").rules == ()


def test_automatic_fix_problems_name_key_and_line() -> None:
    text = (
        "[pipeline]\nremove_consent_banners = 'nein'\nconsent = false\n\n"
        "[[rules]]\nhost = 'www.example.org'\npromote_lazy_images = 1\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "relay.toml")
    message = str(info.value)
    assert "relay.toml:2: pipeline.remove_consent_banners: expected true or false" in message
    assert "relay.toml:3: pipeline.consent: unknown key" in message
    assert "relay.toml:7: rules[0].promote_lazy_images: expected true or false" in message


def test_render_mode_per_host_and_the_render_table() -> None:
    config = parse_config(
        "[render]\nmax_browsers = 3\npage_timeout_seconds = 20\nsettle_seconds = 0.5\n"
        "memory_mb = 512\n"
        "[[rules]]\nhost = 'portal.example.org'\nrender = 'browser'\n"
        "[[rules]]\nhost = 'www.example.org'\n"
    )
    assert [rule.render for rule in config.rules] == ["browser", "html"]
    assert config.render.max_browsers == 3 and config.render.page_timeout_seconds == 20.0
    assert config.render.settle_seconds == 0.5 and config.render.memory_mb == 512
    assert parse_config("").render.max_browsers >= 1  # a default, nothing to configure
    assert parse_config("").render.cpus == ()  # Chromium may use every CPU
    assert parse_config('[render]\ncpus = "auto"\n').render.cpus is None  # all but one
    assert parse_config("[render]\ncpus = [1, 3]\n").render.cpus == (1, 3)


def test_bad_render_values_name_the_key_and_line() -> None:
    text = (
        "[render]\nmax_browsers = 0\ncpus = [-1]\n"
        "[[rules]]\nhost = 'a.example'\nrender = 'chrome'\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "relay.toml")
    message = str(info.value)
    assert "relay.toml:2: render.max_browsers: expected a number between 1 and 64" in message
    assert "relay.toml:3: render.cpus: expected a list of CPU numbers" in message
    with pytest.raises(ConfigError, match=r'render.cpus: expected .* or "auto"'):
        parse_config('[render]\ncpus = "alle"\n')
    expected = 'relay.toml:6: rules[0].render: expected "html" or "browser", got \'chrome\''
    assert expected in message


def test_the_example_documents_render() -> None:
    text = (ROOT / "config.example.toml").read_text()
    assert '\nrender = "html"\n' in text
    assert load_config(ROOT / "config.example.toml").rules[0].render == "html"
