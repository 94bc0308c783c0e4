"""aiohttp application factory: routes, middlewares, lifetimes.

Every piece of app state is set here under its key from :mod:`cobrowse.keys`;
anything with a lifetime (the fetcher, the page workers, the sweeper, the
cluster) lives in a ``cleanup_ctx``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING

import httpx
from aiohttp import web

from cobrowse import console, probes, public
from cobrowse.accounts import AdvisorAuth
from cobrowse.codes import FailureThrottle
from cobrowse.config import Config
from cobrowse.errors import ConfigError
from cobrowse.fetch import Fetcher, Resolver
from cobrowse.i18n import t
from cobrowse.keys import (
    AUTH,
    CLUSTER,
    CONFIG,
    FETCHER,
    JOIN_THROTTLE,
    METRICS,
    NAVIGATOR,
    PAGE_WORKERS,
    READINESS,
    RESOURCE_CACHE,
    SERVICES,
    SHARED_LOGINS,
    SIGNER,
    STORE,
)
from cobrowse.metrics import Readiness, RelayMetrics
from cobrowse.page_worker import PageWorkers
from cobrowse.resource_route import resource
from cobrowse.resources import ResourceCache, ResourceSigner
from cobrowse.session.call import Services
from cobrowse.session.field_values import FieldValues
from cobrowse.session.model import CoSession
from cobrowse.session.navigation import Navigator
from cobrowse.session.store import SessionStore
from cobrowse.tasks import spawn
from cobrowse.views import render_page, site_middleware
from cobrowse.web_security import ADVISOR_COOKIE, security_headers
from cobrowse.ws import websocket

if TYPE_CHECKING:
    from cobrowse.render import Renderer

__all__ = ["make_app"]

log = logging.getLogger(__name__)

SWEEP_SECONDS = 10.0


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """German error pages; never a traceback to the user."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if request.path.startswith(("/r/", "/static/", "/api/")):
            raise
        return render_page(
            "message.html",
            t("title_not_found"),
            status=404,
            heading=t("not_found_heading"),
            message=t("not_found_text"),
            link="/",
            link_text=t("to_home"),
        )
    except web.HTTPException:
        raise
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception as exc:
        log.error("unhandled error in %s: %s", request.method, type(exc).__name__)
        return render_page(
            "message.html",
            t("title_error"),
            status=500,
            heading=t("error_heading"),
            message=t("error_text"),
            link="/",
            link_text=t("to_home"),
        )


@web.middleware
async def _shared_logins(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Cluster mode: an advisor's login made on another node works here too,
    and one made (or ended) here is in the shared state before the answer goes out."""
    logins = request.app.get(SHARED_LOGINS)
    if logins is None or request.path.startswith(("/static/", "/r/")):
        return await handler(request)
    await logins.sync(request.cookies.get(ADVISOR_COOKIE))
    try:
        return await handler(request)
    finally:  # a login answers with a redirect (raised): it waits too
        if request.method == "POST":
            await logins.settled()


def make_app(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
) -> web.Application:
    """Build the relay application. ``transport``/``resolver`` are for tests."""
    middlewares = [site_middleware, _errors]
    if config.bus_url:
        middlewares.append(_shared_logins)
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024)
    app[CONFIG] = config
    app[STORE] = SessionStore(config)
    app[JOIN_THROTTLE] = FailureThrottle(
        config.join_failures_per_client,
        config.join_failures_global,
        config.join_window_seconds,
        global_window_seconds=config.join_global_window_seconds,
    )
    app[AUTH] = AdvisorAuth(
        config.advisors,
        FailureThrottle(config.login_failures_per_client, 1000, config.join_window_seconds),
    )
    app[SIGNER] = ResourceSigner(config.secret_key)
    app[RESOURCE_CACHE] = ResourceCache()  # shared by every session of this node
    app[METRICS] = RelayMetrics(app[STORE])
    app[READINESS] = Readiness()

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        app[FETCHER] = fetcher = Fetcher(config.fetch, transport=transport, resolver=resolver)
        app[PAGE_WORKERS] = workers = PageWorkers(config.page_workers)
        renderer = _renderer(config, fetcher, workers)
        app[NAVIGATOR] = Navigator(
            fetcher,
            app[SIGNER],
            app[METRICS],
            config.rules,
            secret=config.secret_key,
            workers=workers,
            renderer=renderer,
        )
        app[SERVICES] = Services(app[STORE], app[NAVIGATOR], config.show_citizen_pointer)
        sweeper = spawn(_sweep(app[STORE]), "session-sweeper")
        app[READINESS].started = True
        yield
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        if renderer is not None:
            await renderer.close()
        workers.close()
        await fetcher.close()

    async def close_sessions(app: web.Application) -> None:
        # on_shutdown runs before aiohttp waits for open handlers: close the
        # WebSockets here, or shutdown would wait for every participant.
        app[READINESS].stopping = True  # load balancers stop sending new people here
        for session in list(app[STORE].sessions.values()):
            await app[STORE].end(session, "shutdown")

    if config.bus_url:
        app.cleanup_ctx.append(_cluster_lifetime)
        app.on_shutdown.append(_release)  # sessions go on through other nodes
    app.cleanup_ctx.append(lifetime)
    app.on_shutdown.append(close_sessions)
    app.on_response_prepare.append(security_headers)
    app.router.add_routes(public.routes)
    app.router.add_routes(console.routes)
    app.router.add_routes(probes.routes)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/r/{token}", resource)
    static = resources.files("cobrowse").joinpath("static")
    app.router.add_static("/static/", str(static), append_version=False)
    return app


def _renderer(config: Config, fetcher: Fetcher, workers: PageWorkers) -> Renderer | None:
    """The relay's browser, when a [[rules]] entry asks for render = "browser"
    (imported only then: it needs the optional Playwright)."""
    if not any(rule.render == "browser" for rule in config.rules):
        return None
    try:
        from cobrowse.render import Renderer
    except ImportError:
        raise ConfigError(
            'rules: render = "browser" needs the render extra: '
            "pip install 'cobrowse[render]' (Playwright; Chromium from the system)"
        ) from None
    return Renderer(config.render, fetcher, config.rules, secret=config.secret_key, workers=workers)


async def _cluster_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Redis mode: join the other nodes through the bus and the shared state."""
    from cobrowse.bus import create_bus
    from cobrowse.cluster import Cluster
    from cobrowse.cluster.logins import SharedLogins
    from cobrowse.session.hub import LOG_LIMIT
    from cobrowse.shared_state import StateSettings, ThrottleLimits, create_shared_state

    config = app[CONFIG]
    bus = create_bus(config.bus_url)
    settings = StateSettings(
        secret=config.secret_key.encode("utf-8"),
        session_ttl=config.session_max_seconds + 600,
        log_limit=LOG_LIMIT,
        throttle=ThrottleLimits(
            config.join_failures_per_client,
            config.join_failures_global,
            float(config.join_window_seconds),
            float(config.join_global_window_seconds),
        ),
    )
    state = create_shared_state(config.bus_url, settings)
    await bus.start()

    def reload(session: CoSession, typed: FieldValues | None) -> None:
        app[NAVIGATOR].reload(session, typed)

    def rebuilds(url: str) -> bool:
        renderer = app[NAVIGATOR].renderer
        return renderer is not None and renderer.handles(url)

    app[CLUSTER] = cluster = Cluster(config, app[STORE], bus, state, reload, rebuilds)
    app[SHARED_LOGINS] = SharedLogins(app[AUTH], state, cluster.write)
    cluster.start()
    app[READINESS].add("redis", cluster.ready)
    yield
    await cluster.close()
    await bus.close()
    await state.close()


async def _release(app: web.Application) -> None:
    await app[CLUSTER].release()


async def _sweep(store: SessionStore) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await store.sweep()
        except Exception as exc:  # keep sweeping whatever one session did
            log.error("sweep failed: %s", type(exc).__name__)
