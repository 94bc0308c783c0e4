"""Build pages in worker processes, off the relay's event loop.

The pipeline is CPU-bound Python. Run in a thread it still holds the GIL,
so one session's big page delays every other session's pointer frames (the
``relay`` benchmark with navigations showed p99 in the hundreds of
milliseconds). A small process pool keeps the event loop free: a job gets
only plain, picklable data (the body, the allowlist, the host rules, the
signing key) and rebuilds the resource-URL function on its side, signing
``/r/`` tokens exactly as the relay would.

One pool serves every app in the process (workers hold only caches);
``workers = 0`` builds in a thread instead.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from urllib.parse import urlsplit

from cobrowse.config import FetchConfig
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.page import Page
from cobrowse.pipeline.site_rules import HostRule, rules_for
from cobrowse.resources import ResourceSigner

__all__ = ["PageJob", "build_in_worker", "build_page_off_loop", "signed_resource_url"]

_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


@cache
def _signer(secret: str) -> ResourceSigner:
    return ResourceSigner(secret)


@dataclass(frozen=True, slots=True)
class PageJob:
    """Everything a worker needs to build one page: plain, picklable data."""

    body: bytes
    content_type: str | None
    url: str
    session_id: str
    secret: str  # signs the session's /r/ tokens exactly as the relay does
    fetch: FetchConfig  # the allowlist for resources
    host_rules: tuple[HostRule, ...]


def build_in_worker(job: PageJob) -> Page:
    """Build one page (runs in a worker process): sanitized tree with the
    session's signed resource URLs, for resources of allowed hosts only."""
    signer = _signer(job.secret)
    resource_url = partial(signed_resource_url, signer, job.fetch, job.session_id, {})
    rules = rules_for(job.host_rules, job.url)
    return build_shared_page(job.body, job.content_type, job.url, resource_url, rules)


def signed_resource_url(
    signer: ResourceSigner,
    fetch: FetchConfig,
    session_id: str,
    allowed: dict[str, bool],
    target: str,
    kind: str,
) -> str | None:
    """The signed ``/r/`` path for a resource of an allowed host, else None
    (the pipeline then drops it). ``allowed`` caches the verdict per host."""
    parts = urlsplit(target)
    ok = allowed.get(parts.netloc)
    if ok is None:
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None
        host = parts.hostname or ""
        ok = parts.scheme in ("http", "https") and fetch.is_allowed(host, port, parts.scheme)
        allowed[parts.netloc] = ok
    return signer.url_for(session_id, kind, target) if ok else None


def _pool(workers: int) -> Executor | None:
    global _POOL, _POOL_SIZE
    if workers <= 0:
        return None
    if _POOL is None or _POOL_SIZE != workers:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
        # spawn, not fork: the relay has threads and an event loop running
        context = multiprocessing.get_context("spawn")
        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        _POOL_SIZE = workers
    return _POOL


@atexit.register
def _shutdown() -> None:
    if _POOL is not None:
        _POOL.shutdown(wait=False, cancel_futures=True)


async def build_page_off_loop(workers: int, job: PageJob) -> Page:
    """:func:`build_in_worker` in the process pool (or a thread when ``workers`` is 0)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(workers), build_in_worker, job)
