"""The Drift screen: pick a reference and a current file, run a check in a worker, inspect columns.

The table lists columns by severity; for the selected one, an overlaid histogram and the two
ECDFs (numeric) or the category shares with unseen categories marked (categorical).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker
from textual_plotext import PlotextPlot

from workbench.formatting import printable
from workbench.tui import service
from workbench.tui.keys import keys_for
from workbench.tui.messages import DriftColumnTested, DriftFailed, DriftFinished, DriftProgress
from workbench.tui.screens.base import WorkbenchScreen, error_sentence
from workbench.tui.screens.export_view import EXPORT_BINDING
from workbench.tui.theme import resolve

if TYPE_CHECKING:
    from workbench.drift.report import ColumnDrift, DriftReport
    from workbench.tui.service import Catalog

#: How a column's state reads in the table (theme variables, resolved against the theme).
STATE_STYLE = {"drift": "bold $text-error", "significant but small": "$text-warning",
               "stable": "$text-success", "skipped": "dim"}


TABLE_COLUMNS = ("column", "kind", "state", "effect", "q")


def _effect(column: ColumnDrift) -> str:
    """The column's effect size as the table shows it: Wasserstein (sd) or Jensen-Shannon."""
    effect = column.effects.get("wasserstein_sd", column.effects.get("jensen_shannon"))
    return "" if effect is None else f"{effect:.3f}"


class DistributionPlot(PlotextPlot):
    """One chart of a column: histogram, ECDF or category shares, on the widget's own plt."""

    def show(self, column: ColumnDrift | None, which: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plot = column.plot if column is not None else {}
        if plot.get("type") == "numeric" and which == "hist":
            edges = plot["hist_edges"]
            mids = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
            plt.title("histogram: reference vs current")
            plt.plot(mids, plot["hist_reference"], label="reference", marker="braille")
            plt.plot(mids, plot["hist_current"], label="current", marker="braille")
        elif plot.get("type") == "numeric":
            plt.title("ECDF")
            plt.plot(plot["ecdf_x"], plot["ecdf_reference"], label="reference", marker="braille")
            plt.plot(plot["ecdf_x"], plot["ecdf_current"], label="current", marker="braille")
        elif plot.get("type") == "categorical" and which == "hist":
            bars = plot["bars"][:8]
            names = [("*" if b[3] else "") + str(b[0])[:10] for b in bars]
            plt.title("shares (* unseen in reference)")
            plt.multiple_bar(names, [[b[1] for b in bars], [b[2] for b in bars]],
                             labels=["reference", "current"])
        else:
            plt.title(printable(column.reason)[:60] if column is not None else "")
        self.refresh()


class DriftScreen(WorkbenchScreen):
    """Compare two files column by column; the check runs in a worker and can be cancelled."""

    CSS_PATH = "drift.tcss"
    HELP_TITLE = "Drift"
    HELP_TEXT = "Enter in the reference field moves to the current one; enter there runs the check."

    BINDINGS = [
        Binding("ctrl+r", "run_check", "Check", priority=True,
                tooltip="Compare the current file with the reference"),
        Binding("x", "cancel_check", "Cancel", tooltip="Stop the check in progress"),
        Binding("t", "focus_table", "Table", show=False, tooltip="Move to the table of columns"),
        Binding("i", "focus_inputs", "Files", show=False, tooltip="Move to the file fields"),
        EXPORT_BINDING,
        Binding("escape", "back", "Back", tooltip="Back to the runs"),
    ]

    def __init__(self, catalog: Catalog, reference: str = "", current: str = "",
                 check: bool = False) -> None:
        super().__init__()
        self.catalog = catalog
        self._reference, self._current = reference, current
        self._check_on_mount = check
        self.report: DriftReport | None = None
        #: Columns shown so far: streamed in during a check, then the report's final ones.
        self.columns: dict[str, ColumnDrift] = {}
        self._tested = (0, 0)
        self._cancel = threading.Event()
        self._check_running = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="drift-files"):
            reference = Input(self._reference, placeholder="a file, NAME@V or MODEL@ALIAS:train",
                              id="drift-reference")
            reference.border_title = "reference"
            yield reference
            current = Input(self._current, placeholder="a file, NAME@V or MODEL:production",
                            id="drift-current")
            current.border_title = "current"
            yield current
        yield Static(Text(f"Give a reference and a current dataset; enter or {self._key('run_check')}"
                          " runs the check."), id="drift-status")
        with Vertical():
            table = DataTable(id="drift-table", cursor_type="row", zebra_stripes=True)
            table.add_columns(*TABLE_COLUMNS)
            yield table
            yield Static(Text(""), id="drift-reason")
            with Horizontal(id="drift-plots"):
                yield DistributionPlot(id="drift-hist")
                yield DistributionPlot(id="drift-ecdf")
        yield Footer()

    def on_mount(self) -> None:
        if self._check_on_mount:
            self.action_run_check()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel is offered (in the footer too) only while a check runs."""
        return self.running if action == "cancel_check" else True

    @property
    def running(self) -> bool:
        return self._check_running

    @running.setter
    def running(self, value: bool) -> None:
        self._check_running = value
        if self.is_attached:
            self.refresh_bindings()

    # -- running a check ------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "drift-reference":
            self.query_one("#drift-current", Input).focus()
        else:
            self.action_run_check()

    def action_run_check(self) -> None:
        if self.running:
            return
        reference = self.query_one("#drift-reference", Input).value.strip()
        current = self.query_one("#drift-current", Input).value.strip()
        if not reference or not current:
            self._status("give a reference and a current file", error=True)
            return
        self._cancel.clear()
        self.running = True
        self.report, self.columns, self._tested = None, {}, (0, 0)
        self.query_one("#drift-table", DataTable).clear()
        self._status(f"checking {current} against {reference} ...")
        self._check(reference, current)

    def action_cancel_check(self) -> None:
        if self.running:
            self._cancel.set()
            self._status("cancelling ...")

    @work(thread=True, exclusive=True, group="drift", exit_on_error=False,
          name="check drift")
    def _check(self, reference: str, current: str) -> None:
        def progress(phase: str, rows: int) -> None:
            self.post_message(DriftProgress(phase, rows))

        def tested(column: ColumnDrift, done: int, total: int) -> None:
            self.post_message(DriftColumnTested(column, done, total))

        report = service.check_drift(self.catalog, reference, current, progress=progress,
                                     cancelled=self._cancel.is_set, on_column=tested)
        if report is None:
            self.post_message(DriftFailed("cancelled", cancelled=True))
        else:
            self.post_message(DriftFinished(report))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """A check that fails (a missing or unreadable file) says so in the status line."""
        if worker.group != "drift":
            return False
        self.running = False
        self._status(f"error: {error_sentence(error)}", error=True)
        return True

    @on(DriftProgress)
    def _progress(self, message: DriftProgress) -> None:
        if self.running:
            done, total = self._tested
            tested = f"{done} of {total} columns tested · " if total else ""
            self._status(f"{tested}{message.phase}: {message.rows:,} rows read ..."
                         f" ({self._key('cancel_check')} cancels)")

    @on(DriftColumnTested)
    def _column_tested(self, message: DriftColumnTested) -> None:
        """A column's result streams in: shown at once, its final state after the adjustment."""
        if not self.running:
            return
        c = message.column
        self._tested = (message.done, message.total)
        self.columns[c.column] = c
        state = "skipped" if c.state == "skipped" else "testing ..."
        table = self.query_one("#drift-table", DataTable)
        table.add_row(Text(printable(c.column)), Text(c.kind), Text(state, style=resolve(self, "dim")),
                      Text(_effect(c)), Text(""), key=c.column)
        if table.row_count == 1:  # the keys (x cancels, arrows pick) now work on the table
            self._show_column(c)
            table.focus()
        self._status(f"{message.done} of {message.total} columns tested ..."
                     f" ({self._key('cancel_check')} cancels)")

    @on(DriftFailed)
    def _failed(self, message: DriftFailed) -> None:
        self.running = False
        self._status("check cancelled" if message.cancelled else f"error: {message.error}",
                     error=not message.cancelled)

    @on(DriftFinished)
    def _finished(self, message: DriftFinished) -> None:
        self.running = False
        self.report = message.report
        verdict = "DRIFT" if message.report.drift else "no drift"
        self._status(f"{verdict}: {message.report.summary}")
        self.columns = {c.column: c for c in message.report.columns}
        table = self.query_one("#drift-table", DataTable)
        table.clear(columns=True)  # widths from the final cells, not the streamed ones
        table.add_columns(*TABLE_COLUMNS)
        for c in message.report.columns:
            q = c.min_adjusted_pvalue
            style = resolve(self, STATE_STYLE.get(c.state, ""))
            table.add_row(Text(printable(c.column)), Text(c.kind), Text(c.state, style=style),
                          Text(_effect(c)), Text("" if q is None else f"{q:.2g}"), key=c.column)
        if message.report.columns:
            table.move_cursor(row=0)
            self._show_column(message.report.columns[0])
        table.focus()

    # -- the selected column --------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#drift-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value in self.columns:
            self._show_column(self.columns[event.row_key.value])

    def _show_column(self, column: ColumnDrift) -> None:
        unseen = f"unseen: {', '.join(column.unseen[:5])} · " if column.unseen else ""
        self.query_one("#drift-reason", Static).update(Text(printable(f"{column.column}: {unseen}{column.reason}")))
        self.query_one("#drift-hist", DistributionPlot).show(column, "hist")
        self.query_one("#drift-ecdf", DistributionPlot).show(column, "ecdf")

    def _key(self, action: str) -> str:
        return keys_for(self.BINDINGS, action)

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#drift-status", Static)
        status.update(Text(printable(text)))
        status.set_class(error, "-error")

    def action_focus_table(self) -> None:
        self.query_one("#drift-table", DataTable).focus()

    def action_focus_inputs(self) -> None:
        self.query_one("#drift-reference", Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
