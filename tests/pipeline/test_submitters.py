"""Forms' submit buttons: formmethod/formaction honoured, blocking marked where it applies."""

from __future__ import annotations

from typing import Any

from cobrowse.config import HostPattern, HostRule
from cobrowse.pipeline import FormInfo, build_page, rules_for
from cobrowse.pipeline.submitters import BLOCKED_FORM_TITLE

from .helpers import PAGE_URL, assert_safe, fake_resource_url, iter_nodes


def _build(
    fragment: str, allow_post: bool = False
) -> tuple[dict[str, list[Any]], dict[int, FormInfo]]:
    body = f"<!DOCTYPE html><html><body>{fragment}</body></html>".encode()
    rules = rules_for([HostRule(HostPattern.parse("example.org"), allow_post_forms=True)], PAGE_URL)
    page = build_page(body, None, PAGE_URL, fake_resource_url, rules if allow_post else None)
    assert_safe(page.tree)
    named = {n[2]["id"]: n for n in iter_nodes(page.tree) if len(n) == 4 and "id" in n[2]}
    return named, page.forms


def test_a_post_button_in_a_get_form_is_blocked_and_recorded_as_post() -> None:
    nodes, forms = _build(
        '<form id="f" action="/suche"><input name="q"><button id="go">Suchen</button>'
        '<button id="save" formmethod="post" formaction="/merken">Merken</button></form>'
    )
    assert forms[nodes["f"][0]] == FormInfo("get", "https://example.org/suche")
    assert nodes["go"][0] not in forms and "disabled" not in nodes["go"][2]
    save = nodes["save"]
    assert forms[save[0]] == FormInfo("post", "https://example.org/merken", enabled=False)
    assert save[2]["disabled"] == "" and save[2]["title"] == BLOCKED_FORM_TITLE
    assert "formmethod" not in save[2] and "formaction" not in save[2]


def test_formaction_is_honoured_and_allowed_posts_are_enabled() -> None:
    nodes, forms = _build(
        '<form id="f" action="/a"><input type="submit" id="b" formaction="../b?x=1">'
        '<button id="p" formmethod="POST">P</button></form>',
        allow_post=True,
    )
    assert forms[nodes["b"][0]] == FormInfo("get", "https://example.org/b?x=1")
    assert forms[nodes["p"][0]] == FormInfo("post", "https://example.org/a")
    assert "disabled" not in nodes["p"][2]


def test_a_get_button_in_a_blocked_post_form_still_searches() -> None:
    nodes, forms = _build(
        '<form id="f" method="post" action="/senden"><input name="q">'
        '<button id="send">Senden</button>'
        '<button id="search" formmethod="get" formaction="/suche">Suchen</button></form>'
    )
    assert forms[nodes["f"][0]].enabled is False
    assert nodes["send"][2]["disabled"] == ""
    assert forms[nodes["search"][0]] == FormInfo("get", "https://example.org/suche")
    assert "disabled" not in nodes["search"][2]


def test_a_blocked_form_is_not_announced_as_disabled_as_a_whole() -> None:
    """Only the submit controls are disabled; fields, links and the form itself are not."""
    nodes, _ = _build(
        '<form id="f" method="post" action="/s"><input id="name" name="n">'
        '<a id="hilfe" href="/hilfe">Hilfe</a><button id="b" type="button">Prüfen</button>'
        '<button id="send">Senden</button></form>'
    )
    for key in ("f", "name", "hilfe", "b"):
        assert "aria-disabled" not in nodes[key][2] and "disabled" not in nodes[key][2]
    assert nodes["f"][2]["data-cobrowse-blocked"] == "post"
    assert nodes["send"][2]["title"] == BLOCKED_FORM_TITLE  # the button's description


def test_a_script_formaction_blocks_the_button() -> None:
    nodes, forms = _build(
        '<form id="f" action="/a"><button id="x" formaction="javascript:alert(1)">X</button>'
        '<button id="d" formaction="data:text/html,x">D</button></form>'
    )
    for key in ("x", "d"):
        assert nodes[key][2]["disabled"] == ""
        assert forms[nodes[key][0]].enabled is False
    assert "javascript" not in str(forms) and "data:" not in str(forms)
