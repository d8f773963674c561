"""The promote dialog (each gate's result before you confirm, and what forcing would record)
and the rollback confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.worker import Worker

from workbench.formatting import printable
from workbench.tui import service
from workbench.tui.keys import keys_for
from workbench.tui.messages import GatesChecked, RegistryChanged, RollbackPreviewed
from workbench.tui.screens.base import WorkbenchScreen
from workbench.tui.screens.models import error_text
from workbench.tui.theme import ERROR_STYLE, resolve

if TYPE_CHECKING:
    from workbench.tui.service import Catalog

#: gate status -> style with theme variables.
_STATUS_STYLE = {"pass": "$text-success", "fail": "bold $text-error",
                 "unavailable": "bold $text-warning"}  # fmt: skip
_REASON_NEEDED = "give a reason: it is recorded with the change"


def gates_table(node: DOMNode, check: Any) -> Table | Text:
    """Each gate's result as a small table (literal text); a line when there are no gates."""
    if not check.gates:
        return Text("No gates for this alias: the promotion is not checked.", style="dim")
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for gate in check.gates:
        style = resolve(node, _STATUS_STYLE.get(gate.status, ""))
        table.add_row(Text(gate.status, style=style), Text(printable(f"{gate.expr}: {gate.detail}")))
    return table


def _hint(bindings: list[Binding], confirm: str) -> str:
    return (f"alias · reason · {keys_for(bindings, 'confirm')} {confirm}"
            f" · {keys_for(bindings, 'cancel')} cancel")  # fmt: skip


class RegistryDialog(WorkbenchScreen, ModalScreen[bool]):
    """A registry change to confirm: dismissed with True once it is written to the log."""

    CSS_PATH = "model_dialogs.tcss"
    HELP_TITLE = "Registry change"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything")]

    def __init__(self, catalog: Catalog, name: str, alias: str) -> None:
        super().__init__()
        self.catalog = catalog
        self.model_name = name
        self.alias = alias

    def status(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(printable(text)))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """A failed change or check shows in the dialog's status line."""
        self.status(error_text(error))
        return True

    @on(RegistryChanged)
    def _changed(self, message: RegistryChanged) -> None:
        self.app.notify(printable(f"{self.model_name} {message.event.summary}"), markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        raise NotImplementedError

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


class PromoteDialog(RegistryDialog):
    """Promote NAME vVERSION to an alias: shows every gate's result before you confirm."""

    HELP_TITLE = "Promote"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without promoting"),
        Binding("ctrl+s", "confirm", "Promote",
                tooltip="Promote (refused while a gate fails, unless forced)"),
    ]

    def __init__(self, catalog: Catalog, name: str, version: int, alias: str = "champion") -> None:
        super().__init__(catalog, name, alias)
        self.version = version
        self.check: Any = None
        self._checking: Worker | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Promote {self.model_name} v{self.version}"), classes="title")
            yield Label(_hint(self.BINDINGS, "promote"), classes="hint", markup=False)
            yield Label("Alias", classes="field-label", markup=False)
            yield Input(value=self.alias, placeholder="champion, challenger, ...", id="alias")
            yield Label("Reason (recorded with the event)", classes="field-label", markup=False)
            yield Input(placeholder="why this version", id="reason")
            yield Static(Text("checking gates…", style="dim"), id="gates")
            yield Checkbox("Force past failing gates", id="force")
            yield Static(id="force-note", markup=False)
            yield Static(id="status", markup=False)
            with Horizontal():
                yield Button("Promote", variant="primary", id="confirm", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()
        self._checking = self._check(self.alias)

    @work(thread=True, exclusive=True, group="gates", exit_on_error=False, name="check the gates")
    def _check(self, alias: str) -> None:
        check = service.check_promotion(self.catalog, self.model_name, self.version, alias)
        self.post_message(GatesChecked(alias, check))

    def worker_failed(self, worker: Worker, error: BaseException) -> bool:
        """A failed gate check shows where the gates would be; a failed promotion below."""
        if worker.group != "gates":
            return super().worker_failed(worker, error)
        if worker is self._checking:
            self.query_one("#gates", Static).update(Text(error_text(error), style=resolve(self, ERROR_STYLE)))
            self.query_one("#force-note", Static).update("")
        return True

    @on(Input.Changed, "#alias")
    def _alias_changed(self, event: Input.Changed) -> None:
        self.alias = event.value.strip()
        self.check = None
        self.query_one("#gates", Static).update(Text("checking gates…", style="dim"))
        if self.alias:
            self._checking = self._check(self.alias)

    @on(GatesChecked)
    def _checked(self, message: GatesChecked) -> None:
        if message.alias != self.alias:
            return  # an answer for an alias typed over since
        self.check = check = message.check
        self.query_one("#gates", Static).update(gates_table(self, check))
        held = "nobody" if check.current is None else f"v{check.current}"
        note = f"{self.alias} is held by {held}. "
        if check.allowed:
            note += "Every gate passes."
        else:
            failed = ", ".join(repr(g.expr) for g in check.failed)
            note += f"Forcing records the promotion as forced, with your reason and the failed gates: {failed}."
        self.query_one("#force-note", Static).update(Text(note))

    def action_confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        force = self.query_one("#force", Checkbox).value
        if self.check is None:
            self.status("wait for the gates to be checked")
        elif not reason:
            self.status(_REASON_NEEDED)
            self.query_one("#reason", Input).focus()
        elif not self.check.allowed and not force:
            self.status(self.check.refusal())
        else:
            self.status("")
            self._promote(self.alias, reason, force)

    @work(thread=True, exclusive=True, group="promote", exit_on_error=False, name="promote")
    def _promote(self, alias: str, reason: str, force: bool) -> None:
        done = service.promote(self.catalog, self.model_name, self.version, alias, reason, force)
        self.post_message(RegistryChanged(done.event))


class RollbackDialog(RegistryDialog):
    """Confirm moving an alias back to the version that held it before."""

    HELP_TITLE = "Roll back"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without rolling back"),
        Binding("ctrl+s", "confirm", "Roll back",
                tooltip="Move the alias back to its previous version"),
    ]

    def __init__(self, catalog: Catalog, name: str, alias: str = "champion") -> None:
        super().__init__(catalog, name, alias)
        self.target: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Roll back an alias of {self.model_name}"), classes="title")
            yield Label(_hint(self.BINDINGS, "roll back"), classes="hint", markup=False)
            yield Label("Alias to move back", classes="field-label", markup=False)
            yield Input(value=self.alias, placeholder="champion, challenger, ...", id="alias")
            yield Label("Reason (recorded with the event)", classes="field-label", markup=False)
            yield Input(placeholder="why roll back", id="reason")
            yield Static(id="preview", markup=False)
            yield Static(id="status", markup=False)
            with Horizontal():
                yield Button("Roll back", variant="error", id="confirm", compact=True, disabled=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()
        self._preview(self.alias)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False,
          name="find the version to roll back to")
    def _preview(self, alias: str) -> None:
        current, target = service.rollback_target(self.catalog, self.model_name, alias)
        self.post_message(RollbackPreviewed(alias, current, target))

    @on(RollbackPreviewed)
    def _show_preview(self, message: RollbackPreviewed) -> None:
        if message.alias != self.alias:
            return
        alias, target = message.alias, message.target
        self.target = target
        held = "nobody" if message.current is None else f"v{message.current}"
        text = (f"{alias}: {held} -> v{target}" if target is not None
                else f"{alias} has no earlier version to roll back to")  # fmt: skip
        self.query_one("#preview", Static).update(Text(printable(text, multiline=True)))
        self.query_one("#confirm", Button).disabled = target is None

    @on(Input.Changed, "#alias")
    def _alias_changed(self, event: Input.Changed) -> None:
        self.alias = event.value.strip()
        self.target = None
        self.query_one("#confirm", Button).disabled = True
        if self.alias:
            self._preview(self.alias)

    def action_confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if self.target is None:
            self.status(f"{self.alias} of {self.model_name} has no earlier version to roll back to")
        elif not reason:
            self.status(_REASON_NEEDED)
        else:
            self._rollback(self.alias, reason)

    @work(thread=True, exclusive=True, group="rollback", exit_on_error=False, name="roll back")
    def _rollback(self, alias: str, reason: str) -> None:
        self.post_message(RegistryChanged(service.rollback(self.catalog, self.model_name, alias, reason)))
