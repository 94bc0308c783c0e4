"""The stylesheet template cache: same output as sanitizing afresh, tokens per session."""

from __future__ import annotations

from collections import Counter

from cobrowse.pipeline import ResourceUrl
from cobrowse.pipeline.css import sanitize_style_attr, sanitize_stylesheet
from cobrowse.pipeline.style_cache import StyleCache

BASE = "https://example.org/css/site.css"
SHEET = (
    "@import 'print.css' print;\n"
    "@font-face { font-family: X; src: url(x.woff2) format('woff2'), url(x.woff) }\n"
    'body { background: url("bg.png") no-repeat; behavior: url(x.htc) }\n'
    ".a { background-image: image-set('a.png' 1x, \"a2.png\" 2x) }\n"
    ".b { color: red; width: expression(alert(1)) }\n"
    ".c { content: '\\\"<\\/style>' }\n"
)


def session(name: str, refuse: str = "") -> tuple[list[tuple[str, str]], ResourceUrl]:
    calls: list[tuple[str, str]] = []

    def resource_url(url: str, kind: str) -> str | None:
        calls.append((url, kind))
        if refuse and refuse in url:
            return None
        return f"/r/{name}/{kind}/{url.rsplit('/', 1)[-1]}"

    return calls, resource_url


def test_hit_gives_exactly_what_a_fresh_sanitize_gives() -> None:
    cache = StyleCache()
    for name in ("s1", "s2", "s3"):
        _, resource_url = session(name)
        fresh_removed: Counter[str] = Counter()
        fresh = sanitize_stylesheet(SHEET, BASE, resource_url, removed=fresh_removed)
        removed: Counter[str] = Counter()
        cached = cache.sanitize(SHEET, BASE, resource_url, removed, attr=False)
        assert cached == fresh
        assert removed == fresh_removed
        assert [other for other in ("s1", "s2", "s3") if f"/r/{other}/" in cached] == [name]
    assert (cache.misses, cache.hits) == (1, 2)


def test_tokens_are_asked_for_again_on_every_hit() -> None:
    cache = StyleCache()
    _, first = session("s1")
    cache.sanitize(SHEET, BASE, first, None, attr=False)
    calls, second = session("s2")
    out = cache.sanitize(SHEET, BASE, second, None, attr=False)
    assert "/r/s1/" not in out and "/r/s2/style/print.css" in out
    assert ("https://example.org/css/x.woff2", "font") in calls
    assert ("https://example.org/css/bg.png", "image") in calls


def test_a_refused_url_falls_back_to_a_fresh_sanitize() -> None:
    cache = StyleCache()
    _, first = session("s1")
    cache.sanitize(SHEET, BASE, first, None, attr=False)
    _, refusing = session("s2", refuse="bg.png")
    out = cache.sanitize(SHEET, BASE, refusing, None, attr=False)
    assert out == sanitize_stylesheet(SHEET, BASE, refusing)
    assert "bg.png" not in out and "/r/s2/style/print.css" in out


def test_base_url_is_part_of_the_key() -> None:
    cache = StyleCache()
    _, resource_url = session("s1")
    a = cache.sanitize("b{background:url(x.png)}", BASE, resource_url, None, attr=False)
    other = "https://example.org/other/page.html"
    b = cache.sanitize("b{background:url(x.png)}", other, resource_url, None, attr=False)
    assert a == b  # both "x.png" in the same fake token shape …
    assert cache.misses == 2  # … but resolved separately


def test_style_attributes_have_their_own_entries() -> None:
    cache = StyleCache()
    _, resource_url = session("s1")
    text = "color: red; background: url(a.png)"
    assert cache.sanitize(text, BASE, resource_url, None, attr=True) == sanitize_style_attr(
        text, BASE, resource_url
    )
    assert cache.sanitize(text, BASE, resource_url, None, attr=False) == ""
    assert cache.misses == 2


def test_cache_is_bounded() -> None:
    cache = StyleCache(max_entries=3, max_chars=10_000)
    _, resource_url = session("s1")
    for i in range(10):
        cache.sanitize(f".c{i} {{ color: red }}", BASE, resource_url, None, attr=False)
    assert len(cache._entries) == 3
    big = "".join(f".b{i} {{ color: blue }}\n" for i in range(400))
    cache.sanitize(big, BASE, resource_url, None, attr=False)
    assert cache._chars <= 10_000


def test_page_content_cannot_forge_a_placeholder() -> None:
    cache = StyleCache()
    _, resource_url = session("s1")
    sheet = ".x { content: '\ue0000\ue001' } .y { background: url(a.png) }"
    out = cache.sanitize(sheet, BASE, resource_url, None, attr=False)
    assert out == sanitize_stylesheet(sheet, BASE, resource_url)
