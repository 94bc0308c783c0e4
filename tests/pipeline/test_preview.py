"""The tree as HTML for people (``cobrowse preview``, golden files, benchmarks)."""

from __future__ import annotations

from collections import Counter

from cobrowse.pipeline.preview import describe_removed, document_html, tree_to_html


def test_tree_serializes_back_to_escaped_html() -> None:
    tree = [
        1,
        "html",
        {},
        [
            [2, "body", {"class": 'a"b'}, [[3, "<script>x</script> & y"], [4, "br", {}, []]]],
            [5, "svg:svg", {"viewBox": "0 0 1 1"}, []],
            [6, "style", {}, [[7, "a > b { color: red }"]]],
        ],
    ]
    html = document_html(tree)
    assert html.startswith("<!DOCTYPE html><html>")
    assert '<body class="a&quot;b">&lt;script&gt;x&lt;/script&gt; &amp; y<br></body>' in html
    assert '<svg viewBox="0 0 1 1"></svg>' in html
    assert "<style>a > b { color: red }</style>" in html


def test_wire_prefixes_stay_for_people_and_foreign_style_text_is_raw() -> None:
    tree = [1, "svg:svg", {}, [[2, "svg:style", {}, [[3, "a > b {}"]]], [4, "svg:path", {}, []]]]
    assert (
        tree_to_html(tree)
        == "<svg:svg><svg:style>a > b {}</svg:style><svg:path></svg:path></svg:svg>"
    )
    assert tree_to_html(tree, wire_prefixes=False) == (
        "<svg><style>a > b {}</style><path></path></svg>"
    )


def test_removals_are_listed_most_frequent_first_with_a_reason() -> None:
    lines = describe_removed(Counter({"attr:onclick": 2, "element:script": 5, "x:y": 2}))
    assert lines == [
        "     5  element:script  (Element entfernt)",
        "     2  attr:onclick  (Attribut entfernt)",
        "     2  x:y  (entfernt)",
    ]
