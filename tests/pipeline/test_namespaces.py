"""SVG and MathML: each namespace has its own table, and confusion gets nowhere.

The relay's tree is what the browser builds (node by node, no HTML parser),
so the classic mutation-XSS tricks — content that is text to one parser and
markup to another — have no second parse to exploit. These tests pin that
what is text on the server stays text, that no HTML element appears inside
foreign content, and what each table keeps.
"""

from __future__ import annotations

import pytest

from .helpers import assert_safe, iter_nodes, page, r, sanitize_body

GOLDEN = [
    pytest.param(
        "<svg><p>html in svg</p><filter id=f><feGaussianBlur stdDeviation=2 in=SourceGraphic />"
        "<feImage href=x.png /></filter><rect filter='url(#f)'/></svg>",
        '<svg:svg>html in svg<svg:filter id="f"><svg:feGaussianBlur stdDeviation="2"'
        ' in="SourceGraphic"></svg:feGaussianBlur></svg:filter><svg:rect filter="url(#f)">'
        "</svg:rect></svg:svg>",
        id="svg-filters-kept-feimage-and-html-not",
    ),
    pytest.param(
        "<svg><style>rect{fill:url(x.png)}</style></svg>",
        f'<svg:svg><svg:style>rect{{fill:url("{r("https://example.org/dir/x.png")}");}}'
        "</svg:style></svg:svg>",
        id="svg-style-sanitized",
    ),
    pytest.param(
        "<svg><a href='#x'><text>t</text></a><use href='#i'/><use href='x.svg#i'/>"
        "<textPath xlink:href='#p'>on a path</textPath></svg>",
        '<svg:svg><svg:text>t</svg:text><svg:use href="#i"></svg:use><svg:use></svg:use>'
        '<svg:textPath href="#p">on a path</svg:textPath></svg:svg>',
        id="svg-links-unwrapped-references-same-document-only",
    ),
    pytest.param(
        "<math><mi><img src=x onerror=alert(1)></mi><annotation-xml encoding='text/html'>"
        "<b>hi</b></annotation-xml><mtext><b>t</b></mtext></math>",
        "<math:math><math:mi></math:mi><math:mtext>t</math:mtext></math:math>",
        id="math-no-html-inside-no-annotation-xml",
    ),
    pytest.param(
        "<math href='javascript:alert(1)' display=block><mi xlink:href='javascript:x'"
        " mathvariant=bold>x</mi><mglyph src=g.png /></math>",
        '<math:math display="block"><math:mi mathvariant="bold">x</math:mi></math:math>',
        id="math-links-and-images-dropped",
    ),
    pytest.param(
        "<svg><math><mi>x</mi></math></svg><math><svg><rect/></svg></math>",
        "<svg:svg>x</svg:svg><math:math></math:math>",
        id="no-namespace-nesting",
    ),
]


@pytest.mark.parametrize(("html", "expected"), GOLDEN)
def test_golden(html: str, expected: str) -> None:
    assert sanitize_body(html) == expected
    assert_safe(page(f"<body>{html}").tree)


# Known parser-differential and namespace-confusion payloads (DOMPurify and
# mXSS write-ups): each one is text where a browser's re-parse would find
# markup. Here there is no re-parse; the tree must simply be safe.
CONFUSION = [
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 '
    'onerror=alert(1)&gt;">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<math><mi><table><mi><svg><style><img src=x onerror=alert(1)></style></svg>",
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject>',
    "<noscript><style></noscript><img src=x onerror=alert(1)></style></noscript>",
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text y=20>x</text></a>",
    '<svg><set attributeName="xlink:href" to="javascript:alert(1)"/></svg>',
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    "<template><img src=x onerror=alert(1)></template>",
    '<div><template shadowrootmode="open"><img src=x onerror=alert(1)></template></div>',
    "<svg><desc><img src=x onerror=alert(1)></desc></svg>",
    '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml>',
]


@pytest.mark.parametrize("html", CONFUSION)
def test_confusion_payload_is_safe(html: str) -> None:
    result = page(f"<!DOCTYPE html><html><body>{html}</body></html>")
    assert_safe(result.tree, html)
    for node in iter_nodes(result.tree):
        if len(node) == 4:
            assert node[1] != "img" or "onerror" not in node[2]


def test_text_that_looks_like_markup_stays_text() -> None:
    html = '<p title="</p><img src=x onerror=alert(1)>">t</p><xmp><b>x</b></xmp>'
    result = page(html)
    tags = [node[1] for node in iter_nodes(result.tree) if len(node) == 4]
    assert "img" not in tags and "b" not in tags
    assert sanitize_body(html) == (
        '<p title="&lt;/p&gt;&lt;img src=x onerror=alert(1)&gt;">t</p>'
        "<pre>&lt;b&gt;x&lt;/b&gt;</pre>"
    )


def test_foreign_elements_only_come_from_their_own_table() -> None:
    result = page("<svg><div><rect/></div><math><mi/></math></svg><math><p><mi/></p></math>")
    for node in iter_nodes(result.tree):
        if len(node) == 4 and node[1].startswith("svg:"):
            assert all(not c[1].startswith(("math:",)) for c in node[3] if len(c) == 4)
            assert all(":" in c[1] for c in node[3] if len(c) == 4)
        if len(node) == 4 and node[1].startswith("math:"):
            assert all(c[1].startswith("math:") for c in node[3] if len(c) == 4)
