"""The SQL console: type a read-only query over the catalog's views, see the rows, export them.

The only SQL the app ever sends is the text typed here, passed to `service.run_sql`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, Static, TextArea

from workbench.tui import service

if TYPE_CHECKING:
    import pyarrow as pa

    from workbench.tui.service import Catalog

#: Queries kept in the history file.
HISTORY_LIMIT = 200
HISTORY_SUFFIX = ".sql-history.jsonl"

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


def error_sentence(exc: BaseException) -> str:
    """One line a person can read, from any error a query can raise."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def make_editor() -> TextArea:
    """A SQL editor: highlighted when tree-sitter's SQL grammar is installed, plain otherwise."""
    from textual._tree_sitter import get_language

    language = "sql" if get_language("sql") is not None else None
    editor = TextArea.code_editor(
        "",
        language=language,
        tab_behavior="focus",
        soft_wrap=True,
        id="sql-editor",
        placeholder=PLACEHOLDER,
    )
    editor.border_title = "query · ctrl+r or f5 runs it"
    return editor


class ExportScreen(ModalScreen["Path | None"]):
    """Ask where to write the current result (.csv or .parquet)."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 70; max-width: 95%; height: auto; border: round $accent; padding: 0 1;
        background: $surface;
    }
    ExportScreen Label { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: str) -> None:
        super().__init__()
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export the result to (.csv or .parquet):", markup=False)
            yield Input(value=self._default, id="export-path")
            yield Label("enter writes it · escape cancels", classes="dim", markup=False)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value) if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SqlScreen(Screen):
    """Type SQL, run it read-only over the catalog, browse and export the rows."""

    TITLE = "SQL console"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    DEFAULT_CSS = """
    SqlScreen #sql-title { height: 1; padding: 0 1; background: $panel; color: $text; }
    SqlScreen #sql-body { height: 1fr; }
    SqlScreen #sql-main { width: 1fr; }
    SqlScreen #sql-editor { height: 9; min-height: 4; border: round $primary 60%; }
    SqlScreen #sql-editor:focus { border: round $primary; }
    SqlScreen.-narrow #sql-editor { height: 7; }
    SqlScreen #sql-status { height: 1; padding: 0 1; color: $text-muted; }
    SqlScreen #sql-status.-error { color: $text-error; }
    SqlScreen #sql-results { height: 1fr; }
    SqlScreen #sql-results > DataTable { height: 1fr; }
    SqlScreen #sql-results > .empty { padding: 1 2; color: $text-muted; }
    SqlScreen #sql-views {
        width: 34; padding: 0 1; border-left: solid $primary 40%; overflow-y: auto;
    }
    SqlScreen.-narrow #sql-views { display: none; }
    SqlScreen #sql-views.-shown { display: block; }
    SqlScreen.-wide #sql-views.-hidden { display: none; }
    """

    BINDINGS = [
        Binding("ctrl+r,f5,ctrl+enter", "run_query", "Run", priority=True),
        Binding("ctrl+up", "history_previous", "Prev query", priority=True),
        Binding("ctrl+down", "history_next", "Next query", priority=True),
        Binding("ctrl+s", "export", "Export", priority=True),
        Binding("f2", "toggle_views", "Views"),
        Binding("escape", "back", "Back"),
    ]

    class QueryFinished(Message):
        """A query's result (table) or its error (one sentence), from the worker."""

        def __init__(self, query: str, table: Any, error: str | None, seconds: float) -> None:
            super().__init__()
            self.query = query
            self.table = table
            self.error = error
            self.seconds = seconds

    class ExportFinished(Message):
        def __init__(self, path: Path | None, rows: int, error: str | None) -> None:
            super().__init__()
            self.path = path
            self.rows = rows
            self.error = error

    def __init__(self, catalog: Catalog, *, history_file: Path | None = None) -> None:
        super().__init__()
        self.catalog = catalog
        self.history = QueryHistory(history_file or history_path(catalog))
        #: The current result (pyarrow Table) and the query that made it.
        self.result: pa.Table | None = None
        self.result_query: str = ""
        self.error: str | None = None
        self.running = False
        #: Whether the status line says how long a query took (snapshot tests turn it off).
        self.show_timing = True

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(
            Text("SQL console · read-only queries over the catalog's views"),
            id="sql-title",
            markup=False,
        )
        with Horizontal(id="sql-body"):
            with Vertical(id="sql-main"):
                yield make_editor()
                yield Static(
                    "ctrl+r / f5 run · ctrl+↑↓ history · ctrl+s export · f2 views",
                    id="sql-status",
                    markup=False,
                )
                with Vertical(id="sql-results"):
                    yield Static("No query run yet.", classes="empty", markup=False)
            yield Static(self._views_help(), id="sql-views")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sql-editor", TextArea).focus()

    @staticmethod
    def _views_help() -> Text:
        text = Text()
        text.append("Views\n", style="bold")
        for name, columns in service.SQL_VIEWS.items():
            text.append(name, style="bold")
            text.append("\n")
            text.append(f"  {columns}\n", style="dim")
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
        if not query:
            self._set_status("Type a query first.", error=True)
            return
        self.history.add(query)
        self.running = True
        self._set_status("running…")
        self.query_one("#sql-results").loading = True
        self._run(query)

    @work(thread=True, exclusive=True, group="sql")
    def _run(self, query: str) -> None:
        from workbench.errors import WorkbenchError

        started = time.perf_counter()
        error: str | None = None
        try:
            table = service.run_sql(self.catalog, query)
        except WorkbenchError as exc:
            table, error = None, error_sentence(exc)
        except Exception as exc:  # a driver error that slipped through: still one line
            table, error = None, error_sentence(exc)
        self.post_message(
            self.QueryFinished(query, table, error, time.perf_counter() - started)
        )

    @on(QueryFinished)
    async def _show_result(self, message: QueryFinished) -> None:
        self.running = False
        results = self.query_one("#sql-results")
        results.loading = False
        if message.error is not None:
            self.error = message.error
            self._set_status(message.error, error=True)
            return
        self.error = None
        table = message.table
        self.result, self.result_query = table, message.query
        await results.remove_children()
        rows = table.num_rows
        if table.num_columns == 0:
            await results.mount(Static("The query returned no columns.", classes="empty",
                                       markup=False))
        else:
            await results.mount(self._make_table(table))
        noun = "row" if rows == 1 else "rows"
        timing = f" in {message.seconds:.2f} s" if self.show_timing else ""
        self._set_status(f"{rows:,} {noun}{timing}")

    @staticmethod
    def _make_table(table: pa.Table):
        from textual_fastdatatable import ArrowBackend, DataTable

        labels: list[str | Text] = [Text(str(name)) for name in table.column_names]
        return DataTable(
            backend=ArrowBackend(table),
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

    @work(thread=True, exclusive=True, group="sql-export")
    def _export(self, table: pa.Table, path: Path) -> None:
        try:
            written = write_result(table, path)
        except Exception as exc:  # OSError, ArrowInvalid (a type CSV cannot hold)
            self.post_message(self.ExportFinished(path, 0, error_sentence(exc)))
        else:
            self.post_message(self.ExportFinished(written, table.num_rows, None))

    @on(ExportFinished)
    def _export_done(self, message: ExportFinished) -> None:
        if message.error is not None:
            self.notify(f"Could not write {message.path}: {message.error}",
                        severity="error", markup=False)
        else:
            self.notify(f"Wrote {message.rows:,} rows to {message.path}", markup=False)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # -- helpers ---------------------------------------------------------------------------

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#sql-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")
