"""The runs browser (home screen): projects on the left, the runs table on the right."""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, get_current_worker

from workbench.errors import FilterSyntaxError
from workbench.tui import service
from workbench.tui.formatting import header_title
from workbench.tui.keys import PaletteAction, keys_for, refresh_binding
from workbench.tui.messages import CatalogChanged, ProjectsLoaded, RunsLoaded
from workbench.tui.runs_view import (
    RunsView,
    ViewState,
    prepare_frame,
    sort_spec,
    view_frame,
)
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.screens.export_view import EXPORT_BINDING
from workbench.tui.screens.runs_columns import RunsColumns
from workbench.tui.screens.runs_navigation import RunsNavigation
from workbench.tui.theme import MARK_STYLE, resolve
from workbench.tui.widgets.filter_bar import FilterBar
from workbench.tui.widgets.projects import ProjectsTree
from workbench.tui.widgets.runs_table import RunsTable

#: Rows fetched (in display order) before the full result, so a huge catalog paints at once.
FIRST_PAGE = 500
#: How long the loader waits for the first page to be painted before reading the rest.
PAGE_PAINT_WAIT_S = 1.0

#: Narrower than this, the projects sidebar starts collapsed so the metrics have room.
SIDEBAR_MIN_WIDTH = 100

EMPTY_TEXT = (
    "No runs yet.\n\n"
    "Log one from Python:\n\n"
    "    import workbench\n"
    "    with workbench.start_run(project=\"demo\") as run:\n"
    "        run.log_params({\"lr\": 0.1})\n"
    "        run.log_metric(\"loss\", 0.5, step=0)\n\n"
    "or add a folder of runs:   workbench ingest PATH\n"
    "or try the samples:        workbench demo\n\n"
    "New runs appear here by themselves."
)


class RunsScreen(RunsNavigation, RunsColumns, WorkbenchScreen):
    """Browse runs: pick a project, filter, sort, mark, and open a run or a comparison."""

    AUTO_FOCUS = "RunsTable"
    CSS_PATH = "runs.tcss"
    HELP_TITLE = "Runs"
    HELP_TEXT = (
        "Headers: metrics plain (acc), params p:lr, tags #stage.\n"
        "Long names end in '…'; the run detail shows them in full.\n"
        "Below 100 columns the projects list hides itself."
    )

    BINDINGS = [
        Binding("enter", "open_detail", "Open", show=False, tooltip="Open the run under the cursor"),
        Binding("space", "toggle_mark", "Mark", tooltip="Mark or unmark the run under the cursor"),
        Binding("c", "compare", "Compare", tooltip="Compare the marked runs"),
        Binding("s", "sql", "SQL", show=False, tooltip="SQL console: read-only queries over the catalog"),
        Binding("d", "datasets", "Datasets", show=False,
                tooltip="Every dataset, its versions, profiles and diffs"),
        Binding("l", "lineage", "Lineage", show=False,
                tooltip="Lineage: data the run used, models it logged"),
        Binding("m", "models", "Models", show=False,
                tooltip="Registered models, aliases, promotion and history"),
        Binding("D", "drift", "Drift", show=False,
                tooltip="Drift check: a data file against a reference"),
        Binding("f", "focus_filter", "Filter", tooltip="Filter runs with an expression"),
        Binding("slash", "focus_search", "Search", key_display="/", tooltip="Search run names"),
        Binding("o", "cycle_sort", "Sort", tooltip="Sort by the next column"),
        Binding("O", "flip_sort", "Reverse", show=False, tooltip="Reverse the sort"),
        Binding("v", "choose_columns", "Columns", show=False, tooltip="Choose columns to show"),
        Binding("g", "group_by", "Group", show=False, tooltip="Group runs by a param"),
        Binding("y", "copy_id", "Copy id", show=False, tooltip="Copy the run id to the clipboard"),
        EXPORT_BINDING,
        Binding("u", "clear_marks", "Unmark all", show=False, tooltip="Unmark all runs"),
        refresh_binding("Re-scan the run folders and read the runs again"),
        Binding("p", "focus_projects", "Projects", show=False, tooltip="Focus the projects list"),
        Binding("t", "focus_table", "Table", show=False, tooltip="Focus the runs table"),
        Binding("b", "toggle_sidebar", "Show/hide projects", show=False,
                tooltip="Show or hide the projects list"),
        Binding("escape", "leave_input", "Back to table", show=False,
                tooltip="Leave the filter or search box"),
    ]
    PALETTE_ONLY = [PaletteAction("Clear filter and search", "clear_filter")]

    def __init__(self, catalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.state = ViewState()
        self.query_spec = service.RunsQuery()
        self.frame = None
        self._view: RunsView | None = None
        self.loaded_version: int | None = None
        self._load_token = 0
        self._first_load = True
        self.catalog_empty = False
        self._narrow: bool | None = None
        self._sidebar_choice: bool | None = None  # True/False once b was pressed
        self._sidebar_peek = False
        self._focus_table_after_load = False
        self._fitted_width = 0  # the table width the shown columns were fitted to
        self._names_fit = True  # every name fits NAME_WIDTH: a resize leaves the name column
        #: Set by the UI once a first page is on the screen: the loader waits for it before
        #: reading everything, so the page's paint does not compete with that read.
        self._page_painted = threading.Event()

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield ProjectsTree(id="projects")
            with Vertical(id="main"):
                yield FilterBar(
                    filter_key=keys_for(self.BINDINGS, "focus_filter"),
                    search_key=keys_for(self.BINDINGS, "focus_search"),
                    id="filter-bar",
                )
                yield Static(id="status-line", classes="title-bar", markup=False)
                yield RunsTable(id="runs")
                yield Static(Text(EMPTY_TEXT), id="empty", markup=False)
        yield Footer(compact=True)

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def on_mount(self) -> None:
        self.table.loading = True
        self.table.focus()
        self.reload_all()

    def on_resize(self) -> None:
        """Below SIDEBAR_MIN_WIDTH columns the projects list starts hidden (b shows it); a
        choice made with b holds until the terminal crosses that width again."""
        narrow = self.size.width < SIDEBAR_MIN_WIDTH
        if narrow != self._narrow:
            self._narrow = narrow
            self._sidebar_choice = None
        hidden = narrow if self._sidebar_choice is None else not self._sidebar_choice
        self.set_class(hidden, "-no-sidebar")
        self._update_status()

    # -- loading --------------------------------------------------------------------------

    def reload_all(self) -> None:
        self.load_projects()
        self.load_runs()

    @work(thread=True, exclusive=True, group="projects", exit_on_error=False, name="load projects")
    def load_projects(self) -> None:
        projects = service.list_projects(self.catalog)
        if not get_current_worker().is_cancelled:
            self.post_message(ProjectsLoaded(projects))

    def load_runs(self) -> None:
        self._load_token += 1
        self._load_runs(self.query_spec, self._load_token)

    @work(thread=True, exclusive=True, group="runs", exit_on_error=False, name="load runs")
    def _load_runs(self, query: service.RunsQuery, token: int) -> None:
        """First a page in display order (paints fast on a huge catalog), then every run."""
        worker = get_current_worker()
        if self._first_load or self.frame is None or len(self.frame) > FIRST_PAGE:
            page = self._first_page(query)
            if page is not None:
                page.frame = prepare_frame(page.frame)
                page.partial = len(page.frame) >= FIRST_PAGE
                if worker.is_cancelled:
                    return
                self._page_painted.clear()
                self.post_message(RunsLoaded(page, token))
                if not page.partial:
                    return
                self._page_painted.wait(PAGE_PAINT_WAIT_S)
                if worker.is_cancelled:
                    return
        result = service.list_runs(self.catalog, query)
        result.frame = prepare_frame(result.frame)
        if not worker.is_cancelled:
            self.post_message(RunsLoaded(result, token))

    def _first_page(self, query: service.RunsQuery) -> service.RunsResult | None:
        try:
            return service.list_runs(self.catalog, query, limit=FIRST_PAGE, sort=sort_spec(self.state))
        except FilterSyntaxError:
            raise
        except Exception:  # noqa: BLE001 - a sort the catalog cannot do: load everything
            return None

    @on(ProjectsLoaded)
    def _projects_loaded(self, message: ProjectsLoaded) -> None:
        self.catalog_empty = not message.projects
        self.query_one(ProjectsTree).set_projects(message.projects, self.query_spec.project)
        self._update_empty()

    @on(RunsLoaded)
    def _runs_loaded(self, message: RunsLoaded) -> None:
        if message.token != self._load_token:
            return  # an older query finished after a newer one started
        result = message.result
        self.frame = result.frame
        self.partial = result.partial
        self.loaded_version = result.version
        self.filter_bar.clear_error()
        self.render_runs()
        self.table.loading = False
        if result.partial:  # the loader reads the rest once this page is painted
            self.call_after_refresh(self._page_painted.set)
        if self._first_load and not isinstance(self.focused, Input):
            self.table.focus()
            self.refresh_bindings()  # the footer missed the focus while the table loaded
        self._first_load = False
        if self._focus_table_after_load:
            self._focus_table_after_load = False
            self.table.focus()

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        self.table.loading = False
        if self.frame is None and worker.group == "runs" and not isinstance(error, FilterSyntaxError):
            reload_key = keys_for(self.BINDINGS, "reload")
            self.query_one("#status-line", Static).update(
                Text(f"The runs could not be loaded; {reload_key} tries again.", style="bold"))
        if isinstance(error, FilterSyntaxError):
            self._focus_table_after_load = False
            expression = error.expression or (self.query_spec.filter or "")
            self.filter_bar.show_error(expression, error.column, str(error))
            return True
        return False

    @on(CatalogChanged)
    def _catalog_changed(self, message: CatalogChanged) -> None:
        if message.version != self.loaded_version:
            self.reload_all()

    def _update_empty(self) -> None:
        no_runs = self.catalog_empty and self.frame is not None and len(self.frame) == 0
        if no_runs != self.has_class("-empty"):
            self.set_class(no_runs, "-empty")
            self.refresh_bindings()

    #: Actions that mean nothing while the catalog has no runs (kept out of the footer then).
    RUN_ACTIONS = frozenset(
        {"toggle_mark", "compare", "cycle_sort", "flip_sort", "focus_filter", "focus_search",
         "choose_columns", "group_by", "copy_id", "clear_marks", "open_detail"}
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.RUN_ACTIONS and self.has_class("-empty"))

    # -- rendering ------------------------------------------------------------------------

    def render_runs(self) -> None:
        """Rebuild the table from the in-memory frame, keeping the cursor on the same run."""
        if self.frame is None:
            return
        self.state.all_projects = self.query_spec.project is None
        if self._view is None or self._view.frame is not self.frame:
            self._view = RunsView(self.frame)  # a new frame: no order or format carries over
        table = self.table
        self._fitted_width = table.size.width
        display = self._view.display(self.state, table_width=self._fitted_width)
        self._names_fit = display.names_fit
        keep = table.current_run_id
        table.show_table(display.table, display.labels, display.row_ids, keep, display.widths,
                         display.order, display.fixed_widths)
        self.display_columns = display.columns
        self._update_status()
        if len(self.frame) and self.catalog_empty:
            self.catalog_empty = False
        self._update_empty()

    def _update_status(self) -> None:
        text = Text()
        scope = self.query_spec.project
        if self.frame is None:  # nothing counted yet: no "0 runs" before the first load ends
            text.append("Loading runs…", style="bold")
            self.query_one("#status-line", Static).update(text, layout=False)
            return
        n = len(self.frame)
        more = "+" if getattr(self, "partial", False) else ""
        text.append(f"{n}{more} run{'s' if n != 1 else ''}", style="bold")
        text.append("  in ")
        text.append(scope if scope is not None else "all projects", style="italic")
        if self.has_class("-no-sidebar"):
            text.append(f"  ({keys_for(self.BINDINGS, 'toggle_sidebar')}: projects)", style="dim")
        text.append(f"  · sort {header_title(self.state.sort)} {'▼' if self.state.descending else '▲'}")
        if self.state.group_by:
            text.append(f"  · group {header_title(self.state.group_by)}")
        if self.state.marked:
            text.append(f"  · {len(self.state.marked)} marked", style=resolve(self, MARK_STYLE))
        if self.query_spec.filter:
            text.append("  · filtered")
        if self.query_spec.search:
            text.append("  · search ")
            text.append(self.query_spec.search)
        if n == 0:
            text.append(f"  · {self._none_hint()}", style="bold")
        # one line of fixed height: a new text never moves anything, so no layout pass
        self.query_one("#status-line", Static).update(text, layout=False)

    def _none_hint(self) -> str:
        """What to do about an empty list (the catalog's own empty state has its own text)."""
        if self.query_spec.filter or self.query_spec.search:
            return "no runs match (ctrl+p: Clear filter and search)"
        reload_key = keys_for(self.BINDINGS, "reload")
        return f"none here yet: {reload_key} re-scans the run folders"

    # -- events ---------------------------------------------------------------------------

    @on(ProjectsTree.ProjectChosen)
    def _project_chosen(self, message: ProjectsTree.ProjectChosen) -> None:
        if message.project != self.query_spec.project:
            self.query_spec.project = message.project
            self.load_runs()
        if self._sidebar_peek:
            self._sidebar_peek = False
            self.add_class("-no-sidebar")
            self._update_status()
        self.table.focus()

    @on(FilterBar.FilterSubmitted)
    def _filter_submitted(self, message: FilterBar.FilterSubmitted) -> None:
        self.query_spec.filter = message.expression or None
        self._focus_table_after_load = True
        self.load_runs()

    @on(FilterBar.SearchChanged)
    def _search_changed(self, message: FilterBar.SearchChanged) -> None:
        if (message.text or None) != self.query_spec.search:
            self.query_spec.search = message.text or None
            self.load_runs()

    @on(RunsTable.Resized)
    def _table_resized(self, message: RunsTable.Resized) -> None:
        if message.width != self._fitted_width:
            self._fitted_width = message.width
            if not self._names_fit:  # a long name takes what room there is: fit it again
                self.render_runs()

    @on(RunsTable.RowSelected)
    def _row_selected(self, event: RunsTable.RowSelected) -> None:
        event.stop()
        self.action_open_detail()

    @on(RunsTable.HeaderSelected)
    def _header_selected(self, event: RunsTable.HeaderSelected) -> None:
        event.stop()
        columns = getattr(self, "display_columns", [])
        index = event.column_index
        if 0 < index < len(columns):
            self.sort_by(columns[index])

    # -- actions --------------------------------------------------------------------------

    def export_view(self):
        if self.frame is None:
            return None
        return "runs", view_frame(self.frame, self.state)

    def action_toggle_mark(self) -> None:
        run_id = self.table.current_run_id
        if run_id is None:
            return
        self.state.marked.symmetric_difference_update({run_id})
        row = self.table.cursor_row
        self.render_runs()
        if row + 1 < self.table.row_count:
            self.table.move_cursor(row=row + 1)

    def action_clear_marks(self) -> None:
        self.state.marked.clear()
        self.render_runs()

    def action_focus_filter(self) -> None:
        self.filter_bar.filter_input.focus()

    def action_focus_search(self) -> None:
        self.filter_bar.search_input.focus()

    def action_clear_filter(self) -> None:
        self.filter_bar.filter_input.value = ""
        self.filter_bar.search_input.value = ""
        self.filter_bar.clear_error()
        self.query_spec.filter = None
        self.query_spec.search = None
        self.load_runs()

    def action_leave_input(self) -> None:
        if isinstance(self.focused, Input):
            self.table.focus()

    def action_focus_projects(self) -> None:
        if self.has_class("-no-sidebar"):
            self._sidebar_peek = True  # shown for one choice: hidden again once a project is picked
        self.remove_class("-no-sidebar")
        self._update_status()
        self.query_one(ProjectsTree).focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_toggle_sidebar(self) -> None:
        self._sidebar_peek = False
        self._sidebar_choice = self.has_class("-no-sidebar")
        self.set_class(not self._sidebar_choice, "-no-sidebar")
        if not self._sidebar_choice and self.focused is self.query_one(ProjectsTree):
            self.table.focus()
        self._update_status()

    def action_copy_id(self) -> None:
        run_id = self.table.current_run_id
        if run_id is None:
            return
        self.app.copy_to_clipboard(run_id)
        self.notify(Text(f"Copied run id {run_id}"), markup=False)

    def action_reload(self) -> None:
        self.refresh_from_disk()

    @work(thread=True, exclusive=True, group="rescan", exit_on_error=False,
          name="re-scan the run folders")
    def refresh_from_disk(self) -> None:
        try:
            service.ingest_pass(self.catalog)
        finally:
            self.app.call_from_thread(self.reload_all)

