"""Server-rendered pages of the relay (landing, Hilfe, Impressum, Datenschutz, console).

Templates live in ``cobrowse/templates`` and use ``string.Template``
placeholders. Every value is HTML-escaped unless its name ends in ``_html``,
which marks markup built here from escaped parts.

What the operator configures in ``[site]`` (name, logo, colour, imprint,
privacy text, public host) reaches every page through :data:`SITE`, which
:func:`site_middleware` sets per request from the serving app's config.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import cache
from importlib import resources
from string import Template

from aiohttp import web

from cobrowse.appkeys import CONFIG
from cobrowse.config import SiteConfig

__all__ = ["SITE", "error_block", "render", "render_page", "site_middleware", "text_html"]

# The [site] settings of the app serving the current request (placeholders outside one).
SITE: ContextVar[SiteConfig] = ContextVar("site", default=SiteConfig())  # noqa: B039 (frozen)
HOST: ContextVar[str] = ContextVar("host", default="")


@web.middleware
async def site_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Make the app's ``[site]`` settings and the request's host known to :func:`render_page`."""
    SITE.set(request.app[CONFIG].site)
    HOST.set(request.host)
    return await handler(request)


def text_html(text: str) -> str:
    """Operator plain text as HTML: blank lines separate paragraphs, ``## `` starts a
    heading, single line breaks are kept. Everything is escaped."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if block.startswith("## "):
            head, _, rest = block.partition("\n")
            blocks.append(f"<h2>{html.escape(head[3:].strip())}</h2>")
            block = rest
        if block.strip():
            lines = (html.escape(line.strip()) for line in block.strip().splitlines())
            blocks.append("<p>" + "<br>".join(lines) + "</p>")
    return "\n".join(blocks)


def _site_values() -> dict[str, str]:
    site = SITE.get()
    logo = site.logo_data_url
    return {
        "operator": site.operator,
        "public_host": site.public_host or HOST.get() or "diese Seite",
        "logo_html": f'<img class="brand-logo" src="{html.escape(logo)}" alt="">' if logo else "",
        "imprint_html": text_html(site.imprint)
        if site.imprint.strip()
        else render("impressum_platzhalter.html", operator=site.operator),
        "privacy_html": text_html(site.privacy)
        if site.privacy.strip()
        else render("datenschutz_platzhalter.html"),
    }


def _accent_style(color: str) -> str:
    if color.lower() == SiteConfig().accent_color:
        return ""
    # Hover colour: the accent mixed with 25 % black (still ≥ 4.5:1 on white).
    dark = "#" + "".join(f"{int(int(color[i : i + 2], 16) * 0.75):02x}" for i in (1, 3, 5))
    return f"<style>:root{{--accent:{color};--accent-dark:{dark};--focus:{color}}}</style>"


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
    site = _site_values()
    content = render(name, **{**site, **values})
    scripts_html = "\n".join(
        f'<script type="module" src="/static/js/{html.escape(s)}"></script>' for s in scripts
    )
    body = render(
        "layout.html",
        title=title,
        operator=site["operator"],
        logo_html=site["logo_html"],
        body_class=f"page-{name.removesuffix('.html')}",
        role=role,
        head_html=_accent_style(SITE.get().accent_color) + head_html,
        content_html=content,
        scripts_html=scripts_html,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def error_block(element_id: str, message: str) -> str:
    """An inline error message for a form field (referenced by aria-describedby)."""
    return f'<p class="field-error" id="{element_id}" role="alert">{html.escape(message)}</p>'
