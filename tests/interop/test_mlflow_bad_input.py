"""Bad MLflow input: one clear sentence each, and whatever can be read is imported."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.errors import InteropError
from workbench.interop import mlflow_sqlite
from workbench.interop.mlflow_import import import_mlflow

pytest.importorskip("mlflow")


def _cli(args, db):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def _one_error_line(result) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_a_folder_that_is_not_mlflow(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("hi")
    line = _one_error_line(_cli(["import", "mlflow", str(tmp_path / "notes")], tmp_path / "c.duckdb"))
    assert "is not an MLflow store" in line


def test_a_missing_path(tmp_path):
    line = _one_error_line(_cli(["import", "mlflow", str(tmp_path / "nope")], tmp_path / "c.duckdb"))
    assert "no such file or folder" in line


def test_a_file_that_is_neither(tmp_path):
    (tmp_path / "x.db").write_text("hello")
    line = _one_error_line(_cli(["import", "mlflow", str(tmp_path / "x.db")], tmp_path / "c.duckdb"))
    assert "neither an MLflow folder" in line


def test_an_sqlite_database_that_is_not_mlflows(tmp_path):
    con = sqlite3.connect(tmp_path / "other.db")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    line = _one_error_line(
        _cli(["import", "mlflow", f"sqlite:///{tmp_path / 'other.db'}"], tmp_path / "c.duckdb")
    )
    assert "is an SQLite database but not MLflow's" in line


def test_a_newer_schema_revision(sqlite_copy, tmp_path):
    con = sqlite3.connect(sqlite_copy["path"])
    con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    con.commit()
    con.close()
    line = _one_error_line(_cli(["import", "mlflow", str(sqlite_copy["path"])], tmp_path / "c.duckdb"))
    assert "schema revision 'ffffffffffff'" in line and "newer MLflow" in line
    assert not Catalog(tmp_path / "c.duckdb").exists() or not queries.list_runs(Catalog(tmp_path / "c.duckdb")).height


def test_a_corrupt_sqlite_file(sqlite_copy, tmp_path):
    data = bytearray(sqlite_copy["path"].read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the header survives, the schema page does not
    sqlite_copy["path"].write_bytes(bytes(data))
    line = _one_error_line(_cli(["import", "mlflow", str(sqlite_copy["path"])], tmp_path / "c.duckdb"))
    assert "is not a readable SQLite database" in line


def test_a_locked_sqlite_file(sqlite_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(mlflow_sqlite, "LOCK_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(sqlite_copy["path"])
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(InteropError, match="is locked by another process"):
            import_mlflow(Catalog(tmp_path / "c.duckdb"), sqlite_copy["path"])
    finally:
        holder.rollback()
        holder.close()
    assert import_mlflow(Catalog(tmp_path / "c.duckdb"), sqlite_copy["path"]).runs == 4


def test_a_metric_line_that_does_not_parse(file_copy, tmp_path):
    loss = file_copy["path"] / file_copy["experiments"]["iris"] / file_copy["parent"] / "metrics" / "loss"
    with open(loss, "a") as fh:
        fh.write("not a metric line\n1700000999000 0.5 50\n")
    result = _cli(["import", "mlflow", "--json", str(file_copy["path"])], tmp_path / "c.duckdb")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert [p["where"] for p in report["problems"]] == [f"{loss}:51"]
    assert "is not a metric line" in report["problems"][0]["message"]
    history = queries.metric_history(Catalog(tmp_path / "c.duckdb"), file_copy["parent"], ["loss"])
    assert history.height == 51  # the 50 logged, plus the good line after the bad one
    assert report["runs"] == 4


def test_a_run_with_a_status_mlflow_does_not_define(file_copy, tmp_path):
    meta = file_copy["path"] / file_copy["experiments"]["mnist"] / file_copy["failed"] / "meta.yaml"
    meta.write_text(meta.read_text().replace("status: 4", "status: 9"))
    report = import_mlflow(Catalog(tmp_path / "c.duckdb"), file_copy["path"])
    assert [(p.where, p.message) for p in report.problems] == [
        (str(meta), "has a status MLflow does not define: 9")
    ]
    assert report.runs == 4


def test_cli_prints_a_summary_progress_and_names_literally(store, tmp_path):
    db = tmp_path / "c.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", "mlflow", str(store["path"])])
    assert result.exit_code == 0, result.output
    assert "4 runs from 3 experiments" in result.output
    assert "1 deleted in MLflow and hidden" in result.output
    assert "writing run folders: 4/4 runs" in result.output  # stderr, mixed in by the runner
    listing = _cli(["runs", "-c", "name,project"], db)
    assert "mnist [red]x[/]" in listing.output
    assert "gone" not in listing.output
    assert "gone" in _cli(["runs", "--all", "-c", "name,project"], db).output
