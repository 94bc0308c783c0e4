"""Which CPUs the relay's Chromium runs on (the rest of render/priority.py,
which needs a real Chromium, is tested in test_browser.py)."""

from __future__ import annotations

import os

import pytest

from cobrowse.render.priority import render_cpus


def test_auto_keeps_chromium_off_the_lowest_cpu_the_relay_may_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5, 2, 7})
    assert render_cpus(None) == {5, 7}  # cpus = "auto"


def test_auto_on_one_cpu_sets_no_limit_there_is_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    assert render_cpus(None) == frozenset()  # no limit


def test_configured_cpus_are_taken_as_they_are_and_empty_means_no_limit() -> None:
    assert render_cpus((1, 3)) == {1, 3}
    assert render_cpus(()) == frozenset()
