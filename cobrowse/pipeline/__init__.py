"""Page pipeline: fetched HTML bytes → sanitized, rewritten node-id tree.

``build_page`` is the one entry point for pages; ``sanitize_stylesheet`` is
what the resource proxy runs over every stylesheet it serves.
"""

from cobrowse.pipeline.css import sanitize_style_attr, sanitize_stylesheet
from cobrowse.pipeline.parse import decode_html, parse_html
from cobrowse.pipeline.sanitize import sanitize_document
from cobrowse.pipeline.snapshot import (
    LINK_TARGET,
    RESOURCE_KINDS,
    FormInfo,
    Page,
    ResourceUrl,
    build_page,
)

__all__ = [
    "LINK_TARGET",
    "RESOURCE_KINDS",
    "FormInfo",
    "Page",
    "ResourceUrl",
    "build_page",
    "decode_html",
    "parse_html",
    "sanitize_document",
    "sanitize_style_attr",
    "sanitize_stylesheet",
]
