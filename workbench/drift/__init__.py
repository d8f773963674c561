"""Drift: compare a reference and a current dataset column by column, out of core.

`compare_datasets` is the engine (files or frames in, a `DriftReport` out); the catalog-backed
service (`check_drift`, stored reports, cached reference summaries) is in `workbench.drift.service`.
"""

from workbench.drift.engine import DriftCancelled, compare_datasets
from workbench.drift.report import ColumnDrift, DomainClassifier, DriftReport, DriftTest, Thresholds
from workbench.drift.summary import ReferenceSummary

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
