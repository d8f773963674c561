"""The model registry: versions of logged models, aliases moved through gates, rollback,
export and model cards, with an append-only, hash-chained event log as the record.

Service functions take a `CatalogLike` first (see workbench/catalog/contract.py) and an
optional `registry=` folder for the log (default: `registry/` beside the catalog).
"""

from __future__ import annotations

from workbench.registry.card import model_card
from workbench.registry.events import RegistryEvent
from workbench.registry.export import ExportResult, export_version
from workbench.registry.gates import GateResult, drift_gate_result
from workbench.registry.history import history, production_batches, versions_trained_on
from workbench.registry.log import EventLog, Verification
from workbench.registry.promotion import (
    Promotion,
    PromotionCheck,
    change_gate,
    check_promotion,
    list_gates,
    promote,
    remove_alias,
    rollback,
)
from workbench.registry.state import Gate, ModelVersion
from workbench.registry.sync import event_log, sync, verify
from workbench.registry.versions import (
    ModelSummary,
    get_version,
    list_models,
    list_versions,
    parse_ref,
    register,
)

__all__ = [
    "EventLog",
    "ExportResult",
    "Gate",
    "GateResult",
    "ModelSummary",
    "ModelVersion",
    "Promotion",
    "PromotionCheck",
    "RegistryEvent",
    "Verification",
    "change_gate",
    "check_promotion",
    "drift_gate_result",
    "event_log",
    "export_version",
    "get_version",
    "history",
    "list_gates",
    "list_models",
    "list_versions",
    "model_card",
    "parse_ref",
    "production_batches",
    "promote",
    "register",
    "remove_alias",
    "rollback",
    "sync",
    "verify",
    "versions_trained_on",
]
