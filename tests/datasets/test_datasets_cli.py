"""The dataset commands: datasets [scan], dataset show|diff|profile, lineage (table, JSON, errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli.main import cli


def run(db: Path, *args: str, width: int = 120):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(width)})


@pytest.fixture
def data(tmp_path: Path, frame) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    frame.write_parquet(folder / "[red]x.parquet")
    frame.drop("[red]x[/]").write_csv(folder / "train.csv")
    return folder


def test_scan_then_list_show_and_profile(tmp_path: Path, data: Path) -> None:
    db = tmp_path / "c.duckdb"
    result = run(db, "datasets", "scan", str(data))
    assert result.exit_code == 0, result.output
    assert "2 data files found, 2 new versions" in result.stdout
    listing = run(db, "datasets", "--json")
    rows = json.loads(listing.stdout)
    assert [r["name"] for r in rows] == ["[red]x", "train"]
    assert rows[0]["rows"] == 5 and rows[0]["versions"] == 1
    assert run(db, "datasets", "--csv").stdout.splitlines()[0] == "name,versions,latest,format,size,rows,runs"
    table = run(db, "datasets").stdout
    assert "[red]x " in table  # literally, not as markup

    shown = run(db, "dataset", "show", "[red]x@latest")
    assert shown.exit_code == 0, shown.output
    assert "Dataset [red]x@1" in shown.stdout and "present" in shown.stdout
    detail = json.loads(run(db, "dataset", "show", "[red]x@1", "--json").stdout)
    assert [c["name"] for c in detail["schema"]][-1] == "[red]x[/]"
    assert detail["locations"][0]["exists"] is True

    profiled = run(db, "dataset", "profile", "[red]x")
    assert profiled.exit_code == 0, profiled.output
    assert "[red]x[/]" in profiled.stdout and "5 rows, distinct counts exact" in profiled.stdout
    body = json.loads(run(db, "dataset", "profile", "train", "--json").stdout)
    assert body["dataset"] == "train@1" and body["rows"] == 5
    assert [c["name"] for c in body["columns"]] == ["x", "y", "label"]


def test_diff_two_versions(tmp_path: Path, data: Path, frame) -> None:
    import polars as pl

    db = tmp_path / "c.duckdb"
    run(db, "datasets", "scan", str(data / "train.csv"))
    assert run(db, "dataset", "profile", "train@1").exit_code == 0  # before its file changes
    frame.drop("[red]x[/]").with_columns(pl.col("x").cast(pl.Float64), z=pl.lit(1)).drop("y").head(
        4
    ).write_csv(data / "train.csv")
    run(db, "datasets", "scan", str(data / "train.csv"))
    result = run(db, "dataset", "diff", "train@1", "train@2", "--json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.stdout)
    assert [c["name"] for c in diff["added"]] == ["z"]
    assert [c["name"] for c in diff["removed"]] == ["y"]
    assert diff["retyped"] == [{"name": "x", "type_a": "int64", "type_b": "float64"}]
    assert diff["rows_change"] == -1
    x = next(c for c in diff["columns"] if c["name"] == "x")
    assert (x["null_rate_a"], x["null_rate_b"]) == (0.2, 0.25)
    assert x["mean_a"] == pytest.approx(11 / 4) and x["mean_b"] == pytest.approx(2.0)
    table = run(db, "dataset", "diff", "train@1", "train@2").stdout
    assert "added" in table and "retyped" in table and "-1" in table


def test_diff_without_a_profile_says_so(tmp_path: Path, data: Path) -> None:
    db = tmp_path / "c.duckdb"
    run(db, "datasets", "scan", str(data / "train.csv"))
    (data / "train.csv").write_text("x,y,label\n1,2,a\n")
    run(db, "datasets", "scan", str(data / "train.csv"))
    result = run(db, "dataset", "diff", "train@1", "train@2")
    assert result.exit_code == 0, result.output
    assert "note: no profile of train@1 (its file is gone or unreadable)" in result.stderr
    assert json.loads(run(db, "dataset", "diff", "train@1", "train@2", "--json").stdout)[
        "rows_change"
    ] == -4


def test_lineage_tree_and_json(tmp_path: Path, runs_root: Path, data: Path) -> None:
    from workbench.tracking.run import start_run

    with start_run(root=runs_root, project="p", name="[b]run[/b]") as r:
        r.log_dataset(data / "train.csv")
        model = tmp_path / "m.bin"
        model.write_bytes(b"m")
        r.log_model(model, name="clf")
    db = tmp_path / "c.duckdb"
    assert run(db, "ingest", str(runs_root)).exit_code == 0
    tree = run(db, "lineage", "train@1")
    assert tree.exit_code == 0, tree.output
    lines = tree.stdout.splitlines()
    assert lines[0] == "dataset train@1"
    assert "run p/[b]run[/b]  (train)" in tree.stdout and "model clf (sklearn)" not in tree.stdout
    assert "model clf  (logged)" in tree.stdout
    up = json.loads(run(db, "lineage", "clf", "--up", "--json").stdout)
    assert up["direction"] == "up"
    assert {n["kind"] for n in up["nodes"]} == {"model", "run", "dataset"}
    down = run(db, "lineage", "clf", "--down")
    assert down.stdout.splitlines() == ["model clf"]


def test_errors_are_one_line(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    for args, text in [
        (("dataset", "show", "nope"), "error: no dataset is named 'nope'"),
        (("dataset", "show", "x@0"), "error: 'x@0': the version after @ must be a number"),
        (("lineage", "nope"), "error: nothing in the lineage is called 'nope'"),
        (("datasets", "scan", str(tmp_path / "missing")), "error: cannot scan"),
    ]:
        result = run(db, *args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith(text), result.stderr
        assert "Traceback" not in result.output
