"""What a load run measured: :class:`LoadResult` and its summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.harness.stats import percentile

__all__ = ["LoadResult"]


@dataclass
class LoadResult:
    """What one or more phases measured; latencies in milliseconds."""

    target: str
    sessions: int
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    stalled_expected: int = 0  # pointer frames addressed to stalled citizens
    deliveries: int = 0
    window_s: float = 0.0
    server_cpu_s: float = 0.0
    loadgen_cpu_s: float = 0.0
    send_lag_ms: list[float] = field(default_factory=list)
    setup_s: float = 0.0
    errors: int = 0  # sockets the server closed with an error code
    close_codes: Counter[int] = field(default_factory=Counter)
    nav_errors: int = 0  # error notices a citizen got (a page failed to load)
    nav_error_keys: Counter[str] = field(default_factory=Counter)
    navigations: int = 0
    pages_expected: int = 0
    pages_received: int = 0
    burst_s: float = 0.0  # time until a navigation burst reached every citizen

    def merge(self, other: LoadResult) -> None:
        """Add another phase's figures to these."""
        self.latencies += other.latencies
        self.send_lag_ms += other.send_lag_ms
        self.nav_error_keys += other.nav_error_keys
        self.close_codes += other.close_codes
        for name in (
            "sent",
            "stalled_expected",
            "deliveries",
            "window_s",
            "server_cpu_s",
            "loadgen_cpu_s",
            "errors",
            "nav_errors",
            "navigations",
            "pages_expected",
            "pages_received",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict[str, Any]:
        lat = self.latencies
        window = self.window_s or 1.0
        expected = self.sent * 2 - self.stalled_expected
        return {
            "sessions": self.sessions,
            "p50_ms": round(percentile(lat, 50), 3),
            "p90_ms": round(percentile(lat, 90), 3),
            "p99_ms": round(percentile(lat, 99), 3),
            "max_ms": round(max(lat), 3) if lat else float("nan"),
            "deliveries_per_s": round(self.deliveries / window, 1),
            "coalesced_pct": round(100 * (1 - self.deliveries / expected), 2) if expected else 0.0,
            "cpu_per_delivery_us": round(1e6 * self.server_cpu_s / max(self.deliveries, 1), 2),
            "server_cpu_pct": round(100 * self.server_cpu_s / window, 1),
            "loadgen_cpu_pct": round(100 * self.loadgen_cpu_s / window, 1),
            "loadgen_lag_p99_ms": round(percentile(self.send_lag_ms, 99), 3),
            "setup_s": round(self.setup_s, 1),
            "errors": self.errors,
            "close_codes": dict(self.close_codes),
            "navigations": self.navigations,
            "nav_errors": self.nav_errors,
            "nav_error_keys": dict(self.nav_error_keys),
            "snapshots_missing": self.pages_expected - self.pages_received,
            "burst_s": round(self.burst_s, 2),
        }
