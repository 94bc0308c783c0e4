"""The sanitizing walk: golden input → output pairs and attack cases."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from cobrowse.config import HostPattern, HostRule
from cobrowse.pipeline import NO_RULES, PageRules, build_page, rules_for, tree_to_html
from cobrowse.pipeline.tables import NEVER_ALLOWED_ATTRS, TagRule

from .helpers import (
    PAGE_URL,
    assert_safe,
    body_html,
    fake_resource_url,
    page,
    r,
    sanitize_body,
)

# Host rules that allow lazy-image names and forbid some plain attributes.
_HOST_RULES = rules_for(
    [
        HostRule(
            HostPattern.parse("example.org"),
            allow_attributes=("data-src", "data-srcset", "itemprop", "loading"),
            forbid_attributes=("class", "title"),
        )
    ],
    PAGE_URL,
)

# --- golden: what survives, and how it is rewritten ---------------------------

GOLDEN = [
    pytest.param(
        '<p class="lead" id="intro" onclick="x()">Hallo <b>Welt</b></p>',
        '<p class="lead" id="intro">Hallo <b>Welt</b></p>',
        id="event-handler-dropped",
    ),
    pytest.param(
        '<a href="#top">top</a><a href="page.html#sec">sec</a>'
        '<a href="/x" target=_blank ping=/p>x</a>',
        '<a href="#top" data-cobrowse-href="#top">top</a>'
        '<a href="#sec" data-cobrowse-href="page.html#sec">sec</a>'
        '<a href="/link" data-cobrowse-href="/x">x</a>',
        id="links",
    ),
    pytest.param(
        '<a href="mailto:a@example.org">m</a><a href="tel:+4930">t</a><a href="javascript:x">j</a>',
        '<a href="/link" data-cobrowse-href="mailto:a@example.org">m</a>'
        '<a href="/link" data-cobrowse-href="tel:+4930">t</a><a data-cobrowse-href="">j</a>',
        id="link-schemes",
    ),
    pytest.param(
        '<img src="a.png" alt="A" width="10" onerror="x" crossorigin>',
        f'<img src="{r("https://example.org/dir/a.png")}" alt="A" width="10">',
        id="img",
    ),
    pytest.param(
        '<img src="data:image/gif;base64,R0lGOD" data-src="/big.jpg" data-srcset="/b.jpg 2x">',
        f'<img src="{r("https://example.org/big.jpg")}"'
        f' srcset="{r("https://example.org/b.jpg")} 2x">',
        id="lazy-image-promoted",
    ),
    pytest.param(
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="i"><img src="data:image/svg+xml,'
        '<svg onload=alert(1)>"><img src="data:text/html,x"><video poster="data:image/gif;,x">'
        "</video>",
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="i"><img><img>'
        '<video poster="data:image/gif;,x"></video>',
        id="small-raster-data-images-only",
    ),
    pytest.param(
        '<img src="real.png" data-src="other.png">',
        f'<img src="{r("https://example.org/dir/real.png")}" data-src="other.png">',
        id="lazy-not-promoted-over-real-src",
    ),
    pytest.param(
        '<picture><source srcset="a.webp 1x, b.webp 2x" type="image/webp">'
        '<img src="a.jpg"></picture>',
        f'<picture><source srcset="{r("https://example.org/dir/a.webp")} 1x, '
        f'{r("https://example.org/dir/b.webp")} 2x" type="image/webp">'
        f'<img src="{r("https://example.org/dir/a.jpg")}"></picture>',
        id="picture",
    ),
    pytest.param(
        "<p>a<embed src=x.swf>b<wbr>c<video><track src=t.vtt><source src=v.mp4></video>d</p>",
        f'<p>ab<wbr>c<video><source src="{r("https://example.org/dir/v.mp4", "media")}">'
        "</video>d</p>",
        id="void-elements-lxml-nests-into",
    ),
    pytest.param(
        '<video src="v.mp4" poster="p.jpg" autoplay controls></video>',
        f'<video src="{r("https://example.org/dir/v.mp4", "media")}"'
        f' poster="{r("https://example.org/dir/p.jpg")}" controls=""></video>',
        id="video",
    ),
    pytest.param(
        '<form action="/suche" method="GET" target="_top"><input name="q" autofocus>'
        '<input type="password" name="pw" value="geheim"><button type="submit" formaction="/x">'
        "Los</button></form>",
        '<form method="get" action="/link"><input name="q"><input type="password" name="pw">'
        '<button type="submit">Los</button></form>',
        id="form",
    ),
    pytest.param(
        '<input type="image" src="go.png" alt="Go"><input type="text" src="no.png">',
        f'<input type="image" src="{r("https://example.org/dir/go.png")}" alt="Go">'
        '<input type="text">',
        id="input-image",
    ),
    pytest.param(
        '<div style="color: red; background: url(x.png); width: expression(1)">s</div>',
        f'<div style="color:red;background:url(&quot;{r("https://example.org/dir/x.png")}&quot;)">'
        "s</div>",
        id="style-attr",
    ),
    pytest.param(
        '<div style="behavior: url(x.htc)">s</div>',
        "<div>s</div>",
        id="style-attr-empty-dropped",
    ),
    pytest.param(
        "<x-card><my-title>T</my-title></x-card><font color=red>f</font><center>c</center>",
        'T<font color="red">f</font><center>c</center>',
        id="custom-elements-unwrapped",
    ),
    pytest.param(
        '<noscript><p>Fallback</p><a href="/karte">Karte</a></noscript>',
        '<p>Fallback</p><a href="/link" data-cobrowse-href="/karte">Karte</a>',
        id="noscript-unwrapped",
    ),
    pytest.param(
        "<noscript><p>Bitte JavaScript aktivieren</p></noscript>",
        "",
        id="noscript-javascript-warning-dropped",
    ),
    pytest.param(
        "<div>a<script>alert(1)</script>b<iframe src=x>i</iframe>c<object data=x></object>d</div>",
        "<div>abcd</div>",
        id="dropped-with-content-text-merged",
    ),
    pytest.param(
        "<xmp><b>raw</b></xmp>",
        "<pre>&lt;b&gt;raw&lt;/b&gt;</pre>",
        id="xmp-as-pre",
    ),
    pytest.param(
        '<math display="block"><mi>x</mi><mo>=</mo><mfrac><mn>1</mn><mn>2</mn></mfrac>'
        '<mglyph src="x.png"/><maction actiontype="toggle">a</maction></math>',
        '<math:math display="block"><math:mi>x</math:mi><math:mo>=</math:mo><math:mfrac>'
        "<math:mn>1</math:mn><math:mn>2</math:mn></math:mfrac>a</math:math>",
        id="mathml-presentation-subset",
    ),
    pytest.param(
        '<svg viewbox="0 0 24 24" width="24" onload="x()"><defs><linearGradient id="g"'
        ' gradientUnits="userSpaceOnUse"><stop offset="0" stop-color="red"/></linearGradient>'
        '</defs><path d="M0 0h24" fill="url(#g)" stroke="url(https://evil.example/x)"/>'
        '<use xlink:href="#icon"/><use href="https://evil.example/sprite.svg#a"/></svg>',
        '<svg:svg viewBox="0 0 24 24" width="24"><svg:defs><svg:linearGradient id="g"'
        ' gradientUnits="userSpaceOnUse"><svg:stop offset="0" stop-color="red"></svg:stop>'
        '</svg:linearGradient></svg:defs><svg:path d="M0 0h24" fill="url(#g)"></svg:path>'
        '<svg:use href="#icon"></svg:use><svg:use></svg:use></svg:svg>',
        id="svg-subset",
    ),
    pytest.param(
        '<svg><a href="https://x"><text>t</text></a><foreignObject><p>f</p></foreignObject>'
        '<animate attributeName="href" to="javascript:alert(1)"/><set attributeName="onload"/>'
        '<image href="i.png"/></svg>',
        f'<svg:svg><svg:text>t</svg:text><svg:image href="{r("https://example.org/dir/i.png")}">'
        "</svg:image></svg:svg>",
        id="svg-dangerous-parts",
    ),
    pytest.param(
        '<img name="createElement" src="a.png"><form name="body" id="title">'
        '<input name="submit"></form><p id="addEventListener">p</p><p id="title">ok</p>',
        f'<img src="{r("https://example.org/dir/a.png")}"><form id="title" method="get"'
        ' action="/link"><input name="submit"></form><p>p</p><p id="title">ok</p>',
        id="dom-clobbering-names",
    ),
    pytest.param(
        '<table border="1" background="bg.png"><tr><td colspan="2" onmouseover="x">1</td></tr>'
        "</table>",
        f'<table border="1" background="{r("https://example.org/dir/bg.png")}"><tr>'
        '<td colspan="2">1</td></tr></table>',
        id="table",
    ),
]


@pytest.mark.parametrize(("html", "expected"), GOLDEN)
def test_golden(html: str, expected: str) -> None:
    assert sanitize_body(html) == expected
    assert_safe(page(f"<body>{html}").tree)


# --- attacks ------------------------------------------------------------------

ATTACKS = [
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="entity-encoded-scheme"),
    pytest.param('<a href="&#x6A;&#x61;vascript&colon;alert(1)">x</a>', id="hex-entities-colon"),
    pytest.param('<a href="java\tscript:alert(1)">x</a>', id="tab-in-scheme"),
    pytest.param('<a href="java&#x0A;script:alert(1)">x</a>', id="newline-in-scheme"),
    pytest.param('<a href=" \x01 JaVaScRiPt:alert(1)">x</a>', id="leading-controls"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="vbscript"),
    pytest.param('<a href="data:text/html,<script>alert(1)</script>">x</a>', id="data-link"),
    pytest.param('<img src="javascript:alert(1)">', id="img-js"),
    pytest.param("<img src=x onerror=alert(1)//>", id="onerror"),
    pytest.param('<img srcset="javascript:alert(1) 1x, data:image/svg+xml,x 2x">', id="srcset"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param("<svg><script href=data:,alert(1) /></svg>", id="svg-script-href"),
    pytest.param('<svg onload="alert(1)"><g onclick="x"/></svg>', id="svg-events"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><rect width="9" height="9"/></a></svg>',
        id="svg-a-javascript",
    ),
    pytest.param(
        '<svg><animate href="#x" attributeName="href" values="javascript:alert(1)"/></svg>',
        id="svg-animate-href",
    ),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="math-confusion"
    ),
    pytest.param(
        "<math><mi><table><mi><svg><style><img src=x onerror=alert(1)></style></svg>",
        id="math-svg-style",
    ),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>',
        id="noscript-title",
    ),
    pytest.param('<base href="javascript:/"><a href="x">x</a>', id="base"),
    pytest.param('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="srcdoc"),
    pytest.param('<object data="javascript:alert(1)"></object><embed src=x.swf>', id="plugins"),
    pytest.param(
        '<form action="javascript:alert(1)"><button formaction="javascript:x">b</button></form>',
        id="form-js",
    ),
    pytest.param('<link rel="import" href="x.html"><link rel=preload href=x as=script>', id="link"),
    pytest.param('<div style="background:url(javascript:alert(1))">x</div>', id="style-js"),
    pytest.param(
        "<style>@import 'javascript:alert(1)'; a{background:url(\"javascript:x\")}</style>",
        id="stylesheet-js",
    ),
    pytest.param("<style></style><script>alert(1)</script><style>", id="style-breakout"),
    pytest.param("<template><img src=x onerror=alert(1)></template>", id="template"),
    pytest.param('<div data-bind="html: x" aria-label="l" tabindex=0 is="x">d</div>', id="attrs"),
    pytest.param("<div data-a\"b=1 data-x<y=2 aria-'=3 data-=4>d</div>", id="odd-attr-names"),
    pytest.param('<svg id="addEventListener"><rect id="createElement"/></svg>', id="svg-clobber"),
    pytest.param('<a href="http://[::1">bad ipv6</a><img src="http://[x">', id="bad-urls"),
]


@pytest.mark.parametrize("html", ATTACKS)
def test_attack_is_neutralized(html: str) -> None:
    result = page(f"<!DOCTYPE html><html><body>{html}</body></html>")
    assert_safe(result.tree, html)
    assert all(url.startswith(("http://", "https://")) for url in result.links.values())


def test_odd_data_attribute_names_are_dropped() -> None:
    html = '<div data-a"b="1" data-ok="2" data-Up="3" aria-x<y="4" data-="5">d</div>'
    assert sanitize_body(html) == '<div data-ok="2" data-up="3">d</div>'


def test_javascript_link_is_counted() -> None:
    result = page('<a href="&#106;avascript:alert(1)">x</a>')
    assert result.removed["url:javascript"] == 1
    assert result.links == {}


def test_noscript_title_stays_an_attribute() -> None:
    html = '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>'
    assert sanitize_body(html) == (
        '<p title="&lt;/noscript&gt;&lt;img src=x onerror=alert(1)&gt;"></p>'
    )


def test_head_keeps_title_style_and_stylesheets_only() -> None:
    result = page(
        "<html><head><title>T</title><base href='https://evil.example/'>"
        "<meta charset=utf-8><link rel=stylesheet href=s.css media=print>"
        "<link rel=icon href=f.ico><link rel='alternate stylesheet' href=alt.css>"
        "<style>b{color:red}</style><script>x</script></head><body></body></html>"
    )
    head = result.tree[3][0]
    assert [child[1] for child in head[3]] == ["title", "link", "style"]
    assert head[3][1][2] == {
        "rel": "stylesheet",
        "href": r("https://example.org/dir/s.css", "style"),
        "media": "print",
    }


def test_base_href_is_ignored_for_resolution() -> None:
    result = page('<head><base href="https://evil.example/"></head><a href="x">x</a>')
    assert list(result.links.values()) == ["https://example.org/dir/x"]


def test_page_url_constant_matches_fixture() -> None:
    assert PAGE_URL == "https://example.org/dir/page.html"


# --- the walk's fast paths never skip a check ----------------------------------


def test_attribute_order_is_kept_around_rewritten_and_dropped_ones() -> None:
    html = (
        '<p data-a="1" class="c" onclick="x()" title="t" id="toString" style="color:red"'
        ' aria-label="l" data-x="2" lang="de">x</p>'
        '<a data-n="1" href="x.html" class="c" target="_blank" id="i" rel="next">x</a>'
    )
    result = page(f"<!DOCTYPE html><html><body>{html}</body></html>")
    assert body_html(result) == (
        '<p data-a="1" class="c" title="t" style="color:red" aria-label="l" data-x="2"'
        ' lang="de">x</p><a data-n="1" href="/link" class="c" id="i" rel="next"'
        ' data-cobrowse-href="x.html">x</a>'
    )
    assert result.removed == {"attr:onclick": 1, "attr:clobber": 1, "attr:target": 1}
    assert list(result.links.values()) == ["https://example.org/dir/x.html"]


def test_leaf_elements_keep_their_text_and_whitespace() -> None:
    assert sanitize_body("<span>a<b></b> <i> </i>b<script>x</script>c</span>") == (
        "<span>a<b></b> <i> </i>bc</span>"
    )


def test_host_rules_do_not_open_the_fast_path_to_checked_attributes() -> None:
    rules = rules_for(
        [
            HostRule(
                HostPattern.parse("example.org"),
                allow_attributes=("data-src", "itemprop"),
                forbid_attributes=("class", "data-x"),
            )
        ],
        PAGE_URL,
    )
    html = (
        '<img data-src="/a.jpg" class="c" itemprop="image">'
        '<p class="c" itemprop="p" data-x="1" data-y="2">t</p>'
    )
    body = f"<!DOCTYPE html><html><body>{html}</body></html>".encode()
    result = build_page(body, "text/html", PAGE_URL, fake_resource_url, rules)
    assert body_html(result) == (
        f'<img itemprop="image" src="{r("https://example.org/a.jpg")}">'
        '<p itemprop="p" data-y="2">t</p>'
    )
    assert result.removed == {"attr:class": 2, "attr:data-x": 1}


def test_password_value_and_svg_paint_are_checked_with_plain_attributes_only() -> None:
    html = (
        '<input type="password" value="geheim" name="pw" class="c">'
        '<svg><rect fill="url(https://x/y)" class="c"/></svg>'
    )
    assert sanitize_body(html) == (
        '<input type="password" name="pw" class="c">'
        '<svg:svg><svg:rect class="c"></svg:rect></svg:svg>'
    )


@pytest.mark.parametrize("rules", [NO_RULES, _HOST_RULES], ids=["none", "host"])
def test_plain_attributes_are_only_allowed_ones_without_a_kind(rules: PageRules) -> None:
    for ns, table in rules.tables.items():
        for tag, rule in table.items():
            assert rule.plain <= rule.attrs, tag
            assert not rule.plain & rule.kinds.keys(), tag
            assert not rule.plain & NEVER_ALLOWED_ATTRS, tag
            if ns == "svg" or tag in ("img", "source", "input"):
                assert not rule.plain, tag


def test_a_host_with_a_stray_bracket_does_not_break_the_page() -> None:
    result = page('<a href="https://example.org]/#x">a</a><form action="https://e]/#y"></form>')
    assert body_html(result) == (
        '<a data-cobrowse-href="https://example.org]/#x">a</a><form method="get"></form>'
    )
    assert result.links == {}
    assert result.forms == {}


_MIXED_ATTRIBUTES = [
    '<div class="a" id="b" style="color:red" onclick="x" data-x="1" aria-hidden="true" title="t">',
    '<a href="/x" class="c" target="_top" id="toString" name="n" rel="next" ping="/p">l</a>',
    '<a href="javascript:alert(1)" style="background:url(javascript:x)" data-src="/i.png">j</a>',
    '<map name="m"><area href="https://example.org/dir/page.html#f" shape="rect" class="a"></map>',
    '<p style="behavior:url(x.htc)" lang="de" dir="rtl" itemprop="p">t</p>',
    '<math><mi mathcolor="red" href="x" style="color:blue" class="m">x</mi></math>',
    '<table><tr><td background="bg.png" bgcolor="red" colspan="2" data-id="1">c</td></tr></table>',
    '<form action="/s" method="post"><button type="submit" formaction="/x" class="b">b</button>'
    '<input name="q" value="v" class="i"><input type="password" value="p" class="i"></form>',
    '<font color="red" face="x" onmouseover="x">f</font>',
    '<img src="a.png" data-src="b.png" class="i">',
    '<video src="v.mp4" poster="p.png" class="v" controls autoplay></video>',
    '<ol start="3" type="a" onmouseover="x"><li value="2" class="i" data-a="1">x</li></ol>',
    '<svg class="s" viewbox="0 0 1 1"><rect fill="url(#g)" class="r"/></svg>',
]


def _general_path_only(rules: PageRules) -> PageRules:
    """``rules`` with nothing ``plain``: every element goes through attributes()."""
    tables: dict[str, dict[str, TagRule]] = {}
    for ns, table in rules.tables.items():
        tables[ns] = {}
        for tag, rule in table.items():
            general = replace(rule)
            object.__setattr__(general, "plain", frozenset())
            tables[ns][tag] = general
    return replace(rules, tables=MappingProxyType(tables))


@pytest.mark.parametrize("rules", [NO_RULES, _HOST_RULES], ids=["none", "host"])
def test_fast_paths_give_what_the_general_path_gives(rules: PageRules) -> None:
    general = _general_path_only(rules)
    bodies = [(Path(__file__).parent / "fixtures" / "ministry.html").read_bytes()]
    bodies += [f"<!DOCTYPE html><html><body>{h}</body></html>".encode() for h in _MIXED_ATTRIBUTES]
    for body in bodies:
        fast = build_page(body, "text/html", PAGE_URL, fake_resource_url, rules)
        slow = build_page(body, "text/html", PAGE_URL, fake_resource_url, general)
        assert tree_to_html(fast.tree) == tree_to_html(slow.tree)  # attribute order too
        assert (fast.tree, fast.links, fast.forms) == (slow.tree, slow.links, slow.forms)
        assert fast.removed == slow.removed
