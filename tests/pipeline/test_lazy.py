"""Lazy images show their real address without rules, blur-up placeholders included."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cobrowse.pipeline import NO_RULES, PageRules, build_page

from .helpers import PAGE_URL, assert_safe, body_html, fake_resource_url, r

REAL = r("https://example.org/dir/real.jpg")


def _img(html: str, rules: PageRules | None = None) -> str:
    body = f"<!DOCTYPE html><html><body>{html}</body></html>".encode()
    page = build_page(body, None, PAGE_URL, fake_resource_url, rules)
    assert_safe(page.tree)
    return body_html(page)


@pytest.mark.parametrize(
    "html",
    [
        pytest.param('<img src="tiny-placeholder.jpg" data-src="real.jpg">', id="blur-up"),
        pytest.param('<img src="/img/blank.gif" data-src="real.jpg">', id="blank-gif"),
        pytest.param('<img src="/static/img/placeholder.svg" data-src="real.jpg">', id="svg"),
        pytest.param(
            '<img class="lazyload blur-up" src="/img/foto-20px.jpg" data-src="real.jpg">',
            id="lazysizes-lqip",
        ),
        pytest.param(
            '<img loading="lazy" src="/img/foto-klein.jpg" data-src="real.jpg">', id="loading-lazy"
        ),
        pytest.param(
            "<img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E\""
            ' data-lazy-src="real.jpg">',
            id="wp-rocket",
        ),
        pytest.param('<img class="lazy" src="grey.gif" data-original="real.jpg">', id="original"),
        pytest.param('<img data-lazy="real.jpg">', id="no-src"),
    ],
)
def test_real_address_is_shown(html: str) -> None:
    out = _img(html)
    assert f'src="{REAL}"' in out
    assert "data-src" not in out and "data-lazy-src" not in out and "data-original" not in out


def test_srcset_and_picture_sources() -> None:
    out = _img(
        '<picture><source type="image/webp" data-srcset="a.webp 1x, b.webp 2x">'
        '<img class="lazyload" src="lqip.jpg" data-src="real.jpg" '
        'srcset="data:image/gif;base64,R0lGOD 1w" data-srcset="real.jpg 1x, big.jpg 2x"></picture>'
    )
    assert f'srcset="{r("https://example.org/dir/a.webp")} 1x' in out
    assert f'src="{REAL}"' in out
    assert f'srcset="{REAL} 1x, {r("https://example.org/dir/big.jpg")} 2x"' in out


def test_a_real_src_without_lazy_marks_stays() -> None:
    """data-original is also the large image of zoom scripts: a real thumbnail stays."""
    out = _img('<img src="/img/thumb-rathaus.jpg" data-original="/img/rathaus.jpg">')
    assert r("https://example.org/img/thumb-rathaus.jpg") in out


def test_the_switch_turns_promotion_off() -> None:
    out = _img(
        '<img src="tiny-placeholder.jpg" data-src="real.jpg">',
        replace(NO_RULES, promote_lazy_images=False),
    )
    assert r("https://example.org/dir/tiny-placeholder.jpg") in out and REAL not in out


@pytest.mark.parametrize(
    "html",
    [
        '<img class="lazy" data-src="javascript:alert(1)">',
        '<img src="placeholder.gif" data-src=" java\tscript:alert(1)">',
        '<img class="lazy" data-srcset="javascript:alert(1) 1x">',
        '<img class="lazy" data-src="data:text/html,<script>alert(1)</script>">',
        '<source class="lazy" data-srcset="https://evil.example/x.jpg 1x">',
    ],
)
def test_a_promoted_address_is_rewritten_like_any_other(html: str) -> None:
    out = _img(html)
    assert "javascript" not in out and "data:text" not in out
    assert '="https://' not in out  # an outside address only ever as a relay URL
