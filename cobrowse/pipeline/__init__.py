"""Page pipeline: fetched HTML bytes → sanitized, rewritten node-id tree.

``build_page`` is the one entry point for pages (:mod:`.build`, which also
masks private fields: ``build_shared_page``); its types are in :mod:`.page`;
``sanitize_stylesheet`` is what the resource proxy runs over every
stylesheet it serves (``cached_stylesheet`` is the same through the shared
template cache); ``rules_for`` picks the operator's site rules for a page;
``tree_to_html``/``describe_removed`` show a page to people (:mod:`.preview`).
"""

from cobrowse.pipeline.build import build_page
from cobrowse.pipeline.css import sanitize_style_attr, sanitize_stylesheet
from cobrowse.pipeline.page import LINK_TARGET, RESOURCE_KINDS, FormInfo, Page, ResourceUrl
from cobrowse.pipeline.parse import decode_html, parse_html
from cobrowse.pipeline.preview import describe_removed, tree_to_html
from cobrowse.pipeline.sanitize import sanitize_document
from cobrowse.pipeline.site_rules import NO_RULES, PageRules, rules_for
from cobrowse.pipeline.style_cache import cached_stylesheet

__all__ = [
    "LINK_TARGET",
    "NO_RULES",
    "RESOURCE_KINDS",
    "FormInfo",
    "Page",
    "PageRules",
    "ResourceUrl",
    "build_page",
    "cached_stylesheet",
    "decode_html",
    "describe_removed",
    "parse_html",
    "rules_for",
    "sanitize_document",
    "sanitize_style_attr",
    "sanitize_stylesheet",
    "tree_to_html",
]
