"""Built-in demo "ministry" site for ``cobrowse serve --demo`` and the tests."""

from cobrowse.demo.server import MARKER_ATTRIBUTE, make_demo_app

__all__ = ["MARKER_ATTRIBUTE", "make_demo_app"]
