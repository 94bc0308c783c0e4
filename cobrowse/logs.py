"""Logging for operators: one event per line, as JSON or text, with nothing personal in it.

The relay's own log calls never pass codes, IP addresses, URLs or page
content (see DESIGN, "Privacy by default"). This module is the second line:
every message and every string field is passed through :func:`redact`, which
replaces IP addresses, anything shaped like an access code and the path and
query of URLs; exception messages are left out (only the exception type and
the stack are logged, since a parser's message may quote the page).
Libraries that log URLs or peer addresses at INFO (httpx, aiohttp's access
log) are held at WARNING.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

__all__ = ["JsonFormatter", "TextFormatter", "configure_logging", "redact"]

LogFormat = Literal["json", "text"]

# Loggers that would write URLs, hosts or client addresses at INFO.
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "aiohttp.server", "hpack")

_CODE_RE = re.compile(r"(?<![\w.:/-])\d{3}[ \-.]?\d{3}(?![\w.:/-])")
_URL_RE = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s?#\"'<>]+)([/?#][^\s\"'<>]*)?")
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\w)")
_IPV6_RE = re.compile(r"\[?[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:%\w+)?\]?")
# Attributes every LogRecord has; anything else came in through ``extra=``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def _ip(match: re.Match[str]) -> str:
    text = match.group(0)
    tail = text[len(text.rstrip(".:")) :]  # sentence punctuation after an address
    bare = text[: len(text) - len(tail)].strip("[]").split("%", 1)[0]
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        return text
    return "[ip]" + tail


def redact(text: str) -> str:
    """``text`` without IP addresses, code-shaped numbers and URL paths/queries.

    ``http://10.0.0.1:8080/a?b`` becomes ``http://[ip]:8080/…``; ``123 456``
    becomes ``[code]``. Safe to call on any string, idempotent.
    """
    text = _URL_RE.sub(lambda m: m.group(1) + ("/…" if m.group(2) else ""), text)
    text = _IPV4_RE.sub(_ip, _IPV6_RE.sub(_ip, text))
    return _CODE_RE.sub("[code]", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return redact(type(value).__name__)  # never str() of an unknown object


def _stack(record: logging.LogRecord) -> dict[str, Any]:
    if not record.exc_info or record.exc_info[0] is None:
        return {}
    kind, _, tb = record.exc_info
    frames = traceback.format_tb(tb)
    return {"error": kind.__name__, "stack": [redact(f.rstrip()) for f in frames]}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``event`` and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = _clean(value)
        entry.update(_stack(record))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``2026-01-01T12:00:00.000+00:00 INFO logger: event key=value …`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        parts = [ts, record.levelname, f"{record.name}:", redact(record.getMessage())]
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS:
                parts.append(f"{key}={json.dumps(_clean(value), ensure_ascii=False)}")
        stack = _stack(record)
        if stack:
            parts.append(f"error={stack['error']}")
        line = " ".join(parts)
        return line.replace("\n", " ")


def configure_logging(
    fmt: LogFormat = "text", level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Route all logging to one handler on ``stream`` (stderr) in format ``fmt``.

    Replaces handlers installed earlier on the root logger; returns the new
    handler (tests remove it again).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
