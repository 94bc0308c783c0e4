"""Message catalogues of the server-rendered pages and server messages.

German is the default for everyone; English is chosen with the visible
language switch (``?lang=en``, remembered in the ``cb_lang`` cookie) or, when
``[site] negotiate_language`` is true, by the browser's Accept-Language.
Message ids are plain identifiers so templates can use them as
``$t_<id>`` placeholders. Parameters use ``str.format`` fields (``{name}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar

from cobrowse.i18n_catalogue import DE, EN

__all__ = [
    "CATALOGUES",
    "DEFAULT_LANG",
    "LANG",
    "LANGUAGES",
    "LANG_COOKIE",
    "choose_language",
    "placeholders",
    "t",
    "translator",
]

DEFAULT_LANG = "de"
LANGUAGES = ("de", "en")
LANG_COOKIE = "cb_lang"
CATALOGUES: Mapping[str, Mapping[str, str]] = {"de": DE, "en": EN}

# The language of the request being served (German outside one).
LANG: ContextVar[str] = ContextVar("lang", default=DEFAULT_LANG)

_FIELD = re.compile(r"\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    """The ``{name}`` parameters a message uses."""
    return set(_FIELD.findall(text))


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **params)`` for ``lang``: the message in that language, German
    when the language or key is missing there, the key itself when unknown."""
    catalogue = CATALOGUES.get(lang, DE)

    def translate(key: str, **params: object) -> str:
        text = catalogue.get(key) or DE.get(key, key)
        return text.format(**params) if params else text

    return translate


def t(key: str, **params: object) -> str:
    """The message ``key`` in the current request's language."""
    return translator(LANG.get())(key, **params)


def _accept_language(header: str) -> str | None:
    """The first supported language in an Accept-Language header by preference."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else None


def choose_language(
    query: str | None, cookie: str | None, accept_language: str, negotiate: bool
) -> str:
    """The language of a request: an explicit ``?lang=`` wins, then the
    ``cb_lang`` cookie, then (only when ``negotiate``) Accept-Language, else German."""
    for explicit in (query, cookie):
        if explicit in LANGUAGES:
            return str(explicit)
    if negotiate:
        return _accept_language(accept_language) or DEFAULT_LANG
    return DEFAULT_LANG
