"""The server's tree is the DOM the browser gets: nothing parses HTML on the way.

The sanitizer's guarantees hold for the tree it emits. They would not hold
if the client turned markup into DOM through an HTML parser (``innerHTML``
and friends re-parse, which is what mutation XSS exploits), or if the mirror
frame could run script. So: no HTML-parsing sink anywhere in the client,
the mirror iframe is sandboxed without ``allow-scripts``, and the tree goes
over the wire as data (nested lists), never as an HTML string.
"""

from __future__ import annotations

import re
from pathlib import Path

from cobrowse.protocol import Msg, encode, read_frame

from .helpers import iter_nodes, page

ROOT = Path(__file__).resolve().parents[2]
# Every DOM API that parses a string as HTML (or runs it), and srcdoc.
SINKS = re.compile(
    r"\.(?:innerHTML|outerHTML)\s*[+]?=(?!=)|insertAdjacentHTML|document\.write|DOMParser|"
    r"createContextualFragment|setHTMLUnsafe|parseHTMLUnsafe|\bsrcdoc\b|\beval\s*\(|"
    r"new\s+Function\s*\(|setTimeout\s*\(\s*['\"`]"
)


def test_client_has_no_html_parsing_sink() -> None:
    sources = sorted((ROOT / "client_js").glob("*.js"))
    assert sources, "client_js is missing"
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            assert not SINKS.search(line), f"{path.name}:{number}: {line.strip()}"


def test_mirror_frames_are_sandboxed_without_scripts() -> None:
    frames = 0
    for path in (ROOT / "cobrowse" / "templates").glob("*.html"):
        for tag in re.findall(r"<iframe\b[^>]*>", path.read_text(encoding="utf-8")):
            frames += 1
            sandbox = re.search(r'sandbox="([^"]*)"', tag)
            assert sandbox is not None, f"{path.name}: {tag}"
            assert "allow-scripts" not in sandbox.group(1), f"{path.name}: {tag}"
    assert frames >= 2  # the advisor's and the citizen's mirror


def test_tree_goes_over_the_wire_as_data() -> None:
    result = page('<p title="<b>x</b>">a &lt;i&gt; b</p><style>p{color:red}</style>')
    frame = encode(
        Msg.SNAPSHOT, 1, {"page": 1, "url": result.url, "title": "", "tree": result.tree}
    )
    tree = read_frame(frame)[2]["tree"]
    assert tree == result.tree
    texts = [node[1] for node in iter_nodes(tree) if len(node) == 2]
    assert "a <i> b" in texts  # text stays text: the client makes a text node of it
    p = next(node for node in iter_nodes(tree) if len(node) == 4 and node[1] == "p")
    assert p[2] == {"title": "<b>x</b>"}  # an attribute value, set with setAttribute
