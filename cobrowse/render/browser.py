"""Launching the relay's headless Chromium and sharing it out.

:class:`BrowserPool` starts up to ``max_browsers`` Chromium processes (Debian's
``/usr/bin/chromium``; ``COBROWSE_CHROMIUM`` names another) the first time a
page needs one, and hands out **load slots**: at most ``max_browsers`` pages
load and settle at once, the others wait in a first-come queue (never
dropped; the caller tells the participants). A browser that dies is
forgotten and the next session gets a fresh one: a crash takes only the
pages of that process with it.

Every session gets its own :class:`BrowserContext` (no cookies, storage or
cache shared), with service workers blocked, downloads refused, no
permissions, and the launch flags below turning off what needs no page
(background networking, sync, GPU) and routing whatever the relay's request
interception would not see (WebRTC, sockets opened around it) into a
proxy that does not exist.

Chromium and Playwright's driver get a core only when nothing else wants it
(:mod:`cobrowse.render.priority`), so pages rendering for one session never
delay another session's pointer. On a machine that is busy anyway, renders
then take longer (they wait in their slot; the page timeout still applies).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright

from cobrowse.config import RenderConfig
from cobrowse.render.priority import (
    autogroups_enabled,
    own_children,
    pin_cpus,
    playwright_driver,
    render_cpus,
    yield_autogroup,
    yield_cpu,
)

__all__ = ["CHROMIUM", "BrowserPool", "chromium_args"]

log = logging.getLogger(__name__)

CHROMIUM: Final = "/usr/bin/chromium"
VIEWPORT: Final = {"width": 1280, "height": 900}
# Nothing may leave Chromium except through the relay's route handler: a
# proxy on the discard port that refuses every connection (loopback only).
_DEAD_PROXY: Final = "http://127.0.0.1:9"


def chromium_args(memory_mb: int) -> list[str]:
    """Launch flags: headless as root, quiet, no direct network, capped script heap."""
    return [
        "--no-sandbox",  # the relay may run as root in a container
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
        "--disable-quic",
        "--dns-prefetch-disable",
        "--disable-features=NetworkPrediction,InterestFeedContentSuggestions",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        f"--proxy-server={_DEAD_PROXY}",
        "--proxy-bypass-list=<-loopback>",  # loopback goes to the dead proxy too
        f"--js-flags=--max-old-space-size={memory_mb}",
        "--disable-dev-shm-usage",
        "--mute-audio",
        # images and web fonts are never fetched for the server-side page (the
        # participants get them through /r/): not even asked for, so they cost
        # no round trip through the relay's route handler
        "--blink-settings=imagesEnabled=false",
        "--disable-remote-fonts",
    ]


def chromium_path() -> str:
    return os.environ.get("COBROWSE_CHROMIUM") or CHROMIUM


class BrowserPool:
    """Chromium processes and load slots for one relay (see the module docstring)."""

    def __init__(self, config: RenderConfig) -> None:
        self.config = config
        self._slots = asyncio.Semaphore(config.max_browsers)
        self._waiting = 0
        self._playwright: Playwright | None = None
        self._browsers: list[Browser] = []
        self._contexts: dict[Browser, int] = {}
        self._lock = asyncio.Lock()
        self.crashes = 0
        self.driver: int | None = None  # Playwright's driver process, once started
        self.priority = ""  # how it and Chromium yield the CPU (see yield_cpu)
        self.autogroups = 0  # Chromium's session groups set to nice 19 so far (yield_autogroup)
        self.cpus: frozenset[int] = frozenset()  # where it and Chromium run ([render] cpus)

    @property
    def waiting(self) -> int:
        """Navigations waiting for a load slot."""
        return self._waiting

    def full(self) -> bool:
        """True if a new load would have to wait."""
        return self._slots.locked()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the ``max_browsers`` load slots (first come, first served)."""
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()

    async def new_context(self) -> BrowserContext:
        """A fresh, isolated context on the least busy live browser (launched if needed)."""
        browser = await self._browser()
        context = await browser.new_context(
            viewport=VIEWPORT,  # type: ignore[arg-type]
            service_workers="block",
            accept_downloads=False,
            permissions=[],
            locale="de-DE",
            java_script_enabled=True,
        )
        self._contexts[browser] = self._contexts.get(browser, 0) + 1

        def closed(_: BrowserContext) -> None:
            if browser in self._contexts:
                self._contexts[browser] -= 1

        context.on("close", closed)
        return context

    async def _browser(self) -> Browser:
        async with self._lock:
            self._browsers = [b for b in self._browsers if b.is_connected()]
            busy = all(self._contexts.get(b, 0) for b in self._browsers)
            if busy and len(self._browsers) < self.config.max_browsers:
                self._browsers.append(await self._launch())
            return min(self._browsers, key=lambda b: self._contexts.get(b, 0))

    async def _launch(self) -> Browser:
        if self._playwright is None:
            older = own_children()
            self._playwright = await async_playwright().start()
            # the driver first: Chromium is its child and inherits the policy
            self.driver = driver = playwright_driver(older)
            self.priority = yield_cpu(driver) if driver is not None else ""
            if not self.priority:
                log.warning("render: Playwright's driver not found; Chromium runs at full priority")
            wanted = render_cpus(self.config.cpus)
            if driver is not None and wanted:
                self.cpus = pin_cpus(driver, wanted)
                if not self.cpus:
                    log.warning("render: none of [render] cpus is usable; Chromium runs on all")
        browser = await self._playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=chromium_args(self.config.memory_mb),
        )

        def lost(_: Browser) -> None:
            self._contexts.pop(browser, None)
            if browser in self._browsers:
                self.crashes += 1
                self._browsers.remove(browser)
                log.warning("render browser exited; the next page starts a new one")

        browser.on("disconnected", lost)
        if self.driver is not None and self.cpus:
            pin_cpus(self.driver, self.cpus, below=True)  # threads that chose their own
        if self.driver is not None:
            changed = yield_autogroup(self.driver)
            self.autogroups += changed
            if not changed and autogroups_enabled():
                log.warning("render: Chromium's session group keeps its share of the CPU")
        return browser

    async def close(self) -> None:
        browsers, self._browsers = self._browsers, []
        for browser in browsers:
            try:
                await browser.close()
            except Exception as exc:  # already gone
                log.info("closing a render browser: %s", type(exc).__name__)
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
