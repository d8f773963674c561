"""A long table printed as plain lines, in the look of output.render_table.

Rich lays out every cell of a Table (about 2 ms a row), so a run with 10,000 metrics took
20 s to `show`; this writes the same columns, header rule and alignment line by line.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size

from workbench.cli.output import MAX_CELL_WIDTH, fit_columns, format_cell, make_console
from workbench.formatting import printable

#: From this many rows on, `show` prints a section with print_long_table.
LONG_TABLE_ROWS = 200


def _fit(text: str, width: int, right: bool) -> str:
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, max(width - 1, 0)) + "…"
    pad = " " * (width - length)
    return pad + text if right else text + pad


def print_long_table(rows: list[dict[str, Any]], console=None, title: str | None = None) -> list[str]:
    """Print `rows` (dicts with the same keys) like render_table does; returns the columns
    left out for want of width."""
    console = console or make_console()
    columns = list(rows[0]) if rows else []
    shown = fit_columns(columns, rows, console.width)
    cells = [[format_cell(row.get(name)) for name in shown] for row in rows]
    numeric = [
        all(isinstance(row.get(n), (int, float)) and not isinstance(row.get(n), bool)
            for row in rows[:50] if row.get(n) is not None)
        and any(row.get(n) is not None for row in rows[:50])
        for n in shown
    ]  # fmt: skip
    headers = [printable(name) for name in shown]
    widths = [
        min(MAX_CELL_WIDTH, max([cell_len(h), *(cell_len(line[i]) for line in cells)]))
        for i, h in enumerate(headers)
    ]
    out = console.file
    if title:
        out.write(printable(title) + "\n")
    header = "  ".join(_fit(h, w, r) for h, w, r in zip(headers, widths, numeric, strict=True))
    out.write(header.rstrip() + "\n")
    out.write("─" * cell_len(header.rstrip()) + "\n")
    for line in cells:
        text = "  ".join(_fit(c, w, r) for c, w, r in zip(line, widths, numeric, strict=True))
        out.write(text.rstrip() + "\n")
    out.flush()
    return [c for c in columns if c not in shown]
