"""The operator's command line: ``check-config`` explains every problem at once,
``serve --log-format json`` logs JSON lines; what ``[site]`` configures reaches
the pages."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cobrowse import cli
from cobrowse.app import make_app
from cobrowse.config import Config, load_config
from cobrowse.logs import QUIET_LOGGERS
from tests.relay_client import HASH, ClientFactory

ROOT = Path(__file__).resolve().parent.parent

GOOD = f"""
[server]
secret_key = "{"k" * 40}"
secure_cookies = true

[fetch]
allowed_hosts = ["www.example.org"]

[site]
operator = "Bürgertelefon des Bundesministeriums für Beispiele"
public_host = "begleiter.example.org"
imprint = \"\"\"
## Anbieter
Bundesministerium für Beispiele
Beispielstraße 1

Telefon: 030 1234-0
\"\"\"
privacy = "Verantwortlich ist das Ministerium. <script>alert(1)</script>"
logo = "logo.svg"
accent_color = "#1d5e2f"
hotline = "+49 30 1234-0"
accessibility = \"\"\"
## Stand der Vereinbarkeit mit den Anforderungen
Diese Seiten sind vollständig mit der BITV 2.0 vereinbar.
\"\"\"
accessibility_contact = "E-Mail: barrierefrei@beispiele.example"
easy_language = "Das ist der Web-Begleiter vom Ministerium."
pointer_color = "#9fd3ff"

[[advisors]]
name = "mueller"
password_hash = "{HASH}"
label = "Frau Müller, Team Rente"
"""

BAD = """
[server]
port = 70000
colour = "blau"

[fetch]
allowed_hosts = ["www.example.org", "http://mit-schema.example"]
timeout_seconds = -1

[site]
accent_color = "#8fb3ff"
logo = "fehlt.png"
public_host = "Nicht Gültig!"
hotline = "rufen Sie an"
pointer_color = "#0b4f9c"

[[advisors]]
name = "mueller"
password_hash = "klartext"
label = 7
"""

LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10"/></svg>'


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "logo.svg").write_text(LOGO)
    path = tmp_path / "relay.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_config_lists_every_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    path = write(tmp_path, BAD)
    assert cli.main(["check-config", str(path)]) == 1
    out = capsys.readouterr().out
    numbered = re.findall(r"^  (\d+)\. (.*)$", out, re.M)
    problems = [text for _, text in numbered]
    assert [int(n) for n, _ in numbered] == list(range(1, len(problems) + 1))
    expected = [
        ("server.port", ":3:", "0–65535"),
        ("server.colour", ":4:", "unknown key"),
        ("fetch.allowed_hosts", ":7:", "http://mit-schema.example"),
        ("fetch.timeout_seconds", ":8:", "between 0 and 120"),
        ("site.accent_color", ":11:", "4.5:1"),
        ("site.logo", ":12:", "fehlt.png"),
        ("site.public_host", ":13:", "host name"),
        ("site.hotline", ":14:", "phone number"),
        ("site.pointer_color", ":15:", "label text #1a1a1a on it needs 4.5:1"),
        ("advisors.label", "", "at most 120 characters"),
        ("advisors.password_hash", "", "cobrowse hash-password"),
    ]
    for key, line, explanation in expected:
        found = [p for p in problems if f" {key}: " in p]
        assert found, f"{key} not reported in:\n{out}"
        assert line in found[0] and explanation in found[0], found[0]
    assert f"{len(problems)} problem(s)" in out
    assert "config.example.toml" in out
    assert "Traceback" not in out


def test_check_config_on_a_good_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    path = write(tmp_path, GOOD)
    assert cli.main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ok (1 advisors, 1 allowed hosts, 0 warning(s))" in out


def test_check_config_warns_about_placeholders_and_defaults(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    assert cli.main(["check-config", str(ROOT / "config.example.toml")]) == 0
    out = capsys.readouterr().out
    warnings = re.findall(r"^  warning: (.*)$", out, re.M)
    assert any("secure_cookies" in w for w in warnings)
    placeholders = ("operator", "imprint", "privacy", "accessibility", "accessibility_contact")
    for key in placeholders:
        assert any(w.startswith(f"site.{key} ") and "placeholder" in w for w in warnings), key
    assert any(w.startswith("site.hotline ") for w in warnings)
    assert not any(w.startswith(("site.consent", "site.easy_language")) for w in warnings)
    assert not any("secret_key" in w for w in warnings)  # the example sets one


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the config file"),
        ("[server\nport = 1", "not valid TOML"),
        (b"\xff\xfe[server]", "not UTF-8"),
    ],
)
def test_check_config_unreadable(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
    content: str | bytes | None,
    message: str,
) -> None:
    path = tmp_path / "relay.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert cli.main(["check-config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "1 problem(s)" in out and message in out


def test_serve_with_a_bad_config_stops_with_the_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    path = write(tmp_path, BAD)
    assert cli.main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "server.port" in err and "site.accent_color" in err and "Traceback" not in err


def test_serve_log_format_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    async def fake_serve(args: argparse.Namespace, config: Config) -> None:
        logging.getLogger("cobrowse.cli").info("relay started", extra={"port": 8080})

    monkeypatch.setattr(cli, "_serve", fake_serve)
    assert cli.main(["serve", "--log-format", "json"]) == 0
    lines = capsys.readouterr().err.splitlines()
    event = json.loads(lines[-1])
    assert event["event"] == "relay started" and event["port"] == 8080
    assert cli.main(["serve"]) == 0
    assert "INFO cobrowse.cli: relay started port=8080" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["auto", "uvloop", "asyncio"])
def test_serve_runs_on_the_loop_asked_for(
    monkeypatch: pytest.MonkeyPatch, restore_logging: None, flag: str
) -> None:
    pytest.importorskip("uvloop")  # a dependency wherever it builds
    seen: list[str] = []

    async def fake_serve(args: argparse.Namespace, config: Config) -> None:
        seen.append(cli._loop_name())

    monkeypatch.setattr(cli, "_serve", fake_serve)
    assert cli.main(["serve", "--loop", flag]) == 0
    assert seen == ["asyncio" if flag == "asyncio" else "uvloop"]


def test_serve_without_uvloop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    seen: list[str] = []

    async def fake_serve(args: argparse.Namespace, config: Config) -> None:
        seen.append(cli._loop_name())

    monkeypatch.setattr(cli, "_serve", fake_serve)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert cli.main(["serve"]) == 0 and seen == ["asyncio"]  # auto: asyncio's own loop
    assert cli.main(["serve", "--loop", "uvloop"]) == 2 and seen == ["asyncio"]
    assert "--loop uvloop: uvloop is not installed" in capsys.readouterr().err


async def test_site_settings_reach_the_pages(tmp_path: Path, aiohttp_client: ClientFactory) -> None:
    config = load_config(write(tmp_path, GOOD))
    client = await aiohttp_client(make_app(config))
    landing = await (await client.get("/")).text()
    assert "Bürgertelefon des Bundesministeriums für Beispiele" in landing
    assert '<img class="brand-logo" src="data:image/svg+xml;base64,' in landing
    assert "--accent:#1d5e2f" in landing and "--pointer:#9fd3ff" in landing
    imprint = await (await client.get("/impressum")).text()
    assert "<h2>Anbieter</h2>" in imprint
    assert "<p>Bundesministerium für Beispiele<br>Beispielstraße 1</p>" in imprint
    assert "Platzhalter" not in imprint
    privacy = await (await client.get("/datenschutz")).text()
    assert "Verantwortlich ist das Ministerium." in privacy
    assert "<script>alert" not in privacy and "&lt;script&gt;" in privacy
    assert "Platzhalter" not in privacy.split("Welche Daten")[0]
    assert "begleiter.example.org" in await (await client.get("/hilfe")).text()
    statement = await (await client.get("/barrierefreiheit")).text()
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in statement
    assert "vollständig mit der BITV 2.0 vereinbar" in statement
    assert "barrierefrei@beispiele.example" in statement and "Platzhalter" not in statement
    assert "Bundesministeriums für Beispiele" in statement
    easy = await (await client.get("/leichte-sprache")).text()
    assert "<p>Das ist der Web-Begleiter vom Ministerium.</p>" in easy
    assert config.advisors[0].label == "Frau Müller, Team Rente"


async def test_default_site_shows_marked_placeholders(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(make_app(Config()))
    landing = await (await client.get("/")).text()
    assert "Bürgertelefon (Platzhalter)" in landing and "<style>" not in landing
    imprint = await (await client.get("/impressum")).text()
    assert "Dies ist ein Platzhalter" in imprint and "Musterstraße 1" in imprint
    privacy = await (await client.get("/datenschutz")).text()
    assert "Der Betreiber ergänzt hier" in privacy
    hilfe = await (await client.get("/hilfe", headers={"Host": "hotline.example"})).text()
    assert ">hotline.example</a>" in hilfe
    statement = await (await client.get("/barrierefreiheit")).text()
    assert statement.count('class="placeholder-note"') == 2  # the statement and the contact
    assert "Schlichtungsstelle" in statement and "Welche Inhalte nicht barrierefrei" in statement
    easy = await (await client.get("/leichte-sprache")).text()
    assert "Die Zahl heißt: Zugangs-Code." in easy and "Wir sind: Bürgertelefon" in easy
    assert "Fragen Sie den Berater am Telefon." in easy  # no hotline configured


def test_check_config_warns_when_the_browser_for_render_is_missing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
) -> None:
    path = tmp_path / "relay.toml"
    path.write_text("[[rules]]\nhost = 'portal.example.org'\nrender = 'browser'\n")
    monkeypatch.setenv("COBROWSE_CHROMIUM", str(tmp_path / "no-chromium"))
    assert cli.main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"needs Chromium at {tmp_path / 'no-chromium'}" in out
    path.write_text("[[rules]]\nhost = 'portal.example.org'\n")
    assert cli.main(["check-config", str(path)]) == 0
    assert "Chromium" not in capsys.readouterr().out


def test_check_config_explain_prints_the_presets_as_rules_and_what_is_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[rules]]\nhost = "www.example.de"\nremove = [".ad"]\n'
        'disable_presets = ["bootstrap-dropdown"]\n'
    )
    assert cli.main(["check-config", str(path), "--explain", "www.example.de"]) == 0
    out = capsys.readouterr().out
    assert '[[rules]] host = "www.example.de"' in out and 'remove = [".ad"]' in out
    assert "# bootstrap-dropdown: OFF" in out and "# bootstrap-collapse: on" in out
    assert 'behaviour = "collapse"' in out
    assert cli.main(["check-config", str(path), "--explain", "other.example"]) == 0
    out = capsys.readouterr().out
    assert "no [[rules]] match" in out and "# bootstrap-dropdown: on" in out


def test_a_bad_preset_name_is_a_config_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[rules]]\nhost = "www.example.de"\ndisable_presets = ["bootstrapp"]\n')
    assert cli.main(["check-config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "c.toml:3: rules[0].disable_presets: 'bootstrapp' is not a preset" in out


def test_audit_refuses_a_bad_page_count_and_an_address_it_may_not_fetch(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["audit", "https://www.example.de/", "--pages", "0"])
    assert "expected a number of pages 1-500" in capsys.readouterr().err
    assert cli.main(["audit", "https://www.example.de/"]) == 1  # no allowed hosts
    assert capsys.readouterr().err.startswith("cobrowse audit: ")
