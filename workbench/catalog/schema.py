"""The catalog's tables and views (schema v1), its version number and the ordered migrations.

Contract with the queries layer: /work/brief/schema.md (kept in step with this module).
A change to a table means a new entry in MIGRATIONS and SCHEMA_VERSION + 1; views are
dropped and recreated on every migration, so they may change freely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from workbench.catalog.run_status import DURATION_SQL, STALE_NOW, status_sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

#: The schema version this code writes and reads.
SCHEMA_VERSION = 8

#: An epoch-seconds DOUBLE column shown as a UTC TIMESTAMP (NULL for NULL, NaN or infinity).
_EPOCH_AS_UTC = "CASE WHEN isfinite({0}) THEN make_timestamp(CAST({0} * 1000000 AS BIGINT)) END"

#: dataset_usage as of schema version 7 (logged_at a UTC TIMESTAMP). Migration 7 creates
#: this text; VIEWS, run after every migration, includes it while the view stays as it is.
DATASET_USAGE_V7 = f"""
CREATE OR REPLACE VIEW dataset_usage AS
SELECT r.run_id, r.project, r.name AS run_name, rd.name AS dataset, v.version, rd.role,
       rd.sha256 AS fingerprint, rd.path, {_EPOCH_AS_UTC.format("rd.logged_at")} AS logged_at
FROM run_datasets rd JOIN runs r USING (run_key)
LEFT JOIN dataset_versions v ON v.name = rd.name AND v.fingerprint = rd.sha256;
"""

TABLES_V1 = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS catalog_state (key VARCHAR PRIMARY KEY, value BIGINT);
CREATE TABLE IF NOT EXISTS roots (path VARCHAR PRIMARY KEY, added_at TIMESTAMP, last_scan_at TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS run_key_seq;
CREATE TABLE IF NOT EXISTS runs (
  run_key INTEGER PRIMARY KEY,
  run_id VARCHAR UNIQUE NOT NULL,
  project VARCHAR NOT NULL, name VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  started_at TIMESTAMP, ended_at TIMESTAMP, heartbeat_at TIMESTAMP,
  path VARCHAR NOT NULL, root VARCHAR,
  host VARCHAR, user_name VARCHAR, pid BIGINT, python VARCHAR, platform VARCHAR,
  command VARCHAR,
  cwd VARCHAR, git_commit VARCHAR, git_branch VARCHAR, git_dirty BOOLEAN,
  format_version INTEGER, notes VARCHAR,
  missing BOOLEAN NOT NULL DEFAULT false,
  ingested_at TIMESTAMP, updated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS params (run_key INTEGER, key VARCHAR, value_text VARCHAR, value_num DOUBLE,
                     value_type VARCHAR, PRIMARY KEY (run_key, key));
CREATE TABLE IF NOT EXISTS tags (run_key INTEGER, key VARCHAR, value VARCHAR, PRIMARY KEY (run_key, key));
CREATE TABLE IF NOT EXISTS metric_points (run_key INTEGER NOT NULL, key VARCHAR NOT NULL,
                            step BIGINT NOT NULL, ts DOUBLE NOT NULL, value DOUBLE);
CREATE TABLE IF NOT EXISTS metric_summary (run_key INTEGER, key VARCHAR, last_value DOUBLE,
                             last_step BIGINT, last_ts DOUBLE, min_value DOUBLE, max_value DOUBLE,
                             count BIGINT, PRIMARY KEY (run_key, key));
CREATE TABLE IF NOT EXISTS artifacts (run_key INTEGER, path VARCHAR, size BIGINT, sha256 VARCHAR,
                        mtime DOUBLE, PRIMARY KEY (run_key, path));
CREATE TABLE IF NOT EXISTS run_datasets (run_key INTEGER, name VARCHAR, path VARCHAR, role VARCHAR,
                           sha256 VARCHAR, size BIGINT, rows BIGINT, format VARCHAR,
                           logged_at DOUBLE, extra VARCHAR);
CREATE TABLE IF NOT EXISTS run_models (run_key INTEGER, name VARCHAR, path VARCHAR, flavor VARCHAR,
                         sha256 VARCHAR, size BIGINT, metadata VARCHAR, logged_at DOUBLE);
CREATE TABLE IF NOT EXISTS ingest_files (path VARCHAR PRIMARY KEY, run_key INTEGER, kind VARCHAR,
                           "offset" BIGINT, lines BIGINT, size BIGINT, mtime DOUBLE, head VARCHAR);
CREATE TABLE IF NOT EXISTS ingest_errors (path VARCHAR, line BIGINT, message VARCHAR,
                            seen_at TIMESTAMP, run_key INTEGER);
"""

VIEWS = f"""
CREATE OR REPLACE VIEW runs_view AS
SELECT r.run_id, r.project, r.name,
       {status_sql(STALE_NOW)} AS status,
       r.started_at, r.ended_at,
       {DURATION_SQL} AS duration_s,
       r.path, r.missing
FROM runs r;

CREATE OR REPLACE VIEW metric_history AS
SELECT r.run_id, r.project, r.name AS run_name, m.key, m.step,
       {_EPOCH_AS_UTC.format("m.ts")} AS timestamp,
       m.value
FROM metric_points m JOIN runs r USING (run_key);

CREATE OR REPLACE VIEW latest_metrics AS
SELECT r.run_id, s.key, s.last_value, s.min_value, s.max_value, s.last_step, s.count
FROM metric_summary s JOIN runs r USING (run_key);

CREATE OR REPLACE VIEW params_view AS
SELECT r.run_id, p.key, p.value_text AS value, p.value_num
FROM params p JOIN runs r USING (run_key);

CREATE OR REPLACE VIEW tags_view AS
SELECT r.run_id, t.key, t.value
FROM tags t JOIN runs r USING (run_key);
{DATASET_USAGE_V7}"""


def _migrate_to_v1(con: DuckDBPyConnection) -> None:
    con.execute(TABLES_V1)
    con.execute("INSERT INTO catalog_state VALUES ('data_version', 0) ON CONFLICT DO NOTHING")


TABLES_V2_DATASETS = """
CREATE TABLE IF NOT EXISTS dataset_contents (
  fingerprint VARCHAR PRIMARY KEY,
  format VARCHAR, size BIGINT, rows BIGINT, files BIGINT,
  schema_json VARCHAR,
  first_seen_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS datasets (name VARCHAR PRIMARY KEY, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS dataset_versions (
  name VARCHAR NOT NULL, version INTEGER NOT NULL, fingerprint VARCHAR NOT NULL,
  first_seen_at TIMESTAMP,
  PRIMARY KEY (name, version), UNIQUE (name, fingerprint)
);
CREATE TABLE IF NOT EXISTS dataset_locations (
  fingerprint VARCHAR NOT NULL, path VARCHAR NOT NULL, size BIGINT, mtime DOUBLE,
  source VARCHAR, seen_at TIMESTAMP,
  PRIMARY KEY (fingerprint, path)
);
CREATE TABLE IF NOT EXISTS dataset_profiles (
  fingerprint VARCHAR PRIMARY KEY, rows BIGINT, columns BIGINT, distinct_exact BOOLEAN,
  seconds DOUBLE, computed_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS dataset_profile_columns (
  fingerprint VARCHAR NOT NULL, position INTEGER NOT NULL, name VARCHAR NOT NULL,
  dtype VARCHAR, kind VARCHAR, rows BIGINT, null_count BIGINT, null_rate DOUBLE,
  distinct_count BIGINT, distinct_exact BOOLEAN,
  min_json VARCHAR, max_json VARCHAR, mean DOUBLE, std DOUBLE,
  quantiles_json VARCHAR, top_json VARCHAR, histogram_json VARCHAR,
  PRIMARY KEY (fingerprint, position)
);
CREATE TABLE IF NOT EXISTS dataset_errors (path VARCHAR PRIMARY KEY, message VARCHAR,
                             seen_at TIMESTAMP);
CREATE OR REPLACE VIEW dataset_usage AS
SELECT r.run_id, r.project, r.name AS run_name, rd.name AS dataset, v.version, rd.role,
       rd.sha256 AS fingerprint, rd.path, rd.logged_at
FROM run_datasets rd JOIN runs r USING (run_key)
LEFT JOIN dataset_versions v ON v.name = rd.name AND v.fingerprint = rd.sha256;
"""


def _migrate_to_v2(con: DuckDBPyConnection) -> None:
    """Datasets: names, content versions by fingerprint, where each lives, cached profiles."""
    con.execute(TABLES_V2_DATASETS)
    from workbench.catalog.datasets_store import link_run_datasets

    link_run_datasets(con)  # datasets logged by runs ingested before this migration


def _migrate_to_v3(con: DuckDBPyConnection) -> None:
    """The model registry's tables, derived from its event log (catalog/registry_store.py)."""
    from workbench.catalog.registry_store import REGISTRY_TABLES

    con.execute(REGISTRY_TABLES)


def _migrate_to_v4(con: DuckDBPyConnection) -> None:
    """Drift: stored reports, their per-column verdicts, cached reference summaries."""
    from workbench.catalog.drift_store import DRIFT_TABLES

    con.execute(DRIFT_TABLES)


def _migrate_to_v5(con: DuckDBPyConnection) -> None:
    """Interop: a run's parent (nested runs) and a deleted flag (runs deleted in the tracker
    they were imported from; hidden by default)."""
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS parent_id VARCHAR")
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT false")


def _migrate_to_v6(con: DuckDBPyConnection) -> None:
    """Hardening: each read file's identity (device, inode), so a file replaced by rename is
    told from one appended to, whatever its size and first bytes."""
    con.execute(
        "ALTER TABLE ingest_files ADD COLUMN IF NOT EXISTS dev UBIGINT;"
        "ALTER TABLE ingest_files ADD COLUMN IF NOT EXISTS ino UBIGINT;"
    )


def _migrate_to_v7(con: DuckDBPyConnection) -> None:
    """Views: every time in them a UTC TIMESTAMP (dataset_usage.logged_at was epoch seconds);
    the view is recreated (CREATE OR REPLACE), its columns and their order unchanged."""
    con.execute(DATASET_USAGE_V7)


def _migrate_to_v8(con: DuckDBPyConnection) -> None:
    """Point reads: each run's details as one stored document (catalog/run_details.py),
    written here for every run already in the catalog."""
    from workbench.catalog import run_details

    con.execute(run_details.TABLE)
    run_details.fill(con)


#: Ordered migrations: (version it produces, function taking a DuckDB connection inside a
#: transaction). Never edit a shipped entry; append a new one.
MIGRATIONS: list[tuple[int, Callable[[DuckDBPyConnection], None]]] = [
    (1, _migrate_to_v1),
    (2, _migrate_to_v2),
    (3, _migrate_to_v3),
    (4, _migrate_to_v4),
    (5, _migrate_to_v5),
    (6, _migrate_to_v6),
    (7, _migrate_to_v7),
    (8, _migrate_to_v8),
]


def read_version(con: DuckDBPyConnection) -> int:
    """The schema version recorded in an open catalog; 0 for an empty (new) file."""
    # duckdb_tables() of the current database only: read-only opens ATTACH the file to a
    # shared in-memory instance (connection.py), where information_schema would also list
    # other attached catalogs (and it cost twice as much on every open).
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    rows = con.execute("SELECT max(version) FROM schema_version").fetchall()
    return int(rows[0][0] or 0)


def apply_migrations(con: DuckDBPyConnection, from_version: int) -> int:
    """Run every migration newer than `from_version` in one transaction; returns the new version."""
    con.execute("BEGIN TRANSACTION")
    try:
        for version, migrate in MIGRATIONS:
            if version > from_version:
                migrate(con)
                con.execute(
                    "INSERT INTO schema_version VALUES (?, now() AT TIME ZONE 'UTC')", [version]
                )
        con.execute(VIEWS)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION
