"""Typed, validated configuration from a TOML file.

The file is read once at start-up. A missing key takes its default; an
unknown key or a bad value stops start-up with a :class:`ConfigError` whose
message names the key and, where it can be found, the line in the file —
never a traceback. ``config.example.toml`` documents every key and is loaded
by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cobrowse.errors import ConfigError

__all__ = ["Advisor", "Config", "FetchConfig", "HostPattern", "load_config", "parse_config"]

_HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")


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
        if not _HOST_RE.match(text):
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


@dataclass(frozen=True, slots=True)
class Advisor:
    """An advisor account; ``password_hash`` is an argon2 hash."""

    name: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class FetchConfig:
    allowed_hosts: tuple[HostPattern, ...] = ()
    # Hosts that may resolve to loopback/private addresses (an explicit opt-in).
    private_hosts: tuple[HostPattern, ...] = ()
    timeout_seconds: float = 10.0
    max_page_bytes: int = 5_000_000
    max_resource_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = "Web-Begleiter/0.1 (co-browsing relay)"

    def is_allowed(self, host: str, port: int, scheme: str) -> bool:
        return any(p.matches(host, port, scheme) for p in self.allowed_hosts)

    def may_be_private(self, host: str, port: int, scheme: str) -> bool:
        return any(p.matches(host, port, scheme) for p in self.private_hosts)


@dataclass(frozen=True, slots=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    # Signs resource tokens and cookies; random per start when empty (tokens
    # then do not survive a restart, and several nodes need the same key).
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secure_cookies: bool = False
    code_ttl_seconds: int = 600
    max_participants: int = 6
    session_max_seconds: int = 4 * 3600
    join_failures_per_client: int = 10
    join_failures_global: int = 600
    join_window_seconds: int = 60
    login_failures_per_client: int = 5
    fetch: FetchConfig = field(default_factory=FetchConfig)
    advisors: tuple[Advisor, ...] = ()


# key → (type, check, explanation); the schema the loader walks.
_Check = tuple[type | tuple[type, ...], Any, str]
_SERVER: dict[str, _Check] = {
    "host": (str, None, 'an address to listen on, e.g. "127.0.0.1"'),
    "port": (int, lambda v: 0 <= v <= 65535, "a port number 0–65535"),
    "secret_key": (str, lambda v: len(v) >= 32, "a random string of at least 32 characters"),
    "secure_cookies": (bool, None, "true or false"),
}
_SESSIONS: dict[str, _Check] = {
    "code_ttl_seconds": (int, lambda v: 30 <= v <= 86400, "seconds between 30 and 86400"),
    "max_participants": (int, lambda v: 2 <= v <= 50, "a number between 2 and 50"),
    "session_max_seconds": (int, lambda v: 60 <= v <= 86400, "seconds between 60 and 86400"),
}
_LIMITS: dict[str, _Check] = {
    "join_failures_per_client": (int, lambda v: 1 <= v <= 1000, "a number between 1 and 1000"),
    "join_failures_global": (int, lambda v: 1 <= v <= 100000, "a number between 1 and 100000"),
    "join_window_seconds": (int, lambda v: 1 <= v <= 3600, "seconds between 1 and 3600"),
    "login_failures_per_client": (int, lambda v: 1 <= v <= 100, "a number between 1 and 100"),
}
_FETCH: dict[str, _Check] = {
    "allowed_hosts": (list, None, "a list of host names"),
    "private_hosts": (list, None, "a list of host names"),
    "timeout_seconds": ((int, float), lambda v: 0 < v <= 120, "seconds between 0 and 120"),
    "max_page_bytes": (int, lambda v: 1000 <= v <= 100_000_000, "bytes, 1000–100000000"),
    "max_resource_bytes": (int, lambda v: 1000 <= v <= 100_000_000, "bytes, 1000–100000000"),
    "max_redirects": (int, lambda v: 0 <= v <= 20, "a number between 0 and 20"),
    "user_agent": (str, None, "a string"),
}
_TABLES = {"server": _SERVER, "sessions": _SESSIONS, "limits": _LIMITS, "fetch": _FETCH}


class _Reader:
    """Walks the parsed TOML against the schema, collecting every problem."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.problems: list[str] = []

    def where(self, table: str, key: str) -> str:
        header = f"[{table}]" if table else ""
        in_table = not header
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip()
            if stripped.startswith("["):
                in_table = stripped.startswith(header) if header else False
            elif in_table and re.match(rf"{re.escape(key)}\s*=", stripped):
                return f"{self.source}:{number}"
        return self.source

    def fail(self, table: str, key: str, message: str) -> None:
        dotted = f"{table}.{key}" if table else key
        self.problems.append(f"{self.where(table, key)}: {dotted}: {message}")

    def table(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        schema = _TABLES[name]
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key not in schema:
                self.fail(name, key, f"unknown key (known: {', '.join(sorted(schema))})")
                continue
            kind, check, explain = schema[key]
            ok = isinstance(value, kind) and not (
                isinstance(value, bool) and kind in (int, (int, float))
            )
            if not ok or (check is not None and not check(value)):
                self.fail(name, key, f"expected {explain}, got {value!r}")
                continue
            out[key] = value
        return out

    def hosts(self, table: str, key: str, values: list[Any]) -> tuple[HostPattern, ...]:
        out = []
        for value in values:
            try:
                out.append(HostPattern.parse(str(value)))
            except ValueError:
                self.fail(
                    table,
                    key,
                    f'{value!r} is not a host name like "example.org", '
                    '"*.example.org" or "example.org:8080"',
                )
        return tuple(out)

    def advisors(self, entries: Any) -> tuple[Advisor, ...]:
        if not isinstance(entries, list):
            self.fail("", "advisors", "expected [[advisors]] tables")
            return ()
        out = []
        for entry in entries:
            name, hashed = entry.get("name"), entry.get("password_hash")
            unknown = set(entry) - {"name", "password_hash"}
            if unknown:
                self.fail(
                    "advisors", sorted(unknown)[0], "unknown key (known: name, password_hash)"
                )
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
                self.fail("advisors", "name", "expected a user name of letters, digits, . _ -")
                continue
            if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
                self.fail(
                    "advisors",
                    "password_hash",
                    f"advisor {name!r}: expected an argon2 hash from `cobrowse hash-password`",
                )
                continue
            out.append(Advisor(name, hashed))
        return tuple(out)


def parse_config(text: str, source: str = "<config>") -> Config:
    """Parse and validate TOML text; raise :class:`ConfigError` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    reader = _Reader(text, source)
    values: dict[str, Any] = {}
    fetch: dict[str, Any] = {}
    advisors: tuple[Advisor, ...] = ()
    for name, body in data.items():
        if name == "advisors":
            advisors = reader.advisors(body)
        elif name in _TABLES and isinstance(body, dict):
            checked = reader.table(name, body)
            if name == "fetch":
                fetch = checked
            else:
                values.update(checked)
        else:
            reader.problems.append(
                f"{reader.where('', name)}: {name}: unknown table "
                f"(known: {', '.join(sorted([*_TABLES, 'advisors']))})"
            )
    for key in ("allowed_hosts", "private_hosts"):
        if key in fetch:
            fetch[key] = reader.hosts("fetch", key, fetch[key])
    if reader.problems:
        raise ConfigError("\n".join(reader.problems))
    if "timeout_seconds" in fetch:
        fetch["timeout_seconds"] = float(fetch["timeout_seconds"])
    return Config(**values, fetch=FetchConfig(**fetch), advisors=advisors)


def load_config(path: Path) -> Config:
    """Read ``path`` and :func:`parse_config` it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the config file is not UTF-8 text") from None
    return parse_config(text, str(path))
