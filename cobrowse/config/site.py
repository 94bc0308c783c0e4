"""The ``[site]`` section: what citizens see of the operator, and its checks."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HOTLINE_RE",
    "PLACEHOLDER_OPERATOR",
    "SiteConfig",
    "contrast_on_white",
    "read_logo",
]

PLACEHOLDER_OPERATOR = "Bürgertelefon (Platzhalter)"
_LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
}
_LOGO_MAX_BYTES = 100_000
# A phone number as people write it: digits, spaces, "+", "/", "-", "(", ")".
HOTLINE_RE = re.compile(r"\+?[0-9(][0-9 ()/-]{2,38}")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """What citizens see of the operator; empty texts show marked placeholders."""

    operator: str = PLACEHOLDER_OPERATOR
    public_host: str = ""  # the address advisors read out, e.g. "begleiter.example.org"
    imprint: str = ""  # plain text; a blank line starts a paragraph, "## " a heading
    privacy: str = ""
    logo: str = ""  # path of an SVG/PNG/JPEG/WebP file (relative to the config file)
    accent_color: str = "#0b4f9c"
    pointer_color: str = "#ffcc00"  # the advisor's pointer and its „Berater/in“ label
    negotiate_language: bool = False  # True: Accept-Language may pick English
    hotline: str = ""  # the number citizens may call, e.g. "030 1234-0" (end screens, lists)
    # Erklärung zur Barrierefreiheit (BITV 2.0, BGG §12b): the operator's part of the
    # statement (state of compliance, date, arbitration body) and the feedback contact.
    accessibility: str = ""
    accessibility_contact: str = ""
    # The notice a citizen confirms before the shared page is shown (empty: the built-in one).
    consent: str = ""
    # Explanations in Leichte Sprache (BITV 2.0 §4; empty: the built-in ones).
    easy_language: str = ""
    logo_data_url: str = ""  # derived from ``logo`` when the file is loaded

    def placeholders(self) -> list[str]:
        """Keys still showing placeholder text to citizens."""
        unset = {"operator": self.operator == PLACEHOLDER_OPERATOR}
        unset |= {"imprint": not self.imprint.strip(), "privacy": not self.privacy.strip()}
        unset |= {
            "accessibility": not self.accessibility.strip(),
            "accessibility_contact": not self.accessibility_contact.strip(),
        }
        return [key for key, placeholder in unset.items() if placeholder]

    def hotline_href(self) -> str:
        """``tel:`` URL of :attr:`hotline` (digits and a leading +), "" when unset."""
        digits = re.sub(r"[^0-9+]", "", self.hotline)
        return f"tel:{digits}" if digits.strip("+") else ""


def contrast_on_white(color: str) -> float:
    """WCAG contrast ratio of ``#rrggbb`` against white (and of white text on it)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def contrast_on_dark(color: str) -> float:
    """WCAG contrast ratio of the pointer label's dark text (#1a1a1a) on ``#rrggbb``."""
    return contrast_on_white("#1a1a1a") / contrast_on_white(color)


def read_logo(name: str, source: str) -> str:
    """The logo file as a ``data:`` URL (allowed by the pages' CSP); ValueError explains.

    ``name`` is the ``[site] logo`` value, relative to the config file
    ``source`` unless absolute (or unless ``source`` is not a file, "<…>").
    """
    path = Path(name)
    if not path.is_absolute() and not source.startswith("<"):
        path = Path(source).parent / path
    kind = _LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"expected an .svg, .png, .jpg or .webp file, got {name!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {str(path)!r} ({exc.strerror})") from None
    if len(data) > _LOGO_MAX_BYTES:
        raise ValueError(f"{str(path)!r} has {len(data)} bytes; at most {_LOGO_MAX_BYTES} allowed")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
