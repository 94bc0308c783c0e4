"""Which pages go through the relay's browser: ``render_mode``."""

from __future__ import annotations

from cobrowse.config import parse_config
from cobrowse.render import render_mode

RULES = parse_config(
    "[[rules]]\nhost = 'portal.example.org'\nrender = 'browser'\n"
    "[[rules]]\nhost = '*.termine.example'\nrender = 'browser'\n"
    "[[rules]]\nhost = 'intern.example:8443'\nrender = 'browser'\n"
    "[[rules]]\nhost = 'www.example.org'\nremove = ['.x']\n"
).rules


def test_only_hosts_marked_browser_are_rendered() -> None:
    assert render_mode(RULES, "https://portal.example.org/antrag") == "browser"
    assert render_mode(RULES, "http://portal.example.org:8081/") == "browser"  # any port
    assert render_mode(RULES, "https://a.termine.example/") == "browser"
    assert render_mode(RULES, "https://termine.example/") == "html"  # *. means subdomains
    assert render_mode(RULES, "https://intern.example:8443/") == "browser"
    assert render_mode(RULES, "https://intern.example/") == "html"  # another port
    assert render_mode(RULES, "https://www.example.org/") == "html"  # a rule, not render
    assert render_mode(RULES, "https://evil-portal.example.org/") == "html"
    assert render_mode(RULES, "https://portal.example.org.evil.example/") == "html"
    assert render_mode(RULES, "http://[::1/") == "html"  # not a URL
    assert render_mode((), "https://portal.example.org/") == "html"
