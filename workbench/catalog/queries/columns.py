"""The column names of every frame the read services return, declared once.

Faces and tests name columns through these constants; docs/architecture.md lists them.
"""

from __future__ import annotations

#: list_runs: these leading columns in this order, then one "params.<key>", "metrics.<key>"
#: (latest value) and "tags.<key>" column per key, sections in this order, keys sorted.
RUN_COLUMNS = ("id", "project", "name", "status", "started_at", "ended_at", "duration_s")
#: The keyed sections of list_runs, in column order.
SECTIONS = ("params", "metrics", "tags")

#: list_projects: one row per project.
PROJECT_COLUMNS = ("project", "runs", "running", "stale", "failed", "last_started_at")

#: metric_history: one row per metric point.
HISTORY_COLUMNS = ("run_id", "run_name", "key", "step", "timestamp", "value")

#: compare_runs: these, one text column per compared run (named after it) between
#: "key" and "best".
COMPARE_KEY_COLUMNS = ("section", "key")
COMPARE_BEST_COLUMN = "best"
#: compare sections, in row order.
COMPARE_SECTIONS = ("run", "param", "metric", "tag")
