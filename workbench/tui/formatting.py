"""How values look in the terminal app: column titles (status colours: tui.theme).

Numbers, durations and times are formatted by workbench.formatting (the same in every face).
Every function returns plain strings or rich Text built literally (never parsed as markup).
"""

from __future__ import annotations


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
