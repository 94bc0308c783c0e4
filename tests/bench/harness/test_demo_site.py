"""The demo site in a process of its own, and a relay that fetches from it
instead of from the site on its own loop (the relay and scaling benches)."""

from __future__ import annotations

import urllib.request

import pytest

from bench.harness.load import NAV_PAGES
from bench.harness.page_frames import capture_page_frames
from bench.harness.procs import start_demo_site, start_relay


def test_a_relay_fetches_the_pages_from_the_site_process() -> None:
    with start_demo_site() as site:
        with urllib.request.urlopen(site.base + NAV_PAGES[0]) as answer:
            assert b"Wohngeld" in answer.read()
        with start_relay(site=site) as relay:
            assert relay.demo == site.base  # not the site on the relay's own loop
            (config,) = relay.files
            pages = capture_page_frames(relay)
        assert set(pages) == set(NAV_PAGES)  # the navigations went through
        assert not config.exists()  # the config written for it is gone with it
        with pytest.raises(ValueError, match="--config"):
            start_relay("--config", "x.toml", site=site)
