"""Sizes read as the app shows them ('38.9 kB') in tables and `show`; --json and --csv keep the
exact bytes for scripts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from _catalog_data import sample_catalog
from click.testing import CliRunner

import workbench as wb
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.formatting import format_size
from workbench.ingest import ingest_paths


def run(db: Path, *args: str, width: int = 80):
    return CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(width)})


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (38_887, "38.9 kB"), (999_949, "999.9 kB"),
     (999_960, "1.0 MB"), (1_234_567, "1.2 MB"), (5 * 10**9, "5.0 GB"), (None, "")],
)  # fmt: skip
def test_format_size_is_decimal_as_the_app_shows(size, shown) -> None:
    assert format_size(size) == shown


@pytest.fixture(scope="module")
def db_with_data(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sizes")
    data = tmp / "train.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(5000)))  # 48,339 bytes
    with wb.start_run(project="p", name="with-data", root=tmp / "runs",
                      capture_requirements=False) as r:  # fmt: skip
        r.log_dataset(data, name="[red]train[/]", role="train")
        r.log_artifact(data, "copy.csv")
    db = tmp / "c.duckdb"
    ingest_paths(Catalog(db), [tmp / "runs"])
    return db


def test_datasets_table_shows_human_sizes_and_json_csv_the_bytes(db_with_data) -> None:
    table = run(db_with_data, "datasets")
    assert table.exit_code == 0, table.output
    assert "48.3 kB" in table.stdout and "48339" not in table.stdout
    assert "[red]train[/]" in table.stdout
    header = table.stdout.splitlines()[0]
    size_end = header.index("size") + len("size")
    row = table.stdout.splitlines()[2]
    assert row[:size_end].endswith("48.3 kB")  # right-aligned under its header, as numbers are
    records = json.loads(run(db_with_data, "datasets", "--json").stdout)
    assert records[0]["size"] == 48_339
    rows = list(csv.DictReader(io.StringIO(run(db_with_data, "datasets", "--csv").stdout)))
    assert rows[0]["size"] == "48339"


def test_show_prints_artifact_dataset_and_model_sizes_for_people(db_with_data) -> None:
    result = run(db_with_data, "show", "with-data", width=200)
    assert result.exit_code == 0, result.output
    artifacts = result.stdout.split("Artifacts", 1)[1].split("Datasets", 1)[0]
    assert "copy.csv  48.3 kB" in artifacts
    datasets = result.stdout.split("Datasets", 1)[1]
    assert "48.3 kB" in datasets and "48339" not in result.stdout
    detail = json.loads(run(db_with_data, "show", "with-data", "--json").stdout)
    assert {a["size"] for a in detail["artifacts"]} == {48_339}
    assert detail["datasets"][0]["size"] == 48_339


def test_dataset_show_prints_the_size_for_people(db_with_data) -> None:
    result = run(db_with_data, "dataset", "show", "[red]train[/]")
    assert result.exit_code == 0, result.output
    assert any(line.split() == ["size", "48.3", "kB"] for line in result.stdout.splitlines())
    as_json = json.loads(run(db_with_data, "dataset", "show", "[red]train[/]", "--json").stdout)
    assert as_json["size"] == 48_339


def test_show_of_the_sample_run_reads_its_artifact_in_kb(tmp_path) -> None:
    db = sample_catalog(tmp_path).path
    result = run(db, "show", "aaaa1111")
    assert "model.pkl  1.2 kB" in result.stdout, result.stdout
