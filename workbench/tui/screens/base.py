"""The base of the app's screens: one handler for every worker's failure, keys listed from BINDINGS.

A new screen subclasses `WorkbenchScreen`, declares its keys as `Binding(..., tooltip=...)`,
sets `HELP_TITLE`, and runs its loading in `@work(thread=True, exit_on_error=False, name=...)`
workers that raise on failure: the help screen, the palette and error reporting follow.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError
from workbench.formatting import printable
from workbench.tui.keys import KeyHelp, PaletteAction, bindings_help, palette_actions
from workbench.tui.messages import ViewExported

log = logging.getLogger("workbench.tui")


def report_failure(node: DOMNode, title: str, error: BaseException, *, severity: str = "error") -> None:
    """Show `error` as a notification, literally; anything but a WorkbenchError is also logged."""
    if isinstance(error, WorkbenchError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
        log.error("%s", title, exc_info=error)
        node.log.error(title, error)
    node.notify(printable(text, multiline=True), title=title, severity=severity, markup=False)  # type: ignore[arg-type]


def error_sentence(exc: BaseException) -> str:
    """The first line of an error, for a status line or a message where a table would be
    (control characters from the names it quotes shown escaped)."""
    text = str(exc).strip() or type(exc).__name__
    return printable(text.splitlines()[0])


class WorkbenchScreen(Screen):
    """A screen of the app: its workers' failures are reported here, its keys come from BINDINGS."""

    #: The name the help screen shows ("Keys: Runs").
    HELP_TITLE: ClassVar[str] = ""
    #: A few lines for the help screen about things that are not keys.
    HELP_TEXT: ClassVar[str] = ""
    #: Actions the command palette offers that have no key.
    PALETTE_ONLY: ClassVar[list[PaletteAction]] = []

    @classmethod
    def help_rows(cls) -> list[KeyHelp]:
        """The screen's keys for the help screen (its own BINDINGS, in order)."""
        return bindings_help(cls.BINDINGS)

    @classmethod
    def palette_rows(cls) -> list[KeyHelp]:
        """Every action of the screen for the command palette."""
        return palette_actions(cls.BINDINGS, cls.PALETTE_ONLY)

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """Undo a failed worker's loading state here; return True when the failure was shown
        in place (an inline message), False to have it reported as a notification."""
        return False

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.error is None:
            return
        if not self.worker_failed(worker, worker.error):
            report_failure(self, f"could not {worker.name or 'finish'}", worker.error)

    # -- export of the table on screen (a screen opts in with EXPORT_BINDING) -------------

    def export_view(self) -> tuple[str, Any] | None:
        """(file stem, polars frame or Arrow table) of the table as shown; None: nothing yet.
        By default the focused DataTable's text (screens with richer data override this)."""
        from workbench.tui.screens.export_view import focused_table_view

        view = focused_table_view(self)
        stem = (self.HELP_TITLE or "table").lower().replace(" ", "-")
        return None if view is None else (stem, view)

    def action_export_view(self) -> None:
        from workbench.tui.screens.export_view import ExportViewDialog, default_path

        view = self.export_view()
        if view is None:
            self.notify("There is no table to export yet.", severity="warning", markup=False)
            return
        stem, data = view

        def write(path: Path | None) -> None:
            if path is not None:
                self._write_view(data, path)

        self.app.push_screen(ExportViewDialog("this table", default_path(stem)), write)

    @work(thread=True, exclusive=True, group="export-view", exit_on_error=False,
          name="export the table")
    def _write_view(self, data: Any, path: Path) -> None:
        from workbench.tui import service

        written = service.write_view(data, path)
        self.post_message(ViewExported(written.path, written.rows, written.format))

    @on(ViewExported)
    def _view_exported(self, message: ViewExported) -> None:
        noun = "row" if message.rows == 1 else "rows"
        where = printable(str(message.path))
        self.notify(f"Wrote {message.rows:,} {noun} to {where} ({message.format})", markup=False)
