"""The read commands: runs, show, metrics, compare, sql, projects (table, --json, --csv, errors)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from _catalog_data import sample_catalog
from click.testing import CliRunner

from workbench.cli.main import cli


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return str(sample_catalog(tmp_path_factory.mktemp("cli")).path)


def run(db: str, *args: str, width: int = 80):
    runner = CliRunner()
    return runner.invoke(cli, ["--db", db, *args], env={"COLUMNS": str(width)})


def test_runs_json_shape(db):
    result = run(db, "runs", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 5
    first = next(r for r in records if r["id"] == "aaaa1111")
    assert first["params"] == {"epochs": 10, "lr": 0.1, "model": "svm", "my key": "x"}
    assert first["metrics"] == {"acc": 0.95, "loss": 0.2}
    assert first["tags"] == {"stage": "prod"}
    assert first["started_at"] == "2026-01-15T12:00:00Z"
    assert {"id", "project", "name", "status", "started_at", "ended_at"} <= set(first)
    nan_run = next(r for r in records if r["id"] == "bbbb3333")
    assert nan_run["metrics"]["acc"] is None


def test_runs_filter_sort_limit_json(db):
    result = run(
        db, "runs", "--filter", "metrics.acc > 0.5", "--sort", "-metrics.acc", "--limit", "1",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["lr-0.1"]


def test_runs_csv_is_wide(db):
    result = run(db, "runs", "--csv", "--project", "iris", "--sort", "name")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == ["lr-0.01", "lr-0.1"]
    assert rows[1]["params.lr"] == "0.1" and rows[1]["metrics.acc"] == "0.95"
    assert rows[1]["started_at"] == "2026-01-15T12:00:00Z"


def test_runs_table_fits_80_columns_and_shows_markup_literally(db):
    result = run(db, "runs")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "[red]markup[/]" in result.stdout
    assert "stale" in result.stdout
    assert "more columns not shown" in result.stderr


def test_runs_columns_option(db):
    result = run(db, "runs", "-c", "name,metrics.acc", "--json")
    records = json.loads(result.stdout)
    assert set(records[0]) == {"id", "name", "params", "metrics", "tags"}
    result = run(db, "runs", "-c", "name", "-c", "metrics.acc", "--csv")
    assert result.stdout.splitlines()[0] == "id,name,metrics.acc"


def test_runs_search(db):
    result = run(db, "runs", "--search", "MARKUP", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["cccc4444"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "--filter", "metrics.acc >"], "error: expected a value after '>' at column 14"),
        (["runs", "--sort", "bogus"], "error: unknown field 'bogus'"),
        (["show", "aaaa"], "error: 'aaaa' matches several runs"),
        (["show", "nope"], "error: no run matches 'nope'"),
        (["sql", "DROP TABLE runs"], "error: the catalog is read-only here"),
        (["sql", "SELEC 1"], "error: sql error"),
        (["metrics", "nope"], "error: no run matches"),
    ],
)
def test_user_errors_are_one_line(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["show", "nope"], "(see `workbench runs`)"),
        (["compare", "nope", "aaaa1111"], "(see `workbench runs`)"),
        (["sql", "DROP TABLE runs"], "(change the catalog with `workbench ingest`)"),
    ],
)
def test_the_cli_adds_its_own_hint_to_service_errors(db, args, hint):
    result = run(db, *args)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(hint)


def test_show_table_and_json(db):
    result = run(db, "show", "iris/lr-0.1")
    assert result.exit_code == 0, result.output
    for text in ("aaaa1111", "Params", "Metrics", "model.pkl", "best so far", "train.py"):
        assert text in result.stdout
    data = json.loads(run(db, "show", "lr-0.1", "--json").stdout)
    assert data["params"]["lr"] == 0.1 and data["notes"] == "best so far"
    assert data["metrics"][0] == {
        "key": "acc", "last": 0.95, "min": 0.5, "max": 0.95, "last_step": 2, "count": 3,
    }  # fmt: skip


def test_show_markup_name_literally(db):
    result = run(db, "show", "cccc4444")
    assert result.exit_code == 0
    assert "[red]markup[/]" in result.stdout


def test_metrics_command(db):
    result = run(db, "metrics", "lr-0.1", "acc", "--json")
    points = json.loads(result.stdout)
    assert [p["value"] for p in points] == [0.5, 0.8, 0.95]
    assert points[0]["run_id"] == "aaaa1111" and points[0]["timestamp"].endswith("Z")
    result = run(db, "metrics", "lr-0.1", "--csv", "--max-points", "4")
    assert result.stdout.splitlines()[0] == "run_id,run_name,key,step,timestamp,value"
    table = run(db, "metrics", "lr-0.1")
    assert "loss" in table.stdout and table.exit_code == 0


def test_compare_command(db):
    result = run(db, "compare", "aaaa1111", "aaaa2222", "--json")
    rows = json.loads(result.stdout)
    acc = next(r for r in rows if r["section"] == "metric" and r["key"] == "acc")
    assert acc == {
        "section": "metric",
        "key": "acc",
        "lr-0.1": "0.95",
        "lr-0.01": "0.7",
        "best": "lr-0.1",
    }
    diff = run(db, "compare", "aaaa1111", "aaaa2222", "--only-diff", "--csv")
    assert "epochs" in diff.stdout
    assert run(db, "compare", "aaaa1111").exit_code == 2  # usage: needs two


def test_sql_and_projects(db):
    result = run(db, "sql", "SELECT name FROM runs_view WHERE status = 'stale'", "--json")
    assert json.loads(result.stdout) == [{"name": "[red]markup[/]"}]
    result = run(db, "projects", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["project"]: r["runs"] for r in rows} == {"mnist": "3", "iris": "2"}
    assert "mnist" in run(db, "projects").stdout


def test_empty_catalog_reads_nothing(tmp_path):
    db = str(tmp_path / "new.duckdb")
    result = run(db, "runs")
    assert result.exit_code == 0 and "no runs match" in result.stdout
    assert json.loads(run(db, "runs", "--json").stdout) == []
    assert json.loads(run(db, "projects", "--json").stdout) == []


def test_runs_table_shows_the_sort_column_and_short_long_ids(tmp_path):
    from _catalog_data import add_runs

    from workbench.catalog.connection import Catalog

    cat = Catalog(tmp_path / "c.duckdb")
    long_id = "3f2a9c1e5b7d4e0f8a6b2c4d1e3f5a7b"
    add_runs(
        cat,
        [
            {"id": long_id, "name": "a", "metrics": {"zz_last_metric": [0.5]},
             "params": {f"p{i}": i for i in range(20)}},
            {"id": "short", "name": "b", "metrics": {"zz_last_metric": [0.9]}},
        ],
    )  # fmt: skip
    result = run(str(cat.path), "runs", "--sort", "-metrics.zz_last_metric")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    assert header[:3] == ["id", "name", "metrics.zz_last_metric"]
    assert "3f2a9c1e " in result.stdout and long_id not in result.stdout
    assert "short" in result.stdout
    assert run(str(cat.path), "show", "3f2a9c1e").exit_code == 0
