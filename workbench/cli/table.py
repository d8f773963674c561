"""Plain-text tables for the CLI: each shown column is formatted once, its width taken from
those cells, and rows are padded with str.ljust/rjust (no layout engine measuring every cell).

Every cell is a value from a run folder or a user, so it goes through `format_cell`, which
passes text through `workbench.formatting.printable`; nothing is ever parsed as markup.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import IO, Any

#: Widest a table cell may grow before it is cut with an ellipsis.
MAX_CELL_WIDTH = 40
#: Rows whose cells are formatted to see whether a column can fit at all, before the rest.
_SAMPLE = 50
#: Between two columns.
GAP = "  "
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def display_width(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters count two, combining marks none."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in '…' when cut."""
    if display_width(text) <= width:
        return text
    if text.isascii():
        return text[: max(width - 1, 0)] + "…"
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` cells (on the left when `right`)."""
    fill = width - display_width(text)
    if fill <= 0:
        return text
    return " " * fill + text if right else text + " " * fill


def color_wanted(stream: IO[str] | None = None) -> bool:
    """Bold and dim only on a terminal, and never when $NO_COLOR is set."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_width() -> int:
    """$COLUMNS if set, else the terminal's width, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        return shutil.get_terminal_size((80, 24)).columns


class TextOut:
    """Lines of plain text for one command's output, with the width they must fit in."""

    def __init__(self, width: int | None = None, color: bool | None = None) -> None:
        self.width = width or terminal_width()
        self.color = color_wanted() if color is None else color
        self.lines: list[str] = []

    def line(self, text: str = "", style: str | None = None) -> None:
        """Add one line; `style` ("bold" or "dim") shows only when colour is wanted."""
        if style and self.color and text:
            text = (_BOLD if style == "bold" else _DIM) + text + _RESET
        self.lines.append(text)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


def _numeric(values: Sequence[Any]) -> bool:
    seen = [v for v in values[:50] if v is not None]
    return bool(seen) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in seen
    )


def layout_table(
    out: TextOut,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: Callable[[Any], str],
    label: Callable[[str], str],
    keep: int = 2,
) -> list[str]:
    """Add the table's lines to `out`: the leading columns that fit its width (at least
    `keep`), a header, a rule and one line per row. Returns the columns left out."""
    budget = out.width
    shown: list[tuple[str, list[str], int, bool]] = []
    hidden: list[str] = []
    used = 0
    for i, name in enumerate(columns):
        title = label(name)
        gap = len(GAP) if shown else 0
        if i >= keep and used + gap + min(display_width(title), MAX_CELL_WIDTH) > budget:
            hidden.append(name)  # not even its header fits
            continue
        values = [row[i] for row in rows]
        cells = [fmt(v) for v in values[:_SAMPLE]]  # a lower bound on the width first
        natural = max(display_width(title), 1, *(display_width(c) for c in cells))
        if i >= keep and used + gap + min(MAX_CELL_WIDTH, natural) > budget:
            hidden.append(name)
            continue
        cells += [fmt(v) for v in values[_SAMPLE:]]
        natural = max(natural, *(display_width(c) for c in cells[_SAMPLE:]), 0)
        width = min(MAX_CELL_WIDTH, natural)
        if i >= keep and used + gap + width > budget:
            hidden.append(name)
            continue
        shown.append((title, cells, width, _numeric(values)))
        used += gap + width
    header = GAP.join(pad(clip(t, w), w, right=num) for t, _, w, num in shown)
    out.line(header.rstrip(), "bold")
    out.line("─" * min(used, budget))
    columns_cells = [[pad(clip(c, w), w, right=num) for c in cells] for _, cells, w, num in shown]
    for parts in zip(*columns_cells, strict=True):
        out.line(GAP.join(parts).rstrip())
    return hidden


def layout_pairs(out: TextOut, pairs: Sequence[tuple[str, str]]) -> None:
    """Add "key  value" lines: keys in a column as wide as the widest, long values folded."""
    if not pairs:
        return
    key_width = max(display_width(k) for k, _ in pairs)
    room = max(out.width - key_width - len(GAP), 10)
    for key, value in pairs:
        chunks = _fold(value, room) or [""]
        first = pad(key, key_width)
        if out.color:
            first = _DIM + first + _RESET
        out.lines.append((first + GAP + chunks[0]).rstrip())
        for chunk in chunks[1:]:
            out.lines.append(" " * (key_width + len(GAP)) + chunk)


def _fold(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken after a space where there is one in
    the line's second half (a command line folds between its arguments), else anywhere."""
    if display_width(text) <= width:
        return [text] if text else []
    chunks = _fold_cells(text, width)
    out: list[str] = []
    carry = ""
    for chunk in chunks:
        line = carry + chunk
        while display_width(line) > width:
            head, tail = _split_line(line, width)
            out.append(head)
            line = tail
        carry = line
    if carry:
        out.append(carry)
    return out


def _split_line(line: str, width: int) -> tuple[str, str]:
    """The first `width` cells of `line` (up to its last space past half of them) and the rest."""
    head = _fold_cells(line, width)[0]
    cut = head.rfind(" ")
    if cut >= width // 2:
        head = head[: cut + 1]
    return head.rstrip(" ") or head, line[len(head):]


def _fold_cells(text: str, width: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += w
    if current:
        chunks.append("".join(current))
    return chunks
