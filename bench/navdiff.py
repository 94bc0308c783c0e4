"""``navdiff``: same-site navigation as a mutation batch against a full snapshot.

Walks :data:`bench.harness.demo_pages.TOUR` through the demo site; for each step the
new page is diffed against the previous one as the relay does
(``cobrowse.pipeline.diff.diff_trees``, the batch carrying the new page's
``navigate`` info), and the MUTATIONS frame's bytes are compared with the
SNAPSHOT frame of the same page. Reports "not available yet" when the relay
has no diff.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from bench.harness.corpus import resource_url
from bench.harness.demo_pages import fetch_demo_pages
from bench.harness.outcome import Outcome, Table, check
from bench.harness.stats import percentile
from bench.snapshot import deflated_size
from cobrowse.pipeline import build_page
from cobrowse.protocol import Msg, encode

__all__ = ["run"]


def _max_id(node: list[Any]) -> int:
    top = int(node[0])
    if len(node) == 4:
        for child in node[3]:
            top = max(top, _max_id(child))
    return top


def run(quick: bool) -> Outcome:
    out = Outcome("navdiff")
    try:
        diff_trees = importlib.import_module("cobrowse.pipeline.diff").diff_trees
    except (ImportError, AttributeError):
        out.available = False
        out.notes.append(
            "not available yet: the relay has no mutation diff (cobrowse.pipeline.diff)"
        )
        out.checks = [check("median_diff_ratio ≤ 0.3", float("nan"), 0.3)]
        return out
    pages = fetch_demo_pages()
    table = Table(
        "demo site tour: MUTATIONS frame vs SNAPSHOT frame of the new page",
        ["from → to", "snapshot bytes", "diff bytes", "ratio", "deflated ratio", "diff ms"],
    )
    ratios: list[float] = []
    previous = None
    for no, (url, body, ctype) in enumerate(pages, start=1):
        page = build_page(body, ctype, url, resource_url)
        if previous is not None:
            info = {"page": no, "url": page.url, "title": page.title}
            t0 = time.perf_counter()
            diff = diff_trees(previous.tree, page.tree, _max_id(previous.tree) + 1)
            took = time.perf_counter() - t0
            batch = encode(Msg.MUTATIONS, no, {"page": no - 1, **diff.mutations, "navigate": info})
            snap = encode(Msg.SNAPSHOT, no, {**info, "tree": page.tree})
            ratios.append(len(batch) / len(snap))
            table.rows.append(
                [
                    f"{previous.url.split('/', 3)[3] or '/'} → {url.split('/', 3)[3] or '/'}",
                    len(snap),
                    len(batch),
                    round(len(batch) / len(snap), 3),
                    round(deflated_size(batch) / deflated_size(snap), 3),
                    round(took * 1e3, 2),
                ]
            )
        previous = page
    out.figures = {
        "median_diff_ratio": round(percentile(ratios, 50), 3),
        "p95_diff_ratio": round(percentile(ratios, 95), 3),
        "steps": len(ratios),
    }
    out.tables.append(table)
    out.checks = [check("median_diff_ratio ≤ 0.3", out.figures["median_diff_ratio"], 0.3)]
    return out
