"""Server-rendered pages of the relay (landing, Hilfe, Impressum, Datenschutz, console).

Templates live in ``cobrowse/templates`` and use ``string.Template``
placeholders. Every value is HTML-escaped unless its name ends in ``_html``,
which marks markup built here from escaped parts.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template

from aiohttp import web

__all__ = ["error_block", "render", "render_page"]

OPERATOR = "Bürgertelefon (Demo)"


@cache
def _template(name: str) -> Template:
    text = resources.files("cobrowse").joinpath("templates", name).read_text(encoding="utf-8")
    return Template(text)


def render(name: str, **values: str) -> str:
    """Fill template ``name``; values are escaped unless their key ends in ``_html``."""
    safe = {k: v if k.endswith("_html") else html.escape(v, quote=True) for k, v in values.items()}
    return _template(name).substitute(safe)


def render_page(
    name: str,
    title: str,
    *,
    status: int = 200,
    role: str = "public",
    scripts: tuple[str, ...] = (),
    head_html: str = "",
    **values: str,
) -> web.Response:
    """A full page: template ``name`` inside the shared layout with header and footer."""
    content = render(name, operator=OPERATOR, **values)
    scripts_html = "\n".join(
        f'<script type="module" src="/static/js/{html.escape(s)}"></script>' for s in scripts
    )
    body = render(
        "layout.html",
        title=title,
        operator=OPERATOR,
        body_class=f"page-{name.removesuffix('.html')}",
        role=role,
        head_html=head_html,
        content_html=content,
        scripts_html=scripts_html,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def error_block(element_id: str, message: str) -> str:
    """An inline error message for a form field (referenced by aria-describedby)."""
    return f'<p class="field-error" id="{element_id}" role="alert">{html.escape(message)}</p>'
