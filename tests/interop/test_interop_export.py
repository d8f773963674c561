"""`workbench export runs|metrics|catalog` and `workbench import catalog`: real files read back,
a full round trip into an empty catalog, older exports migrated, bad input one sentence each."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from _runfolders import write_run
from click.testing import CliRunner

from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.ingest import ingest_paths


def run_cli(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": "200"})


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    root = tmp_path / "runs"
    write_run(root, "run1", project="p", name="[red]x[/]", params={"lr": 0.1, "model": "svm"},
              tags={"stage": "[b]prod[/b]"}, metrics={"loss": [1.0, 0.5, 0.25], "acc": [0.5, 0.9]},
              start=1_700_000_000.0)
    write_run(root, "run2", project="p", name="b", params={"lr": 0.01},
              metrics={"loss": [2.0, 1.0]}, start=1_700_000_100.0)
    cat = Catalog(tmp_path / "cat.duckdb")
    ingest_paths(cat, [root])
    return cat


def test_export_runs_as_parquet_csv_and_json(tmp_path: Path, catalog: Catalog) -> None:
    db = catalog.path
    for name in ("runs.parquet", "runs.csv", "runs.json"):
        result = run_cli(db, "export", "runs", "--filter", "params.lr > 0.05", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert "wrote 1 run to" in result.stdout
    frame = pl.read_parquet(tmp_path / "runs.parquet")
    assert frame["name"].to_list() == ["[red]x[/]"]
    assert frame["metrics.loss"].to_list() == [0.25] and frame["tags.stage"].to_list() == ["[b]prod[/b]"]
    rows = list(csv.DictReader((tmp_path / "runs.csv").read_text().splitlines()))
    assert rows[0]["params.model"] == "svm" and rows[0]["id"] == "run1"
    records = json.loads((tmp_path / "runs.json").read_text())
    assert records[0]["params"] == {"lr": 0.1, "model": "svm"} and records[0]["metrics"]["acc"] == 0.9


def test_export_metrics_one_row_per_point(tmp_path: Path, catalog: Catalog) -> None:
    out = tmp_path / "points.parquet"
    result = run_cli(catalog.path, "export", "metrics", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 7
    frame = pl.read_parquet(out)
    assert frame.columns == ["run_id", "project", "run_name", "key", "step", "timestamp", "value"]
    loss = frame.filter((pl.col("run_id") == "run1") & (pl.col("key") == "loss"))
    assert loss["step"].to_list() == [0, 1, 2] and loss["value"].to_list() == [1.0, 0.5, 0.25]
    result = run_cli(catalog.path, "export", "metrics", "-f", "name = 'b'", str(tmp_path / "b.csv"))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "b.csv").read_text().splitlines()))
    assert [(r["run_id"], r["key"], r["value"]) for r in rows] == [("run2", "loss", "2"), ("run2", "loss", "1")]


@pytest.mark.parametrize(("args", "message"), [
    (("export", "runs", "{tmp}/runs.xlsx"), "cannot tell the format of 'runs.xlsx'"),
    (("export", "metrics", "{tmp}/m.json"), "name it .parquet, .csv"),
    (("export", "runs", "{tmp}/no/such/runs.csv"), "does not exist"),
    (("export", "runs", "-f", "metrics.acc >", "{tmp}/r.csv"), "error: "),
    (("export", "catalog", "{tmp}/runs"), "is not an empty folder"),
    (("import", "catalog", "{tmp}/runs"), "is not a catalog export"),
    (("import", "catalog", "{tmp}/nothing"), "no such folder"),
])
def test_bad_requests_are_one_sentence(tmp_path: Path, catalog: Catalog, args, message) -> None:
    result = run_cli(catalog.path, *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1, result.output
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written file left behind


def dump(cat: Catalog) -> dict[str, list]:
    with cat.connect(read_only=True) as con:
        return {
            "runs": con.execute("SELECT run_id, project, name, status, started_at, path FROM runs"
                                " ORDER BY run_id").fetchall(),
            "params": con.execute("SELECT r.run_id, key, value_text FROM params JOIN runs r"
                                  " USING (run_key) ORDER BY 1, 2").fetchall(),
            "metrics": con.execute("SELECT * FROM metric_history ORDER BY run_id, key, step").fetchall(),
            "registry": con.execute("SELECT seq, kind, model, to_version, hash FROM registry_event"
                                    " ORDER BY seq").fetchall(),
            "aliases": con.execute("SELECT name, alias, version FROM model_alias").fetchall(),
        }


def registered(tmp_path: Path) -> Catalog:
    """A catalog with runs that logged models, two versions registered, one promoted."""
    import workbench as wb

    root = tmp_path / "src" / "runs"
    cat = Catalog(tmp_path / "src" / "catalog.duckdb")
    ids = []
    for auc in (0.8, 0.9):
        model = tmp_path / "model.bin"
        model.write_bytes(f"weights {auc}".encode())
        with wb.start_run(project="churn", root=root, capture_requirements=False) as run:
            run.log_metrics({"auc": auc})
            run.log_model(model, "clf", flavor="sklearn")
        ids.append(run.id)
    ingest_paths(cat, [root])
    for run_id in ids:
        assert run_cli(cat.path, "models", "register", run_id, "churn").exit_code == 0
    promoted = run_cli(cat.path, "models", "promote", "churn", "2", "--to", "champion", "--reason", "r")
    assert promoted.exit_code == 0, promoted.output
    return cat


def test_catalog_round_trip_into_an_empty_catalog(tmp_path: Path) -> None:
    source = registered(tmp_path)
    before = dump(source)
    assert before["runs"] and before["registry"] and before["aliases"]
    export = tmp_path / "export"
    result = run_cli(source.path, "export", "catalog", str(export))
    assert result.exit_code == 0, result.output
    manifest = json.loads((export / "manifest.json").read_text())
    assert manifest["schema_version"] >= 4 and manifest["registry_log"]["events"] == 3
    assert {"runs", "metric_points", "registry_event"} <= {t["name"] for t in manifest["tables"]}
    # another machine: a fresh catalog path with nothing beside it
    target = tmp_path / "elsewhere" / "catalog.duckdb"
    result = run_cli(target, "import", "catalog", str(export))
    assert result.exit_code == 0, result.output
    restored = Catalog(target)
    assert dump(restored) == before
    log = target.parent / "registry" / "events.jsonl"
    assert log.read_bytes() == (source.path.parent / "registry" / "events.jsonl").read_bytes()
    verify = run_cli(target, "models", "verify")
    assert verify.exit_code == 0, verify.output
    shown = json.loads(run_cli(target, "models", "show", "churn@champion", "--json").stdout)
    assert shown["version"] == 2
    # new runs ingested after the restore get keys of their own
    write_run(tmp_path / "more", "later", metrics={"loss": [1.0]})
    ingest_paths(restored, [tmp_path / "more"])
    assert len(dump(restored)["runs"]) == len(before["runs"]) + 1


def test_a_catalog_that_holds_data_is_not_overwritten(tmp_path: Path, catalog: Catalog) -> None:
    export = tmp_path / "export"
    assert run_cli(catalog.path, "export", "catalog", str(export)).exit_code == 0
    other = tmp_path / "other.duckdb"
    write_run(tmp_path / "mine", "mine", metrics={"loss": [1.0]})
    ingest_paths(Catalog(other), [tmp_path / "mine"])
    result = run_cli(other, "import", "catalog", str(export))
    assert result.exit_code == 1
    assert "already holds data" in result.stderr and "--replace" in result.stderr
    assert [r[0] for r in dump(Catalog(other))["runs"]] == ["mine"]
    result = run_cli(other, "import", "catalog", str(export), "--replace")
    assert result.exit_code == 0, result.output
    assert [r[0] for r in dump(Catalog(other))["runs"]] == ["run1", "run2"]
    assert list(tmp_path.glob("other.duckdb.bak-*"))  # the old one set aside, not deleted


def test_an_older_export_is_migrated_and_a_newer_one_refused(tmp_path: Path, catalog: Catalog) -> None:
    export = tmp_path / "export"
    assert run_cli(catalog.path, "export", "catalog", str(export)).exit_code == 0
    manifest = json.loads((export / "manifest.json").read_text())
    # what schema 3 wrote: no drift tables (added by migration 4)
    manifest["schema_version"] = 3
    manifest["tables"] = [t for t in manifest["tables"]
                          if t["name"] not in ("drift_report", "drift_column", "reference_summary",
                                               "file_fingerprint")]
    # ... and every table with only the columns schema 3 had (later migrations add some)
    import hashlib

    import duckdb
    import pyarrow.parquet as pq

    from workbench.catalog import schema

    old = duckdb.connect()
    for number, migrate in schema.MIGRATIONS:
        if number <= 3:
            migrate(old)
    for entry in manifest["tables"]:
        keep = [r[0] for r in old.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [entry["name"]]).fetchall()]
        file = export / entry["file"]
        table = pq.read_table(file)
        pq.write_table(table.select([c for c in table.column_names if c in keep]), file)
        entry["sha256"] = hashlib.sha256(file.read_bytes()).hexdigest()
    (export / "manifest.json").write_text(json.dumps(manifest))
    target = tmp_path / "t.duckdb"
    result = run_cli(target, "import", "catalog", str(export), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["migrated_from"] == 3
    assert dump(Catalog(target))["metrics"] == dump(catalog)["metrics"]
    from workbench.catalog.schema import SCHEMA_VERSION

    assert Catalog(target).schema_version() == SCHEMA_VERSION
    manifest["schema_version"] = SCHEMA_VERSION + 1
    (export / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli(tmp_path / "u.duckdb", "import", "catalog", str(export))
    assert result.exit_code == 1
    assert f"has schema version {SCHEMA_VERSION + 1}, newer than this workbench" in result.stderr
    assert not (tmp_path / "u.duckdb").exists()


def test_a_damaged_export_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    export = tmp_path / "export"
    assert run_cli(catalog.path, "export", "catalog", str(export)).exit_code == 0
    (export / "tables" / "runs.parquet").write_bytes(b"not parquet")
    result = run_cli(tmp_path / "t.duckdb", "import", "catalog", str(export))
    assert result.exit_code == 1 and "does not match the hash in the manifest" in result.stderr
    (export / "tables" / "runs.parquet").unlink()
    result = run_cli(tmp_path / "t.duckdb", "import", "catalog", str(export))
    assert result.exit_code == 1 and "tables/runs.parquet is missing" in result.stderr
