"""The shared page corpus (``COBROWSE_CORPUS``, default ``../shared/corpus``)
and a resource rewriter that costs what the relay's does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from cobrowse.resources import ResourceSigner

__all__ = ["CorpusPage", "corpus_dir", "load_pages", "resource_url"]

_SIGNER = ResourceSigner("bench-secret-key-that-is-long-enough-0123456789")


@dataclass(frozen=True)
class CorpusPage:
    name: str
    url: str
    body: bytes


def corpus_dir() -> Path:
    """Where the corpus is (it may not exist: callers report that and skip)."""
    default = Path(__file__).resolve().parents[3] / "shared" / "corpus"
    return Path(os.environ.get("COBROWSE_CORPUS", default))


def load_pages(limit: int | None = None) -> list[CorpusPage]:
    """Every ``pages/*.html`` with the URL from MANIFEST.tsv (a stand-in if none)."""
    pages_dir = corpus_dir() / "pages"
    urls: dict[str, str] = {}
    manifest = pages_dir / "MANIFEST.tsv"
    if manifest.exists():
        for line in manifest.read_text("utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2]:
                urls[parts[0]] = parts[2]
    pages = [
        CorpusPage(
            path.stem,
            urls.get(path.stem, f"https://www.example.org/{path.stem}/"),
            path.read_bytes(),
        )
        for path in sorted(pages_dir.glob("*.html"))
    ]
    return pages[:limit] if limit else pages


def _rewrite(session_id: str, url: str, kind: str) -> str | None:
    # As Navigator.resource_url for an allowed host: sign a /r/ token.
    return _SIGNER.url_for(session_id, kind, url)


resource_url = partial(_rewrite, "bench-session-id-0123456789ab")
