"""The compare screen: table of params/metrics/tags, only-diff toggle, best marks, curves."""

from __future__ import annotations

import pytest
from _runfolders import build_catalog
from _tui import ScreenHost, screen_text, shows, wait_for, write_compare_runs

from workbench.catalog.connection import Catalog
from workbench.catalog.queries import ComparedRow, Comparison
from workbench.cli.output import format_cell
from workbench.formatting import format_number
from workbench.tui.screens.compare import (
    BEST_MARK,
    CompareScreen,
    build_compare_table,
)
from workbench.tui.widgets.charts import MetricChart

pytestmark = pytest.mark.anyio


def loaded(app) -> bool:
    screen = app.screen
    return (
        isinstance(screen, CompareScreen)
        and screen.table is not None
        and not screen.query_one("#compare-table-box").loading
        and screen.chart.plot.draw_count > 0
    )


def row_of(screen: CompareScreen, section: str, key: str) -> list[str] | None:
    assert screen.table is not None
    for sec, k, values in screen.table.rows:
        if (sec, k) == (section, key):
            return values
    return None


@pytest.fixture
def catalog(tmp_path) -> tuple[Catalog, list[str]]:
    db, root = build_catalog(tmp_path, write_compare_runs)
    return Catalog(db), ["run-a", "run-b", "run-c"]


def test_compare_runs_ingest(catalog) -> None:
    from workbench.catalog import queries

    cat, ids = catalog
    frame = queries.list_runs(cat)
    assert sorted(frame.get_column("id").to_list()) == ids
    assert "[red]x[/]" in frame.get_column("name").to_list()


def compare_app(catalog, count: int = 3) -> ScreenHost:
    cat, ids = catalog
    return ScreenHost(lambda: CompareScreen(cat, ids[:count]))


async def test_compare_shows_both_runs_params_and_names_literally(catalog) -> None:
    app = compare_app(catalog, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        screen = app.screen
        assert row_of(screen, "param", "lr") == ["0.1", "0.01"]
        assert row_of(screen, "param", "optimizer") == ["sgd", "sgd"]
        table = screen.query_one("#compare-table")
        headers = [col.label.plain for col in table.ordered_columns]
        assert headers == ["kind", "key", "baseline", "[red]x[/]"]
        assert await shows(pilot, "[red]x[/]", "baseline")  # the run name, not red "x"
        assert "[/]" in screen_text(app).replace("[red]x[/]", "")  # the param key and value


async def test_only_diff_toggle_hides_equal_rows(catalog) -> None:
    app = compare_app(catalog, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        screen = app.screen
        assert row_of(screen, "param", "epochs") == ["10", "10"]
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: screen.only_diff and screen.table and row_of(screen, "param", "epochs") is None,
        )
        assert row_of(screen, "param", "lr") == ["0.1", "0.01"]
        assert row_of(screen, "tag", "team") is None  # equal tag hidden
        assert row_of(screen, "tag", "stage") == ["dev", "prod"]
        await pilot.press("d")
        await wait_for(pilot, lambda: row_of(screen, "param", "epochs") is not None)
        assert not screen.only_diff


async def test_best_metric_value_is_starred(catalog) -> None:
    app = compare_app(catalog, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        screen = app.screen
        loss = row_of(screen, "metric", "loss")
        acc = row_of(screen, "metric", "acc")
        assert loss is not None and acc is not None
        # run-b ("[red]x[/]") has the lowest loss and the highest acc
        assert [v.startswith(BEST_MARK) for v in loss] == [False, True, False]
        assert [v.startswith(BEST_MARK) for v in acc] == [False, True, False]
        assert await shows(pilot, BEST_MARK.strip())


async def test_smoothing_and_x_axis_keys_change_the_chart(catalog) -> None:
    app = compare_app(catalog, 3)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        screen = app.screen
        chart = screen.query_one(MetricChart)
        assert len(chart.series) == 3 and chart.series[0].raw_y is None
        raw = list(chart.series[0].y)

        await pilot.press("s")
        assert await wait_for(pilot, lambda: screen.smoothing == chart.smoothing == 0.6)
        assert chart.series[0].raw_y == raw and chart.series[0].y != raw
        for expected in (0.9, 0.99, 0.0):
            await pilot.press("s")
            assert await wait_for(pilot, lambda expected=expected: chart.smoothing == expected)

        await pilot.press("x")
        await wait_for(pilot, lambda: chart.x_axis == "relative" and chart.series)
        assert all(s.x[0] == 0 for s in chart.series)
        assert chart.series[1].x[-1] == pytest.approx(59 * 3.0)  # run-b: 3 s per step
        draws = chart.plot.draw_count
        await pilot.press("x")
        await wait_for(pilot, lambda: chart.x_axis == "wall" and chart.plot.draw_count > draws)
        assert chart.series[0].x[0] == pytest.approx(1_763_924_223.0)
        await pilot.press("x")
        await wait_for(pilot, lambda: chart.x_axis == "step")
        assert chart.series[0].x[:3] == [0.0, 1.0, 2.0]


async def test_chart_keeps_the_spike_and_switches_metric(catalog) -> None:
    app = compare_app(catalog, 3)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        screen = app.screen
        assert screen.metric_keys == ["acc", "loss"]
        assert screen.current_metric == "acc"
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.chart._title == "loss")
        series = screen.chart.series
        # step 30 holds a 3x spike in every run: downsampling must not drop it
        for s in series:
            assert 30.0 in s.x
            spike = s.y[s.x.index(30.0)]
            assert spike == max(y for x, y in zip(s.x, s.y, strict=True) if x >= 20)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen.chart._title == "acc")


async def test_view_key_and_escape_back(catalog) -> None:
    app = compare_app(catalog, 2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        screen = app.screen
        await pilot.press("v")
        assert await wait_for(pilot, lambda: screen.has_class("-view-table") and not screen.chart.display)
        await pilot.press("v")
        assert await wait_for(pilot, lambda: screen.has_class("-view-chart"))
        assert not screen.query_one("#compare-table-box").display
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))


async def test_unknown_run_shows_one_sentence(catalog) -> None:
    cat, _ = catalog
    app = ScreenHost(lambda: CompareScreen(cat, ["no-such-run", "run-a"]))
    async with app.run_test(size=(80, 24)) as pilot:
        assert await shows(pilot, "no run matches 'no-such-run'")
        assert not app.screen.query_one("#compare-table-box").loading


def test_build_compare_table_stars_best_and_orders_sections() -> None:
    comparison = Comparison(
        run_ids=["ida", "idb"],
        labels=["a", "b (bbbb)"],
        rows=[
            ComparedRow("run", "id", ("a", "b")),
            ComparedRow("param", "lr", (0.1, 2)),
            ComparedRow("metric", "loss", (0.123456789, 0.5), best="a"),
            ComparedRow("tag", "t", ("x", None)),
        ],
    )
    table = build_compare_table(comparison, ["ida", "idb"])
    assert table.labels == {"ida": "a", "idb": "b (bbbb)"}
    assert [r[0] for r in table.rows] == ["metric", "param", "tag", "run"]
    assert table.rows[0][2] == [BEST_MARK + "0.123457", "  0.5"]
    assert table.rows[1][2] == ["0.1", "2"]
    assert table.rows[2][2] == ["x", ""]
    assert table.metric_keys == ["loss"]
    assert table.to_arrow().num_rows == 4


def test_compare_formats_raw_values_once_like_the_other_views() -> None:
    """A metric is formatted from its value (never parsed back from text), the same way
    the runs table, run detail and the CLI format it."""
    value = 0.8074487624138587
    comparison = Comparison(["i"], ["a"], [ComparedRow("metric", "acc", (value,), best="a")])
    shown = build_compare_table(comparison, ["i"]).rows[0][2][0]
    assert shown == BEST_MARK + format_number(value) == BEST_MARK + "0.807449"
    assert format_cell(value) == format_number(value)


def _snapshot_run_before(app):
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: loaded(app))
        await shows(pilot, "★", "baseline")

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_compare_snapshot(catalog, snap_compare, size) -> None:
    app = compare_app(catalog, 3)
    assert snap_compare(app, terminal_size=size, run_before=_snapshot_run_before(app))
