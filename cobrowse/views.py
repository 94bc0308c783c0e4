"""Server-rendered pages of the relay (landing, Hilfe, Impressum, Datenschutz,
Barrierefreiheit, Leichte Sprache, console).

Templates live in ``cobrowse/templates`` and use ``string.Template``
placeholders. Every value is HTML-escaped unless its name ends in ``_html``,
which marks markup built here from escaped parts.

What the operator configures in ``[site]`` (name, logo, colour, hotline,
imprint, privacy, accessibility statement, consent and easy-language texts,
public host) reaches every page through :data:`SITE`, which
:func:`site_middleware` sets per request from the serving app's config.

Every template also gets the catalogue of the request's language (see
:mod:`cobrowse.i18n`) as ``$t_<id>`` values and ``$lang``; a page that is
mostly prose has a variant per language (``hilfe.en.html``).
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

from cobrowse.config import SiteConfig
from cobrowse.i18n import CATALOGUES, DEFAULT_LANG, LANG, LANG_COOKIE, choose_language, t
from cobrowse.keys import CONFIG
from cobrowse.web_security import form_token, set_cookie, set_form_cookie

__all__ = [
    "SITE",
    "error_block",
    "hotline_html",
    "render",
    "render_page",
    "site_middleware",
    "text_html",
    "visited_section",
]

# The [site] settings of the app serving the current request (placeholders outside one).
SITE: ContextVar[SiteConfig] = ContextVar("site", default=SiteConfig())  # noqa: B039 (frozen)
HOST: ContextVar[str] = ContextVar("host", default="")
_LANG_COOKIE_SECONDS = 365 * 24 * 3600
_SWITCH = {"de": ("en", "English"), "en": ("de", "Deutsch")}


@web.middleware
async def site_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Make the app's ``[site]`` settings, the request's host and its language known
    to :func:`render_page`; ``?lang=de|en`` is remembered in the ``cb_lang`` cookie."""
    site = request.app[CONFIG].site
    SITE.set(site)
    HOST.set(request.host)
    query = request.query.get("lang")
    LANG.set(
        choose_language(
            query,
            request.cookies.get(LANG_COOKIE),
            request.headers.get("Accept-Language", ""),
            site.negotiate_language,
        )
    )
    response = await handler(request)
    if query is not None and query in CATALOGUES and not response.prepared:
        set_cookie(response, request, LANG_COOKIE, query, _LANG_COOKIE_SECONDS)
    return response


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


def hotline_html(site: SiteConfig) -> str:
    """The hotline as a ``tel:`` link ("" when not configured)."""
    href = site.hotline_href()
    if not href:
        return ""
    return f'<a class="hotline" href="{html.escape(href)}">{html.escape(site.hotline)}</a>'


def _operator_text(text: str, placeholder: str, **values: str) -> str:
    """The operator's plain ``text`` as HTML, or the marked ``placeholder`` template."""
    return text_html(text) if text.strip() else render(placeholder, **values)


def _site_values() -> dict[str, str]:
    site = SITE.get()
    logo = site.logo_data_url
    public_host = site.public_host or HOST.get() or t("this_page")
    hotline = hotline_html(site)
    easy_call = f"<p>{html.escape(t('easy_call'))}<br>{hotline}</p>" if hotline else ""
    return {
        "operator": site.operator,
        "public_host": public_host,
        "logo_html": f'<img class="brand-logo" src="{html.escape(logo)}" alt="">' if logo else "",
        "hotline_html": hotline,
        "imprint_html": _operator_text(
            site.imprint, "impressum_platzhalter.html", operator=site.operator
        ),
        "privacy_html": _operator_text(site.privacy, "datenschutz_platzhalter.html"),
        "accessibility_html": _operator_text(
            site.accessibility, "barrierefreiheit_platzhalter.html"
        ),
        "accessibility_contact_html": _operator_text(
            site.accessibility_contact, "barrierefreiheit_kontakt_platzhalter.html"
        ),
        "consent_html": _operator_text(site.consent, "einwilligung_text.html"),
        "easy_html": _operator_text(
            site.easy_language,
            "leichte_sprache_text.html",
            operator=site.operator,
            public_host=public_host,
            easy_call_html=easy_call or f"<p>{html.escape(t('easy_ask'))}</p>",
        ),
    }


def _accent_style(color: str, pointer: str = "#ffcc00") -> str:
    rules = ""
    if color.lower() != SiteConfig().accent_color:
        # Hover colour: the accent mixed with 25 % black (still ≥ 4.5:1 on white).
        dark = "#" + "".join(f"{int(int(color[i : i + 2], 16) * 0.75):02x}" for i in (1, 3, 5))
        rules += f"--accent:{color};--accent-dark:{dark};--focus:{color};"
    if pointer.lower() != SiteConfig().pointer_color:
        rules += f"--pointer:{pointer};"
    return f"<style>:root{{{rules}}}</style>" if rules else ""


@cache
def _template(name: str, lang: str) -> Template:
    folder = resources.files("cobrowse").joinpath("templates")
    variant = folder.joinpath(name.replace(".html", f".{lang}.html"))
    source = variant if lang != DEFAULT_LANG and variant.is_file() else folder.joinpath(name)
    return Template(source.read_text(encoding="utf-8"))


@cache
def _messages(lang: str) -> dict[str, str]:
    texts = {f"t_{key}": html.escape(text, quote=True) for key, text in CATALOGUES[lang].items()}
    return {**texts, "lang": lang}


def render(name: str, **values: str) -> str:
    """Fill template ``name`` (its ``name.<lang>.html`` variant if there is one) in the
    request's language; values are escaped unless their key ends in ``_html``."""
    lang = LANG.get()
    safe = {k: v if k.endswith("_html") else html.escape(v, quote=True) for k, v in values.items()}
    return _template(name, lang).substitute({**_messages(lang), **safe})


def _language_switch() -> str:
    # A query-only link stays on the current page (and can never point elsewhere).
    other, label = _SWITCH[LANG.get()]
    attributes = f'class="lang-switch" href="?lang={other}" lang="{other}" hreflang="{other}"'
    return f"<a {attributes}>{label}</a>"


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
        head_html=_accent_style(SITE.get().accent_color, SITE.get().pointer_color) + head_html,
        lang_switch_html=_language_switch(),
        content_html=content,
        scripts_html=scripts_html,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def visited_section(intro_key: str) -> str:
    """The list of pages seen together, shown on the end screen of the console
    and of the citizen's view (filled by client_js/ended_view.js); ``intro_key``
    is the catalogue text that says to whom the list speaks."""
    return render("visited.html", intro=t(intro_key))


def error_block(element_id: str, message: str) -> str:
    """An inline error message for a form field (referenced by aria-describedby)."""
    return f'<p class="field-error" id="{element_id}" role="alert">{html.escape(message)}</p>'


def render_form_page(
    request: web.Request, name: str, title: str, *, status: int = 200, **values: str
) -> web.Response:
    """:func:`render_page` for a public form (join, login): fills ``$form_token``
    and sets the matching double-submit cookie (see :func:`cobrowse.web_security.form_token_ok`)."""
    token = form_token(request)
    values["form_token"] = token
    response = render_page(
        name, title, status=status, role="public", scripts=(), head_html="", **values
    )
    set_form_cookie(response, request, token)
    return response
