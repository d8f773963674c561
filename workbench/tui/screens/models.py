"""The Models screen (registered models, versions with key metrics, who holds which alias)
and the History screen (a model's events as a timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from workbench.errors import WorkbenchError
from workbench.formatting import printable
from workbench.tui import service
from workbench.tui.keys import refresh_binding
from workbench.tui.messages import ModelEventsLoaded, ModelsLoaded
from workbench.tui.screens.base import WorkbenchScreen, error_sentence
from workbench.tui.screens.export_view import EXPORT_BINDING
from workbench.tui.theme import ERROR_STYLE, resolve

if TYPE_CHECKING:
    from workbench.tui.service import Catalog

#: Metric columns shown per version: the ones the model's gates check, then others by name.
KEY_METRICS = 3
#: After a metric's name in the versions header: a gate of the model checks it.
GATE_MARK = " ⚑"


def key_metrics(versions: list[Any], gated: list[str]) -> list[str]:
    """The metric columns for `versions`: every metric a gate checks (`gated`, in the gates'
    order), then the others by name, KEY_METRICS in all unless the gates name more."""
    others = sorted({k for v in versions for k in v.metrics} - set(gated))
    return [*gated, *others][: max(KEY_METRICS, len(gated))]


def error_text(error: BaseException) -> str:
    """An error in one line, for a dialog's status or where a timeline would be."""
    if isinstance(error, WorkbenchError):
        return error_sentence(error)
    return f"{type(error).__name__}: {error_sentence(error)}"


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else ("" if value is None else str(value))


class ModelsScreen(WorkbenchScreen):
    """Registered models above, the chosen model's versions below; promote, history,
    rollback, and the lineage of the version under the cursor."""

    CSS_PATH = "models.tcss"
    HELP_TITLE = "Models"
    HELP_TEXT = (
        "Promotion checks every gate first and shows the results; a failing gate refuses\n"
        "unless you force it, which the log records as forced with your reason.\n"
        "Every change is an event in the registry's log (see `workbench models verify`).\n"
        f"Metrics a gate checks come first in the versions, marked{GATE_MARK}.\n"
        "Rollback is greyed out until an alias has had an earlier version to go back to."
    )
    BINDINGS = [
        Binding("p", "promote", "Promote", tooltip="Promote the version under the cursor to an alias"),
        Binding("h", "history", "History", tooltip="Every event of the model as a timeline"),
        Binding("l", "lineage", "Lineage", tooltip="Data, run, batches and drift of the version"),
        Binding("D", "drift", "Drift", key_display="D",
                tooltip="Training data vs the latest production batch"),
        Binding("R", "rollback", "Rollback", key_display="R",
                tooltip="Move an alias back to its previous version"),
        refresh_binding("Read the registry again"),
        EXPORT_BINDING,
        Binding("escape", "back", "Back", tooltip="Back to the runs"),
    ]

    def __init__(self, catalog: Catalog) -> None:
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A model's keys are offered (in the footer too) only once there is a model."""
        no_model = self.overview is None or self.overview.chosen is None
        if action in ("promote", "history", "lineage", "drift", "rollback") and no_model:
            return False
        if action == "rollback" and self.rollback_alias() is None:
            return None  # shown greyed out: no alias has an earlier version to go back to
        return True

    def rollback_alias(self) -> str | None:
        """The alias a rollback would start with: champion if it can go back, else the first
        alias that can (None: no alias of the chosen model has an earlier version)."""
        targets = self.overview.rollback_targets if self.overview is not None else {}
        can = [alias for alias, target in targets.items() if target is not None]
        return "champion" if "champion" in can else (sorted(can)[0] if can else None)

    # -- loading --------------------------------------------------------------------------

    def load(self, chosen: str | None = None) -> None:
        self._load(chosen or (self.overview.chosen if self.overview else None))

    @work(thread=True, exclusive=True, group="models", exit_on_error=False,
          name="read the registry")
    def _load(self, chosen: str | None) -> None:
        self.post_message(ModelsLoaded(service.models_overview(self.catalog, chosen)))

    @on(ModelsLoaded)
    def _loaded(self, message: ModelsLoaded) -> None:
        self.overview = overview = message.overview
        self.refresh_bindings()
        self._show_models(overview)
        self._show_versions(overview)
        warning = self.query_one("#warning", Static)
        warning.update(Text(f"registry log: {overview.warning}" if overview.warning else ""))
        self.set_class(bool(overview.warning), "-warning")
        if not overview.models:
            self.query_one("#versions-title", Static).update(
                Text("No models registered yet: workbench models register RUN NAME")
            )

    def _show_models(self, overview: service.ModelsOverview) -> None:
        """Refill the models table only when what it shows changed (the cursor stays put)."""
        rows = [(m.name, m.versions, m.latest_version, tuple(m.aliases.items()))
                for m in overview.models]  # fmt: skip
        if rows == self._models_shown:
            return
        self._models_shown = rows
        models = self.query_one("#models", DataTable)
        models.clear()
        for name, count, latest, aliases in rows:
            held = ", ".join(f"{a}=v{v}" for a, v in aliases)
            models.add_row(Text(printable(name)), str(count), f"v{latest}", Text(printable(held)), key=name)
        if overview.chosen is not None:
            models.move_cursor(row=models.get_row_index(overview.chosen))

    def _show_versions(self, overview: service.ModelsOverview) -> None:
        table = self.query_one("#versions", DataTable)
        keys = key_metrics(overview.versions, overview.gate_metrics)
        gated = set(overview.gate_metrics)
        table.clear(columns=True)
        headers = [Text(printable(k) + (GATE_MARK if k in gated else ""), style="bold" if k in gated else "")
                   for k in keys]  # fmt: skip
        table.add_columns("version", "aliases", *headers, "run", "registered")
        for v in overview.versions:
            run = v.run_name if v.run_name and v.run_name != v.run_id else v.run_id[:8]
            table.add_row(f"v{v.version}", Text(", ".join(v.aliases)),
                          *(_number(v.metrics.get(k)) for k in keys), Text(printable(run)),
                          v.registered_at[:16].replace("T", " "), key=str(v.version))  # fmt: skip
        title = f"Versions of {overview.chosen}" if overview.chosen else "Versions"
        self.query_one("#versions-title", Static).update(Text(printable(title)))

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
        self.app.push_screen(dialog, self._after_dialog)

    def action_rollback(self) -> None:
        from workbench.tui.screens.model_dialogs import RollbackDialog

        alias = self.rollback_alias()
        if self.overview is None or self.overview.chosen is None or alias is None:
            return
        dialog = RollbackDialog(self.catalog, self.overview.chosen, alias)
        self.app.push_screen(dialog, self._after_dialog)

    def _after_dialog(self, changed: bool | None) -> None:
        if changed:
            self.load()

    def action_history(self) -> None:
        if self.overview is not None and self.overview.chosen is not None:
            self.app.push_screen(HistoryScreen(self.catalog, self.overview.chosen))

    def action_lineage(self) -> None:
        from workbench.tui.screens.lineage import LineageScreen

        version = self.selected_version()
        if self.overview is None or self.overview.chosen is None or version is None:
            self.notify("choose a version to see its lineage", severity="warning")
            return
        self.app.push_screen(LineageScreen(self.catalog, f"version:{self.overview.chosen}@{version}"))

    def action_drift(self) -> None:
        """The Drift screen on the version's training data against the model's latest
        production batch, checked at once."""
        from workbench.tui.screens.drift import DriftScreen

        version = self.selected_version()
        if self.overview is None or self.overview.chosen is None or version is None:
            self.notify("choose a version to check its drift", severity="warning")
            return
        name = self.overview.chosen
        self.app.push_screen(DriftScreen(self.catalog, f"{name}@{version}:train",
                                         f"{name}:production", check=True))

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


#: gate status -> (glyph, style with theme variables).
_MARKS = {
    "pass": ("✓", "$text-success"),
    "fail": ("✗", "$text-error"),
    "unavailable": ("?", "$text-warning"),
}
_RAIL = "$text-primary"


def _gate_line(node: DOMNode, gates: list[Any]) -> Text:
    out = Text()
    out.append("│   ", style=resolve(node, _RAIL))
    for gate in gates:
        mark, style = _MARKS.get(str(gate.get("status")), ("·", ""))
        out.append(f"{mark} ", style=resolve(node, style))
        out.append(printable(gate.get("expr", "")))
        out.append("  ")
    out.append("\n")
    return out


def timeline(node: DOMNode, events: list[Any]) -> Text:
    """The events as a timeline (newest first) in `node`'s theme, every user text literal."""
    out = Text()
    rail, forced = resolve(node, _RAIL), resolve(node, f"bold {ERROR_STYLE}")
    for i, e in enumerate(events):
        style = forced if e.forced else ("bold" if e.kind in ("promote", "rollback") else "")
        out.append("● ", style=rail)
        out.append(f"{e.at[:19].replace('T', ' ')}  ", style="dim")
        out.append(printable(e.summary), style=style)
        out.append(f"   #{e.seq}\n", style="dim")
        out.append("│   ", style=rail)
        out.append(printable(e.who), style="dim")
        if e.reason:
            out.append("  “")
            out.append(printable(e.reason, multiline=True))
            out.append("”")
        out.append("\n")
        if e.gates:
            out.append_text(_gate_line(node, e.gates))
        if i < len(events) - 1:
            out.append("│\n", style=rail)
    return out


class HistoryScreen(WorkbenchScreen):
    """One model's registry events, newest first, as a timeline."""

    CSS_PATH = "models.tcss"
    HELP_TITLE = "Model history"
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the models"),
        refresh_binding("Read the model's events again", show=True),
    ]

    def __init__(self, catalog: Catalog, name: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.model_name = name
        self.events: list[Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(printable(f"History of {self.model_name}")), classes="title")
        with VerticalScroll():
            yield Static(Text("loading…", style="dim"), id="timeline", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False,
          name="read the model's history")
    def _load(self) -> None:
        self.post_message(ModelEventsLoaded(service.model_history(self.catalog, self.model_name)))

    @on(ModelEventsLoaded)
    def _loaded(self, message: ModelEventsLoaded) -> None:
        self.events = message.events
        self.query_one("#timeline", Static).update(timeline(self, message.events))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """The error shows where the timeline would be."""
        text = Text(error_text(error), style=resolve(self, ERROR_STYLE))
        self.query_one("#timeline", Static).update(text)
        return True

    def action_back(self) -> None:
        self.app.pop_screen()
