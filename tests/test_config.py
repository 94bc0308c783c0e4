from __future__ import annotations

from pathlib import Path

import pytest

from cobrowse.config import HostPattern, load_config, parse_config
from cobrowse.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_loads_and_documents_every_key() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.fetch.is_allowed("www.example.org", 443, "https")
    assert config.advisors[0].name == "mueller"
    text = (ROOT / "config.example.toml").read_text()
    from cobrowse.config import _TABLES

    for table, keys in _TABLES.items():
        assert f"[{table}]" in text
        for key in keys:
            assert f"\n{key} = " in text, f"{table}.{key} is not documented"


def test_empty_config_gives_defaults() -> None:
    config = parse_config("")
    assert config.port == 8080
    assert config.code_ttl_seconds == 600
    assert config.fetch.allowed_hosts == ()


def test_bad_value_names_key_and_line() -> None:
    text = "[server]\nhost = '127.0.0.1'\nport = 'achtzig'\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "relay.toml")
    assert "relay.toml:3: server.port" in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    text = (
        "[server]\nprot = 1\n[sessions]\ncode_ttl_seconds = 5\n"
        "[fetch]\nallowed_hosts = ['bad host!']\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "x.toml")
    message = str(info.value)
    assert "server.prot: unknown key" in message
    assert "sessions.code_ttl_seconds" in message
    assert "'bad host!' is not a host name" in message


def test_unknown_table_and_bad_toml() -> None:
    with pytest.raises(ConfigError, match="unknown table"):
        parse_config("[srever]\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("[server\n")


def test_advisor_needs_argon2_hash() -> None:
    with pytest.raises(ConfigError, match="argon2"):
        parse_config("[[advisors]]\nname = 'a'\npassword_hash = 'plain'\n")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("pattern", "host", "port", "scheme", "ok"),
    [
        ("example.org", "example.org", 443, "https", True),
        ("example.org", "example.org", 80, "http", True),
        ("example.org", "example.org", 8080, "http", False),
        ("example.org", "evil-example.org", 443, "https", False),
        ("*.example.org", "www.example.org", 443, "https", True),
        ("*.example.org", "example.org", 443, "https", False),
        ("127.0.0.1:8081", "127.0.0.1", 8081, "http", True),
        ("127.0.0.1:8081", "127.0.0.1", 8080, "http", False),
        ("Example.ORG", "example.org.", 443, "https", True),
    ],
)
def test_host_patterns(pattern: str, host: str, port: int, scheme: str, ok: bool) -> None:
    assert HostPattern.parse(pattern).matches(host, port, scheme) is ok
