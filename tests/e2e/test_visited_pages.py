"""The pages visited together, in real Chromium: the relay's list (each page
once, first visit first, no error page) under a header with operator, hotline,
date and time and the advisor; printable ("Drucken / als PDF speichern", a
print stylesheet that keeps only the list) and saved as a styled HTML document
whose file name carries the operator's name and the date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Download, Page, expect

from bench.harness.procs import Server
from tests.e2e.conftest import configured_relay
from tests.e2e.journey import advisor_login, citizen_join, end_session, navigate
from tests.e2e.test_accessibility import assert_accessible, overflow

CONFIG = """
[sessions]
confirm_join = false
[site]
operator = "Bürgertelefon Beispielamt"
hotline = "030 1234-0"
"""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 950}
# The advisor's way through the demo site: the start page twice, a page, a
# missing page (404), the page again at a spot on it.
WALK = [
    ("/", "Bundesministerium"),
    ("/themen/rente.html", "Rente"),
    ("/gibt-es-nicht", "nicht gefunden"),
    ("/", "Bundesministerium"),
    ("/themen/rente.html#antrag", "Rente"),
]


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from configured_relay(tmp_path_factory, CONFIG)


def walk_and_end(browser: Browser, relay: Server, **citizen_options: Any) -> tuple[Page, Page]:
    """The advisor walks WALK with a citizen watching, then ends the session."""
    advisor, code = advisor_login(browser.new_context(viewport=DESKTOP), relay)
    options = {"viewport": {"width": 1280, "height": 800}, "bypass_csp": True, **citizen_options}
    citizen = citizen_join(browser.new_context(**options), relay, code)
    for path, title in WALK:
        navigate(advisor, relay.demo + path)
        address = re.escape(relay.demo + path.split("#")[0])
        expect(citizen.locator("#page-url")).to_have_text(re.compile(f"^{address}(#.*)?$"))
        expect(citizen.locator("#page-title")).to_contain_text(title)
    end_session(advisor)
    return advisor, citizen


def test_the_list_is_deduplicated_without_the_error_page_and_has_a_header(
    browser: Browser, relay: Server
) -> None:
    advisor, citizen = walk_and_end(browser, relay)
    for page in (citizen, advisor):
        items = page.get_by_test_id("visited-pages").locator("li")
        expect(items).to_have_count(2)
        links = page.get_by_test_id("visited-pages").get_by_role("link")
        hrefs = links.evaluate_all("links => links.map(a => a.href)")
        assert hrefs == [relay.demo + "/", relay.demo + "/themen/rente.html"]
        expect(items.nth(0)).to_contain_text(relay.demo + "/")  # title and address
        expect(items.nth(1)).to_contain_text("Rente")
        expect(page.get_by_test_id("visited-pages")).not_to_contain_text("nicht gefunden")
        record = page.get_by_test_id("visited-record")
        expect(record).to_contain_text("Bürgertelefon Beispielamt")
        expect(record).to_contain_text("030 1234-0")
        expect(record).to_contain_text(date.today().strftime("%d.%m.%Y"))
        expect(record).to_contain_text(re.compile(r"\d\d:\d\d bis \d\d:\d\d Uhr"))
        expect(record).to_contain_text("Beratungsteam (Demo)")  # the label, not the login
        expect(record).not_to_contain_text("berater\n")
    assert_accessible(citizen, "the end with the visited pages")
    expect(citizen.get_by_role("button", name="Drucken / als PDF speichern")).to_be_visible()
    advisor.context.close()
    citizen.context.close()


def test_the_list_is_saved_as_a_document_named_after_operator_and_date(
    browser: Browser, relay: Server
) -> None:
    advisor, citizen = walk_and_end(browser, relay)
    expect(citizen.get_by_test_id("visited-pages").locator("li")).to_have_count(2)
    with citizen.expect_download() as download:
        citizen.get_by_role("button", name="Als Datei speichern").click()
    name = download.value.suggested_filename
    assert name == f"besuchte-seiten-buergertelefon-beispielamt-{date.today().isoformat()}.html"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved.startswith("<!DOCTYPE html>") and '<html lang="de">' in saved
    assert "<title>Gemeinsam angesehene Seiten – Bürgertelefon Beispielamt</title>" in saved
    assert "@media print" in saved and "<script" not in saved
    for text in ("Bürgertelefon Beispielamt", "030 1234-0", "Beratungsteam (Demo)", " Uhr"):
        assert text in saved, text
    assert saved.count(f'href="{relay.demo}/themen/rente.html"') == 1
    assert "nicht gefunden" not in saved and "gibt-es-nicht" not in saved
    # opened on its own, the document shows the list (and nothing runs)
    viewer = citizen.context.new_page()
    viewer.set_content(saved)
    expect(viewer.get_by_role("heading", level=1)).to_have_text("Gemeinsam angesehene Seiten")
    expect(viewer.get_by_role("listitem")).to_have_count(2)
    advisor.context.close()
    citizen.context.close()


def test_printing_keeps_only_the_list_and_a_phone_shows_it_whole(
    browser: Browser, relay: Server
) -> None:
    advisor, citizen = walk_and_end(browser, relay, viewport=PHONE, device_scale_factor=2)
    expect(citizen.get_by_test_id("visited-pages").locator("li")).to_have_count(2)
    assert overflow(citizen) == []
    citizen.emulate_media(media="print")
    expect(citizen.locator("#visited")).to_be_visible()
    expect(citizen.get_by_test_id("visited-record")).to_be_visible()
    for gone in ("header.site-header", "footer.site-footer", ".export-actions", "#ended-heading"):
        expect(citizen.locator(gone)).to_be_hidden()
    expect(citizen.get_by_role("link", name="Zur Startseite", exact=True)).to_be_hidden()
    citizen.emulate_media(media="screen")
    expect(citizen.get_by_role("link", name="Zur Startseite", exact=True)).to_be_visible()
    advisor.context.close()
    citizen.context.close()


def test_a_second_session_in_the_same_console_saves_the_list_once(
    browser: Browser, relay: Server
) -> None:
    """Every session used to wire the export buttons again, so from the
    console's second session on „Als Datei speichern“ saved the list twice."""
    advisor, citizen = walk_and_end(browser, relay)
    citizen.context.close()
    code_el = advisor.get_by_test_id("session-code")
    old_code = code_el.inner_text()
    advisor.get_by_role("button", name="Neue Sitzung").click()
    expect(code_el).not_to_have_text(old_code)  # the new session's code, not the last one
    expect(code_el).to_have_text(re.compile(r"\d{3}\D*\d{3}"))
    code = re.sub(r"\D", "", code_el.inner_text())
    citizen = citizen_join(
        browser.new_context(viewport={"width": 1280, "height": 800}), relay, code
    )
    navigate(advisor, relay.demo + "/themen/rente.html")
    expect(citizen.locator("#page-title")).to_contain_text("Rente")
    end_session(advisor)
    expect(advisor.get_by_test_id("visited-pages").locator("li")).to_have_count(1)
    downloads: list[Download] = []
    advisor.on("download", lambda download: downloads.append(download))
    with advisor.expect_download():
        advisor.get_by_role("button", name="Als Datei speichern").click()
    advisor.wait_for_timeout(1000)  # room for a second download, if one were coming
    assert len(downloads) == 1
    advisor.context.close()
    citizen.context.close()
