"""The shared CLI renderer: tables that fit and stay literal, JSON and CSV from any input."""

from __future__ import annotations

import io
import json
from datetime import datetime

import polars as pl
import pyarrow as pa

from workbench.cli.output import (
    fit_columns,
    format_cell,
    make_console,
    printable,
    render_csv,
    render_json,
    render_table,
)


def table_text(data, width=80, **kwargs) -> tuple[str, list[str]]:
    buffer = io.StringIO()
    hidden = render_table(data, make_console(file=buffer, width=width), **kwargs)
    return buffer.getvalue(), hidden


def test_markup_and_escape_sequences_print_literally():
    text, _ = table_text([{"name": "[bold red]x[/]", "path": "a\x1b[31mred"}])
    assert "[bold red]x[/]" in text
    assert "\x1b" not in text and "\\x1b[31mred" in text


def test_printable():
    assert printable("plain é") == "plain é"
    assert printable("a\tb\x00") == "a\\x09b\\x00"


def test_table_drops_columns_that_do_not_fit_and_reports_them():
    rows = [{f"col{i}": "x" * 15 for i in range(10)}]
    text, hidden = table_text(rows, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert hidden and hidden[-1] == "col9"
    assert fit_columns(["a", "b"], [{"a": "x" * 100, "b": "y" * 100}], 10) == ["a", "b"]


def test_format_cell():
    assert format_cell(0.123456789) == "0.123457"
    assert format_cell(3.0) == "3"
    assert format_cell(float("nan")) == "NaN"
    assert format_cell(None) == ""
    assert format_cell(True) == "true"
    assert format_cell(datetime(2026, 1, 2, 3, 4, 5, 678)) == "2026-01-02 03:04:05"


def test_json_from_polars_arrow_and_dicts():
    df = pl.DataFrame({"a": [1.0, float("nan")], "t": [datetime(2026, 1, 1), None]})
    assert json.loads(render_json(df)) == [
        {"a": 1.0, "t": "2026-01-01T00:00:00Z"},
        {"a": None, "t": None},
    ]
    assert json.loads(render_json(pa.table({"x": [1]}))) == [{"x": 1}]
    assert json.loads(render_json({"k": float("inf")})) == {"k": None}


def test_csv_flattens_nested_dicts_and_keeps_order():
    rows = [
        {"id": "a", "params": {"lr": 0.1}, "n": 1},
        {"id": "b", "params": {"lr": 0.2, "m": "x,y"}, "n": float("nan")},
    ]
    lines = render_csv(rows).splitlines()
    assert lines[0] == "id,params.lr,params.m,n"
    assert lines[2] == 'b,0.2,"x,y",NaN'


def test_empty_table_says_so():
    text, hidden = table_text([], empty="no runs match")
    assert "no runs match" in text and hidden == []
