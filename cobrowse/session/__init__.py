"""A co-browsing session: who is in it, what page they see, and what they may do.

* :mod:`~cobrowse.session.model` — :class:`CoSession`, :class:`Participant`,
  the :class:`Role` and :class:`State` enums (leaf of the package)
* :mod:`~cobrowse.session.hub` — :class:`SessionHub`: per-session fan-out
  (encode once, bounded queues, latest-wins, replay for late joiners)
* :mod:`~cobrowse.session.store` — :class:`SessionStore`: codes, tokens, join,
  admit, remove, end, sweep
* :mod:`~cobrowse.session.publish` — the page state and publishing a new page
* :mod:`~cobrowse.session.edits` — :class:`PageEdit`: widgets and form values on
  the relay's copy of the page
* :mod:`~cobrowse.session.field_values` — a typed value into the relay's copy;
  a page's field values carried to the same page loaded again (a hand-over)
* :mod:`~cobrowse.session.moves` — the advisor's moves (scroll, hover, pulse, edits)
* :mod:`~cobrowse.session.admission` — admitting, denying, removing, new codes
* :mod:`~cobrowse.session.navigation` — :class:`Navigator`: fetch, build, publish
* :mod:`~cobrowse.session.call` — :class:`Call` and :class:`Services`: what a handler gets
* :mod:`~cobrowse.session.commands` — the one table ``Msg → (roles, body, handler)``
* :mod:`~cobrowse.session.visits` — the visited pages everyone takes home (``ENDED``)

Nothing is re-exported here: import from the submodules (this keeps the
import graph free of circles).
"""
