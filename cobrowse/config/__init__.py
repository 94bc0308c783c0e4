"""Typed, validated configuration from a TOML file.

The file is read once at start-up. A missing key takes its default; an
unknown key or a bad value stops start-up with a :class:`ConfigError` whose
message names the key and, where it can be found, the line in the file —
never a traceback. ``config.example.toml`` documents every key and is loaded
by a test, so the two cannot drift apart.

This module holds the loader (:class:`Config`, the reader and
:func:`parse_config`); its parts are :mod:`~cobrowse.config.schema` (the
tables of keys and checks), :mod:`~cobrowse.config.site` (``[site]``) and
:mod:`~cobrowse.config.site_rules` (``[[rules]]``, read into the schema of
:mod:`cobrowse.pipeline.site_rules`). Host patterns are :mod:`cobrowse.hosts`.
Import from here.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cobrowse.config.schema import TABLES as _TABLES
from cobrowse.config.site import SiteConfig, read_logo
from cobrowse.config.site_rules import read_rules
from cobrowse.errors import ConfigError
from cobrowse.hosts import HostPattern
from cobrowse.pipeline.site_rules import HostRule

__all__ = [
    "Advisor",
    "Config",
    "FetchConfig",
    "HostPattern",
    "HostRule",
    "RenderConfig",
    "SiteConfig",
    "load_config",
    "parse_config",
]


@dataclass(frozen=True, slots=True)
class Advisor:
    """An advisor account; ``password_hash`` is an argon2 hash."""

    name: str
    password_hash: str
    label: str = ""  # what citizens may read about who advised them (never the user name)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    allowed_hosts: tuple[HostPattern, ...] = ()
    # Hosts that may resolve to loopback/private addresses (an explicit opt-in).
    private_hosts: tuple[HostPattern, ...] = ()
    timeout_seconds: float = 10.0
    # Requests in flight at once (one connection each); more fetches wait in a
    # queue for up to queue_seconds, which does not count against timeout_seconds.
    max_connections: int = 400
    queue_seconds: float = 60.0
    max_page_bytes: int = 5_000_000
    max_resource_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = "Web-Begleiter/0.1 (co-browsing relay)"

    def is_allowed(self, host: str, port: int, scheme: str) -> bool:
        return any(p.matches(host, port, scheme) for p in self.allowed_hosts)

    def may_be_private(self, host: str, port: int, scheme: str) -> bool:
        return any(p.matches(host, port, scheme) for p in self.private_hosts)


@dataclass(frozen=True, slots=True)
class RenderConfig:
    """``[render]``: the relay's headless Chromium for ``render = "browser"`` hosts.

    ``max_browsers`` pages are loaded at once (more navigations wait in a
    queue, never dropped); a page gets ``page_timeout_seconds`` to load and
    settle (no request in flight and no DOM change for ``settle_seconds``);
    ``memory_mb`` caps each page's script heap. ``cpus``: the CPUs Chromium
    and Playwright's driver may run on; empty (the default): all the relay
    may use; None (``"auto"``): all but the lowest of those where there are
    two or more, so the relay's event loop always finds a core with no
    Chromium on it (:func:`cobrowse.render.priority.render_cpus`).
    """

    max_browsers: int = 2
    page_timeout_seconds: float = 15.0
    settle_seconds: float = 0.3
    memory_mb: int = 256
    cpus: tuple[int, ...] | None = ()


@dataclass(frozen=True, slots=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    # Signs resource tokens and cookies; random per start when empty (tokens
    # then do not survive a restart, and several nodes need the same key).
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secure_cookies: bool = False
    # Processes that build pages off the event loop (0: a thread of the relay).
    page_workers: int = 2
    code_ttl_seconds: int = 600
    max_participants: int = 6
    session_max_seconds: int = 4 * 3600
    # "admit": the first person with the code joins, further persons wait for
    # the advisor; "open": everyone with the code joins; "single": one person.
    join_policy: str = "admit"
    # Read-back confirmation: a joiner sees two words to read to the advisor,
    # who types them ("type") or confirms them ("button") before the joiner
    # sees anything of the session.
    confirm_join: bool = True
    confirm_mode: str = "type"
    idle_timeout_seconds: int = 1800
    idle_warning_seconds: int = 120
    # Show an active citizen's pointer to the advisor (in another colour, "Bürger/in
    # zeigt hierhin"): on by default, so a caller can point and ask "hier?".
    show_citizen_pointer: bool = True
    # Reverse proxies whose X-Forwarded-For/-Proto headers are believed.
    trusted_proxies: tuple[str, ...] = ()
    join_failures_per_client: int = 10
    # See README "How likely is a guessed code?" for why the node-wide budget is small.
    join_failures_global: int = 180
    join_window_seconds: int = 60
    join_global_window_seconds: int = 3600
    login_failures_per_client: int = 5
    fetch: FetchConfig = field(default_factory=FetchConfig)
    advisors: tuple[Advisor, ...] = ()
    site: SiteConfig = field(default_factory=SiteConfig)
    # [[rules]], after a rule for every host (host None) with the [pipeline] switches.
    rules: tuple[HostRule, ...] = ()
    render: RenderConfig = field(default_factory=RenderConfig)
    # [bus] url: Redis shared by several relay nodes ("" = one node, in memory).
    bus_url: str = ""
    # [bus] owner_timeout_seconds: a node silent this long has its sessions taken over.
    owner_timeout_seconds: float = 10.0


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
            label = entry.get("label", "")
            unknown = set(entry) - {"name", "password_hash", "label"}
            if unknown:
                self.fail(
                    "advisors",
                    sorted(unknown)[0],
                    "unknown key (known: name, password_hash, label)",
                )
            if not isinstance(label, str) or len(label) > 120:
                self.fail("advisors", "label", "expected a label of at most 120 characters")
                label = ""
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
            out.append(Advisor(name, hashed, label.strip()))
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
    site: dict[str, Any] = {}
    render: dict[str, Any] = {}
    advisors: tuple[Advisor, ...] = ()
    rules: tuple[HostRule, ...] = ()
    every_host: tuple[HostRule, ...] = ()
    for name, body in data.items():
        if name == "advisors":
            advisors = reader.advisors(body)
        elif name == "rules":
            if isinstance(body, list):
                rules, problems = read_rules(body, reader.lines, reader.source)
                reader.problems.extend(problems)
            else:
                reader.fail("", "rules", "expected [[rules]] tables")
        elif name in _TABLES and isinstance(body, dict):
            checked = reader.table(name, body)
            if name == "fetch":
                fetch = checked
            elif name == "site":
                site = checked
            elif name == "pipeline":
                # A rule for every host, before the [[rules]] that may override it.
                every_host = (HostRule(None, **checked),) if checked else ()
            elif name == "render":
                render = checked
            elif name == "bus":
                values["bus_url"] = checked.get("url", "")
                if "owner_timeout_seconds" in checked:
                    values["owner_timeout_seconds"] = float(checked["owner_timeout_seconds"])
            else:
                values.update(checked)
        else:
            reader.problems.append(
                f"{reader.where('', name)}: {name}: unknown table "
                f"(known: {', '.join(sorted([*_TABLES, 'advisors', 'rules']))})"
            )
    for key in ("allowed_hosts", "private_hosts"):
        if key in fetch:
            fetch[key] = reader.hosts("fetch", key, fetch[key])
    if site.get("logo"):
        try:
            site["logo_data_url"] = read_logo(site["logo"], source)
        except ValueError as exc:
            reader.fail("site", "logo", str(exc))
    if values.get("bus_url") and "secret_key" not in values:
        reader.fail("server", "secret_key", "required when [bus] url is set (same on every node)")
    if reader.problems:
        raise ConfigError("\n".join(reader.problems))
    for key in ("timeout_seconds", "queue_seconds"):
        if key in fetch:
            fetch[key] = float(fetch[key])
    for key in ("page_timeout_seconds", "settle_seconds"):
        if key in render:
            render[key] = float(render[key])
    if "cpus" in render:
        render["cpus"] = None if render["cpus"] == "auto" else tuple(render["cpus"])
    if "trusted_proxies" in values:
        values["trusted_proxies"] = tuple(str(v) for v in values["trusted_proxies"])
    return Config(
        **values,
        fetch=FetchConfig(**fetch),
        advisors=advisors,
        site=SiteConfig(**site),
        rules=every_host + rules,
        render=RenderConfig(**render),
    )


def load_config(path: Path) -> Config:
    """Read ``path`` and :func:`parse_config` it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the config file is not UTF-8 text") from None
    return parse_config(text, str(path))
