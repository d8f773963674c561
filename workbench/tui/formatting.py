"""How runs look in the terminal app: status glyphs and colours, column titles.

Numbers, durations and times are formatted by workbench.formatting (the same in every face).
Every function returns plain strings or rich Text built literally (never parsed as markup).
"""

from __future__ import annotations

from rich.text import Text

#: status -> (glyph, style). Colours are from the 256-colour palette so they read the same
#: without truecolor (SSH, tmux).
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "running": ("▶", "bold color(39)"),
    "finished": ("✓", "bold color(34)"),
    "failed": ("✗", "bold color(160)"),
    "killed": ("■", "bold color(172)"),
    "stale": ("?", "bold color(136)"),
    "crashed": ("?", "bold color(136)"),
}
UNKNOWN_STATUS = ("·", "dim")
GLYPH_STYLE = {glyph: style for glyph, style in STATUS_STYLE.values()}
MARK_GLYPH = "◆"
MARK_STYLE = "bold color(170)"


def status_text(status: str | None, *, word: bool = True) -> Text:
    """A coloured glyph, followed by the status word when `word`."""
    glyph, style = STATUS_STYLE.get(status or "", UNKNOWN_STATUS)
    text = Text(glyph, style=style)
    if word:
        text.append(" ")
        text.append(str(status or "unknown"), style=style)
    return text


def column_title(name: str) -> str:
    """The header shown for a runs-table column: 'params.lr' -> 'lr', 'metrics.loss' -> 'loss'."""
    for prefix in ("params.", "metrics.", "tags."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return {"started_at": "started", "duration_s": "duration", "ended_at": "ended"}.get(name, name)


#: Header prefixes that keep a param and a metric of the same key apart ('p:lr' vs 'lr').
HEADER_PREFIX = {"params.": "p:", "metrics.": "", "tags.": "#"}


def header_title(name: str) -> str:
    """The short, unambiguous runs-table header: metrics plain ('acc'), params 'p:lr', tags '#stage'."""
    for prefix, shown in HEADER_PREFIX.items():
        if name.startswith(prefix):
            return shown + name[len(prefix) :]
    return column_title(name)
