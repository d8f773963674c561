"""Turn list_runs' wide DataFrame into the Arrow table the runs table shows (no Textual here).

Sorting, column choice, marks and grouping happen here on the in-memory frame, so a sort
keystroke repaints without a catalog round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa
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
    and each column's content width (measured here, vectorised, so the table never scans rows)."""

    table: pa.Table
    labels: list[Text]
    row_ids: list[str]
    columns: list[str]
    widths: list[int] = field(default_factory=list)


MAX_WIDTH = 32


def content_widths(shown: pl.DataFrame) -> list[int]:
    """Display width of each column's longest value (numbers as text), capped at MAX_WIDTH."""
    if shown.height == 0:
        return [0] * shown.width
    exprs = []
    for name, dtype in shown.schema.items():
        col = pl.col(name)
        if dtype != pl.Utf8:
            col = col.cast(pl.Utf8, strict=False)
        exprs.append(col.str.len_chars().max().fill_null(0).alias(name))
    row = shown.select(exprs).row(0)
    return [min(int(w or 0), MAX_WIDTH) for w in row]


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


_FORMAT_CACHE: dict[tuple, tuple[pl.DataFrame, list[int]]] = {}


def _formatted(frame: pl.DataFrame, cols: list[str]) -> tuple[pl.DataFrame, list[int]]:
    """Display strings of `cols` (plus the status glyph) in frame order, and their widths.

    Cached per (frame, columns): a sort or a mark only reorders or adds to it."""
    key = (id(frame), tuple(cols))
    hit = _FORMAT_CACHE.get(key)
    if hit is not None:
        return hit
    status_map = {k: v[0] for k, v in STATUS_STYLE.items()}
    exprs = [
        pl.col("status")
        .cast(pl.Utf8)
        .replace_strict(status_map, default=UNKNOWN_STATUS[0], return_dtype=pl.Utf8)
        .alias("_status"),
    ]
    exprs += [_display_expr(frame, c) for c in cols]
    shown = frame.select(exprs)
    result = (shown, content_widths(shown))
    _FORMAT_CACHE.clear()  # one frame at a time is shown; keep memory flat
    _FORMAT_CACHE[key] = result
    return result


def display_order(frame: pl.DataFrame, state: ViewState) -> pl.Series:
    """Row indices of `frame` in display order (group first when grouping; nulls last)."""
    by: list[str] = []
    desc: list[bool] = []
    if state.group_by and state.group_by in frame.columns:
        by.append(state.group_by)
        desc.append(False)
    if state.sort in frame.columns and state.sort not in by:
        by.append(state.sort)
        desc.append(state.descending)
    if "id" in frame.columns and "id" not in by:
        by.append("id")
        desc.append(False)
    if not by:
        return pl.Series("i", range(frame.height), dtype=pl.UInt32)
    return frame.select(pl.arg_sort_by(by, descending=desc, nulls_last=True, maintain_order=True)).to_series()


def build_display(frame: pl.DataFrame, state: ViewState) -> RunsDisplay:
    """The display table for `frame` under `state`."""
    cols = visible_columns(frame, state)
    shown, widths = _formatted(frame, cols)
    order = display_order(frame, state)
    ids = frame["id"].gather(order) if "id" in frame.columns else pl.Series("id", [], pl.Utf8)
    mark = ids.to_frame("id").select(
        pl.when(pl.col("id").is_in(list(state.marked))).then(pl.lit("*")).otherwise(pl.lit("")).alias("_mark")
    )
    ordered = shown.select(pl.all().gather(order))
    combined = pl.concat([mark, ordered], how="horizontal")
    # positional names: polars cannot hand a column name holding NUL to Arrow (it panics)
    table = combined.rename({c: f"c{i}" for i, c in enumerate(combined.columns)}).to_arrow()
    # fastdatatable wants plain string columns, not string_view / large_string
    table = pa.Table.from_arrays(
        [
            c.cast(pa.string()) if pa.types.is_large_string(c.type) or pa.types.is_string_view(c.type) else c
            for c in table.columns
        ],
        names=[f"c{i}" for i in range(table.num_columns)],
    )
    labels = [Text(" "), Text(" ")] + [
        header_label(c, state, numeric=shown.schema[c].is_numeric()) for c in cols
    ]
    col_widths = [
        min(w, NAME_WIDTH) if c == "name" else w for c, w in zip(cols, widths[1:], strict=True)
    ]
    return RunsDisplay(
        table=table, labels=labels, row_ids=ids.to_list(), columns=["_mark", "status", *cols],
        widths=[1, 1, *col_widths],
    )


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
