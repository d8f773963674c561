"""The views `workbench sql` and the SQL console read show times as UTC TIMESTAMPs, not epoch
seconds: `dataset_usage.logged_at` on a new catalog, and on one written before the views
changed (schema version 6), which is migrated when it is opened."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
from _dataset_files import run_with_data
from click.testing import CliRunner

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.ingest import ingest_paths

#: 2023-11-14 22:13:20.25 UTC, as datasets.jsonl holds it (epoch seconds).
LOGGED = 1_700_000_000.25
QUERY = "SELECT dataset, logged_at, typeof(logged_at) AS type FROM dataset_usage ORDER BY dataset"


def catalog_with_usage(tmp_path: Path, runs_root: Path) -> Path:
    run_with_data(runs_root, "r1", [{"name": "train", "path": "/d/train.csv", "sha256": "a" * 64,
                                     "timestamp": LOGGED}])  # fmt: skip
    run_with_data(runs_root, "r2", [{"name": "[red]x[/]", "path": "/d/x.csv", "sha256": "b" * 64,
                                     "timestamp": None}])  # fmt: skip
    db = tmp_path / "catalog.duckdb"
    ingest_paths(Catalog(db), [runs_root])
    return db


def sql_json(db: Path, text: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["--db", str(db), "sql", text, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_times(db: Path) -> None:
    assert sql_json(db, QUERY) == [
        {"dataset": "[red]x[/]", "logged_at": None, "type": "TIMESTAMP"},
        {"dataset": "train", "logged_at": "2023-11-14T22:13:20.250000Z", "type": "TIMESTAMP"},
    ]
    table = queries.run_sql(Catalog(db), QUERY)  # what the app's SQL screen shows
    assert table.schema.field("logged_at").type == pa.timestamp("us")
    assert table.column("logged_at").to_pylist()[1] == dt.datetime(2023, 11, 14, 22, 13, 20, 250000)


def test_dataset_usage_logged_at_is_a_utc_timestamp(tmp_path, runs_root) -> None:
    assert_times(catalog_with_usage(tmp_path, runs_root))
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "catalog.duckdb"), "sql",
                                      "SELECT logged_at FROM dataset_usage WHERE dataset = 'train'"])
    assert "2023-11-14 22:13:20" in result.stdout  # the table reads as a date too


def test_a_catalog_from_before_gets_the_new_views_when_opened(tmp_path, runs_root) -> None:
    import duckdb

    db = catalog_with_usage(tmp_path, runs_root)
    con = duckdb.connect(str(db))  # make it a version 6 catalog again, with the view it had
    con.execute("""
        CREATE OR REPLACE VIEW dataset_usage AS
        SELECT r.run_id, r.project, r.name AS run_name, rd.name AS dataset, v.version, rd.role,
               rd.sha256 AS fingerprint, rd.path, rd.logged_at
        FROM run_datasets rd JOIN runs r USING (run_key)
        LEFT JOIN dataset_versions v ON v.name = rd.name AND v.fingerprint = rd.sha256
    """)
    con.execute("DELETE FROM schema_version WHERE version >= 7")
    assert con.execute("SELECT typeof(logged_at) FROM dataset_usage LIMIT 1").fetchall() == [("DOUBLE",)]
    con.close()
    assert_times(db)
    assert (tmp_path / "catalog.duckdb.bak-v6").exists()
    columns = sql_json(db, "SELECT column_name FROM (DESCRIBE dataset_usage)")
    assert [c["column_name"] for c in columns] == [
        "run_id", "project", "run_name", "dataset", "version", "role", "fingerprint", "path",
        "logged_at",
    ]
