"""Writing the table a screen shows to a file: the dialog that asks where (format from the
extension), the default file name, and the rows of a Textual DataTable as shown."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label

from workbench.tui.keys import keys_for

if TYPE_CHECKING:
    import pyarrow as pa

#: The key that exports on every screen with a table (declared in each screen's BINDINGS).
EXPORT_BINDING = Binding("ctrl+s,e", "export_view", "Export", show=False,
                         tooltip="Write this table to .csv, .parquet or .json")


def default_path(stem: str, suffix: str = ".csv") -> str:
    """`<stem>-<UTC time>.csv` in the current folder: a new file each time."""
    return str(Path.cwd() / f"{stem}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}{suffix}")


class ExportViewDialog(ModalScreen["Path | None"]):
    """Ask where to write the current view; the extension picks the format."""

    CSS_PATH = "export_view.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without writing")]

    def __init__(self, what: str, default: str) -> None:
        super().__init__()
        self._what = what
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Write {self._what} to (.csv, .parquet or .json):", markup=False)
            yield Input(value=self._default, id="export-view-path")
            cancel = keys_for(self.BINDINGS, "cancel")
            yield Label(f"enter writes it · {cancel} cancels", classes="dim", markup=False)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _plain(cell: object) -> str | None:
    """A cell's text as the table shows it (Rich Text unstyled); None stays None."""
    if cell is None:
        return None
    plain = getattr(cell, "plain", None)
    return plain if isinstance(plain, str) else str(cell)


def datatable_view(table: DataTable) -> pa.Table | None:
    """The rows of a Textual DataTable as shown (text), in display order; None when empty."""
    import pyarrow as pa

    if not table.row_count or not table.columns:
        return None
    names: list[str] = []
    for i, column in enumerate(table.columns.values()):
        name = _plain(column.label) or f"column{i + 1}"
        while name in names:
            name += "_"
        names.append(name)
    rows = [table.get_row_at(i) for i in range(table.row_count)]
    columns = [[_plain(row[i]) if i < len(row) else None for row in rows] for i in range(len(names))]
    return pa.table({n: pa.array(c, type=pa.string()) for n, c in zip(names, columns, strict=True)})


def focused_table_view(screen: Screen) -> pa.Table | None:
    """What the screen's focused DataTable shows, else its first DataTable with rows."""
    focused = screen.focused
    tables = [focused] if isinstance(focused, DataTable) else list(screen.query(DataTable))
    for table in tables:
        view = datatable_view(table)
        if view is not None:
            return view
    return None
