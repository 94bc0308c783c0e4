"""Every XSS payload and every saved page goes through the pipeline safely.

The corpora live outside the repository: ``COBROWSE_CORPUS`` names the folder
(default ``../shared/corpus`` next to the repository root); see its README.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from cobrowse.pipeline import NO_RULES, build_page, parse_html
from cobrowse.pipeline.consent import remove_consent_banners
from cobrowse.pipeline.noscript import clean_noscript
from cobrowse.protocol import Msg, encode, read_frame

from .helpers import assert_safe, fake_resource_url

_REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("COBROWSE_CORPUS") or _REPO.parent / "shared" / "corpus")
_MISSING = f"corpus not found: set COBROWSE_CORPUS to the corpus folder (tried {CORPUS})"
DEFAULT_URL = "https://example.org/corpus/page.html"


def _payloads() -> list[Any]:
    params: list[Any] = []
    for path in sorted(CORPUS.glob("xss/*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            params.append(pytest.param(entry["payload"], id=entry["id"]))
    return params or [pytest.param(None, id="missing")]


def _page_urls() -> dict[str, str]:
    manifest = CORPUS / "pages" / "MANIFEST.tsv"
    if not manifest.is_file():
        return {}
    with manifest.open(encoding="utf-8", newline="") as f:
        return {row["name"]: row["url"] for row in csv.DictReader(f, delimiter="\t")}


def _pages() -> list[Any]:
    paths = sorted(CORPUS.glob("pages/*.html"))
    return [pytest.param(p, id=p.stem) for p in paths] or [pytest.param(None, id="missing")]


@pytest.fixture(scope="module")
def page_urls() -> dict[str, str]:
    return _page_urls()


@pytest.mark.parametrize("payload", _payloads())
def test_xss_payload(payload: str | None) -> None:
    if payload is None:
        pytest.skip(_MISSING)
    body = f"<!DOCTYPE html><html><head><title>t</title></head><body>{payload}</body></html>"
    result = build_page(body.encode(), "text/html; charset=utf-8", DEFAULT_URL, fake_resource_url)
    assert_safe(result.tree, payload[:80])
    assert_wire_round_trip(result.tree)
    # The payload alone, not wrapped, must be just as safe (it may carry its own <head>).
    alone = build_page(payload.encode(), None, DEFAULT_URL, fake_resource_url)
    assert_safe(alone.tree, payload[:80])
    assert_wire_round_trip(alone.tree)


def assert_wire_round_trip(tree: list[Any]) -> None:
    """The SNAPSHOT frame (compact, deflated when large) decodes to the very tree."""
    frame = encode(Msg.SNAPSHOT, 1, {"page": 1, "url": DEFAULT_URL, "title": "", "tree": tree})
    assert read_frame(frame)[2]["tree"] == tree


def _source_words(body: bytes) -> int:
    """Words of the page's body text as parsed, without script and style, and
    without what the pipeline leaves out on purpose (consent banners, JavaScript
    warnings in <noscript>)."""
    root = parse_html(body, "text/html")
    remove_consent_banners(root, Counter())
    clean_noscript(root, Counter(), lazy_names=NO_RULES.lazy_src + NO_RULES.lazy_srcset)
    page_body = root.find("body")
    assert page_body is not None
    etree.strip_elements(page_body, "script", "style", with_tail=False)
    return len(" ".join(str(t) for t in page_body.itertext()).split())


def _sanitized_words(tree: list[Any]) -> int:
    body = next(node for node in tree[3] if len(node) == 4 and node[1] == "body")
    texts: list[str] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if len(node) == 2:
            texts.append(node[1])
        elif node[1] not in ("style", "svg:style"):
            stack.extend(node[3])
    return len(" ".join(texts).split())


@pytest.mark.parametrize("path", _pages())
def test_saved_page(path: Path | None, page_urls: dict[str, str]) -> None:
    """Safe, links absolute, and at least 95 % of the visible words survive."""
    if path is None:
        pytest.skip(_MISSING)
    url = page_urls.get(path.stem) or DEFAULT_URL
    body = path.read_bytes()
    result = build_page(body, "text/html", url, fake_resource_url)
    assert_safe(result.tree, path.stem)
    assert_wire_round_trip(result.tree)
    assert all(link.startswith(("http://", "https://")) for link in result.links.values())
    before, after = _source_words(body), _sanitized_words(result.tree)
    assert after >= 0.95 * before, f"{path.stem}: {after} of {before} words left"
