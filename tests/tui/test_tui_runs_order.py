"""The runs table's sort: cached row orders give the same order as sorting by (keys, id), a
new frame never reuses an old order, and the table reads its rows and ids through the order."""

from __future__ import annotations

import math
import random

import polars as pl
import pyarrow as pa
import pytest
from textual_fastdatatable import ArrowBackend

from workbench.tui.runs_view import (
    OrderedIds,
    RunsView,
    ViewState,
    display_order,
    sortable_columns,
)
from workbench.tui.widgets.runs_table import OrderedBackend


def reference_order(frame: pl.DataFrame, state: ViewState) -> list[int]:
    """The order as one sort over (group, sort column, id), nulls last: what the table did
    before orders were cached, and what the CLI's sort does (ties by id)."""
    by, desc = [], []
    if state.group_by:
        by.append(state.group_by)
        desc.append(False)
    if state.sort not in by:
        by.append(state.sort)
        desc.append(state.descending)
    if "id" not in by:
        by.append("id")
        desc.append(False)
    return frame.select(pl.arg_sort_by(by, descending=desc, nulls_last=True, maintain_order=True)).to_series().to_list()


def awkward_frame(n: int, seed: int) -> pl.DataFrame:
    """Ties, nulls, NaN, infinities, text and numbers, ids in no particular order."""
    rng = random.Random(seed)
    ids = [f"run{rng.randrange(10**6):06d}-{i}" for i in range(n)]
    rng.shuffle(ids)
    floats = [rng.choice([None, math.nan, math.inf, -math.inf, 0.5, 0.25, rng.random()]) for _ in range(n)]
    return pl.DataFrame(
        {
            "id": ids,
            "name": [rng.choice(["a", "b", "B", "[red]x[/]", None]) for _ in range(n)],
            "project": [rng.choice(["p", "q"]) for _ in range(n)],
            "status": [rng.choice(["finished", "failed", "running", None]) for _ in range(n)],
            "started_at": pl.Series([rng.choice([None, 1, 2, 3]) for _ in range(n)]).cast(pl.Datetime("us")),
            "duration_s": [rng.choice([None, 1.0, 2.0, math.nan]) for _ in range(n)],
            "params.lr": floats,
            "params.opt": [rng.choice(["adam", "sgd", None]) for _ in range(n)],
            "params.flag": [rng.choice([True, False, None]) for _ in range(n)],
            "params.layers": [rng.choice([1, 2, 3, None]) for _ in range(n)],
            "metrics.acc": [rng.choice([None, 0.5, 0.9, math.nan]) for _ in range(n)],
        },
        schema_overrides={"params.lr": pl.Float64},
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("group_by", [None, "params.opt", "params.layers"])
def test_every_sort_matches_one_sort_over_the_keys_then_id(seed: int, group_by: str | None) -> None:
    frame = awkward_frame(300, seed)
    view = RunsView(frame)
    for column in [*sortable_columns(frame, ViewState()), "id", "params.flag"]:
        for descending in (False, True):
            state = ViewState(sort=column, descending=descending, group_by=group_by)
            want = reference_order(frame, state)
            assert display_order(frame, state).to_list() == want, (column, descending)
            assert view.order(state).to_pylist() == want, (column, descending)
            assert view.order(state) is view.order(state)  # computed once


def test_display_rows_follow_the_order() -> None:
    frame = awkward_frame(200, 3)
    state = ViewState(sort="params.lr", descending=True, marked={frame["id"][5]})
    display = RunsView(frame).display(state)
    order = reference_order(frame, state)
    assert list(display.row_ids) == [frame["id"][i] for i in order]
    rows = display.table.take(display.order)
    assert rows.column(0).to_pylist() == ["*" if i == 5 else "" for i in order]
    name = display.columns.index("name")
    assert rows.column(name).to_pylist() == [frame["name"][i] for i in order]


def test_a_new_frame_gets_a_new_order() -> None:
    """A refresh brings a new frame; its order is computed from its own values, even when
    the same sort was cached for the frame before it."""
    first = pl.DataFrame({"id": ["a", "b", "c"], "status": ["finished"] * 3, "metrics.acc": [0.1, 0.2, 0.3]})
    second = first.with_columns(pl.Series("metrics.acc", [0.3, 0.2, 0.1]))
    state = ViewState(sort="metrics.acc", descending=True)
    assert list(RunsView(first).display(state).row_ids) == ["c", "b", "a"]
    assert list(RunsView(second).display(state).row_ids) == ["a", "b", "c"]


def test_ordered_ids_behave_like_the_list() -> None:
    ids = pa.array(["r0", "r1", "r2", "r3", "r4"])
    order = pa.array([3, 0, 4, 2, 1], pa.uint32())
    listed = ["r3", "r0", "r4", "r2", "r1"]
    seq = OrderedIds(ids, order)
    assert len(seq) == 5 and bool(seq)
    assert [seq[i] for i in range(5)] == listed
    assert seq[-1] == "r1" and seq[:2] == ["r3", "r0"] and seq[1:10] == listed[1:] and seq[::2] == listed[::2]
    assert list(seq) == listed and seq == listed
    assert [seq.index(r) for r in listed] == list(range(5))
    assert "r2" in seq and "zz" not in seq and None not in seq
    with pytest.raises(ValueError):
        seq.index("zz")
    with pytest.raises(IndexError):
        seq[5]
    empty = OrderedIds(pa.array([], pa.string()), pa.array([], pa.uint32()))
    assert not empty and empty[:1] == [] and list(empty) == []


def test_ordered_backend_reads_rows_through_the_order() -> None:
    n = OrderedBackend.BLOCK * 3 + 5  # rows in several blocks, the last one short
    table = pa.table({"c0": [f"v{i}" for i in range(n)], "c1": [float(i) for i in range(n)]})
    order = pa.array(list(reversed(range(n))), pa.uint32())
    backend = OrderedBackend(table, order)
    plain = ArrowBackend(table.take(order))
    assert backend.row_count == n
    for row in (0, OrderedBackend.BLOCK - 1, OrderedBackend.BLOCK, n - 1):
        assert backend.get_row_at(row) == plain.get_row_at(row)
        assert backend.get_cell_at(row, 1) == plain.get_cell_at(row, 1)
    assert backend.get_column_at(0) == plain.get_column_at(0)
    with pytest.raises(IndexError):
        backend.get_cell_at(n, 0)
    with pytest.raises(ValueError):
        OrderedBackend(table, order.slice(1))
