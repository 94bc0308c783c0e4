"""The sanitizer's tables: pinned by a golden file, and checked for invariants.

A change to :mod:`cobrowse.pipeline.tables` must show up as a change of
``golden/rules.json`` in review. Regenerate it with
``COBROWSE_UPDATE_GOLDEN=1 pytest tests/pipeline/test_tables.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cobrowse.pipeline import tables
from cobrowse.pipeline.site_rules import attribute_problem

from .helpers import FORBIDDEN_TAGS, URL_ATTRS

GOLDEN = Path(__file__).parent / "golden" / "rules.json"


def _tables() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ns, table in tables.TABLES.items():
        out[ns] = {
            tag: {
                "name": rule.name,
                "attrs": " ".join(sorted(rule.attrs)),
                "kinds": dict(sorted(rule.kinds.items())),
                "flags": [f for f in ("skip_ws", "void", "special") if getattr(rule, f)],
            }
            for tag, rule in sorted(table.items())
        }
    for name in (
        "DROP_WITH_CONTENT",
        "UNWRAP_COUNTED",
        "NEVER_ALLOWED_ATTRS",
        "HOISTED_VOID",
        "FORM_CONTROLS",
        "LAZY_SRC_ATTRS",
        "LAZY_SRCSET_ATTRS",
        "CLOBBER_IDS",
        "CLOBBER_NAMES",
    ):
        value = getattr(tables, name)
        out[name] = sorted(value) if isinstance(value, frozenset) else list(value)
    out["SVG_ATTR_NAMES"] = dict(sorted(tables.SVG_ATTR_NAMES.items()))
    out["MAX_DEPTH"] = tables.MAX_DEPTH
    return out


def test_tables_match_the_golden_file() -> None:
    current = json.dumps(_tables(), indent=1, ensure_ascii=False) + "\n"
    if os.environ.get("COBROWSE_UPDATE_GOLDEN"):
        GOLDEN.write_text(current, encoding="utf-8")
    assert current == GOLDEN.read_text(encoding="utf-8"), (
        "the rules tables changed: review the change, then regenerate the golden file "
        "with COBROWSE_UPDATE_GOLDEN=1"
    )


def test_no_event_handler_or_unrewritten_url_attribute_is_allowed() -> None:
    for ns, table in tables.TABLES.items():
        for tag, rule in table.items():
            for attr in rule.attrs:
                assert not attr.startswith("on"), f"{ns}:{tag} allows {attr}"
                assert attr not in ("srcdoc", "formaction", "ping", "target", "is"), (ns, tag)
                if attr in URL_ATTRS or attr in tables.NEVER_ALLOWED_ATTRS:
                    assert attr in rule.kinds or attr in ("data",), f"{ns}:{tag} {attr} raw"


def test_forbidden_elements_are_never_emitted() -> None:
    assert not (tables.EMITTED_TAGS & FORBIDDEN_TAGS)
    for ns, table in tables.TABLES.items():
        assert not (set(table) & tables.DROP_WITH_CONTENT), ns
        assert not (set(table) & tables.UNWRAP_COUNTED), ns


def test_every_emitted_tag_is_in_its_namespace() -> None:
    for ns, table in tables.TABLES.items():
        for tag, rule in table.items():
            assert rule.name.startswith({"html": "", "svg": "svg:", "math": "math:"}[rule.ns]), (
                ns,
                tag,
            )
            if ns != "html":
                assert rule.ns == ns, (ns, tag)  # no way back to HTML from foreign content


def test_operators_cannot_allow_dangerous_attributes() -> None:
    for name in ["onclick", "href", "src", "srcdoc", "style", "xlink:href", "formaction"]:
        assert attribute_problem(name), name
    assert attribute_problem("itemprop") is None
    assert attribute_problem("Data X")
