"""Command line: ``cobrowse serve | hash-password | check-config | preview | audit``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import logging
import os
import re
import secrets
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from aiohttp import web

from cobrowse.accounts import hash_password
from cobrowse.config import Advisor, Config, HostPattern, load_config
from cobrowse.errors import ConfigError
from cobrowse.logs import configure_logging
from cobrowse.pipeline.collector import settle_collector
from cobrowse.tasks import until_stopped

__all__ = ["main"]

DEMO_ADVISOR = "berater"
DEMO_LABEL = "Beratungsteam (Demo)"  # what citizens read about who advised them


def _demo_config(config: Config, demo_port: int) -> tuple[Config, str]:
    """Allow the demo site (on loopback, an explicit opt-in) and add the demo advisor."""
    password = os.environ.get("COBROWSE_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    demo_host = HostPattern.parse(f"127.0.0.1:{demo_port}")
    fetch = dataclasses.replace(
        config.fetch,
        allowed_hosts=(*config.fetch.allowed_hosts, demo_host),
        private_hosts=(*config.fetch.private_hosts, demo_host),
    )
    advisors = (*config.advisors, Advisor(DEMO_ADVISOR, hash_password(password), DEMO_LABEL))
    return dataclasses.replace(config, fetch=fetch, advisors=advisors), password


def _loop_name() -> str:
    """``uvloop`` or ``asyncio``: the event loop this coroutine runs on."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"


async def _serve(args: argparse.Namespace, config: Config) -> None:
    from cobrowse.app import make_app
    from cobrowse.keys import PAGE_WORKERS

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
        if not args.config:
            # Without a config file the demo skips the read-back step, so a
            # newcomer (or a script) can try it alone; any config file decides
            # for itself (confirm_join defaults to true).
            config = dataclasses.replace(config, confirm_join=False)
    runner = web.AppRunner(make_app(config), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    runners.append(runner)
    runner.app[PAGE_WORKERS].start()  # not with the first page: see PageWorkers.start
    settle_collector()  # later full collections scan only what came after
    port = runner.addresses[0][1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    base = f"http://{shown}:{port}"
    print(f"event loop: {_loop_name()}", flush=True)
    print(f"landing page: {base}/", flush=True)
    print(f"advisor console: {base}/berater", flush=True)
    if args.demo:
        print(f"demo site: http://127.0.0.1:{demo_port}/", flush=True)
        print(f"advisor login: {DEMO_ADVISOR} {password}", flush=True)
        confirm = "on" if config.confirm_join else "off (enable with confirm_join = true)"
        print(f"read-back confirmation: {confirm}", flush=True)
    await until_stopped()
    for r in reversed(runners):
        await r.cleanup()


def _cmd_serve(args: argparse.Namespace) -> int:
    config = load_config(Path(args.config)) if args.config else Config()
    if args.redis:
        text = Path(args.config).read_text(encoding="utf-8") if args.config else ""
        if not re.search(r"(?m)^\s*secret_key\s*=", text):
            raise ConfigError(
                "--redis needs server.secret_key in the config file (--config): every node "
                "must sign with the same key."
            )
        config = dataclasses.replace(config, bus_url=args.redis)
    # uvloop (a dependency where it builds): pointer p99 2.5-7x lower than on
    # asyncio's own loop (docs/benchmarks.md, relay); --loop asyncio runs without it
    run: Callable[[Coroutine[Any, Any, None]], object] = asyncio.run
    if args.loop != "asyncio":
        try:
            import uvloop  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            if args.loop == "uvloop":
                print("cobrowse serve: --loop uvloop: uvloop is not installed", file=sys.stderr)
                return 2
        else:
            run = uvloop.run
    run(_serve(args, config))
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


def _config_warnings(config: Config, text: str) -> list[str]:
    """What a valid config still leaves to chance (each line says what to do)."""
    warnings = []
    if not re.search(r"(?m)^\s*secret_key\s*=", text):
        warnings.append(
            "server.secret_key is not set: a random key is drawn at every start, so open "
            "sessions break on restart and several nodes cannot share sessions."
        )
    if not config.secure_cookies and not config.trusted_proxies:
        warnings.append(
            "server.secure_cookies is false and no server.trusted_proxies: cookies lack the "
            "Secure flag; set secure_cookies = true when served over HTTPS."
        )
    if not config.advisors:
        warnings.append("no [[advisors]]: nobody can log in (see `cobrowse hash-password`).")
    if not config.fetch.allowed_hosts:
        warnings.append("fetch.allowed_hosts is empty: advisors cannot open any page.")
    for key in config.site.placeholders():
        warnings.append(f"site.{key} is not set: citizens see a placeholder marked as such.")
    if not config.site.hotline:
        warnings.append(
            "site.hotline is not set: end screens and the list of visited pages "
            "offer no number to call back."
        )
    if any(rule.render == "browser" for rule in config.rules):
        import importlib.util

        chromium = os.environ.get("COBROWSE_CHROMIUM") or "/usr/bin/chromium"
        if importlib.util.find_spec("playwright") is None:
            warnings.append(
                'rules: render = "browser" needs the render extra '
                "(pip install 'cobrowse[render]'); the relay would not start."
            )
        if not Path(chromium).exists():
            warnings.append(
                f'rules: render = "browser" needs Chromium at {chromium} '
                "(apt install chromium, or set COBROWSE_CHROMIUM)."
            )
    return warnings


def _cmd_check_config(args: argparse.Namespace) -> int:
    """Print every problem of the file at once (exit 1), else a summary and warnings."""
    try:
        config = load_config(Path(args.file))
    except ConfigError as exc:
        problems = str(exc).splitlines()
        print(f"{args.file}: {len(problems)} problem(s), the relay would not start:")
        for number, problem in enumerate(problems, 1):
            print(f"  {number}. {problem}")
        print("Every key is explained in config.example.toml.")
        return 1
    if args.explain:
        from cobrowse.config.explain import explain_host

        print("\n".join(explain_host(config, args.explain)))
        return 0
    warnings = _config_warnings(config, Path(args.file).read_text(encoding="utf-8"))
    print(
        f"{args.file}: ok ({len(config.advisors)} advisors, "
        f"{len(config.fetch.allowed_hosts)} allowed hosts, {len(warnings)} warning(s))"
    )
    for warning in warnings:
        print(f"  warning: {warning}")
    return 0


async def _preview_fetch(url: str, config: Config) -> tuple[bytes, str | None, str]:
    from cobrowse.fetch import Fetcher

    fetcher = Fetcher(config.fetch)
    try:
        result = await fetcher.fetch(url, max_bytes=config.fetch.max_page_bytes)
    finally:
        await fetcher.close()
    return result.body, result.content_type, result.url


def _cmd_preview(args: argparse.Namespace) -> int:
    """Sanitize a file or an allowed URL like a session would: HTML to stdout,
    what was removed (per rule) to stderr. Resource URLs are shown as the
    absolute URLs the proxy would fetch (refused ones are dropped)."""
    from cobrowse.errors import FetchError
    from cobrowse.fetch import check_allowed
    from cobrowse.pipeline import build_page, describe_removed, rules_for, tree_to_html

    config = load_config(Path(args.config)) if args.config else Config()
    content_type: str | None = None
    if re.match(r"https?://", args.source):
        try:
            body, content_type, base = asyncio.run(_preview_fetch(args.source, config))
        except FetchError as exc:
            print(f"cobrowse preview: {exc.user_message} ({exc.kind})", file=sys.stderr)
            return 1
    elif args.base_url:
        body, base = Path(args.source).read_bytes(), args.base_url
    else:
        print("cobrowse preview: für eine Datei bitte --base-url angeben", file=sys.stderr)
        return 2
    base = args.base_url or base

    def resource_url(url: str, kind: str) -> str | None:
        try:
            check_allowed(config.fetch, url)
        except FetchError:
            return None
        return url

    page = build_page(body, content_type, base, resource_url, rules_for(config.rules, base))
    sys.stdout.write("<!DOCTYPE html>\n" + tree_to_html(page.tree) + "\n")
    lines = describe_removed(page.removed)
    summary = f"Vorschau für {base}: {len(page.links)} Links, {len(page.forms)} Formulare"
    print(summary, file=sys.stderr)
    print("Entfernt (Anzahl, Regel, Grund):" if lines else "Nichts entfernt.", file=sys.stderr)
    for line in lines:
        print(line, file=sys.stderr)
    return 0


async def _audit(url: str, config: Config, learn: bool) -> int:
    from cobrowse.errors import FetchError
    from cobrowse.fetch import Fetcher, normalize_url
    from cobrowse.render.learn import learn_widgets, widgets_toml

    fetcher = Fetcher(config.fetch)
    try:
        url = normalize_url(url)
        fetcher.check_allowed(url)
        listeners, widgets = await learn_widgets(url, fetcher, config.render)
    except FetchError as exc:
        print(f"cobrowse audit: {exc.user_message} ({exc.kind})", file=sys.stderr)
        return 1
    finally:
        await fetcher.close()
    print(f"{len(listeners)} Elemente mit Klick-Listenern auf {url}", file=sys.stderr)
    for listener in listeners:
        print(f"  {listener.selector} ({listener.count}×)", file=sys.stderr)
    if learn:
        print(f"{len(widgets)} Widget-Regeln gelernt", file=sys.stderr)
        sys.stdout.write(widgets_toml(url, widgets))
    return 0


def _cmd_learn(args: argparse.Namespace) -> int:
    """``audit URL --learn``: load an allowed page in the relay's browser (needs
    the render extra), list its click-listener elements, print [[rules.widgets]]."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("cobrowse audit: needs pip install 'cobrowse[render]' (Playwright)", file=sys.stderr)
        return 2
    config = load_config(Path(args.config)) if args.config else Config()
    return asyncio.run(_audit(args.url, config, args.learn))


def _page_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 500:
        raise argparse.ArgumentTypeError(f"expected a number of pages 1-500, got {text!r}")
    return value


def _cmd_audit(args: argparse.Namespace) -> int:
    """Report what the mirror drops or cannot emulate on up to N pages of a host;
    with --learn, learn widget rules in the relay's browser instead."""
    if args.learn:
        return _cmd_learn(args)
    from cobrowse import audit
    from cobrowse.errors import FetchError

    config = load_config(Path(args.config)) if args.config else Config()
    try:
        reports = audit.run(config, args.url, args.pages)
    except FetchError as exc:
        print(f"cobrowse audit: {exc.user_message} ({exc.kind})", file=sys.stderr)
        return 1
    print(audit.format_json(reports) if args.json else audit.format_text(reports))
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
    serve.add_argument(
        "--redis", metavar="URL", help="share sessions with other nodes over this Redis ([bus] url)"
    )
    serve.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="one event per line"
    )
    serve.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop (auto: uvloop where it is installed, else asyncio's own)",
    )
    serve.set_defaults(func=_cmd_serve)
    hp = sub.add_parser("hash-password", help="print an argon2 hash for [[advisors]]")
    hp.set_defaults(func=_cmd_hash_password)
    cc = sub.add_parser("check-config", help="validate a config file")
    cc.add_argument("file")
    cc.add_argument(
        "--explain", metavar="HOST", help="print the rules and widget presets for pages of HOST"
    )
    cc.set_defaults(func=_cmd_check_config)
    pv = sub.add_parser("preview", help="print a page as the relay sanitizes it")
    pv.add_argument("source", help="an HTML file or an allowed http(s) URL")
    pv.add_argument("--base-url", help="the page's address (needed for a file)")
    pv.add_argument("--config", help="TOML config file: allowed hosts and [[rules]]")
    pv.set_defaults(func=_cmd_preview)
    au = sub.add_parser(
        "audit", help="report what the mirror drops on pages of an allowed host (--learn: rules)"
    )
    au.add_argument("url", help="the first page (an allowed http(s) URL)")
    au.add_argument("--config", help="TOML config file: allowed hosts, [[rules]], [render]")
    au.add_argument("--pages", type=_page_count, default=20, help="pages to visit (1-500)")
    au.add_argument("--json", action="store_true", help="one JSON document instead of text")
    au.add_argument(
        "--learn",
        action="store_true",
        help="load the page in the relay's browser and print [[rules.widgets]] that mimic "
        "its script widgets (needs the render extra)",
    )
    au.set_defaults(func=_cmd_audit)
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "log_format", "text"), logging.INFO)
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
