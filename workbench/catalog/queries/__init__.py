"""The read service API the CLI and the app share: every read SQL lives in this package.

Each function takes a `CatalogLike` (opened read-only for one unit of work) or an open
connection, and returns dataclasses or polars frames (column names in `columns.py`). Run
references accept a full id, a unique id prefix, `project/name`, or a unique name.
Modules by subject: runs (list_projects, list_runs), detail (get_run), history (metric
history), compare, sql_console (run_sql); common has what they share.
"""

from __future__ import annotations

from workbench.catalog.queries.columns import (
    HISTORY_COLUMNS,
    PROJECT_COLUMNS,
    RUN_COLUMNS,
    SECTIONS,
)
from workbench.catalog.queries.common import (
    LOWER_IS_BETTER,
    Rows,
    RunRef,
    Source,
    data_version,
    metric_direction,
    resolve_ref,
    resolve_refs,
)
from workbench.catalog.queries.compare import ComparedRow, Comparison, compare_runs, compare_values
from workbench.catalog.queries.detail import (
    Artifact,
    DatasetUse,
    Environment,
    IngestIssue,
    MetricSummary,
    ModelUse,
    RunDetail,
    get_run,
)
from workbench.catalog.queries.history import metric_history, metric_history_rows, metric_keys
from workbench.catalog.queries.runs import (
    list_project_rows,
    list_projects,
    list_run_rows,
    list_runs,
    runs_to_records,
)
from workbench.catalog.queries.sql_console import run_sql, run_sql_rows, view_columns
from workbench.errors import FilterSyntaxError

#: The fixed leading columns of list_runs, in order (RUN_COLUMNS as a list).
BASE_COLUMNS = list(RUN_COLUMNS)

__all__ = [
    "BASE_COLUMNS",
    "HISTORY_COLUMNS",
    "LOWER_IS_BETTER",
    "PROJECT_COLUMNS",
    "RUN_COLUMNS",
    "SECTIONS",
    "Artifact",
    "ComparedRow",
    "Comparison",
    "DatasetUse",
    "Environment",
    "FilterSyntaxError",
    "IngestIssue",
    "MetricSummary",
    "ModelUse",
    "RunDetail",
    "Rows",
    "RunRef",
    "Source",
    "compare_runs",
    "compare_values",
    "data_version",
    "get_run",
    "list_project_rows",
    "list_projects",
    "list_run_rows",
    "list_runs",
    "metric_direction",
    "metric_history",
    "metric_history_rows",
    "metric_keys",
    "resolve_ref",
    "resolve_refs",
    "run_sql",
    "run_sql_rows",
    "view_columns",
    "runs_to_records",
]
