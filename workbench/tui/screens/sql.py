"""The SQL console: type a read-only query over the catalog's views, see the rows, export them.

The only SQL the app ever sends is the text typed here, passed to `service.run_sql`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static, TextArea
from textual.widgets.text_area import LanguageDoesNotExist
from textual.worker import Worker

from workbench.formatting import printable
from workbench.tui import service
from workbench.tui.keys import keys_for
from workbench.tui.messages import ExportFinished, QueryFinished, ViewsListed
from workbench.tui.screens.base import WorkbenchScreen, error_sentence

if TYPE_CHECKING:
    import pyarrow as pa

    from workbench.tui.service import Catalog

#: Queries kept in the history file.
HISTORY_LIMIT = 200
HISTORY_SUFFIX = ".sql-history.jsonl"

#: Where the rows would be after a query failed.
NO_RESULT = "No result: the query failed (the error is above)."
PLACEHOLDER = "SELECT name, status, duration_s FROM runs_view ORDER BY started_at DESC LIMIT 20"


def history_path(catalog: Catalog) -> Path:
    """Where the console keeps its query history: a small file next to the catalog."""
    path = Path(catalog.path)
    return path.with_name(path.name + HISTORY_SUFFIX)


class QueryHistory:
    """Previous queries, newest last, walked with previous()/next() and saved as JSON lines."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: list[str] = []
        self._cursor = 0  # len(entries) means "the text being written"
        self._draft = ""
        self.load()

    def load(self) -> None:
        self.entries = []
        if self.path is not None and self.path.is_file():
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except OSError:
                lines = []
            for line in lines[-HISTORY_LIMIT:]:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, str) and entry.strip():
                    self.entries.append(entry)
        self._cursor = len(self.entries)

    def add(self, query: str) -> None:
        """Remember `query` (moved to the end if it was already the latest) and save."""
        query = query.strip()
        if not query:
            return
        if not self.entries or self.entries[-1] != query:
            self.entries.append(query)
            self.entries = self.entries[-HISTORY_LIMIT:]
            self._save()
        self._cursor = len(self.entries)
        self._draft = ""

    def previous(self, current: str) -> str | None:
        """The query before the one shown (None at the oldest)."""
        if self._cursor == len(self.entries):
            self._draft = current
        if self._cursor == 0:
            return None
        self._cursor -= 1
        return self.entries[self._cursor]

    def next(self) -> str | None:
        """The query after the one shown; the unsent draft after the newest; None past it."""
        if self._cursor >= len(self.entries):
            return None
        self._cursor += 1
        return self._draft if self._cursor == len(self.entries) else self.entries[self._cursor]

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = "".join(json.dumps(e) + "\n" for e in self.entries)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # history is a convenience; never fail a query over it


def write_result(table: pa.Table, path: Path) -> Path:
    """Write `table` to `path` as Parquet (.parquet/.pq) or CSV (anything else)."""
    path = path.expanduser()
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    else:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    return path


def make_editor(language: str = "sql", run_keys: str = "") -> TextArea:
    """A SQL editor: highlighted when tree-sitter's grammar for `language` is installed, plain
    otherwise; its title says which keys run the query."""

    def editor(language: str | None) -> TextArea:
        return TextArea.code_editor(
            "",
            language=language,
            tab_behavior="focus",
            soft_wrap=True,
            id="sql-editor",
            placeholder=PLACEHOLDER,
        )

    try:
        area = editor(language)
    except LanguageDoesNotExist:
        area = editor(None)
    area.border_title = f"query · {run_keys} runs it" if run_keys else "query"
    return area


class ExportScreen(ModalScreen["Path | None"]):
    """Ask where to write the current result (.csv or .parquet)."""

    CSS_PATH = "sql.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without writing")]

    def __init__(self, default: str) -> None:
        super().__init__()
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export the result to (.csv or .parquet):", markup=False)
            yield Input(value=self._default, id="export-path")
            cancel = keys_for(self.BINDINGS, "cancel")
            yield Label(f"enter writes it · {cancel} cancels", classes="dim", markup=False)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value) if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SqlScreen(WorkbenchScreen):
    """Type SQL, run it read-only over the catalog, browse and export the rows."""

    TITLE = "SQL console"
    CSS_PATH = "sql.tcss"
    HELP_TITLE = "SQL console"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("ctrl+r,f5,ctrl+enter", "run_query", "Run", priority=True, tooltip="Run the query"),
        Binding("ctrl+up", "history_previous", "Prev query", priority=True,
                tooltip="Previous query from the history"),
        Binding("ctrl+down", "history_next", "Next query", priority=True,
                tooltip="Next query from the history"),
        Binding("ctrl+s", "export", "Export", priority=True, tooltip="Export the result to CSV or Parquet"),
        Binding("f2", "toggle_views", "Views", tooltip="Show or hide the list of views"),
        Binding("escape", "back", "Back", tooltip="Back to the runs"),
    ]

    def __init__(self, catalog: Catalog, *, history_file: Path | None = None) -> None:
        super().__init__()
        self.catalog = catalog
        self.history = QueryHistory(history_file or history_path(catalog))
        #: The current result (pyarrow Table) and the query that made it.
        self.result: pa.Table | None = None
        self.result_query: str = ""
        self.error: str | None = None
        self.running = False
        #: The catalog's views and their columns, once read.
        self.views: dict[str, list[str]] | None = None
        #: Whether the status line says how long a query took (snapshot tests turn it off).
        self.show_timing = True

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            Text("SQL console · read-only queries over the catalog's views"),
            id="sql-title",
            classes="title-bar",
            markup=False,
        )
        with Horizontal(id="sql-body"):
            with Vertical(id="sql-main"):
                yield make_editor(run_keys=keys_for(self.BINDINGS, "run_query"))
                yield Static(self._keys_hint(), id="sql-status", markup=False)
                with Vertical(id="sql-results"):
                    yield Static("No query run yet.", classes="message", markup=False)
            yield Static(self._views_help(None), id="sql-views", classes="side-pane-right")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sql-editor", TextArea).focus()
        self._list_views()

    @work(thread=True, exclusive=True, group="sql-views", exit_on_error=False,
          name="list the catalog's views")
    def _list_views(self) -> None:
        self.post_message(ViewsListed(service.sql_views(self.catalog)))

    @on(ViewsListed)
    def _views_listed(self, message: ViewsListed) -> None:
        self.views = message.views
        self.query_one("#sql-views", Static).update(self._views_help(message.views))

    @staticmethod
    def _views_help(views: dict[str, list[str]] | None) -> Text:
        """The views and their columns (as the catalog has them; None: not read yet)."""
        text = Text()
        text.append("Views\n", style="bold")
        if views is None:
            text.append("reading the catalog…\n", style="dim")
        for name, columns in (views or {}).items():
            text.append(printable(name), style="bold")
            text.append("\n")
            text.append(f"  {printable(', '.join(columns))}\n", style="dim")
        text.append("\nRead-only: writes are refused.", style="italic dim")
        return text

    # -- actions ---------------------------------------------------------------------------

    @property
    def editor(self) -> TextArea:
        return self.query_one("#sql-editor", TextArea)

    def action_run_query(self) -> None:
        if self.running:
            self.notify("A query is still running.", severity="warning", markup=False)
            return
        query = self.editor.text.strip()
        if not query:  # the editor shows the example greyed out: running it is what was asked
            self._load_into_editor(PLACEHOLDER)
            query = PLACEHOLDER
        self.history.add(query)
        self.running = True
        self._set_status("running…")
        self.query_one("#sql-results").loading = True
        self._run(query)

    @work(thread=True, exclusive=True, group="sql", exit_on_error=False, name="run the query")
    def _run(self, query: str) -> None:
        started = time.perf_counter()
        table = service.run_sql(self.catalog, query)
        self.post_message(QueryFinished(query, table, time.perf_counter() - started))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """A query's error is one line in the status bar, and the previous result goes (it
        would read as this query's); a failed export is a notification."""
        if worker.group == "sql-views":
            self.query_one("#sql-views", Static).update(self._views_help({}))
            return False
        if worker.group != "sql":
            return False
        self.running = False
        results = self.query_one("#sql-results")
        results.loading = False
        self.error = error_sentence(error)
        self.result, self.result_query = None, ""
        results.remove_children()
        results.mount(Static(NO_RESULT, classes="message", markup=False))
        self._set_status(self.error, error=True)
        return True

    @on(QueryFinished)
    async def _show_result(self, message: QueryFinished) -> None:
        self.running = False
        results = self.query_one("#sql-results")
        results.loading = False
        self.error = None
        table = message.table
        self.result, self.result_query = table, message.query
        await results.remove_children()
        rows = table.num_rows
        if table.num_columns == 0:
            await results.mount(Static("The query returned no columns.", classes="message",
                                       markup=False))
        else:
            await results.mount(self._make_table(table))
        noun = "row" if rows == 1 else "rows"
        timing = f" in {message.seconds:.2f} s" if self.show_timing else ""
        self._set_status(f"{rows:,} {noun}{timing}")

    @staticmethod
    def _make_table(table: pa.Table):
        from textual_fastdatatable import ArrowBackend, DataTable

        labels: list[str | Text] = [Text(printable(name)) for name in table.column_names]
        return DataTable(
            backend=ArrowBackend(_printable_strings(table)),
            column_labels=labels,
            render_markup=False,
            max_column_content_width=60,
            id="sql-table",
        )

    def action_history_previous(self) -> None:
        text = self.history.previous(self.editor.text)
        if text is not None:
            self._load_into_editor(text)

    def action_history_next(self) -> None:
        text = self.history.next()
        if text is not None:
            self._load_into_editor(text)

    def _load_into_editor(self, text: str) -> None:
        editor = self.editor
        editor.load_text(text)
        editor.move_cursor(editor.document.end)

    def action_toggle_views(self) -> None:
        panel = self.query_one("#sql-views")
        if self.has_class("-narrow"):
            panel.remove_class("-hidden")
            panel.toggle_class("-shown")
        else:
            panel.remove_class("-shown")
            panel.toggle_class("-hidden")

    def action_export(self) -> None:
        if self.result is None:
            self.notify("Run a query first: there is no result to export.",
                        severity="warning", markup=False)
            return
        self.app.push_screen(ExportScreen("query-result.csv"), self._export_to)

    def _export_to(self, path: Path | None) -> None:
        if path is not None and self.result is not None:
            self._export(self.result, path)

    @work(thread=True, exclusive=True, group="sql-export", exit_on_error=False,
          name="write the result")
    def _export(self, table: pa.Table, path: Path) -> None:
        written = write_result(table, path)
        self.post_message(ExportFinished(written, table.num_rows))

    @on(ExportFinished)
    def _export_done(self, message: ExportFinished) -> None:
        self.notify(f"Wrote {message.rows:,} rows to {message.path}", markup=False)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # -- helpers ---------------------------------------------------------------------------

    def _keys_hint(self) -> str:
        def key(action: str) -> str:
            return keys_for(self.BINDINGS, action)

        return (f"{key('run_query')} run · {key('history_previous')}/{key('history_next')} history"
                f" · {key('export')} export · {key('toggle_views')} views")

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#sql-status", Static)
        status.update(Text(printable(text)))
        status.set_class(error, "-error")


def _printable_strings(table: pa.Table) -> pa.Table:
    """The result as shown: text cells with control characters escaped (the export keeps the
    values as they are)."""
    import pyarrow as pa

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values = column.to_pylist()
            if not all(v is None or v.isprintable() for v in values):
                column = pa.array([None if v is None else printable(v) for v in values], pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)
