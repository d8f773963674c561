"""Moving aliases: promotion through gates (or forced), removal, and gate changes.

Each change is one event written while holding the log's lock, decided on the state read
under that lock, so two processes promoting at once both land, one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.catalog.contract import CatalogLike
from workbench.errors import GateFailedError, NotFoundError, RegistryError
from workbench.registry import gates as gate_rules
from workbench.registry.events import RegistryEvent
from workbench.registry.gates import GateResult
from workbench.registry.state import ANY_ALIAS, ModelVersion, RegisteredModel, RegistryState, replay
from workbench.registry.sync import RegistryDir, event_log, sync, sync_after_write
from workbench.registry.versions import check_name


@dataclass
class PromotionCheck:
    """What a promotion would do: each gate's result, and the alias's current holder."""

    name: str
    version: int
    alias: str
    current: int | None
    gates: list[GateResult] = field(default_factory=list)

    @property
    def failed(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed]

    @property
    def allowed(self) -> bool:
        return not self.failed

    def refusal(self) -> str:
        """One sentence naming the first gate that blocks the promotion."""
        first = self.failed[0]
        more = len(self.failed) - 1
        extra = f" ({more} more gate{'s' if more > 1 else ''} also blocked it)" if more else ""
        return (
            f"promotion of {self.name} v{self.version} to {self.alias} refused: gate "
            f"{first.expr!r} {'failed' if first.status == 'fail' else 'is ' + first.status}: "
            f"{first.detail}{extra}"
        )


@dataclass
class Promotion:
    """A promotion that happened: the check it passed (or was forced past) and its event."""

    check: PromotionCheck
    event: RegistryEvent

    @property
    def forced(self) -> bool:
        return self.event.forced


def _model(state: RegistryState, name: str) -> RegisteredModel:
    model = state.model(name)
    if model is None or not model.versions:
        raise NotFoundError(f"no model named {name!r} is registered")
    return model


def _version(model: RegisteredModel, version: int) -> ModelVersion:
    if version not in model.versions:
        raise NotFoundError(f"{model.name} has no version {version} (latest is {model.latest})")
    return model.versions[version]


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise RegistryError("give a reason: it is recorded with the change")
    return reason.strip()


def _check(cat: CatalogLike, state: RegistryState, name: str, version: int, alias: str) -> PromotionCheck:
    model = _model(state, name)
    candidate = _version(model, version)
    current = model.aliases.get(alias)
    if current == version:
        raise RegistryError(f"{name} v{version} already holds {alias}")
    results = gate_rules.evaluate(cat, model, candidate, alias)
    return PromotionCheck(name, version, alias, current, results)


def check_promotion(
    cat: CatalogLike, name: str, version: int, alias: str, registry: RegistryDir = None
) -> PromotionCheck:
    """Judge every gate for promoting `name` v`version` to `alias`, without changing anything."""
    alias = check_name(alias, "alias")
    sync(cat, registry)
    state = replay(event_log(cat, registry).read())
    return _check(cat, state, name, version, alias)


def promote(
    cat: CatalogLike,
    name: str,
    version: int,
    alias: str,
    reason: str | None,
    *,
    force: bool = False,
    registry: RegistryDir = None,
) -> Promotion:
    """Point `alias` at `version` if every gate passes (or `force`, recorded as forced).

    A refused promotion raises GateFailedError carrying every gate's result; nothing is written.
    """
    alias = check_name(alias, "alias")
    why = _reason(reason)
    _check_drift_first(cat, name, version, alias, registry)
    with event_log(cat, registry).locked() as log:
        check = _check(cat, replay(log.events), name, version, alias)
        if not check.allowed and not force:
            raise GateFailedError(check.refusal(), check.gates)
        event = log.append(
            "promote", name, why, alias=alias, from_version=check.current, to_version=version,
            forced=bool(force and not check.allowed), gates=[g.to_dict() for g in check.gates],
        )  # fmt: skip
    sync_after_write(cat, registry)
    return Promotion(check, RegistryEvent.from_dict(event))


def _check_drift_first(
    cat: CatalogLike, name: str, version: int, alias: str, registry: RegistryDir
) -> None:
    """Run a `no drift` gate's check before the log is locked: the check can take seconds,
    and the judgement under the lock then reuses its stored report."""
    model = replay(event_log(cat, registry).read()).model(name)
    if model is None or version not in model.versions:
        return
    if any(g.expr.lower() == gate_rules.NO_DRIFT for g in model.gates_for(alias)):
        gate_rules.drift_gate_result(cat, model.versions[version], name)


def remove_alias(
    cat: CatalogLike, name: str, alias: str, reason: str | None, registry: RegistryDir = None
) -> RegistryEvent:
    """Take `alias` off the version holding it (rollback can bring it back)."""
    why = _reason(reason)
    with event_log(cat, registry).locked() as log:
        model = _model(replay(log.events), name)
        current = model.aliases.get(alias)
        if current is None:
            raise NotFoundError(f"no version of {name} holds the alias {alias!r}")
        event = log.append(
            "alias_remove", name, why, alias=alias, from_version=current, to_version=None
        )
    sync_after_write(cat, registry)
    return RegistryEvent.from_dict(event)


def rollback(
    cat: CatalogLike,
    name: str,
    reason: str | None,
    *,
    alias: str = "champion",
    registry: RegistryDir = None,
) -> RegistryEvent:
    """Move `alias` back to the version that held it before; again walks further back."""
    why = _reason(reason)
    with event_log(cat, registry).locked() as log:
        model = _model(replay(log.events), name)
        target = model.rollback_target(alias)
        if target is None:
            raise RegistryError(f"{alias} of {name} has no earlier version to roll back to")
        event = log.append(
            "rollback", name, why, alias=alias, from_version=model.aliases.get(alias),
            to_version=target,
        )  # fmt: skip
    sync_after_write(cat, registry)
    return RegistryEvent.from_dict(event)


def change_gate(
    cat: CatalogLike,
    name: str,
    expr: str,
    *,
    remove: bool = False,
    alias: str | None = None,
    direction: str | None = None,
    reason: str | None = None,
    registry: RegistryDir = None,
) -> RegistryEvent:
    """Add (or remove) a gate on promotions of `name` to `alias` (None: to any alias)."""
    name = check_name(name)
    scope = check_name(alias, "alias") if alias else ANY_ALIAS
    text = gate_rules.check_expression(expr) if not remove else gate_rules.normalise(expr)
    if direction not in (None, "max", "min"):
        raise RegistryError(f"a gate's direction is 'max' or 'min', not {direction!r}")
    with event_log(cat, registry).locked() as log:
        state = replay(log.events)
        model = state.model(name)
        present = [g for g in (model.gates if model else []) if g.alias == scope]
        exists = any(g.expr.lower() == text.lower() for g in present)
        where = "any alias" if scope == ANY_ALIAS else scope
        if remove and not exists:
            raise NotFoundError(f"{name} has no gate {text!r} for {where}")
        if not remove and exists:
            raise RegistryError(f"{name} already has the gate {text!r} for {where}")
        if remove:
            text = next(g.expr for g in present if g.expr.lower() == text.lower())
        event = log.append(
            "gate_remove" if remove else "gate_add", name, reason, alias=scope, expr=text,
            direction=direction,
        )  # fmt: skip
    sync_after_write(cat, registry)
    return RegistryEvent.from_dict(event)


def list_gates(cat: CatalogLike, name: str, registry: RegistryDir = None) -> list[dict[str, object]]:
    """The gates of one model (alias '*' applies to every alias), in the order added."""
    sync(cat, registry)
    state = replay(event_log(cat, registry).read())
    model = state.model(name)
    return [g.to_dict() for g in model.gates] if model else []
