"""The workbench terminal app: the app shell, its factory, and `run_app` for the CLI."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on, work
from textual.app import App
from textual.binding import Binding

from workbench.tui.commands import WorkbenchCommands
from workbench.tui.messages import CatalogChanged, LiveUpdateFailed


class WorkbenchApp(App[None]):
    """Runs browser, run detail, compare and SQL over one catalog; live while it is open."""

    TITLE = "workbench"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Show the keys of this screen"),
        Binding("q", "back", "Quit", tooltip="Back; quit from the home screen"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, tooltip="Quit the workbench"),
        Binding("backspace", "pop", "Back", show=False, tooltip="Back to the previous screen"),
    ]

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        roots_watch: bool = True,
        poll_interval: float | None = None,
        ingest_on_poll: bool = True,
    ) -> None:
        super().__init__()
        from workbench.tui import safety, service

        safety.install(self)  # no control character from a run folder reaches the terminal

        self.db_path = Path(db_path)
        self.catalog = service.open_catalog(self.db_path)
        self.roots_watch = roots_watch
        self.poll_interval = poll_interval
        self.ingest_on_poll = ingest_on_poll
        self.live = None

    # -- lifecycle ------------------------------------------------------------------------

    def on_mount(self) -> None:
        from workbench.tui.screens.runs import RunsScreen

        self.push_screen(RunsScreen(self.catalog))
        if self.roots_watch:
            self.start_live()

    def start_live(self) -> None:
        """Watch the roots for new runs; check the catalog's version every interval as well."""
        from workbench.tui.live import FALLBACK_S, LiveUpdates

        interval = self.poll_interval or FALLBACK_S
        self.live = LiveUpdates(
            self.catalog,
            on_change=lambda version: self.post_message(CatalogChanged(version)),
            on_error=lambda error: self.post_message(LiveUpdateFailed(error)),
            interval=interval,
            ingest=self.ingest_on_poll,
        )
        self._start_live()
        self.set_interval(interval, self._check_live)

    @work(thread=True, group="live", name="start live updates", exit_on_error=False)
    def _start_live(self) -> None:
        assert self.live is not None
        self.live.start()

    @work(thread=True, exclusive=True, group="live-check", name="check the catalog", exit_on_error=False)
    def _check_live(self) -> None:
        assert self.live is not None
        self.live.check()

    @on(CatalogChanged)
    def _broadcast_change(self, message: CatalogChanged) -> None:
        for screen in self.screen_stack:
            screen.post_message(CatalogChanged(message.version))

    @on(LiveUpdateFailed)
    def _live_failed(self, message: LiveUpdateFailed) -> None:
        from workbench.tui.screens.base import report_failure

        report_failure(self, "live update paused", message.error, severity="warning")

    async def action_quit(self) -> None:
        self.stop_live()
        self.exit()

    def stop_live(self, wait: float | None = None) -> None:
        """Stop live updates; with `wait`, until the pass in flight has closed the catalog."""
        if self.live is not None:
            self.live.stop(wait)

    def on_unmount(self) -> None:
        # Safe to wait on the UI thread: live updates only post messages, never wait for the
        # UI, so quitting always leaves the file unlocked.
        self.stop_live(wait=10.0)
        from workbench.tui import service

        service.release_catalog()  # a read's lingering attach, too

    # -- actions --------------------------------------------------------------------------

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_pop(self) -> None:
        """Back to the previous screen; never quits (backspace is pressed by habit)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()

    async def action_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            await self.action_quit()


def make_app(
    db_path: str | os.PathLike[str],
    *,
    roots_watch: bool = True,
    poll_interval: float | None = None,
    ingest_on_poll: bool = True,
) -> WorkbenchApp:
    """Build the app on the catalog at `db_path` (tests pass a temporary catalog)."""
    return WorkbenchApp(
        db_path, roots_watch=roots_watch, poll_interval=poll_interval, ingest_on_poll=ingest_on_poll
    )


def run_app(db_path: str | os.PathLike[str]) -> None:
    """Open the app in the terminal; returns when the user quits (the catalog is left unlocked)."""
    app = make_app(db_path)
    try:
        app.run()
    finally:
        app.stop_live(wait=10.0)
