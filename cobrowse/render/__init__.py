"""Optional server-side rendering for ``[[rules]] render = "browser"`` hosts.

Pages that only scripts build are loaded in a headless Chromium on the
relay (Playwright; ``pip install 'cobrowse[render]'``), isolated per session
and with every request going through the relay's own fetcher; the DOM they
settle on goes through the same sanitizing pipeline as a fetched page, so
participants still get a node tree and never a script. See
:mod:`~cobrowse.render.renderer` (the relay's side),
:mod:`~cobrowse.render.page` (a session's browser),
:mod:`~cobrowse.render.network` (the request guard),
:mod:`~cobrowse.render.browser` (launching, load slots),
:mod:`~cobrowse.render.priority` (yielding the CPU to the relay),
:mod:`~cobrowse.render.live` (live updates) and
:mod:`~cobrowse.render.learn` (``cobrowse audit --learn``).

Importing this package needs Playwright; the app imports it only when a
rule asks for ``render = "browser"``.
"""

from __future__ import annotations

from cobrowse.render.renderer import LivePage, Rendered, Renderer, render_mode

__all__ = ["LivePage", "Rendered", "Renderer", "render_mode"]
