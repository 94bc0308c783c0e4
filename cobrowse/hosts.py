"""Host patterns: how the operator names a host (``[fetch]`` hosts, ``[[rules]]``).

A leaf: the config reads them, the fetcher and the pipeline's site rules match them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["HOST_RE", "HostPattern"]

HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")


@dataclass(frozen=True, slots=True)
class HostPattern:
    """An allowed host: ``example.org``, ``*.example.org`` or with ``:port``.

    Without a port only the default ports (80 for http, 443 for https) match,
    so allowing ``127.0.0.1:8081`` never allows the relay's own port.
    """

    host: str
    wildcard: bool
    port: int | None

    @classmethod
    def parse(cls, text: str) -> HostPattern:
        text = text.strip().lower()
        if not HOST_RE.match(text):
            raise ValueError(f"not a host name: {text!r}")
        wildcard = text.startswith("*.")
        if wildcard:
            text = text[2:]
        host, _, port = text.partition(":")
        return cls(host=host, wildcard=wildcard, port=int(port) if port else None)

    def matches(self, host: str, port: int, scheme: str) -> bool:
        host = host.lower().rstrip(".")
        if self.port is None:
            if port != {"http": 80, "https": 443}.get(scheme):
                return False
        elif port != self.port:
            return False
        if self.wildcard:
            return host.endswith("." + self.host)
        return host == self.host
