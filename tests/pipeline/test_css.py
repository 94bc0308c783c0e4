"""CSS: URL rewriting through the resource proxy and removal of script paths."""

from __future__ import annotations

import base64
from collections import Counter

import pytest

from cobrowse.pipeline.css import sanitize_style_attr, sanitize_stylesheet
from cobrowse.pipeline.style_cache import cached_stylesheet

from .helpers import check_css, fake_resource_url, r

BASE = "https://example.org/css/site.css"


def sheet(css: str) -> str:
    out = sanitize_stylesheet(css, BASE, fake_resource_url)
    check_css(out, "sheet")
    return out


def attr(css: str) -> str:
    out = sanitize_style_attr(css, BASE, fake_resource_url)
    check_css(out, "style attr")
    return out


def test_plain_rules_survive() -> None:
    assert sheet("a { color: red }  p.x>b:hover{margin:0 !important}") == (
        "a {color:red;}\np.x>b.cb-hover{margin:0!important;}"  # :hover is a class
    )


def test_url_token_is_rewritten_relative_to_base() -> None:
    out = sheet("body { background: #fff url( ../img/bg.png ) no-repeat }")
    assert f'url("{r("https://example.org/img/bg.png")}")' in out
    assert "no-repeat" in out


def test_url_function_with_string_is_rewritten() -> None:
    out = attr("background-image: URL('https://cdn.example.net/a b.png')")
    assert out == f'background-image:url("{r("https://cdn.example.net/a b.png")}")'


def test_image_set_strings_and_urls_are_rewritten() -> None:
    out = attr('background: image-set("a.png" 1x, url(b.png) 2x)')
    assert r("https://example.org/css/a.png") in out
    assert r("https://example.org/css/b.png") in out


def test_font_face_src_uses_font_kind() -> None:
    out = sheet('@font-face{font-family:X;src:local("X"),url(x.woff2) format("woff2")}')
    assert r("https://example.org/css/x.woff2", "font") in out
    assert 'local("X")' in out and 'format("woff2")' in out


def test_import_is_rewritten_with_style_kind() -> None:
    out = sheet('@import "print.css" print;\n@import url(https://other.example/x.css);')
    assert f'@import url("{r("https://example.org/css/print.css", "style")}") print;' in out
    assert r("https://other.example/x.css", "style") in out


@pytest.mark.parametrize("target", ["javascript:alert(1)", "data:text/css,a{}", "ftp://x/y.css"])
def test_import_of_non_http_is_dropped(target: str) -> None:
    assert sheet(f'@import url("{target}"); a{{color:red}}') == "a{color:red;}"


@pytest.mark.parametrize(
    "declaration",
    [
        "width: expression(alert(1))",
        "width: e\\78pression(alert(1))",
        "behavior: url(x.htc)",
        "-moz-binding: url(x.xml#xss)",
        "background: url(javascript:alert(1))",
        "background: url('JaVaScRiPt:alert(1)')",
        "background: u\\72l(javascript:alert(1))",
        "background: url(vbscript:msgbox(1))",
        "list-style: url(data:image/svg+xml;base64,PHN2Zz4=)",
        "cursor: url(ftp://example.org/x.cur), auto",
        'content: "javascript:alert(1)"',
    ],
)
def test_dangerous_declarations_are_dropped(declaration: str) -> None:
    assert attr(f"color: red; {declaration}; margin: 0") == "color:red;margin:0"


def test_refused_url_drops_the_declaration() -> None:
    out = sanitize_stylesheet("a{color:red;background:url(x.png)}", BASE, lambda url, kind: None)
    assert out == "a{color:red;}"


def test_same_document_reference_is_kept() -> None:
    assert attr("clip-path: url(#clip1)") == 'clip-path:url("#clip1")'


def test_small_data_image_is_kept_large_is_dropped() -> None:
    small = "data:image/png;base64," + base64.b64encode(b"x" * 100).decode()
    large = "data:image/png;base64," + base64.b64encode(b"x" * 40_000).decode()
    assert small in attr(f"background: url({small})")
    assert attr(f"color: red; background: url({large})") == "color:red"


def test_nested_blocks_are_sanitized() -> None:
    out = sheet(
        "@media (min-width: 40em) { .a { background: url(m.png) } }"
        "@supports (display:grid) { .b { width: expression(1) } }"
        ".c { &:hover { background: url(h.png) } @media print { color: black } }"
    )
    assert r("https://example.org/css/m.png") in out
    assert r("https://example.org/css/h.png") in out
    assert "@media print" in out and ".b" not in out


def test_unknown_and_dangerous_at_rules_are_dropped() -> None:
    out = sheet(
        '@charset "utf-8"; @namespace svg url(http://www.w3.org/2000/svg);'
        "@-moz-document url-prefix() { a { color: red } }"
        "@keyframes spin { from { transform: rotate(0) } to { transform: rotate(1turn) } }"
    )
    assert out.startswith("@keyframes spin")
    assert "@charset" not in out and "@namespace" not in out and "document" not in out


def test_output_cannot_close_a_style_element() -> None:
    out = sheet('a{content:"</style><script>alert(1)</script>"} b{content:"<!--"}')
    assert "</" not in out and "<!--" not in out
    assert out.startswith("a{content:")


def test_selectors_with_markup_are_dropped() -> None:
    assert sheet("</style><img src=x onerror=alert(1)> p { color: red } i{x:y}") == "i{x:y;}"


def test_style_attribute_keeps_only_declarations() -> None:
    assert attr("color: red; a { color: blue } ; @media x { b { c: d } } margin: 0") == (
        "color:red;margin:0"
    )


def test_style_attribute_all_bad_is_empty() -> None:
    assert attr("behavior: url(a.htc)") == ""


def test_removed_counter() -> None:
    removed: Counter[str] = Counter()
    sanitize_style_attr(
        "width: expression(1); background: url(javascript:x); behavior: url(x)",
        BASE,
        fake_resource_url,
        removed=removed,
    )
    assert removed == Counter({"css:expression": 1, "css:url-scheme": 1, "css:binding": 1})


def test_garbage_never_raises() -> None:
    for css in ["{{{", "}", "a{", 'a{b:"', "@media{", "url(", "\x00\x01", "a{b:c(d(e(f"]:
        sheet(css)
        attr(css)


@pytest.mark.parametrize(
    "value",
    [
        "url(http://foo.f)\\20url(javascript:alert(1))",
        "\\75 rl(javascript:alert(1))",
        "x javascript:alert(1)",
        "ex\\000070ression(alert(1))",
    ],
)
def test_smuggled_functions_are_dropped(value: str) -> None:
    assert attr(f"color:red;list-style:{value};margin:0") == "color:red;margin:0"


@pytest.mark.parametrize("value", ["attr(data-src url)", "attr(data-bg type(<url>))"])
def test_typed_attr_cannot_load_raw_urls(value: str) -> None:
    assert attr(f"color:red;background-image:{value}") == "color:red"
    assert attr("content:attr(title)") == "content:attr(title)"


@pytest.mark.parametrize(
    "css",
    [
        "a{background:url(x.png);behavior:url(y.htc)} b:hover{color:red}",
        "x{background:url(javascript:alert(1))}</style><script>",
        "p{color:red}" * 40,  # long enough for the cache of big sheets
    ],
)
def test_cached_stylesheet_is_what_a_fresh_sanitize_gives(css: str) -> None:
    expected_removed: Counter[str] = Counter()
    expected = sanitize_stylesheet(css, BASE, fake_resource_url, removed=expected_removed)
    for _ in range(2):  # a miss, then a hit
        removed: Counter[str] = Counter()
        assert cached_stylesheet(css, BASE, fake_resource_url, removed) == expected
        assert removed == expected_removed
