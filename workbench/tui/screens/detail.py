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
from textual.screen import Screen
from textual.widgets import (
    Footer,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from workbench.errors import WorkbenchError
from workbench.tui import service
from workbench.tui.detail_view import DetailData, normalise
from workbench.tui.formatting import (
    fmt_duration,
    fmt_number,
    fmt_size,
    fmt_time,
    status_text,
)
from workbench.tui.messages import CatalogChanged, Loaded, WorkFailed
from workbench.tui.widgets.metric_plot import MetricPlot

CHART_POINTS = 400
TABS = ("overview", "metrics", "chart", "notes", "artifacts", "errors")


def kv_table(title: str, rows: list[tuple[str, object]], empty: str = "none") -> Table:
    """A two-column key/value table; every value literal."""
    table = Table(
        title=Text(title, style="bold"), title_justify="left", show_header=False,
        box=None, expand=True, padding=(0, 1),
    )
    table.add_column(style="color(179)", no_wrap=True, max_width=28, overflow="ellipsis")
    table.add_column(ratio=1, overflow="fold")
    if not rows:
        table.add_row(Text(empty, style="dim"), Text(""))
    for key, value in rows:
        table.add_row(Text(str(key)), value if isinstance(value, Text) else Text(_value_text(value)))
    return table


def _value_text(value: object) -> str:
    if isinstance(value, float):
        return fmt_number(value)
    return "" if value is None else str(value)


def metrics_table(metrics: list[dict]) -> Table:
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
    table.add_column(Text("metric"), style="color(44)", no_wrap=True, max_width=30, overflow="ellipsis")
    for label in ("latest", "min", "max", "step", "points"):
        table.add_column(Text(label), justify="right", no_wrap=True)
    if not metrics:
        table.add_row(Text("no metrics logged", style="dim"), *[Text("")] * 5)
    for m in metrics:
        table.add_row(
            Text(str(m["key"])), Text(fmt_number(m["last"])), Text(fmt_number(m["min"])),
            Text(fmt_number(m["max"])), Text(fmt_number(m["step"])), Text(fmt_number(m["count"])),
        )
    return table


def errors_table(errors: list[dict]) -> Table:
    table = Table(expand=True, box=None, padding=(0, 1), header_style="bold")
    table.add_column(Text("file"), no_wrap=True, max_width=30, overflow="ellipsis")
    table.add_column(Text("line"), justify="right", no_wrap=True)
    table.add_column(Text("problem"), ratio=1, overflow="fold")
    if not errors:
        table.add_row(Text("no ingest errors", style="dim"), Text(""), Text(""))
    for e in errors:
        table.add_row(Text(Path(str(e["path"] or "")).name), Text(_value_text(e["line"])), Text(str(e["message"] or "")))
    return table


class RunDetailScreen(Screen):
    """Everything about one run; notes are editable and saved to the run folder's notes.md."""

    HELP_TITLE = "Run detail"
    DEFAULT_CSS = """
    RunDetailScreen #title { height: 1; padding: 0 1; background: $panel; }
    RunDetailScreen TabbedContent { height: 1fr; }
    RunDetailScreen TabPane { padding: 0; }
    RunDetailScreen VerticalScroll { height: 1fr; }
    RunDetailScreen #chart-keys { width: 24; height: 1fr; border: none; border-right: vkey $primary 40%; }
    RunDetailScreen #artifact-list { width: 2fr; height: 1fr; border: none; border-right: vkey $primary 40%; }
    RunDetailScreen #artifact-view { width: 3fr; height: 1fr; }
    RunDetailScreen #notes { height: 1fr; }
    RunDetailScreen #notes-hint { height: 1; color: $text-muted; padding: 0 1; }
    RunDetailScreen .section { margin-bottom: 1; }
    RunDetailScreen #overview-cols { height: auto; }
    RunDetailScreen #overview-cols > .col { width: 1fr; height: auto; }
    RunDetailScreen.-narrow #overview-cols { layout: vertical; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("1", "tab('overview')", "Overview", show=False),
        Binding("2", "tab('metrics')", "Metrics", show=False),
        Binding("3", "tab('chart')", "Chart", show=False),
        Binding("4", "tab('notes')", "Notes", show=False),
        Binding("5", "tab('artifacts')", "Artifacts", show=False),
        Binding("6", "tab('errors')", "Errors", show=False),
        Binding("e", "edit_notes", "Edit notes"),
        Binding("ctrl+s", "save_notes", "Save notes"),
        Binding("y", "copy_id", "Copy id"),
        Binding("l", "lineage", "Lineage"),
        Binding("r", "reload", "Reload", show=False),
    ]
    COMMANDS_TABLE = [
        ("Back to runs", "Return to the runs browser (escape)", "back"),
        ("Show overview", "Info, params, tags, environment (1)", "tab('overview')"),
        ("Show metrics", "Latest, min, max per metric (2)", "tab('metrics')"),
        ("Show chart", "Plot a metric's history (3)", "tab('chart')"),
        ("Show notes", "Read the run's notes (4)", "tab('notes')"),
        ("Edit notes", "Edit the run's notes.md (e)", "edit_notes"),
        ("Save notes", "Write notes.md in the run folder (ctrl+s)", "save_notes"),
        ("Show artifacts", "Files the run produced (5)", "tab('artifacts')"),
        ("Run lineage", "Data this run used and the models it logged (l)", "lineage"),
        ("Show ingest errors", "Lines the ingester skipped (6)", "tab('errors')"),
        ("Copy run id", "Copy this run's id to the clipboard (y)", "copy_id"),
        ("Reload run", "Read the run from the catalog again (r)", "reload"),
    ]
    HELP_TEXT = "Tabs: 1 overview · 2 metrics · 3 chart · 4 notes · 5 artifacts · 6 errors."

    def __init__(self, catalog, run_id: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.run_id = run_id
        self.data: DetailData | None = None
        self.chart_key: str | None = None
        self._notes_saved_text: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.run_id), id="title", markup=False)
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
            with TabPane("Metrics", id="metrics"), VerticalScroll():
                yield Static(id="metrics-table")
            with TabPane("Chart", id="chart"), Horizontal():
                yield OptionList(id="chart-keys")
                yield MetricPlot(id="plot")
            with TabPane("Notes", id="notes-tab"), Vertical():
                yield TextArea(id="notes", soft_wrap=True, show_line_numbers=False)
                yield Static(Text("e edit · ctrl+s save to notes.md"), id="notes-hint", markup=False)
            with TabPane("Artifacts", id="artifacts"), Horizontal():
                yield OptionList(id="artifact-list")
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

    @work(thread=True, exclusive=True, group="detail")
    def load(self) -> None:
        try:
            detail = service.get_run(self.catalog, self.run_id)
            data = normalise(detail)
        except Exception as exc:  # noqa: BLE001
            self.post_message(WorkFailed("run", exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(Loaded("detail", data))

    @work(thread=True, exclusive=True, group="chart")
    def load_chart(self, key: str) -> None:
        try:
            frame = service.metric_history(self.catalog, self.run_id, key, CHART_POINTS)
        except Exception as exc:  # noqa: BLE001
            self.post_message(WorkFailed("chart", exc))
            return
        if get_current_worker().is_cancelled:
            return
        steps = frame["step"].to_list() if len(frame) else []
        values = frame["value"].to_list() if len(frame) else []
        self.post_message(Loaded("chart", (key, steps, values)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "detail":
            self.show(message.value)
        elif message.what == "chart":
            key, steps, values = message.value
            if key == self.chart_key:
                self.query_one(MetricPlot).show_points(key, steps, values)
        elif message.what == "artifact":
            self.query_one("#artifact-preview", Static).update(message.value)
        elif message.what == "notes-saved":
            self._notes_saved_text = message.value
            self.notify(Text("Notes saved to notes.md"), markup=False)

    @on(WorkFailed)
    def _failed(self, message: WorkFailed) -> None:
        self.query_one(TabbedContent).loading = False
        error = message.error
        text = str(error) if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"
        self.notify(Text(text), title=f"could not load {message.where}", severity="error", markup=False)

    @on(CatalogChanged)
    def _catalog_changed(self, _message: CatalogChanged) -> None:
        self.load()

    # -- showing --------------------------------------------------------------------------

    def show(self, data: DetailData) -> None:
        first = self.data is None
        self.data = data
        self.query_one(TabbedContent).loading = False
        title = status_text(data.status)
        title.append("  ")
        title.append(data.name, style="bold")
        title.append("  ")
        title.append(data.project, style="italic")
        title.append("  ")
        title.append(data.run_id, style="dim")
        self.query_one("#title", Static).update(title)

        info = []
        for key, value in data.info:
            if key == "status":
                value = status_text(str(value))
            elif key in ("started", "ended", "heartbeat"):
                value = fmt_time(value)
            elif key == "duration_s":
                key, value = "duration", fmt_duration(value)
            info.append((key, value))
        self.query_one("#info", Static).update(kv_table("Run", info))
        self.query_one("#params", Static).update(
            kv_table("Params", sorted(data.params.items()), "no params")
        )
        self.query_one("#tags", Static).update(kv_table("Tags", sorted(data.tags.items()), "no tags"))
        env = [(k, v) for k, v in data.environment if v not in (None, "")]
        self.query_one("#environment", Static).update(kv_table("Environment", env, "not recorded"))
        self.query_one("#metrics-table", Static).update(metrics_table(data.metrics))
        rows = [(str(m["key"]), fmt_number(m["last"])) for m in data.metrics[:12]]
        if len(data.metrics) > 12:
            rows.append((f"… {len(data.metrics) - 12} more", "see tab 2"))
        latest = kv_table("Latest metrics", rows, "none logged")
        self.query_one("#overview-metrics", Static).update(latest)
        self.query_one("#errors-table", Static).update(errors_table(data.errors))
        errors_tab = self.query_one(TabbedContent).get_tab("errors")
        errors_tab.label = Text(f"Errors ({len(data.errors)})" if data.errors else "Errors")

        keys = [str(m["key"]) for m in data.metrics]
        chart_keys = self.query_one("#chart-keys", OptionList)
        if [o.id for o in chart_keys.options] != keys:
            chart_keys.clear_options()
            chart_keys.add_options([Option(Text(k), id=k) for k in keys])
        if keys:
            if self.chart_key not in keys:
                self.chart_key = keys[0]
            chart_keys.highlighted = keys.index(self.chart_key)
            self.load_chart(self.chart_key)

        artifacts = self.query_one("#artifact-list", OptionList)
        artifacts.clear_options()
        if data.artifacts:
            for i, a in enumerate(data.artifacts):
                label = Text(f"{fmt_size(a['size']):>10}  ", style="dim")
                label.append(str(a["path"]))
                artifacts.add_option(Option(label, id=f"a{i}"))
            artifacts.highlighted = 0
        else:
            artifacts.add_option(Option(Text("no artifacts", style="dim"), disabled=True))

        notes = self.query_one("#notes", TextArea)
        if first or (not notes.has_focus and notes.text == (self._notes_saved_text or "")):
            notes.load_text(data.notes)
            self._notes_saved_text = data.notes
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

    @work(thread=True, exclusive=True, group="artifact")
    def load_artifact(self, artifact: dict) -> None:
        assert self.data is not None
        rel = str(artifact["path"])
        base = Path(self.data.path or "")
        path = base / "artifacts" / rel
        if not path.exists():
            path = base / rel
        head = Text()
        head.append(rel, style="bold")
        head.append(f"\n{fmt_size(artifact['size'])}  sha256 {artifact['sha256'] or '?'}\n\n", style="dim")
        try:
            if path.suffix.lower() in service.IMAGE_SUFFIXES:
                meta = service.image_metadata(path)
                head.append("image  " + "  ".join(f"{k} {v}" for k, v in meta.items()))
            else:
                text, binary = service.read_text_preview(path)
                head.append("(binary file: not shown)" if binary else text)
        except OSError as exc:
            head.append(f"cannot read the file: {exc}", style="color(160)")
        self.post_message(Loaded("artifact", head))

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
                self.notify("Notes not saved yet: ctrl+s saves them.", severity="warning")
            return
        if self.notes_dirty() and not getattr(self, "_warned_dirty", False):
            self._warned_dirty = True
            self.notify("Unsaved notes: ctrl+s saves, escape again discards.", severity="warning")
            return
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        tab_id = "notes-tab" if tab == "notes" else tab
        self.query_one(TabbedContent).active = tab_id
        if tab == "chart":
            self.query_one("#chart-keys").focus()
        elif tab == "artifacts":
            self.query_one("#artifact-list").focus()

    def action_edit_notes(self) -> None:
        self.query_one(TabbedContent).active = "notes-tab"
        notes = self.query_one("#notes", TextArea)
        notes.read_only = False
        notes.move_cursor(notes.document.end)
        notes.focus()

    def action_save_notes(self) -> None:
        if self.data is None:
            return
        text = self.query_one("#notes", TextArea).text
        self.save_notes(self.data.path, text)

    @work(thread=True, exclusive=True, group="notes")
    def save_notes(self, path: str | None, text: str) -> None:
        if not path:
            self.post_message(WorkFailed("notes", WorkbenchError("this run has no folder on disk")))
            return
        try:
            service.write_notes(path, text)
        except Exception as exc:  # noqa: BLE001
            self.post_message(WorkFailed("notes", exc))
            return
        self.post_message(Loaded("notes-saved", text))
        # the live watcher would pick it up too; this makes the catalog's copy current now
        with contextlib.suppress(Exception):
            service.ingest_pass(self.catalog)

    def action_lineage(self) -> None:
        from workbench.tui.screens.lineage import LineageScreen

        self.app.push_screen(LineageScreen(self.catalog, f"run:{self.run_id}"))

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.run_id)
        self.notify(Text(f"Copied run id {self.run_id}"), markup=False)

    def action_reload(self) -> None:
        self.load()
