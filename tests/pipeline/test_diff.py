"""Same-site navigation as a mutation diff: applied to the old tree the way the
client applies it, the batch must give exactly the new tree, ids included."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import msgpack
import pytest

from cobrowse.demo.server import DemoSite
from cobrowse.pipeline import Page, build_page
from cobrowse.pipeline.diff import TreeIndex, apply_batch, diff_trees, max_node_id
from cobrowse.pipeline.page import Node

SITE = DemoSite()
PATHS = ["/", "/themen/rente.html", "/themen/wohngeld.html", "/service/faq.html", "/impressum.html"]


def resource_url(url: str, kind: str) -> str | None:
    return f"/r/{kind}/{len(url)}" if url.startswith("http") else None


def demo_page(path: str) -> Page:
    page = SITE.pages[path]
    response = SITE.render(path, page.title, page.body, charset=page.charset)
    assert isinstance(response.body, bytes)
    return build_page(response.body, "text/html", "http://demo.test" + path, resource_url)


def apply(tree: Node, batch: dict[str, Any]) -> Node:
    """A copy of ``tree`` with ``batch`` applied like client_js/node_tree.js does."""
    root = copy.deepcopy(tree)
    apply_batch(root, copy.deepcopy(batch))
    return root


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(PATHS[:4], 2)))
def test_diff_turns_one_demo_page_into_the_next(a: str, b: str) -> None:
    old, new = demo_page(a), demo_page(b)
    top = max_node_id(old.tree)
    fresh = demo_page(b).tree  # the same page numbered from 1, to compare content
    diff = diff_trees(old.tree, new.tree, top + 1)
    assert apply(old.tree, diff.mutations) == new.tree
    assert _strip_ids(new.tree) == _strip_ids(fresh)
    # renumbering: kept ids are the old ones, new nodes come above every old id
    kept = set(TreeIndex.build(old.tree).nodes)
    for node_id in TreeIndex.build(new.tree).nodes:
        assert node_id in kept or node_id > top
    assert sorted(diff.ids) == sorted(TreeIndex.build(fresh).nodes)
    # header, menu and footer stay: the batch is much smaller than the page
    assert len(msgpack.packb(diff.mutations)) < len(msgpack.packb(new.tree)) / 2
    diff.undo(new.tree)  # the page goes out whole after all: its own ids again
    assert new.tree == fresh


def _strip_ids(node: Node) -> Any:
    if len(node) == 2:
        return node[1]
    return [node[1], node[2], [_strip_ids(c) for c in node[3]]]


def test_identical_pages_give_an_empty_batch() -> None:
    old, new = demo_page("/service/faq.html"), demo_page("/service/faq.html")
    diff = diff_trees(old.tree, new.tree, max_node_id(old.tree) + 1)
    assert diff.mutations == {"texts": [], "attributes": [], "removes": [], "adds": []}
    assert new.tree == old.tree


def test_small_trees_texts_attributes_moves() -> None:
    old: Node = [
        1,
        "html",
        {},
        [[2, "body", {"class": "a"}, [[3, "p", {}, [[4, "eins"]]], [5, "hr", {}, []]]]],
    ]
    new: Node = [
        1,
        "html",
        {},
        [
            [
                2,
                "body",
                {"class": "b", "lang": "de"},
                [[3, "h1", {}, [[4, "neu"]]], [5, "p", {}, [[6, "zwei"]]], [7, "hr", {}, []]],
            ]
        ],
    ]
    diff = diff_trees(old, new, 6)
    assert apply(old, diff.mutations) == new
    batch = diff.mutations
    assert [2, {"class": "b", "lang": "de"}] in batch["attributes"]
    assert [4, "zwei"] in batch["texts"]  # the p and its text keep their ids
    assert batch["removes"] == []
    assert new[3][0][3][0][0] == 6  # the new h1 got a fresh id
    assert diff.ids[5] == 3 and diff.ids[3] == 6


def test_index_follows_ids_and_ancestors() -> None:
    page = demo_page("/themen/kindergeld.html")
    index = TreeIndex.build(page.tree)
    tab = index.by_dom_id("tab-kinderzuschlag")
    assert tab is not None and tab[1] == "button"
    tags = [a[1] for a in index.ancestors(tab[0])]
    assert tags[-1] == "html" and "body" in tags
    assert index.max_id == max_node_id(page.tree)


def test_apply_batch_refuses_batches_that_do_not_fit() -> None:
    tree: Node = [1, "html", {}, [[2, "body", {}, [[3, "text"]]]]]
    for batch in (
        {"removes": [99]},
        {"adds": [[2, 42, [5, "p", {}, []]]]},  # the next sibling never comes
        {"attributes": [[77, {"class": "x"}]]},
        {"texts": [[2, "body is no text"]]},
    ):
        with pytest.raises(ValueError, match="batch"):
            apply_batch(copy.deepcopy(tree), batch)
    apply_batch(tree, {"adds": [[2, 3, [5, "p", {}, []]]], "texts": [[3, "new"]]})
    assert tree == [1, "html", {}, [[2, "body", {}, [[5, "p", {}, []], [3, "new"]]]]]
