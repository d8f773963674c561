"""MLflow's model registry into the workbench registry's event log.

Each version becomes a `register` event, each alias a `promote` event and each model's tags
a `tag` event, all with the reason "imported from MLflow"; a version's source run is the
imported run (same id). Re-importing writes only what changed: versions already imported
(found by their `imported_from` record in the log) are skipped, aliases already held are
left alone. Like every writer, it holds the log's lock for one event at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.catalog.contract import CatalogLike
from workbench.interop.mlflow_records import ModelVersion, RegisteredModel
from workbench.registry.state import replay
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


def _last_tag_event(events: list[dict[str, Any]], model: str) -> dict[str, Any]:
    """The model's last `tag` event ({} if none)."""
    last: dict[str, Any] = {}
    for event in events:
        if event.get("kind") == "tag" and event.get("model") == model:
            last = event
    return last


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
    log = event_log(cat, registry)
    for model in models:
        for version in model.versions:
            with log.locked() as locked:
                known = _imported_versions(locked.events)
                if _key(version) in known:
                    continue
                state = replay(locked.events).model(model.name)
                number = ((state.latest or 0) if state else 0) + 1
                reason = REASON + (f": {version.description}" if version.description else "")
                data = _version_data(version, store, runs.get(version.run_id or ""))
                locked.append("register", model.name, reason, to_version=number, data=data)
                result.versions_added += 1
        for alias, mlflow_version in sorted(model.aliases.items()):
            with log.locked() as locked:
                source = next((v for v in model.versions if v.version == mlflow_version), None)
                known = _imported_versions(locked.events)
                target = known.get(_key(source)) if source else None
                state = replay(locked.events).model(model.name)
                holder = state.aliases.get(alias) if state else None
                if target is None or holder == target:
                    continue
                locked.append(
                    "promote", model.name, REASON, alias=alias, from_version=holder,
                    to_version=target,
                )  # fmt: skip
                result.aliases_moved += 1
        if model.tags or model.description:
            with log.locked() as locked:
                last = _last_tag_event(locked.events, model.name)
                if last.get("tags") != model.tags or last.get("description") != model.description:
                    locked.append(
                        "tag", model.name, REASON, tags=dict(model.tags),
                        description=model.description,
                    )  # fmt: skip
                    result.tags_set += 1
    if result.versions_added or result.aliases_moved or result.tags_set:
        sync_after_write(cat, registry)
    return result
