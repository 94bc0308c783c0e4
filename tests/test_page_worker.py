"""PageWorkers: one app's page builders, a thread for 0 workers, closed with the app."""

from __future__ import annotations

import pytest

from cobrowse.config import FetchConfig
from cobrowse.hosts import HostPattern
from cobrowse.page_worker import PageJob, PageWorkers

HTML = b'<html><head><title>Start</title></head><body><p>Hallo</p><img src="/a.png"></body></html>'


def job(url: str = "https://www.example.de/start") -> PageJob:
    allowed = FetchConfig(allowed_hosts=(HostPattern.parse("www.example.de"),))
    return PageJob(HTML, "text/html", url, "s1", "secret", allowed, ())


async def test_zero_workers_build_in_a_thread_with_signed_resources() -> None:
    workers = PageWorkers(0)
    page = await workers.build(job())
    assert page.title == "Start" and page.url == "https://www.example.de/start"
    assert "/r/" in str(page.tree)  # the image of the allowed host became a signed token
    workers.close()


async def test_a_closed_pool_builds_nothing() -> None:
    workers = PageWorkers(1)
    workers.close()
    with pytest.raises(RuntimeError):
        await workers.build(job())
