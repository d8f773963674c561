"""The datasets screen: every dataset on the left, the versions of the highlighted one on the
right; open a version's profile, diff it with the version before, or walk its lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Static

from workbench.formatting import format_size, printable
from workbench.tui import service
from workbench.tui.keys import refresh_binding
from workbench.tui.messages import CatalogChanged, DatasetsLoaded, VersionsLoaded
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.screens.export_view import EXPORT_BINDING

if TYPE_CHECKING:
    from workbench.tui.service import Catalog

EMPTY_TEXT = (
    "No datasets yet.\n\n"
    "Log one from a run:        run.log_dataset(\"train.parquet\")\n"
    "or register a data folder: workbench datasets scan PATH"
)


def cell(value: Any) -> Text:
    """A table cell shown literally (never markup)."""
    return Text("" if value is None else printable(value), no_wrap=True, overflow="ellipsis")


class DatasetsScreen(WorkbenchScreen):
    """Datasets and their versions; enter/p profile, d diff with the previous version, l lineage."""

    AUTO_FOCUS = "#datasets"
    CSS_PATH = "datasets.tcss"
    HELP_TITLE = "Datasets"
    HELP_TEXT = (
        "A version is one content (fingerprint); the same bytes anywhere are one version.\n"
        "enter in the datasets list moves to its versions; in the versions it opens the profile."
    )
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the runs"),
        Binding("enter", "open", "Open", show=False,
                tooltip="Go to the versions, or profile a version"),
        Binding("p", "profile", "Profile", tooltip="Column statistics and histograms of the version"),
        Binding("d", "diff", "Diff prev", tooltip="Schema and profile changes from the version before"),
        Binding("l", "lineage", "Lineage", tooltip="Runs and models that used the version"),
        refresh_binding("Read the datasets from the catalog again"),
        EXPORT_BINDING,
    ]

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.datasets: list[dict[str, Any]] = []
        self.versions: list[Any] = []
        self.current: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Datasets"), id="title", classes="title-bar", markup=False)
        with Horizontal(id="body"):
            yield DataTable(id="datasets", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="versions", cursor_type="row", zebra_stripes=True)
        yield Static(Text(EMPTY_TEXT), id="empty", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#datasets", DataTable).add_columns("name", "vers", "rows", "runs")
        self.query_one("#versions", DataTable).add_columns("v", "rows", "size", "format", "runs")
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The version's keys are offered (in the footer too) only when there is a version."""
        if action in ("profile", "diff", "lineage", "open"):
            return bool(self.versions)
        return True

    # -- loading --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="datasets", exit_on_error=False,
          name="load the datasets")
    def _load(self) -> None:
        self.post_message(DatasetsLoaded(service.list_datasets(self.catalog)))

    @work(thread=True, exclusive=True, group="versions", exit_on_error=False,
          name="load the dataset's versions")
    def _load_versions(self, name: str) -> None:
        self.post_message(VersionsLoaded(name, service.dataset_versions(self.catalog, name)))

    @on(DatasetsLoaded)
    def _datasets_loaded(self, message: DatasetsLoaded) -> None:
        self._show_datasets(message.datasets)

    @on(VersionsLoaded)
    def _versions_loaded(self, message: VersionsLoaded) -> None:
        if message.name == self.current:
            self._show_versions(message.versions)

    @on(CatalogChanged)
    def _changed(self, _message: CatalogChanged) -> None:
        self._load()

    def _show_datasets(self, rows: list[dict[str, Any]]) -> None:
        self.datasets = rows
        if not rows:
            self.versions = []
            self.refresh_bindings()
        self.set_class(not rows, "-empty")
        table = self.query_one("#datasets", DataTable)
        keep = self.current
        table.clear()
        for row in rows:
            table.add_row(
                cell(row["name"]), cell(row["versions"]), cell(row["rows"]), cell(row["runs"]),
                key=row["name"],
            )  # fmt: skip
        names = [row["name"] for row in rows]
        if names:
            index = names.index(keep) if keep in names else 0
            table.move_cursor(row=index)
            self._select(names[index])

    def _show_versions(self, versions: list[Any]) -> None:
        self.versions = versions
        self.refresh_bindings()
        table = self.query_one("#versions", DataTable)
        table.clear()
        for v in reversed(versions):  # newest first
            table.add_row(
                cell(v.version), cell(v.rows), cell(format_size(v.size)), cell(v.format),
                cell(v.run_count), key=str(v.version),
            )  # fmt: skip
        noun = "version" if len(versions) == 1 else "versions"
        self.query_one("#title", Static).update(
            Text(printable(f"Datasets · {self.current} · {len(versions)} {noun}"))
        )

    def _select(self, name: str) -> None:
        if name != self.current or not self.versions:
            self.current = name
            self._load_versions(name)

    @on(DataTable.RowHighlighted, "#datasets")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._select(str(event.row_key.value))

    # -- the highlighted version ------------------------------------------------------------

    def selected_version(self) -> Any | None:
        """The version under the versions cursor (the latest if that table was not visited)."""
        if not self.versions:
            return None
        table = self.query_one("#versions", DataTable)
        index = table.cursor_row if 0 <= table.cursor_row < len(self.versions) else 0
        return list(reversed(self.versions))[index]

    def action_open(self) -> None:
        if self.focused is self.query_one("#datasets", DataTable):
            self.query_one("#versions", DataTable).focus()
        else:
            self.action_profile()

    def action_profile(self) -> None:
        version = self.selected_version()
        if version is not None:
            from workbench.tui.screens.dataset_detail import ProfileScreen

            self.app.push_screen(ProfileScreen(self.catalog, version.ref))

    def action_diff(self) -> None:
        version = self.selected_version()
        if version is None:
            return
        if version.version == 1:
            self.notify("This is the first version: nothing before it to compare.")
            return
        from workbench.tui.screens.dataset_detail import DiffScreen

        before = f"{version.name}@{version.version - 1}"
        self.app.push_screen(DiffScreen(self.catalog, before, version.ref))

    def action_lineage(self) -> None:
        version = self.selected_version()
        if version is not None:
            from workbench.tui.screens.lineage import LineageScreen

            self.app.push_screen(LineageScreen(self.catalog, f"dataset:{version.ref}"))

    def action_reload(self) -> None:
        self.versions = []
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
