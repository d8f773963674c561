"""Each run's details as one stored JSON document, so reading one run is one small read.

DuckDB stores tables by column: reading one run from eight tables costs eight scans, each of
them a millisecond or more however few rows match. `run_detail` keeps, per run, the run's row
and every section `get_run` shows (params, tags, metric summary, artifacts, datasets, models,
ingest errors) as one JSON array, looked up through an index on the run id.

The documents are derived data with one rule: **any write to a run's rows deletes its
document in the same transaction** (ingest's batches do, see `forget`), and whoever finishes a
pass fills the missing ones (`fill`). A missing document is never wrong, only slower: the
reader falls back to the tables. `WORKBENCH_CHECK_RUN_DETAIL=1` makes every read compare the
document with the tables (the test suite runs with it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

#: The run's sections: (columns, table, order), in the order of the document's tail. Every
#: section is a JSON array of rows (arrays), or null when the run has none.
SECTIONS = (
    ("key, value_text, value_num, value_type", "params", "key"),
    ("key, value", "tags", "key"),
    ("key, last_value, min_value, max_value, last_step, count", "metric_summary", "key"),
    ("path, size, sha256", "artifacts", "path"),
    ("name, path, role, sha256, size, rows, format, logged_at, extra", "run_datasets",
     "logged_at, name"),
    ("name, path, flavor, sha256, size, metadata, logged_at", "run_models", "logged_at, name"),
    ("path, line, message, epoch_us(seen_at)", "ingest_errors", "seen_at, path, line"),
)

#: The run's own fields at the head of the document (times as epoch microseconds).
RUN_FIELDS = (
    "run_id", "project", "name", "status", "epoch_us(started_at)", "epoch_us(ended_at)",
    "epoch_us(heartbeat_at)", "path", "root", "missing", "host", "user_name", "pid", "python",
    "platform", "command", "cwd", "git_commit", "git_branch", "git_dirty", "format_version",
    "notes", "parent_id", "deleted", "run_key",
)

TABLE = """
CREATE TABLE IF NOT EXISTS run_detail (run_key INTEGER NOT NULL, run_id VARCHAR NOT NULL,
                                       doc VARCHAR NOT NULL);
CREATE INDEX IF NOT EXISTS run_detail_id ON run_detail (run_id);
"""

#: The head's entries by column name (epoch_us(started_at) -> started_at: microseconds).
FIELD_NAMES = tuple(f.split("(")[-1].rstrip(")") for f in RUN_FIELDS)

_HEAD_SQL = ", ".join(f"r.{f}" if "(" not in f else f.replace("(", "(r.") for f in RUN_FIELDS)
#: Writes the documents of every run that has none: each section aggregated once per run
#: (grouped, for just those runs), then joined to the run's row.
_FILL_SQL = (
    "WITH m AS (SELECT run_key FROM runs r WHERE NOT EXISTS"
    " (SELECT 1 FROM run_detail d WHERE d.run_key = r.run_key)), "
    + ", ".join(
        f"s{i} AS (SELECT run_key, to_json(list(json_array({cols}) ORDER BY {order})) AS j"
        f" FROM {table} WHERE run_key IN (SELECT run_key FROM m) GROUP BY run_key)"
        for i, (cols, table, order) in enumerate(SECTIONS)
    )
    + " INSERT INTO run_detail SELECT r.run_key, r.run_id, json_array("
    + _HEAD_SQL
    + "".join(f", s{i}.j" for i in range(len(SECTIONS)))
    + ")::VARCHAR FROM runs r JOIN m USING (run_key) "
    + " ".join(f"LEFT JOIN s{i} USING (run_key)" for i in range(len(SECTIONS)))
)

_EPOCH = datetime(1970, 1, 1)


def forget(con: DuckDBPyConnection, run_keys: Sequence[int]) -> None:
    """Delete the documents of runs whose rows this transaction changes."""
    keys = sorted({int(k) for k in run_keys if k is not None})
    if keys:
        con.execute("DELETE FROM run_detail WHERE list_contains(?, run_key)", [keys])


def fill(con: DuckDBPyConnection) -> int:
    """Write the document of every run that has none; returns how many were written."""
    return int(con.execute(_FILL_SQL).fetchall()[0][0])


def read(con: DuckDBPyConnection, *, run_id: str | None = None,
         run_key: int | None = None) -> list[Any] | None:
    """The run's document (a list: RUN_FIELDS, then one entry per section), or None when the
    run has none (yet)."""
    if run_id is not None:
        rows = con.execute("SELECT doc FROM run_detail WHERE run_id = ?", [run_id]).fetchall()
    else:
        rows = con.execute("SELECT doc FROM run_detail WHERE run_key = ?", [run_key]).fetchall()
    if len(rows) != 1:
        return None
    doc: list[Any] = json.loads(rows[0][0])
    return doc


def timestamp(us: int | None) -> datetime | None:
    """A document's epoch microseconds as the naive UTC datetime DuckDB returns."""
    return None if us is None else _EPOCH + timedelta(microseconds=us)
