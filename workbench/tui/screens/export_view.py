"""Writing the table a screen shows to a file: the dialog that asks where (format from the
extension), and the default file name."""

from __future__ import annotations

import time
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from workbench.tui.keys import keys_for

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
