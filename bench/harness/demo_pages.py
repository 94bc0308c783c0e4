"""Pages of the built-in demo ministry site, fetched over loopback HTTP."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from cobrowse.demo import make_demo_app

__all__ = ["TOUR", "fetch_demo_pages"]

# A same-site walk as an advisor would take it through the demo site.
TOUR = (
    "/",
    "/themen/",
    "/themen/wohngeld.html",
    "/themen/rente.html",
    "/themen/kindergeld.html",
    "/themen/umzug.html",
    "/service/",
    "/service/faq.html",
    "/service/kontakt.html",
    "/service/wohngeldrechner.html",
    "/servicekonto/anmelden.html",
    "/impressum.html",
    "/datenschutz.html",
    "/barrierefreiheit.html",
    "/",
)


async def _fetch(paths: tuple[str, ...]) -> list[tuple[str, bytes, str]]:
    runner = web.AppRunner(make_demo_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as http:
            pages = []
            for path in paths:
                async with http.get(base + path) as r:
                    r.raise_for_status()
                    pages.append((base + path, await r.read(), r.headers["Content-Type"]))
            return pages
    finally:
        await runner.cleanup()


def fetch_demo_pages(paths: tuple[str, ...] = TOUR) -> list[tuple[str, bytes, str]]:
    """(url, body, content type) of each path, in order, from a demo site on a free port."""
    return asyncio.run(_fetch(paths))
