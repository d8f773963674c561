"""The runs table: textual-fastdatatable over Arrow, values shown literally, status in colour."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual_fastdatatable import ArrowBackend
from textual_fastdatatable.data_table import DataTable

from workbench.formatting import format_number, printable
from workbench.tui.theme import GLYPH_STYLE, MARK_GLYPH, MARK_STYLE, resolve

#: The first two display columns: the mark and the status glyph.
MARK_COLUMN = 0
STATUS_COLUMN = 1


class RunsTable(DataTable):
    """Runs, one per row; knows the run id of every row so the cursor follows a run."""

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
        self.row_ids: list[str] = []

    # -- data -----------------------------------------------------------------------------

    def show_table(
        self,
        table: pa.Table,
        labels: list[Text],
        row_ids: list[str],
        keep_id: str | None,
        widths: list[int] | None = None,
    ) -> None:
        """Replace the rows; keep the cursor on `keep_id` (if still there) and the scroll.

        `widths` are the columns' content widths, measured by the caller; without them the
        backend would measure every cell (slow for 100k rows)."""
        scroll_y = self.scroll_y
        backend = ArrowBackend(table)
        backend.render_markup = False
        if widths:
            backend._column_content_widths = list(widths)
        self.backend = backend
        self._column_labels = list(labels)
        self._column_widths = None
        self._ordered_columns = None
        self.row_ids = list(row_ids)
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
        own_style = None
        right = False
        if column_index in (MARK_COLUMN, STATUS_COLUMN):
            text = "" if not value else (MARK_GLYPH if column_index == MARK_COLUMN else str(value))
            if text:
                own_style = Style.parse(self._glyph_style(column_index, text))
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
        # sums), the cell's own meta (row, column: what a click reads) last, once per style.
        style = base_style + component_style
        meta = Style.from_meta({"row": row_index, "column": column_index})
        pad_style = style + post_style
        text_style = ((style + own_style) + post_style if own_style else pad_style) + meta
        pad_style = pad_style + meta
        body = [Segment(pad, pad_style), Segment(text, text_style)] if right else [
            Segment(text, text_style), Segment(pad, pad_style)]
        lines = [[Segment(" ", pad_style), *body, Segment(" ", pad_style)]]
        self._cell_render_cache[key] = lines
        return lines

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

    def _glyph_style(self, column_index: int, glyph: str) -> str:
        """The theme's colour for a mark or a status glyph."""
        style = MARK_STYLE if column_index == MARK_COLUMN else GLYPH_STYLE.get(glyph, "dim")
        return resolve(self, style)
