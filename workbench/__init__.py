"""workbench: a local-first MLOps workbench. Import it in training scripts to log runs.

`import workbench` stays light: it loads only the tracking API (standard library
only), never DuckDB, polars, pyarrow or Textual; and that on first use, so the CLI and the
app, which do not log runs, do not load it at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.tracking import Run, log_predictions, start_run

__version__ = "0.1.0"
__all__ = ["Run", "WorkbenchError", "log_predictions", "start_run", "__version__"]

_TRACKING = ("Run", "log_predictions", "start_run")


def __getattr__(name: str) -> Any:
    if name in _TRACKING:
        from workbench import tracking

        return getattr(tracking, name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
