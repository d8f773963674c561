"""The runs table: textual-fastdatatable over Arrow, values shown literally, status in colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.coordinate import Coordinate
from textual.message import Message
from textual.strip import Strip
from textual_fastdatatable import ArrowBackend
from textual_fastdatatable.data_table import DataTable

from workbench.formatting import format_number, printable
from workbench.tui.runs_view import OrderedIds
from workbench.tui.theme import GLYPH_STYLE, MARK_GLYPH, MARK_STYLE, resolve

#: The first two display columns: the mark and the status glyph.
MARK_COLUMN = 0
STATUS_COLUMN = 1


class OrderedBackend(ArrowBackend):
    """An Arrow table shown through a row order (display row i is table row order[i]).

    Rows are taken out through the order a block at a time, as they are painted, so a new
    sort hands over a new order and copies nothing; a painted row is a tuple of Python
    values, not one Arrow scalar per cell."""

    BLOCK = 64
    MAX_BLOCKS = 64

    def __init__(self, data: pa.Table, order: pa.Array) -> None:
        super().__init__(data)
        if len(order) != self.data.num_rows:
            raise ValueError("the order must name every row once")
        self._order = order
        self._blocks: dict[int, list[tuple[Any, ...]]] = {}

    def row_values(self, index: int) -> tuple[Any, ...]:
        """The values of display row `index`."""
        if not 0 <= index < self.data.num_rows:
            raise IndexError(f"Can't get row {index} of {self.data.num_rows}")
        block, offset = divmod(index, self.BLOCK)
        rows = self._blocks.get(block)
        if rows is None:
            part = self.data.take(self._order.slice(block * self.BLOCK, self.BLOCK))
            rows = list(zip(*(column.to_pylist() for column in part.columns), strict=True))
            if len(self._blocks) >= self.MAX_BLOCKS:
                self._blocks.clear()
            self._blocks[block] = rows
        return rows[offset]

    def get_row_at(self, index: int) -> list[Any]:
        return list(self.row_values(index))

    def get_cell_at(self, row_index: int, column_index: int) -> Any:
        return self.row_values(row_index)[column_index]

    def get_column_at(self, column_index: int) -> list[Any]:
        return self.data.column(column_index).take(self._order).to_pylist()

    def sort(self, by: Any) -> None:  # the caller orders the rows
        raise NotImplementedError("OrderedBackend is ordered by its caller")


class RunsTable(DataTable):
    """Runs, one per row; knows the run id of every row so the cursor follows a run."""

    class Resized(Message):
        """The table's width changed (the name column may take more or less of it)."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.width = width

    BINDINGS = [Binding("enter", "select_cursor", "Open")]
    DEFAULT_CSS = """
    RunsTable { height: 1fr; max-height: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(
            backend=ArrowBackend(pa.table({"": pa.array([], pa.string())})),
            column_labels=[Text("")],
            render_markup=False,
            cursor_type="row",
            max_column_content_width=32,
            zebra_stripes=True,
            fixed_columns=3,  # mark, status and name stay put while scrolling right
            null_rep="",
            id=id,
        )
        self.row_ids: Sequence[str] = []

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized(event.size.width))

    # -- data -----------------------------------------------------------------------------

    def show_table(
        self,
        table: pa.Table,
        labels: list[Text],
        row_ids: Sequence[str],
        keep_id: str | None,
        widths: list[int] | None = None,
        order: pa.Array | None = None,
        fixed_widths: list[int] | None = None,
    ) -> None:
        """Replace the rows; keep the cursor on `keep_id` (if still there) and the scroll.

        `widths` are the columns' content widths, measured by the caller; without them the
        backend would measure every cell (slow for 100k rows). With `order`, `table` is in
        the caller's order and display row i is its row order[i]; `row_ids` are in display
        order either way. `fixed_widths` gives columns an exact content width (0: sized from
        `widths`, up to the table's cap)."""
        scroll_y = self.scroll_y
        backend = ArrowBackend(table) if order is None else OrderedBackend(table, order)
        backend.render_markup = False
        if widths:
            backend._column_content_widths = list(widths)
        self.backend = backend
        self._column_labels = list(labels)
        self._column_widths = list(fixed_widths) if fixed_widths and any(fixed_widths) else None
        self._ordered_columns = None
        self.row_ids = row_ids if isinstance(row_ids, OrderedIds) else list(row_ids)
        self._update_count += 1
        self._clear_caches()
        self._require_update_dimensions = True
        self._update_dimensions([])
        self._require_update_dimensions = False
        row = 0
        if keep_id is not None:
            try:
                row = self.row_ids.index(keep_id)
            except ValueError:
                row = min(self.cursor_row, max(len(self.row_ids) - 1, 0))
        column = min(self.cursor_column, max(len(labels) - 1, 0))
        self.cursor_coordinate = Coordinate(row, column)
        self.scroll_to(y=min(scroll_y, self.max_scroll_y), animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()

    @property
    def current_run_id(self) -> str | None:
        """The run id under the cursor, or None when the table is empty."""
        if not self.row_ids:
            return None
        row = self.cursor_row
        if 0 <= row < len(self.row_ids):
            return self.row_ids[row]
        return None

    def column_values(self, index: int) -> list[Any]:
        """The displayed values of one column (for tests and copy)."""
        return list(self.get_column_at(index))

    def row_texts(self) -> list[list[str]]:
        """Every row as displayed strings (for tests)."""
        return [[("" if v is None else str(v)) for v in self.get_row_at(r)] for r in range(self.row_count)]

    # -- rendering ------------------------------------------------------------------------

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
        in_range: bool = False,
    ):
        """Data cells rendered straight to segments (plain text, never markup).

        The stock path builds Padding/Styled renderables and runs rich's layout for every
        cell, which dominates a repaint of a full screen of rows; a runs cell is one line of
        plain text, so it is cut or padded here directly."""
        if row_index < 0 or column_index < 0:
            return super()._render_cell(
                row_index, column_index, base_style, width, cursor, hover, in_range
            )
        key = (
            row_index, column_index, base_style, cursor, hover, in_range,
            self._show_hover_cursor, self._update_count, self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        # The fixed columns (mark, status, name) are styled like the rest of their row, so a
        # row reads as one stripe (the stock table paints fixed cells in their own colour).
        if column_index < self.fixed_columns:
            base_style = self._get_row_style(row_index, base_style)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, in_range, self.show_cursor,
            self._show_hover_cursor, self.cursor_type == "range",
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        value = self.get_cell_at(Coordinate(row_index, column_index))
        style = base_style + component_style
        lines = [self._cell_segments(value, row_index, column_index, width, style, style + post_style,
                                     post_style)]
        self._cell_render_cache[key] = lines
        return lines

    def render_lines(self, crop):
        # the widget's own style once for the lines of a repaint, not once per line (it
        # walks the ancestors); the stock render_lines sets the pseudo-class state the same way
        self._base_rich_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_rich_style = None

    def render_line(self, y: int) -> Strip:
        base_style = getattr(self, "_base_rich_style", None)
        if base_style is None:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if y >= self.fixed_rows + (self.header_height if self.show_header else 0):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, base_style)

    def _render_line_in_row(
        self,
        row_index: int,
        line_no: int,
        x1: int,
        x2: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
        selection_anchor_location: Coordinate | None,
    ):
        """A data row rendered in one pass: its values fetched once, its styles worked out
        once (a row cursor styles the whole row alike), then each visible cell's segments.

        The stock path works cell by cell (a lookup per cell, the cursor tested three times,
        the component styles looked up again for every row), which after a sort, when every
        visible cell is new, is most of a keystroke. The header, and anything but a row
        cursor, take the stock path."""
        if (row_index < 0 or self.cursor_type != "row" or not self.is_valid_row_index(row_index)
                or (self._labelled_row_exists and self.show_row_labels)):
            return super()._render_line_in_row(
                row_index, line_no, x1, x2, base_style, cursor_location, hover_location,
                selection_anchor_location,
            )
        columns = self.ordered_columns
        fixed = self.fixed_columns
        fixed_width = sum(col.render_width for col in columns[:fixed])
        col_widths = [col.render_width for col in columns[fixed:]]
        # which columns are visible (col2 inclusive): as the stock table works it out
        cumulative_width = hidden_width = 0
        visible_width = self.size.width - fixed_width
        col1, col2 = fixed, None
        for i, w in enumerate(col_widths, start=fixed):
            if cumulative_width < x1:
                col1, hidden_width = i, cumulative_width
            if col2 is None and cumulative_width - x1 > visible_width:
                col2 = i
                break
            cumulative_width += w
        else:
            col2 = len(columns) - 1
        cache_key = (
            row_index, line_no, col1, col2, base_style, cursor_location, hover_location,
            selection_anchor_location, self.cursor_type, self.show_cursor,
            self._show_hover_cursor, self._update_count, self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached[0], cached[1], hidden_width, fixed_width
        backend = self.backend
        values = (backend.row_values(row_index) if isinstance(backend, OrderedBackend)
                  else backend.get_row_at(row_index))
        row_style = self._get_row_style(row_index, base_style)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover_location.row == row_index, cursor_location.row == row_index,
            False, self.show_cursor, self._show_hover_cursor, False,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        style = row_style + component_style
        pad_style = style + post_style
        segments = self._cell_segments
        fixed_row = [
            segments(values[i], row_index, i, columns[i].render_width, style, pad_style, post_style)
            for i in range(min(fixed, len(columns)))
        ]
        scrollable_row = [
            segments(values[i], row_index, i, columns[i].render_width, style, pad_style, post_style)
            for i in range(col1, col2 + 1)
        ]
        # the row's colour faded across the rest of the width, as the stock table does
        remaining = max(0, self.size.width - (sum(col_widths[fixed:]) + self._row_label_column_width))
        scrollable_row.append([Segment(" " * remaining, self._faded_style(row_style))])
        self._row_render_cache[cache_key] = (fixed_row, scrollable_row)
        return fixed_row, scrollable_row, hidden_width, fixed_width

    def _faded_style(self, row_style: Style) -> Style:
        """The stock fill right of the last column, worked out once per row style (it walks
        the ancestors for their background). Kept in Textual's cache of component styles."""
        key = ("runs-table-faded", row_style)
        hit = self._rich_style_cache.get(key)
        if hit is None:
            faded = Color.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
            style = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
            self._rich_style_cache[key] = hit = (style, style)
        return hit[0]

    def _cell_segments(
        self, value: Any, row_index: int, column_index: int, width: int,
        style: Style, pad_style: Style, post_style: Style,
    ) -> list[Segment]:
        """One cell's line: its value as plain text (never markup), cut or padded to `width`,
        numbers to the right, glyphs in their colour, and the cell's own meta (row, column:
        what a click reads). `style` is the row's, `pad_style` the row's with the cursor's
        post style."""
        own_style = None
        right = False
        if column_index in (MARK_COLUMN, STATUS_COLUMN):
            text = "" if not value else (MARK_GLYPH if column_index == MARK_COLUMN else str(value))
            if text:
                own_style = self._glyph_rich_style(column_index, text)
        elif value is None:
            text = ""
        elif isinstance(value, str):
            text = printable(value.replace("\r", "").replace("\n", "⏎").replace("\t", " "))
        elif isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, (int, float)):
            text = format_number(value)
            right = True
        else:
            text = str(value)
        inner = max(width - 2, 0)
        length = cell_len(text)
        if length > inner:
            text = set_cell_size(text, max(inner - 1, 0)) + "…" if inner > 0 else ""
            length = inner
        pad = " " * (inner - length)
        # The colours first (the same few combinations on every cell: rich caches their
        # sums), the cell's own meta last, once per style. A cell in the row's own colours
        # is one segment (what the line's simplify would merge it into anyway).
        meta = Style.from_meta({"row": row_index, "column": column_index})
        pad_style = pad_style + meta
        if own_style is None:
            return [Segment(f" {pad}{text} " if right else f" {text}{pad} ", pad_style)]
        text_style = (style + own_style) + post_style + meta
        return [Segment(" ", pad_style), Segment(text, text_style), Segment(f"{pad} ", pad_style)]

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        """The stock row style, its component styles looked up once per repaint: the stock
        path recomputes a component's rich style (walking the ancestors) for every fixed
        cell of every row painted. Kept in Textual's own cache of component styles, which
        it clears whenever they may change (a repaint, a style update)."""
        if row_index == -1:
            name = "datatable--header"
        elif row_index < self.fixed_rows:
            name = "datatable--fixed"
        elif self.zebra_stripes:
            name = "datatable--odd-row" if row_index % 2 else "datatable--even-row"
        else:
            return base_style
        key = ("runs-table-row", name)
        hit = self._rich_style_cache.get(key)
        if hit is None:
            style = self.get_component_styles(name).rich_style
            self._rich_style_cache[key] = hit = (style, style)
        return hit[0]

    def _get_cell_renderable(self, row_index: int, column_index: int, max_width: int | None = None):
        if row_index >= 0 and column_index in (MARK_COLUMN, STATUS_COLUMN):
            value = self.get_cell_at(Coordinate(row_index, column_index))
            if not value:
                return Text("")
            text = MARK_GLYPH if column_index == MARK_COLUMN else str(value)
            return Text(text, style=self._glyph_style(column_index, text))
        return super()._get_cell_renderable(row_index, column_index, max_width)

    def _glyph_rich_style(self, column_index: int, glyph: str) -> Style:
        """_glyph_style parsed, once per repaint (Textual's cache of component styles)."""
        key = ("runs-table-glyph", column_index, glyph)
        hit = self._rich_style_cache.get(key)
        if hit is None:
            style = Style.parse(self._glyph_style(column_index, glyph))
            self._rich_style_cache[key] = hit = (style, style)
        return hit[0]

    def _glyph_style(self, column_index: int, glyph: str) -> str:
        """The theme's colour for a mark or a status glyph."""
        style = MARK_STYLE if column_index == MARK_COLUMN else GLYPH_STYLE.get(glyph, "dim")
        return resolve(self, style)
