"""The help screen (`?`): every key of the screen underneath and of the app, read from their bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from workbench.tui.keys import KeyHelp, bindings_help
from workbench.tui.theme import KEY_STYLE, resolve


def _key_table(title: str, rows: list[KeyHelp], key_style: str) -> Table:
    table = Table(title=Text(title, style="bold"), show_header=False, box=None, expand=True,
                  title_justify="left", padding=(0, 1))
    table.add_column(style=key_style, no_wrap=True, width=max([14, *(len(r.keys) + 1 for r in rows)]))
    table.add_column(ratio=1)
    for row in rows:
        table.add_row(Text(row.keys), Text(row.title))
    return table


def screen_keys(screen: Screen) -> list[KeyHelp]:
    """The keys of `screen`: its own bindings, as its class declares them."""
    help_rows = getattr(screen, "help_rows", None)
    return help_rows() if help_rows is not None else bindings_help(type(screen).BINDINGS)


def app_keys(app: App) -> list[KeyHelp]:
    """Keys that work on every screen: the app's bindings, the palette, moving between panes."""
    palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "Palette",
                      tooltip="Command palette: every action by name")
    panes = [Binding("tab", "app.focus_next", "Next pane", tooltip="Move to the next pane or field"),
             Binding("shift+tab", "app.focus_previous", "Previous pane",
                     tooltip="Move to the previous pane or field")]
    return bindings_help([*type(app).BINDINGS, palette, *panes])


class HelpScreen(ModalScreen[None]):
    """A scrollable list of keys for the screen it was opened from."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        name = getattr(self.under, "HELP_TITLE", "") or type(self.under).__name__.replace("Screen", "")
        extra = getattr(self.under, "HELP_TEXT", "")
        key_style = resolve(self, f"bold {KEY_STYLE}")
        with VerticalScroll():
            yield Static(_key_table(f"Keys: {name}", screen_keys(self.under), key_style))
            yield Static(_key_table("Everywhere", app_keys(self.app), key_style))
            if extra:
                yield Static(Text(extra), markup=False)
            yield Static(Text("^ is the ctrl key (^p: ctrl+p). Press escape to close.", style="dim"))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = "Help"

    def action_close(self) -> None:
        self.dismiss(None)
