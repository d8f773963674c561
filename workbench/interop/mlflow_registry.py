"""MLflow's model registry into the workbench registry's event log.

Each version becomes a `register` event, each alias a `promote` event and each model's tags
a `tag` event, all with the reason "imported from MLflow"; a version's source run is the
imported run (same id). Re-importing writes only what changed: versions already imported
(found by their `imported_from` record in the log) are skipped, aliases already held are
left alone. The whole import is one batch: the log is locked and verified once, each event is
decided on the state including the events before it, and the lines are written together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.interop.mlflow_records import ModelVersion, RegisteredModel
from workbench.registry.log import LockedLog
from workbench.registry.state import apply_event, replay
from workbench.registry.sync import RegistryDir, event_log, sync_after_write

REASON = "imported from MLflow"


@dataclass
class RunFacts:
    """What a register event records about a version's source run."""

    project: str
    name: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float | None] = field(default_factory=dict)


@dataclass
class RegistryImport:
    """What importing the registry wrote."""

    models: int = 0
    versions_added: int = 0
    aliases_moved: int = 0
    tags_set: int = 0


def _imported_versions(events: list[dict[str, Any]]) -> dict[tuple[str, int, str], int]:
    """(model, MLflow version, its run id) -> workbench version, for versions imported before.
    The run id tells two stores' `iris@1` apart, and finds a moved store's versions again."""
    found = {}
    for event in events:
        data = event.get("data") if event.get("kind") == "register" else None
        if not isinstance(data, dict):
            continue
        origin = data.get("imported_from")
        if isinstance(origin, dict) and origin.get("tracker") == "mlflow":
            key = (str(event.get("model")), int(origin.get("version", 0)), str(data.get("run_id")))
            found[key] = int(event.get("to_version") or 0)
    return found


def _key(version: ModelVersion) -> tuple[str, int, str]:
    return (version.name, version.version, version.run_id or "")


def _last_tag_events(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each model's last `tag` event."""
    return {str(e.get("model")): e for e in events if e.get("kind") == "tag"}


def _version_data(v: ModelVersion, store: str, facts: RunFacts | None) -> dict[str, Any]:
    return {
        "run_id": v.run_id or "",
        "project": facts.project if facts else "",
        "run_name": facts.name if facts else "",
        "run_path": facts.path if facts else "",
        "logged_name": v.name,
        "path": v.source or "",
        "flavor": None,
        "files": [],
        "metadata": {
            "mlflow": {
                "source": v.source, "status": v.status, "stage": v.current_stage,
                "user": v.user_id, "created_ms": v.creation_time,
                "storage_location": v.storage_location, "tags": v.tags,
            }
        },
        "params": facts.params if facts else {},
        "metrics": facts.metrics if facts else {},
        "imported_from": {"tracker": "mlflow", "store": store, "model": v.name, "version": v.version},
    }  # fmt: skip


def import_registry(
    cat: CatalogLike,
    models: list[RegisteredModel],
    runs: dict[str, RunFacts],
    store: str,
    registry: RegistryDir = None,
) -> RegistryImport:
    """Write the events that bring the workbench registry up to MLflow's."""
    result = RegistryImport(models=len(models))
    if not models:
        return result  # no registry: the log is not touched (nor created)
    with event_log(cat, registry).locked() as locked, locked.batch():
        writer = _Writer(locked, runs, store, result)
        for model in models:
            writer.versions(model)
            writer.aliases(model)
            writer.tags(model)
    if result.versions_added or result.aliases_moved or result.tags_set:
        sync_after_write(cat, registry)
    return result


class _Writer:
    """Decides and appends one import's events inside one locked batch, keeping the replayed
    state, the imported versions and the last tag events up to date as it appends (so the
    log is read and verified once, not once per event)."""

    def __init__(
        self, locked: LockedLog, runs: dict[str, RunFacts], store: str, result: RegistryImport
    ) -> None:
        self.locked = locked
        self.runs = runs
        self.store = store
        self.result = result
        self.state = replay(locked.events)
        self.known = _imported_versions(locked.events)
        self.last_tags = _last_tag_events(locked.events)

    def _append(self, kind: str, model: str, reason: str, **fields: Any) -> dict[str, Any]:
        event = self.locked.append(kind, model, reason, **fields)
        apply_event(self.state, event)
        return event

    def versions(self, model: RegisteredModel) -> None:
        for version in model.versions:
            if _key(version) in self.known:
                continue
            state = self.state.model(model.name)
            number = ((state.latest or 0) if state else 0) + 1
            reason = REASON + (f": {version.description}" if version.description else "")
            data = _version_data(version, self.store, self.runs.get(version.run_id or ""))
            self._append("register", model.name, reason, to_version=number, data=data)
            self.known[_key(version)] = number
            self.result.versions_added += 1

    def aliases(self, model: RegisteredModel) -> None:
        by_number = {v.version: v for v in reversed(model.versions)}  # the first of a number
        for alias, mlflow_version in sorted(model.aliases.items()):
            source = by_number.get(mlflow_version)
            target = self.known.get(_key(source)) if source else None
            state = self.state.model(model.name)
            holder = state.aliases.get(alias) if state else None
            if target is None or holder == target:
                continue
            self._append(
                "promote", model.name, REASON, alias=alias, from_version=holder, to_version=target
            )
            self.result.aliases_moved += 1

    def tags(self, model: RegisteredModel) -> None:
        if not (model.tags or model.description):
            return
        last = self.last_tags.get(model.name, {})
        if last.get("tags") == model.tags and last.get("description") == model.description:
            return
        event = self._append(
            "tag", model.name, REASON, tags=dict(model.tags), description=model.description
        )
        self.last_tags[model.name] = event
        self.result.tags_set += 1
