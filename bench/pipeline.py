"""``pipeline``: the full page pipeline against lxml's parse of the same bytes.

For every page of the corpus: ``build_page`` (parse, sanitize, rewrite,
snapshot) plus the msgpack encoding of the SNAPSHOT frame, against
``lxml.html.document_fromstring`` alone. Each is timed several times,
alternating, and the fastest run counts (the least disturbed by the other
processes on the machine). ``errors`` counts pages the pipeline raised on.

Beside it, protocol version 2's floor (:func:`wire_floor`): lxml's parse, a
bare walk that copies the lxml tree straight into the same compact wire form
(string table, implicit ids), msgpack and deflate level 6, with no
sanitizing. The pipeline's time beyond the floor is what sanitizing,
rewriting and the page features cost; the floor beyond the parse is what
the encoding costs when a Python walk makes it.
"""

from __future__ import annotations

import gc
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import lxml.html
import msgpack

from bench.harness.corpus import corpus_dir, load_pages, resource_url
from bench.harness.outcome import Outcome, Table, check
from bench.harness.stalls import measure_stalls
from bench.harness.stats import percentile
from cobrowse.pipeline import build_page
from cobrowse.pipeline.collector import COLLECTOR_PAUSED
from cobrowse.protocol import DEFLATE_LEVEL, Msg, encode

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


# Elements whose content the pipeline never sends; the lean floor skips them,
# so that it encodes about as many bytes as the pipeline does.
SKIPPED: Final = frozenset({"script", "style", "template", "noscript"})


@dataclass
class Floor:
    """Protocol v2's floor for one page, fastest of several runs each."""

    walk: float = float("inf")  # the walk with msgpack (s)
    deflate: float = float("inf")  # (s)
    size: int = 0  # deflated bytes

    def add(self, walk: float, deflate: float, size: int) -> None:
        self.walk, self.deflate, self.size = min(self.walk, walk), min(self.deflate, deflate), size


def wire_floor(body: bytes, skip: frozenset[str] = frozenset()) -> tuple[float, float, int]:
    """Protocol v2's floor for ``body``: parse, then a bare walk into the
    compact wire form (as :func:`cobrowse.protocol.wire_tree` writes it: a
    string's table entry on first use, the same rule for when a reference
    pays, ids implicit), msgpack, deflate level 6. No sanitizing, no
    rewriting, no intermediate node lists; elements named in ``skip`` are
    left out with their content. Returns the seconds of the walk with
    msgpack and of the deflate (the caller times the parse), and the
    deflated size."""
    refs: dict[str, int] = {}
    known = refs.get
    count = 0

    def string(text: str) -> Any:
        nonlocal count
        ref = known(text)
        if ref is None:
            size = len(text)
            # a reference (1, 2, 3 or 5 bytes) must be shorter than the text
            short = count < 128 or (size >= 2 and count < 256) or (size >= 3 and count < 65536)
            refs[text] = count if size >= 5 or (size and short) else -1
            count += 1
            return text
        if ref < 0:
            count += 1
            return text
        return ref

    def node(element: Any) -> list[Any]:
        out = [string(element.tag)]
        attrib = element.attrib
        if attrib:
            flat: list[Any] = []
            for name, value in attrib.items():
                flat.append(string(name))
                flat.append(string(value))
            out.append(flat)
        elif element.text or len(element):
            out.append(None)
        if element.text:
            out.append(string(element.text))
        for child in element:
            tag = child.tag
            # comments and processing instructions (tag not a str) are dropped
            if type(tag) is str and tag not in skip:
                out.append(node(child))
            if child.tail:
                out.append(string(child.tail))
        return out

    root = lxml.html.document_fromstring(body)
    t0 = time.perf_counter()
    with COLLECTOR_PAUSED:
        packed = msgpack.packb(node(root), use_bin_type=True)
    t1 = time.perf_counter()
    deflate = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    size = len(deflate.compress(packed)) + len(deflate.flush())
    return t1 - t0, time.perf_counter() - t1, size


def _floor_table(
    rows: list[tuple[str, int, float, float]],
    frames: list[int],
    floors: list[Floor],
    lean: list[Floor],
) -> Table:
    """The pipeline beside protocol v2's floor, in multiples of lxml's parse."""
    parse = [r[2] for r in rows]
    pipe = [r[3] for r in rows]

    def total(fs: list[Floor]) -> list[float]:
        return [p + f.walk + f.deflate for p, f in zip(parse, fs, strict=True)]

    parts: list[tuple[str, list[float], int | None]] = [
        ("lxml parse", parse, None),
        ("floor: bare walk into the wire form + msgpack", [f.walk for f in floors], None),
        ("floor: deflate level 6", [f.deflate for f in floors], None),
        ("floor in all", total(floors), sum(f.size for f in floors)),
        ("lean floor: the same without script, style, template, noscript", total(lean), None),
        ("lean floor: of it walk + msgpack", [f.walk for f in lean], None),
        ("lean floor: of it deflate level 6", [f.deflate for f in lean], sum(f.size for f in lean)),
        ("the pipeline (build_page + encode)", pipe, sum(frames)),
        (
            "the pipeline beyond the lean floor (sanitizing, rewriting, page features)",
            [a - b for a, b in zip(pipe, total(lean), strict=True)],
            None,
        ),
    ]
    table = Table(
        "protocol v2's floor beside the pipeline (per page, fastest runs; × lxml's parse)",
        ["what", "median ×", "p95 ×", "ms (sum)", "frame bytes (sum)"],
    )
    for what, seconds, size in parts:
        ratios = [s / p for s, p in zip(seconds, parse, strict=True)]
        table.rows.append(
            [
                what,
                round(percentile(ratios, 50), 2),
                round(percentile(ratios, 95), 2),
                round(1e3 * sum(seconds), 1),
                "" if size is None else size,
            ]
        )
    return table


def run(quick: bool) -> Outcome:
    out = Outcome("pipeline")
    if not (corpus_dir() / "pages").is_dir():
        out.available = False
        out.notes.append(f"corpus not found at {corpus_dir()} (set COBROWSE_CORPUS): skipped")
        return out
    pages = load_pages()
    repeats = 2 if quick else 5
    rows: list[tuple[str, int, float, float]] = []
    frames: list[int] = []  # per page: the SNAPSHOT frame's bytes
    floors: list[Floor] = []
    lean: list[Floor] = []
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
        floor, lean_floor = Floor(), Floor()
        for _ in range(repeats):  # alternate, so all see the same noise
            parse = min(parse, _time(lxml.html.document_fromstring, page.body))
            pipe = min(pipe, _time(full_pipeline, page.body, page.url))
            floor.add(*wire_floor(page.body))
            lean_floor.add(*wire_floor(page.body, SKIPPED))
        rows.append((page.name, len(page.body), parse, pipe))
        frames.append(len(full_pipeline(page.body, page.url)))
        floors.append(floor)
        lean.append(lean_floor)
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
    floor = _floor_table(rows, frames, floors, lean)
    out.figures["v2_floor_median_ratio"] = floor.rows[3][1]
    out.figures["v2_lean_floor_median_ratio"] = floor.rows[4][1]
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
        f"event-loop lateness while the {len(largest)} largest pages are built one after "
        "another beside the loop: a message on a pipe every ms (as frames arrive), and a "
        "1 ms timer",
        [
            "pipeline runs in",
            "pages",
            "pipe: lateness p50 ms",
            "p99 ms",
            "max ms",
            "timer: p99 ms",
            "max ms",
            "wall s",
        ],
        measure_stalls(largest),
    )
    out.figures["thread_stall_p99_ms"] = stalls.rows[0][3]
    out.figures["process_stall_p99_ms"] = stalls.rows[2][3]
    out.figures["relay_stall_p99_ms"] = stalls.rows[1][3]
    out.figures["relay_stall_max_ms"] = stalls.rows[1][4]
    out.figures["relay_timer_p99_ms"] = stalls.rows[1][5]
    out.figures["relay_timer_max_ms"] = stalls.rows[1][6]
    out.tables += [summary, floor, worst, stalls]
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
        check("relay_stall_p99_ms ≤ 1", out.figures["relay_stall_p99_ms"], 1.0),
        check("relay_stall_max_ms ≤ 5", out.figures["relay_stall_max_ms"], 5.0),
    ]
    return out
