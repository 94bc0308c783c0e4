"""Real Chromium for the render tests: the e2e fixtures (relay subprocess,
the participants' browser) come from tests/e2e; :func:`site` serves test
pages on loopback for the relay's own browser."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from cobrowse.config import Config, parse_config
from cobrowse.fetch import Fetcher
from cobrowse.page_worker import PageWorkers
from cobrowse.protocol import Msg
from cobrowse.render import Renderer
from cobrowse.session.hub import SessionHub
from cobrowse.session.model import CoSession
from tests.e2e.conftest import browser

__all__ = ["RecordingHub", "Site", "browser", "new_session", "renderer_for", "site"]

SECRET = "s" * 32


class RecordingHub(SessionHub):
    """A hub without connections that remembers what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[Msg, dict[str, Any]]] = []

    def broadcast(self, msg: Msg, body: dict[str, Any], *, exclude: str | None = None) -> bytes:
        self.sent.append((msg, body))
        return super().broadcast(msg, body, exclude=exclude)

    def kinds(self) -> list[Msg]:
        return [msg for msg, _ in self.sent]


def new_session(session_id: str = "s1") -> CoSession:
    now = time.time()
    return CoSession(session_id, "berater", "123456", now + 600, now, hub=RecordingHub())


@dataclass
class Site:
    """Test pages on loopback: ``pages`` path → HTML (or a handler)."""

    port: int
    pages: dict[str, str | Callable[[web.Request], web.Response]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def config(self, render: str = "", extra: str = "") -> Config:
        host = f"127.0.0.1:{self.port}"
        return parse_config(
            f'[fetch]\nallowed_hosts = ["{host}"]\nprivate_hosts = ["{host}"]\n'
            f"[render]\nsettle_seconds = 0.2\n{render}\n"
            '[[rules]]\nhost = "127.0.0.1"\nrender = "browser"\n' + extra
        )


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    app = web.Application()
    holder: list[Site] = []

    async def serve(request: web.Request) -> web.Response:
        page = holder[0].pages.get(request.path)
        if page is None:
            raise web.HTTPNotFound()
        if callable(page):
            return page(request)
        return web.Response(text=page, content_type="text/html")

    app.router.add_route("*", "/{tail:.*}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    holder.append(Site(runner.addresses[0][1]))
    yield holder[0]
    await runner.cleanup()


def renderer_for(config: Config) -> tuple[Renderer, Fetcher]:
    fetcher = Fetcher(config.fetch)
    renderer = Renderer(config.render, fetcher, config.rules, secret=SECRET, workers=PageWorkers(0))
    return renderer, fetcher
