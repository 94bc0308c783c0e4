"""What operators watch: Prometheus metrics (``/metrics``) and readiness (``/readyz``).

Every relay app has its own :class:`RelayMetrics` with its own
``CollectorRegistry`` (tests build many apps in one process). Nothing here
carries a code, an address, a URL or page content: labels come from small
fixed vocabularies (join failure kinds, fetch failure kinds, sanitizer rule
names folded by :func:`rule_label`), so the number of series stays bounded
whatever pages the relay sees.

Live numbers (sessions, participants, connections) are read from the
session store at scrape time. Frames and bytes handed to participants are
counted by :mod:`cobrowse.session.hub` in :data:`TRAFFIC`, one tally per process (the
hub has no app reference; production runs one relay app per process).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from cobrowse.session.hub import TRAFFIC
from cobrowse.session.store import SessionStore

__all__ = [
    "TRAFFIC",
    "Readiness",
    "RelayMetrics",
    "rule_label",
]

# Seconds; pages of a ministry site usually take 50 ms – 2 s.
FETCH_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
PIPELINE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
READY_CHECK_SECONDS = 2.0

# Sanitizer rule keys are "<kind>:<detail>"; the detail of some kinds comes
# from the page (attribute names, unknown tags, URL schemes). Only these
# details are kept as labels, everything else folds into "<kind>:other".
_KEPT_DETAILS: dict[str, frozenset[str] | None] = {
    "element": None,  # dropped elements: fixed tables in pipeline.tables
    "css": None,  # reasons named in pipeline.css
    "form": None,  # "form:post"
    "attr": frozenset({"clobber", "style", "srcdoc", "formaction", "href", "src"}),
    "url": frozenset(
        {"javascript", "vbscript", "data", "file", "blob", "about", "refused", "invalid"}
        | {"svg-paint", "ftp", "mailto", "tel"}
    ),
}


def rule_label(key: str) -> str:
    """Fold a sanitizer removal key (``Page.removed``) into a bounded metric label.

    ``element:script`` and ``css:expression`` stay as they are, event handler
    attributes become ``attr:on*``, unwrapped unknown tags become ``unwrap``,
    the operator's ``[[rules]]`` become ``rule:<action>`` (without selector),
    any other page-chosen detail becomes ``<kind>:other``; an unknown kind
    becomes ``other``.
    """
    kind, sep, detail = key.partition(":")
    if not sep:
        return key if key in ("depth",) else "other"
    if kind == "unwrap":
        return "unwrap"
    if kind == "rule":
        action = detail.partition(":")[0]
        return f"rule:{action}" if action in ("remove", "unwrap", "hide") else "rule:other"
    if kind == "attr" and detail.startswith("on"):
        return "attr:on*"
    if kind not in _KEPT_DETAILS:
        return "other"
    kept = _KEPT_DETAILS[kind]
    if kept is None:
        # still bounded: a sane name of at most 40 characters
        return key if detail.replace("-", "").replace("_", "").isalnum() else f"{kind}:other"
    return key if detail in kept else f"{kind}:other"


class _LiveCollector:
    """Reads the session store at scrape time (no bookkeeping on the hot path)."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Any]:
        sessions = list(self.store.sessions.values())
        owned = [s for s in sessions if s.hub.owned]
        # Redis mode: a session counts on its owner node only, so sums over nodes are right.
        yield GaugeMetricFamily(
            "cobrowse_sessions", "Co-browsing sessions this node runs", value=len(owned)
        )
        yield GaugeMetricFamily(
            "cobrowse_session_replicas",
            "Sessions of other nodes with participants connected here (Redis mode)",
            value=len(sessions) - len(owned),
        )
        roles: Tally[str] = Tally({"advisor": 0, "citizen": 0, "guest": 0})
        for session in owned:
            roles.update(p.role for p in session.participants.values())
        connections = sum(len(session.hub.connections) for session in sessions)
        people = GaugeMetricFamily(
            "cobrowse_participants", "People in open sessions, by role", labels=["role"]
        )
        for role, count in sorted(roles.items()):
            people.add_metric([role], count)
        yield people
        yield GaugeMetricFamily(
            "cobrowse_connections", "Open participant WebSockets", value=connections
        )
        yield GaugeMetricFamily("cobrowse_codes", "Live access codes", value=len(self.store.codes))
        yield CounterMetricFamily(
            "cobrowse_frames_out",
            "Frames queued for participants (one per recipient), this process",
            value=TRAFFIC.frames,
        )
        yield CounterMetricFamily(
            "cobrowse_bytes_out",
            "Bytes of frames queued for participants, this process",
            value=TRAFFIC.bytes,
        )


class RelayMetrics:
    """The metrics of one relay app, in their own registry.

    Callers record events through the methods; ``/metrics`` renders
    :meth:`exposition`.
    """

    def __init__(self, store: SessionStore | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        if store is not None:
            self.registry.register(_LiveCollector(store))
        self.fetch_seconds = Histogram(
            "cobrowse_fetch_seconds",
            "Time to fetch a page from the target site (successful fetches)",
            ["kind"],
            buckets=FETCH_BUCKETS,
            registry=self.registry,
        )
        self.pipeline_seconds = Histogram(
            "cobrowse_pipeline_seconds",
            "Time to parse, sanitize and snapshot a fetched page",
            buckets=PIPELINE_BUCKETS,
            registry=self.registry,
        )
        self.navigation_failures = Counter(
            "cobrowse_navigation_failures",
            "Navigations that ended with a notice instead of a page, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.sanitizer_removals = Counter(
            "cobrowse_sanitizer_removals",
            "Things the sanitizer removed from pages, by rule",
            ["rule"],
            registry=self.registry,
        )
        self.join_failures = Counter(
            "cobrowse_join_failures",
            "Failed joins with an access code, by reason (throttled ones excluded)",
            ["reason"],
            registry=self.registry,
        )
        self.joins_throttled = Counter(
            "cobrowse_joins_throttled",
            "Join attempts refused because of too many failures",
            registry=self.registry,
        )

    def fetched(self, kind: str, started: float) -> None:
        """A fetch that began at ``time.perf_counter()`` value ``started`` succeeded."""
        self.fetch_seconds.labels(kind).observe(time.perf_counter() - started)

    def page_built(self, removed: Tally[str], started: float) -> None:
        """The pipeline (begun at ``started``) produced a page; count its removals."""
        self.pipeline_seconds.observe(time.perf_counter() - started)
        folded: Tally[str] = Tally()
        for key, count in removed.items():
            folded[rule_label(key)] += count
        for label, count in folded.items():
            self.sanitizer_removals.labels(label).inc(count)

    def navigation_failed(self, reason: str) -> None:
        self.navigation_failures.labels(reason).inc()

    def join_failed(self, kind: str) -> None:
        """A join with a code failed with ``JoinError.kind``."""
        if kind == "throttled":
            self.joins_throttled.inc()
        else:
            self.join_failures.labels(kind).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        data: bytes = _generate_latest(self.registry)
        return data


ReadyCheck = Callable[[], Awaitable[object]]


class Readiness:
    """Named checks behind ``/readyz`` (e.g. ``"redis"`` → a PING).

    The relay is ready once its lifetime has started (``started``), until
    shutdown begins, and while every check returns within
    :data:`READY_CHECK_SECONDS` without raising.
    """

    def __init__(self) -> None:
        self.checks: dict[str, ReadyCheck] = {}
        self.started = False
        self.stopping = False

    def add(self, name: str, check: ReadyCheck) -> None:
        self.checks[name] = check

    async def failing(self) -> list[str]:
        """Names of what is not ready (empty when ready)."""
        if not self.started:
            return ["starting"]
        if self.stopping:
            return ["stopping"]
        names = list(self.checks)
        results = await asyncio.gather(
            *(asyncio.wait_for(self.checks[n](), READY_CHECK_SECONDS) for n in names),
            return_exceptions=True,
        )
        return [n for n, r in zip(names, results, strict=True) if isinstance(r, BaseException)]
