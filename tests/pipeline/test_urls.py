"""URL resolution: the fast paths give exactly what urljoin gives."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urljoin

import pytest

from cobrowse.pipeline import build_page
from cobrowse.pipeline.urls import PageUrls, clean_url

BASES = [
    "https://example.org/dir/page.html?q=1#top",
    "https://example.org",
    "http://example.org:8080/a/b/",
    "https://[2001:db8::1]/x/y",
]
VALUES = [
    "a.png",
    "sub/a b.png",
    "/abs/x?y=1#z",
    "//cdn.example/x.js",
    "https://other.example/p",
    "?only=query",
    "#frag",
    "",
    "../up/x",
    "./here",
    "x/./y/../z",
    "/a/../b",
    "ümlaut.png",
    "a:b",
    "1x:y",
    "\\\\evil.example\\x",
]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("value", VALUES)
def test_resolution_matches_urljoin(base: str, value: str) -> None:
    urls = PageUrls(base, lambda u, k: u, Counter())
    resolved = urls.resolve(value)
    assert resolved is not None
    assert resolved[0] == urljoin(base, value)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" \x01 javascript:x ", "javascript:x"),
        ("java\tscript:x", "javascript:x"),
        ("java\nscript:x", "javascript:x"),
        ("a b", "a b"),
    ],
)
def test_clean_url(raw: str, clean: str) -> None:
    assert clean_url(raw) == clean


def test_scheme_is_lower_case() -> None:
    urls = PageUrls("http://example.org/", lambda u, k: u, Counter())
    assert urls.resolve("HTTPS://Mixed.Example/Case") == ("https://Mixed.Example/Case", "https")


def test_links_and_schemes() -> None:
    removed: Counter[str] = Counter()
    urls = PageUrls("https://example.org/p.html", lambda u, k: "/r/x", removed)
    assert urls.link("p.html#sec", 1) == "#sec"
    assert urls.link("other.html#sec", 2) == "/link"
    assert urls.link(" mailto:a@example.org", 3) == "/link"
    assert urls.link("java\tscript:alert(1)", 4) is None
    assert urls.link("data:text/html,<script>", 5) is None
    assert urls.links == {2: "https://example.org/other.html#sec"}
    assert removed == Counter({"url:javascript": 1, "url:data": 1})
    assert urls.form_action("https://example.org/s#x") == "https://example.org/s"
    assert urls.form_action("javascript:x") is None


def test_resource_url_is_asked_once_per_url_and_kind() -> None:
    asked: list[tuple[str, str]] = []

    def resource_url(url: str, kind: str) -> str | None:
        asked.append((url, kind))
        return None if url.endswith(".gif") else f"/r/{kind}/{len(asked)}"

    removed: Counter[str] = Counter()
    urls = PageUrls("https://example.org/dir/p.html", resource_url, removed)
    assert urls.resource("a.png", "image") == "/r/image/1"
    assert urls.resource("/dir/a.png", "image") == "/r/image/1"  # same absolute URL
    assert urls.resource("a.png", "media") == "/r/media/2"
    assert urls.resource("x.gif", "image") is None
    assert urls.resource("x.gif", "image") is None
    assert asked == [
        ("https://example.org/dir/a.png", "image"),
        ("https://example.org/dir/a.png", "media"),
        ("https://example.org/dir/x.gif", "image"),
    ]
    assert removed == Counter({"url:refused": 2})  # every refused occurrence counts


def test_page_with_repeated_resources_asks_once() -> None:
    asked: list[str] = []

    def resource_url(url: str, kind: str) -> str | None:
        asked.append(url)
        return "/r/" + kind

    html = (
        '<img src="i.png"><img src="i.png" style="background:url(i.png)"><p style="x:url(i.png)">'
    )
    result = build_page(html.encode(), "text/html", "https://example.org/", resource_url)
    assert asked == ["https://example.org/i.png"]
    assert result.removed == Counter()


@pytest.mark.parametrize("raw", ["https://example.org]/#x", "https://]#", "http://a]b/p?q#f"])
def test_urls_python_cannot_split_are_dropped_not_raised(raw: str) -> None:
    removed: Counter[str] = Counter()
    urls = PageUrls("https://example.org/p.html", lambda u, k: "/r/x", removed)
    assert urls.link(raw, 1) is None
    assert urls.form_action(raw) is None
    assert urls.links == {}
    assert removed == Counter({"url:invalid": 2})
