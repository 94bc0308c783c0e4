"""`:hover` and friends become classes the client sets from the advisor's pointer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cobrowse.pipeline import build_page, sanitize_stylesheet
from cobrowse.pipeline.hover import STATE_CLASSES

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://example.org/css/site.css"


def no_urls(url: str, kind: str) -> str | None:
    return None


def sheet(css: str) -> str:
    return sanitize_stylesheet(css, BASE, no_urls)


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("a:hover { color: red }", "a.cb-hover"),
        ("A:HOVER { color: red }", "A.cb-hover"),
        (".nav li:hover > .submenu { display: block }", ".nav li.cb-hover > .submenu"),
        ("li:focus-within > ul { display: block }", "li.cb-focus-within > ul"),
        ("input:focus { outline: 0 }", "input.cb-focus"),
        ("a:focus-visible { outline: 2px solid }", "a.cb-focus-visible"),
        ("b:not(:hover) { x: y }", "b:not(.cb-hover)"),
        (
            ":is(li:hover, li:focus-within) > ul { x: y }",
            ":is(li.cb-hover, li.cb-focus-within) > ul",
        ),
        ("a:hover::before { content: 'x' }", "a.cb-hover::before"),
        (".c { &:hover { color: red } }", "&.cb-hover"),
    ],
)
def test_pseudo_classes_become_classes(css: str, expected: str) -> None:
    out = sheet(css)
    assert expected in out
    assert ":hover" not in out.lower() and ":focus" not in out


def test_other_selectors_and_at_rules_are_untouched() -> None:
    out = sheet(
        "@media (hover: hover) { a:visited { color: purple } }"
        "a::first-line, a:first-child, a:active { color: red }"
        '[title=":hover"] { color: blue }'
    )
    assert "@media (hover: hover)" in out
    assert "a::first-line, a:first-child, a:active" in out
    assert '[title=":hover"]' in out


def test_style_elements_in_pages_are_rewritten() -> None:
    page = build_page(
        b"<style>.menu li:hover > ul { display: block }</style><p>x</p>",
        "text/html",
        "https://example.org/",
        no_urls,
    )
    text = repr(page.tree)
    assert ".menu li.cb-hover > ul" in text and ":hover" not in text


def test_demo_site_menu_opens_by_class() -> None:
    css = (ROOT / "cobrowse/demo/site/static/css/site.css").read_text()
    out = sheet(css)
    assert ".nav-main li.cb-hover > .submenu" in out
    assert ".nav-main li.cb-focus-within > .submenu" in out
    assert ":hover" not in out


def test_the_client_sets_the_same_classes() -> None:
    client = (ROOT / "client_js/hover.js").read_text()
    declared = set(re.findall(r'"(cb-[a-z-]+)"', client))
    assert declared == set(STATE_CLASSES.values())
