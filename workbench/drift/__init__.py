"""Drift: compare a reference and a current dataset column by column, out of core.

`compare_datasets` is the engine (files or frames in, a `DriftReport` out); the catalog-backed
service (`check_drift`, stored reports, cached reference summaries) is in `workbench.drift.service`.
The names below are imported on first use, so `workbench.drift.lineage` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.drift.engine import DriftCancelled, compare_datasets
    from workbench.drift.report import (
        ColumnDrift,
        DomainClassifier,
        DriftReport,
        DriftTest,
        Thresholds,
    )
    from workbench.drift.summary import ReferenceSummary

_WHERE = {
    "ColumnDrift": "report",
    "DomainClassifier": "report",
    "DriftCancelled": "engine",
    "DriftReport": "report",
    "DriftTest": "report",
    "ReferenceSummary": "summary",
    "Thresholds": "report",
    "compare_datasets": "engine",
}

__all__ = [
    "ColumnDrift",
    "DomainClassifier",
    "DriftCancelled",
    "DriftReport",
    "DriftTest",
    "ReferenceSummary",
    "Thresholds",
    "compare_datasets",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'workbench.drift' has no attribute {name!r}")
    return getattr(importlib.import_module(f"workbench.drift.{_WHERE[name]}"), name)
