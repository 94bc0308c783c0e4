"""Build a page: fetched HTML bytes in, the :class:`~cobrowse.pipeline.page.Page`
every participant gets out.

:func:`build_page` is the pipeline proper (parse, host rules, one sanitizing
walk); :func:`build_shared_page` adds the masking of private form fields
(:func:`prepare_tree`) and is what the page workers run for every fetched
HTML document (:mod:`cobrowse.page_worker`).

Masking: before a page is sent, form fields that must stay private
(passwords, and what :class:`MaskRules` names) are marked ``data-cb-masked``;
the advisor's client never sends their values, and the relay refuses
``INPUT_SET`` for them anyway (defence in depth, :mod:`cobrowse.session.publish`).
``data-cb-*`` attributes from the page itself are dropped, so a page can
neither fake a highlight nor unmask a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from cobrowse.pipeline.collector import COLLECTOR_PAUSED
from cobrowse.pipeline.page import Node, Page, ResourceUrl
from cobrowse.pipeline.parse import parse_html
from cobrowse.pipeline.sanitize import sanitize_document
from cobrowse.pipeline.site_rules import (
    MASK_ATTR,
    NO_RULES,
    WIDGET_ATTR,
    WIDGET_TARGET_ATTR,
    PageRules,
)

__all__ = [
    "DEFAULT_MASK",
    "MaskRules",
    "build_page",
    "build_shared_page",
    "prepare_tree",
]


def build_page(
    body: bytes,
    content_type: str | None,
    url: str,
    resource_url: ResourceUrl,
    rules: PageRules | None = None,
) -> Page:
    """Parse and sanitize one fetched HTML document.

    ``body`` is the raw response body, ``content_type`` the response's
    Content-Type header (charset is honoured), ``url`` the final URL after
    redirects (relative URLs resolve against it; ``<base>`` is ignored),
    ``rules`` the host's admin rules (see :func:`site_rules.rules_for`).
    Never raises for any input bytes; broken markup yields a best-effort page.
    Safe to call from several threads at once.
    """
    with COLLECTOR_PAUSED:  # the new tree has no cycles (.collector)
        root = parse_html(body, content_type)
        return sanitize_document(root, url, resource_url, rules or NO_RULES)


# --- masking ----------------------------------------------------------------------

_RESERVED: Final = "data-cb-"
# Set by the pipeline; the page's own were stripped before (sanitize_document).
_PIPELINE_MARKS: Final = frozenset({MASK_ATTR, WIDGET_ATTR, WIDGET_TARGET_ATTR})
_FIELDS: Final = frozenset({"input", "textarea", "select"})


@dataclass(frozen=True, slots=True)
class MaskRules:
    """Which form fields are private: by input type, ``autocomplete`` token, or name/id."""

    input_types: frozenset[str] = frozenset({"password"})
    autocomplete: frozenset[str] = frozenset(
        {"current-password", "new-password", "one-time-code", "cc-number", "cc-csc", "cc-exp"}
    )
    names: re.Pattern[str] = re.compile(
        r"passw|kennwort|geheim|secret|(?<![a-z])(?:pin|tan)(?![a-z])|iban|cvc|cvv|kreditkarte",
        re.IGNORECASE,
    )

    def masks(self, tag: str, attrs: dict[str, str]) -> bool:
        """True if the field ``tag``/``attrs`` must never show its value to others."""
        if tag == "input" and attrs.get("type", "").strip().lower() in self.input_types:
            return True
        if set(attrs.get("autocomplete", "").lower().split()) & self.autocomplete:
            return True
        label = " ".join(attrs.get(k, "") for k in ("name", "id"))
        return bool(label.strip()) and self.names.search(label) is not None


DEFAULT_MASK: Final = MaskRules()


def prepare_tree(root: Node, rules: MaskRules = DEFAULT_MASK) -> None:
    """Drop the page's own ``data-cb-*`` attributes (a page must not fake a
    highlight) and mark private fields ``data-cb-masked``, in place. A mark
    already there stays: the operator's ``mask`` rules set it in the
    pipeline, and a page that marks a field itself only hides more. So do
    the widget marks of the operator's widget rules (the pipeline dropped
    the page's own before setting them)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if len(node) != 4:
            continue
        attrs = node[2]
        if attrs:
            for name in [n for n in attrs if n.startswith(_RESERVED) and n not in _PIPELINE_MARKS]:
                del attrs[name]
        if node[1] in _FIELDS and rules.masks(node[1], attrs):
            attrs[MASK_ATTR] = ""
        stack.extend(node[3])


def build_shared_page(
    body: bytes,
    content_type: str | None,
    url: str,
    resource_url: ResourceUrl,
    rules: PageRules | None = None,
) -> Page:
    """:func:`build_page` (with the host's ``rules``), then :func:`prepare_tree`:
    the page as every participant gets it (what
    :func:`cobrowse.session.publish.publish_page` expects). Runs in a page worker
    (:mod:`cobrowse.page_worker`)."""
    page = build_page(body, content_type, url, resource_url, rules)
    prepare_tree(page.tree)
    return page
