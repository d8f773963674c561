"""The help screen (`?`): every key of the screen underneath, and where to learn more."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GLOBAL_KEYS = [
    ("?", "this help"),
    ("ctrl+p", "command palette: every action by name"),
    ("q", "back / quit from the home screen"),
    ("ctrl+q", "quit"),
    ("esc/backspace", "back to the previous screen"),
    ("tab/shift+tab", "move between panes"),
]


def _key_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=Text(title, style="bold"), show_header=False, box=None, expand=True,
                  title_justify="left", padding=(0, 1))
    table.add_column(style="bold color(179)", no_wrap=True, width=14)
    table.add_column(ratio=1)
    for key, text in rows:
        table.add_row(Text(key), Text(text))
    return table


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """(key, description) for the bindings of `screen` and its focused widget chain."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for binding in getattr(screen, "BINDINGS", []):
        if isinstance(binding, Binding):
            key, desc = binding.key_display or binding.key, binding.description
        else:
            key, desc = binding[0], binding[2] if len(binding) > 2 else binding[1]
        if not desc or key in seen:
            continue
        seen.add(key)
        key = {"slash": "/", "space": "space", "question_mark": "?"}.get(key, key)
        rows.append((key, desc))
    return rows


class HelpScreen(ModalScreen[None]):
    """A scrollable list of keys for the screen it was opened from."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 96%; height: auto; max-height: 92%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        name = getattr(self.under, "HELP_TITLE", type(self.under).__name__.replace("Screen", ""))
        extra = getattr(self.under, "HELP_TEXT", "")
        with VerticalScroll():
            yield Static(_key_table(f"Keys: {name}", screen_keys(self.under)))
            yield Static(_key_table("Everywhere", GLOBAL_KEYS))
            if extra:
                yield Static(Text(extra), markup=False)
            yield Static(Text("Press escape to close.", style="dim"))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).border_title = "Help"

    def action_close(self) -> None:
        self.dismiss(None)
