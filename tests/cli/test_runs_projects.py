"""`workbench runs` over several projects says which project each run is in, at 80 columns,
without giving up the metrics; one project's list reads as before."""

from __future__ import annotations

import csv
import io
import json

import pytest
from _catalog_data import add_runs, sample_catalog
from click.testing import CliRunner

from workbench.catalog.connection import Catalog
from workbench.cli.main import cli


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return str(sample_catalog(tmp_path_factory.mktemp("projects")).path)


def run(db: str, *args: str, width: int = 80):
    return CliRunner().invoke(cli, ["--db", db, *args], env={"COLUMNS": str(width)})


def _table(result) -> tuple[list[str], list[str]]:
    lines = result.stdout.splitlines()
    return lines[0].split(), lines[2:]


def test_several_projects_read_project_slash_name_beside_the_metrics(db) -> None:
    result = run(db, "runs", "--sort", "name")
    assert result.exit_code == 0, result.output
    header, rows = _table(result)
    assert header[:2] == ["id", "project/name"]
    assert "metrics.acc" in header and "project" not in header
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    names = [line.split()[1] for line in rows]
    assert names == ["mnist/[red]markup[/]", "mnist/baseline", "mnist/live", "iris/lr-0.01",
                     "iris/lr-0.1"]  # fmt: skip
    # what the column shows names the run for `show`
    assert run(db, "show", "iris/lr-0.1").exit_code == 0


def test_one_project_reads_as_before(db) -> None:
    header, rows = _table(run(db, "runs", "--project", "iris", "--sort", "name"))
    assert header[:3] == ["id", "name", "status"]
    assert header.index("metrics.acc") < header.index("project")
    assert [line.split()[1] for line in rows] == ["lr-0.01", "lr-0.1"]
    filtered = run(db, "runs", "--filter", "metrics.acc > 0.5")  # one project left
    assert _table(filtered)[0][1] == "name"


def test_sorted_by_project_keeps_its_own_column(db) -> None:
    header, rows = _table(run(db, "runs", "--sort", "project,name"))
    assert header[:3] == ["id", "name", "project"]
    assert rows[0].split()[1:3] == ["lr-0.01", "iris"]


def test_chosen_columns_json_and_csv_are_unchanged(db) -> None:
    header, _ = _table(run(db, "runs", "-c", "project,name,metrics.acc"))
    assert header == ["id", "project", "name", "metrics.acc"]
    records = json.loads(run(db, "runs", "--json").stdout)
    assert {r["name"] for r in records} >= {"lr-0.1", "baseline"}
    rows = list(csv.DictReader(io.StringIO(run(db, "runs", "--csv").stdout)))
    assert {r["project"] for r in rows} == {"iris", "mnist"} and "lr-0.1" in {r["name"] for r in rows}


def test_wide_terminal_and_markup_in_a_project_name(tmp_path) -> None:
    cat = Catalog(tmp_path / "c.duckdb")
    add_runs(cat, [{"id": "r1", "name": "a", "project": "[bold]p[/]", "metrics": {"acc": [0.5]}},
                   {"id": "r2", "name": "b", "project": "q\x1b[2J", "metrics": {"acc": [0.7]}}])
    result = run(str(cat.path), "runs", "--sort", "name", width=200)
    _, rows = _table(result)
    assert [line.split()[1] for line in rows] == ["[bold]p[/]/a", "q\\x1b[2J/b"]
    assert "\x1b" not in result.stdout
