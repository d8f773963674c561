"""The metric chart widget: series preparation, smoothing, axes, tick labels, literal legend."""

from __future__ import annotations

import math
from datetime import datetime

import polars as pl
import pytest
from _tui import screen_text, shows, wait_for
from textual.app import App

from workbench.tui.widgets.charts import (
    SMOOTHING_STEPS,
    MetricChart,
    fmt_clock,
    fmt_elapsed,
    fmt_step,
    next_smoothing,
    next_x_axis,
    prepare_series,
)


def points() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "run_id": ["a"] * 5 + ["b"] * 3,
            "step": [0, 1, 2, 3, 4, 0, 1, 2],
            "timestamp": [10.0, 11, 12, 13, 14, 20, 22, 24],
            "value": [1.0, 2.0, float("nan"), 4.0, 5.0, 3.0, 2.0, float("inf")],
        }
    )


def test_prepare_series_drops_non_finite_and_keeps_colours_by_position() -> None:
    series = prepare_series(points(), order=["b", "a"], labels={"a": "[red]x[/]"})
    assert [s.id for s in series] == ["b", "a"]
    assert series[0].y == [3.0, 2.0]  # inf left out
    assert series[1].x == [0.0, 1.0, 3.0, 4.0]  # NaN left out
    assert series[1].label == "[red]x[/]"
    only_a = prepare_series(points().filter(pl.col("run_id") == "a"), order=["b", "a"])
    assert only_a[0].color == series[1].color  # a run keeps its colour


def test_ema_is_tensorboards_debiased_ema() -> None:
    (a,) = prepare_series(points().filter(pl.col("run_id") == "a"), smoothing=0.6)
    expected, last = [], 0.0
    for n, v in enumerate([1.0, 2.0, 4.0, 5.0], start=1):
        last = last * 0.6 + 0.4 * v
        expected.append(last / (1 - 0.6**n))
    assert a.y == pytest.approx(expected)
    assert a.raw_y == [1.0, 2.0, 4.0, 5.0]


def test_x_axes_relative_and_wall_with_datetimes() -> None:
    frame = points().with_columns(
        pl.col("timestamp").map_elements(
            lambda t: datetime(2026, 1, 1, 0, 0, int(t)), return_dtype=pl.Datetime("us")
        )
    )
    rel = prepare_series(frame, x_axis="relative")
    assert rel[1].x == [0.0, 2.0, 4.0][: len(rel[1].x)]
    wall = prepare_series(frame, x_axis="wall")
    assert wall[0].x[0] == datetime(2026, 1, 1, 0, 0, 10).timestamp() - _utc_offset()


def _utc_offset() -> float:
    # naive datetimes are UTC in the catalog; datetime.timestamp() reads them as local time
    return datetime(2026, 1, 1).astimezone().utcoffset().total_seconds()


def test_cycles_and_tick_labels() -> None:
    assert [next_smoothing(w) for w in SMOOTHING_STEPS] == [0.6, 0.9, 0.99, 0.0]
    assert next_x_axis("step") == "relative" and next_x_axis("wall") == "step"
    assert fmt_step(250_000) == "250k" and fmt_step(3_000_000) == "3M" and fmt_step(40) == "40"
    assert fmt_elapsed(45) == "45s" and fmt_elapsed(5400) == "1h30" and fmt_elapsed(90) == "1m30"
    assert fmt_clock(0, 60) == "00:00:00" and fmt_clock(0, 3 * 86400) == "01-01 00:00"


def test_prepare_series_empty_and_missing_column() -> None:
    assert prepare_series(None) == []
    with pytest.raises(ValueError):
        prepare_series(pl.DataFrame({"step": [1], "timestamp": [1.0], "value": [1.0]}))


class ChartApp(App[None]):
    def compose(self):
        yield MetricChart(points(), title="[b]loss[/]", labels={"a": "[red]x[/]", "b": "[/]"})


@pytest.mark.anyio
async def test_chart_draws_and_legend_is_literal() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 20)) as pilot:
        chart = app.query_one(MetricChart)
        await wait_for(pilot, lambda: chart.plot.draw_count > 0)
        assert await shows(pilot, "[red]x[/]", "[/]", "[b]loss[/]")
        chart.smoothing = 0.9
        assert await wait_for(pilot, lambda: chart.series[0].raw_y is not None)
        chart.set_data(None, message="nothing logged")
        assert await shows(pilot, "nothing logged")
        assert math.isclose(chart.smoothing, 0.9)


class OneRunApp(App[None]):
    def compose(self):
        yield MetricChart(legend=False)


@pytest.mark.anyio
async def test_single_point_is_named_with_its_value() -> None:
    app = OneRunApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(MetricChart)
        frame = pl.DataFrame({"run_id": ["r"], "step": [0], "timestamp": [1.0], "value": [0.9580419]})
        chart.set_data(frame, title="test_acc")
        assert await shows(pilot, "test_acc = 0.958042 (one point, step 0)")
        assert await wait_for(pilot, lambda: chart.plot.draw_count > 0)


@pytest.mark.anyio
async def test_curve_keeps_the_key_as_title_and_one_run_has_no_legend() -> None:
    app = OneRunApp()
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(MetricChart)
        frame = pl.DataFrame({"run_id": ["r"] * 3, "step": [0, 1, 2], "timestamp": [1.0, 2, 3],
                              "value": [1.0, 0.5, float("nan")]})
        chart.set_data(frame, title="loss", labels={"r": "run-label"})
        assert await wait_for(pilot, lambda: chart.plot.draw_count > 0)
        assert await shows(pilot, "loss")
        text = screen_text(app)
        assert "one point" not in text and "run-label" not in text
