"""The app's last line of defence at the terminal: no control character in any rendered line.

Widgets show run-folder text through workbench.formatting.printable where they build it; this
line filter applies the same function to whatever still reaches a line (a widget that was
missed, text a person typed or pasted), keeping the line's width so the layout holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.filter import LineFilter

from workbench.formatting import printable

if TYPE_CHECKING:
    from textual.color import Color


class PrintableFilter(LineFilter):
    """Shows control characters in rendered segments as visible escapes (line width kept)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.control or segment.text.isprintable() for segment in segments):
            return segments
        width = Segment.get_line_length(segments)
        safe = [
            segment
            if segment.control or segment.text.isprintable()
            else Segment(printable(segment.text), segment.style)
            for segment in segments
        ]
        return list(Segment.adjust_line_length(safe, width))


def install(app) -> None:
    """Add the filter to `app`'s line filters, through Textual's public hook: every widget
    asks `app.get_line_filters()` for the filters to apply to its lines, so the app's answer
    is wrapped to include this one (Textual has no public method that adds a filter)."""
    if any(isinstance(f, PrintableFilter) for f in app.get_line_filters()):
        return
    own_filters = app.get_line_filters
    printable_filter = PrintableFilter()

    def get_line_filters() -> Sequence[LineFilter]:
        return [*own_filters(), printable_filter]

    app.get_line_filters = get_line_filters
