"""Per-host admin rules: remove/unwrap/hide by selector, attributes, lazy images, forms,
widget marks."""

from __future__ import annotations

import json

import pytest

from cobrowse.config import HostPattern, HostRule
from cobrowse.pipeline import NO_RULES, build_page, rules_for
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.page import Node
from cobrowse.pipeline.sanitize import BLOCKED_FORM_TITLE
from cobrowse.pipeline.site_rules import (
    WIDGET_ATTR,
    WIDGET_TARGET_ATTR,
    WidgetRule,
    selector_problem,
)

from .helpers import PAGE_URL, assert_safe, body_html, fake_resource_url, r

# How a submit control of a blocked form is marked: disabled, and why (its description).
_BLOCKED = f' disabled="" title="{BLOCKED_FORM_TITLE}" data-cobrowse-blocked="post"'


def rule(host: str = "example.org", **kw: object) -> HostRule:
    return HostRule(HostPattern.parse(host), **kw)  # type: ignore[arg-type]


def sanitize(fragment: str, *rules: HostRule, url: str = PAGE_URL) -> str:
    body = f"<!DOCTYPE html><html><body>{fragment}</body></html>".encode()
    result = build_page(body, "text/html", url, fake_resource_url, rules_for(rules, url))
    assert_safe(result.tree)
    return body_html(result)


def test_remove_keeps_the_text_around() -> None:
    html = 'a<div id="cookie-banner">Cookies? <b>Ja</b></div>b<p class="chat x">c</p>d'
    out = sanitize(html, rule(remove=("#cookie-banner", "p.chat")))
    assert out == "abd"


def test_unwrap_keeps_content_and_order() -> None:
    html = "<p>1<span class=w>2<b>3</b>4</span>5</p><div class=w></div>6"
    assert sanitize(html, rule(unwrap=(".w",))) == "<p>12<b>3</b>45</p>6"


def test_hide_appends_display_none() -> None:
    html = '<nav style="color: red">n</nav><aside>a</aside>'
    out = sanitize(html, rule(hide=("nav", "aside")))
    assert out == (
        '<nav style="color:red;display:none!important">n</nav>'
        '<aside style="display:none!important">a</aside>'
    )


def test_removed_counts_name_the_rule() -> None:
    body = b"<body><div class=ad>x</div><div class=ad>y</div><i>z</i></body>"
    rules = rules_for((rule(remove=(".ad",), unwrap=("i",)),), PAGE_URL)
    result = build_page(body, None, PAGE_URL, fake_resource_url, rules)
    assert result.removed["rule:remove:.ad"] == 2
    assert result.removed["rule:unwrap:i"] == 1


def test_rules_cannot_bring_back_what_the_sanitizer_removes() -> None:
    html = '<div class=keep onclick="x()"><script>alert(1)</script><b>ok</b></div>'
    out = sanitize(html, rule(unwrap=("script",), allow_attributes=("itemprop",)))
    assert out == '<div class="keep"><b>ok</b></div>'


def test_allow_and_forbid_attributes() -> None:
    html = '<p itemprop="name" class="c" data-x="1" title="t">p</p>'
    assert sanitize(html) == '<p class="c" data-x="1" title="t">p</p>'
    out = sanitize(
        html, rule(allow_attributes=("itemprop",), forbid_attributes=("title", "data-x"))
    )
    assert out == '<p itemprop="name" class="c">p</p>'


def test_lazy_image_attributes_from_the_rule() -> None:
    html = '<img src="blank.gif" data-echo="/real.jpg"><img data-lazy-srcset="/a.jpg 2x">'
    assert sanitize(html) == (
        f'<img src="{r("https://example.org/dir/blank.gif")}" data-echo="/real.jpg">'
        f'<img srcset="{r("https://example.org/a.jpg")} 2x">'
    )
    out = sanitize('<img data-echo="/real.jpg">', rule(lazy_image_attributes=("data-echo",)))
    assert out == f'<img src="{r("https://example.org/real.jpg")}">'


def test_post_forms_are_disabled_unless_allowed() -> None:
    """Fields stay usable (the advisor shows how to fill them in); sending is off."""
    html = "<form method=post action=/send><input name=a><button>Senden</button></form>"
    blocked = sanitize(html)
    assert blocked == (
        '<form method="post" data-cobrowse-blocked="post" action="/link"><input name="a">'
        f"<button{_BLOCKED}>Senden</button></form>"
    )
    allowed = sanitize(html, rule(allow_post_forms=True))
    assert allowed == (
        '<form method="post" action="/link"><input name="a"><button>Senden</button></form>'
    )


def test_post_form_info_records_whether_it_may_be_sent() -> None:
    body = b"<form method=post action=/send></form><form action=/suche></form>"
    plain = build_page(body, None, PAGE_URL, fake_resource_url)
    assert [f.enabled for f in plain.forms.values()] == [False, True]
    rules = rules_for((rule(allow_post_forms=True),), PAGE_URL)
    allowed = build_page(body, None, PAGE_URL, fake_resource_url, rules)
    assert [f.enabled for f in allowed.forms.values()] == [True, True]


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("example.org", "https://example.org/x", True),
        ("example.org", "http://example.org:8080/x", True),
        ("example.org", "https://www.example.org/x", False),
        ("*.example.org", "https://www.example.org/x", True),
        ("*.example.org", "https://example.org/x", False),
        ("example.org:8080", "https://example.org/x", False),
        ("example.org:8080", "http://example.org:8080/", True),
        ("example.org", "https://EXAMPLE.org./", True),
    ],
)
def test_host_matching(pattern: str, url: str, matches: bool) -> None:
    rules = rules_for((rule(pattern, allow_post_forms=True),), url)
    assert rules.allow_post_forms is matches
    assert (rules is NO_RULES) is not matches


def test_matching_rules_are_merged() -> None:
    rules = rules_for(
        (rule("*.example.org", remove=("#a",)), rule("www.example.org", remove=("#b", "#a"))),
        "https://www.example.org/",
    )
    assert rules.remove == ("#a", "#b")


@pytest.mark.parametrize("selector", ["", "div[", "a::before", "p >", "#"])
def test_bad_selectors_are_reported(selector: str) -> None:
    assert selector_problem(selector)


@pytest.mark.parametrize("selector", ["#cookie", "div.chat > p", "a:not(.x)", "[data-x='1']"])
def test_good_selectors_pass(selector: str) -> None:
    assert selector_problem(selector) is None


def test_every_submitter_of_a_blocked_form_is_disabled() -> None:
    html = (
        "<form method=post><fieldset><button type=button>Hilfe</button><button>Los</button>"
        "<input type=submit><input type=image src=go.png alt=Go><input type=reset>"
        "<input type=checkbox name=c></fieldset></form>"
    )
    out = sanitize(html)
    assert f'<button type="button">Hilfe</button><button{_BLOCKED}>Los</button>' in out
    assert f'<input type="submit"{_BLOCKED}>' in out
    assert f'alt="Go"{_BLOCKED}>' in out
    assert '<input type="reset"><input type="checkbox" name="c">' in out


def test_mask_rule_marks_fields_private_through_the_whole_pipeline() -> None:
    """An operator's ``mask`` selector marks a field; the relay's page copy keeps
    the mark (and refuses typed values for it), while a page cannot fake others."""
    from cobrowse.config import HostPattern, HostRule
    from cobrowse.pipeline.site_rules import MASK_ATTR, rules_for

    html = (
        b"<form action='/suche'><input id='kundennummer' name='kn'>"
        b"<input id='frei' name='q' data-cb-highlight='1'></form>"
    )
    rule = HostRule(host=HostPattern.parse("www.example.org"), mask=("#kundennummer",))
    page = build_shared_page(
        html,
        "text/html",
        "https://www.example.org/",
        lambda url, kind: None,
        rules_for((rule,), "https://www.example.org/"),
    )
    fields: dict[str, dict[str, str]] = {}
    stack = [page.tree]
    while stack:
        node = stack.pop()
        if len(node) == 4:
            if node[1] == "input":
                fields[node[2]["id"]] = node[2]
            stack.extend(node[3])
    assert MASK_ATTR in fields["kundennummer"]
    assert MASK_ATTR not in fields["frei"]
    assert "data-cb-highlight" not in fields["frei"]


# --- widget rules (marks for cobrowse.session.edits) -------------------------------------


def widget(trigger: str, target: str, **kw: object) -> WidgetRule:
    return WidgetRule(trigger, target, **kw)  # type: ignore[arg-type]


def shared(fragment: str, *rules: HostRule) -> Node:
    """The body node as the session gets it (pipeline, then prepare_tree)."""
    body = f"<!DOCTYPE html><html><body>{fragment}</body></html>".encode()
    page = build_shared_page(
        body, "text/html", PAGE_URL, fake_resource_url, rules_for(rules, PAGE_URL)
    )
    assert_safe(page.tree)
    return next(n for n in page.tree[3] if len(n) == 4 and n[1] == "body")


def by_class(root: Node, name: str) -> list[Node]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if len(node) == 4:
            if name in str(node[2].get("class", "")).split():
                found.append(node)
            stack.extend(reversed(node[3]))
    return found


BURGER = (
    '<button class="nav-toggle">Menü</button><nav id="main-nav"><a href="/a">A</a></nav>'
    '<h3 class="acc-head">1</h3><div class="acc-body">x</div>'
)


def test_widget_triggers_and_page_targets_are_marked() -> None:
    rules = rule(
        widgets=(
            widget(".nav-toggle", "#main-nav", toggle_class="is-open"),
            widget(".acc-head", "next", toggle_class="open", group=True),
        )
    )
    body = shared(BURGER, rule(remove=(".ad",)), rules)
    (button,) = by_class(body, "nav-toggle")
    (head,) = by_class(body, "acc-head")
    assert json.loads(button[2][WIDGET_ATTR]) == {
        "rule": 0,
        "target": "",
        "class": "is-open",
        "attribute": "",
        "trigger_class": "",
        "group": False,
        "behaviour": "toggle",
    }
    assert json.loads(head[2][WIDGET_ATTR])["target"] == "next"
    nav = next(n for n in body[3] if n[1] == "nav")
    assert nav[2][WIDGET_TARGET_ATTR] == "0"
    # Relative targets are found when clicked: nothing marked.
    (panel,) = by_class(body, "acc-body")
    assert WIDGET_TARGET_ATTR not in panel[2]


def test_a_target_of_several_rules_lists_them_and_the_first_rule_wins_a_trigger() -> None:
    rules = rule(
        widgets=(
            widget("button", "nav", toggle_class="a"),
            widget(".nav-toggle", "nav", toggle_class="b"),
        )
    )
    body = shared(BURGER, rules)
    (button,) = by_class(body, "nav-toggle")
    assert json.loads(button[2][WIDGET_ATTR])["class"] == "a"
    nav = next(n for n in body[3] if n[1] == "nav")
    assert nav[2][WIDGET_TARGET_ATTR] == "0 1"


FAKE = (
    '<div class="nav-toggle" data-cb-widget=\'{"rule":0,"target":"self","class":"x",'
    '"attribute":"hidden","trigger_class":"","group":false}\'>m</div>'
    '<nav id="main-nav" data-cb-widget-target="0 1">n</nav>'
    '<p data-cb-widget="1" data-cb-widget-target="0" data-cb-highlight="">p</p>'
    '<P DATA-CB-WIDGET=\'{"rule":0}\' Data-Cb-Widget-Target="0">q</P>'
    '<svg><g data-cb-widget="{}" data-cb-widget-target="0"><rect/></g></svg>'
    '<math><mi data-cb-widget="{}">x</mi></math>'
)


@pytest.mark.parametrize("with_rules", [False, True], ids=["no-rules", "widget-rules"])
def test_a_page_cannot_fake_widget_marks(with_rules: bool) -> None:
    rules = (
        [rule(widgets=(widget("nav", "self", toggle_attribute="hidden"),))] if with_rules else []
    )
    body = shared(FAKE, *rules)
    marks, stack = [], [body]
    while stack:
        node = stack.pop()
        if len(node) == 4:
            marks += [
                (node[1], k, v) for k, v in node[2].items() if k.lower().startswith("data-cb")
            ]
            stack.extend(node[3])
    if with_rules:  # only what the operator's rule marked
        assert marks == [
            ("nav", WIDGET_ATTR, widget("nav", "self", toggle_attribute="hidden").mark(0))
        ]
    else:
        assert marks == []


def test_widget_rules_only_apply_to_their_host() -> None:
    rules = rule("www.example.de", widgets=(widget(".nav-toggle", "#main-nav", toggle_class="o"),))
    assert rules_for((rules,), "https://www.example.de/x").widgets == rules.widgets
    assert rules_for((rules,), PAGE_URL) is NO_RULES
    body = shared(BURGER, rules)
    assert WIDGET_ATTR not in by_class(body, "nav-toggle")[0][2]


def test_removed_counts_name_the_widget_rule() -> None:
    rules = rules_for((rule(widgets=(widget("h3", "next", toggle_class="o"),)),), PAGE_URL)
    page = build_page(
        f"<body>{BURGER}<h3>2</h3>".encode(), None, PAGE_URL, fake_resource_url, rules
    )
    assert page.removed["rule:widget:h3"] == 2
