"""``cobrowse check-config FILE --explain HOST``: what the relay does to pages of a host.

Prints the operator's ``[[rules]]`` that match the host, then every
built-in widget preset as the ``[[rules.widgets]]`` table it is (marked when a
rule's ``disable_presets`` turns it off), so an operator can read, copy and
override them.
"""

from __future__ import annotations

import json

from cobrowse.config import Config
from cobrowse.pipeline.site_rules import AUTOMATIC_FIXES, NO_RULES, rules_for
from cobrowse.pipeline.widget_presets import PRESETS

__all__ = ["explain_host"]


def explain_host(config: Config, host: str) -> list[str]:
    """The lines to print for ``host`` ("www.example.org" or with a port)."""
    url = host if "://" in host else f"https://{host}/"
    rules = rules_for(config.rules, url)
    active = {p.name for p in rules.presets}
    lines = [f"Rules for {host}:"]
    own = [rule for rule in config.rules if rules_for((rule,), url) is not NO_RULES]
    if not own:
        lines.append("  no [[rules]] match this host")
    for rule in own:
        pattern = rule.host
        if pattern is None:
            lines.append("  [pipeline] (every host)")
        else:
            name = ("*." if pattern.wildcard else "") + pattern.host
            name += f":{pattern.port}" if pattern.port is not None else ""
            lines.append(f'  [[rules]] host = "{name}"')
        for key in AUTOMATIC_FIXES:
            value = getattr(rule, key)
            if value is not None:
                lines.append(f"    {key} = {'true' if value else 'false'}")
        for key in ("remove", "unwrap", "hide", "mask", "disable_presets"):
            values = getattr(rule, key)
            if values:
                lines.append(f"    {key} = {json.dumps(list(values))}")
        for widget in rule.widgets:
            lines.extend("    " + line for line in widget.as_toml().splitlines())
    lines.append("Built-in widget presets (after your own [[rules.widgets]], first match wins):")
    for preset in PRESETS:
        state = "on" if preset.name in active else "OFF (disable_presets)"
        lines.append(f"  # {preset.name}: {state} - {preset.about}")
        lines.extend("  " + line for line in preset.rule.as_toml().splitlines())
    return lines
