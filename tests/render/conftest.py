"""Real Chromium for the render tests: the e2e fixtures (relay subprocess,
the participants' browser) come from tests/e2e."""

from __future__ import annotations

from tests.e2e.conftest import browser

__all__ = ["browser"]
