"""Rendering shared by every CLI command: a table that fits the terminal, --json or --csv.

Give `emit` a polars DataFrame, a pyarrow Table or a list of dicts. User text is printed
literally: Rich markup is never interpreted and control characters are shown escaped.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import rich_click as click

from workbench.formatting import (
    SECONDS,
    format_number,
    format_timestamp,
    iso_utc,
    json_printable,
    json_safe,
    printable,
)

FORMATS = ("table", "json", "csv")
#: Widest a table cell may grow before it is cut with an ellipsis.
MAX_CELL_WIDTH = 40


def output_options(func: Callable) -> Callable:
    """Decorator adding --json / --csv (mutually exclusive flags) as the `fmt` argument."""
    func = click.option(
        "--csv", "fmt", flag_value="csv", help="Print CSV (one header line, then rows)."
    )(func)
    func = click.option("--json", "fmt", flag_value="json", help="Print JSON (a list of objects).")(
        func
    )
    return func


def format_cell(value: Any) -> str:
    """How a value looks in a table cell: numbers as everywhere (workbench.formatting),
    UTC times to the second, nested data as JSON."""
    if value is None or isinstance(value, (bool, int, float)):
        return format_number(value)
    if isinstance(value, (datetime, date)):
        return format_timestamp(value, SECONDS)
    if isinstance(value, (dict, list, tuple)):
        return printable(json.dumps(json_ready(value), ensure_ascii=False))
    return printable(str(value))


#: Nested data made JSON-safe (NaN/inf -> null, times -> ISO UTC strings ending in Z).
json_ready = json_safe


def to_rows(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, rows as dicts) from a polars DataFrame, pyarrow Table or list of dicts."""
    if data is None:
        return [], []
    if hasattr(data, "iter_rows") and hasattr(data, "columns"):  # polars
        return list(data.columns), list(data.iter_rows(named=True))
    if hasattr(data, "to_pylist") and hasattr(data, "column_names"):  # pyarrow
        return list(data.column_names), data.to_pylist()
    if isinstance(data, dict):
        data = [data]
    rows = list(data)
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns, rows


def render_json(data: Any) -> str:
    """JSON text: a list of objects (or the given object), NaN as null, times as ISO UTC."""
    if isinstance(data, (list, dict)):
        payload = data
    else:
        _, payload = to_rows(data)
    text = json.dumps(json_ready(payload), indent=2, ensure_ascii=False, allow_nan=False)
    return json_printable(text)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _csv_value(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value, multiline=True)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, (list, tuple)):
        return printable(json.dumps(json_ready(value), ensure_ascii=False), multiline=True)
    return value


def render_csv(data: Any) -> str:
    """CSV text with a header line; nested dicts become "a.b" columns."""
    columns, rows = to_rows(data)
    flat_rows = [_flatten(row) for row in rows]
    flat_columns: list[str] = []
    for name in columns:
        expanded = [k for row in flat_rows for k in row if k == name or k.startswith(name + ".")]
        for key in expanded or [name]:
            if key not in flat_columns:
                flat_columns.append(key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([printable(c, multiline=True) for c in flat_columns])
    for row in flat_rows:
        writer.writerow([_csv_value(row.get(c)) for c in flat_columns])
    return buffer.getvalue()


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for text that may hold names or messages from run folders and data files:
    control characters are shown escaped (newlines and tabs kept)."""
    click.echo(printable(message, multiline=True), err=err, nl=nl)


def make_console(file=None, width: int | None = None):
    """A Rich console that never interprets markup, emoji or highlighting in what it prints."""
    from rich.console import Console

    return Console(
        file=file or sys.stdout,
        markup=False,
        highlight=False,
        emoji=False,
        width=width,
        soft_wrap=False,
    )


def fit_columns(columns: list[str], rows: list[dict], width: int, keep: int = 2) -> list[str]:
    """The leading columns that fit in `width` characters (at least `keep` of them)."""
    chosen: list[str] = []
    used = 0
    for i, name in enumerate(columns):
        cells = [format_cell(row.get(name)) for row in rows[:200]]
        natural = min(MAX_CELL_WIDTH, max([len(name), 1, *(len(c) for c in cells)]))
        cost = natural + (2 if chosen else 0)
        if i >= keep and used + cost > width:
            continue
        chosen.append(name)
        used += cost
    return chosen


def render_table(
    data: Any,
    console=None,
    title: str | None = None,
    columns: Iterable[str] | None = None,
    empty: str = "nothing to show",
) -> list[str]:
    """Print `data` as a table that fits the console; returns the columns left out."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = console or make_console()
    all_columns, rows = to_rows(data)
    if columns is not None:
        all_columns = [c for c in columns if c in all_columns]
    if not rows:
        console.print(Text(empty, style="dim"))
        return []
    shown = fit_columns(all_columns, rows, console.width)
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
        title=Text(printable(title)) if title else None,
        title_justify="left",
        header_style="bold",
    )
    for name in shown:
        numeric = all(
            isinstance(row.get(name), (int, float)) and not isinstance(row.get(name), bool)
            for row in rows[:50]
            if row.get(name) is not None
        ) and any(row.get(name) is not None for row in rows[:50])
        table.add_column(
            Text(printable(name)),
            justify="right" if numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=MAX_CELL_WIDTH,
        )
    for row in rows:
        table.add_row(*(Text(format_cell(row.get(name))) for name in shown))
    console.print(table)
    return [c for c in all_columns if c not in shown]


def print_pairs(pairs: dict[str, Any], console=None, title: str | None = None) -> None:
    """Print "key  value" lines (a two-column grid), literally."""
    from rich.table import Table
    from rich.text import Text

    console = console or make_console()
    if title:
        console.print(Text(printable(title), style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in pairs.items():
        shown = printable(value, multiline=True) if isinstance(value, str) else format_cell(value)
        grid.add_row(Text(printable(str(key))), Text(shown))
    console.print(grid)


def emit(
    data: Any,
    fmt: str | None,
    *,
    json_data: Any = None,
    title: str | None = None,
    empty: str = "nothing to show",
    hint_hidden: bool = True,
) -> None:
    """Print `data` as a table (default), JSON (`json_data` if given) or CSV on stdout."""
    fmt = fmt or "table"
    if fmt == "json":
        click.echo(render_json(json_data if json_data is not None else data))
    elif fmt == "csv":
        click.echo(render_csv(data), nl=False)
    else:
        hidden = render_table(data, title=title, empty=empty)
        if hidden and hint_hidden:
            shown = ", ".join(printable(c) for c in hidden[:4]) + (", ..." if len(hidden) > 4 else "")
            sys.stdout.flush()  # the table first, then the hint, when both go to one terminal
            click.echo(
                f"({len(hidden)} more column{'s' if len(hidden) > 1 else ''} not shown: {shown};"
                " widen the terminal or use --columns, --json or --csv)",
                err=True,
            )
