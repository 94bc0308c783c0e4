"""build_page end to end: the Page it returns and the golden fixture page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import cobrowse.pipeline as pipeline
from cobrowse.pipeline import RESOURCE_KINDS, FormInfo, Page, build_page
from cobrowse.pipeline.build import DEFAULT_MASK, build_shared_page
from cobrowse.pipeline.site_rules import MASK_ATTR
from cobrowse.protocol import Msg, encode, read_frame

from .helpers import assert_safe, fake_resource_url, iter_nodes, page, to_html

FIXTURES = Path(__file__).parent / "fixtures"
MINISTRY_URL = "https://www.example.org/themen/wohngeld/page.html"


@pytest.fixture(scope="module")
def ministry() -> Page:
    body = (FIXTURES / "ministry.html").read_bytes()
    return build_page(body, "text/html; charset=utf-8", MINISTRY_URL, fake_resource_url)


def test_ministry_golden(ministry: Page) -> None:
    expected = (FIXTURES / "ministry.expected.html").read_text(encoding="utf-8")
    assert to_html(ministry.tree) + "\n" == expected


def test_ministry_is_safe(ministry: Page) -> None:
    assert_safe(ministry.tree, "ministry")


def test_ministry_title_links_forms(ministry: Page) -> None:
    assert ministry.url == MINISTRY_URL
    assert ministry.title == "Wohngeld beantragen | Ministerium"
    assert sorted(ministry.links.values()) == [
        "https://www.example.org/",
        "https://www.example.org/impressum",
        "https://www.example.org/presse",
        "https://www.example.org/themen/wohnen/",
    ]
    # The search button's formaction is its own target (the relay refuses to go
    # there as for any link to a host that is not allowed); it never reaches the page.
    assert list(ministry.forms.values()) == [
        FormInfo("get", "https://www.example.org/suche"),
        FormInfo("get", "https://evil.example/"),
    ]


def test_links_and_forms_point_at_emitted_nodes(ministry: Page) -> None:
    nodes = {node[0]: node for node in iter_nodes(ministry.tree)}
    for node_id in ministry.links:
        assert nodes[node_id][1] == "a" and nodes[node_id][2]["href"] == "/link"
    for node_id in ministry.forms:
        tag, attrs = nodes[node_id][1], nodes[node_id][2]
        if tag == "form":
            assert attrs["action"] == "/link"
        else:  # a submit button with its own formaction/formmethod (kept on the relay)
            assert tag in ("button", "input") and "formaction" not in attrs


def test_ministry_removed_counts(ministry: Page) -> None:
    removed = ministry.removed
    assert removed["element:script"] == 3
    assert removed["element:iframe"] == 1
    assert removed["element:meta"] == 2
    assert removed["element:link"] == 2
    assert removed["attr:onload"] == removed["attr:onclick"] == 1
    assert removed["url:javascript"] == 1
    assert removed["css:binding"] == 1


def test_tree_encodes_as_snapshot_frame(ministry: Page) -> None:
    frame = encode(
        Msg.SNAPSHOT,
        1,
        {"page": 1, "url": ministry.url, "title": ministry.title, "tree": ministry.tree},
    )
    assert read_frame(frame)[2]["tree"] == ministry.tree


def test_ids_are_sequential_in_document_order() -> None:
    result = page("<p>a<b>b</b>c</p><!-- x --><script>s</script><div>d</div>")
    ids = [node[0] for node in iter_nodes(result.tree)]
    assert ids == list(range(1, len(ids) + 1))


def test_title_defaults_to_empty_and_ignores_svg_title() -> None:
    assert page("<p>x</p>").title == ""
    assert page("<svg><title>Icon</title></svg>").title == ""


def test_form_defaults_and_post() -> None:
    result = page('<form><input name=a></form><form method=POST action="https://other.example/s">')
    assert list(result.forms.values()) == [
        FormInfo("get", "https://example.org/dir/page.html"),
        FormInfo("post", "https://other.example/s", enabled=False),
    ]


def test_whitespace_only_text_is_dropped_in_head_only() -> None:
    result = page(
        "<html>\n<head>\n <title>T</title>\n</head>\n<body> <b>x</b> <i>y</i> </body></html>"
    )
    head, body = result.tree[3]
    assert [len(child) for child in head[3]] == [4]
    assert [child[1] for child in body[3] if len(child) == 2] == [" ", " ", " "]


def test_deep_nesting_is_bounded() -> None:
    result = page("<div>" * 5000 + "deep" + "</div>" * 5000)
    depth, node = 0, result.tree
    while len(node) == 4 and node[3]:
        node, depth = node[3][-1], depth + 1
    assert 150 < depth <= 201
    assert result.removed["depth"] == 1
    assert_safe(result.tree)


def test_never_raises_on_binary_garbage() -> None:
    body = bytes(range(256)) * 40
    result = build_page(body, "application/octet-stream", "https://example.org/", fake_resource_url)
    assert result.tree[1] == "html"
    assert_safe(result.tree)


def test_public_surface() -> None:
    assert sorted(pipeline.__all__) == [
        "FormInfo",
        "LINK_TARGET",
        "NO_RULES",
        "Page",
        "PageRules",
        "RESOURCE_KINDS",
        "ResourceUrl",
        "build_page",
        "cached_stylesheet",
        "decode_html",
        "describe_removed",
        "parse_html",
        "rules_for",
        "sanitize_document",
        "sanitize_style_attr",
        "sanitize_stylesheet",
        "tree_to_html",
    ]
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None


def test_resource_kinds_are_the_documented_ones() -> None:
    kinds: set[str] = set()

    def recording(url: str, kind: str) -> str | None:
        kinds.add(kind)
        return fake_resource_url(url, kind)

    html = (
        "<style>@import 'a.css'; @font-face{src:url(f.woff)} b{background:url(b.png)}</style>"
        "<img src=i.png><video src=v.mp4 poster=p.png></video><link rel=stylesheet href=s.css>"
    )
    build_page(html.encode(), None, "https://example.org/", recording)
    assert kinds == RESOURCE_KINDS


def test_build_page_is_thread_safe() -> None:
    body = (FIXTURES / "ministry.html").read_bytes()

    def build(_: int) -> list[object]:
        return build_page(body, None, MINISTRY_URL, fake_resource_url).tree

    with ThreadPoolExecutor(max_workers=4) as pool:
        trees = list(pool.map(build, range(16)))
    assert all(tree == trees[0] for tree in trees)


# --- masking (build_shared_page) ---------------------------------------------------


def _fields(html: str) -> dict[str, dict[str, str]]:
    """The attributes of every element with an id, as every participant gets them."""
    shared = build_shared_page(
        html.encode(), "text/html", "https://www.example.org/", lambda u, k: None
    )
    return {n[2]["id"]: n[2] for n in iter_nodes(shared.tree) if len(n) == 4 and "id" in n[2]}


def test_private_fields_are_masked_whatever_their_spelling() -> None:
    fields = _fields(
        '<form><input type=" PassWord " id="a"><input autocomplete="section-x CC-CSC" id="b">'
        '<input name="user_pin" id="c"><input id="TAN"><textarea name="Kennwort" id="d"></textarea>'
        '<select name="iban" id="e"></select><input name="pinguin" id="f"><input id="spinner">'
        '<input name="ort" id="g"><input type="text" id="h"></form>'
    )
    assert [k for k, attrs in fields.items() if MASK_ATTR in attrs] == [
        "a",
        "b",
        "c",
        "TAN",
        "d",
        "e",
    ]


def test_a_page_can_add_its_own_mask_but_no_other_relay_mark() -> None:
    fields = _fields(
        '<input id="own" data-cb-masked><p id="p" data-cb-highlight data-cb-x="1" '
        'data-cb-widget="{}" data-cb-widget-target="0" data-keep="1">x</p>'
    )
    assert MASK_ATTR in fields["own"]
    assert fields["p"] == {"id": "p", "data-keep": "1"}


def test_mask_rules_look_only_at_form_fields() -> None:
    assert DEFAULT_MASK.masks("input", {"name": "geheimzahl"})
    assert not DEFAULT_MASK.masks("input", {"name": "  "})
    assert not _fields('<p id="passwort">x</p>')["passwort"].get(MASK_ATTR)
