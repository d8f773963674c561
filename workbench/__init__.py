"""workbench: a local-first MLOps workbench. Import it in training scripts to log runs.

`import workbench` stays light: it loads only the tracking API (standard library
only), never DuckDB, polars, pyarrow or Textual.
"""

from __future__ import annotations

from workbench.errors import WorkbenchError
from workbench.tracking import Run, log_predictions, start_run

__version__ = "0.1.0"
__all__ = ["Run", "WorkbenchError", "log_predictions", "start_run", "__version__"]
