"""The Models screen (registered models, versions with key metrics, who holds which alias)
and the History screen (a model's events as a timeline)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from workbench.errors import WorkbenchError
from workbench.tui import service
from workbench.tui.screens.base import WorkbenchScreen

#: Metric columns shown per version (the first keys by name).
KEY_METRICS = 3


class ModelsLoaded(Message):
    """A worker read the registry: models, the chosen model's versions, any log warning."""

    def __init__(self, overview: service.ModelsOverview) -> None:
        super().__init__()
        self.overview = overview


class HistoryLoaded(Message):
    """A worker read one model's events (newest first)."""

    def __init__(self, events: list[Any]) -> None:
        super().__init__()
        self.events = events


class RegistryFailed(Message):
    """A registry worker failed; the screen shows the error in one line."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


def error_text(error: BaseException) -> str:
    return str(error) if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else ("" if value is None else str(value))


class ModelsScreen(WorkbenchScreen):
    """Registered models above, the chosen model's versions below; promote, history, rollback."""

    HELP_TITLE = "Models"
    HELP_TEXT = (
        "Promotion checks every gate first and shows the results; a failing gate refuses\n"
        "unless you force it, which the log records as forced with your reason.\n"
        "Every change is an event in the registry's log (see `workbench models verify`)."
    )
    CSS_PATH = "models.tcss"
    BINDINGS = [
        Binding("p", "promote", "Promote", tooltip="Promote the version under the cursor"),
        Binding("h", "history", "History", tooltip="The model's events as a timeline"),
        Binding("R", "rollback", "Rollback", key_display="R",
                tooltip="Move an alias back to the version that held it before"),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the registry again"),
        Binding("escape", "back", "Back", show=False, tooltip="Back to the runs"),
    ]

    def __init__(self, catalog: Any) -> None:
        super().__init__()
        self.catalog = catalog
        self.overview: service.ModelsOverview | None = None
        self._models_shown: list[tuple[Any, ...]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Models"), classes="title", id="models-title")
        yield DataTable(id="models", cursor_type="row", zebra_stripes=True)
        yield Static(Text("Versions"), classes="title", id="versions-title")
        yield DataTable(id="versions", cursor_type="row", zebra_stripes=True)
        yield Static(id="warning", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#models", DataTable).add_columns("name", "versions", "latest", "aliases")
        self.query_one("#models", DataTable).focus()
        self.load()

    # -- loading --------------------------------------------------------------------------

    def load(self, chosen: str | None = None) -> None:
        self._load(chosen or (self.overview.chosen if self.overview else None))

    @work(thread=True, exclusive=True, group="models", exit_on_error=False)
    def _load(self, chosen: str | None) -> None:
        try:
            self.post_message(ModelsLoaded(service.models_overview(self.catalog, chosen)))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            self.post_message(RegistryFailed(exc))

    @on(ModelsLoaded)
    def _loaded(self, message: ModelsLoaded) -> None:
        shown = self._models_shown
        self.overview = overview = message.overview
        models = self.query_one("#models", DataTable)
        rows = [(m.name, m.versions, m.latest_version, tuple(m.aliases.items()))
                for m in overview.models]  # fmt: skip
        if rows != shown:
            self._models_shown = rows
            models.clear()
            for name, count, latest, aliases in rows:
                held = ", ".join(f"{a}=v{v}" for a, v in aliases)
                models.add_row(Text(name), str(count), f"v{latest}", Text(held), key=name)
            if overview.chosen is not None:
                models.move_cursor(row=models.get_row_index(overview.chosen))
        self._show_versions(overview)
        warning = self.query_one("#warning", Static)
        warning.update(Text(f"registry log: {overview.warning}" if overview.warning else ""))
        self.set_class(bool(overview.warning), "-warning")
        if not overview.models:
            self.query_one("#versions-title", Static).update(
                Text("No models registered yet: workbench models register RUN NAME")
            )

    def _show_versions(self, overview: service.ModelsOverview) -> None:
        table = self.query_one("#versions", DataTable)
        keys = sorted({k for v in overview.versions for k in v.metrics})[:KEY_METRICS]
        table.clear(columns=True)
        table.add_columns("version", "aliases", *keys, "run", "registered")
        for v in overview.versions:
            table.add_row(f"v{v.version}", Text(", ".join(v.aliases)),
                          *(_number(v.metrics.get(k)) for k in keys),
                          Text(v.run_name if v.run_name and v.run_name != v.run_id
                               else v.run_id[:8]),
                          v.registered_at[:16].replace("T", " "),
                          key=str(v.version))  # fmt: skip
        title = f"Versions of {overview.chosen}" if overview.chosen else "Versions"
        self.query_one("#versions-title", Static).update(Text(title))

    @on(RegistryFailed)
    def _failed(self, message: RegistryFailed) -> None:
        self.notify(Text(error_text(message.error)), title="registry", severity="error", markup=False)

    @on(DataTable.RowHighlighted, "#models")
    def _model_highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = event.row_key.value
        if self.overview is not None and name and name != self.overview.chosen:
            self.load(name)

    @on(DataTable.RowSelected, "#models")
    def _model_selected(self) -> None:
        self.query_one("#versions", DataTable).focus()

    # -- actions --------------------------------------------------------------------------

    def selected_version(self) -> int | None:
        table = self.query_one("#versions", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key else None

    def action_promote(self) -> None:
        from workbench.tui.screens.model_dialogs import PromoteDialog

        version = self.selected_version()
        if self.overview is None or self.overview.chosen is None or version is None:
            self.notify("choose a version to promote", severity="warning")
            return
        dialog = PromoteDialog(self.catalog, self.overview.chosen, version)
        self.app.push_screen(dialog, lambda done: self.load() if done else None)

    def action_rollback(self) -> None:
        from workbench.tui.screens.model_dialogs import RollbackDialog

        if self.overview is None or self.overview.chosen is None:
            return
        dialog = RollbackDialog(self.catalog, self.overview.chosen)
        self.app.push_screen(dialog, lambda done: self.load() if done else None)

    def action_history(self) -> None:
        if self.overview is not None and self.overview.chosen is not None:
            self.app.push_screen(HistoryScreen(self.catalog, self.overview.chosen))

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


_MARKS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "unavailable": ("?", "yellow")}


def timeline(events: list[Any]) -> Text:
    """The events as a timeline (newest first), every user text literal."""
    out = Text()
    for i, e in enumerate(events):
        style = "bold red" if e.forced else ("bold" if e.kind in ("promote", "rollback") else "")
        out.append("● ", style="cyan")
        out.append(f"{e.at[:19].replace('T', ' ')}  ", style="dim")
        out.append(e.summary, style=style)
        out.append(f"   #{e.seq}\n", style="dim")
        out.append("│   ", style="cyan")
        out.append(e.who, style="dim")
        if e.reason:
            out.append("  “")
            out.append(e.reason)
            out.append("”")
        out.append("\n")
        if e.gates:
            out.append("│   ", style="cyan")
            for g in e.gates:
                mark, colour = _MARKS.get(str(g.get("status")), ("·", ""))
                out.append(f"{mark} ", style=colour)
                out.append(str(g.get("expr", "")))
                out.append("  ")
            out.append("\n")
        if i < len(events) - 1:
            out.append("│\n", style="cyan")
    return out


class HistoryScreen(WorkbenchScreen):
    """One model's registry events, newest first, as a timeline."""

    HELP_TITLE = "Model history"
    CSS_PATH = "models.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the models"),
        Binding("r", "reload", "Refresh", tooltip="Read the model's events again"),
    ]

    def __init__(self, catalog: Any, name: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.model_name = name
        self.events: list[Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"History of {self.model_name}"), classes="title")
        with VerticalScroll():
            yield Static(Text("loading…", style="dim"), id="timeline", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.action_reload()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def action_reload(self) -> None:
        try:
            self.post_message(HistoryLoaded(service.model_history(self.catalog, self.model_name)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(RegistryFailed(exc))

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        self.events = message.events
        self.query_one("#timeline", Static).update(timeline(message.events))

    @on(RegistryFailed)
    def _failed(self, message: RegistryFailed) -> None:
        self.query_one("#timeline", Static).update(Text(error_text(message.error), style="red"))

    def action_back(self) -> None:
        self.app.pop_screen()
