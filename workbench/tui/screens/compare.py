"""Compare runs: params/metrics/tags side by side (best value starred) and overlaid metric curves.

Data comes from `service.compare_runs` and `service.metric_history`, called in worker threads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static
from textual.worker import Worker

from workbench.errors import WorkbenchError
from workbench.formatting import format_number, printable
from workbench.tui import service
from workbench.tui.messages import CatalogChanged, CompareLoaded, HistoryLoaded
from workbench.tui.screens.base import WorkbenchScreen, error_sentence
from workbench.tui.screens.export_view import EXPORT_BINDING
from workbench.tui.service import Comparison
from workbench.tui.widgets.charts import MetricChart, next_smoothing, next_x_axis

if TYPE_CHECKING:
    from workbench.tui.service import Catalog

#: Prefix of the best value of a metric across the compared runs (markup is off: a glyph).
BEST_MARK = "★ "
#: Prefix of every other value, so that values line up under the star.
PLAIN_MARK = "  "

VIEWS = ("both", "table", "chart")

#: Row order in the table (a stable sort keeps compare_runs' key order within a section).
SECTION_ORDER = {"metric": 0, "param": 1, "tag": 2, "run": 3}


@dataclass
class CompareTable:
    """What the table shows: one row per (section, key), one value column per run."""

    run_ids: list[str]
    labels: dict[str, str]
    rows: list[tuple[str, str, list[str]]] = field(default_factory=list)
    metric_keys: list[str] = field(default_factory=list)
    #: The comparison the rows were built from (values as logged), for export.
    source: Comparison | None = None

    def to_arrow(self):
        import pyarrow as pa

        columns: dict[str, list[str]] = {"kind": [r[0] for r in self.rows],
                                         "key": [printable(r[1]) for r in self.rows]}
        for i in range(len(self.run_ids)):
            columns[f"run{i}"] = [printable(r[2][i]) for r in self.rows]
        return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def build_compare_table(comparison: Comparison, run_ids: list[str]) -> CompareTable:
    """Turn the service's Comparison into rows of text with the best metric value starred.

    Values stay as logged until here and are formatted once, for display; `labels` are the
    Comparison's run labels, in the order the runs were given.
    """
    if len(comparison.labels) != len(run_ids):
        raise ValueError("compare_runs returned a different number of runs than asked for")
    labels = dict(zip(run_ids, comparison.labels, strict=True))
    table = CompareTable(run_ids=list(run_ids), labels=labels, source=comparison)
    for row in comparison.rows:
        values = []
        for label, value in zip(comparison.labels, row.values, strict=True):
            text = format_number(value)
            if row.section == "metric" and row.best is not None:
                text = (BEST_MARK if label == row.best else PLAIN_MARK) + text
            values.append(text)
        table.rows.append((row.section, row.key, values))
        if row.section == "metric" and row.key not in table.metric_keys:
            table.metric_keys.append(row.key)
    # what a comparison is for comes first: metrics, then params, tags, and the runs' ids
    table.rows.sort(key=lambda r: SECTION_ORDER.get(r[0], len(SECTION_ORDER)))
    return table


def history_labels(frame: Any, run_ids: list[str]) -> dict[str, str]:
    """Legend labels from metric_history's run_id/run_name columns (names made unique)."""
    names: dict[str, str] = {}
    if frame is not None and "run_name" in frame.columns:
        for rid, name in frame.select("run_id", "run_name").unique().iter_rows():
            names[str(rid)] = str(name)
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    labels = {}
    for rid in run_ids:
        name = names.get(rid)
        if name is None:
            labels[rid] = rid
        else:
            labels[rid] = name if counts[name] == 1 else f"{name} ({rid[:8]})"
    return labels


def one_line(exc: BaseException) -> str:
    """An error as one line for the screen (a WorkbenchError as it is, anything else prefixed)."""
    if isinstance(exc, WorkbenchError):
        return error_sentence(exc)
    return f"could not load the comparison: {error_sentence(exc)}"


class CompareScreen(WorkbenchScreen):
    """Two or more runs side by side: a table of params/metrics/tags and one metric's curves."""

    CSS_PATH = "compare.tcss"
    HELP_TITLE = "Compare"

    BINDINGS = [
        Binding("d", "toggle_diff", "Diffs", tooltip="Show only rows that differ, or every row"),
        Binding("left_square_bracket,p", "previous_metric", "Prev", key_display="[",
                tooltip="Chart the previous metric"),
        Binding("right_square_bracket,n", "next_metric", "Next", key_display="]",
                tooltip="Chart the next metric"),
        Binding("s", "cycle_smoothing", "Smooth", tooltip="Change the chart's smoothing"),
        Binding("x", "cycle_x_axis", "X-axis", tooltip="Chart against step, elapsed or wall time"),
        Binding("v", "cycle_view", "View", tooltip="Show table and chart, the table, or the chart"),
        EXPORT_BINDING,
        Binding("escape,q", "back", "Back", tooltip="Back to the runs"),
    ]

    def __init__(self, catalog: Catalog, run_ids: list[str]) -> None:
        super().__init__()
        self.catalog = catalog
        self.run_ids: list[str] = list(dict.fromkeys(run_ids))
        self.only_diff = False
        self.smoothing = 0.0
        self.x_axis = "step"
        self.view = "both"
        self.table: CompareTable | None = None
        self.metric_keys: list[str] = []
        self.metric_index = 0
        self.labels: dict[str, str] = {rid: rid for rid in self.run_ids}
        self._history: dict[tuple, Any] = {}
        self._pending: tuple | None = None
        self._preloading = False
        #: perf_counter() stamps of the loading steps ("mounted", "table", "history").
        self.timings: dict[str, float] = {}

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Compare {len(self.run_ids)} runs"), id="compare-title", classes="title-bar",
                     markup=False)
        with Vertical(id="compare-table-box"):
            yield Static("loading…", classes="message", markup=False)
        yield MetricChart(id="compare-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.timings["mounted"] = time.perf_counter()
        self.query_one("#compare-table-box").loading = True
        self.chart.plot.empty_message = "loading…"
        self._load_table(self.only_diff)
        # the first chart is fetched alongside the table, once the chart's width is known
        self._preloading = True
        self.call_after_refresh(lambda: self._preload_history(self.chart.max_points))

    @property
    def chart(self) -> MetricChart:
        return self.query_one("#compare-chart", MetricChart)

    @property
    def current_metric(self) -> str | None:
        if not self.metric_keys:
            return None
        return self.metric_keys[self.metric_index % len(self.metric_keys)]

    # -- loading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="compare-table", exit_on_error=False,
          name="load the comparison")
    def _load_table(self, only_diff: bool) -> None:
        comparison = service.compare_runs(self.catalog, self.run_ids, only_diff=only_diff)
        self.post_message(CompareLoaded(build_compare_table(comparison, self.run_ids), only_diff))

    @work(thread=True, exclusive=True, group="compare-preload", exit_on_error=False,
          name="load the first chart")
    def _preload_history(self, max_points: int) -> None:
        """The first metric of the first run, fetched without waiting for the table."""
        run = service.get_run(self.catalog, self.run_ids[0])
        keys = sorted(m.key for m in run.metrics)
        if not keys:
            self.post_message(HistoryLoaded((), None, preload=True))
            return
        cache_key = (keys[0], "step", max_points)
        frame = service.metric_history(self.catalog, self.run_ids, keys[0], max_points, "step")
        self.post_message(HistoryLoaded(cache_key, frame, preload=True))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """Failures show on the screen, in one line, where the table or chart would be."""
        if worker.group == "compare-preload":
            # the table reports errors; the chart waits for it
            self._preloaded(HistoryLoaded((), None, preload=True))
        elif worker.group == "compare-table":
            self.call_later(self._show_table_error, one_line(error))
        else:
            self.chart.set_data(None, message=one_line(error))
        return True

    async def _show_table_error(self, text: str) -> None:
        box = self.query_one("#compare-table-box")
        box.loading = False
        await box.remove_children()
        await box.mount(Static(Text(text), classes="message", markup=False))
        self.chart.set_data(None, message=text)

    @on(CompareLoaded)
    async def _show_table(self, message: CompareLoaded) -> None:
        self.timings.setdefault("table", time.perf_counter())
        box = self.query_one("#compare-table-box")
        box.loading = False
        table = message.table
        first_load = self.table is None
        self.table = table
        relabel = self.labels != table.labels and self._pending in self._history
        self.labels = table.labels
        if first_load or not self.metric_keys:
            shown = self.current_metric
            self.metric_keys = list(table.metric_keys)
            if shown in self.metric_keys:
                self.metric_index = self.metric_keys.index(shown)
        else:
            # keep every key seen (only-diff may hide a metric's row, never its chart)
            self.metric_keys += [k for k in table.metric_keys if k not in self.metric_keys]
        await box.remove_children()
        if table.rows:
            await box.mount(self._make_table(table))
        else:
            text = ("No differences: every param, metric and tag is equal."
                    if message.only_diff else "Nothing to compare.")
            await box.mount(Static(text, classes="message", markup=False))
        self._update_title()
        if relabel:
            self._show_history(self._pending)
        if first_load and not self._preloading and self._pending is None:
            self._load_chart()

    def _make_table(self, table: CompareTable):
        from textual_fastdatatable import ArrowBackend, DataTable

        labels: list[str | Text] = [Text("kind"), Text("key")]
        labels += [Text(printable(table.labels.get(rid, rid))) for rid in table.run_ids]
        return DataTable(
            backend=ArrowBackend(table.to_arrow()),
            column_labels=labels,
            render_markup=False,
            cursor_type="row",
            fixed_columns=2,
            show_row_labels=False,
            max_column_content_width=40,
            id="compare-table",
        )

    def _load_chart(self) -> None:
        key = self.current_metric
        self._update_chart_title()
        if key is None:
            self.chart.set_data(None, message="These runs logged no metrics.")
            return
        service_x = "step" if self.x_axis == "step" else "time"
        cache_key = (key, service_x, self.chart.max_points)
        if cache_key in self._history:
            self._show_history(cache_key)
            return
        self._pending = cache_key
        self._load_history(cache_key)

    @work(thread=True, exclusive=True, group="compare-history", exit_on_error=False,
          name="load the chart")
    def _load_history(self, cache_key: tuple) -> None:
        key, service_x, max_points = cache_key
        frame = service.metric_history(self.catalog, self.run_ids, key, max_points, service_x)
        self.post_message(HistoryLoaded(cache_key, frame))

    @on(HistoryLoaded)
    def _history_loaded(self, message: HistoryLoaded) -> None:
        self.timings.setdefault("history", time.perf_counter())
        if message.preload:
            self._preloaded(message)
            return
        self._history[message.request] = message.frame
        if message.request == self._pending:
            self._show_history(message.request)

    def _preloaded(self, message: HistoryLoaded) -> None:
        self._preloading = False
        if message.request:
            self._history[message.request] = message.frame
        if self._pending is not None:
            return  # the user (or the table) already asked for another chart
        if not message.request:
            if self.table is not None:
                self._load_chart()
            return
        key = message.request[0]
        if self.table is None:
            # no table yet: show this metric now, labelled with the names in the history
            self.metric_keys = [key]
            self.metric_index = 0
            self.labels = history_labels(message.frame, self.run_ids)
        elif key in self.metric_keys:
            self.metric_index = self.metric_keys.index(key)
        else:
            self._load_chart()
            return
        self._pending = message.request
        self._show_history(message.request)

    def _show_history(self, cache_key: tuple) -> None:
        key = cache_key[0]
        frame = self._history[cache_key]
        self.chart.set_data(
            frame,
            title=key,
            labels=self.labels,
            order=self.run_ids,
            message=f"No finite points for {printable(key)}.",
            x_axis=self.x_axis,
            smoothing=self.smoothing,
        )
        self._update_chart_title()

    def on_catalog_changed(self, message: CatalogChanged) -> None:
        """A run being compared may still be logging: reload what is shown."""
        if self.table is None:
            return  # the first load is still under way and will read the new data
        self._history.clear()
        self._load_table(self.only_diff)
        self._load_chart()

    # -- titles ----------------------------------------------------------------------------

    def _update_title(self) -> None:
        parts = [f"Compare {len(self.run_ids)} runs"]
        if self.table is not None:
            rows = len(self.table.rows)
            parts.append(f"{rows} rows" + (" that differ" if self.only_diff else ""))
        parts.append("★ best value")
        self.query_one("#compare-title", Static).update(Text(" · ".join(parts)))

    def _update_chart_title(self) -> None:
        key = self.current_metric
        if key is None:
            self.chart.border_title = None
            return
        from textual.content import Content

        position = f" ({self.metric_index % len(self.metric_keys) + 1}/{len(self.metric_keys)})"
        self.chart.border_title = Content(printable(key)) + Content(position)

    # -- actions ---------------------------------------------------------------------------

    def action_toggle_diff(self) -> None:
        self.only_diff = not self.only_diff
        self.query_one("#compare-table-box").loading = True
        self._load_table(self.only_diff)
        self.notify("Showing only rows that differ." if self.only_diff else "Showing every row.",
                    markup=False, timeout=2)

    def action_next_metric(self) -> None:
        if self.metric_keys:
            self.metric_index = (self.metric_index + 1) % len(self.metric_keys)
            self._load_chart()

    def action_previous_metric(self) -> None:
        if self.metric_keys:
            self.metric_index = (self.metric_index - 1) % len(self.metric_keys)
            self._load_chart()

    def action_cycle_smoothing(self) -> None:
        self.smoothing = next_smoothing(self.smoothing)
        self.chart.smoothing = self.smoothing

    def action_cycle_x_axis(self) -> None:
        self.x_axis = next_x_axis(self.x_axis)
        self._load_chart()

    def action_cycle_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        for view in VIEWS:
            self.set_class(self.view == view, f"-view-{view}")
        if self.view != "table" and self.current_metric is not None:
            # the chart's width changed: fetch as many points as it can now show
            self.call_after_refresh(self._load_chart)

    def export_view(self):
        if self.table is None or self.table.source is None:
            return None
        return "compare", self.table.source.to_frame()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_data_table_row_highlighted(self, event: Any) -> None:
        """Moving the cursor onto a metric's row shows that metric's curves."""
        if self.table is None:
            return
        row = event.cursor_row
        if 0 <= row < len(self.table.rows):
            section, key, _ = self.table.rows[row]
            if section == "metric" and key in self.metric_keys:
                index = self.metric_keys.index(key)
                if index != self.metric_index % len(self.metric_keys):
                    self.metric_index = index
                    self._load_chart()
