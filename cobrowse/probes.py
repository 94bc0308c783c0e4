"""The operators' endpoints: ``/metrics`` (Prometheus) and ``/readyz`` (load balancers)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from cobrowse.keys import METRICS, READINESS

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition (restrict it to the monitoring network at the proxy)."""
    return web.Response(
        body=request.app[METRICS].exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 when this node can take sessions, else 503 naming what is not ready."""
    failing = await request.app[READINESS].failing()
    if failing:
        return web.json_response({"status": "not ready", "failing": failing}, status=503)
    return web.json_response({"status": "ready"})
