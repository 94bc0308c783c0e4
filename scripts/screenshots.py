"""Take the README screenshots in real Chromium: landing page, advisor console, citizen view.

Starts ``cobrowse serve --demo`` on free ports, walks the journey (advisor
logs in and opens a session, the citizen types the code, the advisor opens a
demo page and points at it) and writes PNGs to ``docs/img/``.

    .venv/bin/python scripts/screenshots.py [--out docs/img] [--chromium /usr/bin/chromium]

Needs the client bundle (``npm run build``) and Playwright for Python.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Screenshot-Passwort-2026"  # noqa: S105 (a throwaway demo login)
# The read-back confirmation is skipped so the pictures show the shared view itself.
CONFIG = '[sessions]\nconfirm_join = false\n\n[site]\noperator = "Bürgertelefon (Demo)"\n'
CITIZEN = {"width": 1280, "height": 800}
ADVISOR = {"width": 1440, "height": 1000}


def start_relay(config: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Run the relay with the demo site; returns the process and its printed addresses."""
    env = {**os.environ, "COBROWSE_DEMO_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "cobrowse", "serve", "--demo", "--port", "0"]
    command += ["--demo-port", "0", "--config", str(config)]
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    stdout = proc.stdout
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        text = "".join(lines)
        base = re.search(r"landing page: (http://\S+)/", text)
        demo = re.search(r"demo site: (http://\S+)/", text)
        login = re.search(r"advisor login: (\S+) ", text)
        if base and demo and login:
            return proc, {"base": base.group(1), "demo": demo.group(1), "user": login.group(1)}
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the relay did not start:\n" + "".join(lines)[-2000:])


def settle(page: Page) -> None:
    """Wait for fonts and the mirrored page's images, so the picture is complete."""
    page.evaluate("async () => { await document.fonts.ready; }")
    mirror = page.get_by_test_id("mirror")
    frame = mirror.element_handle() if mirror.count() else None
    inner = frame.content_frame() if frame else None
    if inner is not None:
        inner.evaluate(
            """async () => {
              await document.fonts.ready;
              await Promise.all([...document.images].map((i) => i.complete ? null :
                new Promise((r) => { i.onload = i.onerror = r; })));
            }"""
        )


def shoot(out: Path, chromium: str, relay: dict[str, str]) -> list[Path]:
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        cit_ctx = browser.new_context(viewport=CITIZEN, locale="de-DE")
        adv_ctx = browser.new_context(viewport=ADVISOR, locale="de-DE")

        landing = cit_ctx.new_page()
        landing.goto(relay["base"] + "/")
        settle(landing)
        written.append(out / "landing.png")
        landing.screenshot(path=written[-1], animations="disabled")

        advisor = adv_ctx.new_page()
        advisor.goto(relay["base"] + "/berater")
        advisor.get_by_label("Benutzername").fill(relay["user"])
        advisor.get_by_label("Passwort").fill(PASSWORD)
        advisor.get_by_role("button", name="Anmelden").click()
        advisor.get_by_role("button", name="Neue Sitzung").click()
        code_el = advisor.get_by_test_id("session-code")
        expect(code_el).to_have_text(re.compile(r"\d{3} ?\d{3}"))
        code = re.sub(r"\D", "", code_el.inner_text())

        landing.get_by_label("Zugangscode").fill(f"{code[:3]} {code[3:]}")
        landing.get_by_role("button", name=re.compile("Los geht")).click()
        expect(landing.locator("#status")).to_have_text("Ihre Beraterin oder Ihr Berater ist verbunden")

        address = advisor.get_by_test_id("address")
        address.fill(relay["demo"] + "/themen/wohngeld.html")
        address.press("Enter")
        for page in (landing, advisor):
            expect(page.locator("#page-title")).to_contain_text("Wohngeld")
            settle(page)
        # point at the page's first heading, as an advisor does on the phone
        box = advisor.get_by_test_id("mirror").bounding_box()
        if box is not None:
            advisor.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.35)
            expect(landing.get_by_test_id("advisor-pointer")).to_be_visible()
        written.append(out / "console.png")
        advisor.screenshot(path=written[-1], animations="disabled")
        written.append(out / "citizen.png")
        landing.screenshot(path=written[-1], animations="disabled")
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument(
        "--chromium", default=os.environ.get("COBROWSE_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "relay.toml"
        config.write_text(CONFIG, encoding="utf-8")
        proc, relay = start_relay(config)
        try:
            for path in shoot(args.out, args.chromium, relay):
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            proc.terminate()
            proc.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
