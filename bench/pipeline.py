"""``pipeline``: the full page pipeline against lxml's parse of the same bytes.

For every page of the corpus: ``build_page`` (parse, sanitize, rewrite,
snapshot) plus the msgpack encoding of the SNAPSHOT frame, against
``lxml.html.document_fromstring`` alone. Each is timed several times,
alternating, and the fastest run counts (the least disturbed by the other
processes on the machine). ``errors`` counts pages the pipeline raised on.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import lxml.html

from bench.harness.corpus import corpus_dir, load_pages, resource_url
from bench.harness.outcome import Outcome, Table, check
from bench.harness.stalls import measure_stalls
from bench.harness.stats import percentile
from cobrowse.pipeline import build_page
from cobrowse.protocol import Msg, encode

__all__ = ["run"]

BUCKETS = ((0, 20_000, "< 20 KB"), (20_000, 100_000, "20–100 KB"), (100_000, 10**12, "≥ 100 KB"))


def _time(fn: Callable[..., Any], *args: Any) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def full_pipeline(body: bytes, url: str) -> bytes:
    """What the relay does with a fetched page until the frame bytes exist."""
    page = build_page(body, "text/html", url, resource_url)
    return encode(
        Msg.SNAPSHOT, 1, {"page": 1, "url": page.url, "title": page.title, "tree": page.tree}
    )


def run(quick: bool) -> Outcome:
    out = Outcome("pipeline")
    if not (corpus_dir() / "pages").is_dir():
        out.available = False
        out.notes.append(f"corpus not found at {corpus_dir()} (set COBROWSE_CORPUS): skipped")
        return out
    pages = load_pages()
    repeats = 2 if quick else 5
    rows: list[tuple[str, int, float, float]] = []
    errors: list[str] = []
    shallow: list[str] = []  # pages lxml alone gives up on (undeclared legacy charsets)
    gc.collect()
    for page in pages:
        try:
            full_pipeline(page.body, page.url)  # warm caches the same way for both
        except Exception as exc:
            errors.append(f"{page.name}: {type(exc).__name__}")
            continue
        parse = pipe = float("inf")
        for _ in range(repeats):  # alternate, so both see the same noise
            parse = min(parse, _time(lxml.html.document_fromstring, page.body))
            pipe = min(pipe, _time(full_pipeline, page.body, page.url))
        rows.append((page.name, len(page.body), parse, pipe))
        if len(lxml.html.document_fromstring(page.body).xpath("//*")) < 10:
            shallow.append(page.name)
    ratios = [pipe / parse for _, _, parse, pipe in rows]
    out.figures = {
        "median_ratio": round(percentile(ratios, 50), 2),
        "p95_ratio": round(percentile(ratios, 95), 2),
        "pages": len(rows),
        "errors": len(errors),
        "total_parse_s": round(sum(r[2] for r in rows), 3),
        "total_pipeline_s": round(sum(r[3] for r in rows), 3),
    }
    summary = Table(
        f"full pipeline + msgpack vs lxml.html parse, per page (fastest of {repeats} runs each)",
        [
            "pages",
            "bytes",
            "median ratio",
            "p95 ratio",
            "max ratio",
            "parse ms (sum)",
            "pipeline ms (sum)",
            "pipeline MB/s",
        ],
    )
    for low, high, label in ((0, 10**12, "all"), *BUCKETS):
        sel = [r for r in rows if low <= r[1] < high]
        if not sel:
            continue
        rs = [pipe / parse for _, _, parse, pipe in sel]
        size = sum(r[1] for r in sel)
        pipe_s = sum(r[3] for r in sel)
        summary.rows.append(
            [
                f"{label}: {len(sel)}",
                size,
                round(percentile(rs, 50), 2),
                round(percentile(rs, 95), 2),
                round(max(rs), 2),
                round(1e3 * sum(r[2] for r in sel), 1),
                round(1e3 * pipe_s, 1),
                round(size / pipe_s / 1e6, 1),
            ]
        )
    worst = Table(
        "slowest pages relative to the parse",
        ["page", "bytes", "parse ms", "pipeline ms", "ratio"],
        [
            [name, size, round(parse * 1e3, 2), round(pipe * 1e3, 2), round(pipe / parse, 2)]
            for name, size, parse, pipe in sorted(rows, key=lambda r: r[3] / r[2])[-5:][::-1]
        ],
    )
    largest = sorted(pages, key=lambda p: len(p.body))[-(8 if quick else 20) :]
    stalls = Table(
        f"event-loop lateness (1 ms ticker) while the {len(largest)} largest pages are built "
        "one after another beside the loop",
        ["pipeline runs in", "pages", "lateness p50 ms", "p99 ms", "max ms", "wall s"],
        measure_stalls(largest),
    )
    out.figures["thread_stall_p99_ms"] = stalls.rows[0][3]
    out.figures["process_stall_p99_ms"] = stalls.rows[2][3]
    out.tables += [summary, worst, stalls]
    if shallow:
        out.notes.append(
            "lxml.html alone stops early on these pages' bytes (< 10 elements; the pipeline "
            "decodes them first), so their ratio overstates the cost: " + ", ".join(shallow)
        )
    if errors:
        out.notes.append("errors: " + ", ".join(errors[:10]))
    out.checks = [
        check("median_ratio ≤ 3", out.figures["median_ratio"], 3.0),
        check("errors = 0", float(len(errors)), 0.0),
    ]
    return out
