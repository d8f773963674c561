"""Rendering shared by every CLI command: a table that fits the terminal, --json or --csv.

Give `emit` a polars DataFrame, a pyarrow Table, plain `Rows` (columns + tuples) or a list of
dicts. User text is printed literally: Rich markup is never interpreted and control characters
are shown escaped (workbench.formatting.printable). Tables are plain text (cli/table.py) and
go through a pager when long and on a terminal (cli/pager.py).
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import rich_click as click

from workbench.cli import pager
from workbench.cli.table import MAX_CELL_WIDTH, TextOut, layout_pairs, layout_table
from workbench.formatting import (
    SECONDS,
    format_number,
    format_size,
    format_timestamp,
    iso_utc,
    json_printable,
    json_safe,
    printable,
)

FORMATS = ("table", "json", "csv")
__all__ = ["MAX_CELL_WIDTH", "printable"]


ONE_OBJECT = "Print JSON (one object)."


def output_options(func: Callable | None = None, *, json_help: str = "Print JSON (a list of objects).") -> Any:
    """Decorator adding --json / --csv (mutually exclusive flags) as the `fmt` argument;
    `@output_options(json_help=ONE_OBJECT)` for a command whose JSON is one object."""
    if func is None:
        return lambda f: output_options(f, json_help=json_help)
    func = click.option(
        "--csv", "fmt", flag_value="csv", help="Print CSV (one header line, then rows)."
    )(func)
    func = click.option("--json", "fmt", flag_value="json", help=json_help)(func)
    return func


class ByteSize(int):
    """A count of bytes that a table or `show` prints for a person ('38.9 kB', as the app);
    --json and --csv are written from the plain number."""

    __slots__ = ()


def human_sizes(rows: Iterable[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    """`rows` with the byte counts in columns `names` (default: "size") shown as sizes."""
    names = names or ("size",)
    return [
        {k: ByteSize(v) if k in names and isinstance(v, int) else v for k, v in row.items()}
        for row in rows
    ]


def format_cell(value: Any) -> str:
    """How a value looks in a table cell: numbers as everywhere (workbench.formatting),
    byte sizes as '38.9 kB', UTC times to the second, nested data as JSON."""
    if value is None or isinstance(value, (bool, int, float)):
        if value.__class__ is ByteSize:
            return format_size(value)
        return format_number(value)
    if isinstance(value, (datetime, date)):
        return format_timestamp(value, SECONDS)
    if isinstance(value, (dict, list, tuple)):
        return printable(json.dumps(json_ready(value), ensure_ascii=False))
    return printable(str(value))


#: Nested data made JSON-safe (NaN/inf -> null, times -> ISO UTC strings ending in Z).
json_ready = json_safe


def to_rows(data: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, rows as dicts) from a polars DataFrame, pyarrow Table, Rows or list of
    dicts."""
    if data is None:
        return [], []
    if hasattr(data, "records") and hasattr(data, "rows"):  # catalog Rows
        return list(data.columns), data.records()
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


def to_tuples(data: Any) -> tuple[list[str], Sequence[Sequence[Any]]]:
    """(column names, rows as sequences in that order): what a table or CSV is written from."""
    if data is None:
        return [], []
    if hasattr(data, "records") and hasattr(data, "rows"):  # catalog Rows
        return list(data.columns), data.rows
    if hasattr(data, "iter_rows") and hasattr(data, "columns"):  # polars
        return list(data.columns), list(data.iter_rows())
    columns, rows = to_rows(data)
    return columns, [tuple(row.get(c) for c in columns) for row in rows]


def render_json(data: Any, *, ready: bool = False) -> str:
    """JSON text, NaN as null, times as ISO UTC: a list as "[", one object per line, "]"
    (encoded by the C encoder; an indented dump of 2,000 runs takes ~3x as long); anything
    else indented. `ready` says the data is already JSON-safe (json_ready applied)."""
    if isinstance(data, (list, dict)):
        payload = data
    else:
        _, payload = to_rows(data)
    if not ready:
        payload = json_ready(payload)
    if not isinstance(payload, list):
        return json_printable(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
    if not payload:
        return "[]"
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    return json_printable("[\n" + ",\n".join("  " + encode(item) for item in payload) + "\n]")


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
    if value.__class__ is float and math.isfinite(value):
        return value
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


#: Values the csv module writes as they should read (floats may be NaN: not plain; text may
#: hold control characters).
_CSV_PLAIN = frozenset({int})  # text goes through printable


def render_csv(data: Any) -> str:
    """CSV text with a header line; nested dicts become "a.b" columns."""
    if isinstance(data, (list, dict)):
        columns, dict_rows = to_rows(data)
        flat_rows = [_flatten(row) for row in dict_rows]
        flat_columns: list[str] = []
        seen: set[str] = set()
        for row in flat_rows:  # every key once, in first-seen order, grouped under its column
            for key in row:
                if key not in seen:
                    seen.add(key)
                    flat_columns.append(key)
        order = {name: i for i, name in enumerate(columns)}
        flat_columns.sort(key=lambda k: order.get(k.split(".", 1)[0], order.get(k, len(order))))
        rows: Sequence[Sequence[Any]] = [[row.get(c) for c in flat_columns] for row in flat_rows]
    else:
        flat_columns, rows = to_tuples(data)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([printable(c, multiline=True) for c in flat_columns])
    plain = _CSV_PLAIN
    writer.writerows(
        [[v if v.__class__ in plain else _csv_value(v) for v in row] for row in rows]
    )
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
    out = TextOut(width=width, color=False)
    tuples = [tuple(row.get(c) for c in columns) for row in rows[:200]]
    hidden = layout_table(out, columns, tuples, format_cell, printable, keep=keep)
    return [c for c in columns if c not in hidden]


def _sink(console: Any) -> TextOut:
    """A TextOut for `console`: itself, or one as wide as a Rich console, or the terminal's."""
    if isinstance(console, TextOut):
        return console
    if console is None:
        return TextOut()
    return TextOut(width=console.width, color=console.is_terminal and not console.no_color)


def _flush(out: TextOut, console: Any) -> None:
    """Write what was laid out for a Rich console (or stdout) now; a TextOut keeps it."""
    if isinstance(out, TextOut) and out is console:
        return
    file = console.file if console is not None else sys.stdout
    file.write(out.text())
    file.flush()


def render_table(
    data: Any,
    console: Any = None,
    title: str | None = None,
    columns: Iterable[str] | None = None,
    empty: str = "nothing to show",
) -> list[str]:
    """Lay `data` out as a table that fits the console (a TextOut, a Rich console, or stdout
    when None) and print it; returns the columns left out."""
    out = _sink(console)
    all_columns, rows = to_tuples(data)
    if columns is not None:
        at = {name: i for i, name in enumerate(all_columns)}
        picked = [c for c in columns if c in at]
        rows = [tuple(row[at[c]] for c in picked) for row in rows]
        all_columns = picked
    if not rows:
        out.line(empty, "dim")
        _flush(out, console)
        return []
    if title:
        out.line(printable(title), "bold")
    hidden = layout_table(out, all_columns, rows, format_cell, printable)
    _flush(out, console)
    return hidden


def print_pairs(pairs: dict[str, Any], console: Any = None, title: str | None = None) -> None:
    """Print "key  value" lines (a two-column grid), literally."""
    out = _sink(console)
    if title:
        out.line(printable(title), "bold")
    layout_pairs(out, [(printable(str(k)), format_cell(v)) for k, v in pairs.items()])
    _flush(out, console)


def _wider_options() -> str:
    """The options that show every column: --columns only where the command has it."""
    ctx = click.get_current_context(silent=True)
    names = {p.name for p in ctx.command.params} if ctx is not None else set()
    return "--columns, --json or --csv" if "columns" in names else "--json or --csv"


def paging() -> bool:
    """False when the command line said --no-pager."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return not (isinstance(obj, dict) and obj.get("no_pager"))


def emit(
    data: Any,
    fmt: str | None,
    *,
    json_data: Any = None,
    title: str | None = None,
    empty: str = "nothing to show",
    hint_hidden: bool = True,
    json_is_ready: bool = False,
) -> None:
    """Print `data` as a table (default; paged when long on a terminal), JSON (`json_data`
    if given; `json_is_ready` when it is JSON-safe already) or CSV on stdout."""
    fmt = fmt or "table"
    if fmt == "json":
        if json_data is None:
            json_data, json_is_ready = data, False
        click.echo(render_json(json_data, ready=json_is_ready))
    elif fmt == "csv":
        click.echo(render_csv(data), nl=False)
    else:
        out = TextOut()
        hidden = render_table(data, out, title=title, empty=empty)
        pager.show(out.text(), paging=paging())
        if hidden and hint_hidden:
            shown = ", ".join(printable(c) for c in hidden[:4]) + (", ..." if len(hidden) > 4 else "")
            sys.stdout.flush()  # the table first, then the hint, when both go to one terminal
            click.echo(
                f"({len(hidden)} more column{'s' if len(hidden) > 1 else ''} not shown: {shown};"
                f" widen the terminal or use {_wider_options()})",
                err=True,
            )
