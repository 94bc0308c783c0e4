"""``cobrowse preview``: the sanitized page on stdout, what was removed on stderr."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from cobrowse.cli import main

PAGE = """<!DOCTYPE html><html><head><title>Wohngeld</title>
<script>alert(1)</script><meta http-equiv="refresh" content="0;url=javascript:alert(1)">
</head><body><div id="cookie-banner">Wir nutzen Cookies</div>
<p onclick="steal()">Antrag <a href="/antrag">stellen</a> <img src="bild.png" alt="Bild"></p>
<img src="https://tracker.example/pixel.gif">
<form method="post" action="/senden"><input name="name"></form></body></html>
"""
CONFIG = """
[fetch]
allowed_hosts = ["www.example.org"]

[[rules]]
host = "www.example.org"
remove = ["#cookie-banner"]
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    page = tmp_path / "seite.html"
    page.write_text(PAGE, encoding="utf-8")
    config = tmp_path / "relay.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return page, config


def test_file_with_rules(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    page, config = files
    code = main(
        ["preview", str(page), "--base-url", "https://www.example.org/a/", "--config", str(config)]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert out.startswith("<!DOCTYPE html>\n<html><head><title>Wohngeld</title>")
    assert "script" not in out and "onclick" not in out and "Cookies" not in out
    assert '<img src="https://www.example.org/a/bild.png" alt="Bild">' in out
    assert "tracker.example" not in out  # not allowed: dropped, as the proxy would
    assert '<a href="/link" data-cobrowse-href="/antrag">stellen</a>' in out
    assert 'data-cobrowse-blocked="post"' in out
    assert "Vorschau für https://www.example.org/a/: 1 Links, 1 Formulare" in err
    lines = err.splitlines()
    assert any("element:script" in line and "Element entfernt" in line for line in lines)
    assert any("rule:remove:#cookie-banner" in line for line in lines)
    assert any("attr:onclick" in line for line in lines)
    assert any("url:refused" in line for line in lines)
    assert any("form:post" in line and "Formular gesperrt" in line for line in lines)


def test_without_config_nothing_is_allowed(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    page, _ = files
    assert main(["preview", str(page), "--base-url", "https://www.example.org/"]) == 0
    out = capsys.readouterr().out
    assert "<img" in out and "src=" not in out  # no host is allowed: every resource dropped
    assert "Cookies" in out  # no rules either


def test_a_file_needs_a_base_url(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preview", str(files[0])]) == 2
    assert "--base-url" in capsys.readouterr().err


def test_url_not_allowed(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "https://evil.example/", "--config", str(files[1])]) == 1
    err = capsys.readouterr().err
    assert "nicht freigegeben" in err and "not_allowed" in err


def test_bad_rule_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[[rules]]\nhost = "a.example"\nremove = ["div["]\n', encoding="utf-8")
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    code = main(["preview", str(page), "--base-url", "https://a.example/", "--config", str(config)])
    assert code == 2
    assert f"{config}:3: rules[0].remove: 'div['" in capsys.readouterr().err


async def test_allowed_url_is_fetched(demo: TestServer, tmp_path: Path) -> None:
    config = tmp_path / "relay.toml"
    host = f"127.0.0.1:{demo.port}"
    config.write_text(
        f'[fetch]\nallowed_hosts = ["{host}"]\nprivate_hosts = ["{host}"]\n', encoding="utf-8"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cobrowse",
        "preview",
        f"http://{host}/",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    html = out.decode("utf-8")
    assert "<title>" in html and "<script" not in html
    assert f"http://{host}/static/" in html  # resources as the URLs the proxy would fetch
    assert f"Vorschau für http://{host}/" in err.decode("utf-8")
