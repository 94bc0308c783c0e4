"""``snapshot``: SNAPSHOT frame bytes against the sanitized page as HTML.

For every corpus page the SNAPSHOT frame (msgpack) is compared with the same
sanitized tree serialized back to HTML (:func:`cobrowse.pipeline.preview.document_html`), raw and
deflated as permessage-deflate does it (raw deflate, 15-bit window, a fresh
context per message, sync flush, level 1 as aiohttp's writer uses).
``median_deflate_ratio`` is deflated frame bytes over *raw* HTML bytes (what
goes over the wire against what a plain HTML transfer would be);
``median_deflate_vs_html_deflate`` compares both deflated.
"""

from __future__ import annotations

import zlib

from bench.harness.corpus import corpus_dir, load_pages, resource_url
from bench.harness.outcome import Outcome, Table, check
from bench.harness.stats import percentile
from cobrowse.pipeline import build_page
from cobrowse.pipeline.preview import document_html
from cobrowse.protocol import Msg, encode

__all__ = ["deflated_size", "run"]

DEFLATE_LEVEL = 1  # aiohttp's permessage-deflate writer uses Z_BEST_SPEED


def deflated_size(data: bytes, level: int = DEFLATE_LEVEL) -> int:
    """Bytes of ``data`` as one permessage-deflate message (RFC 7692, no context takeover)."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
    return len(out) - 4 if out.endswith(b"\x00\x00\xff\xff") else len(out)


def run(quick: bool) -> Outcome:
    out = Outcome("snapshot")
    if not (corpus_dir() / "pages").is_dir():
        out.available = False
        out.notes.append(f"corpus not found at {corpus_dir()} (set COBROWSE_CORPUS): skipped")
        return out
    rows = []
    for page in load_pages():
        built = build_page(page.body, "text/html", page.url, resource_url)
        frame = encode(
            Msg.SNAPSHOT, 1, {"page": 1, "url": built.url, "title": built.title, "tree": built.tree}
        )
        html = document_html(built.tree).encode("utf-8")
        rows.append(
            (
                len(html),
                len(frame),
                deflated_size(html),
                deflated_size(frame),
                deflated_size(frame, 6),
            )
        )
    raw = [f / h for h, f, *_ in rows]
    defl = [fd / h for h, _, _, fd, _ in rows]
    vs = [fd / hd for _, _, hd, fd, _ in rows]
    defl6 = [fd6 / h for h, _, _, _, fd6 in rows]
    out.figures = {
        "median_size_ratio": round(percentile(raw, 50), 3),
        "median_deflate_ratio": round(percentile(defl, 50), 3),
        "median_deflate_vs_html_deflate": round(percentile(vs, 50), 3),
        "median_deflate6_ratio": round(percentile(defl6, 50), 3),
        "pages": len(rows),
    }
    table = Table(
        "SNAPSHOT frame vs sanitized HTML, per page (ratios: frame ÷ HTML)",
        ["", "pages", "HTML bytes (sum)", "frame bytes (sum)", "median", "p95", "total"],
    )

    def line(label: str, values: list[float], num: int, den: int) -> list[object]:
        return [
            label,
            len(rows),
            den,
            num,
            round(percentile(values, 50), 3),
            round(percentile(values, 95), 3),
            round(num / den, 3),
        ]

    html_sum = sum(r[0] for r in rows)
    table.rows = [
        line("raw frame ÷ raw HTML", raw, sum(r[1] for r in rows), html_sum),
        line("deflated frame (level 1) ÷ raw HTML", defl, sum(r[3] for r in rows), html_sum),
        line("deflated frame (level 6) ÷ raw HTML", defl6, sum(r[4] for r in rows), html_sum),
        line(
            "deflated frame ÷ deflated HTML (level 1)",
            vs,
            sum(r[3] for r in rows),
            sum(r[2] for r in rows),
        ),
    ]
    out.tables.append(table)
    out.checks = [
        check("median_size_ratio ≤ 1.0", out.figures["median_size_ratio"], 1.0),
        check("median_deflate_ratio ≤ 0.25", out.figures["median_deflate_ratio"], 0.25),
    ]
    return out
