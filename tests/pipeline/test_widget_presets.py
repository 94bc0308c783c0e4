"""The built-in widget presets are operator rules: same schema, readable as TOML,
marked on pages without any [[rules]], turned off per host by name."""

from __future__ import annotations

import json
import tomllib

import pytest

from cobrowse.config import HostPattern, HostRule
from cobrowse.pipeline import NO_RULES, build_page, rules_for
from cobrowse.pipeline.site_rules import WIDGET_ATTR, parse_host_rule
from cobrowse.pipeline.widget_presets import PRESET_NAMES, PRESETS, WidgetPreset
from cobrowse.pipeline.widget_rules import parse_widget

URL = "https://www.example.de/"
PAGE = b"""<!DOCTYPE html><html><body>
<button id="bs" data-bs-toggle="collapse" data-bs-target="#c" aria-controls="c"
  aria-expanded="false">B</button><div id="c" class="collapse">c</div>
<button id="aria" aria-expanded="false" aria-controls="p">A</button><div id="p" hidden>p</div>
<button id="plain">nothing</button>
</body></html>"""


@pytest.mark.parametrize("preset", PRESETS, ids=PRESET_NAMES)
def test_each_preset_reads_back_from_its_toml_as_the_same_rule(preset: WidgetPreset) -> None:
    rule = preset.rule
    table = tomllib.loads(rule.as_toml())["rules"]["widgets"][0]
    parsed, problems = parse_widget(table)
    assert problems == [] and parsed == rule


def test_pages_without_rules_get_preset_marks_and_the_bootstrap_one_wins() -> None:
    page = build_page(PAGE, "text/html", URL, lambda u, k: None, NO_RULES)
    marks = {}
    stack = [page.tree]
    while stack:
        node = stack.pop()
        if len(node) == 4:
            if WIDGET_ATTR in node[2]:
                marks[node[2].get("id")] = json.loads(node[2][WIDGET_ATTR])["behaviour"]
            stack.extend(node[3])
    assert marks == {"bs": "collapse", "aria": "disclosure"}
    assert page.removed["preset:bootstrap-collapse"] == 1


def test_disable_presets_by_name_or_all() -> None:
    host = HostPattern.parse("www.example.de")
    some = rules_for((HostRule(host, disable_presets=("aria-tabs", "burger")),), URL)
    assert [p.name for p in some.presets] == [
        n for n in PRESET_NAMES if n not in ("aria-tabs", "burger")
    ]
    assert rules_for((HostRule(host, disable_presets=("all",)),), URL).presets == ()
    assert rules_for((HostRule(host),), "https://other.example/").presets == PRESETS


def test_disable_presets_must_name_presets() -> None:
    rule, problems = parse_host_rule({"host": "a.example", "disable_presets": ["nope", 3]})
    assert rule is not None and [p.key for p in problems] == ["disable_presets"]
    _, problems = parse_host_rule({"host": "a.example", "disable_presets": ["nope"]})
    assert "'nope' is not a preset" in problems[0].message


def test_a_behaviour_other_than_toggle_acts_on_the_named_target_only() -> None:
    rule, problems = parse_widget({"trigger": ".x", "behaviour": "collapse"})
    assert problems == [] and rule is not None and rule.target == "named"
    _, problems = parse_widget({"trigger": ".x", "behaviour": "tabs", "target": "#y"})
    assert problems == [("target", "behaviour 'tabs' acts on its \"named\" target only")]
    _, problems = parse_widget({"trigger": ".x", "behaviour": "explode"})
    assert problems[0][0] == "behaviour" and "not a behaviour" in problems[0][1]


EVERY_KIND = b"""<!DOCTYPE html><html><body>
<button data-bs-toggle="collapse" data-bs-target="#a">1</button>
<a data-toggle="collapse" href="#a">2</a><a data-toggle="tab" href="#t">3</a>
<button data-bs-toggle="pill" data-bs-target="#t">4</button>
<a data-toggle="dropdown" href="#">5</a><button data-bs-toggle="dropdown">6</button>
<a class="navbar-burger" data-target="m">7</a>
<button class="menu-toggle" aria-controls="m">8</button><a class="burger" href="#m">9</a>
<button class="hamburger x" data-bs-target="#m">10</button><button class="nav-toggle">no</button>
<div role="tab" aria-controls="p">11</div><div role="tab">no</div>
<button aria-expanded="false" aria-controls="p">12</button>
<button aria-haspopup="menu" aria-controls="p">13</button><a aria-haspopup="true" href="/x">no</a>
<button data-bs-dismiss="modal">14</button><button data-dismiss="alert">15</button>
<dialog open><form method="dialog"><button>16</button></form></dialog>
<button data-bs-dismiss="tooltip">no</button>
</body></html>"""


def test_the_one_pass_candidate_search_finds_what_each_preset_selector_finds() -> None:
    from cobrowse.pipeline.parse import parse_html
    from cobrowse.pipeline.selectors import select, select_among
    from cobrowse.pipeline.widget_presets import candidates

    root = parse_html(EVERY_KIND, "text/html")
    found = candidates(root)
    matched = set()
    for preset in PRESETS:
        full = select(preset.rule.trigger, root)
        assert select_among(preset.rule.trigger, found, root) == full, preset.name
        matched |= {el.text for el in full}
    assert matched == {str(n) for n in range(1, 17)}  # every kind, no decoy
