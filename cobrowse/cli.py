"""Command line: ``cobrowse serve | hash-password | check-config``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import getpass
import logging
import os
import secrets
import signal
import sys
from pathlib import Path

from aiohttp import web

from cobrowse.accounts import hash_password
from cobrowse.config import Advisor, Config, HostPattern, load_config
from cobrowse.errors import ConfigError

__all__ = ["main"]

DEMO_ADVISOR = "berater"


def _demo_config(config: Config, demo_port: int) -> tuple[Config, str]:
    """Allow the demo site (on loopback, an explicit opt-in) and add the demo advisor."""
    password = os.environ.get("COBROWSE_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    demo_host = HostPattern.parse(f"127.0.0.1:{demo_port}")
    fetch = dataclasses.replace(
        config.fetch,
        allowed_hosts=(*config.fetch.allowed_hosts, demo_host),
        private_hosts=(*config.fetch.private_hosts, demo_host),
    )
    advisors = (*config.advisors, Advisor(DEMO_ADVISOR, hash_password(password)))
    return dataclasses.replace(config, fetch=fetch, advisors=advisors), password


async def _serve(args: argparse.Namespace, config: Config) -> None:
    from cobrowse.app import make_app

    host = args.host or config.host
    port = config.port if args.port is None else args.port
    runners: list[web.AppRunner] = []
    password = ""
    demo_port = args.demo_port
    if args.demo:
        from cobrowse.demo import make_demo_app

        demo_runner = web.AppRunner(make_demo_app(), access_log=None)
        await demo_runner.setup()
        demo_site = web.TCPSite(demo_runner, "127.0.0.1", demo_port)
        await demo_site.start()
        runners.append(demo_runner)
        demo_port = demo_runner.addresses[0][1]
        config, password = _demo_config(config, demo_port)
    runner = web.AppRunner(make_app(config), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    runners.append(runner)
    port = runner.addresses[0][1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    base = f"http://{shown}:{port}"
    print(f"landing page: {base}/", flush=True)
    print(f"advisor console: {base}/berater", flush=True)
    if args.demo:
        print(f"demo site: http://127.0.0.1:{demo_port}/", flush=True)
        print(f"advisor login: {DEMO_ADVISOR} {password}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for r in reversed(runners):
        await r.cleanup()


def _cmd_serve(args: argparse.Namespace) -> int:
    config = load_config(Path(args.config)) if args.config else Config()
    asyncio.run(_serve(args, config))
    return 0


def _cmd_hash_password(args: argparse.Namespace) -> int:
    password = (
        getpass.getpass("Passwort: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    )
    if len(password) < 12:
        print("Das Passwort muss mindestens 12 Zeichen lang sein.", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def _cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(Path(args.file))
    print(
        f"{args.file}: ok ({len(config.advisors)} advisors, "
        f"{len(config.fetch.allowed_hosts)} allowed hosts)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cobrowse", description="Web-Begleiter co-browsing relay")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the relay")
    serve.add_argument("--config", help="TOML config file (see config.example.toml)")
    serve.add_argument("--host", help="address to listen on (default from config: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default from config: 8080; 0 = any free)")
    serve.add_argument("--demo", action="store_true", help="also serve the demo ministry site")
    serve.add_argument("--demo-port", type=int, default=8081, help="port of the demo site")
    serve.set_defaults(func=_cmd_serve)
    hp = sub.add_parser("hash-password", help="print an argon2 hash for [[advisors]]")
    hp.set_defaults(func=_cmd_hash_password)
    cc = sub.add_parser("check-config", help="validate a config file")
    cc.add_argument("file")
    cc.set_defaults(func=_cmd_check_config)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(f"Konfigurationsfehler / configuration error:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cobrowse: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
