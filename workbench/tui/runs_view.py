"""Turn list_runs' wide DataFrame into the Arrow table the runs table shows (no Textual here).

Sorting, column choice, marks and grouping happen here on the in-memory frame, so a sort
keystroke repaints without a catalog round trip. A RunsView keeps, per loaded frame, the
display strings and one row order per sort; the table reads its rows through the order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from rich.text import Text

from workbench.formatting import MINUTES, SIGNIFICANT_DIGITS, printable
from workbench.tui.formatting import header_title
from workbench.tui.theme import STATUS_STYLE, UNKNOWN_STATUS

#: Columns before the metrics and after the params, in display order.
LEADING_COLUMNS = ("name", "project")
TRAILING_COLUMNS = ("started_at", "duration_s")
HIDDEN_BY_DEFAULT_PREFIXES = ("tags.",)
HIDDEN_BY_DEFAULT = {"id", "ended_at", "path"}
MAX_DEFAULT_PARAMS = 8
MAX_DEFAULT_METRICS = 8
#: Params are set apart from metrics by their 'p:' prefix (see header_title) and italics, so
#: the header row reads the same in monochrome; the colours only help.
HEADER_STYLE = {"params": "italic", "metrics": "", "tags": "italic"}
#: The name column is capped so the metrics fit at 80 columns (longer names end in '…';
#: the full name is in the run detail and is what search matches).
NAME_WIDTH = 28
#: On a wide table the name may take more (see name_width), never more than this.
NAME_MAX_WIDTH = 120
#: Cells a table column takes besides its content (a space either side).
CELL_PADDING = 2
#: Cells kept free at the table's right edge for its vertical scrollbar.
SCROLLBAR_ROOM = 2


@dataclass
class ViewState:
    """How the user wants the runs shown."""

    sort: str = "started_at"
    descending: bool = True
    hidden: set[str] = field(default_factory=set)
    hidden_chosen: bool = False
    group_by: str | None = None
    marked: set[str] = field(default_factory=set)
    all_projects: bool = True


@dataclass
class RunsDisplay:
    """What the runs table needs: Arrow data, Text labels, run ids by row, source column names,
    and each column's content width (measured here, vectorised, so the table never scans rows).

    With `order`, `table` holds the rows in the frame's order and row i of the display is
    table row order[i] (a sort only changes the order); without it, `table` is in display order."""

    table: pa.Table
    labels: list[Text]
    row_ids: Sequence[str]
    columns: list[str]
    widths: list[int] = field(default_factory=list)
    order: pa.Array | None = None
    #: Exact widths by column (0: sized by the table from `widths`); the name's is exact.
    fixed_widths: list[int] = field(default_factory=list)
    #: Every name fits NAME_WIDTH: the table's width does not change the name column.
    names_fit: bool = True


MAX_WIDTH = 32


def content_widths(shown: pl.DataFrame, uncapped: frozenset[str] = frozenset()) -> list[int]:
    """Display width of each column's longest value (numbers as text), capped at MAX_WIDTH
    (except the columns in `uncapped`)."""
    if shown.height == 0:
        return [0] * shown.width
    exprs = []
    for name, dtype in shown.schema.items():
        col = pl.col(name)
        if dtype != pl.Utf8:
            col = col.cast(pl.Utf8, strict=False)
        exprs.append(col.str.len_chars().max().fill_null(0).alias(name))
    row = shown.select(exprs).row(0)
    return [int(w or 0) if name in uncapped else min(int(w or 0), MAX_WIDTH)
            for name, w in zip(shown.columns, row, strict=True)]


def name_width(longest: int, others: int, table_width: int | None) -> int:
    """Cells for the name column's content: up to NAME_WIDTH, so that at 80 columns the
    status and the latest metrics come first; on a wider table up to a third of its width or
    whatever the other columns (`others` cells in all) leave free, whichever is more. Never
    wider than the longest name nor NAME_MAX_WIDTH."""
    cap = NAME_WIDTH
    if table_width:
        room = table_width - SCROLLBAR_ROOM
        cap = max(cap, room // 3, room - others - CELL_PADDING)
    return max(min(longest, cap, NAME_MAX_WIDTH), 0)


def optional_columns(frame: pl.DataFrame) -> list[str]:
    """Columns the user may show or hide, in display order."""
    names = frame.columns
    leading = [c for c in LEADING_COLUMNS if c in names]
    trailing = [c for c in TRAILING_COLUMNS if c in names]
    extra = [c for c in ("id", "ended_at") if c in names]
    params = [c for c in names if c.startswith("params.")]
    metrics = [c for c in names if c.startswith("metrics.")]
    tags = [c for c in names if c.startswith("tags.")]
    return leading + metrics + params + trailing + tags + extra


def default_hidden(frame: pl.DataFrame) -> set[str]:
    """Tags, ids and overflow params/metrics start hidden so 80 columns stay readable."""
    names = frame.columns
    hidden = {c for c in names if c in HIDDEN_BY_DEFAULT or c.startswith(HIDDEN_BY_DEFAULT_PREFIXES)}
    params = [c for c in names if c.startswith("params.")]
    metrics = [c for c in names if c.startswith("metrics.")]
    hidden.update(params[MAX_DEFAULT_PARAMS:])
    hidden.update(metrics[MAX_DEFAULT_METRICS:])
    return hidden


def visible_columns(frame: pl.DataFrame, state: ViewState) -> list[str]:
    """The data columns shown after the mark and status columns."""
    hidden = state.hidden if state.hidden_chosen else default_hidden(frame) | state.hidden
    cols = [c for c in optional_columns(frame) if c not in hidden]
    if not state.all_projects and "project" in cols:
        cols.remove("project")
    if "name" not in cols and "name" in frame.columns:
        cols.insert(0, "name")
    if state.group_by and state.group_by in frame.columns:
        if state.group_by in cols:
            cols.remove(state.group_by)
        # right after the name, so mark, status and name stay the fixed columns
        cols.insert(1 if cols and cols[0] == "name" else 0, state.group_by)
    return cols


def sortable_columns(frame: pl.DataFrame, state: ViewState) -> list[str]:
    """Columns the sort key cycles through: status then the visible ones."""
    cols = visible_columns(frame, state)
    return (["status"] if "status" in frame.columns else []) + cols


def prepare_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Make text param columns whose every value reads as a number numeric (sorts right)."""
    casts = []
    for col, dtype in frame.schema.items():
        if not col.startswith("params.") or dtype != pl.Utf8:
            continue
        as_num = frame[col].cast(pl.Float64, strict=False)
        if as_num.null_count() == frame[col].null_count():
            casts.append(as_num.alias(col))
    return frame.with_columns(casts) if casts else frame


def _duration_expr(col: str) -> pl.Expr:
    s = pl.col(col).round(0).cast(pl.Int64, strict=False)
    two = lambda e: e.cast(pl.Utf8).str.zfill(2)  # noqa: E731
    return (
        pl.when(s.is_null() | (s < 0))
        .then(pl.lit(None, pl.Utf8))
        .when(s < 60)
        .then(s.cast(pl.Utf8) + "s")
        .when(s < 3600)
        .then((s // 60).cast(pl.Utf8) + "m " + two(s % 60) + "s")
        .when(s < 86400)
        .then((s // 3600).cast(pl.Utf8) + "h " + two((s % 3600) // 60) + "m")
        .otherwise((s // 86400).cast(pl.Utf8) + "d " + two((s % 86400) // 3600) + "h")
        .alias(col)
    )


def _display_expr(frame: pl.DataFrame, col: str) -> pl.Expr:
    dtype = frame.schema[col]
    if col == "duration_s":
        return _duration_expr(col)
    if dtype.is_temporal():
        return pl.col(col).dt.strftime(MINUTES).alias(col)
    if dtype == pl.Boolean:
        return pl.col(col).cast(pl.Utf8).alias(col)
    if dtype == pl.UInt64:  # a uint64 seed: shown exactly (it does not fit Int64)
        return pl.col(col)
    if dtype.is_integer():
        return pl.col(col).cast(pl.Int64).alias(col)
    if dtype.is_numeric():
        return pl.col(col).cast(pl.Float64).round_sig_figs(SIGNIFICANT_DIGITS).alias(col)
    if dtype == pl.Utf8:
        return pl.col(col)
    return pl.col(col).cast(pl.Utf8, strict=False).alias(col)


def header_label(col: str, state: ViewState, *, numeric: bool = False) -> Text:
    """A column header: its short title, the sort arrow, and right-aligned over numbers."""
    kind = col.split(".", 1)[0] if "." in col else ""
    text = Text(printable(header_title(col)), style=HEADER_STYLE.get(kind, ""), justify="right" if numeric else None)
    if col == state.sort:
        text.append(" ▼" if state.descending else " ▲", style="bold")
    if col == state.group_by:
        text.stylize("underline")  # the status line says "group …" in words
    return text


def _arrow_for_table(shown: pl.DataFrame) -> pa.Table:
    """`shown` as the Arrow table fastdatatable takes: positional names (polars cannot hand a
    column name holding NUL to Arrow: it panics) and plain string columns (not string_view
    or large_string)."""
    table = shown.rename({c: f"c{i}" for i, c in enumerate(shown.columns)}).to_arrow()
    return pa.Table.from_arrays(
        [
            c.cast(pa.string()) if pa.types.is_large_string(c.type) or pa.types.is_string_view(c.type) else c
            for c in table.columns
        ],
        names=[f"c{i}" for i in range(table.num_columns)],
    )


def _sort_keys(frame: pl.DataFrame, state: ViewState) -> tuple[list[str], list[bool]]:
    """The columns the display order sorts by (group first), before the tie-break by id."""
    by: list[str] = []
    desc: list[bool] = []
    if state.group_by and state.group_by in frame.columns:
        by.append(state.group_by)
        desc.append(False)
    if state.sort in frame.columns and state.sort not in by:
        by.append(state.sort)
        desc.append(state.descending)
    return by, desc


def id_order(frame: pl.DataFrame) -> pl.Series:
    """Row indices of `frame` by run id: the base every display order is a stable sort of."""
    return frame.select(pl.arg_sort_by("id", nulls_last=True, maintain_order=True)).to_series()


def display_order(frame: pl.DataFrame, state: ViewState, by_id: pl.Series | None = None) -> pl.Series:
    """Row indices of `frame` in display order: group first when grouping, then the sort
    column, ties by id; nulls last. A stable sort of the rows in id order (`by_id`, computed
    here when not given), which is the same order as sorting by (keys..., id) and several
    times faster than a sort on two keys."""
    by, desc = _sort_keys(frame, state)
    if "id" not in frame.columns:
        if not by:
            return pl.Series("i", range(frame.height), dtype=pl.UInt32)
        return frame.select(pl.arg_sort_by(by, descending=desc, nulls_last=True, maintain_order=True)).to_series()
    base = id_order(frame) if by_id is None else by_id
    if not by:
        return base
    keyed = frame.select([pl.col(c).gather(base) for c in by])
    within = keyed.select(pl.arg_sort_by(by, descending=desc, nulls_last=True, maintain_order=True)).to_series()
    return base.gather(within)


class OrderedIds(Sequence[str]):
    """The run ids of the table's rows, in display order, looked up through the order rather
    than copied out (100,000 ids as Python strings cost more than the sort that orders them)."""

    def __init__(self, ids: pa.Array, order: pa.Array) -> None:
        self._ids = ids
        self._order = order
        self._list: list[str] | None = None

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                return self._ids.take(self._order.slice(start, max(stop - start, 0))).to_pylist()
            return self.to_list()[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._ids[self._order[index].as_py()].as_py()

    def to_list(self) -> list[str]:
        if self._list is None:
            self._list = self._ids.take(self._order).to_pylist()
        return self._list

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_list())

    def __contains__(self, run_id: object) -> bool:
        return isinstance(run_id, str) and pc.index(self._ids, run_id).as_py() >= 0

    def index(self, run_id: object, start: int = 0, stop: int | None = None) -> int:
        """The display row of `run_id` (ValueError when it is not shown)."""
        row = pc.index(self._ids, run_id).as_py() if isinstance(run_id, str) else -1
        position = pc.index(self._order, pa.scalar(row, self._order.type)).as_py() if row >= 0 else -1
        if position < 0 or position < start or (stop is not None and position >= stop):
            raise ValueError(f"{run_id!r} is not shown")
        return position

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderedIds | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


#: Sort orders one RunsView keeps (each 4 bytes a run).
MAX_ORDERS = 32


class RunsView:
    """One loaded frame and what the runs table derives from it, cached: the display strings
    and widths per set of columns, and the row order per sort. A new frame is a new RunsView,
    so nothing cached outlives the data it came from; a sort keystroke only computes (or
    looks up) an order of row numbers and the table reads its rows through it."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._formatted: tuple[tuple[str, ...], pa.Table, list[int], list[bool]] | None = None
        self._orders: dict[tuple, pa.Array] = {}
        self._by_id: pl.Series | None = None
        self._ids: pa.Array | None = None

    def formatted(self, cols: list[str]) -> tuple[pa.Table, list[int], list[bool]]:
        """Display strings of `cols` (after an empty mark column and the status glyph) as
        Arrow, in frame order, with each column's width and whether it holds numbers.
        Kept for the last set of columns: a sort or a mark only changes the order or c0."""
        key = tuple(cols)
        if self._formatted is None or self._formatted[0] != key:
            frame = self.frame
            status_map = {k: v[0] for k, v in STATUS_STYLE.items()}
            exprs = [
                pl.lit("", dtype=pl.Utf8).alias("_mark"),  # filled per display from the marks
                pl.col("status")
                .cast(pl.Utf8)
                .replace_strict(status_map, default=UNKNOWN_STATUS[0], return_dtype=pl.Utf8)
                .alias("_status"),
            ]
            exprs += [_display_expr(frame, c) for c in cols]
            shown = frame.select(exprs)
            numeric = [dtype.is_numeric() for dtype in shown.schema.values()]
            table = _arrow_for_table(shown)
            self._formatted = (key, table, content_widths(shown, frozenset({"name"})), numeric)
        return self._formatted[1], self._formatted[2], self._formatted[3]

    @property
    def ids(self) -> pa.Array:
        """The run ids in frame order."""
        if self._ids is None:
            if "id" in self.frame.columns:
                ids = self.frame["id"].cast(pl.Utf8)
            else:
                ids = pl.Series("id", [None] * self.frame.height, pl.Utf8)
            arr = ids.to_arrow()
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            self._ids = arr.cast(pa.string())
        return self._ids

    def order(self, state: ViewState) -> pa.Array:
        """Row numbers of the frame in display order (see display_order), computed once per sort."""
        by, desc = _sort_keys(self.frame, state)
        key = (tuple(by), tuple(desc))
        hit = self._orders.get(key)
        if hit is None:
            if self._by_id is None and "id" in self.frame.columns:
                self._by_id = id_order(self.frame)
            order = display_order(self.frame, state, self._by_id).cast(pl.UInt32)
            hit = order.to_arrow()
            if isinstance(hit, pa.ChunkedArray):
                hit = hit.combine_chunks()
            if len(self._orders) >= MAX_ORDERS:
                self._orders.pop(next(iter(self._orders)))
            self._orders[key] = hit
        return hit

    def marks(self, marked: set[str]) -> pa.Array:
        """The mark column in frame order: '*' for a marked run."""
        if not marked:
            return pa.nulls(self.frame.height, pa.string()).fill_null("")
        hit = pc.is_in(self.ids, value_set=pa.array(sorted(marked), pa.string()))
        return pc.if_else(hit, "*", "")

    def display(self, state: ViewState, table_width: int | None = None) -> RunsDisplay:
        """What the table shows for `state`: the formatted rows in frame order and the order.
        `table_width` (cells) lets a long name use the room a wide table has (name_width)."""
        cols = visible_columns(self.frame, state)
        table, widths, numeric = self.formatted(cols)
        table = table.set_column(0, "c0", self.marks(state.marked))
        order = self.order(state)
        labels = [Text(" "), Text(" ")] + [
            header_label(c, state, numeric=n) for c, n in zip(cols, numeric[2:], strict=True)
        ]
        col_widths = widths[2:]
        fixed = [0] * (len(cols) + 2)
        names_fit = True
        if "name" in cols:
            i = cols.index("name")
            others = sum(min(max(w, label.cell_len), MAX_WIDTH) + CELL_PADDING
                         for c, w, label in zip(cols, col_widths, labels[2:], strict=True) if c != "name")
            others += 2 * (1 + CELL_PADDING)  # the mark and the status glyph
            names_fit = col_widths[i] <= NAME_WIDTH
            width = name_width(col_widths[i], others, table_width)
            col_widths = [*col_widths[:i], width, *col_widths[i + 1:]]
            fixed[i + 2] = max(width, labels[i + 2].cell_len)  # the header fits too
        return RunsDisplay(
            table=table, labels=labels, row_ids=OrderedIds(self.ids, order),
            columns=["_mark", "status", *cols], widths=[1, 1, *col_widths], order=order,
            fixed_widths=fixed, names_fit=names_fit,
        )


def build_display(frame: pl.DataFrame, state: ViewState) -> RunsDisplay:
    """The display table for `frame` under `state` (a one-off RunsView)."""
    return RunsView(frame).display(state)


def sort_spec(state: ViewState) -> list[str]:
    """The sort as list_runs takes it (["-metrics.acc", ...]), so a first page is in order."""
    spec = []
    if state.group_by:
        spec.append(state.group_by)
    if state.sort:
        spec.append(("-" if state.descending else "") + state.sort)
    return spec


def view_frame(frame: pl.DataFrame, state: ViewState) -> pl.DataFrame:
    """The runs as the table shows them, for export: id, then the visible columns, in
    display order, with their values as stored (not as formatted for the screen)."""
    cols = ["id", *[c for c in visible_columns(frame, state) if c != "id"]]
    return frame.select([c for c in cols if c in frame.columns]).select(
        pl.all().gather(display_order(frame, state)))
