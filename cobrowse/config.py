"""Typed, validated configuration from a TOML file.

The file is read once at start-up. A missing key takes its default; an
unknown key or a bad value stops start-up with a :class:`ConfigError` whose
message names the key and, where it can be found, the line in the file —
never a traceback. ``config.example.toml`` documents every key and is loaded
by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cobrowse.errors import ConfigError

if TYPE_CHECKING:
    from cobrowse.pipeline.host_rules import WidgetRule

__all__ = [
    "Advisor",
    "Config",
    "FetchConfig",
    "HostPattern",
    "HostRule",
    "SiteConfig",
    "load_config",
    "parse_config",
]


def _is_ip(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


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
class HostRule:
    """Sanitizing rules for pages of one host pattern (``[[rules]]``).

    ``remove``/``unwrap``/``hide``/``mask`` are CSS selectors; ``widgets``
    the ``[[rules.widgets]]`` tables; see :mod:`cobrowse.pipeline.host_rules`
    for what each key does.
    """

    host: HostPattern
    remove: tuple[str, ...] = ()
    unwrap: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    mask: tuple[str, ...] = ()
    allow_attributes: tuple[str, ...] = ()
    forbid_attributes: tuple[str, ...] = ()
    lazy_image_attributes: tuple[str, ...] = ()
    allow_post_forms: bool = False
    widgets: tuple[WidgetRule, ...] = ()


_RULE_LISTS = (
    "remove",
    "unwrap",
    "hide",
    "mask",
    "allow_attributes",
    "forbid_attributes",
    "lazy_image_attributes",
)


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


PLACEHOLDER_OPERATOR = "Bürgertelefon (Platzhalter)"
_LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
}
_LOGO_MAX_BYTES = 100_000


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """What citizens see of the operator; empty texts show marked placeholders."""

    operator: str = PLACEHOLDER_OPERATOR
    public_host: str = ""  # the address advisors read out, e.g. "begleiter.example.org"
    imprint: str = ""  # plain text; a blank line starts a paragraph, "## " a heading
    privacy: str = ""
    logo: str = ""  # path of an SVG/PNG/JPEG/WebP file (relative to the config file)
    accent_color: str = "#0b4f9c"
    negotiate_language: bool = False  # True: Accept-Language may pick English
    logo_data_url: str = ""  # derived from ``logo`` when the file is loaded

    def placeholders(self) -> list[str]:
        """Keys still showing placeholder text to citizens."""
        unset = {"operator": self.operator == PLACEHOLDER_OPERATOR}
        unset |= {"imprint": not self.imprint.strip(), "privacy": not self.privacy.strip()}
        return [key for key, placeholder in unset.items() if placeholder]


def _contrast_on_white(color: str) -> float:
    """WCAG contrast ratio of ``#rrggbb`` against white (and of white text on it)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def _logo_data_url(name: str, source: str) -> str:
    """The logo file as a ``data:`` URL (allowed by the pages' CSP); ValueError explains."""
    path = Path(name)
    if not path.is_absolute() and not source.startswith("<"):
        path = Path(source).parent / path
    kind = _LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"expected an .svg, .png, .jpg or .webp file, got {name!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {str(path)!r} ({exc.strerror})") from None
    if len(data) > _LOGO_MAX_BYTES:
        raise ValueError(f"{str(path)!r} has {len(data)} bytes; at most {_LOGO_MAX_BYTES} allowed")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


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
    # Show an active citizen's pointer to the advisor (in another colour).
    show_citizen_pointer: bool = False
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
    rules: tuple[HostRule, ...] = ()
    # [bus] url: Redis shared by several relay nodes ("" = one node, in memory).
    bus_url: str = ""
    # [bus] owner_timeout_seconds: a node silent this long has its sessions taken over.
    owner_timeout_seconds: float = 10.0


# key → (type, check, explanation); the schema the loader walks.
_Check = tuple[type | tuple[type, ...], Any, str]
_SERVER: dict[str, _Check] = {
    "host": (str, None, 'an address to listen on, e.g. "127.0.0.1"'),
    "port": (int, lambda v: 0 <= v <= 65535, "a port number 0–65535"),
    "secret_key": (str, lambda v: len(v) >= 32, "a random string of at least 32 characters"),
    "secure_cookies": (bool, None, "true or false"),
    "page_workers": (int, lambda v: 0 <= v <= 64, "a number of processes 0–64"),
    "trusted_proxies": (list, lambda v: all(_is_ip(x) for x in v), "a list of IP addresses"),
}
_SESSIONS: dict[str, _Check] = {
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
_LIMITS: dict[str, _Check] = {
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
_FETCH: dict[str, _Check] = {
    "allowed_hosts": (list, None, "a list of host names"),
    "private_hosts": (list, None, "a list of host names"),
    "timeout_seconds": ((int, float), lambda v: 0 < v <= 120, "seconds between 0 and 120"),
    "max_page_bytes": (int, lambda v: 1000 <= v <= 100_000_000, "bytes, 1000–100000000"),
    "max_resource_bytes": (int, lambda v: 1000 <= v <= 100_000_000, "bytes, 1000–100000000"),
    "max_redirects": (int, lambda v: 0 <= v <= 20, "a number between 0 and 20"),
    "user_agent": (str, None, "a string"),
}
_SITE: dict[str, _Check] = {
    "operator": (str, lambda v: 0 < len(v.strip()) <= 120, "a name of 1–120 characters"),
    "public_host": (str, lambda v: v == "" or _HOST_RE.match(v), 'a host name, e.g. "a.example"'),
    "imprint": (str, lambda v: len(v) <= 20000, "plain text of at most 20000 characters"),
    "privacy": (str, lambda v: len(v) <= 50000, "plain text of at most 50000 characters"),
    "logo": (str, None, "the path of an .svg, .png, .jpg or .webp file"),
    "accent_color": (
        str,
        lambda v: re.fullmatch(r"#[0-9a-fA-F]{6}", v) and _contrast_on_white(v) >= 4.5,
        'a colour "#rrggbb" with a contrast of at least 4.5:1 to white (WCAG AA)',
    ),
    "negotiate_language": (bool, None, "true or false"),
}
_BUS: dict[str, _Check] = {
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
_TABLES = {
    "bus": _BUS,
    "server": _SERVER,
    "sessions": _SESSIONS,
    "limits": _LIMITS,
    "fetch": _FETCH,
    "site": _SITE,
}


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

    def where_entry(self, table: str, index: int, key: str) -> str:
        """File and line of ``key`` in the ``index``-th ``[[table]]`` (or of its header)."""
        seen, header = -1, 0
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip()
            if stripped.startswith("["):
                if seen == index:
                    break
                if stripped.replace(" ", "").startswith(f"[[{table}]]"):
                    seen, header = seen + 1, number
            elif seen == index and re.match(rf"{re.escape(key)}\s*=", stripped):
                return f"{self.source}:{number}"
        return f"{self.source}:{header}" if header else self.source

    def rules(self, entries: Any) -> tuple[HostRule, ...]:
        """``[[rules]]``: per-host sanitizing rules, selectors and names checked."""
        from cobrowse.pipeline.host_rules import attribute_problem, parse_widget, selector_problem

        if not isinstance(entries, list):
            self.fail("", "rules", "expected [[rules]] tables")
            return ()
        known = ", ".join(["host", *_RULE_LISTS, "allow_post_forms", "widgets"])
        out = []
        for index, entry in enumerate(entries):

            def fail(key: str, message: str, index: int = index) -> None:
                where = self.where_entry("rules", index, key)
                self.problems.append(f"{where}: rules[{index}].{key}: {message}")

            values: dict[str, Any] = {}
            for key, value in entry.items():
                if key == "host":
                    try:
                        values["host"] = HostPattern.parse(value if isinstance(value, str) else "")
                    except ValueError:
                        fail(key, f'expected a host like "*.example.org", got {value!r}')
                elif key == "allow_post_forms":
                    if isinstance(value, bool):
                        values[key] = value
                    else:
                        fail(key, f"expected true or false, got {value!r}")
                elif key == "widgets":
                    tables = value if isinstance(value, list) else [value]
                    before = sum(len(e.get("widgets", [])) for e in entries[:index])
                    widgets = []
                    for number, table in enumerate(tables):
                        widget, problems = parse_widget(table)
                        for wkey, message in problems:
                            where = self.where_entry("rules.widgets", before + number, wkey)
                            dotted = f"rules[{index}].widgets[{number}].{wkey}"
                            self.problems.append(f"{where}: {dotted}: {message}")
                        if widget is not None:
                            widgets.append(widget)
                    values[key] = tuple(widgets)
                elif key in _RULE_LISTS:
                    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                        fail(key, f"expected a list of strings, got {value!r}")
                        continue
                    selectors = key in ("remove", "unwrap", "hide", "mask")
                    items = [v.strip() if selectors else v.strip().lower() for v in value]
                    for item in items:
                        problem = (
                            selector_problem(item)
                            if selectors
                            else attribute_problem(item, lenient=key != "allow_attributes")
                        )
                        if problem:
                            fail(key, f"{item!r} is {problem}")
                    values[key] = tuple(items)
                else:
                    fail(key, f"unknown key (known: {known})")
            if "host" in values:
                out.append(HostRule(**values))
            elif "host" not in entry:
                fail("host", "missing: every [[rules]] table needs a host")
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
    site: dict[str, Any] = {}
    advisors: tuple[Advisor, ...] = ()
    rules: tuple[HostRule, ...] = ()
    for name, body in data.items():
        if name == "advisors":
            advisors = reader.advisors(body)
        elif name == "rules":
            rules = reader.rules(body)
        elif name in _TABLES and isinstance(body, dict):
            checked = reader.table(name, body)
            if name == "fetch":
                fetch = checked
            elif name == "site":
                site = checked
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
            site["logo_data_url"] = _logo_data_url(site["logo"], source)
        except ValueError as exc:
            reader.fail("site", "logo", str(exc))
    if values.get("bus_url") and "secret_key" not in values:
        reader.fail("server", "secret_key", "required when [bus] url is set (same on every node)")
    if reader.problems:
        raise ConfigError("\n".join(reader.problems))
    if "timeout_seconds" in fetch:
        fetch["timeout_seconds"] = float(fetch["timeout_seconds"])
    if "trusted_proxies" in values:
        values["trusted_proxies"] = tuple(str(v) for v in values["trusted_proxies"])
    return Config(
        **values,
        fetch=FetchConfig(**fetch),
        advisors=advisors,
        site=SiteConfig(**site),
        rules=rules,
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
