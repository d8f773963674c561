"""`workbench demo` and the any-language promise: sample runs and a bash-written run ingest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench import demo
from workbench.catalog import queries
from workbench.catalog.connection import Catalog
from workbench.cli.main import cli
from workbench.errors import WorkbenchError
from workbench.ingest import ingest_paths

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())


def _small_plan(samples: Path) -> list[list[str]]:
    """Two quick sample commands: one that finishes, one that fails on purpose."""
    classifier = str(samples / "classifier_sweep.py")
    return [
        [classifier, "--dataset", "wine", "--lr", "0.05", "--epochs", "3"],
        [classifier, "--dataset", "wine", "--lr", "0.5", "--epochs", "5", "--fail-at-epoch", "2"],
    ]


@pytest.fixture
def quick_demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make the demo run a two-command plan and keep its data under tmp_path."""
    monkeypatch.setattr(demo, "load_sweep_plan", _small_plan)
    monkeypatch.setattr(demo, "user_data_dir", lambda: tmp_path / "data")
    return tmp_path / "data" / "demo"


def test_demo_runs_samples_and_ingests_them(quick_demo: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--no-ui"])
    assert result.exit_code == 0, result.output
    assert "classifier_sweep.py --dataset wine" in result.output
    assert "(exit 1)" in result.output  # the failing run is reported, not hidden
    runs = queries.list_runs(Catalog(quick_demo / "catalog.duckdb"))
    assert sorted(runs["status"].to_list()) == ["failed", "finished"]
    assert any(column.startswith("metrics.") for column in runs.columns)


TINY_RUN = """
import sys
import workbench as wb
with wb.start_run(project="tiny", name=sys.argv[1], capture_requirements=False) as run:
    run.log_metrics({"acc": 0.5})
"""


@pytest.fixture
def tiny_demo(quick_demo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The demo with a two-command plan of runs that import only workbench (no scikit-learn),
    for the tests about the demo's folders rather than what the samples log."""
    script = tmp_path / "tiny_run.py"
    script.write_text(TINY_RUN)
    plan = [[str(script), "one"], [str(script), "two"]]
    monkeypatch.setattr(demo, "load_sweep_plan", lambda samples: plan)
    return quick_demo


def test_demo_twice_starts_afresh(tiny_demo: Path) -> None:
    for _ in range(2):
        result = CliRunner().invoke(cli, ["demo", "--no-ui"])
        assert result.exit_code == 0, result.output
    runs = queries.list_runs(Catalog(tiny_demo / "catalog.duckdb"))
    assert runs.height == 2  # the second demo replaced the first one's runs


def test_demo_refuses_to_empty_a_folder_it_did_not_make(quick_demo: Path) -> None:
    (quick_demo / "runs").mkdir(parents=True)
    (quick_demo / "runs" / "precious.txt").write_text("keep me")
    with pytest.raises(WorkbenchError, match="was not made by workbench demo"):
        demo.prepare_root(quick_demo / "runs", owned=True)
    assert (quick_demo / "runs" / "precious.txt").read_text() == "keep me"


def test_demo_with_explicit_root_keeps_existing_files(tiny_demo: Path, tmp_path: Path) -> None:
    root = tmp_path / "mine"
    root.mkdir()
    (root / "precious.txt").write_text("keep me")
    result = CliRunner().invoke(
        cli, ["demo", "--no-ui", "--root", str(root), "--db", str(tmp_path / "c.duckdb")]
    )
    assert result.exit_code == 0, result.output
    assert (root / "precious.txt").read_text() == "keep me"
    assert queries.list_runs(Catalog(tmp_path / "c.duckdb")).height == 2


def test_sample_projects_are_found() -> None:
    assert demo.find_sample_projects() == REPO / "sample_projects"
    plan = demo.load_sweep_plan(REPO / "sample_projects")
    assert len(plan) >= 10


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_written_run_ingests(tmp_path: Path) -> None:
    """A run folder written by bash + printf, following docs/run-format.md alone, ingests."""
    root = tmp_path / "runs"
    subprocess.run(
        ["bash", str(REPO / "sample_projects" / "shell_run.sh"), str(root), "[red]bash[/]", "7"],
        check=True,
        capture_output=True,
    )
    cat = Catalog(tmp_path / "c.duckdb")
    report = ingest_paths(cat, [root])
    assert report.errors == 0
    runs = queries.list_runs(cat)
    assert runs["name"].to_list() == ["[red]bash[/]"]
    assert runs["status"].to_list() == ["finished"]
    history = queries.metric_history(cat, runs["id"].to_list())
    assert history.height >= 7


def test_ingest_summary_shows_the_catalog_path_as_it_is(tmp_path) -> None:
    """The summary once went through str.capitalize(), which lower-cased the whole path."""
    from workbench.demo import ingest_demo

    root = tmp_path / "Runs"
    root.mkdir()
    db = tmp_path / "MyCatalog" / "Catalog.duckdb"
    summary = ingest_demo(root, db)
    assert summary.startswith("Ingested 0 runs")
    assert summary.endswith(str(db))


def _model_plan(samples: Path) -> list[list[str]]:
    """The two breast-cancer models the demo registers, the second with a drifted batch."""
    script = str(samples / "model_and_dataset.py")
    return [
        [script, "--model", "logreg", "--C", "1.0"],
        [script, "--model", "forest", "--n-estimators", "80", "--drift", "0.8"],
    ]


def test_demo_registers_promotes_and_checks_drift_afresh_each_time(
        quick_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo leaves a champion, a production batch and a drift report for the app's
    Models, Lineage and Drift screens; a second demo starts its registry afresh."""
    from workbench import registry
    from workbench.drift.service import list_reports

    monkeypatch.setattr(demo, "load_sweep_plan", _model_plan)
    monkeypatch.delenv("WORKBENCH_REGISTRY", raising=False)
    for _ in range(2):
        result = CliRunner().invoke(cli, ["demo", "--no-ui"])
        assert result.exit_code == 0, result.output
        assert "Registered breast-cancer v1 (champion) and v2" in result.output, result.output
        assert "checked it against the training data: drift" in result.output, result.output
    cat = Catalog(quick_demo / "catalog.duckdb")
    chosen = registry.get_version(cat, "breast-cancer@champion")
    assert chosen.version == 1
    assert [e.kind for e in registry.history(cat, "breast-cancer")].count("register") == 2
    assert list_reports(cat).height == 1


def test_demo_never_writes_to_a_registry_it_did_not_make(
        tiny_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guards decide before any model is registered, so the quick runs do (each
    assertion names the guard's own sentence, not any skip)."""
    (tmp_path / "mine" / "registry").mkdir(parents=True)
    log = tmp_path / "mine" / "registry" / "events.jsonl"
    log.write_text("")
    result = CliRunner().invoke(cli, ["demo", "--no-ui", "--root", str(tmp_path / "r"),
                                      "--db", str(tmp_path / "mine" / "c.duckdb")])
    assert result.exit_code == 0, result.output
    assert "already holds a registry log" in result.output and log.read_text() == ""
    monkeypatch.setenv("WORKBENCH_REGISTRY", str(tmp_path / "team-registry"))
    result = CliRunner().invoke(cli, ["demo", "--no-ui"])
    assert "Registry step skipped: $WORKBENCH_REGISTRY" in result.output
    assert not (tmp_path / "team-registry").exists()
