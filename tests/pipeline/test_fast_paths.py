"""The pipeline's and the encoder's fast paths against the plain code they replaced.

Each reference below is the earlier implementation, kept verbatim: the
compact wire tree (:func:`cobrowse.protocol.wire_tree`), the link address
copy (:func:`cobrowse.pipeline.href_copy.href_copy`) and the presets'
candidate prefilter (:func:`cobrowse.pipeline.selectors.select_among`
against a full search per preset). They run over the hand-written fixtures
and demo pages, and over the saved pages of the corpus when
``COBROWSE_CORPUS`` names it (skipped otherwise).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import msgpack
import pytest

from cobrowse.pipeline import build_page, parse_html
from cobrowse.pipeline.href_copy import href_copy
from cobrowse.pipeline.selectors import select, select_among
from cobrowse.pipeline.widget_presets import PRESETS, candidates
from cobrowse.protocol import wire_tree

from .helpers import fake_resource_url
from .test_widget_presets import EVERY_KIND

_REPO = Path(__file__).resolve().parents[2]
_CORPUS = Path(os.environ.get("COBROWSE_CORPUS") or _REPO.parent / "shared" / "corpus")
_URL = "https://www.example.org/dienste/seite.html"

_HAND_WRITTEN = [
    *sorted((_REPO / "tests" / "pipeline" / "fixtures").glob("*.html")),
    *sorted((_REPO / "cobrowse" / "demo" / "site").rglob("*.html")),
]


def _reference_wire_tree(root: list[Any]) -> Any:
    """wire_tree as it was before the fast path (one string() call per string)."""
    strings: dict[str, int] = {}
    known = strings.get
    state = [0, 1]

    def string(text: str) -> str | int:
        index = known(text)
        if index is not None:
            size = len(text)
            if size and (
                index < 128 or (size >= 2 and index < 256) or (size >= 3 and index < 65536)
            ):
                return index
            if size >= 5:
                return index
        else:
            strings[text] = state[0]
        state[0] += 1
        return text

    def node(item: list[Any]) -> Any:
        node_id = item[0]
        implicit = node_id == state[1]
        state[1] = node_id + 1
        if len(item) == 2:
            out: Any = string(item[1])
        else:
            out = [string(item[1])]
            attrs, children = item[2], item[3]
            if attrs or children:
                if attrs:
                    flat: list[str | int] = []
                    for name, value in attrs.items():
                        flat += [string(name), string(value)]
                    out.append(flat)
                else:
                    out.append(None)
                for child in children:
                    out.append(node(child))
        return out if implicit else [-node_id, out]

    return node(root)


_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _reference_href_copy(raw: str) -> str:
    """href_copy as it was before the fast path."""
    value = raw.strip("".join(map(chr, range(0x21))))
    if len(value) > 2048:
        return ""
    squeezed = _CONTROL.sub("", value).lower()
    if any(bad in squeezed for bad in ("javascript:", "vbscript:", "livescript:", "data:")):
        return ""
    match = _SCHEME.match(squeezed)
    if match is not None and match.group(1) not in {"http", "https", "mailto", "tel"}:
        return ""
    return _CONTROL.sub(" ", value)


def _assert_same(body: bytes, where: str) -> None:
    tree = build_page(body, "text/html", _URL, fake_resource_url).tree
    renumbered = [7, *tree[1:]]  # explicit ids too: the root's and its first child's
    for each in (tree, renumbered):
        assert msgpack.packb(wire_tree(each)) == msgpack.packb(_reference_wire_tree(each)), where
    root = parse_html(body, "text/html")
    for el in root.iter():
        raw = el.get("href")
        if raw is not None:
            assert href_copy(raw) == _reference_href_copy(raw), (where, raw[:80])
    found = candidates(root)
    for preset in PRESETS:
        trigger = preset.rule.trigger
        assert select_among(trigger, found, root) == select(trigger, root), (where, preset.name)


@pytest.mark.parametrize("path", _HAND_WRITTEN, ids=lambda p: p.stem)
def test_fast_paths_match_the_reference_on_hand_written_pages(path: Path) -> None:
    _assert_same(path.read_bytes(), path.name)


def test_fast_paths_match_the_reference_on_every_preset_kind() -> None:
    _assert_same(EVERY_KIND, "presets")


@pytest.mark.parametrize(
    "raw",
    [
        "/a b\tc",
        " #x ",
        "https://example.org/ä",
        "JAVASCRIPT:x",
        "java\x00script:x",
        "tel:+49 30",
        "mailto:a@b",
        "x" * 3000,
        "",
        "\x01",
        "foo:bar",
        "/q?u=data:x",
    ],
)
def test_href_copy_matches_the_reference(raw: str) -> None:
    assert href_copy(raw) == _reference_href_copy(raw)


def test_fast_paths_match_the_reference_on_the_corpus() -> None:
    pages = sorted(_CORPUS.glob("pages/*.html"))
    if not pages:
        pytest.skip(f"corpus not found: set COBROWSE_CORPUS to the corpus folder (tried {_CORPUS})")
    for path in pages:
        _assert_same(path.read_bytes(), path.stem)
