"""The tracking API training scripts import: writes run folders (docs/run-format.md)."""

from __future__ import annotations

from workbench.tracking.predictions import log_predictions
from workbench.tracking.run import Run, start_run

__all__ = ["Run", "log_predictions", "start_run"]
