"""The SQL that reads MLflow's SQLite database (`mlflow.db`, opened read-only with sqlite3 by
`workbench.interop.mlflow_sqlite`): plain functions taking an open sqlite3 connection."""

from __future__ import annotations

import sqlite3

_QUERIES = {
    "tables": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "revision": "SELECT version_num FROM alembic_version",
    "run_count": "SELECT count(*) FROM runs",
    "experiments": "SELECT experiment_id, name, artifact_location, lifecycle_stage,"
    " creation_time FROM experiments ORDER BY experiment_id",
    "experiment_tags": "SELECT key, value, experiment_id FROM experiment_tags",
    "params": "SELECT run_uuid, key, value FROM params",
    "tags": "SELECT run_uuid, key, value FROM tags",
    # by run (MLflow's index on run_uuid gives this order; without it SQLite sorts on disk)
    "metrics": "SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics"
    " ORDER BY run_uuid",
    "metric_counts": "SELECT run_uuid, count(*) FROM metrics GROUP BY run_uuid",
    "registered_models": "SELECT name, description, creation_time FROM registered_models"
    " ORDER BY name",
    "registered_model_tags": "SELECT key, value, name FROM registered_model_tags",
    "registered_model_aliases": "SELECT alias, version, name FROM registered_model_aliases",
    "model_version_tags": "SELECT key, value, name, version FROM model_version_tags",
}


def query(con: sqlite3.Connection, name: str) -> sqlite3.Cursor:
    """Run one of the named queries above."""
    return con.execute(_QUERIES[name])


def columns(con: sqlite3.Connection, table: str) -> set[str]:
    """The column names of a table (of a fixed set of MLflow tables)."""
    if table not in ("runs", "model_versions"):
        raise ValueError(f"unexpected table {table!r}")
    return {str(r[1]) for r in con.execute(f"PRAGMA table_info({table})")}


def runs(con: sqlite3.Connection, with_name: bool) -> sqlite3.Cursor:
    """Every run's own fields (`name` exists since MLflow 1.29)."""
    name = "name" if with_name else "NULL"
    return con.execute(
        f"SELECT run_uuid, experiment_id, {name}, status, start_time, end_time, user_id,"
        " lifecycle_stage, artifact_uri FROM runs"
    )


def model_versions(con: sqlite3.Connection, with_storage: bool) -> sqlite3.Cursor:
    """Every model version (`storage_location` exists since MLflow 2.x)."""
    storage = "storage_location" if with_storage else "NULL"
    return con.execute(
        "SELECT name, version, source, run_id, status, current_stage, description, user_id,"
        f" creation_time, {storage} FROM model_versions ORDER BY name, version"
    )
