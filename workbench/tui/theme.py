"""Colours from the app's theme: run-status glyphs and the styles rich renderables need.

Widgets styled by CSS use `$variables` in their `.tcss`; rich Text and Tables built in Python
name the same variables here ("bold $text-success") and resolve them against the active theme.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from textual.dom import DOMNode

#: status -> (glyph, style with theme variables).
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "running": ("▶", "bold $text-primary"),
    "finished": ("✓", "bold $text-success"),
    "failed": ("✗", "bold $text-error"),
    "killed": ("■", "bold $warning-darken-2"),
    "stale": ("?", "bold $text-warning"),
    "crashed": ("?", "bold $text-warning"),
}
UNKNOWN_STATUS = ("·", "dim")
GLYPH_STYLE = {glyph: style for glyph, style in STATUS_STYLE.values()}
MARK_GLYPH = "◆"
MARK_STYLE = "bold $accent"
#: Names of things (param keys, metric keys) beside their values.
KEY_STYLE = "$text-accent"
METRIC_STYLE = "$text-primary"
ERROR_STYLE = "$text-error"

_VARIABLE = re.compile(r"\$([a-z0-9-]+)")


def resolve(node: DOMNode, style: str) -> str:
    """`style` with its `$variables` replaced by the theme's colours (for rich renderables)."""
    if "$" not in style:
        return style
    variables = node.app.theme_variables

    def colour(match: re.Match[str]) -> str:
        value = variables.get(match.group(1), "")
        return value if value.startswith("#") else "default"

    return _VARIABLE.sub(colour, style)


def status_text(node: DOMNode, status: str | None, *, word: bool = True) -> Text:
    """A coloured glyph, followed by the status word when `word`."""
    glyph, style = STATUS_STYLE.get(status or "", UNKNOWN_STATUS)
    style = resolve(node, style)
    text = Text()
    text.append(glyph, style=style)  # a span, not the base style: appended text stays plain
    if word:
        text.append(" ")
        text.append(str(status or "unknown"), style=style)
    return text
