"""The promote dialog (each gate's result before you confirm, and what forcing would record)
and the rollback confirmation."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from workbench.tui import service
from workbench.tui.screens.models import error_text

_STATUS_STYLE = {"pass": "green", "fail": "bold red", "unavailable": "bold yellow"}


class GatesChecked(Message):
    """A worker judged the gates for (alias): the PromotionCheck, or the error."""

    def __init__(self, alias: str, check: Any = None, error: BaseException | None = None) -> None:
        super().__init__()
        self.alias = alias
        self.check = check
        self.error = error


class ActionDone(Message):
    """A promotion or rollback finished: the event, or the error."""

    def __init__(self, event: Any = None, error: BaseException | None = None) -> None:
        super().__init__()
        self.event = event
        self.error = error


class RollbackPreview(Message):
    """A worker found what a rollback of `alias` would do: current holder and target."""

    def __init__(self, alias: str, current: int | None, target: int | None) -> None:
        super().__init__()
        self.alias = alias
        self.current = current
        self.target = target


def gates_table(check: Any) -> Table | Text:
    """Each gate's result as a small table (literal text); a line when there are no gates."""
    if not check.gates:
        return Text("No gates for this alias: the promotion is not checked.", style="dim")
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for gate in check.gates:
        table.add_row(Text(gate.status, style=_STATUS_STYLE.get(gate.status, "")),
                      Text(f"{gate.expr}: {gate.detail}"))  # fmt: skip
    return table


class PromoteDialog(ModalScreen[bool]):
    """Promote NAME vVERSION to an alias: shows every gate's result before you confirm."""

    CSS_PATH = "models.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "confirm", "Promote"),
    ]

    def __init__(self, catalog: Any, name: str, version: int, alias: str = "champion") -> None:
        super().__init__()
        self.catalog = catalog
        self.model_name = name
        self.version = version
        self.check: Any = None
        self.alias = alias
        self.done_event: Any = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Promote {self.model_name} v{self.version}"), classes="title")
            yield Label("alias · reason · ctrl+s promote · esc cancel", classes="hint")
            yield Input(value=self.alias, placeholder="alias (champion, challenger, ...)", id="alias")
            yield Input(placeholder="reason (recorded with the event)", id="reason")
            yield Static(Text("checking gates…", style="dim"), id="gates")
            yield Checkbox("Force past failing gates", id="force")
            yield Static(id="force-note", markup=False)
            yield Static(id="status", markup=False)
            with Horizontal():
                yield Button("Promote", variant="primary", id="confirm", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()
        self._check(self.alias)

    @work(thread=True, exclusive=True, group="gates", exit_on_error=False)
    def _check(self, alias: str) -> None:
        try:
            check = service.check_promotion(self.catalog, self.model_name, self.version, alias)
            self.post_message(GatesChecked(alias, check))
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            self.post_message(GatesChecked(alias, error=exc))

    @on(Input.Changed, "#alias")
    def _alias_changed(self, event: Input.Changed) -> None:
        self.alias = event.value.strip()
        self.check = None
        self.query_one("#gates", Static).update(Text("checking gates…", style="dim"))
        if self.alias:
            self._check(self.alias)

    @on(GatesChecked)
    def _checked(self, message: GatesChecked) -> None:
        if message.alias != self.alias:
            return  # an answer for an alias typed over since
        gates = self.query_one("#gates", Static)
        if message.error is not None:
            self.check = None
            gates.update(Text(error_text(message.error), style="red"))
            self.query_one("#force-note", Static).update("")
            return
        self.check = check = message.check
        gates.update(gates_table(check))
        held = "nobody" if check.current is None else f"v{check.current}"
        note = f"{self.alias} is held by {held}. "
        if check.allowed:
            note += "Every gate passes."
        else:
            failed = ", ".join(repr(g.expr) for g in check.failed)
            note += f"Forcing records the promotion as forced, with your reason and the failed gates: {failed}."
        self.query_one("#force-note", Static).update(Text(note))

    def action_confirm(self) -> None:
        status = self.query_one("#status", Static)
        reason = self.query_one("#reason", Input).value.strip()
        force = self.query_one("#force", Checkbox).value
        if self.check is None:
            status.update(Text("wait for the gates to be checked"))
        elif not reason:
            status.update(Text("give a reason: it is recorded with the change"))
            self.query_one("#reason", Input).focus()
        elif not self.check.allowed and not force:
            status.update(Text(self.check.refusal()))
        else:
            status.update("")
            self._promote(self.alias, reason, force)

    @work(thread=True, exclusive=True, group="promote", exit_on_error=False)
    def _promote(self, alias: str, reason: str, force: bool) -> None:
        try:
            done = service.promote(self.catalog, self.model_name, self.version, alias, reason, force)
            self.post_message(ActionDone(done.event))
        except Exception as exc:  # noqa: BLE001
            self.post_message(ActionDone(error=exc))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        if message.error is not None:
            self.query_one("#status", Static).update(Text(error_text(message.error)))
            return
        self.done_event = message.event
        self.app.notify(Text(f"{self.model_name} {message.event.summary}"), markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


class RollbackDialog(ModalScreen[bool]):
    """Confirm moving an alias back to the version that held it before."""

    CSS_PATH = "models.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "confirm", "Roll back"),
    ]

    def __init__(self, catalog: Any, name: str, alias: str = "champion") -> None:
        super().__init__()
        self.catalog = catalog
        self.model_name = name
        self.alias = alias
        self.target: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Roll back an alias of {self.model_name}"), classes="title")
            yield Label("alias · reason · ctrl+s roll back · esc cancel", classes="hint")
            yield Input(value=self.alias, placeholder="alias", id="alias")
            yield Input(placeholder="reason (recorded with the event)", id="reason")
            yield Static(id="preview", markup=False)
            yield Static(id="status", markup=False)
            with Horizontal():
                yield Button("Roll back", variant="error", id="confirm", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()
        self._preview(self.alias)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _preview(self, alias: str) -> None:
        try:
            current, target = service.rollback_target(self.catalog, self.model_name, alias)
            self.post_message(RollbackPreview(alias, current, target))
        except Exception as exc:  # noqa: BLE001
            self.post_message(ActionDone(error=exc))

    @on(RollbackPreview)
    def _show_preview(self, message: RollbackPreview) -> None:
        if message.alias != self.alias:
            return
        alias, target = message.alias, message.target
        self.target = target
        held = "nobody" if message.current is None else f"v{message.current}"
        text = (f"{alias}: {held} -> v{target}" if target is not None
                else f"{alias} has no earlier version to roll back to")  # fmt: skip
        self.query_one("#preview", Static).update(Text(text))

    @on(Input.Changed, "#alias")
    def _alias_changed(self, event: Input.Changed) -> None:
        self.alias = event.value.strip()
        self.target = None
        if self.alias:
            self._preview(self.alias)

    def action_confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        status = self.query_one("#status", Static)
        if self.target is None:
            status.update(Text(f"{self.alias} of {self.model_name} has no earlier version to roll back to"))
        elif not reason:
            status.update(Text("give a reason: it is recorded with the change"))
        else:
            self._rollback(self.alias, reason)

    @work(thread=True, exclusive=True, group="rollback", exit_on_error=False)
    def _rollback(self, alias: str, reason: str) -> None:
        try:
            self.post_message(ActionDone(service.rollback(self.catalog, self.model_name, alias, reason)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(ActionDone(error=exc))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        if message.error is not None:
            self.query_one("#status", Static).update(Text(error_text(message.error)))
            return
        self.app.notify(Text(f"{self.model_name} {message.event.summary}"), markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
