"""Structured logs: one JSON event per line, and never a code, URL path or IP address."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestServer

from cobrowse.demo import make_demo_app
from cobrowse.logs import QUIET_LOGGERS, configure_logging, redact
from cobrowse.protocol import Msg, encode
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    connect,
    end_session,
    join,
    navigate,
    new_session,
    receive,
    relay_config,
    start_relay,
)


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, list[str]]]:
    """Route all logging (DEBUG and up) into a buffer as ``cobrowse serve --log-format json``
    does; restore pytest's own handlers afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS})
    buffer = io.StringIO()
    configure_logging("json", logging.DEBUG, buffer)
    lines: list[str] = []
    yield buffer, lines
    lines.extend(buffer.getvalue().splitlines())
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def demo(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(make_demo_app())


@pytest.fixture
async def relay(aiohttp_server: ServerFactory, demo: TestServer) -> AsyncIterator[TestServer]:
    server = await start_relay(aiohttp_server, relay_config(demo))
    yield server
    await server.close()


async def test_a_session_leaves_no_code_url_or_address_in_the_logs(
    captured: tuple[io.StringIO, list[str]],
    relay: TestServer,
    demo: TestServer,
    aiohttp_client: ClientFactory,
) -> None:
    buffer, _ = captured
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    code = session["code"]
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    _, status = await join(relay, aiohttp_client, f"{code[:3]} {code[3:]}")  # typed with a space
    assert status == 303
    wrong = "000000" if code != "000000" else "000001"
    await join(relay, aiohttp_client, wrong)
    page = f"http://127.0.0.1:{demo.port}/themen/rente.html"
    await navigate(adv_ws, page)
    # failures are logged: prove the capture sees the relay's events at all
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": "https://gesperrt.example/geheim"}))
    await receive(adv_ws, Msg.NOTICE)
    await end_session(adv_ws)
    await adv_ws.close()
    # an event that tries to carry personal data through the formatter
    logging.getLogger("cobrowse.test").warning(
        "joined %s from %s at %s", code, "192.0.2.7", page, extra={"peer": "2001:db8::1"}
    )

    output = buffer.getvalue()
    events = [json.loads(line) for line in output.splitlines()]
    assert any(e["event"] == "navigation failed: not_allowed" for e in events), output[-2000:]
    for secret in (code, f"{code[:3]} {code[3:]}", wrong):
        assert secret not in output
    for secret in ("/themen/rente.html", "/geheim", "192.0.2.7", "2001:db8::1", "127.0.0.1"):
        assert secret not in output
    assert str(demo.port) not in output.replace(f":{demo.port}/…", "")  # host:port kept only


def test_json_lines_have_the_fields() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("json", logging.INFO, stream)
        logging.getLogger("cobrowse.x").info("session ended: %s", "timeout", extra={"pages": 3})
        content = "Seite enthält: Max Mustermann, IBAN DE89"
        try:
            raise ValueError(content)
        except ValueError:
            logging.getLogger("cobrowse.x").exception("pipeline failed")
        logging.getLogger("httpx").info("HTTP Request: GET https://example.org/a?b=c")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # httpx is held at WARNING
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "info" and first["logger"] == "cobrowse.x"
    assert first["event"] == "session ended: timeout" and first["pages"] == 3
    assert first["ts"].endswith("+00:00")
    assert second["error"] == "ValueError" and second["stack"]
    assert "Mustermann" not in lines[1]  # exception messages may quote the page


def test_text_format_is_one_line_per_event() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("text", logging.INFO, stream)
        logging.getLogger("cobrowse.x").info("line one\nline two", extra={"kind": "a"})
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
    out = stream.getvalue()
    assert out.count("\n") == 1
    assert "INFO cobrowse.x: line one line two" in out and 'kind="a"' in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code 123456 wrong", "code [code] wrong"),
        ("code 123 456 wrong", "code [code] wrong"),
        ("code=654-321", "code=[code]"),
        ("from 10.1.2.3", "from [ip]"),
        ("from [2001:db8::42]:443", "from [ip]:443"),
        ("peer ::ffff:192.0.2.1 left", "peer [ip] left"),
        ("GET https://www.example.org/suche?q=Rente", "GET https://www.example.org/…"),
        ("http://10.0.0.1:8080/a", "http://[ip]:8080/…"),
        ("at 12:30:45 on port 8080", "at 12:30:45 on port 8080"),
        ("took 1234567 µs", "took 1234567 µs"),
        ("navigation failed: not_allowed", "navigation failed: not_allowed"),
        ("version 1.2.3", "version 1.2.3"),
        ("ends at 10.0.0.1.", "ends at [ip]."),
        ("ends at fe80::1:", "ends at [ip]:"),
        ("bytes 1.2.3.4567", "bytes 1.2.3.4567"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(redact(text)) == expected
