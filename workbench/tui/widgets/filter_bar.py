"""The filter bar: a filter-language input, a quick-search input, and an inline syntax error."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

SEARCH_DEBOUNCE_S = 0.15


#: A message that would run past this many cells after the caret goes on its own line.
CARET_LINE_WIDTH = 64


def caret_text(expression: str, column: int, message: str) -> Text:
    """The failing expression with a caret under `column` (1-based) and the message: after the
    caret when it fits on a narrow screen, else on the next line (never wrapped mid-caret)."""
    col = max(int(column or 1), 1)
    text = Text("✗ ", style="bold color(160)")
    text.append(expression)
    text.append("\n  " + " " * (col - 1))
    text.append("^", style="bold color(160)")
    if 2 + col + 1 + len(message) <= CARET_LINE_WIDTH:
        text.append(" ")
    else:
        text.append("\n")
    text.append(message, style="color(160)")
    return text


class FilterBar(Vertical):
    """Filter (Enter applies) and search (applies as you type) for the runs table."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar > Horizontal { height: 1; }
    FilterBar Input { border: none; height: 1; padding: 0 1; background: $boost; }
    FilterBar Input:focus { border: none; background: $primary 30%; }
    FilterBar #filter-input { width: 3fr; }
    FilterBar #search-input { width: 2fr; margin-left: 1; }
    FilterBar #filter-error { height: auto; display: none; padding: 0 1; }
    FilterBar.-error #filter-error { display: block; }
    """

    class FilterSubmitted(Message):
        """The user pressed Enter in the filter input."""

        def __init__(self, expression: str) -> None:
            super().__init__()
            self.expression = expression

    class SearchChanged(Message):
        """The quick-search text changed (debounced)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(
                placeholder="filter: metrics.acc > 0.9 and params.lr < 0.1  (f, Enter)",
                id="filter-input",
            )
            yield Input(placeholder="search names  (/)", id="search-input")
        yield Static(id="filter-error", markup=False)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def search_input(self) -> Input:
        return self.query_one("#search-input", Input)

    def show_error(self, expression: str, column: int, message: str) -> None:
        """Show a syntax error inline, with a caret at the failing column."""
        self.query_one("#filter-error", Static).update(caret_text(expression, column, message))
        self.add_class("-error")

    def clear_error(self) -> None:
        self.query_one("#filter-error", Static).update("")
        self.remove_class("-error")

    @property
    def error_text(self) -> str:
        """The error currently shown ('' when none), as plain text."""
        if not self.has_class("-error"):
            return ""
        return str(self.query_one("#filter-error", Static).render())

    @on(Input.Submitted, "#filter-input")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.FilterSubmitted(event.value.strip()))

    @on(Input.Submitted, "#search-input")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._emit_search()

    @on(Input.Changed, "#search-input")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_S, self._emit_search)

    def _emit_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self.post_message(self.SearchChanged(self.search_input.value.strip()))
