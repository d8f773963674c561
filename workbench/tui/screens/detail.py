"""Run detail: info, params, metrics, tags, environment, notes, artifacts, errors and a chart."""

from __future__ import annotations

import contextlib
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Footer,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from workbench.errors import WorkbenchError
from workbench.formatting import (
    format_duration,
    format_number,
    format_size,
    format_timestamp,
    printable,
    without_path,
)
from workbench.tui import service
from workbench.tui.detail_view import DetailData, normalise
from workbench.tui.keys import keys_for, refresh_binding
from workbench.tui.messages import (
    ArtifactLoaded,
    CatalogChanged,
    HistoryLoaded,
    NotesSaved,
    RunLoaded,
)
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.service import Artifact, IngestIssue
from workbench.tui.theme import ERROR_STYLE, KEY_STYLE, resolve, status_text
from workbench.tui.widgets.charts import MetricChart
from workbench.tui.widgets.metrics_table import MetricsTable

CHART_POINTS = 400
TABS = ("overview", "metrics", "chart", "notes", "artifacts", "errors")


def kv_table(
    title: str, rows: list[tuple[str, object]], empty: str = "none", *, key_style: str = "bold"
) -> Table:
    """A two-column key/value table; every value literal."""
    table = Table(
        title=Text(title, style="bold"), title_justify="left", show_header=False,
        box=None, expand=True, padding=(0, 1),
    )
    table.add_column(style=key_style, no_wrap=True, max_width=28, overflow="ellipsis")
    table.add_column(ratio=1, overflow="fold")
    if not rows:
        table.add_row(Text(empty, style="dim"), Text(""))
    for key, value in rows:
        table.add_row(Text(printable(key)), value if isinstance(value, Text) else Text(_value_text(value)))
    return table


def _value_text(value: object) -> str:
    if isinstance(value, float):
        return format_number(value)
    return "" if value is None else printable(value)


def errors_table(errors: list[IngestIssue]) -> Table:
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
    table.add_column(Text("file"), no_wrap=True, max_width=30, overflow="ellipsis")
    table.add_column(Text("line"), justify="right", no_wrap=True)
    table.add_column(Text("problem"), ratio=1, overflow="fold")
    if not errors:
        table.add_row(Text("no ingest errors", style="dim"), Text(""), Text(""))
    for e in errors:
        message = without_path(e.message or "", e.path)
        table.add_row(Text(printable(Path(e.path or "").name)), Text(_value_text(e.line)),
                      Text(printable(message)))
    return table


class RunDetailScreen(WorkbenchScreen):
    """Everything about one run; notes are editable and saved to the run folder's notes.md."""

    CSS_PATH = "detail.tcss"
    HELP_TITLE = "Run detail"

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the runs"),
        Binding("1", "tab('overview')", "Overview", show=False, tooltip="Show the overview: info, params, tags"),
        Binding("2", "tab('metrics')", "Metrics", show=False, tooltip="Show metrics: latest, min, max"),
        Binding("3", "tab('chart')", "Chart", show=False, tooltip="Show the chart of a metric's history"),
        Binding("4", "tab('notes')", "Notes", show=False, tooltip="Show the run's notes"),
        Binding("5", "tab('artifacts')", "Artifacts", show=False, tooltip="Show the files the run produced"),
        Binding("6", "tab('errors')", "Errors", show=False, tooltip="Show lines the ingester skipped"),
        Binding("e", "edit_notes", "Edit notes", tooltip="Edit the run's notes.md"),
        Binding("ctrl+s", "save_notes", "Save notes", tooltip="Save notes.md in the run folder"),
        Binding("y", "copy_id", "Copy id", tooltip="Copy the run id to the clipboard"),
        Binding("l", "lineage", "Lineage", tooltip="Data this run used and the models it logged"),
        refresh_binding("Read the run from the catalog again"),
    ]

    def __init__(self, catalog, run_id: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.run_id = run_id
        self.data: DetailData | None = None
        self.chart_key: str | None = None
        self._notes_saved_text: str | None = None
        self._notes_escaped = False

    def compose(self) -> ComposeResult:
        yield Static(Text(self.run_id), id="title", classes="title-bar", markup=False)
        with TabbedContent(initial="overview"):
            with (
                TabPane("Overview", id="overview"),
                VerticalScroll(id="overview-scroll"),
                Horizontal(id="overview-cols"),
            ):
                with Vertical(classes="col"):
                    yield Static(id="info", classes="section")
                    yield Static(id="params", classes="section")
                with Vertical(classes="col"):
                    yield Static(id="overview-metrics", classes="section")
                    yield Static(id="tags", classes="section")
                    yield Static(id="environment", classes="section")
            with TabPane("Metrics", id="metrics"):
                yield MetricsTable(id="metrics-table")
            with TabPane("Chart", id="chart"), Horizontal():
                yield OptionList(id="chart-keys", classes="side-pane")
                yield MetricChart(id="plot", legend=False)
            with TabPane("Notes", id="notes-tab"), Vertical():
                yield TextArea(id="notes", soft_wrap=True, show_line_numbers=False)
                yield Static(Text(self._notes_hint()), id="notes-hint", markup=False)
            with TabPane("Artifacts", id="artifacts"), Horizontal():
                yield OptionList(id="artifact-list", classes="side-pane")
                with VerticalScroll(id="artifact-view"):
                    yield Static(Text("Select a file to view it.", style="dim"), id="artifact-preview")
            with TabPane("Errors", id="errors"), VerticalScroll():
                yield Static(id="errors-table")
        yield Footer(compact=True)

    def on_resize(self) -> None:
        self.set_class(self.size.width < 120, "-narrow")

    def on_mount(self) -> None:
        self.query_one(TabbedContent).loading = True
        self.load()

    # -- loading --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False, name="load the run")
    def load(self) -> None:
        data = normalise(service.get_run(self.catalog, self.run_id))
        if not get_current_worker().is_cancelled:
            self.post_message(RunLoaded(data))

    @work(thread=True, exclusive=True, group="chart", exit_on_error=False, name="load the chart")
    def load_chart(self, key: str) -> None:
        frame = service.metric_history(self.catalog, self.run_id, key, CHART_POINTS)
        if not get_current_worker().is_cancelled:
            self.post_message(HistoryLoaded((key,), frame))

    @on(RunLoaded)
    def _run_loaded(self, message: RunLoaded) -> None:
        self.show(message.data)

    @on(HistoryLoaded)
    def _history_loaded(self, message: HistoryLoaded) -> None:
        (key,) = message.request
        if key == self.chart_key and self.data is not None:
            labels = {self.run_id: self.data.name}
            self.query_one(MetricChart).set_data(message.frame, title=key, labels=labels)

    @on(ArtifactLoaded)
    def _artifact_loaded(self, message: ArtifactLoaded) -> None:
        self.query_one("#artifact-preview", Static).update(message.preview)

    @on(NotesSaved)
    def _notes_saved(self, message: NotesSaved) -> None:
        self._notes_saved_text = message.text
        self.notify("Notes saved to notes.md", markup=False)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        self.query_one(TabbedContent).loading = False
        return False

    @on(CatalogChanged)
    def _catalog_changed(self, _message: CatalogChanged) -> None:
        self.load()

    # -- showing --------------------------------------------------------------------------

    def show(self, data: DetailData) -> None:
        first = self.data is None
        self.data = data
        self.query_one(TabbedContent).loading = False
        title = status_text(self, data.status)
        title.append("  ")
        title.append(printable(data.name), style="bold")
        title.append("  ")
        title.append(printable(data.project), style="italic")
        title.append("  ")
        title.append(data.run_id, style="dim")
        self.query_one("#title", Static).update(title)

        info = []
        for key, value in data.info:
            if key == "status":
                value = status_text(self, str(value))
            elif key in ("started", "ended", "heartbeat"):
                value = format_timestamp(value)
            elif key == "duration_s":
                key, value = "duration", format_duration(value)
            info.append((key, value))
        key_style = resolve(self, KEY_STYLE)
        self.query_one("#info", Static).update(kv_table("Run", info, key_style=key_style))
        self.query_one("#params", Static).update(
            kv_table("Params", sorted(data.params.items()), "no params", key_style=key_style)
        )
        self.query_one("#tags", Static).update(
            kv_table("Tags", sorted(data.tags.items()), "no tags", key_style=key_style)
        )
        env = [(k, v) for k, v in data.environment if v not in (None, "")]
        self.query_one("#environment", Static).update(
            kv_table("Environment", env, "not recorded", key_style=key_style)
        )
        self.query_one("#metrics-table", MetricsTable).show_metrics(data.metrics)
        rows = [(m.key, format_number(m.last)) for m in data.metrics[:12]]
        if len(data.metrics) > 12:
            metrics_key = keys_for(self.BINDINGS, "tab('metrics')")
            rows.append((f"… {len(data.metrics) - 12} more", f"see tab {metrics_key}"))
        latest = kv_table("Latest metrics", rows, "none logged", key_style=key_style)
        self.query_one("#overview-metrics", Static).update(latest)
        self.query_one("#errors-table", Static).update(errors_table(data.errors))
        errors_tab = self.query_one(TabbedContent).get_tab("errors")
        errors_tab.label = Text(f"Errors ({len(data.errors)})" if data.errors else "Errors")

        keys = [m.key for m in data.metrics]
        chart_keys = self.query_one("#chart-keys", OptionList)
        if [o.id for o in chart_keys.options] != keys:
            chart_keys.clear_options()
            chart_keys.add_options([Option(Text(printable(k)), id=k) for k in keys])
        if keys:
            if self.chart_key not in keys:
                self.chart_key = keys[0]
            chart_keys.highlighted = keys.index(self.chart_key)
            self.load_chart(self.chart_key)

        artifacts = self.query_one("#artifact-list", OptionList)
        artifacts.clear_options()
        if data.artifacts:
            for i, a in enumerate(data.artifacts):
                label = Text(f"{format_size(a.size):>10}  ", style="dim")
                label.append(printable(a.path))
                artifacts.add_option(Option(label, id=f"a{i}"))
            artifacts.highlighted = 0
        else:
            artifacts.add_option(Option(Text("no artifacts", style="dim"), disabled=True))
        if first:
            preview = ("Select a file to view it." if data.artifacts
                       else "This run saved no files: what it writes under artifacts/ shows here.")
            self.query_one("#artifact-preview", Static).update(Text(preview, style="dim"))

        notes = self.query_one("#notes", TextArea)
        if first or (not notes.has_focus and notes.text == (self._notes_saved_text or "")):
            shown = printable(data.notes, multiline=True)
            notes.load_text(shown)
            self._notes_saved_text = shown
            self._notes_escaped = shown != (data.notes or "")
        if first:
            notes.read_only = True

    @on(OptionList.OptionHighlighted, "#chart-keys")
    def _chart_key(self, event: OptionList.OptionHighlighted) -> None:
        key = event.option.id
        if key and key != self.chart_key:
            self.chart_key = key
            self.load_chart(key)

    @on(OptionList.OptionSelected, "#artifact-list")
    def _artifact_selected(self, event: OptionList.OptionSelected) -> None:
        if self.data is None or not event.option.id:
            return
        artifact = self.data.artifacts[int(event.option.id[1:])]
        self.load_artifact(artifact)

    @work(thread=True, exclusive=True, group="artifact", exit_on_error=False, name="read the artifact")
    def load_artifact(self, artifact: Artifact) -> None:
        assert self.data is not None
        rel = artifact.path
        run_path = self.data.path or ""
        head = Text()
        head.append(printable(rel), style="bold")
        head.append(f"\n{format_size(artifact.size)}  sha256 {artifact.sha256 or '?'}\n\n", style="dim")
        try:
            if Path(rel).suffix.lower() in service.IMAGE_SUFFIXES:
                meta = service.image_metadata(run_path, rel)
                head.append("image  " + "  ".join(f"{k} {v}" for k, v in meta.items()))
            else:
                text, binary = service.read_text_preview(run_path, rel)
                head.append("(binary file: not shown)" if binary else printable(text, multiline=True))
        except OSError as exc:
            head.append(printable(f"cannot read the file: {exc}"), style=resolve(self, ERROR_STYLE))
        self.post_message(ArtifactLoaded(head))

    # -- actions --------------------------------------------------------------------------

    def notes_dirty(self) -> bool:
        notes = self.query_one("#notes", TextArea)
        return self._notes_saved_text is not None and notes.text != self._notes_saved_text

    def action_back(self) -> None:
        notes = self.query_one("#notes", TextArea)
        if notes.has_focus:
            notes.read_only = True
            self.query_one(TabbedContent).query_one("Tabs").focus()
            if self.notes_dirty():
                self.notify(f"Notes not saved yet: {self._save_key} saves them.",
                            severity="warning", markup=False)
            return
        if self.notes_dirty() and not getattr(self, "_warned_dirty", False):
            self._warned_dirty = True
            self.notify(f"Unsaved notes: {self._save_key} saves, {keys_for(self.BINDINGS, 'back')} again"
                        " discards.", severity="warning", markup=False)
            return
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        tab_id = "notes-tab" if tab == "notes" else tab
        tabs = self.query_one(TabbedContent)
        if self.focused is not None and tabs.active_pane in self.focused.ancestors:
            # focus left in a pane being hidden would move to a neighbour in that pane, and
            # TabbedContent shows the pane of whatever has focus: leave it on the tab bar first
            tabs.query_one("Tabs").focus(scroll_visible=False)
        tabs.active = tab_id
        if tab == "chart":
            self.query_one("#chart-keys").focus()
        elif tab == "artifacts":
            self.query_one("#artifact-list").focus()

    def action_edit_notes(self) -> None:
        self.query_one(TabbedContent).active = "notes-tab"
        notes = self.query_one("#notes", TextArea)
        if self._notes_escaped:  # saving would write the escapes' text over the real characters
            self.notify("These notes hold control characters (shown escaped); edit notes.md in an"
                        " editor instead.", severity="warning", markup=False)
            return
        notes.read_only = False
        notes.move_cursor(notes.document.end)
        notes.focus()

    def action_save_notes(self) -> None:
        if self.data is None:
            return
        text = self.query_one("#notes", TextArea).text
        self.save_notes(self.data.path, text)

    @work(thread=True, exclusive=True, group="notes", exit_on_error=False, name="save the notes")
    def save_notes(self, path: str | None, text: str) -> None:
        if not path:
            raise WorkbenchError("this run has no folder on disk")
        service.write_notes(path, text)
        self.post_message(NotesSaved(text))
        # the live watcher would pick it up too; this makes the catalog's copy current now
        with contextlib.suppress(Exception):
            service.ingest_pass(self.catalog)

    def action_lineage(self) -> None:
        from workbench.tui.screens.lineage import LineageScreen

        self.app.push_screen(LineageScreen(self.catalog, f"run:{self.run_id}"))

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.run_id)
        self.notify(f"Copied run id {self.run_id}", markup=False)

    def action_reload(self) -> None:
        self.load()

    @property
    def _save_key(self) -> str:
        return keys_for(self.BINDINGS, "save_notes")

    def _notes_hint(self) -> str:
        return f"{keys_for(self.BINDINGS, 'edit_notes')} edit · {self._save_key} save to notes.md"
