"""What participants take home when a session ends: the pages visited together.

Built on the relay from the session's own record (``CoSession.visited``, which
the navigator fills with every page shown that was not an error page) so every
participant gets the same list: each address once, in the order of its first
visit, with a header naming the operator, the hotline, when the session ran
and who advised (the advisor's configured ``label``, never the user name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urldefrag

from cobrowse.config import Config
from cobrowse.protocol import Ended, Visit, VisitSummary

__all__ = ["ended_body", "visit_summary", "visited_pages"]


def visited_pages(entries: Iterable[Mapping[str, str]]) -> list[Visit]:
    """Each address once (``#fragment`` ignored), first visit first, with that visit's title."""
    seen: set[str] = set()
    pages: list[Visit] = []
    for entry in entries:
        url = urldefrag(entry["url"]).url
        if url in seen:
            continue
        seen.add(url)
        pages.append({"url": url, "title": entry.get("title") or url})
    return pages


def visit_summary(config: Config, advisor: str, started_at: float, ended_at: float) -> VisitSummary:
    """The header of the list: ``{operator, hotline, advisor, started_at, ended_at}``
    (times in seconds since the epoch; the browser shows them in its own time zone)."""
    labels = {a.name: a.label for a in config.advisors}
    return {
        "operator": config.site.operator,
        "hotline": config.site.hotline,
        "advisor": labels.get(advisor, ""),
        "started_at": started_at,
        "ended_at": ended_at,
    }


def ended_body(
    config: Config,
    reason: str,
    visited: Iterable[Mapping[str, str]],
    advisor: str,
    started_at: float,
    ended_at: float,
) -> Ended:
    """The body of ``ENDED``: ``{reason, visited, summary}``."""
    return {
        "reason": reason,
        "visited": visited_pages(visited),
        "summary": visit_summary(config, advisor, started_at, ended_at),
    }
