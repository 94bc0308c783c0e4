"""Every XSS payload and every saved page goes through the pipeline safely.

The corpora live outside the repository: ``COBROWSE_CORPUS`` names the folder
(default ``../shared/corpus`` next to the repository root); see its README.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from cobrowse.pipeline import build_page

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
    # The payload alone, not wrapped, must be just as safe (it may carry its own <head>).
    alone = build_page(payload.encode(), None, DEFAULT_URL, fake_resource_url)
    assert_safe(alone.tree, payload[:80])


@pytest.mark.parametrize("path", _pages())
def test_saved_page(path: Path | None, page_urls: dict[str, str]) -> None:
    if path is None:
        pytest.skip(_MISSING)
    url = page_urls.get(path.stem) or DEFAULT_URL
    result = build_page(path.read_bytes(), "text/html", url, fake_resource_url)
    assert_safe(result.tree, path.stem)
    assert all(link.startswith(("http://", "https://")) for link in result.links.values())
