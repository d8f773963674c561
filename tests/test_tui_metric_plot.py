"""The run-detail chart: a metric with a single value says so instead of plotting a lone dot."""

from __future__ import annotations

import pytest
from test_tui_support import screen_text
from textual.app import App, ComposeResult

from workbench.tui.widgets.metric_plot import MetricPlot

pytestmark = pytest.mark.anyio


class PlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricPlot()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_single_point_is_named_with_its_value() -> None:
    app = PlotApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(MetricPlot).show_points("test_acc", [0], [0.9580419])
        await pilot.pause(0.2)
        assert "test_acc = 0.958042 (one point, step 0)" in screen_text(app)


async def test_curve_keeps_the_key_as_title() -> None:
    app = PlotApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(MetricPlot).show_points("loss", [0, 1, 2], [1.0, 0.5, float("nan")])
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "loss" in text and "one point" not in text
