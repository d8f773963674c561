"""The filter bar: a filter-language input, a quick-search input, and an inline syntax error."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from workbench.tui.theme import ERROR_STYLE

SEARCH_DEBOUNCE_S = 0.15


#: A message that would run past this many cells after the caret goes on its own line.
CARET_LINE_WIDTH = 64


#: A longer expression is shown as this many characters around the failing column.
EXPRESSION_WIDTH = 60


def expression_window(expression: str, column: int) -> tuple[str, int]:
    """At most EXPRESSION_WIDTH characters of `expression` around `column`, '…' where cut, and
    the column within what is shown (a filter of 100,000 values stays one line)."""
    if len(expression) <= EXPRESSION_WIDTH:
        return expression, column
    start = min(max(column - 1 - EXPRESSION_WIDTH // 2, 0), len(expression) - EXPRESSION_WIDTH)
    shown = expression[start : start + EXPRESSION_WIDTH]
    if start > 0:
        shown, column = "…" + shown, column - start + 1
    if start + EXPRESSION_WIDTH < len(expression):
        shown += "…"
    return shown, column


def caret_text(expression: str, column: int, message: str) -> Content:
    """The failing expression with a caret under `column` (1-based) and the message: after the
    caret when it fits on a narrow screen, else on the next line (never wrapped mid-caret)."""
    expression, col = expression_window(expression, max(int(column or 1), 1))
    gap = " " if 2 + col + 1 + len(message) <= CARET_LINE_WIDTH else "\n"
    return Content.assemble(
        ("✗ ", f"bold {ERROR_STYLE}"),
        expression,
        "\n  " + " " * (col - 1),
        ("^", f"bold {ERROR_STYLE}"),
        gap,
        (message, ERROR_STYLE),
    )


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

    def __init__(
        self, *, filter_key: str = "", search_key: str = "", id: str | None = None  # noqa: A002
    ) -> None:
        """`filter_key` and `search_key` are the screen's keys for the two inputs (placeholders)."""
        super().__init__(id=id)
        self._search_timer: Timer | None = None
        self._filter_keys = ", ".join(k for k in (filter_key, "Enter") if k)
        self._search_keys = search_key

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(
                placeholder=f"filter: metrics.acc > 0.9 and params.lr < 0.1  ({self._filter_keys})",
                id="filter-input",
            )
            search = f"search names  ({self._search_keys})" if self._search_keys else "search names"
            yield Input(placeholder=search, id="search-input")
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
