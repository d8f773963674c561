"""Small modal pickers: choose visible columns (checkboxes) and choose a param to group by."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, OptionList
from textual.widgets.option_list import Option

from workbench.formatting import printable
from workbench.tui.formatting import column_title
from workbench.tui.keys import keys_for


def _column_label(name: str) -> Text:
    kind = name.split(".", 1)[0] if "." in name else "run"
    text = Text(printable(column_title(name)))
    text.append(f"  ({kind})", style="dim")
    return text


class ColumnsScreen(ModalScreen[set[str] | None]):
    """Checkboxes for every optional column; returns the set of hidden columns."""

    CSS_PATH = "pickers.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the columns"),
        Binding("ctrl+s", "apply", "Apply", tooltip="Show the checked columns"),
        Binding("a", "all(True)", "All", tooltip="Check every column"),
        Binding("n", "all(False)", "None", tooltip="Uncheck every column"),
    ]

    def __init__(self, columns: list[str], hidden: set[str]) -> None:
        super().__init__()
        self.columns = columns
        self.hidden = set(hidden)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Columns", classes="title")
            yield Label(self._hint(), classes="hint", markup=False)
            with VerticalScroll():
                for i, name in enumerate(self.columns):
                    box = Checkbox(_column_label(name), value=name not in self.hidden, id=f"col-{i}")
                    box.column_name = name  # type: ignore[attr-defined]
                    yield box
            with Horizontal():
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def _hint(self) -> str:
        keys = [f"{keys_for(self.BINDINGS, a)} {what}" for a, what in (
            ("all(True)", "all"), ("all(False)", "none"), ("apply", "apply"), ("cancel", "cancel"))]
        return " · ".join(["space toggles", *keys])

    def action_all(self, value: bool) -> None:
        for box in self.query(Checkbox):
            box.value = value

    def action_apply(self) -> None:
        hidden = {box.column_name for box in self.query(Checkbox) if not box.value}  # type: ignore[attr-defined]
        self.dismiss(hidden)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()


class GroupScreen(ModalScreen[str | None]):
    """Pick a param to group runs by ('' = no grouping)."""

    CSS_PATH = "pickers.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without grouping")]

    def __init__(self, params: list[str], current: str | None) -> None:
        super().__init__()
        self.params = params
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Group runs by", classes="title")
            options = [Option(Text("(no grouping)", style="italic"), id="")]
            options += [Option(Text(printable(column_title(p))), id=p) for p in self.params]
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        if self.current:
            try:
                option_list.highlighted = option_list.get_option_index(self.current)
            except Exception:
                option_list.highlighted = 0
        else:
            option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")

    def action_cancel(self) -> None:
        self.dismiss(None)
