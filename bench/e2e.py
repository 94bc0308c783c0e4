"""``e2e``: what a person sees, in real Chromium.

An advisor and a citizen (separate browser contexts) join one session
through the real pages (the journey helpers of ``tests/e2e``). Timestamps
are taken inside the browser, ``performance.timeOrigin + performance.now()``
on both pages (one machine clock):

* pointer: the advisor's ``mousemove`` in the mirror → the first change of
  the citizen's ``#advisor-pointer`` after it (MutationObserver);
* navigation: Enter in the advisor's address field → the citizen's mirror
  showing the new page's ``h1`` (MutationObserver on the mirror document).
  This includes the relay's fetch of the demo page and the whole pipeline.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.harness.demo_pages import TOUR
from bench.harness.outcome import Check, Outcome, Table, check
from bench.harness.procs import start_relay
from bench.harness.stats import percentile

__all__ = ["run"]

NOW = "performance.timeOrigin + performance.now()"
ADVISOR_PROBE = f"""() => {{
  const b = window.__bench = {{moves: [], enters: []}};
  const doc = document.querySelector('[data-testid=mirror]').contentDocument;
  doc.addEventListener('mousemove', () => b.moves.push({NOW}), true);
  const enter = (e) => {{ if (e.key === 'Enter') b.enters.push({NOW}); }};
  document.addEventListener('keydown', enter, true);
}}"""
CITIZEN_PROBE = f"""() => {{
  const b = window.__bench = {{pointer: [], pages: []}};
  const marker = document.querySelector('[data-testid=advisor-pointer]');
  new MutationObserver(() => b.pointer.push({NOW})).observe(marker, {{attributes: true}});
  const doc = document.querySelector('[data-testid=mirror]').contentDocument;
  let last = doc.querySelector('h1')?.textContent;
  new MutationObserver(() => {{
    const h1 = doc.querySelector('h1')?.textContent;
    if (h1 !== last) {{ last = h1; b.pages.push([{NOW}, h1]); }}
  }}).observe(doc, {{childList: true, subtree: true, characterData: true}});
}}"""


def _first_after(values: list[float], t: float) -> float | None:
    later = [v for v in values if v >= t]
    return min(later) if later else None


def _measure(quick: bool) -> tuple[list[float], list[float], dict[str, str]]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.e2e.journey import advisor_login, citizen_join, mirror, navigate, wait_until

    moves, navs = (20, 6) if quick else (80, 24)
    pointer_ms: list[float] = []
    nav_ms: list[float] = []
    missed = {"pointer": 0, "nav": 0}  # no update within 5 s / 15 s
    with start_relay() as relay, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            advisor_ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
            citizen_ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            advisor, code = advisor_login(advisor_ctx, relay)
            citizen = citizen_join(citizen_ctx, relay, code)
            navigate(advisor, relay.demo + "/themen/rente.html")
            wait_until(lambda: "Rente" in (mirror(citizen).title() or ""), "no first page")
            advisor.evaluate(ADVISOR_PROBE)
            citizen.evaluate(CITIZEN_PROBE)
            box = advisor.get_by_test_id("mirror").bounding_box()
            assert box is not None
            for i in range(moves):
                # alternate between two spots on the page's text, far enough apart
                x = box["x"] + box["width"] * (0.3 if i % 2 else 0.5)
                y = box["y"] + box["height"] * (0.25 + 0.02 * (i % 10))
                advisor.mouse.move(x, y)
                sent = advisor.evaluate("window.__bench.moves.at(-1)")
                try:
                    citizen.wait_for_function(
                        "t => window.__bench.pointer.some(v => v >= t)", arg=sent, timeout=5000
                    )
                except PlaywrightTimeout:
                    missed["pointer"] += 1
                    continue
                got = _first_after(citizen.evaluate("window.__bench.pointer"), sent)
                if got is not None:
                    pointer_ms.append(got - sent)
                time.sleep(0.06)  # past the client's 30 Hz throttle: each move goes out at once
            advisor.mouse.move(box["x"] - 20, box["y"] - 20)  # leave the mirror
            tour = [p for p in TOUR if p != "/"][:navs] if quick else [*TOUR[1:-1]] * 2
            for path in tour[:navs]:
                navigate(advisor, relay.demo + path)
                sent = advisor.evaluate("window.__bench.enters.at(-1)")
                try:
                    citizen.wait_for_function(
                        "t => window.__bench.pages.some(p => p[0] >= t)", arg=sent, timeout=15000
                    )
                except PlaywrightTimeout:
                    missed["nav"] += 1
                    continue
                pages: list[Any] = citizen.evaluate("window.__bench.pages")
                got = _first_after([p[0] for p in pages], sent)
                if got is not None:
                    nav_ms.append(got - sent)
                time.sleep(0.2)
            version = browser.version
        finally:
            browser.close()
    return pointer_ms, nav_ms, {"chromium": version, **{k: str(v) for k, v in missed.items()}}


def run(quick: bool) -> Outcome:
    out = Outcome("e2e")
    from tests.e2e.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        out.available = False
        out.notes.append(f"Chromium not found at {CHROMIUM} (set COBROWSE_CHROMIUM): skipped")
        out.checks = [Check("pointer p50 ≤ 30 ms, nav p50 ≤ 150 ms", None)]
        return out
    pointer_ms, nav_ms, info = _measure(quick)
    out.figures = {
        "pointer_p50_ms": round(percentile(pointer_ms, 50), 1),
        "pointer_p95_ms": round(percentile(pointer_ms, 95), 1),
        "nav_p50_ms": round(percentile(nav_ms, 50), 1),
        "nav_p95_ms": round(percentile(nav_ms, 95), 1),
        "pointer_samples": len(pointer_ms),
        "nav_samples": len(nav_ms),
        "pointer_missed": int(info["pointer"]),
        "nav_missed": int(info["nav"]),
    }
    table = Table(
        f"real Chromium {info['chromium']}, advisor and citizen in separate contexts",
        ["what", "samples", "missed", "p50 ms", "p95 ms", "max ms"],
    )
    for label, values, key in (
        ("pointer move → citizen's pointer updated", pointer_ms, "pointer"),
        ("navigation (Enter) → citizen's mirror shows the page", nav_ms, "nav"),
    ):
        table.rows.append(
            [
                label,
                len(values),
                int(info[key]),
                round(percentile(values, 50), 1),
                round(percentile(values, 95), 1),
                round(max(values), 1) if values else float("nan"),
            ]
        )
    out.tables.append(table)
    out.checks = [
        check("pointer p50 ≤ 30 ms", out.figures["pointer_p50_ms"], 30.0),
        check("nav (demo page) p50 ≤ 150 ms", out.figures["nav_p50_ms"], 150.0),
    ]
    return out
