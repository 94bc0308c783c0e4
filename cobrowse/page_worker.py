"""Build pages in worker processes, off the relay's event loop.

The pipeline is CPU-bound Python. Run in a thread it still holds the GIL,
so one session's big page delays every other session's pointer frames (the
``relay`` benchmark with navigations showed p99 in the hundreds of
milliseconds). A small process pool keeps the event loop free: a job gets
only plain, picklable data (the body, the allowlist, the host rules, the
signing key) and rebuilds the resource-URL function on its side, signing
``/r/`` tokens exactly as the relay would.

Each app has one :class:`PageWorkers`, made and shut down in its
``cleanup_ctx`` (see :func:`cobrowse.app.make_app`); its processes start
with the first page. ``workers = 0`` builds in a thread instead.
"""

from __future__ import annotations

import asyncio
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

__all__ = ["PageJob", "PageWorkers", "build_in_worker", "signed_resource_url"]


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


class PageWorkers:
    """The process pool that builds one app's pages (``workers`` 0: a thread).

    Processes start with the first page, not with the app; :meth:`close`
    (at the app's cleanup) stops them without waiting for pages in flight.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _executor(self) -> Executor | None:
        if self.workers <= 0:
            return None
        if self._closed:
            raise RuntimeError("the page workers are shut down")
        if self._pool is None:
            # spawn, not fork: the relay has threads and an event loop running
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    async def build(self, job: PageJob) -> Page:
        """:func:`build_in_worker` in the pool (or a thread when ``workers`` is 0)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), build_in_worker, job)

    def close(self) -> None:
        """Stop the processes; pages still being built are dropped."""
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
