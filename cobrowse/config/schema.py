"""The schema of the plain config tables: key → (type, check, explanation).

The loader (:mod:`cobrowse.config`) walks :data:`TABLES`; the explanation is
what an "expected …, got …" message says. ``[[advisors]]`` and ``[[rules]]``
are read by code, not by this table.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from cobrowse.config.site import HOTLINE_RE, contrast_on_dark, contrast_on_white
from cobrowse.hosts import HOST_RE

__all__ = ["TABLES", "Check"]


def _is_ip(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


# key → (type, check, explanation); the schema the loader walks.
Check = tuple[type | tuple[type, ...], Any, str]
_SERVER: dict[str, Check] = {
    "host": (str, None, 'an address to listen on, e.g. "127.0.0.1"'),
    "port": (int, lambda v: 0 <= v <= 65535, "a port number 0–65535"),
    "secret_key": (str, lambda v: len(v) >= 32, "a random string of at least 32 characters"),
    "secure_cookies": (bool, None, "true or false"),
    "page_workers": (int, lambda v: 0 <= v <= 64, "a number of processes 0–64"),
    "trusted_proxies": (list, lambda v: all(_is_ip(x) for x in v), "a list of IP addresses"),
}
_SESSIONS: dict[str, Check] = {
    "code_ttl_seconds": (int, lambda v: 30 <= v <= 86400, "seconds between 30 and 86400"),
    "max_participants": (int, lambda v: 2 <= v <= 50, "a number between 2 and 50"),
    "session_max_seconds": (int, lambda v: 60 <= v <= 86400, "seconds between 60 and 86400"),
    "join_policy": (str, lambda v: v in ("admit", "open", "single"), '"admit", "open" or "single"'),
    "confirm_join": (bool, None, "true or false"),
    "confirm_mode": (str, lambda v: v in ("type", "button"), '"type" or "button"'),
    "idle_timeout_seconds": (int, lambda v: 60 <= v <= 86400, "seconds between 60 and 86400"),
    "idle_warning_seconds": (int, lambda v: 10 <= v <= 600, "seconds between 10 and 600"),
    "show_citizen_pointer": (bool, None, "true or false"),
}
_LIMITS: dict[str, Check] = {
    "join_failures_per_client": (int, lambda v: 1 <= v <= 1000, "a number between 1 and 1000"),
    "join_failures_global": (int, lambda v: 1 <= v <= 100000, "a number between 1 and 100000"),
    "join_window_seconds": (int, lambda v: 1 <= v <= 3600, "seconds between 1 and 3600"),
    "join_global_window_seconds": (
        int,
        lambda v: 1 <= v <= 86400,
        "seconds between 1 and 86400",
    ),
    "login_failures_per_client": (int, lambda v: 1 <= v <= 100, "a number between 1 and 100"),
}
_FETCH: dict[str, Check] = {
    "allowed_hosts": (list, None, "a list of host names"),
    "private_hosts": (list, None, "a list of host names"),
    "timeout_seconds": ((int, float), lambda v: 0 < v <= 120, "seconds between 0 and 120"),
    "max_connections": (int, lambda v: 1 <= v <= 10_000, "a number between 1 and 10000"),
    "queue_seconds": ((int, float), lambda v: 0 < v <= 600, "seconds between 0 and 600"),
    "max_page_bytes": (int, lambda v: 1000 <= v <= 100_000_000, "bytes, 1000–100000000"),
    "max_resource_bytes": (int, lambda v: 1000 <= v <= 100_000_000, "bytes, 1000–100000000"),
    "max_redirects": (int, lambda v: 0 <= v <= 20, "a number between 0 and 20"),
    "user_agent": (str, None, "a string"),
}
_SITE: dict[str, Check] = {
    "operator": (str, lambda v: 0 < len(v.strip()) <= 120, "a name of 1–120 characters"),
    "public_host": (str, lambda v: v == "" or HOST_RE.match(v), 'a host name, e.g. "a.example"'),
    "imprint": (str, lambda v: len(v) <= 20000, "plain text of at most 20000 characters"),
    "privacy": (str, lambda v: len(v) <= 50000, "plain text of at most 50000 characters"),
    "logo": (str, None, "the path of an .svg, .png, .jpg or .webp file"),
    "accent_color": (
        str,
        lambda v: re.fullmatch(r"#[0-9a-fA-F]{6}", v) and contrast_on_white(v) >= 4.5,
        'a colour "#rrggbb" with a contrast of at least 4.5:1 to white (WCAG AA)',
    ),
    "pointer_color": (
        str,
        lambda v: re.fullmatch(r"#[0-9a-fA-F]{6}", v) and contrast_on_dark(v) >= 4.5,
        'a light colour "#rrggbb": the label text #1a1a1a on it needs 4.5:1 (WCAG AA)',
    ),
    "negotiate_language": (bool, None, "true or false"),
    "hotline": (
        str,
        lambda v: v == "" or HOTLINE_RE.fullmatch(v),
        'a phone number of digits, spaces and + / - ( ), e.g. "030 1234-0"',
    ),
    "accessibility": (str, lambda v: len(v) <= 20000, "plain text of at most 20000 characters"),
    "accessibility_contact": (
        str,
        lambda v: len(v) <= 2000,
        "plain text of at most 2000 characters",
    ),
    "consent": (str, lambda v: len(v) <= 2000, "plain text of at most 2000 characters"),
    "easy_language": (str, lambda v: len(v) <= 20000, "plain text of at most 20000 characters"),
}
_BUS: dict[str, Check] = {
    "url": (
        str,
        lambda v: v == "" or v.startswith(("redis://", "rediss://", "unix://")),
        'a Redis URL, e.g. "redis://127.0.0.1:6379/0"',
    ),
    "owner_timeout_seconds": (
        (int, float),
        lambda v: 0.3 <= v <= 300,
        "seconds between 0.3 and 300",
    ),
}
# The pipeline's automatic fixes for every host (a [[rules]] table may say
# otherwise for its host): cobrowse.pipeline.site_rules.AUTOMATIC_FIXES.
_PIPELINE: dict[str, Check] = {
    "remove_consent_banners": (bool, None, "true or false"),
    "drop_noscript_warnings": (bool, None, "true or false"),
    "promote_lazy_images": (bool, None, "true or false"),
}
_RENDER: dict[str, Check] = {
    "max_browsers": (int, lambda v: 1 <= v <= 64, "a number between 1 and 64"),
    "page_timeout_seconds": ((int, float), lambda v: 1 <= v <= 120, "seconds between 1 and 120"),
    "settle_seconds": ((int, float), lambda v: 0.05 <= v <= 5, "seconds between 0.05 and 5"),
    "memory_mb": (int, lambda v: 32 <= v <= 4096, "megabytes between 32 and 4096"),
    "cpus": (
        (list, str),
        lambda v: (
            v == "auto"
            or (
                isinstance(v, list)
                and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in v)
            )
        ),
        'a list of CPU numbers, e.g. [1], or "auto"',
    ),
}
TABLES = {
    "bus": _BUS,
    "render": _RENDER,
    "server": _SERVER,
    "sessions": _SESSIONS,
    "limits": _LIMITS,
    "fetch": _FETCH,
    "site": _SITE,
    "pipeline": _PIPELINE,
}
