"""Links keep their original address for CSS only: a sanitized data- copy, never a URL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cobrowse.pipeline import sanitize_stylesheet
from cobrowse.pipeline.href_copy import HREF_COPY_ATTR, href_copy

from .helpers import PAGE_URL, assert_safe, fake_resource_url, iter_nodes, page

_CLIENT = Path(__file__).resolve().parents[2] / "client_js"


def _links(html: str) -> list[dict[str, str]]:
    result = page(f"<!DOCTYPE html><html><body>{html}</body></html>")
    assert_safe(result.tree)
    return [n[2] for n in iter_nodes(result.tree) if len(n) == 4 and n[1] in ("a", "area")]


def test_every_link_keeps_its_address_as_written() -> None:
    links = _links(
        '<a href="/formulare/antrag.pdf">A</a><a href="https://www.example.org/x">B</a>'
        '<a href="mailto:info@example.org">C</a><a href="#inhalt">D</a>'
        '<map name="m"><area href="karte.html" alt="K"></map>'
    )
    assert [link[HREF_COPY_ATTR] for link in links] == [
        "/formulare/antrag.pdf",
        "https://www.example.org/x",
        "mailto:info@example.org",
        "#inhalt",
        "karte.html",
    ]
    assert [link["href"] for link in links] == ["/link", "/link", "/link", "#inhalt", "/link"]


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        " JaVa\tScRiPt:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "/suche?q=javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "/" + "a" * 3000,
    ],
)
def test_a_copy_never_carries_script_or_another_scheme(raw: str) -> None:
    assert href_copy(raw) == ""


def test_the_copy_is_only_data_in_the_emitted_tree() -> None:
    """No URL attribute of any element holds the copy; a page cannot set one itself."""
    html = (
        '<a href="&#106;avascript:alert(1)">j</a>'
        f'<div {HREF_COPY_ATTR}="javascript:alert(2)">d</div>'
        f'<a href="/ok" {HREF_COPY_ATTR}="javascript:alert(3)">o</a>'
    )
    result = page(f"<!DOCTYPE html><html><body>{html}</body></html>")
    assert_safe(result.tree)
    assert "alert" not in str(result.tree)
    copies = [n[2].get(HREF_COPY_ATTR) for n in iter_nodes(result.tree) if len(n) == 4]
    assert [c for c in copies if c is not None] == ["", "/ok"]


def test_the_client_never_reads_the_copy() -> None:
    """The copy is for CSS: no client code follows, fetches or even reads it."""
    for path in _CLIENT.glob("*.js"):
        assert "cobrowse-href" not in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ('a[href$=".pdf"]::before{content:"PDF"}', 'a[data-cobrowse-href$=".pdf"]::before'),
        ("a[HREF^='http' i]{color:red}", 'a[data-cobrowse-href^="http" i]'),
        ("a:not([href]){color:red}", "a:not([data-cobrowse-href])"),
        (
            '.x :is(a[ href *= "youtube" ]){color:red}',
            '.x :is(a[ data-cobrowse-href *= "youtube" ])',
        ),
        ('a[hreflang="en"]{color:red}', 'a[hreflang="en"]'),
        ('a[data-href="x"]{color:red}', 'a[data-href="x"]'),
    ],
)
def test_selectors_on_href_are_rewritten(css: str, expected: str) -> None:
    out = sanitize_stylesheet(css, PAGE_URL, fake_resource_url)
    assert out.startswith(expected)


def test_the_copy_cannot_be_loaded_by_css() -> None:
    removed: Counter[str] = Counter()
    css = (
        f"a::after{{background:attr({HREF_COPY_ATTR} url)}}"
        f"a::before{{background-image:attr({HREF_COPY_ATTR} type(<url>))}}"
        f"a::marker{{content:attr({HREF_COPY_ATTR})}}"
    )
    out = sanitize_stylesheet(css, PAGE_URL, fake_resource_url, removed=removed)
    assert "url" not in out and removed["css:attr-url"] == 2
    assert f"content:attr({HREF_COPY_ATTR})" in out  # shown as text at most


def test_style_elements_are_rewritten_too() -> None:
    html = '<style>a[href$=".pdf"]{padding-left:1em}</style><a href="/m.pdf">M</a>'
    result = page(f"<!DOCTYPE html><html><head>{html}</head></html>")
    assert '[data-cobrowse-href$=".pdf"]' in str(result.tree)
