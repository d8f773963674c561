"""The registry's state, derived by replaying the event log: models, versions, aliases, gates.

Replay is a pure function of the events; the catalog's registry tables hold its result, so
they can always be rebuilt from the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: The alias a gate applies to when it names none: every promotion of the model.
ANY_ALIAS = "*"


@dataclass
class ModelVersion:
    """One registered version: the logged model's files and what its run knew when registered."""

    name: str
    version: int
    run_id: str
    project: str
    run_name: str
    run_path: str
    logged_name: str
    path: str  # the model's path inside the run folder
    flavor: str | None
    sha256: str | None
    size: int | None
    files: list[dict[str, Any]] = field(default_factory=list)  # path (in the run folder), sha256, size
    metadata: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float | None] = field(default_factory=dict)
    datasets: list[dict[str, Any]] = field(default_factory=list)  # name, path, sha256, role, ...
    libraries: list[str] = field(default_factory=list)
    notes: str | None = None
    registered_at: str = ""
    registered_by: str = ""
    description: str | None = None
    aliases: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Gate:
    """A condition a version must meet to be promoted to `alias` (ANY_ALIAS: to any alias)."""

    model: str
    alias: str
    expr: str
    direction: str | None = None  # 'max' / 'min' for `beats` gates given a flag; None: by name
    added_at: str = ""
    added_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RegisteredModel:
    """A model name with its versions, who holds which alias, and its gates."""

    name: str
    created_at: str = ""
    created_by: str = ""
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    alias_since: dict[str, str] = field(default_factory=dict)
    #: Each alias's holders in order (None: removed); rollback walks it back.
    holders: dict[str, list[int | None]] = field(default_factory=dict)
    gates: list[Gate] = field(default_factory=list)

    @property
    def latest(self) -> int | None:
        return max(self.versions) if self.versions else None

    def gates_for(self, alias: str) -> list[Gate]:
        """The gates a promotion to `alias` must pass (its own and the model-wide ones)."""
        return [g for g in self.gates if g.alias in (alias, ANY_ALIAS)]

    def rollback_target(self, alias: str) -> int | None:
        """The version `alias` goes back to on rollback (None: nothing earlier held it)."""
        stack = list(self.holders.get(alias, []))
        if not stack:
            return None
        stack.pop()
        while stack and stack[-1] is None:
            stack.pop()
        return stack[-1] if stack else None


@dataclass
class RegistryState:
    """Every registered model after replaying the log up to `seq`."""

    models: dict[str, RegisteredModel] = field(default_factory=dict)
    seq: int = 0

    def model(self, name: str) -> RegisteredModel | None:
        return self.models.get(name)


def replay(events: Iterable[Mapping[str, Any]]) -> RegistryState:
    """Apply every event in order."""
    state = RegistryState()
    for event in events:
        apply_event(state, event)
    return state


def apply_event(state: RegistryState, event: Mapping[str, Any]) -> None:
    """Apply one event; kinds this release does not know are kept in history and skipped."""
    name = str(event.get("model", ""))
    state.seq = int(event.get("seq", state.seq + 1))
    kind = event.get("kind")
    model = state.models.get(name)
    if model is None:
        model = RegisteredModel(name, str(event.get("at", "")), str(event.get("who", "")))
        state.models[name] = model
    if kind == "register":
        version = _version_from_event(name, event)
        model.versions[version.version] = version
    elif kind in ("promote", "alias_remove", "rollback"):
        _move_alias(model, event)
    elif kind == "gate_add":
        model.gates.append(
            Gate(
                name,
                str(event.get("alias") or ANY_ALIAS),
                str(event.get("expr", "")),
                _opt_str(event.get("direction")),
                str(event.get("at", "")),
                str(event.get("who", "")),
            )
        )
    elif kind == "gate_remove":
        alias = str(event.get("alias") or ANY_ALIAS)
        model.gates = [
            g for g in model.gates if not (g.alias == alias and g.expr == event.get("expr"))
        ]


def _move_alias(model: RegisteredModel, event: Mapping[str, Any]) -> None:
    alias = str(event.get("alias", ""))
    target = event.get("to_version")
    target = target if isinstance(target, int) else None
    stack = model.holders.setdefault(alias, [])
    if event.get("kind") == "rollback":
        if stack:
            stack.pop()
        while stack and stack[-1] != target:
            stack.pop()
        if not stack:
            stack.append(target)
    else:
        stack.append(target)
    if target is None:
        model.aliases.pop(alias, None)
        model.alias_since.pop(alias, None)
    else:
        model.aliases[alias] = target
        model.alias_since[alias] = str(event.get("at", ""))
    for version in model.versions.values():
        version.aliases = sorted(a for a, v in model.aliases.items() if v == version.version)


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _version_from_event(name: str, event: Mapping[str, Any]) -> ModelVersion:
    data: Mapping[str, Any] = event.get("data") or {}

    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    def listed(key: str) -> list[Any]:
        value = data.get(key)
        return list(value) if isinstance(value, list) else []

    def mapping(key: str) -> dict[str, Any]:
        value = data.get(key)
        return dict(value) if isinstance(value, dict) else {}

    size = data.get("size")
    return ModelVersion(
        name=name,
        version=int(event.get("to_version") or 0),
        run_id=text("run_id"),
        project=text("project"),
        run_name=text("run_name"),
        run_path=text("run_path"),
        logged_name=text("logged_name"),
        path=text("path"),
        flavor=_opt_str(data.get("flavor")),
        sha256=_opt_str(data.get("sha256")),
        size=size if isinstance(size, int) else None,
        files=listed("files"),
        metadata=mapping("metadata"),
        params=mapping("params"),
        metrics=mapping("metrics"),
        datasets=listed("datasets"),
        libraries=[str(x) for x in listed("libraries")],
        notes=_opt_str(data.get("notes")),
        registered_at=str(event.get("at", "")),
        registered_by=str(event.get("who", "")),
        description=_opt_str(event.get("reason")),
    )
