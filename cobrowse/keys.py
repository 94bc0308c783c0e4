"""Every typed application state key (``web.AppKey``) of the relay, in one place.

Set by :func:`cobrowse.app.make_app` (and its ``cleanup_ctx`` lifetimes);
read by the route modules. Nothing here has behaviour, so any module of the
web layer may import it without making an import circle.
"""

from __future__ import annotations

from aiohttp import web

from cobrowse.accounts import AdvisorAuth
from cobrowse.cluster.logins import SharedLogins
from cobrowse.cluster.node import Cluster
from cobrowse.codes import FailureThrottle
from cobrowse.config import Config
from cobrowse.fetch import Fetcher
from cobrowse.metrics import Readiness, RelayMetrics
from cobrowse.page_worker import PageWorkers
from cobrowse.resources import ResourceCache, ResourceSigner
from cobrowse.session.call import Services
from cobrowse.session.navigation import Navigator
from cobrowse.session.store import SessionStore

__all__ = [
    "AUTH",
    "CLUSTER",
    "CONFIG",
    "FETCHER",
    "JOIN_THROTTLE",
    "METRICS",
    "NAVIGATOR",
    "PAGE_WORKERS",
    "READINESS",
    "RESOURCE_CACHE",
    "SERVICES",
    "SHARED_LOGINS",
    "SIGNER",
    "STORE",
]

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", SessionStore)
AUTH = web.AppKey("auth", AdvisorAuth)
JOIN_THROTTLE = web.AppKey("join_throttle", FailureThrottle)
SIGNER = web.AppKey("signer", ResourceSigner)
RESOURCE_CACHE = web.AppKey("resource_cache", ResourceCache)  # shared by this node's sessions
METRICS = web.AppKey("metrics", RelayMetrics)
READINESS = web.AppKey("readiness", Readiness)
# Set while the app runs (cleanup_ctx):
FETCHER = web.AppKey("fetcher", Fetcher)
PAGE_WORKERS = web.AppKey("page_workers", PageWorkers)
NAVIGATOR = web.AppKey("navigator", Navigator)
SERVICES = web.AppKey("services", Services)
# Cluster mode only:
CLUSTER = web.AppKey("cluster", Cluster)
SHARED_LOGINS = web.AppKey("shared_logins", SharedLogins)
