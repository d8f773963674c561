"""The tracking API training scripts import: writes run folders (docs/run-format.md)."""

from __future__ import annotations

from workbench.tracking.run import Run, start_run

__all__ = ["Run", "start_run"]
