"""Interaction pseudo-classes become classes the client sets (DESIGN principle 5).

No page script runs in a mirror, and a participant's own mouse must not open
menus only on their screen: what counts is where the *advisor* points. So
``:hover``, ``:focus``, ``:focus-visible`` and ``:focus-within`` in every
selector the relay serves (``<style>`` elements and proxied stylesheets) are
rewritten to the classes in :data:`STATE_CLASSES`. The client
(``client_js/hover.js``) puts ``cb-hover`` on the element under the advisor's
pointer and all its ancestors, ``cb-focus`` (and ``cb-focus-visible`` for
keyboard focus) on the advisor's focused element and ``cb-focus-within`` on it
and its ancestors — on every participant's mirror, the advisor's included.

A pseudo-class and a class have the same specificity, so the cascade is
unchanged. Pseudo-elements (``::before``) and at-rule preludes
(``@media (hover: hover)``) are left alone.
"""

from __future__ import annotations

from typing import Any, Final

from tinycss2.ast import FunctionBlock, IdentToken, LiteralToken

__all__ = ["STATE_CLASSES", "rewrite_state_selectors"]

# pseudo-class (lower case) → class the client sets
STATE_CLASSES: Final = {
    "hover": "cb-hover",
    "focus": "cb-focus",
    "focus-visible": "cb-focus-visible",
    "focus-within": "cb-focus-within",
}


def _is_colon(token: Any) -> bool:
    return isinstance(token, LiteralToken) and token.value == ":"


def rewrite_state_selectors(prelude: list[Any]) -> list[Any]:
    """Return the selector tokens ``prelude`` with interaction pseudo-classes as classes.

    ``a:hover > .x:focus-within`` becomes ``a.cb-hover > .x.cb-focus-within``;
    functional pseudo-classes (``:not(:hover)``, ``:is()``, ``:has()``) are
    rewritten inside too. Tokens are changed in place where nested; the
    returned list replaces the prelude.
    """
    out: list[Any] = []
    count = len(prelude)
    i = 0
    while i < count:
        token = prelude[i]
        if _is_colon(token) and i + 1 < count and not (i and _is_colon(prelude[i - 1])):
            name = prelude[i + 1]
            if isinstance(name, IdentToken) and name.lower_value in STATE_CLASSES:
                line, column = token.source_line, token.source_column
                out.append(LiteralToken(line, column, "."))
                out.append(IdentToken(line, column, STATE_CLASSES[name.lower_value]))
                i += 2
                continue
        if isinstance(token, FunctionBlock):
            token.arguments = rewrite_state_selectors(token.arguments)
        out.append(token)
        i += 1
    return out
