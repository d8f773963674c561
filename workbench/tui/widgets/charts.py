"""Metric curves on textual-plotext: one chart per metric key, one coloured series per run.

The one plot widget of the app: run detail (one run) and compare (several) both use it.
Each chart draws on its own `self.plt` (plotext's module-level figure is never touched).
`MetricChart` takes a polars DataFrame of points (series id, step, timestamp, value), as
`queries.metric_history` returns them, and draws it with optional EMA smoothing and an x axis
by step, time since the series' first point, or wall-clock time (UTC).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static
from textual_plotext import PlotextPlot

from workbench.formatting import printable

if TYPE_CHECKING:
    import polars as pl

XAxis = Literal["step", "relative", "wall"]

#: The x axes a chart cycles through, in order.
X_AXES: tuple[XAxis, ...] = ("step", "relative", "wall")
X_AXIS_TITLES: dict[str, str] = {
    "step": "step",
    "relative": "time since first point",
    "wall": "wall time (UTC)",
}

#: EMA weights a chart cycles through, like TensorBoard's smoothing slider.
SMOOTHING_STEPS: tuple[float, ...] = (0.0, 0.6, 0.9, 0.99)

#: Series colours (Tableau 10): distinct on dark and light backgrounds, and still
#: distinguishable after the terminal downgrades them to 256 colours.
SERIES_COLORS: tuple[tuple[int, int, int], ...] = (
    (78, 121, 167),
    (242, 142, 43),
    (225, 87, 89),
    (118, 183, 178),
    (89, 161, 79),
    (237, 201, 72),
    (176, 122, 161),
    (255, 157, 167),
    (156, 117, 95),
    (186, 176, 172),
)

#: Braille cells hold 2x4 dots, so about two points per column is what a chart can show.
POINTS_PER_COLUMN = 2


@dataclass(frozen=True)
class Series:
    """One curve ready to draw: x and y as plain lists, plus the raw y under a smoothed one."""

    id: str
    label: str
    color: tuple[int, int, int]
    x: list[float]
    y: list[float]
    raw_y: list[float] | None = None

    @property
    def points(self) -> int:
        return len(self.x)


def next_smoothing(weight: float) -> float:
    """The smoothing weight after `weight` in SMOOTHING_STEPS (wrapping round)."""
    steps = list(SMOOTHING_STEPS)
    index = steps.index(weight) if weight in steps else -1
    return steps[(index + 1) % len(steps)]


def next_x_axis(axis: str) -> XAxis:
    """The x axis after `axis` in X_AXES (wrapping round)."""
    index = X_AXES.index(axis) if axis in X_AXES else -1  # type: ignore[arg-type]
    return X_AXES[(index + 1) % len(X_AXES)]


def series_color(index: int) -> tuple[int, int, int]:
    """The colour of the `index`-th series."""
    return SERIES_COLORS[index % len(SERIES_COLORS)]


def prepare_series(
    data: pl.DataFrame | None,
    *,
    x_axis: str = "step",
    smoothing: float = 0.0,
    labels: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    series_column: str | None = None,
) -> list[Series]:
    """Turn a points DataFrame into drawable series, one per distinct series id.

    `data` has a series column (`series_column`, else `series`, `label` or `run_id`), `step`,
    `timestamp` (epoch seconds or a datetime) and `value`. Non-finite values are left out
    (a curve cannot show them); smoothing is TensorBoard's debiased EMA over the finite
    points. `labels` maps series ids to legend text; `order` fixes colours to positions
    (a run keeps its colour when another run has no points for this key).
    """
    import polars as pl

    if data is None or data.height == 0:
        return []
    column = series_column or next(
        (c for c in ("series", "label", "run_id") if c in data.columns), None
    )
    if column is None:
        raise ValueError("metric data needs a 'series', 'label' or 'run_id' column")
    labels = labels or {}

    frame = data.select(
        pl.col(column).cast(pl.Utf8).alias("_series"),
        pl.col("step").cast(pl.Float64).alias("_step"),
        _epoch_seconds(data, "timestamp").alias("_ts"),
        pl.col("value").cast(pl.Float64).alias("_value"),
    ).filter(pl.col("_value").is_finite())
    if x_axis == "step":
        frame = frame.with_columns(pl.col("_step").alias("_x"))
    elif x_axis == "relative":
        frame = frame.with_columns((pl.col("_ts") - pl.col("_ts").min().over("_series")).alias("_x"))
    else:
        frame = frame.with_columns(pl.col("_ts").alias("_x"))
    frame = frame.filter(pl.col("_x").is_finite()).sort(["_series", "_x", "_step"])
    if smoothing > 0:
        frame = frame.with_columns(
            pl.col("_value")
            .ewm_mean(alpha=1.0 - smoothing, adjust=True)
            .over("_series")
            .alias("_smooth")
        )

    ids_in_data = frame.get_column("_series").unique(maintain_order=True).to_list()
    ordered = [s for s in (order or []) if s in set(ids_in_data)]
    ordered += [s for s in ids_in_data if s not in set(ordered)]
    positions = {s: i for i, s in enumerate(order or ids_in_data)}
    for s in ordered:
        positions.setdefault(s, len(positions))

    out: list[Series] = []
    parts = {key[0]: part for key, part in frame.partition_by("_series", as_dict=True).items()}
    for sid in ordered:
        part = parts[sid]
        x = part.get_column("_x").to_list()
        raw = part.get_column("_value").to_list()
        if smoothing > 0:
            y = part.get_column("_smooth").to_list()
            out.append(Series(sid, labels.get(sid, sid), series_color(positions[sid]), x, y, raw))
        else:
            out.append(Series(sid, labels.get(sid, sid), series_color(positions[sid]), x, raw))
    return out


def _epoch_seconds(data: pl.DataFrame, name: str) -> pl.Expr:
    import polars as pl

    if name not in data.columns:
        return pl.lit(float("nan"), dtype=pl.Float64)
    dtype = data.schema[name]
    if dtype.is_temporal():
        # naive timestamps hold UTC (the catalog's rule)
        return pl.col(name).cast(pl.Datetime("us")).dt.epoch("us").cast(pl.Float64) / 1e6
    return pl.col(name).cast(pl.Float64)


def fmt_elapsed(seconds: float) -> str:
    """Seconds as a short tick label: '45s', '12m', '1h30', '2d04'."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        m, r = divmod(s, 60)
        return f"{m}m" if r == 0 else f"{m}m{r:02d}"
    if s < 86400:
        h, r = divmod(s, 3600)
        return f"{h}h{r // 60:02d}"
    d, r = divmod(s, 86400)
    return f"{d}d{r // 3600:02d}"


def fmt_clock(epoch: float, span: float) -> str:
    """An epoch time as a UTC tick label, with the date only when the span needs it."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    if span >= 2 * 86400:
        return moment.strftime("%m-%d %H:%M")
    if span >= 120:
        return moment.strftime("%H:%M")
    return moment.strftime("%H:%M:%S")


def fmt_step(value: float) -> str:
    """A step tick label: integers, with k/M for big ones."""
    v = abs(value)
    if v >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if v >= 10_000:
        return f"{value / 1000:.4g}k"
    return str(int(round(value))) if value == int(value) else f"{value:.3g}"


def _ticks(lo: float, hi: float, count: int) -> list[float]:
    """`count` evenly spaced ticks from lo to hi (one when they are equal)."""
    if count < 2 or hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / (count - 1) for i in range(count)]


def _nice_step_ticks(lo: float, hi: float, count: int) -> list[float]:
    """Round-numbered ticks within [lo, hi] for an integer axis."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(step, 1.0)
    first = math.ceil(lo / step) * step
    ticks = []
    value = first
    while value <= hi + 1e-9 and len(ticks) < 50:
        ticks.append(value)
        value += step
    return ticks or [lo]


def _dim(color: tuple[int, int, int], amount: float = 0.55) -> tuple[int, int, int]:
    """`color` mixed toward grey: the raw curve drawn under a smoothed one."""
    grey = 110
    return tuple(int(c * (1 - amount) + grey * amount) for c in color)  # type: ignore[return-value]


class ChartPlot(PlotextPlot):
    """A PlotextPlot that draws a list of Series and caches the drawing until something changes."""

    DEFAULT_CSS = """
    ChartPlot { width: 1fr; height: 1fr; min-height: 5; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.series: list[Series] = []
        self.x_axis: str = "step"
        self.empty_message: str = "no points"
        self._version = 0
        self._cache_key: tuple | None = None
        self._cache: RenderResult | None = None
        #: How many times a chart with data has been drawn, and how long the last draw took.
        self.draw_count = 0
        self.last_draw_s = 0.0
        #: time.perf_counter() when the last chart with data was drawn.
        self.last_drawn_at = 0.0

    def show(self, series: list[Series], x_axis: str, empty_message: str = "no points") -> None:
        """Replace what the chart draws and repaint."""
        self.series = series
        self.x_axis = x_axis
        self.empty_message = empty_message
        self._version += 1
        self.refresh()

    def render(self) -> RenderResult:
        key = (self._version, self.size.width, self.size.height, self.app.theme, self.theme)
        if key == self._cache_key and self._cache is not None:
            return self._cache
        if not self.series or self.size.width < 10 or self.size.height < 4:
            result: RenderResult = Text(self.empty_message, style="dim", justify="center")
        else:
            started = time.perf_counter()
            self._draw()
            result = super().render()
            self.last_drawn_at = time.perf_counter()
            self.last_draw_s = self.last_drawn_at - started
            self.draw_count += 1
        self._cache_key, self._cache = key, result
        return result

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        smoothed = any(s.raw_y is not None for s in self.series)
        if smoothed:
            for s in self.series:
                plt.plot(s.x, s.raw_y, color=_dim(s.color), marker="braille")
        for s in self.series:
            if s.points == 1:
                # one value (a final score, say): a lone braille dot reads as noise
                plt.scatter(s.x, s.y, color=s.color, marker="●")
            else:
                plt.plot(s.x, s.y, color=s.color, marker="braille")
        lo = min(min(s.x) for s in self.series if s.x)
        hi = max(max(s.x) for s in self.series if s.x)
        count = max(2, min(6, self.size.width // 14))
        if self.x_axis == "step":
            ticks = _nice_step_ticks(lo, hi, count)
            plt.xticks(ticks, [fmt_step(t) for t in ticks])
        elif self.x_axis == "relative":
            ticks = _ticks(lo, hi, count)
            plt.xticks(ticks, [fmt_elapsed(t) for t in ticks])
        else:
            count = max(2, min(5, self.size.width // 16))
            ticks = _ticks(lo, hi, count)
            plt.xticks(ticks, [fmt_clock(t, hi - lo) for t in ticks])
        if hi > lo:
            plt.xlim(lo, hi)


class MetricChart(Vertical):
    """One metric's curves: a plot with a one-line legend (run labels shown literally).

    With `legend=False` (one run's chart) there is no legend and no axis/smoothing note.

    Feed it with `set_data(df, labels=..., title=...)`; change `x_axis` ("step",
    "relative", "wall") and `smoothing` (an EMA weight in [0, 1)) at any time.
    `max_points` is how many points per series are worth fetching for the current width.
    """

    DEFAULT_CSS = """
    MetricChart {
        height: 1fr; min-height: 6; border: round $primary 50%;
        border-title-color: $text; border-title-style: bold; border-subtitle-color: $text-muted;
    }
    MetricChart > ChartPlot { height: 1fr; }
    MetricChart > .chart-legend { height: auto; max-height: 3; padding: 0 1; }
    """

    x_axis: reactive[str] = reactive("step", init=False)
    smoothing: reactive[float] = reactive(0.0, init=False)

    def __init__(
        self,
        data: pl.DataFrame | None = None,
        *,
        title: str = "",
        labels: Mapping[str, str] | None = None,
        order: Sequence[str] | None = None,
        x_axis: str = "step",
        smoothing: float = 0.0,
        legend: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.show_legend = legend
        self._data = data
        self._title = printable(title)
        self._labels: dict[str, str] = {k: printable(v) for k, v in (labels or {}).items()}
        self._order: list[str] = list(order or [])
        self._message = "no points"
        self.set_reactive(MetricChart.x_axis, x_axis)
        self.set_reactive(MetricChart.smoothing, smoothing)
        self.series: list[Series] = []
        self._ready = False

    def compose(self) -> ComposeResult:
        yield ChartPlot()
        legend = Static("", classes="chart-legend", markup=False)
        legend.display = self.show_legend
        yield legend

    def on_mount(self) -> None:
        self._ready = True
        self._redraw()

    @property
    def plot(self) -> ChartPlot:
        return self.query_one(ChartPlot)

    @property
    def max_points(self) -> int:
        """Points per series worth fetching for the plot's current width."""
        width = self.plot.size.width if self._ready else 0
        return max(64, (width or 80) * POINTS_PER_COLUMN)

    def set_data(
        self,
        data: pl.DataFrame | None,
        *,
        title: str | None = None,
        labels: Mapping[str, str] | None = None,
        order: Sequence[str] | None = None,
        message: str | None = None,
        x_axis: str | None = None,
        smoothing: float | None = None,
    ) -> None:
        """Show `data` (None or empty shows `message`, default 'no points'), drawn once."""
        if x_axis is not None:
            self.set_reactive(MetricChart.x_axis, x_axis)
        if smoothing is not None:
            self.set_reactive(MetricChart.smoothing, smoothing)
        self._data = data
        if title is not None:
            self._title = printable(title)
        if labels is not None:
            self._labels = {k: printable(v) for k, v in labels.items()}
        if order is not None:
            self._order = list(order)
        self._message = message or "no points"
        self._redraw()

    def watch_x_axis(self) -> None:
        self._redraw()

    def watch_smoothing(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if not self._ready:
            return
        self.series = prepare_series(
            self._data,
            x_axis=self.x_axis,
            smoothing=self.smoothing,
            labels=self._labels,
            order=self._order,
        )
        self.plot.show(self.series, self.x_axis, self._message)
        self.border_title = Content(self._heading()) if self._title else None
        self.border_subtitle = Content(self._subtitle()) if self.show_legend else None
        self.query_one(".chart-legend", Static).update(self._legend())

    def _heading(self) -> str:
        """The metric's key; with a single point, its value too ('acc = 0.93 (one point, step 4)')."""
        if len(self.series) == 1 and self.series[0].points == 1:
            only = self.series[0]
            return f"{self._title} = {only.y[0]:.6g} (one point, step {fmt_step(only.x[0])})"
        return self._title

    def _subtitle(self) -> str:
        parts = [f"x: {X_AXIS_TITLES.get(self.x_axis, self.x_axis)}"]
        parts.append(f"smoothing {self.smoothing:g}" if self.smoothing else "no smoothing")
        return " · ".join(parts)

    def _legend(self) -> Text:
        legend = Text(no_wrap=False, overflow="ellipsis")
        for i, s in enumerate(self.series):
            if i:
                legend.append("  ")
            legend.append("━━ ", style=f"bold rgb({s.color[0]},{s.color[1]},{s.color[2]})")
            legend.append(s.label)
        return legend
