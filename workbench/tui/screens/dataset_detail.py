"""One dataset version's profile (a table of columns and a histogram of the highlighted one,
computed in a cancellable worker with progress) and the diff of two versions."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker
from textual_plotext import PlotextPlot

from workbench.datasets.profile import ProfileCancelled
from workbench.errors import WorkbenchError
from workbench.formatting import printable
from workbench.tui import service
from workbench.tui.keys import keys_for
from workbench.tui.messages import DiffLoaded, ProfileLoaded
from workbench.tui.screens.base import WorkbenchScreen, error_sentence
from workbench.tui.screens.datasets import cell
from workbench.tui.screens.export_view import EXPORT_BINDING

if TYPE_CHECKING:
    from workbench.tui.service import Catalog


def number(value: Any) -> str:
    """A statistic in a table cell: 4 significant digits, or the text itself."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def axis_ticks(edges: list[float], count: int = 5) -> list[float]:
    """Up to `count` of the histogram's bin edges, evenly spread, first and last included."""
    if len(edges) <= count:
        return list(edges)
    step = (len(edges) - 1) / (count - 1)
    return [edges[round(i * step)] for i in range(count)]


def percent(rate: float | None) -> str:
    """A null rate as the profile shows it (0.0%, 12.5%); blank when unknown."""
    return "" if rate is None else f"{rate:.1%}"


class ProfileScreen(WorkbenchScreen):
    """The profile of one version; x cancels while it is computed, r computes it again."""

    CSS_PATH = "dataset_detail.tcss"
    HELP_TITLE = "Dataset profile"
    HELP_TEXT = "The histogram follows the highlighted column (top values for text)."
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the datasets"),
        Binding("x", "cancel", "Cancel", tooltip="Stop the profile being computed"),
        Binding("r", "refresh", "Recompute", tooltip="Profile the file again"),
        Binding("l", "lineage", "Lineage", tooltip="Runs and models that used this version"),
        EXPORT_BINDING,
    ]

    def __init__(self, catalog: Catalog, ref: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.ref = ref
        self.profile: Any = None
        self.state = "loading"  # loading, done, cancelled, failed
        self.plotted: str | None = None  # the column the chart shows
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield Static(Text(printable(f"Profile · {self.ref}")), id="title", classes="title-bar", markup=False)
        yield ProgressBar(id="progress", show_eta=False)
        yield Static(Text("reading the catalog…"), id="status", markup=False)
        with Horizontal(id="body"):
            yield DataTable(id="columns", cursor_type="row", zebra_stripes=True)
            yield PlotextPlot(id="hist")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("column", "type", "nulls", "distinct", "mean", "p50")
        self._compute(refresh=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel is offered (in the footer too) only while a profile is being computed."""
        return self.state == "loading" if action == "cancel" else True

    def _set_state(self, state: str) -> None:
        self.state = state
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="profile", exit_on_error=False,
          name="profile the dataset version")
    def _compute(self, refresh: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        version, profile = service.profile_version(
            self.catalog, self.ref, progress, self._cancel.is_set, refresh=refresh
        )
        self.post_message(ProfileLoaded(version, profile))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """A cancelled or failed profile says so in the status line, where the progress was."""
        self._set_state("cancelled" if isinstance(error, ProfileCancelled) else "failed")
        self.add_class("-done")
        self.query_one("#status", Static).update(Text(error_sentence(error)))
        return _is_user_error(error)

    def _progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self.query_one("#status", Static).update(
            Text(f"profiling: {done} of {total} columns ({keys_for(self.BINDINGS, 'cancel')} cancels)")
        )

    @on(ProfileLoaded)
    def _loaded(self, message: ProfileLoaded) -> None:
        profile = self.profile = message.profile
        self._set_state("done")
        self.add_class("-done")
        exact = "exact" if profile.distinct_exact else "approximate (~)"
        source = "stored" if profile.cached else f"computed in {profile.seconds:.1f} s"
        self.query_one("#status", Static).update(
            Text(printable(f"{profile.rows:,} rows · {len(profile.columns)} columns · distinct {exact} · {source}"))
        )
        table = self.query_one(DataTable)
        table.clear()
        for c in profile.columns:
            distinct = c.distinct_count if c.distinct_exact else f"~{c.distinct_count}"
            table.add_row(
                cell(c.name), cell(c.dtype), cell(f"{c.null_rate:.1%}"), cell(distinct),
                cell(number(c.mean)), cell(number((c.quantiles or {}).get("p50"))),
            )  # fmt: skip
        if profile.columns:
            self._plot(profile.columns[0])
        table.focus()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.profile is not None and 0 <= event.cursor_row < len(self.profile.columns):
            self._plot(self.profile.columns[event.cursor_row])

    def _plot(self, column: Any) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(printable(column.name)[:40])
        if column.histogram:
            edges, counts = column.histogram["edges"], column.histogram["counts"]
            centers = [(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)]
            plt.bar(centers, counts, width=0.9)
            ticks = axis_ticks(edges)
            plt.xticks(ticks, [number(t) for t in ticks])  # 12.27, not 12.273325000000002
        elif column.top:
            labels = [str(v)[:12] for v, _ in column.top[:8]]
            plt.bar(labels, [n for _, n in column.top[:8]], orientation="horizontal")
        plot.refresh()
        self.plotted = column.name

    def action_cancel(self) -> None:
        if self.state == "loading":
            self._cancel.set()

    def action_refresh(self) -> None:
        self._cancel.clear()
        self._set_state("loading")
        self.remove_class("-done")
        self.query_one("#status", Static).update(Text("profiling…"))
        self._compute(refresh=True)

    def action_lineage(self) -> None:
        from workbench.tui.screens.lineage import LineageScreen

        self.app.push_screen(LineageScreen(self.catalog, f"dataset:{self.ref}"))

    def action_back(self) -> None:
        self._cancel.set()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._cancel.set()


class DiffScreen(WorkbenchScreen):
    """Schema changes and per-column profile changes between two versions."""

    CSS_PATH = "dataset_detail.tcss"
    HELP_TITLE = "Dataset diff"
    HELP_TEXT = "The table compares each column's null rate, mean and distinct count."
    BINDINGS = [Binding("escape", "back", "Back", tooltip="Back to the datasets"), EXPORT_BINDING]

    def __init__(self, catalog: Catalog, ref_a: str, ref_b: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.refs = (ref_a, ref_b)
        self.diff: Any = None

    def compose(self) -> ComposeResult:
        yield Static(Text(printable(f"Diff · {self.refs[0]} → {self.refs[1]}")), id="title",
                     classes="title-bar", markup=False)
        yield Static(Text("comparing…"), id="summary", markup=False)
        yield DataTable(id="changes", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("column", "null a", "null b", "mean a", "mean b",
                                              "dist a", "dist b")  # fmt: skip
        self._compute()

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False,
          name="compare the dataset versions")
    def _compute(self) -> None:
        self.post_message(DiffLoaded(service.diff_versions(self.catalog, *self.refs)))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """The error takes the summary's place."""
        self.query_one("#summary", Static).update(Text(error_sentence(error)))
        return _is_user_error(error)

    @on(DiffLoaded)
    def _loaded(self, message: DiffLoaded) -> None:
        diff = self.diff = message.diff
        summary = Text(f"rows {diff.rows_a} → {diff.rows_b} ({diff.rows_change:+d})\n"
                       if diff.rows_change is not None else "rows unknown\n")  # fmt: skip
        for label, columns in (("added", diff.added), ("removed", diff.removed)):
            if columns:
                summary.append(f"{label}: ", style="bold")
                summary.append(printable(", ".join(c.name for c in columns)) + "\n")
        if diff.retyped:
            summary.append("retyped: ", style="bold")
            summary.append(printable(", ".join(f"{n} {a}→{b}" for n, a, b in diff.retyped)) + "\n")
        if not (diff.added or diff.removed or diff.retyped):
            summary.append("same columns and types\n", style="dim")
        if diff.note:
            summary.append(printable(diff.note), style="dim")
        self.query_one("#summary", Static).update(summary)
        table = self.query_one(DataTable)
        for c in diff.columns:
            table.add_row(
                cell(c.name), cell(percent(c.null_rate_a)), cell(percent(c.null_rate_b)),
                cell(number(c.mean_a)), cell(number(c.mean_b)),
                cell(c.distinct_a), cell(c.distinct_b),
            )  # fmt: skip
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()


def _is_user_error(error: BaseException) -> bool:
    """Errors a user can cause are shown in place only; anything else is also reported."""
    return isinstance(error, WorkbenchError)
