"""Drift reports come out newest first wherever they are listed: `drift list`, and the lineage
around the data they compared (the service, so the app's lineage screen gets the same order,
and `workbench lineage`)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

import workbench as wb
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.drift.service import check_drift, list_reports
from workbench.ingest import ingest_paths
from workbench.registry.lineage import lineage

REPORTS = 8


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Catalog, list[str]]:
    """Data `ref@1` logged by a run, and REPORTS drift checks of it against other files, one
    after the other; returns the catalog and the report ids, newest first."""
    tmp = tmp_path_factory.mktemp("order")
    ref = tmp / "ref.csv"
    ref.write_text("x,y\n" + "".join(f"{i},{i % 7}\n" for i in range(300)))
    with wb.start_run(project="p", name="r", root=tmp / "runs", capture_requirements=False) as run:
        run.log_dataset(ref, name="ref", role="train")
    cat = Catalog(tmp / "c.duckdb")
    ingest_paths(cat, [tmp / "runs"])
    ids = []
    for n in range(REPORTS):
        current = tmp / f"cur{n}.csv"
        current.write_text("x,y\n" + "".join(f"{i + n * 10},{i % 5}\n" for i in range(300)))
        ids.append(check_drift(cat, "ref@1", current).report_id)
    return cat, ids[::-1]


def test_drift_list_is_newest_first(checked) -> None:
    cat, newest_first = checked
    assert list_reports(cat)["report_id"].to_list() == newest_first


def test_the_lineage_lists_the_reports_of_a_dataset_newest_first(checked) -> None:
    cat, newest_first = checked
    graph = lineage(cat, "ref@1", "down")
    reports = [e.target.removeprefix("drift:") for e in graph.downstream("dataset:ref@1")
               if e.target.startswith("drift:")]  # fmt: skip
    assert reports == newest_first
    up = lineage(cat, f"drift:{newest_first[0]}", "up")  # the other way: its one dataset
    assert [e.source for e in up.upstream(f"drift:{newest_first[0]}")] == ["dataset:ref@1"]


def test_workbench_lineage_prints_them_newest_first(checked) -> None:
    cat, newest_first = checked
    result = CliRunner().invoke(cli, ["--db", str(cat.path), "lineage", "ref@1", "--down"],
                                env={"COLUMNS": "120"})  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = re.findall(r"report ([0-9a-f]{8}):", result.stdout)
    assert shown == [i[:8] for i in newest_first], result.stdout
