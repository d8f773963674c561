"""Lineage through the registry: data -> run -> model version -> production batch -> drift
report, walked both ways, in the service and in `workbench lineage`."""

from __future__ import annotations

import json

import pytest
from _drift_env import frame, log_batch, trained_env
from click.testing import CliRunner

from workbench import registry
from workbench.cli.main import cli
from workbench.drift.service import check_drift
from workbench.errors import NotFoundError
from workbench.registry.lineage import lineage


def _env(tmp_path):
    env = trained_env(tmp_path)
    log_batch(env, frame(1))  # made by v1, the champion
    env.report = check_drift(env.cat, "churn@champion:train", "churn@champion:production")
    return env


@pytest.fixture
def env(tmp_path):
    return _env(tmp_path)


@pytest.fixture(scope="module")
def unchanged_env(tmp_path_factory):
    """One env for the tests that only walk the lineage (they change nothing)."""
    return _env(tmp_path_factory.mktemp("lineage"))


def _edges(graph) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.label) for e in graph.edges}


def _batch_run(graph) -> str:
    return next(e.source for e in graph.edges
                if e.target == "dataset:predictions@1" and e.source.startswith("run:"))  # fmt: skip


def test_down_from_the_training_data_to_the_drift_report(unchanged_env) -> None:
    env = unchanged_env
    graph = lineage(env.cat, "train-set@1", "down")
    run1, run2 = (f"run:{r}" for r in env.run_ids)
    report = f"drift:{env.report.report_id}"
    assert {
        ("dataset:train-set@1", run1, "train"),
        (run1, "version:churn@1", "registered"),
        ("dataset:train-set@1", "version:churn@1", "train"),
        ("dataset:train-set@1", "version:churn@2", "train"),
        ("version:churn@1", "dataset:predictions@1", "production"),
        ("dataset:predictions@1", report, "current"),
        ("dataset:train-set@1", report, "reference"),
        ("version:churn@1", report, "checked"),
    } <= _edges(graph)
    assert (run2, "version:churn@2", "registered") in _edges(graph)
    assert graph.nodes["version:churn@1"].label == "churn@1 [champion]"
    assert graph.nodes[report].label.startswith(f"report {env.report.report_id[:8]}: no drift, ")


def test_up_from_the_drift_report_to_the_training_data(unchanged_env) -> None:
    env = unchanged_env
    report = f"drift:{env.report.report_id}"
    graph = lineage(env.cat, f"drift:{env.report.report_id[:6]}", "up")
    assert graph.root == report
    run1 = f"run:{env.run_ids[0]}"
    assert {
        ("dataset:predictions@1", report, "current"),
        ("version:churn@1", "dataset:predictions@1", "production"),
        (run1, "version:churn@1", "registered"),
        ("dataset:train-set@1", run1, "train"),
    } <= _edges(graph)
    # the run that recorded the batch wrote it: upstream of the batch, not downstream
    assert (_batch_run(graph), "dataset:predictions@1", "production") in _edges(graph)
    assert not graph.downstream(report)


def test_a_version_is_named_by_number_alias_or_node_id(unchanged_env) -> None:
    env = unchanged_env
    assert lineage(env.cat, "churn@champion").root == "version:churn@1"
    assert lineage(env.cat, "churn@2").root == "version:churn@2"
    assert lineage(env.cat, "version:churn@latest").root == "version:churn@2"
    assert lineage(env.cat, "churn").root == "version:churn@2"  # no dataset, run or logged model
    graph = lineage(env.cat, "version:churn@2")
    assert graph.upstream("version:churn@2") and not graph.downstream("version:churn@2")
    with pytest.raises(NotFoundError, match="model 'churn' has no version 9"):
        lineage(env.cat, "version:churn@9")
    with pytest.raises(NotFoundError, match="no version of model 'churn' holds the alias 'staging'"):
        lineage(env.cat, "churn@staging")
    with pytest.raises(NotFoundError, match="no dataset or model of that name"):
        lineage(env.cat, "zzz@1")
    with pytest.raises(NotFoundError, match="no drift report has an id starting 'zz'"):
        lineage(env.cat, "drift:zz")


def test_registry_events_not_yet_in_the_catalog_are_read_first(env) -> None:
    registry.register(env.cat, env.add_run(0.95, dataset=env.tmp / "train.parquet"), "churn")
    from workbench.formats import registry_log

    events = registry_log.read_events(env.log_path)
    assert events[-1]["kind"] == "register"
    with env.cat.connect() as con:  # a catalog that has not caught up with the log
        con.execute("DELETE FROM model_version WHERE version = 3")
        con.execute("DELETE FROM registry_event WHERE seq = ?", [events[-1]["seq"]])
    assert lineage(env.cat, "churn@3").root == "version:churn@3"


def test_the_cli_prints_the_tree_and_json(unchanged_env) -> None:
    env = unchanged_env
    runner = CliRunner()
    base = ["--db", str(env.cat.path), "lineage"]
    text = runner.invoke(cli, [*base, "churn@champion"])
    assert text.exit_code == 0, text.output
    assert "version churn@1 [champion]" in text.output
    assert "dataset predictions@1  (production)" in text.output
    assert f"drift report {env.report.report_id[:8]}: no drift" in text.output
    data = json.loads(runner.invoke(cli, [*base, "drift:" + env.report.report_id, "--up",
                                          "--json"]).output)  # fmt: skip
    assert data["root"] == f"drift:{env.report.report_id}"
    kinds = {n["kind"] for n in data["nodes"]}
    assert kinds == {"drift", "dataset", "version", "run"}
    missing = runner.invoke(cli, [*base, "churn@staging"])
    assert missing.exit_code == 1
    assert missing.output.strip() == "error: no version of model 'churn' holds the alias 'staging'"


def test_names_with_markup_are_printed_literally(tmp_path) -> None:
    env = trained_env(tmp_path, name="[red]m[/]")
    result = CliRunner().invoke(cli, ["--db", str(env.cat.path), "lineage", "[red]m[/]@champion"])
    assert result.exit_code == 0, result.output
    assert "version [red]m[/]@1 [champion]" in result.output


def test_a_catalog_rebuilt_from_run_folders_and_the_log_has_the_same_registry_lineage(env) -> None:
    from workbench.catalog.connection import Catalog
    from workbench.ingest import ingest_paths

    def registry_edges(cat) -> set[tuple[str, str, str]]:
        graph = lineage(cat, "train-set@1", "down")
        return {e for e in _edges(graph) if not e[1].startswith("drift:")}

    before = registry_edges(env.cat)
    assert ("version:churn@1", "dataset:predictions@1", "production") in before
    rebuilt = Catalog(env.tmp / "rebuilt" / "catalog.duckdb")
    ingest_paths(rebuilt, [env.root])
    # no log beside the new catalog yet: runs and data only
    assert not any("version:" in a or "version:" in b for a, b, _ in registry_edges(rebuilt))
    graph = lineage(rebuilt, "train-set@1", "down", registry=env.registry)
    assert {e for e in _edges(graph) if not e[1].startswith("drift:")} == before
